r"""Tests of :class:`gvae_ext.link.evaluator.Evaluator` (OGB's dictionaries)."""

import warnings

import numpy as np
import pytest
import torch

from gvae_ext.link.evaluator import DATASETS, Evaluator
from gvae_ext.link.metrics import UndefinedMetricWarning

HITS = ['ogbl-collab', 'ogbl-ddi', 'ogbl-ppa']
MRR = ['ogbl-citation2', 'ogbl-wikikg2', 'ogbl-biokg']


def tie_heavy(seed, num_pos, neg_shape, levels=6):
    r"""Integer-valued float scores: many ties within and across the sides."""
    g = torch.Generator().manual_seed(seed)
    pos = torch.randint(0, levels, (num_pos,), generator=g).float()
    neg = torch.randint(0, levels, neg_shape, generator=g).float()
    return pos, neg


def test_hits_hand_computed():
    r"""A positive tied with the K-th negative is no hit."""
    pos = torch.tensor([5.0, 3.0, 2.0, 1.0])
    neg = torch.tensor([4.0, 3.0, 3.0, 2.0, 0.0] * 6)  # 30 negatives
    out = Evaluator('ogbl-ddi').eval({'y_pred_pos': pos, 'y_pred_neg': neg})
    # 10th highest: 3.0 -> only 5.0 is above; 20th: 2.0 -> 5, 3; 30th: 0.0.
    assert out == {'hits@10': 0.25, 'hits@20': 0.5, 'hits@30': 1.0}


def test_hits_with_too_few_negatives_is_one():
    r"""OGB's convention: fewer than K negatives gives 1.0 (with a warning)."""
    evaluator = Evaluator('ogbl-collab')
    with pytest.warns(UndefinedMetricWarning):
        out = evaluator.eval({'y_pred_pos': np.zeros(3), 'y_pred_neg': np.ones(60)})
    assert out == {'hits@10': 0.0, 'hits@50': 0.0, 'hits@100': 1.0}


def test_k_can_be_reassigned_as_in_ogb_examples():
    r"""OGB's example scripts set ``evaluator.K`` before ``eval``."""
    evaluator = Evaluator('ogbl-ppa', ks=())
    evaluator.K = 3
    out = evaluator.eval(
        {'y_pred_pos': torch.tensor([2.5]), 'y_pred_neg': torch.arange(4.0)}
    )
    assert out == {'hits@3': 1.0}
    assert "'hits@3'" in evaluator.expected_output_format


def test_mrr_hand_computed_torch_and_numpy():
    r"""Per-positive lists, ties averaged, float32, of the input's kind."""
    pos = torch.tensor([0.9, 0.5, 0.2])
    neg = torch.tensor([[0.1, 0.2, 0.3], [0.7, 0.5, 0.5], [0.2, 0.2, 0.9]])
    rank = [1.0, 3.0, 3.0]  # the third: 1 + (1 + 3) / 2
    out = Evaluator('ogbl-citation2').eval({'y_pred_pos': pos, 'y_pred_neg': neg})
    assert set(out) == {'hits@1_list', 'hits@3_list', 'hits@10_list', 'mrr_list'}
    assert out['mrr_list'].dtype == torch.float32
    assert out['mrr_list'].tolist() == pytest.approx([1 / r for r in rank])
    assert out['hits@1_list'].tolist() == [1.0, 0.0, 0.0]
    assert out['hits@3_list'].tolist() == [1.0, 1.0, 1.0]
    assert out['hits@10_list'].tolist() == [1.0, 1.0, 1.0]
    as_numpy = Evaluator('ogbl-wikikg2').eval(
        {'y_pred_pos': pos.numpy(), 'y_pred_neg': neg.numpy()}
    )
    for key, value in out.items():
        assert isinstance(as_numpy[key], np.ndarray)
        assert as_numpy[key].dtype == np.float32
        assert np.array_equal(as_numpy[key], value.numpy())
    mixed = Evaluator('ogbl-biokg').eval({'y_pred_pos': pos.numpy(), 'y_pred_neg': neg})
    assert isinstance(mixed['mrr_list'], torch.Tensor)


def test_rocauc_hand_computed():
    r"""AUC with a tie counted one half."""
    out = Evaluator('ogbl-vessel').eval(
        {'y_pred_pos': np.array([0.35, 0.8, 0.4]), 'y_pred_neg': np.array([0.1, 0.4])}
    )
    assert out == {'rocauc': pytest.approx((1 + 2 + 1.5) / 6)}


def test_formats_and_repr():
    r"""The format descriptions name the keys and shapes."""
    for name in DATASETS:
        evaluator = Evaluator(name)
        assert repr(evaluator) == f"Evaluator(name='{name}')"
        assert "'y_pred_pos'" in evaluator.expected_input_format
        assert name in evaluator.expected_output_format
    assert '(num_edges, num_neg)' in Evaluator('ogbl-citation2').expected_input_format
    assert "'mrr_list'" in Evaluator('ogbl-citation2').expected_output_format
    assert "'rocauc'" in Evaluator('ogbl-vessel').expected_output_format
    assert Evaluator('ogbl-collab').eval_metric == 'hits@50'
    assert Evaluator('ogbl-citation2').eval_metric == 'mrr'


@pytest.mark.parametrize(
    'name, input_dict, match',
    [
        ('ogbl-foo', None, "'name' must be one of"),
        ('ogbl-collab', [1, 2], "'input_dict' must be a dict"),
        ('ogbl-collab', {'y_pred_pos': torch.ones(2)}, "missing the key 'y_pred_neg'"),
        (
            'ogbl-collab',
            {'y_pred_pos': [1.0], 'y_pred_neg': torch.ones(2)},
            "'y_pred_pos' must be a torch.Tensor or a numpy.ndarray",
        ),
        (
            'ogbl-collab',
            {'y_pred_pos': torch.ones(2, 1), 'y_pred_neg': torch.ones(2)},
            r"'y_pred_pos' must be 1-D \[num_scores\] \(got shape \(2, 1\)\)",
        ),
        (
            'ogbl-citation2',
            {'y_pred_pos': torch.ones(2), 'y_pred_neg': torch.ones(2)},
            r"'y_pred_neg' must be 2-D \[num_pos, num_neg\]",
        ),
        (
            'ogbl-citation2',
            {'y_pred_pos': torch.ones(2), 'y_pred_neg': torch.ones(3, 4)},
            "'y_pred_neg' must have one row per score",
        ),
        (
            'ogbl-ddi',
            {'y_pred_pos': np.array([np.nan]), 'y_pred_neg': np.ones(3)},
            "'y_pred_pos' contains NaN",
        ),
        (
            'ogbl-vessel',
            {'y_pred_pos': np.ones(2), 'y_pred_neg': np.ones(0)},
            "'y_pred_neg' must hold at least one score",
        ),
        (
            'ogbl-ddi',
            {'y_pred_pos': np.array(['a']), 'y_pred_neg': np.ones(3)},
            "'y_pred_pos' must hold real-valued scores",
        ),
    ],
)
def test_errors(name, input_dict, match):
    r"""Bad names and inputs raise ValueError naming the key."""
    with pytest.raises(ValueError, match=match):
        Evaluator(name).eval(input_dict)


def test_ks_only_for_hits():
    r"""``ks`` is refused where there is no Hits@K."""
    with pytest.raises(ValueError, match="'ks' applies to Hits@K datasets only"):
        Evaluator('ogbl-citation2', ks=(1,))
    with pytest.raises(ValueError, match="'ks' must be a positive integer"):
        Evaluator('ogbl-collab', ks=(0,))
    for ks in (5, 'ab'):
        with pytest.raises(ValueError, match="'ks' must be a sequence of positive"):
            Evaluator('ogbl-ddi', ks=ks)


def ogb_reference(name, input_dict, ks):
    r"""OGB's own evaluator; Hits@K for several K as OGB's examples do."""
    ogb = pytest.importorskip('ogb.linkproppred')
    evaluator = ogb.Evaluator(name)
    if not evaluator.eval_metric.startswith('hits@'):
        return evaluator.eval(input_dict)
    out = {}
    for k in ks:
        evaluator.K = k
        out.update(evaluator.eval(input_dict))
    return out


@pytest.mark.parametrize('as_numpy', [False, True], ids=['torch', 'numpy'])
@pytest.mark.parametrize('name', HITS + MRR + ['ogbl-vessel'])
@pytest.mark.parametrize('seed', range(3))
def test_against_ogb(name, seed, as_numpy):
    r"""Equal to ``ogb.linkproppred.Evaluator`` on tie-heavy scores."""
    pytest.importorskip('ogb.linkproppred')
    neg_shape = (400, 30) if name in MRR else (700,)
    pos, neg = tie_heavy(seed, 400, neg_shape, levels=4 + seed * 20)
    input_dict = {'y_pred_pos': pos, 'y_pred_neg': neg}
    if as_numpy:
        input_dict = {k: v.numpy() for k, v in input_dict.items()}
    ours = Evaluator(name)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        out = ours.eval(input_dict)
    # OGB's NumPy MRR path calls .sum(dim=1) on arrays and fails; compare
    # our NumPy output with its torch output instead.
    ref_dict = {'y_pred_pos': pos, 'y_pred_neg': neg} if name in MRR else input_dict
    ref = ogb_reference(name, ref_dict, sorted(set(ours.ks) | {ours.K or 0}))
    assert out.keys() == ref.keys()
    for key, value in ref.items():
        if isinstance(value, float):
            assert isinstance(out[key], float)
            assert out[key] == pytest.approx(value, rel=0, abs=1e-12)
        else:
            got = out[key].numpy() if isinstance(out[key], torch.Tensor) else out[key]
            assert got.dtype == np.float32
            assert np.array_equal(got, value.numpy())
