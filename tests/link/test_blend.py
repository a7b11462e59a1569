"""blend_heuristic: a model's scores plus a heuristic, weighted on validation pairs."""

import math

import pytest
import torch

from gvae_ext.link import (
    HeuristicBlend,
    adamic_adar,
    blend_heuristic,
    blend_split,
    common_neighbors,
    link_auc_ap,
    resource_allocation,
    split_edges,
)
from gvae_ext.link.blend import BLEND_HEURISTICS, BLEND_WEIGHTS
from gvae_ext.report import bench


def _cliques(k: int = 12, size: int = 6):
    # k cliques on a ring: held-out edges inside a clique close triangles.
    edges = []
    for c in range(k):
        nodes = range(c * size, (c + 1) * size)
        edges += [(a, b) for a in nodes for b in nodes if a < b]
        edges.append(((c + 1) * size - 1, ((c + 1) % k) * size))
    ei = torch.tensor(edges).t()
    return torch.cat([ei, ei.flip(0)], 1), k * size


@pytest.fixture(scope='module')
def clique_split():
    ei, n = _cliques()
    split = split_edges(ei, n, generator=torch.Generator().manual_seed(0))
    return split, n


def _noise(n: int, seed: int = 0):
    # A model with no idea: a fixed random score per pair.
    table = torch.rand(n, n, generator=torch.Generator().manual_seed(seed))
    return lambda pairs: table[pairs[0], pairs[1]] + table[pairs[1], pairs[0]]


def test_an_uninformed_model_gets_the_heuristic_weighted_in(clique_split):
    split, n = clique_split
    score = _noise(n)
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    blend = blend_heuristic(score, split.edge_index, pos, neg, n)
    assert isinstance(blend, HeuristicBlend) and blend.heuristic == 'ra'
    assert blend.weight > 0 and blend.weight in BLEND_WEIGHTS
    assert set(blend.val_auc) == set(BLEND_WEIGHTS)
    alone, _ = link_auc_ap(score(pos), score(neg))
    assert blend.val_auc[0.0] == pytest.approx(float(alone))
    assert blend.val_auc[blend.weight] == max(blend.val_auc.values())
    assert blend.val_auc[blend.weight] > float(alone) + 0.2
    # and it carries over to the test pairs, which it never saw
    tp, tn = split.test_pos_edge_label_index, split.test_neg_edge_label_index
    before, _ = link_auc_ap(score(tp), score(tn))
    after, _ = link_auc_ap(blend(tp), blend(tn))
    assert float(after) > float(before) + 0.2


def test_the_blended_score_is_the_documented_formula(clique_split):
    split, n = clique_split
    score = _noise(n, seed=3)
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    for name, fn in (
        ('ra', resource_allocation),
        ('aa', adamic_adar),
        ('cn', common_neighbors),
    ):
        blend = blend_heuristic(score, split.edge_index, pos, neg, n, heuristic=name)
        scale = torch.cat([score(pos), score(neg)]).double().std()
        assert blend.scale == pytest.approx(float(scale))
        pairs = split.test_pos_edge_label_index
        expected = (
            score(pairs) / blend.scale
            + blend.weight * torch.log1p(fn(split.edge_index, pairs, n)).float()
        )
        torch.testing.assert_close(blend(pairs), expected)


def test_a_perfect_model_is_left_alone(clique_split):
    split, n = clique_split
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    edges = {tuple(p) for p in pos.t().tolist()}

    def oracle(pairs):
        return torch.tensor(
            [5.0 if tuple(p) in edges else -5.0 for p in pairs.t().tolist()]
        )

    blend = blend_heuristic(oracle, split.edge_index, pos, neg, n)
    # every small weight keeps AUC 1: the smallest, 0, is kept
    assert blend.weight == 0.0
    torch.testing.assert_close(blend(pos), oracle(pos) / blend.scale)


def test_own_weights_and_a_constant_model(clique_split):
    split, n = clique_split
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    blend = blend_heuristic(
        lambda p: torch.zeros(p.size(1)), split.edge_index, pos, neg, n,
        weights=[2, 0, 2, 1],
    )  # fmt: skip
    assert blend.scale == 1.0  # no spread to divide by
    assert list(blend.val_auc) == [0.0, 1.0, 2.0]
    assert blend.weight == 1.0  # the heuristic alone; 1 and 2 tie


def test_nothing_is_mutated_and_no_global_rng_is_used(clique_split):
    split, n = clique_split
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    copies = [t.clone() for t in (split.edge_index, pos, neg)]
    state = torch.get_rng_state()
    blend = blend_heuristic(_noise(n), split.edge_index, pos, neg, n)
    blend(split.test_neg_edge_label_index)
    assert torch.equal(torch.get_rng_state(), state)
    for before, after in zip(copies, (split.edge_index, pos, neg)):
        assert torch.equal(before, after)


def test_bad_input_is_named(clique_split):
    split, n = clique_split
    ei = split.edge_index
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    score = _noise(n)
    cases = [
        (dict(score=3), "'score' must be callable"),
        (dict(heuristic='ppr'), "'heuristic' must be one of"),
        (dict(weights=[]), "'weights' must be one or more finite"),
        (dict(weights=[-1.0]), "'weights' must be one or more finite"),
        (dict(weights=[math.nan]), "'weights' must be one or more finite"),
        (dict(weights='ab'), "'weights' must be one or more finite"),
        (dict(val_neg=neg[:, :0]), "'val_neg_edge_index' must hold at least one"),
        (dict(val_pos=pos[0]), 'val_pos_edge_index'),
        (dict(score=lambda p: torch.zeros(3)), "'score' must map"),
        (dict(score=lambda p: torch.full((p.size(1),), math.nan)), 'NaN or infinite'),
    ]
    for change, message in cases:
        args = dict(score=score, val_pos=pos, val_neg=neg)
        args.update(change)
        kwargs = {k: args.pop(k) for k in ('heuristic', 'weights') if k in args}
        with pytest.raises(ValueError, match=message):
            blend_heuristic(
                args['score'], ei, args['val_pos'], args['val_neg'], n, **kwargs
            )
    blend = blend_heuristic(score, ei, pos, neg, n)
    with pytest.raises(ValueError, match="'pairs'"):
        blend(torch.tensor([[0], [n + 5]]))
    for kwargs, message in (
        (dict(heuristic='x', weight=1.0, scale=1.0), "'heuristic'"),
        (dict(heuristic='ra', weight=-1.0, scale=1.0), "'weight'"),
        (dict(heuristic='ra', weight=1.0, scale=0.0), "'scale'"),
    ):
        with pytest.raises(ValueError, match=message):
            HeuristicBlend(score, ei, n, **kwargs)
    assert 'ra' in BLEND_HEURISTICS and 'weight=' in repr(blend)


def test_bench_rows_with_a_blend():
    assert bench.parse_row('vgae@paper+ra')['blend'] == 'ra'
    assert bench.parse_row('gae*+cn') == dict(
        model='gae', featureless=True, preset=bench.parse_row('gae')['preset'],
        selection=None, blend='cn',
    )  # fmt: skip
    assert bench.parse_row('gae')['blend'] is None
    with pytest.raises(ValueError, match="unknown heuristic 'ppr'"):
        bench.parse_row('gae+ppr')
    with pytest.raises(
        ValueError, match=r'MODEL\[\*\]\[@PRESET\]\[:mrr\]\[\+HEURISTIC\]'
    ):
        bench.parse_row('ra+ra')


def test_bench_run_one_blends_on_validation_pairs_only():
    from torch_geometric.data import Data

    ei, n = _cliques(16, 6)
    data = Data(edge_index=ei, num_nodes=n)
    plain = bench.run_one(data, 'cliques', 'gae@paper', 0)
    blended = bench.run_one(data, 'cliques', 'gae@paper+ra', 0)
    info = blended['blend']
    assert info['heuristic'] == 'ra' and info['weight'] in BLEND_WEIGHTS
    assert info['scale'] > 0
    # the same trained model: weight 0 reproduces the plain row's ranking
    if info['weight'] == 0:
        assert blended['test_auc'] == pytest.approx(plain['test_auc'])
    else:
        assert blended['val_auc'] >= plain['val_auc']
    assert bench.run_key('cliques', 'gae@paper+ra', 0) != bench.run_key(
        'cliques', 'gae@paper', 0
    )


def test_the_weight_is_chosen_on_the_validation_pairs_alone(clique_split):
    split, n = clique_split
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    seen = []
    noise = _noise(n, seed=5)

    def score(pairs):
        seen.append(pairs.clone())
        return noise(pairs)

    blend = blend_heuristic(score, split.edge_index, pos, neg, n)
    assert len(seen) == 2 and torch.equal(seen[0], pos) and torch.equal(seen[1], neg)
    # the same inputs give the same blend
    again = blend_heuristic(noise, split.edge_index, pos, neg, n)
    assert (again.weight, again.scale, again.val_auc) == (
        blend.weight,
        blend.scale,
        blend.val_auc,
    )
    # weight 0 is a candidate: the blend is never worse than the model on validation
    assert blend.val_auc[blend.weight] >= blend.val_auc[0.0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_blend_equals_the_cpu_blend(clique_split):
    split, n = clique_split
    table = torch.rand(n, n, generator=torch.Generator().manual_seed(7))

    def on(device):
        t = table.to(device)
        ei, pos, neg, test = (
            x.to(device)
            for x in (
                split.edge_index,
                split.val_pos_edge_label_index,
                split.val_neg_edge_label_index,
                split.test_pos_edge_label_index,
            )
        )
        blend = blend_heuristic(
            lambda p: t[p[0], p[1]] + t[p[1], p[0]], ei, pos, neg, n
        )
        return blend, blend(test)

    cpu, cpu_scores = on('cpu')
    gpu, gpu_scores = on('cuda')
    assert gpu_scores.device.type == 'cuda'
    assert gpu.weight == cpu.weight
    torch.testing.assert_close(gpu_scores.cpu(), cpu_scores, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="training graph's device"):
        gpu(split.test_pos_edge_label_index)  # CPU pairs


def test_blend_split_and_the_recorded_validation_scores(clique_split):
    split, n = clique_split
    score = _noise(n, seed=2)
    pos, neg = split.val_pos_edge_label_index, split.val_neg_edge_label_index
    blend = blend_split(score, split, n, heuristic='aa')
    same = blend_heuristic(score, split.edge_index, pos, neg, n, heuristic='aa')
    assert (blend.weight, blend.scale, blend.val_auc, blend.val_ap) == (
        same.weight,
        same.scale,
        same.val_auc,
        same.val_ap,
    )
    assert set(blend.val_ap) == set(blend.val_auc)
    # the recorded scores are those of the blended scorer itself
    auc, ap = link_auc_ap(blend(pos), blend(neg))
    assert blend.val_auc[blend.weight] == float(auc)
    assert blend.val_ap[blend.weight] == float(ap)
