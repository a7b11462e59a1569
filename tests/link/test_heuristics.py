r"""Tests of :mod:`gvae_ext.link.heuristics`: hand-computed values, networkx."""

import math

import networkx as nx
import pytest
import torch

from gvae_ext.link import _adjacency
from gvae_ext.link.heuristics import (
    adamic_adar,
    common_neighbors,
    feature_cosine,
    personalized_pagerank,
    resource_allocation,
)
from tests.conftest import DEVICES

F64 = torch.float64
# 0 - 1, 0 - 2, 1 - 3, 2 - 3, 2 - 4 (one direction each) plus a self-loop at
# 4 and a repeated, reversed 1 - 0: the simple undirected graph is a square
# with a pendant node 4.
EDGES = torch.tensor([[0, 0, 1, 2, 2, 4, 1], [1, 2, 3, 3, 4, 4, 0]])
PAIRS = torch.tensor([[0, 1, 0, 4, 3], [3, 2, 4, 3, 3]])


def random_case(seed, n=30, m=90, p=120):
    r"""A random multigraph with self-loops, its networkx twin and pairs."""
    g = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(0, n, (2, m), generator=g)
    pairs = torch.randint(0, n + 2, (2, p), generator=g)
    pairs = pairs[:, pairs[0] != pairs[1]]
    graph = nx.Graph()
    graph.add_nodes_from(range(n + 2))
    graph.add_edges_from((u, v) for u, v in edge_index.t().tolist() if u != v)
    return edge_index, pairs, graph, n + 2


@pytest.mark.parametrize('device', DEVICES)
def test_hand_built_graph(device):
    r"""Exact CN/AA/RA on a square with a pendant node, given messily."""
    edge_index, pairs = EDGES.to(device), PAIRS.to(device)
    cn = common_neighbors(edge_index, pairs)
    assert cn.dtype == F64 and cn.device.type == device
    assert cn.tolist() == [2.0, 2.0, 1.0, 1.0, 2.0]
    aa = adamic_adar(edge_index, pairs).cpu()
    inv2, inv3 = 1 / math.log(2), 1 / math.log(3)
    expected = [inv2 + inv3, 2 * inv2, inv3, inv3, inv2 + inv3]
    assert torch.allclose(aa, torch.tensor(expected, dtype=F64))
    ra = resource_allocation(edge_index, pairs).cpu()
    expected = [1 / 2 + 1 / 3, 1.0, 1 / 3, 1 / 3, 1 / 2 + 1 / 3]
    assert torch.allclose(ra, torch.tensor(expected, dtype=F64))


@pytest.mark.parametrize('seed', range(4))
def test_against_networkx(seed):
    r"""CN, AA and RA equal networkx on random graphs."""
    edge_index, pairs, graph, n = random_case(seed)
    listed = pairs.t().tolist()
    cn = [len(list(nx.common_neighbors(graph, u, v))) for u, v in listed]
    assert common_neighbors(edge_index, pairs, n).tolist() == cn
    aa = [s for _, _, s in nx.adamic_adar_index(graph, listed)]
    assert torch.allclose(
        adamic_adar(edge_index, pairs, n), torch.tensor(aa, dtype=F64)
    )
    ra = [s for _, _, s in nx.resource_allocation_index(graph, listed)]
    out = resource_allocation(edge_index, pairs, n)
    assert torch.allclose(out, torch.tensor(ra, dtype=F64))


def nx_ppr(graph, source):
    r"""PageRank personalised on ``source``, converged far below our tolerances."""
    return nx.pagerank(
        graph, alpha=0.85, personalization={source: 1}, tol=1e-15, max_iter=10_000
    )


@pytest.mark.parametrize('seed', range(2))
def test_ppr_against_networkx(seed):
    r"""PPR matches networkx, is a lower bound, and the symmetric form adds pi_b(a)."""
    edge_index, pairs, graph, n = random_case(seed)
    pairs = torch.cat([pairs, torch.tensor([[n - 1, 3], [n - 1, n - 1]])], 1)
    rank = {u: nx_ppr(graph, u) for u in set(pairs.view(-1).tolist())}
    exact = torch.tensor([rank[u][v] for u, v in pairs.t().tolist()], dtype=F64)
    close = personalized_pagerank(edge_index, pairs, n, tol=1e-13)
    assert torch.allclose(close, exact, rtol=0, atol=1e-12)
    # A looser tol gives lower bounds within the l1 error bound.
    approx = personalized_pagerank(edge_index, pairs, n, tol=1e-3)
    assert bool((approx <= close).all())
    assert 0 < float((close - approx).max()) <= 1e-3
    assert approx[-2:].tolist() == [1.0, 0.0]  # (n - 1, n - 1), (3, n - 1)
    back = torch.tensor([rank[v][u] for u, v in pairs.t().tolist()], dtype=F64)
    sym = personalized_pagerank(edge_index, pairs, n, tol=1e-13, symmetric=True)
    assert torch.allclose(sym, exact + back, rtol=0, atol=1e-12)


def test_ppr_two_nodes_closed_form():
    r"""A single edge has a closed form."""
    # pi_0(1) = (1 - a) / (2 - a) on a single edge.
    out = personalized_pagerank(torch.tensor([[0], [1]]), torch.tensor([[0], [1]]))
    assert abs(float(out) - 0.85 / 1.85) < 1e-6


@pytest.mark.parametrize('device', DEVICES)
def test_feature_cosine(device):
    r"""Cosine of dense, CSR and COO features against torch, zero rows giving 0."""
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(12, 7, generator=g) < 0.3).float()
    x[5] = 0.0
    pairs = torch.randint(0, 12, (2, 40), generator=g)
    ref = torch.nn.functional.cosine_similarity(
        x[pairs[0]].double(), x[pairs[1]].double(), dim=1, eps=1e-300
    )
    ref = torch.where((x[pairs[0]].sum(1) > 0) & (x[pairs[1]].sum(1) > 0), ref, 0.0)
    x, pairs = x.to(device), pairs.to(device)
    for feats in (x, x.to_sparse_csr(), x.to_sparse(), torch.randn(12, 7) * 0 + x):
        out = feature_cosine(feats, pairs)
        assert out.dtype == F64
        assert torch.allclose(out.cpu(), ref)


def test_feature_cosine_negative_values():
    r"""Signed features give signed cosines."""
    x = torch.tensor([[1.0, -1.0], [-2.0, 2.0], [3.0, 0.0]])
    out = feature_cosine(x, torch.tensor([[0, 0, 2], [1, 2, 2]]))
    assert torch.allclose(out, torch.tensor([-1.0, 2**-0.5, 1.0], dtype=F64))


def test_chunking_does_not_change_results(monkeypatch):
    r"""Tiny chunk budgets give the same scores."""
    edge_index, pairs, _, n = random_case(7, n=40, m=200, p=300)
    x = torch.rand(n, 5)
    funcs = [common_neighbors, adamic_adar, resource_allocation, personalized_pagerank]
    before = [f(edge_index, pairs, n) for f in funcs] + [feature_cosine(x, pairs)]
    monkeypatch.setattr(_adjacency, 'CHUNK_BUDGET', 7)
    monkeypatch.setattr(_adjacency, 'DENSE_BUDGET', 90)  # 2 PPR sources per block
    after = [f(edge_index, pairs, n) for f in funcs] + [feature_cosine(x, pairs)]
    for a, b in zip(before, after):
        assert torch.allclose(a, b, rtol=0, atol=1e-14)


def test_empty_inputs():
    r"""No edges gives zeros, no pairs gives an empty result."""
    empty = torch.empty(2, 0, dtype=torch.long)
    pairs = torch.tensor([[0, 1], [1, 2]])
    assert common_neighbors(empty, pairs, 3).tolist() == [0.0, 0.0]
    assert personalized_pagerank(empty, pairs, 3).tolist() == [0.0, 0.0]
    assert resource_allocation(EDGES, empty).numel() == 0
    assert personalized_pagerank(EDGES, empty).numel() == 0


def test_work_chunks():
    r"""Chunks respect the item cap and the work windows."""
    chunks = _adjacency.work_chunks(torch.tensor([1, 1, 5, 1, 1, 1, 9, 1]), 3, 2)
    assert chunks == [(0, 2), (2, 3), (3, 5), (5, 7), (7, 8)]
    assert _adjacency.work_chunks(torch.tensor([], dtype=torch.long), 3, 2) == []


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(pairs=torch.tensor([0, 1])), "'pairs' must have shape"),
        (dict(pairs=torch.tensor([[0], [9]]), num_nodes=5), "'pairs' contains node"),
        (dict(pairs=torch.tensor([[0.0], [1.0]])), "'pairs' must be an integer"),
        (dict(num_nodes=(5, 5)), "'num_nodes' must be an int"),
        (dict(alpha=1.0), r"'alpha' must be a float in \(0, 1\) \(got 1.0\)"),
        (dict(alpha=True), "'alpha' must be a float"),
        (dict(tol=0.0), "'tol' must be a float in"),
    ],
)
def test_errors(kwargs, match):
    r"""Bad arguments raise ValueError naming them."""
    kwargs = dict(dict(edge_index=EDGES, pairs=PAIRS), **kwargs)
    with pytest.raises(ValueError, match=match):
        personalized_pagerank(**kwargs)


def test_feature_errors():
    r"""Bad features or pairs raise ValueError naming them."""
    with pytest.raises(ValueError, match="'x' must be 2-D"):
        feature_cosine(torch.ones(3), PAIRS)
    with pytest.raises(ValueError, match="'pairs' contains node index 4"):
        feature_cosine(torch.ones(3, 2), PAIRS)
