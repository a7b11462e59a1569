import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gvae_ext.link import _pairs
from gvae_ext.link.negative import (
    batched_negative_sampling,
    negative_sampling,
    structured_negative_sampling,
    structured_negative_sampling_feasible,
)
from tests.conftest import DEVICES


def gen(seed, device='cpu'):
    return torch.Generator(device=device).manual_seed(seed)


def once(edge_index, num_nodes=None, count=None, force_undirected=False, **kw):
    r"""The public sampler, with each undirected pair taken once: PyG's
    layout puts the pairs first and the same pairs reversed after them."""
    if not force_undirected:
        return negative_sampling(edge_index, num_nodes, count, **kw)
    count = edge_index.size(1) if count is None else count
    out = negative_sampling(
        edge_index, num_nodes, 2 * count, force_undirected=True, **kw
    )
    assert out.size(1) == 2 * count
    assert torch.equal(out[:, count:], out[:, :count].flip(0))
    return out[:, :count]


def pairs(edge_index):
    return [tuple(p) for p in edge_index.t().tolist()]


def free_pairs(edge_index, n_src, n_dst=None, undirected=False):
    r"""Brute-force oracle: every allowed non-edge pair."""
    edges = set(pairs(edge_index))
    if n_dst is not None:
        cand = itertools.product(range(n_src), range(n_dst))
        return {p for p in cand if p not in edges}
    out = set()
    for i, j in itertools.permutations(range(n_src), 2):
        if undirected:
            if i < j and (i, j) not in edges and (j, i) not in edges:
                out.add((i, j))
        elif (i, j) not in edges:
            out.add((i, j))
    return out


def chi2_ok(counts, expected):
    r"""Pearson statistic within six standard deviations of its mean."""
    counts = torch.as_tensor(counts, dtype=torch.float64)
    stat = float(((counts - expected) ** 2 / expected).sum())
    dof = counts.numel() - 1
    return stat < dof + 6 * math.sqrt(2 * dof), stat


@st.composite
def graphs(draw, max_nodes=12, bipartite=False):
    n_src = draw(st.integers(1, max_nodes))
    n_dst = draw(st.integers(1, max_nodes)) if bipartite else n_src
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n_src - 1), st.integers(0, n_dst - 1)), max_size=40
        )
    )
    edge_index = torch.tensor(edges, dtype=torch.long).view(-1, 2).t().contiguous()
    return edge_index, n_src, n_dst


@pytest.mark.parametrize('kind', ['directed', 'undirected', 'bipartite'])
def test_pair_encoding_roundtrip(kind):
    # Every pair space is covered exactly once, contiguously, and decodes back.
    for n in range(1, 10):
        for m in range(1, 5) if kind == 'bipartite' else [n]:
            row, col = torch.cartesian_prod(torch.arange(n), torch.arange(m)).t()
            if kind != 'bipartite':
                keep = row < col if kind == 'undirected' else row != col
                row, col = row[keep], col[keep]
            ids = _pairs.encode(kind, row, col, n, m)
            size = _pairs.space_size(kind, torch.tensor(n), torch.tensor(m))
            assert sorted(ids.tolist()) == list(range(int(size)))
            back = _pairs.decode(kind, ids, n, m)
            assert torch.equal(back[0], row) and torch.equal(back[1], col)
            if kind == 'undirected':
                assert torch.equal(_pairs.encode(kind, col, row, n, m), ids)


@settings(max_examples=80, deadline=None)
@given(
    graph=graphs(),
    mode=st.sampled_from(['directed', 'undirected', 'bipartite']),
    share=st.floats(0, 1),
    seed=st.integers(0, 2**31),
)
def test_negative_sampling_properties(graph, mode, share, seed):
    edge_index, n, _ = graph
    if mode == 'bipartite':
        n_dst = n + 2
        num_nodes = (n, n_dst)
        oracle = free_pairs(edge_index, n, n_dst)
    else:
        num_nodes = n
        oracle = free_pairs(edge_index, n, undirected=mode == 'undirected')
    count = int(share * len(oracle))
    before = edge_index.clone()
    out = once(
        edge_index,
        num_nodes,
        count,
        force_undirected=mode == 'undirected',
        generator=gen(seed),
    )
    assert torch.equal(edge_index, before)
    assert out.size() == (2, count) and out.dtype == torch.long
    got = pairs(out)
    assert len(set(got)) == count
    assert set(got) <= oracle
    with pytest.raises(ValueError, match="'num_neg_samples' asks for more"):
        once(
            edge_index,
            num_nodes,
            len(oracle) + 1,
            force_undirected=mode == 'undirected',
        )


@pytest.mark.parametrize('device', DEVICES)
def test_negative_sampling_exact_small(device):
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 0]], device=device)
    out = negative_sampling(edge_index, 3, generator=gen(0, device))
    assert out.device.type == device
    assert set(pairs(out.cpu())) == {(1, 0), (2, 1), (0, 2)}
    path = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]], device=device)
    out = negative_sampling(path, 3, 3, force_undirected=True, generator=gen(0, device))
    assert out.tolist() == [[0, 2], [2, 0]]
    bip = torch.tensor([[0, 1], [0, 2]], device=device)
    out = negative_sampling(bip, (2, 3), 4, generator=gen(0, device))
    assert set(pairs(out.cpu())) == {(0, 1), (0, 2), (1, 0), (1, 1)}


def test_negative_sampling_default_count_and_dtypes():
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]], dtype=torch.int32)
    out = negative_sampling(edge_index, generator=gen(1))
    assert out.size() == (2, 4) and out.dtype == torch.long
    assert out.max() < 4
    assert negative_sampling(edge_index, 4, 0).size() == (2, 0)
    empty = torch.empty(2, 0, dtype=torch.long)
    assert negative_sampling(empty).size() == (2, 0)
    assert negative_sampling(empty, 3, 6, generator=gen(0)).size() == (2, 6)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('undirected', [False, True])
def test_negative_sampling_near_complete(device, undirected):
    n = 40
    full = torch.tensor(list(itertools.permutations(range(n), 2)), device=device).t()
    if undirected:
        full = full[:, full[0] < full[1]]
    perm = torch.randperm(full.size(1), generator=gen(3))
    missing, kept = full[:, perm[:7].to(device)], full[:, perm[7:].to(device)]
    out = once(kept, n, 7, force_undirected=undirected, generator=gen(4, device))
    assert set(pairs(out.cpu())) == set(pairs(missing.cpu()))
    with pytest.raises(ValueError, match='than the 7 non-edges'):
        once(kept, n, 8, force_undirected=undirected)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('undirected', [False, True])
def test_negative_sampling_huge_sparse(device, undirected):
    n, e = 10**6, 2 * 10**4
    edge_index = torch.randint(0, n, (2, e), generator=gen(0)).to(device)
    out = once(edge_index, n, e, force_undirected=undirected, generator=gen(1, device))
    assert out.size() == (2, e) and out.device.type == device
    row, col = edge_index
    if undirected:
        assert bool((out[0] < out[1]).all())
        row, col = torch.minimum(row, col), torch.maximum(row, col)
    edges = torch.unique(row * n + col)
    ids = out[0] * n + out[1]
    assert torch.unique(ids).numel() == e
    assert not bool(torch.isin(ids, edges).any())
    assert not bool((out[0] == out[1]).any())


@pytest.mark.parametrize('mode', ['directed', 'undirected', 'bipartite'])
def test_negative_sampling_uniform_sparse_path(mode):
    # 25 of ~800 free pairs per call: the candidate-drawing path.
    n = 30
    ring = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    num_nodes = (n, n) if mode == 'bipartite' else n
    oracle = sorted(
        free_pairs(
            ring, n, n if mode == 'bipartite' else None, undirected=mode == 'undirected'
        )
    )
    index = {p: t for t, p in enumerate(oracle)}
    counts = torch.zeros(len(oracle))
    g, draws = gen(0), 800
    for _ in range(draws):
        out = once(
            ring, num_nodes, 25, force_undirected=mode == 'undirected', generator=g
        )
        counts[[index[p] for p in pairs(out)]] += 1
    ok, stat = chi2_ok(counts, draws * 25 / len(oracle))
    assert ok, stat


@pytest.mark.parametrize('undirected', [False, True])
def test_negative_sampling_uniform_dense_path(undirected):
    # 20 of 46 free pairs per call: the enumeration path; check the chosen set
    # and the pair in the first column (the order is random too).
    n = 8
    full = torch.tensor(list(itertools.permutations(range(n), 2))).t()
    edge_index = full[:, torch.randperm(full.size(1), generator=gen(5))[:10]]
    oracle = sorted(free_pairs(edge_index, n, undirected=undirected))
    index = {p: t for t, p in enumerate(oracle)}
    picked, first = torch.zeros(len(oracle)), torch.zeros(len(oracle))
    g, draws, k = gen(1), 1000, len(oracle) // 2
    for _ in range(draws):
        out = pairs(once(edge_index, n, k, force_undirected=undirected, generator=g))
        picked[[index[p] for p in out]] += 1
        first[index[out[0]]] += 1
    p = k / len(oracle)
    sd = math.sqrt(draws * p * (1 - p))
    assert bool(((picked - draws * p).abs() < 5 * sd).all())
    ok, stat = chi2_ok(first, draws / len(oracle))
    assert ok, stat


def test_negative_sampling_dense_and_sparse_paths_agree(monkeypatch):
    # Forcing either path must give valid, exact results.
    edge_index = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 0]])
    oracle = free_pairs(edge_index, 6)
    for slack in (0, 10**9):
        monkeypatch.setattr(_pairs, 'DENSE_SLACK', slack)
        out = negative_sampling(edge_index, 6, len(oracle) - 1, generator=gen(0))
        assert len(set(pairs(out))) == len(oracle) - 1
        assert set(pairs(out)) <= oracle


@pytest.mark.parametrize('device', DEVICES)
def test_negative_sampling_seeded(device):
    edge_index = torch.randint(0, 100, (2, 300), generator=gen(0)).to(device)
    a = negative_sampling(edge_index, 100, generator=gen(7, device))
    b = negative_sampling(edge_index, 100, generator=gen(7, device))
    c = negative_sampling(edge_index, 100, generator=gen(8, device))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    torch.manual_seed(3)
    d = negative_sampling(edge_index, 100)
    torch.manual_seed(3)
    assert torch.equal(d, negative_sampling(edge_index, 100))


EDGE = torch.tensor([[0, 1], [1, 2]])
BAD_INPUTS = [
    (dict(edge_index=torch.tensor([0, 1])), "'edge_index' must have shape"),
    (
        dict(edge_index=torch.zeros(3, 2, dtype=torch.long)),
        "'edge_index' must have shape",
    ),
    (dict(edge_index=EDGE.float()), "'edge_index' must be an integer tensor"),
    (dict(edge_index=-EDGE), "'edge_index' must not contain negative"),
    (dict(edge_index=EDGE, num_nodes=2), "'edge_index' contains node index 2"),
    (dict(edge_index=EDGE, num_nodes=(2, 2)), "'edge_index' has a target index 2"),
    (dict(edge_index=EDGE, num_nodes=(1, 3)), "'edge_index' has a source index 1"),
    (dict(edge_index=EDGE, num_nodes=0), "'num_nodes' must be a positive"),
    (dict(edge_index=EDGE, num_nodes=2.5), "'num_nodes' must be an integer"),
    (dict(edge_index=EDGE, num_nodes=(1, 2, 3)), "'num_nodes' must be an int or a"),
    (dict(edge_index=EDGE, num_nodes=2**40), "'num_nodes' is too large"),
    (dict(edge_index=EDGE, num_neg_samples=-1), "'num_neg_samples' must be a non-neg"),
    (
        dict(edge_index=EDGE, num_neg_samples=float('nan')),
        "'num_neg_samples' must be a non-negative integer or ratio",
    ),
    (dict(edge_index=EDGE, num_neg_samples='2'), "'num_neg_samples' must be a non-neg"),
    (dict(edge_index=EDGE, method='exact'), "'method' must be 'sparse' or 'dense'"),
    (
        dict(edge_index=EDGE, num_neg_samples=True),
        "'num_neg_samples' must be an integer",
    ),
    (dict(edge_index=EDGE, num_neg_samples=5), "'num_neg_samples' asks for more"),
]


@pytest.mark.parametrize('kwargs,msg', BAD_INPUTS)
def test_negative_sampling_bad_input(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        negative_sampling(**kwargs)


def test_negative_sampling_type_errors():
    with pytest.raises(TypeError, match="'edge_index' must be a torch.Tensor"):
        negative_sampling([[0], [1]])
    with pytest.raises(TypeError, match="'generator' must be a torch.Generator"):
        negative_sampling(EDGE, generator=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_negative_sampling_generator_device_mismatch():
    with pytest.raises(ValueError, match="'generator' must be on the device"):
        negative_sampling(EDGE.cuda(), generator=torch.Generator())


@settings(max_examples=50, deadline=None)
@given(graph=graphs(), loops=st.booleans(), seed=st.integers(0, 2**31))
def test_structured_negative_sampling_properties(graph, loops, seed):
    edge_index, n, _ = graph
    edges = set(pairs(edge_index))
    allowed = {
        i: {k for k in range(n) if (i, k) not in edges and (loops or k != i)}
        for i in range(n)
    }
    feasible = all(allowed[i] for i in edge_index[0].tolist())
    assert structured_negative_sampling_feasible(edge_index, n, loops) == feasible
    if not feasible:
        with pytest.raises(ValueError, match="'edge_index' has a source node linked"):
            structured_negative_sampling(edge_index, n, contains_neg_self_loops=loops)
        return
    i, j, k = structured_negative_sampling(
        edge_index, n, contains_neg_self_loops=loops, generator=gen(seed)
    )
    assert torch.equal(i, edge_index[0]) and torch.equal(j, edge_index[1])
    assert all(kk in allowed[ii] for ii, kk in zip(i.tolist(), k.tolist()))


@pytest.mark.parametrize('device', DEVICES)
def test_structured_negative_sampling_exact(device):
    edge_index = torch.tensor([[0, 0, 1, 2], [1, 2, 2, 0]], device=device)
    i, j, k = structured_negative_sampling(
        edge_index, 4, False, generator=gen(0, device)
    )
    assert k.device.type == device
    assert k[:2].tolist() == [3, 3] and k[2] in (0, 3) and k[3] in (1, 3)
    star = torch.tensor([[0, 0], [1, 2]], device=device)
    _, _, k = structured_negative_sampling(star, 3)  # PyG's default: k = i allowed
    assert k.tolist() == [0, 0]
    assert structured_negative_sampling_feasible(star, 3)
    assert not structured_negative_sampling_feasible(star, 3, False)
    with pytest.raises(ValueError, match='(got node 0)'):
        structured_negative_sampling(star, 3, contains_neg_self_loops=False)
    empty = torch.empty(2, 0, dtype=torch.long, device=device)
    assert all(t.numel() == 0 for t in structured_negative_sampling(empty, 3))


def test_structured_negative_sampling_uniform_and_seeded():
    n = 12
    edge_index = torch.tensor([[0] * 400 + [5], [1] * 400 + [6]])
    _, _, k = structured_negative_sampling(edge_index, n, False, generator=gen(0))
    counts = torch.bincount(k[:400], minlength=n)[2:]  # k is never 0 or 1
    assert counts.sum() == 400
    ok, stat = chi2_ok(counts, 400 / (n - 2))
    assert ok, stat
    _, _, k2 = structured_negative_sampling(edge_index, n, False, generator=gen(0))
    assert torch.equal(k, k2)


def test_structured_negative_sampling_bad_input():
    with pytest.raises(ValueError, match="'num_nodes' must be an int for structured"):
        structured_negative_sampling(EDGE, (3, 3))
    with pytest.raises(ValueError, match="'edge_index' contains node index 2"):
        structured_negative_sampling(EDGE, 2)


@st.composite
def batches(draw):
    r"""A mini-batch: ``(edge_index, batch, mode, per-graph sizes)``."""
    mode = draw(st.sampled_from(['directed', 'undirected', 'bipartite']))
    sizes = draw(
        st.lists(
            st.tuples(st.integers(1, 7), st.integers(1, 7)), max_size=4, min_size=1
        )
    )
    if mode != 'bipartite':
        sizes = [(a, a) for a, _ in sizes]
    edges, src_off, dst_off = [], 0, 0
    for a, b in sizes:
        local = draw(
            st.lists(
                st.tuples(st.integers(0, a - 1), st.integers(0, b - 1)), max_size=12
            )
        )
        edges += [(u + src_off, v + dst_off) for u, v in local]
        src_off, dst_off = src_off + a, dst_off + b
    edge_index = torch.tensor(edges, dtype=torch.long).view(-1, 2).t().contiguous()
    graph_ids = torch.arange(len(sizes))
    src_batch = torch.repeat_interleave(graph_ids, torch.tensor([a for a, _ in sizes]))
    dst_batch = torch.repeat_interleave(graph_ids, torch.tensor([b for _, b in sizes]))
    batch = (src_batch, dst_batch) if mode == 'bipartite' else src_batch
    return edge_index, batch, mode, sizes


@settings(max_examples=40, deadline=None)
@given(
    data=batches(),
    count=st.one_of(st.none(), st.integers(0, 4)),
    seed=st.integers(0, 2**31),
)
def test_batched_negative_sampling_properties(data, count, seed):
    edge_index, batch, mode, sizes = data
    src_batch = batch[0] if mode == 'bipartite' else batch
    expected, oracles, src_off, dst_off = [], [], 0, 0
    for g, (a, b) in enumerate(sizes):
        mask = src_batch[edge_index[0]] == g
        local = edge_index[:, mask] - torch.tensor([[src_off], [dst_off]])
        oracle = free_pairs(
            local,
            a,
            b if mode == 'bipartite' else None,
            undirected=mode == 'undirected',
        )
        oracles.append({(u + src_off, v + dst_off) for u, v in oracle})
        expected.append(int(mask.sum()) if count is None else count)
        if mode == 'undirected':
            expected[-1] //= 2  # pairs, each returned in both directions
        src_off, dst_off = src_off + a, dst_off + b
    kwargs = dict(force_undirected=mode == 'undirected', generator=gen(seed))
    if any(e > len(o) for e, o in zip(expected, oracles)):
        with pytest.raises(ValueError, match="'num_neg_samples' asks for"):
            batched_negative_sampling(edge_index, batch, count, **kwargs)
        return
    out = batched_negative_sampling(edge_index, batch, count, **kwargs)
    width = 2 if mode == 'undirected' else 1
    assert out.size(1) == width * sum(expected)
    start = 0
    for e, oracle in zip(expected, oracles):
        block = out[:, start : start + width * e]
        got = pairs(block[:, :e])
        assert len(set(got)) == e and set(got) <= oracle
        if mode == 'undirected':
            assert torch.equal(block[:, e:], block[:, :e].flip(0))
        start += width * e


@pytest.mark.parametrize('device', DEVICES)
def test_batched_negative_sampling_pyg_batch(device):
    from torch_geometric.data import Batch, Data

    graphs = [
        Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=3),
        Data(edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]), num_nodes=4),
    ]
    batch = Batch.from_data_list(graphs).to(device)
    out = batched_negative_sampling(
        batch.edge_index, batch.batch, generator=gen(0, device)
    )
    assert out.device.type == device and out.size() == (2, 5)
    assert bool((batch.batch[out[0]] == batch.batch[out[1]]).all())
    assert batch.batch[out[0]].tolist() == [0, 0, 1, 1, 1]
    a = batched_negative_sampling(
        batch.edge_index, batch.batch, 4, generator=gen(1, device)
    )
    b = batched_negative_sampling(
        batch.edge_index, batch.batch, 4, generator=gen(1, device)
    )
    assert torch.equal(a, b) and a.size(1) == 8


@pytest.mark.parametrize('undirected', [False, True])
def test_batched_negative_sampling_uniform(undirected):
    # Two rings of 16 nodes, 20 negatives each per call: the multi-graph
    # selection must stay uniform within every graph.
    n = 16
    ring = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    edge_index = torch.cat([ring, ring + n], 1)
    batch = torch.arange(2).repeat_interleave(n)
    oracle = sorted(free_pairs(ring, n, undirected=undirected))
    index = {p: t for t, p in enumerate(oracle)}
    counts = torch.zeros(2, len(oracle))
    g, draws = gen(2), 150
    width = 2 if undirected else 1
    for _ in range(draws):
        out = batched_negative_sampling(
            edge_index, batch, 20 * width, force_undirected=undirected, generator=g
        )
        for graph in range(2):
            start = 20 * width * graph
            local = pairs(out[:, start : start + 20] - n * graph)
            counts[graph, [index[p] for p in local]] += 1
    for graph in range(2):
        ok, stat = chi2_ok(counts[graph], draws * 20 / len(oracle))
        assert ok, stat


BATCH = torch.tensor([0, 0, 1, 1])
BAD_BATCHES = [
    (dict(batch=torch.tensor([1, 0, 0, 1])), "'batch' must be sorted"),
    (dict(batch=torch.tensor([-1, 0, 0, 0])), "'batch' must be non-negative"),
    (dict(batch=BATCH.float()), "'batch' must be a 1-D integer tensor"),
    (dict(batch=BATCH.view(2, 2)), "'batch' must be a 1-D integer tensor"),
    (dict(batch=torch.empty(0, dtype=torch.long)), "'batch' must assign at least"),
    (dict(batch=(BATCH, BATCH, BATCH)), "'batch' must be a tensor or a pair"),
    (dict(batch=torch.tensor([0, 0])), "'edge_index' contains node index 3"),
    (dict(edge_index=torch.tensor([[0], [2]])), "'edge_index' must not contain edges"),
    (dict(num_neg_samples=2), "'num_neg_samples' asks for 2 negative pairs in graph 0"),
    (dict(num_neg_samples=-2), "'num_neg_samples' must be a non-negative"),
    (dict(method='exact'), "'method' must be 'sparse' or 'dense'"),
]


@pytest.mark.parametrize('kwargs,msg', BAD_BATCHES)
def test_batched_negative_sampling_bad_input(kwargs, msg):
    args = dict(edge_index=torch.tensor([[0, 2], [1, 3]]), batch=BATCH)
    args.update(kwargs)
    with pytest.raises(ValueError, match=msg):
        batched_negative_sampling(**args)
    with pytest.raises(TypeError, match="'batch' must be a torch.Tensor"):
        batched_negative_sampling(args['edge_index'], [0, 0, 1, 1])


@pytest.mark.parametrize(
    'count,expected', [(None, 4), (0.5, 2), (0.74, 2), (1.75, 7), (3, 3), (0.0, 0)]
)
def test_negative_sampling_ratio_count(count, expected):
    # PyG's rule: a float r asks for int(r * num_edges) columns.
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    out = negative_sampling(edge_index, 6, count, generator=gen(0))
    assert out.size() == (2, expected)
    assert set(pairs(out)) <= free_pairs(edge_index, 6)


@pytest.mark.parametrize('count,columns', [(None, 4), (5, 4), (1, 0), (1.5, 6)])
def test_negative_sampling_force_undirected_layout(count, columns):
    # count // 2 unordered pairs, returned in both directions (PyG).
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    out = negative_sampling(
        edge_index, 5, count, force_undirected=True, generator=gen(3)
    )
    assert out.size() == (2, columns)
    half = columns // 2
    assert torch.equal(out[:, half:], out[:, :half].flip(0))
    assert bool((out[0, :half] < out[1, :half]).all())
    assert set(pairs(out[:, :half])) <= free_pairs(edge_index, 5, undirected=True)
    assert len(set(pairs(out))) == columns


def test_negative_sampling_bipartite_ignores_force_undirected():
    edge_index = torch.tensor([[0, 1], [1, 2]])
    with pytest.warns(UserWarning, match="'force_undirected' is ignored"):
        out = negative_sampling(edge_index, (2, 3), 3, force_undirected=True)
    assert out.size() == (2, 3)
    assert set(pairs(out)) <= free_pairs(edge_index, 2, 3)


@pytest.mark.parametrize('method', ['sparse', 'dense'])
def test_negative_sampling_method_is_exact(method):
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 0]])
    a = negative_sampling(edge_index, 3, 3, method, generator=gen(0))
    b = negative_sampling(edge_index, 3, 3, 'sparse', generator=gen(0))
    assert torch.equal(a, b)
    assert set(pairs(a)) == {(1, 0), (2, 1), (0, 2)}


def test_batched_negative_sampling_ratio_count():
    edge_index = torch.tensor([[0, 1, 2, 4, 5], [1, 2, 3, 5, 6]])
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    out = batched_negative_sampling(edge_index, batch, 1.5, generator=gen(0))
    group = batch[out[0]]
    assert group.tolist() == [0] * 4 + [1] * 3  # int(1.5 * 3), int(1.5 * 2)
    assert bool((group == batch[out[1]]).all())


LOW_MEMORY_SCRIPT = """
import resource, torch
from gvae_ext.link.negative import (
    batched_negative_sampling, negative_sampling,
    structured_negative_sampling, structured_negative_sampling_feasible,
)
n = 10**9
edge_index = torch.tensor([[5, 5, 9], [7, 8, 5]])
g = torch.Generator().manual_seed(0)
torch.empty(2**27, dtype=torch.uint8)  # warm up the allocator first
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
used = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()
# 1 GiB above the current footprint: far below the 8 GB an [N] int64 needs.
resource.setrlimit(resource.RLIMIT_AS, (used + 2**30, hard))
i, j, k = structured_negative_sampling(edge_index, n, False, generator=g)
assert k.size() == (3,) and bool((k != i).all())
assert structured_negative_sampling_feasible(edge_index, n, False)
assert negative_sampling(edge_index, n, 6, force_undirected=True).size() == (2, 6)
batch = torch.zeros(16, dtype=torch.long)
assert batched_negative_sampling(edge_index, batch, 3).size() == (2, 3)
try:
    torch.empty(n, dtype=torch.long)
except RuntimeError:
    print('limited')
"""


def test_samplers_memory_is_o_of_edges():
    # One run under an address-space limit that an O(num_nodes) tensor breaks.
    import os
    import subprocess
    import sys

    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, '-c', LOW_MEMORY_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == 'limited'
