from types import SimpleNamespace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gvae_ext.baselines.spectral as spectral_module
from gvae_ext.baselines import (
    deepwalk_embedding,
    evaluate_baseline,
    random_walks,
    score_pairs,
    spectral_embedding,
)
from gvae_ext.baselines._graph import connected_components, undirected
from gvae_ext.link.split import split_edges
from tests.conftest import DEVICES

# Small and fast DeepWalk settings for the unit tests.
FAST = dict(walk_length=10, walks_per_node=2, window_size=3, batch_size=64)


def _sbm(sizes, p_in, p_out, seed):
    r"""A stochastic block model graph (both directions) and its blocks."""
    gen = torch.Generator().manual_seed(seed)
    block = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    n = block.numel()
    prob = torch.where(block[:, None] == block[None, :], p_in, p_out)
    upper = torch.triu(torch.rand(n, n, generator=gen) < prob, diagonal=1)
    edge_index = upper.nonzero().t()
    return torch.cat([edge_index, edge_index.flip(0)], 1), n


def _dense_s_hat(edge_index, n):
    adj = torch.zeros(n, n, dtype=torch.float64)
    adj[edge_index[0], edge_index[1]] = 1.0
    adj = ((adj + adj.t()) > 0).double()
    adj.fill_diagonal_(1.0)
    d = adj.sum(1).rsqrt()
    return d[:, None] * adj * d[None, :]


# ------------------------------------------------------------ graph helpers


def test_undirected_dedupes_and_drops_loops():
    edge_index = torch.tensor([[0, 1, 1, 2, 2], [1, 0, 1, 0, 0]])
    row, col = undirected(edge_index, 3)
    assert row.tolist() == [0, 0, 1, 2] and col.tolist() == [1, 2, 0, 0]


def test_connected_components_hand_computed():
    # Components {0, 3, 5}, {1, 4}, {2}, {6}: a path 5-3-0 given out of order.
    edge_index = torch.tensor([[3, 4, 0], [5, 1, 3]])
    row, col = undirected(edge_index, 7)
    assert connected_components(row, col, 7).tolist() == [0, 1, 2, 0, 1, 0, 3]


def test_connected_components_long_path():
    n = 200
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    edge_index = torch.stack([perm[:-1], perm[1:]])
    row, col = undirected(edge_index, n + 1)
    comp = connected_components(row, col, n + 1)
    assert comp[:n].eq(comp[0]).all() and comp[n] != comp[0]


# ------------------------------------------------------------ spectral


def test_spectral_embedding_path_hand_computed():
    # Path 0-1-2: A_hat has eigenvalues 1 (trivial), 1/2 with (1, 0, -1)/sqrt 2
    # and -1/6.
    edge_index = torch.tensor([[0, 1], [1, 2]])
    z = spectral_embedding(edge_index, 3, dim=1)
    expected = torch.tensor([[1.0], [0.0], [-1.0]]) * 0.5 / 2**0.5
    assert z.shape == (3, 1) and z.dtype == torch.get_default_dtype()
    assert torch.allclose(z, expected, atol=1e-6)
    z = spectral_embedding(edge_index, 3, dim=3)
    assert torch.allclose(z[:, 2], torch.zeros(3))  # only 2 non-trivial
    s_hat = _dense_s_hat(edge_index, 3)
    w = torch.tensor([2.0, 3.0, 2.0], dtype=torch.float64).sqrt() / 7**0.5
    gram = z.double() @ z.double().t()
    assert torch.allclose(gram, s_hat @ s_hat - torch.outer(w, w), atol=1e-6)


def test_spectral_embedding_complete_graph_is_zero():
    # K_4 with self-loops: A_hat = J / 4, all non-trivial eigenvalues are 0.
    edge_index = torch.combinations(torch.arange(4)).t()
    assert torch.allclose(spectral_embedding(edge_index, 4, dim=3), torch.zeros(4, 3))


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 12), st.floats(0.1, 0.6), st.integers(0, 2**16))
def test_spectral_embedding_full_rank_gram(n, p, seed):
    # With every non-trivial eigenvector, z z^T = A_hat^2 minus the
    # component projector (eigenvalue 1).
    edge_index, _ = _sbm([n], p, p, seed)
    z = spectral_embedding(edge_index, n, dim=n).double()
    s_hat = _dense_s_hat(edge_index, n)
    row, col = undirected(edge_index, n)
    comp = connected_components(row, col, n)
    deg = s_hat.ne(0).sum(1).double()
    same = comp[:, None] == comp[None, :]
    vol = torch.zeros(int(comp.max()) + 1, dtype=torch.float64).index_add_(0, comp, deg)
    projector = torch.where(same, (deg[:, None] * deg[None, :]).sqrt() / vol[comp], 0)
    assert torch.allclose(z @ z.t(), s_hat @ s_hat - projector, atol=1e-5)


def test_spectral_embedding_iterative_matches_dense(monkeypatch):
    edge_index, n = _sbm([60, 60, 60, 60], 0.3, 0.01, seed=0)
    gen = torch.Generator().manual_seed(0)
    dense = spectral_embedding(edge_index, n, dim=3)
    monkeypatch.setattr(spectral_module, 'DENSE_MAX_NODES', 0)
    iterative = spectral_embedding(edge_index, n, dim=3, num_iters=60, generator=gen)
    assert torch.allclose(iterative @ iterative.t(), dense @ dense.t(), atol=1e-4)
    # Fixed signs: the columns themselves agree.
    assert torch.allclose(iterative, dense, atol=1e-3)


@pytest.mark.parametrize('device', DEVICES)
def test_spectral_embedding_deterministic_and_device(monkeypatch, device):
    monkeypatch.setattr(spectral_module, 'DENSE_MAX_NODES', 0)
    edge_index, n = _sbm([30, 30, 30], 0.3, 0.02, seed=1)
    edge_index = edge_index.to(device)
    copy = edge_index.clone()
    z1 = spectral_embedding(
        edge_index, n, 4, generator=torch.Generator(device).manual_seed(3)
    )
    z2 = spectral_embedding(
        edge_index, n, 4, generator=torch.Generator(device).manual_seed(3)
    )
    assert z1.device.type == device and torch.equal(z1, z2)
    assert torch.equal(edge_index, copy)


def test_spectral_embedding_isolated_nodes():
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 3]])
    z = spectral_embedding(edge_index, 7, dim=2)
    assert z.shape == (7, 2) and torch.equal(z[4:], torch.zeros(3, 2))
    assert z[:4].abs().sum() > 0
    empty = spectral_embedding(torch.empty(2, 0, dtype=torch.long), 5, dim=3)
    assert torch.equal(empty, torch.zeros(5, 3))


# ------------------------------------------------------------ walks


@pytest.mark.parametrize('device', DEVICES)
def test_random_walks_follow_edges(device):
    edge_index, n = _sbm([20, 20], 0.2, 0.05, seed=2)
    edge_index = torch.cat([edge_index, torch.tensor([[0], [0]])], 1).to(device)
    gen = torch.Generator(device).manual_seed(0)
    walks = random_walks(
        edge_index, n + 2, walk_length=6, walks_per_node=3, generator=gen
    )
    row, col = undirected(edge_index, n + 2)
    edges = set(zip(row.tolist(), col.tolist()))
    has_edge = torch.bincount(row, minlength=n + 2) > 0
    assert walks.shape == (3 * int(has_edge.sum()), 6) and walks.device.type == device
    starts = torch.nonzero(has_edge).view(-1)
    assert torch.equal(walks[:, 0], starts.repeat(3))
    steps = zip(walks[:, :-1].flatten().tolist(), walks[:, 1:].flatten().tolist())
    assert all(step in edges for step in steps)  # never a self-loop either
    gen2 = torch.Generator(device).manual_seed(0)
    again = random_walks(
        edge_index, n + 2, walk_length=6, walks_per_node=3, generator=gen2
    )
    assert torch.equal(walks, again)


def test_random_walks_uniform_neighbour():
    # A star: from the centre every leaf is equally likely.
    edge_index = torch.tensor([[0, 0, 0, 0], [1, 2, 3, 4]])
    gen = torch.Generator().manual_seed(0)
    walks = random_walks(
        edge_index, 5, walk_length=2, walks_per_node=4000, generator=gen
    )
    second = walks[walks[:, 0] == 0, 1]
    freq = torch.bincount(second, minlength=5)[1:].double() / second.numel()
    assert torch.allclose(freq, torch.full((4,), 0.25, dtype=torch.float64), atol=0.04)


# ------------------------------------------------------------ deepwalk


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('readout', ['sum', 'input'])
def test_deepwalk_embedding_shape_and_determinism(device, readout):
    edge_index, n = _sbm([15, 15], 0.3, 0.05, seed=3)
    edge_index = edge_index.to(device)
    copy = edge_index.clone()

    def run(seed):
        gen = torch.Generator(device).manual_seed(seed)
        return deepwalk_embedding(
            edge_index, n + 3, dim=8, readout=readout, generator=gen, **FAST
        )

    z = run(0)
    assert z.shape == (n + 3, 8) and z.dtype == torch.get_default_dtype()
    assert z.device.type == device and torch.isfinite(z).all()
    assert torch.equal(z[n:], torch.zeros(3, 8))  # isolated nodes
    if device == 'cpu':
        assert torch.equal(z, run(0))
    assert not torch.allclose(z, run(1))
    assert torch.equal(edge_index, copy)


def test_deepwalk_embedding_readouts_differ_by_context():
    edge_index, n = _sbm([10, 10], 0.4, 0.05, seed=4)
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    z_sum = deepwalk_embedding(edge_index, n, 4, generator=gen(), **FAST)
    z_in = deepwalk_embedding(
        edge_index, n, 4, readout='input', generator=gen(), **FAST
    )
    assert not torch.allclose(z_sum, z_in)


def test_deepwalk_embedding_no_edges_and_tiny_batches():
    assert torch.equal(
        deepwalk_embedding(torch.tensor([[1], [1]]), 3, dim=2), torch.zeros(3, 2)
    )
    # A batch smaller than one negative group, and a ragged last batch.
    edge_index = torch.tensor([[0, 1], [1, 2]])
    for batch_size in (5, 37):
        z = deepwalk_embedding(
            edge_index, 3, dim=4, walk_length=7, walks_per_node=3, batch_size=batch_size
        )
        assert torch.isfinite(z).all() and z.abs().sum() > 0


# ------------------------------------------------------------ evaluation


def test_score_pairs_hand_computed():
    z = torch.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]])
    scores = score_pairs(z, torch.tensor([[0, 1, 2], [1, 2, 2]]))
    assert scores.tolist() == [2.0, 3.0, 9.0]
    assert score_pairs(z, torch.empty(2, 0, dtype=torch.long)).shape == (0,)


@pytest.mark.parametrize('name', ['sc', 'deepwalk'])
def test_evaluate_baseline_sbm_quality(name):
    # Ten communities: a good embedding ranks the (mostly within-community)
    # held-out edges above random pairs (90% across communities).
    edge_index, n = _sbm([30] * 10, 0.25, 0.002, seed=5)
    split = split_edges(edge_index, n, generator=torch.Generator().manual_seed(0))
    result = evaluate_baseline(name, split, n, seed=0, dim=16)
    assert set(result) == {'test_auc', 'test_ap', 'val_auc', 'val_ap'}
    assert all(isinstance(v, float) for v in result.values())
    assert result['test_auc'] > 0.8 and result['test_ap'] > 0.8
    assert result == evaluate_baseline(name, split, n, seed=0, dim=16)


def test_spectral_embedding_default_dim_capped_at_num_nodes():
    # Below 128 nodes the default size is num_nodes, the same as asking for it.
    edge_index, n = _sbm([10, 10], 0.6, 0.05, seed=3)
    z = spectral_embedding(edge_index, n)
    assert z.shape == (n, n)
    assert torch.equal(z, spectral_embedding(edge_index, n, dim=n))
    assert spectral_embedding(edge_index, n + 130).shape == (n + 130, 128)


def test_evaluate_baseline_sc_small_graph():
    # 34 nodes (karate-sized): SC runs with the default size instead of
    # raising, and an explicit size larger than the graph still raises.
    edge_index, n = _sbm([17, 17], 0.5, 0.05, seed=4)
    split = split_edges(edge_index, n, generator=torch.Generator().manual_seed(1))
    result = evaluate_baseline('sc', split, n, seed=0)
    assert result == evaluate_baseline('sc', split, n, seed=0, dim=n)
    # The same numbers from the parts: scikit-learn's AUC of inner products of
    # the spectral embedding of the training graph.
    sklearn = pytest.importorskip('sklearn.metrics')
    z = spectral_embedding(
        split.train_pos_edge_index, n, generator=torch.Generator().manual_seed(0)
    )
    pos, neg = split.test_pos_edge_index, split.test_neg_edge_index
    scores = torch.cat([(z[pos[0]] * z[pos[1]]).sum(1), (z[neg[0]] * z[neg[1]]).sum(1)])
    labels = [1] * pos.size(1) + [0] * neg.size(1)
    auc = sklearn.roc_auc_score(labels, scores.numpy())
    assert result['test_auc'] == pytest.approx(auc, abs=1e-12)
    assert result['test_auc'] > 0.6  # two dense communities are easy to tell
    with pytest.raises(ValueError, match=r"'dim' must be at most 'num_nodes' \(34\)"):
        evaluate_baseline('sc', split, n, seed=0, dim=n + 1)


# ------------------------------------------------------------ errors

EI = torch.tensor([[0, 1], [1, 2]])


@pytest.mark.parametrize('fn', [spectral_embedding, deepwalk_embedding])
@pytest.mark.parametrize(
    'args, kwargs, match',
    [
        ((torch.tensor([0, 1]), 3), {}, "'edge_index' must have shape"),
        ((EI.float(), 3), {}, "'edge_index' must be an integer tensor"),
        ((EI, None), {}, "'num_nodes' must be a positive integer"),
        ((EI, 0), {}, "'num_nodes' must be a positive integer"),
        ((EI, 2), {}, "'edge_index' contains node index 2"),
        ((-EI, 3), {}, "'edge_index' must not contain negative"),
        ((EI, 3), dict(dim=0), "'dim' must be a positive integer"),
        ((EI, 3), dict(dim=2.0), "'dim' must be an integer"),
    ],
    ids=[
        'shape',
        'dtype',
        'nodes-none',
        'nodes-zero',
        'range',
        'negative',
        'dim0',
        'dimf',
    ],
)
def test_baselines_bad_input(fn, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(dim=4), r"'dim' must be at most 'num_nodes' \(3\) \(got 4\)"),
        (dict(dim=2, num_iters=0), "'num_iters' must be a positive integer"),
        (dict(dim=2, oversample=-1), "'oversample' must be a non-negative integer"),
    ],
)
def test_spectral_embedding_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        spectral_embedding(EI, 3, **kwargs)


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(walk_length=1), "'walk_length' must be at least 2"),
        (dict(walk_length=0), "'walk_length' must be a positive integer"),
        (dict(walks_per_node=0), "'walks_per_node' must be a positive integer"),
        (dict(window_size=0), "'window_size' must be a positive integer"),
        (dict(num_negatives=0), "'num_negatives' must be a positive integer"),
        (dict(epochs=0), "'epochs' must be a positive integer"),
        (dict(batch_size=0), "'batch_size' must be a positive integer"),
        (dict(lr=0.0), "'lr' must be a positive number"),
        (dict(lr='0.1'), "'lr' must be a positive number"),
        (dict(readout='output'), "'readout' must be one of"),
    ],
)
def test_deepwalk_embedding_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        deepwalk_embedding(EI, 3, **kwargs)


def test_random_walks_bad_input():
    with pytest.raises(ValueError, match="'walk_length' must be a positive integer"):
        random_walks(EI, 3, walk_length=0)
    with pytest.raises(ValueError, match="'walks_per_node' must be a positive"):
        random_walks(EI, 3, walks_per_node=-1)
    with pytest.raises(ValueError, match="'edge_index' contains node index 2"):
        random_walks(EI, 2)


@pytest.mark.parametrize('fn', [spectral_embedding, deepwalk_embedding, random_walks])
def test_baselines_bad_generator(fn):
    with pytest.raises(TypeError, match="'generator' must be a torch.Generator"):
        fn(EI, 3, generator=0)
    with pytest.raises(TypeError, match="'edge_index' must be a torch.Tensor"):
        fn([[0, 1], [1, 2]], 3)


def test_score_pairs_bad_input():
    z = torch.ones(3, 2)
    with pytest.raises(ValueError, match="'z' must be 2-D"):
        score_pairs(torch.ones(3), EI)
    with pytest.raises(ValueError, match="'edge_index' contains node index 3"):
        score_pairs(z, torch.tensor([[0], [3]]))
    with pytest.raises(TypeError, match="'z' must be a torch.Tensor"):
        score_pairs([[1.0]], EI)


def test_evaluate_baseline_bad_input():
    split = split_edges(*_sbm([12], 0.5, 0.5, seed=6), generator=torch.Generator())
    with pytest.raises(ValueError, match="'name' must be one of"):
        evaluate_baseline('gae', split, 12)
    partial = SimpleNamespace(train_pos_edge_index=split.train_pos_edge_index)
    with pytest.raises(ValueError, match="'split' must have the fields of EdgeSplit"):
        evaluate_baseline('sc', partial, 12)
    with pytest.raises(ValueError, match="'seed' must be a non-negative integer"):
        evaluate_baseline('sc', split, 12, seed=-1)
