import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gvae_ext.sampling.neighbor import (
    KHopSampler,
    check_num_neighbors,
    link_batches,
    sampled_gcn_adjacency,
)
from gvae_ext.sparse import normalized_adjacency
from tests.conftest import DEVICES


def _undirected(pairs, device='cpu'):
    pairs = torch.tensor(pairs).t()
    return torch.cat([pairs, pairs.flip(0)], 1).to(device)


# 0 - 1 - 2 - 4, 1 - 3
TREE = [(0, 1), (1, 2), (1, 3), (2, 4)]


def _star(num_leaves, device='cpu'):
    return _undirected([(0, i) for i in range(1, num_leaves + 1)], device)


def _edge_set(edge_index):
    return set(map(tuple, edge_index.t().tolist()))


def _check_subgraph(sampler, seeds, sub, graph_edges):
    node = sub.node.cpu()
    assert torch.equal(node[: sub.num_seeds], seeds.cpu())
    assert node.unique().numel() == node.numel()
    src, dst = sub.edge_index.cpu()
    assert src.numel() == 0 or int(sub.edge_index.max()) < node.numel()
    sampled = set(zip(node[src].tolist(), node[dst].tolist()))
    assert len(sampled) == src.numel()  # no pair twice
    assert sampled <= graph_edges
    return node, src, dst


@pytest.mark.parametrize('device', DEVICES)
def test_neighbor_sampler_all_neighbors_exact(device):
    sampler = KHopSampler(_undirected(TREE, device), 5, [-1, -1])
    sub = sampler.sample(torch.tensor([1], device=device))
    assert sub.node.tolist() == [1, 0, 2, 3, 4]
    assert sub.edge_index.tolist() == [[1, 2, 3, 0, 0, 4, 0], [0, 0, 0, 1, 2, 2, 3]]
    assert sub.num_seeds == 1 and sub.num_sampled_nodes == [1, 3, 1]
    assert sub.node.device.type == torch.device(device).type


@pytest.mark.parametrize('device', DEVICES)
def test_neighbor_sampler_seeds_first_in_given_order(device):
    sampler = KHopSampler(_undirected(TREE, device), 5, [-1])
    sub = sampler.sample(torch.tensor([4, 0], device=device))
    # New nodes of a hop come in increasing id order.
    assert sub.node.tolist() == [4, 0, 1, 2]
    assert sub.edge_index.tolist() == [[3, 2], [0, 1]]


def test_neighbor_sampler_cleans_duplicates_and_self_loops():
    edge_index = torch.tensor([[0, 0, 1, 1, 2], [1, 1, 0, 1, 2]])
    sampler = KHopSampler(edge_index, 3, [-1])
    assert sampler.degree.tolist() == [1, 1, 0]
    sub = sampler.sample(torch.tensor([1, 2]))
    assert sub.node.tolist() == [1, 2, 0]
    assert sub.edge_index.tolist() == [[2], [0]]
    assert torch.equal(edge_index, torch.tensor([[0, 0, 1, 1, 2], [1, 1, 0, 1, 2]]))


def test_neighbor_sampler_isolated_seed_and_empty_hops():
    sampler = KHopSampler(_undirected([(0, 1)]), 4, [3, 3])
    sub = sampler.sample(torch.tensor([3]))
    assert sub.node.tolist() == [3]
    assert sub.edge_index.shape == (2, 0)
    assert sub.num_sampled_nodes == [1, 0, 0]


@pytest.mark.parametrize('device', DEVICES)
def test_neighbor_sampler_fanout_respected(device):
    sampler = KHopSampler(_star(20, device), 21, [5, -1])
    sub = sampler.sample(torch.tensor([0], device=device))
    node, src, dst = _check_subgraph(
        sampler, torch.tensor([0]), sub, _edge_set(_star(20))
    )
    # Hop 1: five distinct leaves; hop 2: each leaf's only neighbour (0).
    assert sub.num_sampled_nodes == [1, 5, 0]
    assert (dst == 0).sum() == 5 and (src == 0).sum() == 5
    assert set(node[1:].tolist()) <= set(range(1, 21))


@pytest.mark.parametrize('device', DEVICES)
def test_neighbor_sampler_same_seed_same_sample(device):
    edge_index = _star(30, device)

    def draw(seed):
        g = torch.Generator(device=device).manual_seed(seed)
        sampler = KHopSampler(edge_index, 31, [4, 4], generator=g)
        return sampler.sample(torch.tensor([0, 7], device=device))

    a, b, c = draw(0), draw(0), draw(1)
    assert torch.equal(a.node, b.node) and torch.equal(a.edge_index, b.edge_index)
    assert not torch.equal(a.node, c.node)


def _stars(copies, leaves):
    # `copies` disjoint stars: centre k * (leaves + 1), then its leaves.
    size = leaves + 1
    centre = torch.arange(copies).repeat_interleave(leaves) * size
    leaf = centre + torch.arange(1, size).repeat(copies)
    edge_index = torch.stack([torch.cat([centre, leaf]), torch.cat([leaf, centre])])
    return edge_index, copies * size, torch.arange(copies) * size


def test_neighbor_sampler_without_replacement_uniform():
    # Every 2-subset of a centre's 4 leaves is equally likely (1/6); one
    # sample of 3000 disjoint stars gives 3000 independent draws.
    edge_index, num_nodes, centres = _stars(3000, 4)
    sampler = KHopSampler(edge_index, num_nodes, [2])
    sub = sampler.sample(centres, generator=torch.Generator().manual_seed(0))
    src, dst = sub.node[sub.edge_index]
    assert torch.equal(
        torch.bincount(dst, minlength=num_nodes)[centres], torch.full((3000,), 2)
    )
    leaf = (src - dst - 1).view(3000, 2).sort(1).values  # leaf numbers 0..3
    counts = torch.bincount(leaf[:, 0] * 4 + leaf[:, 1], minlength=16)
    pairs = [a * 4 + b for a in range(4) for b in range(a + 1, 4)]
    assert counts.sum() == counts[pairs].sum() == 3000
    assert ((counts[pairs] / 3000 - 1 / 6).abs() < 0.03).all()


@settings(max_examples=25, deadline=None)
@given(
    num_nodes=st.integers(2, 30),
    num_edges=st.integers(0, 80),
    fanouts=st.lists(st.sampled_from([-1, 1, 2, 3]), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
)
def test_neighbor_sampler_properties(num_nodes, num_edges, fanouts, seed):
    g = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(0, num_nodes, (2, num_edges), generator=g)
    sampler = KHopSampler(edge_index, num_nodes, fanouts, generator=g)
    seeds = torch.randperm(num_nodes, generator=g)[: max(1, num_nodes // 3)]
    sub = sampler.sample(seeds)
    edges = {(s, t) for s, t in _edge_set(edge_index) if s != t}
    node, src, dst = _check_subgraph(sampler, seeds, sub, edges)
    # Each hop expands exactly the nodes first reached by the previous hop,
    # taking min(degree, fan-out) of their neighbours.
    bounds = torch.tensor(sub.num_sampled_nodes).cumsum(0).tolist()
    assert bounds[-1] == node.numel()
    in_edges = torch.bincount(dst, minlength=node.numel())
    deg = sampler.degree[node]
    begin = 0
    for hop, fanout in enumerate(fanouts):
        end = bounds[hop]
        want = deg[begin:end] if fanout < 0 else deg[begin:end].clamp(max=fanout)
        assert torch.equal(in_edges[begin:end], want)
        begin = end
    assert in_edges[begin:].sum() == 0


@pytest.mark.parametrize('device', DEVICES)
def test_gcn_adjacency_all_neighbors_equals_full_propagation(device):
    g = torch.Generator().manual_seed(0)
    num_nodes = 40
    edge_index = torch.randint(0, num_nodes, (2, 150), generator=g)
    edge_index = torch.cat([edge_index, edge_index.flip(0)], 1).to(device)
    x = torch.randn(num_nodes, 3, generator=g).to(device)
    full = normalized_adjacency(edge_index, num_nodes)
    want = full @ (full @ x)
    sampler = KHopSampler(edge_index, num_nodes, [-1, -1])
    seeds = torch.tensor([3, 17, 0, 25], device=device)
    sub = sampler.sample(seeds)
    adj = sampler.gcn_adjacency(sub)
    got = adj @ (adj @ x[sub.node])
    assert torch.allclose(got[:4], want[seeds], atol=1e-6)


def test_gcn_adjacency_exact_values():
    # Node 0 has degree 4 and 2 sampled neighbours (local 1, 2), each of
    # degree 1: weight 4 / 2 / sqrt(5 * 2).
    adj = sampled_gcn_adjacency(
        torch.tensor([[1, 2], [0, 0]]), torch.tensor([4, 1, 1])
    ).to_dense()
    w = 2 / (5 * 2) ** 0.5
    want = torch.tensor([[0.2, w, w], [0, 0.5, 0], [0, 0, 0.5]])
    assert torch.allclose(adj, want)


def test_gcn_adjacency_unbiased_over_samples():
    # E[sampled row] = exact row of the normalised adjacency (fan-out 2 of
    # 6), averaged over 2000 disjoint stars sampled at once.
    edge_index, num_nodes, centres = _stars(2000, 6)
    x = (torch.arange(num_nodes) % 7).float().unsqueeze(1) ** 2
    exact = (normalized_adjacency(edge_index, num_nodes) @ x)[0]
    sampler = KHopSampler(edge_index, num_nodes, [2])
    sub = sampler.sample(centres, generator=torch.Generator().manual_seed(0))
    rows = (sampler.gcn_adjacency(sub) @ x[sub.node])[:2000]
    assert not torch.allclose(rows, exact.expand_as(rows))  # it is random
    assert torch.allclose(rows.mean(0), exact, rtol=0.03)


@pytest.mark.parametrize('device', DEVICES)
def test_link_batches_exact_and_shuffled(device):
    pairs = torch.arange(10, device=device).view(2, 5)
    batches = list(link_batches(pairs, 2, shuffle=False))
    assert [b.tolist() for b in batches] == [
        [[0, 1], [5, 6]],
        [[2, 3], [7, 8]],
        [[4], [9]],
    ]
    g = torch.Generator(device=device).manual_seed(0)
    shuffled = torch.cat(list(link_batches(pairs, 3, generator=g)), 1)
    assert [b.size(1) for b in link_batches(pairs, 3)] == [3, 2]
    order = shuffled[0].sort().indices
    assert torch.equal(shuffled[:, order], pairs)
    g2 = torch.Generator(device=device).manual_seed(0)
    assert torch.equal(
        torch.cat(list(link_batches(pairs, 3, generator=g2)), 1), shuffled
    )


def test_neighbor_sampler_repr():
    sampler = KHopSampler(_undirected(TREE), 5, (2, -1))
    assert (
        repr(sampler) == 'KHopSampler(num_nodes=5, num_edges=8, num_neighbors=[2, -1])'
    )


@pytest.mark.parametrize(
    'value', [[], [0], [3, -2], [1.5], '10,10', 10, [True], None], ids=repr
)
def test_check_num_neighbors_errors(value):
    with pytest.raises(ValueError, match="'num_neighbors' must be a non-empty list"):
        check_num_neighbors(value)
    with pytest.raises(ValueError, match="'num_neighbors'"):
        KHopSampler(_undirected(TREE), 5, value)


def test_check_num_neighbors_accepts_lists_and_tuples():
    assert check_num_neighbors([10, -1]) == (10, -1)
    assert check_num_neighbors((3,)) == (3,)


@pytest.mark.parametrize(
    'seeds, match',
    [
        (torch.tensor([1, 1]), 'duplicates'),
        (torch.tensor([5]), r'in \[0, 5\)'),
        (torch.tensor([-1]), r'in \[0, 5\)'),
        (torch.tensor([[1]]), 'non-empty 1-D'),
        (torch.tensor([], dtype=torch.long), 'non-empty 1-D'),
        (torch.tensor([1.0]), 'LongTensor'),
    ],
)
def test_neighbor_sampler_seed_errors(seeds, match):
    sampler = KHopSampler(_undirected(TREE), 5, [2])
    with pytest.raises(ValueError, match=match):
        sampler.sample(seeds)


def test_neighbor_sampler_errors():
    with pytest.raises(ValueError, match="'num_nodes' must be given"):
        KHopSampler(torch.empty(2, 0, dtype=torch.long))
    with pytest.raises(ValueError, match="'edge_index'"):
        KHopSampler(torch.tensor([[0, 1], [1, 7]]), 5)
    with pytest.raises(TypeError, match="'generator'"):
        KHopSampler(_undirected(TREE), 5, generator=0)
    with pytest.raises(TypeError, match="'seeds'"):
        KHopSampler(_undirected(TREE), 5).sample([1])


def test_link_batches_errors():
    pairs = torch.tensor([[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="'batch_size'"):
        link_batches(pairs, 0)
    with pytest.raises(ValueError, match="'pairs'"):
        link_batches(torch.tensor([0, 1]), 2)
    with pytest.raises(TypeError, match="'generator'"):
        link_batches(pairs, 2, generator='seed')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_neighbor_sampler_generator_device_error():
    sampler = KHopSampler(_undirected(TREE, 'cuda'), 5, [2])
    with pytest.raises(ValueError, match="'generator' must be on the device"):
        sampler.sample(torch.tensor([1], device='cuda'), generator=torch.Generator())
