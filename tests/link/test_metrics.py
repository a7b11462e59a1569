import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gvae_ext.link import _ranking
from gvae_ext.link.metrics import (
    UndefinedMetricWarning,
    average_precision_score,
    hits_at_k,
    link_auc_ap,
    link_average_precision,
    link_roc_auc,
    mrr,
    roc_auc_score,
)
from tests.conftest import DEVICES

skm = pytest.importorskip('sklearn.metrics')


def gen(seed):
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------------------
# Independent brute-force references (quadratic, written from the definitions).


def brute_auc(pred, target):
    pred, target = pred.double().tolist(), target.bool().tolist()
    pos = [p for p, t in zip(pred, target) if t]
    neg = [p for p, t in zip(pred, target) if not t]
    wins = sum((p > q) + 0.5 * (p == q) for p, q in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def brute_ap(pred, target):
    pred, target = pred.double().tolist(), target.bool().tolist()
    num_pos = sum(target)
    ap, prev_recall = 0.0, 0.0
    for thr in sorted(set(pred), reverse=True):
        above = [t for p, t in zip(pred, target) if p >= thr]
        recall = sum(above) / num_pos
        ap += (recall - prev_recall) * sum(above) / len(above)
        prev_recall = recall
    return ap


def brute_hits(pos, neg, k):
    if neg.numel() < k:
        return 1.0
    kth = sorted(neg.tolist(), reverse=True)[k - 1]
    return sum(p > kth for p in pos.tolist()) / pos.numel()


def brute_mrr(pos, neg):
    total = 0.0
    for p, row in zip(pos.tolist(), neg.tolist()):
        rank = 1 + 0.5 * (sum(q > p for q in row) + sum(q >= p for q in row))
        total += 1.0 / rank
    return total / pos.numel()


def sk_auc_ap(pred, target):
    y, s = target.double().numpy(), pred.double().numpy()
    return skm.roc_auc_score(y, s), skm.average_precision_score(y, s)


def check_all_forms(pred, target, auc, ap, tol=1e-6):
    r"""Every public AUC/AP entry point agrees with ``(auc, ap)``."""
    label = target.bool()
    pos, neg = pred[label], pred[~label]
    assert abs(float(roc_auc_score(pred, target)) - auc) <= tol
    assert abs(float(average_precision_score(pred, target)) - ap) <= tol
    assert abs(float(link_roc_auc(pos, neg)) - auc) <= tol
    assert abs(float(link_average_precision(pos, neg)) - ap) <= tol
    link_auc, link_ap = link_auc_ap(pos, neg)
    assert abs(float(link_auc) - auc) <= tol
    assert abs(float(link_ap) - ap) <= tol


# ---------------------------------------------------------------------------
# Agreement with scikit-learn.


def _labels(g, n, rate=0.5):
    target = (torch.rand(n, generator=g) < rate).long()
    target[0], target[1] = 1, 0  # both classes present
    return target


CASES = {
    'probs': lambda g: (torch.rand(500, generator=g), _labels(g, 500)),
    'logits': lambda g: (8 * torch.randn(500, generator=g), _labels(g, 500)),
    'int-ties': lambda g: (
        torch.randint(0, 5, (400,), generator=g).float(),
        _labels(g, 400),
    ),
    'all-tied': lambda g: (torch.full((50,), 0.3), _labels(g, 50)),
    'imbalance-1pct': lambda g: (
        torch.randn(2000, generator=g),
        _labels(g, 2000, 0.01),
    ),
    'imbalance-99pct': lambda g: (
        torch.randn(2000, generator=g),
        _labels(g, 2000, 0.99),
    ),
    'single-pos': lambda g: (
        torch.randn(100, generator=g),
        torch.eye(1, 100, dtype=torch.long)[0],
    ),
    'single-neg': lambda g: (
        torch.randn(100, generator=g),
        1 - torch.eye(1, 100, dtype=torch.long)[0],
    ),
    'large-1e5': lambda g: (torch.randn(100_000, generator=g), _labels(g, 100_000)),
    'large-1e5-ties': lambda g: (
        torch.randint(0, 1000, (100_000,), generator=g).float(),
        _labels(g, 100_000),
    ),
    'float16': lambda g: (torch.randn(3000, generator=g).half(), _labels(g, 3000)),
    'bfloat16': lambda g: (torch.randn(3000, generator=g).bfloat16(), _labels(g, 3000)),
    'float64': lambda g: (torch.randn(500, generator=g).double(), _labels(g, 500)),
    'int64-scores': lambda g: (
        torch.randint(-50, 50, (500,), generator=g),
        _labels(g, 500),
    ),
    'uint8-scores': lambda g: (
        torch.randint(0, 256, (500,), generator=g, dtype=torch.uint8),
        _labels(g, 500),
    ),
    'bool-scores': lambda g: (torch.rand(300, generator=g) < 0.4, _labels(g, 300)),
    'bool-target': lambda g: (torch.randn(300, generator=g), _labels(g, 300).bool()),
    'float-target': lambda g: (torch.randn(300, generator=g), _labels(g, 300).float()),
    'int8-target': lambda g: (
        torch.randn(300, generator=g),
        _labels(g, 300).to(torch.int8),
    ),
    'signed-zeros': lambda g: (
        torch.tensor([0.0, -0.0, 0.0, -0.0, 1.0, -1.0]),
        torch.tensor([1, 0, 0, 1, 0, 1]),
    ),
}


@pytest.mark.parametrize('case', list(CASES), ids=list(CASES))
def test_auc_ap_match_sklearn(case):
    pred, target = CASES[case](gen(0))
    auc, ap = sk_auc_ap(pred, target)
    check_all_forms(pred, target, auc, ap)


def test_auc_ap_match_brute_force_with_inf_and_huge_ints():
    inf = float('inf')
    pred = torch.tensor([inf, -inf, inf, 0.5, -inf, 0.5, 3.0, -2.0])
    target = torch.tensor([1, 0, 0, 1, 1, 0, 0, 1])
    check_all_forms(pred, target, brute_auc(pred, target), brute_ap(pred, target))
    # int64 extremes are ranked exactly (a float64 round trip would tie them).
    big = 2**62
    pred = torch.tensor([big, big + 1, -big, -big - 1, 2**63 - 1, -(2**63)])
    target = torch.tensor([0, 1, 1, 0, 1, 0])
    # Order: 2**63-1 (+), big+1 (+), big (-), -big (+), -big-1 (-), -2**63 (-).
    assert math.isclose(float(roc_auc_score(pred, target)), 8 / 9)
    assert math.isclose(float(average_precision_score(pred, target)), 2.75 / 3)


scores = st.lists(
    st.one_of(
        st.integers(-3, 3).map(float),
        st.floats(-1e6, 1e6, allow_nan=False, width=32),
    ),
    min_size=2,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(values=scores, data=st.data())
def test_auc_ap_hypothesis(values, data):
    n = len(values)
    labels = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    labels[0], labels[1] = True, False
    pred, target = torch.tensor(values), torch.tensor(labels)
    auc, ap = sk_auc_ap(pred, target)
    check_all_forms(pred, target, auc, ap)
    assert abs(auc - brute_auc(pred, target)) < 1e-9
    assert abs(ap - brute_ap(pred, target)) < 1e-9


@pytest.mark.parametrize('chunk', [1, 2, 7, 64], ids=lambda c: f'chunk-{c}')
def test_blocked_walk_matches_sklearn(monkeypatch, chunk):
    # Small CPU blocks make tie groups and label runs straddle block borders.
    monkeypatch.setattr(_ranking, '_CPU_CHUNK', chunk)
    g = gen(4)
    for pred in (
        torch.randint(0, 6, (150,), generator=g).float(),
        torch.randn(150, generator=g).double(),
        torch.randint(-3, 3, (150,), generator=g),
    ):
        target = _labels(g, 150)
        auc, ap = sk_auc_ap(pred, target)
        check_all_forms(pred, target, auc, ap, tol=1e-12)


def test_descending_keys_order_special_values():
    values = [float('inf'), 3.5, 1e-40, 0.0, -0.0, -1e-40, -2.0, float('-inf')]
    for dtype in (torch.float32, torch.float64):
        keys, perm = _ranking.sort_keys(torch.tensor(values, dtype=dtype))
        assert keys.dtype == (torch.int32 if dtype == torch.float32 else torch.int64)
        assert torch.all(keys[1:] >= keys[:-1])
        # Exactly one tie: +0.0 and -0.0.
        assert int((keys[1:] == keys[:-1]).sum()) == 1
        assert sorted(perm[3:5].tolist()) == [3, 4]
        assert perm[:3].tolist() == [0, 1, 2] and perm[5:].tolist() == [5, 6, 7]


# ---------------------------------------------------------------------------
# Invariances and exact values.


@pytest.mark.parametrize(
    'transform',
    [lambda p: 100 * p, lambda p: p - 10, torch.sigmoid, lambda p: 1e-6 * p],
    ids=['scale-100', 'shift-minus-10', 'sigmoid', 'scale-1e-6'],
)
def test_auc_ap_invariant_under_monotone_transforms(transform):
    g = gen(1)
    pred, target = torch.randn(300, generator=g).double(), _labels(g, 300)
    auc, ap = roc_auc_score(pred, target), average_precision_score(pred, target)
    moved = transform(pred)
    assert torch.isclose(roc_auc_score(moved, target), auc, rtol=0, atol=1e-12)
    assert torch.isclose(average_precision_score(moved, target), ap, rtol=0, atol=1e-12)


def test_constant_predictor():
    target = torch.tensor([1, 0, 0, 0, 1, 0, 0, 0])
    pred = torch.full((8,), 7.0)
    assert float(roc_auc_score(pred, target)) == 0.5
    assert float(average_precision_score(pred, target)) == 0.25


def test_perfect_and_reversed_ranking():
    pred = torch.arange(10.0)
    target = (pred >= 6).long()
    assert float(roc_auc_score(pred, target)) == 1.0
    assert float(average_precision_score(pred, target)) == 1.0
    assert float(roc_auc_score(-pred, target)) == 0.0
    # Positives ranked 7..10 of 10: AP = (1/7 + 2/8 + 3/9 + 4/10) / 4.
    expected = (1 / 7 + 2 / 8 + 3 / 9 + 4 / 10) / 4
    assert math.isclose(float(average_precision_score(-pred, target)), expected)


def test_hand_computed_ties():
    # Scores 0.8 (pos), 0.5 (pos, neg tied), 0.1 (neg).
    pred = torch.tensor([0.8, 0.5, 0.5, 0.1])
    target = torch.tensor([1, 1, 0, 0])
    # Pairs: (0.8 > 0.5) 1, (0.8 > 0.1) 1, (0.5 = 0.5) 1/2, (0.5 > 0.1) 1.
    assert float(roc_auc_score(pred, target)) == 3.5 / 4
    # Thresholds 0.8: R=1/2, P=1; 0.5: R=1, P=2/3.
    assert math.isclose(float(average_precision_score(pred, target)), 0.5 + 0.5 * 2 / 3)


# ---------------------------------------------------------------------------
# Degenerate input, errors, devices, mutation.


@pytest.mark.parametrize(
    'target',
    [torch.ones(4, dtype=torch.long), torch.zeros(4, dtype=torch.long)],
    ids=['no-negatives', 'no-positives'],
)
@pytest.mark.parametrize('fn', [roc_auc_score, average_precision_score])
def test_one_class_target_warns_and_returns_nan(fn, target):
    with pytest.warns(UndefinedMetricWarning, match='both classes are needed'):
        out = fn(torch.tensor([0.1, 0.2, 0.3, 0.4]), target)
    assert out.dtype == torch.float64 and out.dim() == 0 and torch.isnan(out)


def test_empty_pred_target_warns():
    with pytest.warns(UndefinedMetricWarning):
        assert torch.isnan(roc_auc_score(torch.empty(0), torch.empty(0)))


def test_undefined_metric_warning_is_user_warning():
    assert issubclass(UndefinedMetricWarning, UserWarning)


T = torch.tensor
ERRORS = [
    (roc_auc_score, (T([[0.1, 0.2]]), T([1, 0])), "'pred' must be 1-D"),
    (roc_auc_score, (T([0.1, 0.2]), T([[1, 0]])), "'target' must be 1-D"),
    (roc_auc_score, (T([0.1, 0.2]), T([1, 0, 1])), "'pred' and 'target' must have"),
    (roc_auc_score, (T([0.1, 0.2j]), T([1, 0])), "'pred' must be a dense tensor"),
    (roc_auc_score, (T([0.1, 0.2]), T([1j, 0])), "'target' must be a dense bool"),
    (roc_auc_score, (T([0.1, 0.2]), T([2, 0])), "'target' must contain only 0 and 1"),
    (
        average_precision_score,
        (T([0.1, 0.2]), T([math.nan, 0.0])),
        "'target' must contain only 0 and 1",
    ),
    (average_precision_score, (T([math.nan, 0.2]), T([1, 0])), "'pred' contains NaN"),
    (link_auc_ap, (T([]), T([0.1])), "'pos_pred' must hold at least one score"),
    (link_roc_auc, (T([0.1]), T([])), "'neg_pred' must hold at least one score"),
    (link_average_precision, (T([math.nan]), T([0.1])), "'pos_pred' contains NaN"),
    (link_auc_ap, (T([0.2]), T([0.1, math.nan])), "'neg_pred' contains NaN"),
    (link_auc_ap, (T([[0.2]]), T([0.1])), "'pos_pred' must be 1-D"),
    (hits_at_k, (T([0.2]), T([0.1]), 0), "'k' must be a positive integer"),
    (hits_at_k, (T([0.2]), T([0.1]), 1.5), "'k' must be an integer"),
    (hits_at_k, (T([0.2]), T([[0.1]]), 1), "'neg_pred' must be 1-D"),
    (hits_at_k, (T([math.nan]), T([0.1]), 1), "'pos_pred' contains NaN"),
    (hits_at_k, (T([0.2]), T([]), 1), "'neg_pred' must hold at least one score"),
    (mrr, (T([0.2]), T([0.1])), "'neg_pred' must be 2-D"),
    (mrr, (T([0.2, 0.3]), T([[0.1]])), "'neg_pred' must have one row per score"),
    (mrr, (T([0.2]), torch.empty(1, 0)), "'neg_pred' must hold at least one score"),
    (mrr, (T([0.2]), T([[math.nan]])), "'neg_pred' contains NaN"),
]


@pytest.mark.parametrize(
    'fn, args, match', ERRORS, ids=[f'{e[0].__name__}-{e[2]}' for e in ERRORS]
)
def test_bad_input_raises(fn, args, match):
    with pytest.raises(ValueError, match=match):
        fn(*args)


@pytest.mark.parametrize('dtype', [torch.float16, torch.float32, torch.float64])
@pytest.mark.parametrize('negative', [False, True], ids=['nan', 'minus-nan'])
def test_nan_anywhere_raises(dtype, negative):
    # NaN keys sort to either end depending on the sign bit; both are caught.
    nan = torch.tensor(float('nan'), dtype=dtype)
    nan = -nan if negative else nan
    assert bool(torch.signbit(nan)) == negative
    pred = torch.linspace(-1, 1, 9, dtype=dtype)
    pred[4] = nan
    target = torch.tensor([1, 0] * 4 + [1])
    with pytest.raises(ValueError, match="'pred' contains NaN"):
        roc_auc_score(pred, target)
    with pytest.raises(ValueError, match="'neg_pred' contains NaN"):
        link_auc_ap(torch.tensor([0.5]), pred)
    with pytest.raises(ValueError, match="'pos_pred' contains NaN"):
        link_roc_auc(pred, torch.tensor([0.5], dtype=torch.float64))


@pytest.mark.parametrize(
    'fn',
    [
        roc_auc_score,
        lambda a, b: roc_auc_score(b, a),
        link_auc_ap,
        lambda a, b: hits_at_k(a, b, 1),
        mrr,
    ],
    ids=['pred', 'target', 'link', 'hits', 'mrr'],
)
def test_non_tensor_raises_type_error(fn):
    with pytest.raises(TypeError, match='must be a torch.Tensor'):
        fn([0.1, 0.2], torch.tensor([0, 1]))


@pytest.mark.parametrize('device', DEVICES)
def test_results_stay_on_device(device):
    g = gen(2)
    pred, target = torch.randn(200, generator=g), _labels(g, 200)
    neg_rows = torch.randn(50, 7, generator=g)
    expected = sk_auc_ap(pred, target)
    pred, target, neg_rows = pred.to(device), target.to(device), neg_rows.to(device)
    label = target.bool()
    outs = [
        roc_auc_score(pred, target),
        average_precision_score(pred, target),
        *link_auc_ap(pred[label], pred[~label]),
        hits_at_k(pred[label], pred[~label], 5),
        mrr(pred[:50], neg_rows),
    ]
    for out in outs:
        assert out.device.type == torch.device(device).type
        assert out.dtype == torch.float64 and out.dim() == 0
    assert math.isclose(float(outs[0]), expected[0], abs_tol=1e-9)
    assert math.isclose(float(outs[1]), expected[1], abs_tol=1e-9)


def test_inputs_not_mutated_and_grad_ok():
    g = gen(3)
    pred = torch.randn(64, generator=g, requires_grad=True)
    target = _labels(g, 64).float()
    neg = torch.cat([torch.tensor([-0.0, 0.0]), torch.randn(30, generator=g)])
    rows = torch.randn(64, 5, generator=g)
    before = [t.detach().clone() for t in (pred, target, neg, rows)]
    roc_auc_score(pred, target)
    average_precision_score(pred, target)
    link_auc_ap(pred, neg)
    hits_at_k(pred, neg, 3)
    mrr(pred, rows)
    for old, new in zip(before, (pred, target, neg, rows)):
        # Bitwise equality also catches a -0.0 turned into +0.0.
        assert torch.equal(old.view(torch.int32), new.detach().view(torch.int32))


def test_non_contiguous_scores():
    g = gen(5)
    scores = torch.randn(300, 3, generator=g)
    pred, target = scores[:, 1], _labels(g, 300)
    assert not pred.is_contiguous()
    auc, ap = sk_auc_ap(pred, target)
    check_all_forms(pred, target, auc, ap, tol=1e-12)


def test_link_form_mixed_dtypes():
    pos = torch.tensor([3, 1, 2])
    neg = torch.tensor([2.5, 0.5, 1.0], dtype=torch.float64)
    auc, ap = link_auc_ap(pos, neg)
    pred, target = torch.cat([pos.double(), neg]), torch.tensor([1, 1, 1, 0, 0, 0])
    assert math.isclose(float(auc), brute_auc(pred, target))
    assert math.isclose(float(ap), brute_ap(pred, target))


# ---------------------------------------------------------------------------
# Hits@K and MRR (OGB semantics).


def test_hits_at_k_hand_computed_with_ties():
    pos = torch.tensor([0.9, 0.5, 0.1, 0.8])
    neg = torch.tensor([0.8, 0.5, 0.1, 0.5])
    # Sorted negatives 0.8, 0.5, 0.5, 0.1; the 2nd highest is 0.5.
    assert float(hits_at_k(pos, neg, 2)) == 2 / 4  # 0.9, 0.8 > 0.5; 0.5 is tied
    # The 1st highest is 0.8: only 0.9 is strictly above (0.8 is tied).
    assert float(hits_at_k(pos, neg, 1)) == 1 / 4
    assert float(hits_at_k(pos, neg, 4)) == 3 / 4  # 0.1 is tied with the 4th


def test_hits_at_k_fewer_negatives_than_k_is_one():
    with pytest.warns(UndefinedMetricWarning, match='OGB convention'):
        out = hits_at_k(torch.tensor([0.1, 0.2]), torch.tensor([0.9, 0.8]), 3)
    assert float(out) == 1.0


@settings(max_examples=40, deadline=None)
@given(
    pos=st.lists(st.integers(0, 6), min_size=1, max_size=20),
    neg=st.lists(st.integers(0, 6), min_size=1, max_size=20),
    k=st.integers(1, 20),
    as_float=st.booleans(),
)
def test_hits_at_k_matches_brute_force(pos, neg, k, as_float):
    pos, neg = torch.tensor(pos), torch.tensor(neg)
    if as_float:
        pos, neg = pos / 3.0, neg / 3.0
    if neg.numel() < k:
        with pytest.warns(UndefinedMetricWarning):
            out = hits_at_k(pos, neg, k)
    else:
        out = hits_at_k(pos, neg, k)
    assert float(out) == pytest.approx(brute_hits(pos, neg, k), abs=1e-12)


def test_mrr_hand_computed_with_ties():
    pos = torch.tensor([0.9, 0.5, 0.2])
    neg = torch.tensor([[0.1, 0.2, 0.3], [0.7, 0.5, 0.5], [0.2, 0.2, 0.2]])
    # Ranks: 1; 1 + (1 + 3) / 2 = 3; 1 + (0 + 3) / 2 = 2.5.
    expected = (1 / 1 + 1 / 3 + 1 / 2.5) / 3
    assert math.isclose(float(mrr(pos, neg)), expected)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 8), st.integers(1, 8)),
    seed=st.integers(0, 2**16),
    tied=st.booleans(),
)
def test_mrr_matches_brute_force(shape, seed, tied):
    g = gen(seed)
    if tied:
        pos = torch.randint(0, 4, (shape[0],), generator=g)
        neg = torch.randint(0, 4, shape, generator=g)
    else:
        pos, neg = torch.randn(shape[0], generator=g), torch.randn(shape, generator=g)
    assert float(mrr(pos, neg)) == pytest.approx(brute_mrr(pos, neg), abs=1e-12)
