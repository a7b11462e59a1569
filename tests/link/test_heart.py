r"""Tests of :mod:`gvae_ext.link.heart`: HeaRT hard negatives and rank metrics."""

from fractions import Fraction

import networkx as nx
import pytest
import torch

from gvae_ext.link import _adjacency
from gvae_ext.link.heart import hard_negatives, heart_metrics, heart_ranks
from gvae_ext.link.metrics import mrr
from tests.conftest import DEVICES

# Training graph: 0-1, 1-2, 2-3, 0-4, 4-5, 4-6, 5-6; positive (0, 3).
TRAIN = torch.tensor([[0, 1, 2, 0, 4, 4, 5], [1, 2, 3, 4, 5, 6, 6]])
POS = torch.tensor([[0], [3]])


def gen(seed, device='cpu'):
    r"""A seeded generator."""
    return torch.Generator(device=device).manual_seed(seed)


def undirected(edge_index):
    r"""The pairs of ``edge_index`` as a set of sorted tuples."""
    return {tuple(sorted(p)) for p in edge_index.t().tolist()}


def test_hand_built_graph_ra():
    r"""RA(0, 2) = 1/2 beats RA(0, 5) = RA(0, 6) = 1/3.

    (1, 3) is the only head corruption of 3 with a positive score.
    """
    out = hard_negatives(TRAIN, POS, 7, num_neg=2, heuristics=['ra'], generator=gen(0))
    assert out.tolist() == [[[0, 2], [1, 3]]]
    # Two tail corruptions: 2, then 5 or 6 (tied) at random; both seen.
    seen = set()
    for seed in range(12):
        out = hard_negatives(
            TRAIN, POS, 7, num_neg=3, heuristics='ra', generator=gen(seed)
        )
        assert out.shape == (1, 3, 2)
        assert out[0, 0].tolist() == [0, 2] and out[0, 2].tolist() == [1, 3]
        seen.add(int(out[0, 1, 1]))
    assert seen == {5, 6}


def test_hand_built_graph_ppr():
    r"""With PPR the whole component is ranked: 2, then 5 and 6 (tied)."""
    out = hard_negatives(TRAIN, POS, 8, num_neg=6, heuristics=['ppr'], generator=gen(1))
    tails = out[0, :3, 1].tolist()
    assert tails[0] == 2 and set(tails[1:]) == {5, 6}
    # Head corruptions (c, 3): pi_c(3) is highest for c = 1, then 4 (via 0);
    # 7 is isolated and comes last, drawn at random (the top-up).
    assert out[0, 3:, 0].tolist() == [1, 4, 5] or out[0, 3:, 0].tolist() == [1, 4, 6]


def oracle_check(edge_index, pos, n, x, out, merge, excluded):
    r"""Check negatives against a brute-force ranking.

    Every negative is eligible and the merged ranks of the chosen candidates
    are the smallest ones, hardest first.
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((u, v) for u, v in edge_index.t().tolist() if u != v)
    size = x.sum(1).long().tolist()
    dots = (x @ x.t()).long().tolist()
    half = (out.size(1) + 1) // 2
    for i, (a, b) in enumerate(pos.t().tolist()):
        for fixed, part in ((a, out[i, :half, 1]), (b, out[i, half:, 0])):
            eligible = [
                c
                for c in range(n)
                if c != fixed and tuple(sorted((c, fixed))) not in excluded
            ]
            cn = {c: len(list(nx.common_neighbors(graph, fixed, c))) for c in eligible}
            cos = {
                c: Fraction(dots[fixed][c] ** 2, size[fixed] * size[c])
                if size[fixed] * size[c]
                else 0
                for c in eligible
            }
            merged = {}
            for c in eligible:
                ranks = [
                    sum(s[d] > s[c] for d in eligible) if s[c] > 0 else n
                    for s in (cn, cos)
                ]
                merged[c] = min(ranks) if merge == 'min' else sum(ranks)
            chosen = part.tolist()
            assert len(set(chosen)) == len(chosen)
            assert set(chosen) <= set(eligible)
            got = [merged[c] for c in chosen]
            assert got == sorted(merged.values())[: len(chosen)]


@pytest.mark.parametrize('merge', ['min', 'mean'])
@pytest.mark.parametrize('seed', range(3))
def test_against_brute_force(seed, merge):
    r"""CN and binary-feature cosine (exact ties) against a brute-force ranking."""
    g = gen(seed)
    n = 24
    edge_index = torch.randint(0, n, (2, 50), generator=g)
    pos = torch.randint(0, n, (2, 7), generator=g)
    pos = pos[:, pos[0] != pos[1]]
    extra = torch.randint(0, n, (2, 10), generator=g)
    x = (torch.rand(n, 6, generator=g) < 0.4).float()
    out = hard_negatives(
        edge_index,
        pos,
        n,
        num_neg=9,
        heuristics=('cn', 'cosine'),
        merge=merge,
        exclude_edge_index=extra,
        x=x,
        chunk_size=2,
        generator=gen(seed + 10),
    )
    assert out.shape == (pos.size(1), 9, 2) and out.dtype == torch.long
    assert torch.equal(out[:, :5, 0], pos[0].unsqueeze(1).expand(-1, 5))
    assert torch.equal(out[:, 5:, 1], pos[1].unsqueeze(1).expand(-1, 4))
    excluded = undirected(torch.cat([edge_index, extra, pos], 1))
    oracle_check(edge_index, pos, n, x, out, merge, excluded)


@pytest.mark.parametrize('device', DEVICES)
def test_filtering_and_seeds(device):
    r"""Negatives avoid true edges, positives and self-loops; seeds reproduce."""
    g = gen(5)
    n = 40
    edge_index = torch.randint(0, n, (2, 120), generator=g).to(device)
    pos = torch.randint(0, n, (2, 15), generator=g).to(device)
    extra = torch.randint(0, n, (2, 30), generator=g).to(device)
    x = torch.rand(n, 8, generator=g).to(device)
    kwargs = dict(num_neg=20, exclude_edge_index=extra, x=x)
    out = hard_negatives(edge_index, pos, n, generator=gen(3, device), **kwargs)
    again = hard_negatives(edge_index, pos, n, generator=gen(3, device), **kwargs)
    other = hard_negatives(edge_index, pos, n, generator=gen(4, device), **kwargs)
    assert torch.equal(out, again) and out.device.type == device
    assert not torch.equal(out, other)
    banned = undirected(torch.cat([edge_index, extra, pos], 1).cpu())
    flat = out.view(-1, 2).cpu()
    assert bool((flat[:, 0] != flat[:, 1]).all())
    assert not {tuple(sorted(p)) for p in flat.tolist()} & banned
    for row in out.cpu():  # distinct within each half
        assert len(set(row[:10, 1].tolist())) == 10
        assert len(set(row[10:, 0].tolist())) == 10


def test_random_top_up_when_nothing_scores():
    r"""Endpoints without any edge: every eligible node is equally likely."""
    counts = torch.zeros(10)
    pos = torch.tensor([[8], [9]])  # isolated in the training graph
    for seed in range(200):
        out = hard_negatives(TRAIN, pos, 10, num_neg=2, generator=gen(seed))
        counts[out[0, 0, 1]] += 1
    assert counts[8] == 0 and counts[9] == 0
    assert bool((counts[:8] > 10).all())  # 25 expected each


def test_default_heuristics_use_features():
    r"""With ``x`` the default adds cosine, merged by min.

    The RA/PPR favourite 2 and the feature twin 6 of the head share the best
    rank.
    """
    x = torch.eye(7)
    x[6, 0] = 1.0  # node 6 shares a feature with the head 0
    seen = set()
    for seed in range(6):
        out = hard_negatives(TRAIN, POS, 7, num_neg=4, x=x, generator=gen(seed))
        assert set(out[0, :2, 1].tolist()) == {2, 6}
        seen.add(int(out[0, 0, 1]))
    assert seen == {2, 6}  # the tie is broken at random
    out = hard_negatives(TRAIN, POS, 7, num_neg=4, heuristics=('ra', 'ppr'))
    assert out[0, 0, 1] == 2 and int(out[0, 1, 1]) in (5, 6)
    # Without num_nodes, the rows of x count: node 7 has no edge at all.
    out = hard_negatives(TRAIN, POS, num_neg=8, x=torch.eye(8), generator=gen(0))
    assert set(out[0, :4, 1].tolist()) == {2, 5, 6, 7}


def test_errors():
    r"""Bad arguments raise ValueError naming them."""
    cases = [
        (dict(num_neg=0), "'num_neg' must be a positive integer"),
        (dict(num_neg=20), "'num_neg' asks for 10 negatives per side"),
        (dict(heuristics=('ra', 'katz')), "'heuristics' must be distinct names"),
        (dict(heuristics=('ra', 'ra')), "'heuristics' must be distinct names"),
        (dict(heuristics=('cosine',)), "'heuristics' includes 'cosine'"),
        (dict(merge='max'), "'merge' must be 'min' or 'mean' \\(got 'max'\\)"),
        (dict(alpha=0.0), "'alpha' must be a float in"),
        (dict(chunk_size=0), "'chunk_size' must be a positive integer"),
        (dict(x=torch.ones(3, 2)), "'x' must have one row per node"),
        (dict(exclude_edge_index=torch.ones(3)), "'exclude_edge_index' must have"),
    ]
    for kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            hard_negatives(TRAIN, POS, 7, **dict(dict(num_neg=2), **kwargs))


def test_heart_ranks_and_metrics():
    r"""Hand-computed OGB-style ranks (ties averaged), MRR and Hits@K."""
    pos = torch.tensor([0.9, 0.5, 0.2, 0.3])
    neg = torch.tensor(
        [[0.1, 0.2, 0.3], [0.7, 0.5, 0.5], [0.2, 0.2, 0.2], [0.4, 0.5, 0.6]]
    )
    rank = heart_ranks(pos, neg)
    assert rank.tolist() == [1.0, 3.0, 2.5, 4.0]
    out = heart_metrics(pos, neg, ks=(1, 3))
    assert out == pytest.approx(
        {'mrr': (1 + 1 / 3 + 1 / 2.5 + 1 / 4) / 4, 'hits@1': 0.25, 'hits@3': 0.75}
    )
    assert out['mrr'] == float(mrr(pos, neg))
    assert list(heart_metrics(pos, neg)) == [
        'mrr',
        'hits@1',
        'hits@3',
        'hits@10',
        'hits@20',
        'hits@50',
        'hits@100',
    ]


def test_heart_metrics_match_ogb():
    r"""Ranks agree with OGB's citation2 evaluator on tie-heavy integer scores."""
    ogb = pytest.importorskip('ogb.linkproppred')
    g = gen(0)
    pos = torch.randint(0, 6, (300,), generator=g).float()
    neg = torch.randint(0, 6, (300, 40), generator=g).float()
    ref = ogb.Evaluator('ogbl-citation2').eval({'y_pred_pos': pos, 'y_pred_neg': neg})
    out = heart_metrics(pos, neg, ks=(1, 3, 10))
    assert out['mrr'] == pytest.approx(float(ref['mrr_list'].double().mean()), abs=1e-7)
    for k in (1, 3, 10):
        assert out[f'hits@{k}'] == float(ref[f'hits@{k}_list'].double().mean())


def test_heart_metric_errors():
    r"""Shape, NaN and cut-off errors name the argument."""
    pos, neg = torch.ones(2), torch.ones(2, 3)
    with pytest.raises(ValueError, match="'neg_score' must have one non-empty row"):
        heart_ranks(pos, torch.ones(3, 3))
    with pytest.raises(ValueError, match="'neg_score' must be 2-D"):
        heart_ranks(pos, torch.ones(2))
    with pytest.raises(ValueError, match="'pos_score' contains NaN"):
        heart_ranks(torch.tensor([1.0, float('nan')]), neg)
    with pytest.raises(ValueError, match="'ks' must be a positive integer"):
        heart_metrics(pos, neg, ks=(0,))


def test_ppr_rows_use_reversibility():
    r"""Head-corruption PPR rows equal pi_c(b) computed from every source c."""
    adj = _adjacency.undirected_adjacency(TRAIN, 8)
    cols = _adjacency.ppr_columns(adj, torch.arange(8), 0.15, 1e-12)
    nodes = torch.arange(8)
    back = _adjacency.reverse_ppr(adj, cols[:, 3], torch.tensor(3), nodes)
    assert torch.allclose(back, cols[3, :], rtol=0, atol=1e-12)
