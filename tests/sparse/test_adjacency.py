import copy
import gc
import pickle

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gvae_ext.typing
from gvae_ext._cache import TensorCache
from gvae_ext.sparse import (
    SparseOperator,
    adjacency_operator,
    as_operator,
    feature_operator,
    normalized_adjacency,
    spmm,
)
from tests.conftest import DEVICES

WITH_TS = gvae_ext.typing.WITH_TORCH_SPARSE
needs_ts = pytest.mark.skipif(not WITH_TS, reason='needs torch-sparse')


def dense_gcn(edge_index, num_nodes, add_self_loops=True):
    r"""Reference: D^-1/2 (A + I) D^-1/2 from a dense binary A[target, source]."""
    a = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    a[edge_index[1], edge_index[0]] = 1.0
    if add_self_loops:
        a.fill_diagonal_(1.0)
    deg = a.sum(1)
    inv = torch.where(deg > 0, deg.pow(-0.5), torch.zeros_like(deg))
    return inv[:, None] * a * inv[None, :]


def test_normalized_adjacency_hand_case():
    # path 0-1-2 (undirected) plus an isolated node 3
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    adj = normalized_adjacency(edge_index, 4)
    assert adj.layout == torch.sparse_csr
    r6 = 6**-0.5  # degrees with self-loops: 2, 3, 2, 1
    expected = torch.tensor(
        [[1 / 2, r6, 0, 0], [r6, 1 / 3, r6, 0], [0, r6, 1 / 2, 0], [0, 0, 0, 1]]
    )
    assert torch.allclose(adj.to_dense(), expected)


def test_normalized_adjacency_duplicates_and_self_loops():
    edge_index = torch.tensor([[0, 1, 1, 0, 2, 2, 1], [1, 0, 2, 1, 2, 1, 2]])
    adj = normalized_adjacency(edge_index, 4, dtype=torch.float64).to_dense()
    clean = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    assert torch.allclose(adj, dense_gcn(clean, 4))
    assert torch.allclose(
        adj.diagonal() * torch.tensor([2.0, 3, 2, 1]),
        torch.ones(4, dtype=torch.float64),
    )


def test_normalized_adjacency_without_self_loops():
    edge_index = torch.tensor([[0, 1, 2, 2], [1, 0, 2, 0]])
    adj = normalized_adjacency(edge_index, 4, add_self_loops=False, dtype=torch.float64)
    assert torch.allclose(
        adj.to_dense(), dense_gcn(edge_index, 4, add_self_loops=False)
    )
    assert adj.to_dense()[3].abs().sum() == 0  # isolated, no self-loop: zero row


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 12),
    pairs=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40),
)
def test_normalized_adjacency_matches_pyg_gcn_norm(n, pairs):
    from torch_geometric.nn.conv.gcn_conv import gcn_norm

    pairs = [(i, j) for i, j in pairs if i < n and j < n]
    edge_index = torch.tensor(pairs, dtype=torch.long).view(-1, 2).t()
    ours = normalized_adjacency(edge_index, n, dtype=torch.float64).to_dense()
    # PyG on the de-duplicated binary graph, flow source -> target
    unique = torch.unique(edge_index, dim=1) if pairs else edge_index
    ei, w = gcn_norm(unique, torch.ones(unique.size(1), dtype=torch.float64), n)
    ref = torch.zeros(n, n, dtype=torch.float64)
    ref.index_put_((ei[1], ei[0]), w, accumulate=True)
    assert torch.allclose(ours, ref)


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (
            dict(edge_index=torch.zeros(3, 2, dtype=torch.long)),
            "'edge_index' must have shape",
        ),
        (dict(edge_index=torch.zeros(2, 2)), "'edge_index' must be an integer"),
        (
            dict(edge_index=torch.tensor([[0, -1], [1, 0]])),
            "'edge_index' must not contain negative",
        ),
        (
            dict(edge_index=torch.tensor([[0, 5], [1, 0]]), num_nodes=3),
            "'edge_index' contains node index 5",
        ),
        (
            dict(edge_index=torch.zeros(2, 0, dtype=torch.long)),
            "'num_nodes' must be given",
        ),
        (
            dict(edge_index=torch.tensor([[0], [1]]), num_nodes=0),
            "'num_nodes' must be a positive",
        ),
    ],
    ids=['shape', 'dtype', 'negative', 'range', 'empty', 'num_nodes'],
)
def test_normalized_adjacency_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        normalized_adjacency(**kwargs)


def test_normalized_adjacency_empty_graph_is_identity():
    adj = normalized_adjacency(torch.zeros(2, 0, dtype=torch.long), 3)
    assert torch.equal(adj.to_dense(), torch.eye(3))


def test_normalized_adjacency_does_not_mutate_input():
    edge_index = torch.tensor([[0, 1, 1, 1], [1, 0, 1, 2]])
    before = edge_index.clone()
    normalized_adjacency(edge_index)
    assert torch.equal(edge_index, before) and edge_index._version == 0


def test_sparse_operator_symmetry_and_transpose():
    sym = SparseOperator(normalized_adjacency(torch.tensor([[0, 1], [1, 0]])))
    assert sym.symmetric and sym.transpose is sym.matrix
    dense = torch.tensor(
        [[0.0, 2.0, 0.0, 1.0], [0.0, 0.0, 3.0, 0.0], [4.0, 0.0, 0.0, 0.0]]
    )
    op = SparseOperator(dense.to_sparse())
    assert not op.symmetric
    assert torch.equal(op.transpose.to_dense(), dense.t())
    dropped = op.with_values(torch.tensor([1.0, 0.0, 5.0, 6.0]))
    new = torch.tensor(
        [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0], [6.0, 0.0, 0.0, 0.0]]
    )
    assert torch.equal(dropped.matrix.to_dense(), new)
    assert torch.equal(dropped.transpose.to_dense(), new.t())
    assert repr(op) == 'SparseOperator(shape=(3, 4), nnz=4, symmetric=False)'


@pytest.mark.parametrize('symmetric', [True, False], ids=['symmetric', 'directed'])
def test_sparse_operator_gradcheck(symmetric, no_torch_sparse):
    if symmetric:
        matrix = normalized_adjacency(torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), 4)
    else:
        matrix = torch.tensor([[0.0, 1, 0, 2], [0, 0, 3, 0], [1, 0, 0, 0]]).to_sparse()
    op = SparseOperator(matrix)
    x = torch.randn(op.shape[1], 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(op.matmul, (x,))
    # backward equals the dense reference
    xf = x.detach().float().requires_grad_()
    g = torch.randn(op.shape[0], 3)
    (grad,) = torch.autograd.grad(op.matmul(xf), xf, g)
    assert torch.allclose(grad, op.matrix.to_dense().t() @ g, atol=1e-6)


def _paths():
    return [
        pytest.param(False, id='torch.sparse'),
        pytest.param(True, id='torch_sparse', marks=needs_ts),
    ]


@pytest.mark.parametrize('use_ts', _paths())
@pytest.mark.parametrize('device', DEVICES)
def test_spmm_matches_dense(use_ts, device, monkeypatch):
    monkeypatch.setattr(gvae_ext.typing, 'WITH_TORCH_SPARSE', use_ts)
    g = torch.Generator().manual_seed(0)
    edge_index = torch.randint(0, 30, (2, 100), generator=g).to(device)
    adj = normalized_adjacency(edge_index, 30)
    ref = dense_gcn(edge_index.cpu(), 30).float().to(device)
    x = torch.randn(30, 5, generator=g).to(device).requires_grad_()
    out = spmm(adj, x)
    (grad,) = torch.autograd.grad(out.square().sum(), x)
    x2 = x.detach().clone().requires_grad_()
    out2 = ref @ x2
    (grad2,) = torch.autograd.grad(out2.square().sum(), x2)
    assert torch.allclose(out, out2, atol=1e-5)
    assert torch.allclose(grad, grad2, atol=1e-5)


@needs_ts
def test_spmm_torch_sparse_and_fallback_agree(monkeypatch):
    edge_index = torch.randint(
        0, 50, (2, 300), generator=torch.Generator().manual_seed(1)
    )
    op = adjacency_operator(edge_index, 50, TensorCache())
    sparse_tensor = op.torch_sparse(torch.float32)
    assert isinstance(sparse_tensor, gvae_ext.typing.SparseTensor)
    x = torch.randn(50, 4, requires_grad=True)
    outs = []
    for flag, adj in ((True, sparse_tensor), (False, sparse_tensor), (True, op)):
        monkeypatch.setattr(gvae_ext.typing, 'WITH_TORCH_SPARSE', flag)
        out = spmm(adj, x)
        outs.append((out, torch.autograd.grad(out.square().sum(), x)[0]))
    for out, grad in outs[1:]:
        assert torch.allclose(out, outs[0][0], atol=1e-6)
        assert torch.allclose(grad, outs[0][1], atol=1e-5)


@needs_ts
def test_spmm_fallback_converts_torch_sparse_input(no_torch_sparse):
    adj = normalized_adjacency(torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), 3)
    sparse_tensor = gvae_ext.typing.SparseTensor.from_torch_sparse_csr_tensor(adj)
    op = as_operator(sparse_tensor)
    assert isinstance(op, SparseOperator)
    x = torch.randn(3, 2)
    assert torch.allclose(spmm(sparse_tensor, x), adj.to_dense() @ x, atol=1e-6)


def test_spmm_requires_grad_matrix_gets_gradient():
    values = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    adj = torch.sparse_coo_tensor(
        torch.tensor([[0, 1, 2], [1, 2, 0]]), values, (3, 3), check_invariants=True
    )
    out = spmm(adj, torch.ones(3, 2))
    out.sum().backward()
    assert torch.allclose(values.grad, torch.full((3,), 2.0))


@pytest.mark.parametrize(
    'x, match',
    [
        (torch.ones(4, 2), "'other' must have 3 rows"),
        (torch.ones(3), "'other' must be a dense 2-D tensor"),
    ],
    ids=['rows', '1d'],
)
def test_spmm_errors(x, match):
    adj = normalized_adjacency(torch.tensor([[0, 1], [1, 2]]), 3)
    with pytest.raises(ValueError, match=match):
        spmm(adj, x)


def test_as_operator_errors():
    with pytest.raises(ValueError, match="'adj' must be a sparse matrix"):
        as_operator(torch.ones(2, 2))
    with pytest.raises(TypeError, match="'adj' must be a torch.Tensor"):
        as_operator([[1.0]])
    with pytest.raises(ValueError, match="'matrix' must be a 2-D torch sparse"):
        SparseOperator(torch.ones(2, 2))


def test_cache_same_tensor_hits():
    cache = TensorCache()
    edge_index = torch.tensor([[0, 1], [1, 2]])
    first = adjacency_operator(edge_index, 3, cache)
    assert adjacency_operator(edge_index, 3, cache) is first
    assert (cache.hits, cache.misses) == (1, 1)


def test_cache_new_tensor_and_in_place_change_miss():
    cache = TensorCache()
    edge_index = torch.tensor([[0, 1], [1, 2]])
    first = adjacency_operator(edge_index, 3, cache)
    other = adjacency_operator(edge_index.clone(), 3, cache)
    assert other is not first and cache.misses == 2
    assert adjacency_operator(edge_index, 4, cache) is not first  # other num_nodes
    edge_index[1, 1] = 0  # in place: version changes
    changed = adjacency_operator(edge_index, 3, cache)
    assert changed is not first
    assert torch.allclose(changed.matrix.to_dense(), dense_gcn(edge_index, 3).float())


def test_cache_evicts_freed_tensors_and_lru():
    cache = TensorCache(maxsize=2)
    edge_index = torch.tensor([[0, 1], [1, 2]])
    adjacency_operator(edge_index, 3, cache)
    assert len(cache) == 1
    del edge_index
    gc.collect()
    assert len(cache) == 0
    keep = [torch.tensor([[0], [i]]) for i in range(1, 4)]
    for e in keep:
        adjacency_operator(e, 4, cache)
    assert len(cache) == 2
    adjacency_operator(keep[0], 4, cache)  # evicted, so a miss
    assert cache.misses == 5 and cache.hits == 0


def test_cache_skips_inference_tensors_and_survives_copy():
    cache = TensorCache()
    with torch.inference_mode():
        edge_index = torch.tensor([[0, 1], [1, 2]])
    adjacency_operator(edge_index, 3, cache)
    adjacency_operator(edge_index, 3, cache)
    assert len(cache) == 0 and cache.misses == 2
    normal = torch.tensor([[0, 1], [1, 2]])
    adjacency_operator(normal, 3, cache)
    assert len(pickle.loads(pickle.dumps(cache))) == 0
    assert len(copy.deepcopy(cache)) == 0
    assert repr(cache) == 'TensorCache(size=1, maxsize=4, hits=0, misses=3)'


def test_adjacency_operator_prebuilt_matrix():
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    adj = normalized_adjacency(edge_index, 3)
    cache = TensorCache()
    op = adjacency_operator(adj, 3, cache)
    assert torch.equal(op.matrix.to_dense(), adj.to_dense())  # used as it is
    assert adjacency_operator(adj, 3, cache) is op
    assert adjacency_operator(op, 3, cache) is op
    with pytest.raises(ValueError, match="'edge_index' given as an adjacency matrix"):
        adjacency_operator(adj, 4, cache)


def test_feature_operator_sparse_dense_and_grad():
    cache = TensorCache()
    x = torch.zeros(50, 40)
    x[torch.arange(50), torch.arange(50) % 40] = 1.0  # 2.5% non-zeros
    op = feature_operator(x, 50, cache)
    assert isinstance(op, SparseOperator) and feature_operator(x, 50, cache) is op
    assert torch.equal(op.matrix.to_dense(), x)
    full = torch.rand(50, 4) + 0.1
    assert feature_operator(full, 50, cache) is full
    assert feature_operator(x.to_sparse(), 50, cache).matrix.layout == torch.sparse_csr
    leaf = x.clone().requires_grad_()
    assert feature_operator(leaf, 50, cache) is leaf


@pytest.mark.parametrize(
    'x, match',
    [
        (torch.tensor([[1.0], [float('nan')]]), "'x' must contain only finite"),
        (
            torch.tensor([[1.0], [float('inf')]]).to_sparse(),
            "'x' must contain only finite",
        ),
        (torch.ones(3, 1), "'x' must have one row per node"),
        (torch.ones(2, 1, dtype=torch.long), "'x' must be a floating-point"),
    ],
    ids=['nan', 'inf-sparse', 'rows', 'dtype'],
)
def test_feature_operator_errors(x, match):
    with pytest.raises(ValueError, match=match):
        feature_operator(x, 2, TensorCache())


def test_adjacency_operator_keeps_learnable_values():
    values = torch.tensor([0.5, 0.5, 1.0], requires_grad=True)
    adj = torch.sparse_coo_tensor(
        torch.tensor([[0, 1, 2], [1, 0, 2]]), values, (3, 3), check_invariants=True
    )
    op = adjacency_operator(adj, 3, TensorCache())
    assert op is adj
    spmm(op, torch.ones(3, 2)).sum().backward()
    assert torch.allclose(values.grad, torch.full((3,), 2.0))


@pytest.mark.parametrize('dtype', [torch.bool, torch.long, torch.uint8])
def test_normalized_adjacency_rejects_non_float_dtype(dtype):
    """A bool or integer dtype cannot hold D^-1/2 (A + I) D^-1/2."""
    edge_index = torch.tensor([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"'dtype' must be a floating-point .*\(got"):
        normalized_adjacency(edge_index, 3, dtype=dtype)


def test_clear_cache_after_a_write_torch_cannot_see():
    """Writes through shared numpy memory keep the cached operator until
    clear_cache() drops it."""
    import numpy as np

    from gvae_ext.sparse.adjacency import clear_cache

    array = np.array([[0, 1], [1, 0]])
    edge_index = torch.from_numpy(array)
    x = torch.eye(3)
    first = adjacency_operator(edge_index, 3).matmul(x)
    array[:] = [[1, 2], [2, 1]]  # invisible to torch's version counter
    stale = adjacency_operator(edge_index, 3).matmul(x)
    assert torch.equal(stale, first)  # the documented limitation
    assert clear_cache() >= 1
    fresh = adjacency_operator(edge_index, 3).matmul(x)
    expected = normalized_adjacency(torch.tensor([[1, 2], [2, 1]]), 3).to_dense()
    assert torch.allclose(fresh, expected) and not torch.equal(fresh, first)


def test_clear_cache_empties_every_tensor_cache():
    """Caches made anywhere (models, objectives) are all emptied."""
    from gvae_ext.sparse.adjacency import clear_cache

    mine = TensorCache(maxsize=2)
    t = torch.zeros(2)
    mine.get(t, 'k', lambda: 1)
    assert len(mine) == 1
    clear_cache()
    assert len(mine) == 0
