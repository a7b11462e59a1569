import json

import pytest
import torch
import torch_geometric.typing as pyg_typing

from gvae_ext.cli import main
from gvae_ext.datasets import featureless, load_cora
from gvae_ext.link.train_negatives import fast_negative_sampling
from gvae_ext.nn import GAE, VGAE
from gvae_ext.nn.encoders import GCNEncoder, VariationalGCNEncoder
from gvae_ext.sampling import (
    PyGNeighborSampler,
    make_sampler,
    pyg_sampling_available,
    subgraph_features,
)
from gvae_ext.sampling.neighbor import KHopSampler
from gvae_ext.train.config import FitConfig
from gvae_ext.train.loop import fit, run_training
from gvae_ext.train.minibatch import minibatch_epoch
from gvae_ext.train.replica import Replica
from gvae_ext.variational import kl_normal
from tests.conftest import DEVICES

needs_pyg_sampling = pytest.mark.skipif(
    not pyg_sampling_available(), reason="needs 'pyg-lib' or 'torch-sparse'"
)


def _graph(num_nodes=30, num_edges=70, seed=0, device='cpu'):
    g = torch.Generator().manual_seed(seed)
    row, col = torch.randint(0, num_nodes, (2, num_edges), generator=g)
    keep = row != col
    ids = torch.unique(torch.stack([row[keep], col[keep]]).sort(0).values.T, dim=0)
    pairs = ids.T.contiguous()  # row < col
    return torch.cat([pairs, pairs.flip(0)], 1).to(device), pairs.to(device)


def _no_pyg(monkeypatch):
    monkeypatch.setattr(pyg_typing, 'WITH_PYG_LIB', False)
    monkeypatch.setattr(pyg_typing, 'WITH_TORCH_SPARSE', False)


@pytest.mark.parametrize('device', DEVICES)
def test_subgraph_features_dense_sparse_and_identity(device):
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]], device=device)
    node = torch.tensor([2, 0], device=device)
    want = x[node]
    assert torch.equal(subgraph_features(x, node, 3), want)
    for sparse in (x.to_sparse_csr(), x.to_sparse(), x.to_sparse_csc()):
        got = subgraph_features(sparse, node, 3)
        assert got.layout == torch.sparse_csr
        assert torch.equal(got.to_dense(), want)
    one_hot = subgraph_features(None, node, 3)
    assert one_hot.layout == torch.sparse_csr
    assert torch.equal(one_hot.to_dense(), torch.eye(3, device=device)[node])


def test_minibatch_all_neighbors_one_batch_equals_full_batch():
    edge_index, pairs = _graph()
    num_nodes, num_pairs = 30, pairs.size(1)
    x = torch.randn(num_nodes, 5, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(0)
    model = GAE(GCNEncoder(5, 8, 4))
    # Replay the epoch's draws: the shuffle, then the negatives.
    replay = torch.Generator().manual_seed(2)
    perm = torch.randperm(num_pairs, generator=replay)
    neg = fast_negative_sampling(edge_index, num_nodes, num_pairs, generator=replay)
    with torch.no_grad():
        z = model.encode(x, edge_index)
        want = float(model.recon_loss(z, pairs[:, perm], neg))
    sampler = KHopSampler(edge_index, num_nodes, [-1, -1])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    got = minibatch_epoch(
        model,
        x,
        sampler,
        pairs,
        optimizer,
        batch_size=num_pairs,
        generator=torch.Generator().manual_seed(2),
    )
    assert got == pytest.approx(want, rel=1e-5)
    assert not torch.equal(model.encode(x, edge_index), z)  # it stepped


class _KLStub(torch.nn.Module):
    r"""mu = a learnable table row per node, logstd = mu / 10, zero recon loss."""

    def __init__(self, num_nodes):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.table = torch.nn.Parameter(torch.randn(num_nodes, 2, generator=g))

    def encode(self, x, adj):
        self.__mu__ = x @ self.table  # x: the one-hot rows of the subgraph
        self.__logstd__ = self.__mu__ / 10
        return self.__mu__

    def recon_loss(self, z, pos, neg):
        return z.sum() * 0

    def kl_loss(self, mu, logstd):
        return kl_normal(mu, logstd)


def test_minibatch_kl_is_seed_mean_over_num_nodes():
    edge_index, pairs = _graph()
    num_nodes, num_pairs = 30, pairs.size(1)
    model = _KLStub(num_nodes)
    replay = torch.Generator().manual_seed(3)
    perm = torch.randperm(num_pairs, generator=replay)
    neg = fast_negative_sampling(edge_index, num_nodes, num_pairs, generator=replay)
    seeds = torch.unique(torch.cat([pairs[:, perm], neg], 1))
    mu = model.table.detach()[seeds]
    want = float(kl_normal(mu, mu / 10)) / num_nodes
    got = minibatch_epoch(
        model,
        torch.eye(num_nodes),
        KHopSampler(edge_index, num_nodes, [2, 2]),
        pairs,
        torch.optim.SGD(model.parameters(), lr=0.1),
        batch_size=num_pairs,
        generator=torch.Generator().manual_seed(3),
    )
    assert got == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize('device', DEVICES)
def test_minibatch_epoch_same_seed_same_result(device):
    edge_index, pairs = _graph(device=device)
    x = torch.randn(30, 5, generator=torch.Generator().manual_seed(1)).to(device)

    def run():
        torch.manual_seed(0)
        model = VGAE(VariationalGCNEncoder(5, 8, 4)).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        gen = torch.Generator(device=device).manual_seed(0)
        sampler = KHopSampler(edge_index, 30, [3, 2])
        losses = [
            minibatch_epoch(
                model, x, sampler, pairs, optimizer, batch_size=16, generator=gen
            )
            for _ in range(2)
        ]
        return losses, model.encoder.weight1.detach().clone()

    (loss_a, w_a), (loss_b, w_b) = run(), run()
    assert loss_a == loss_b and torch.equal(w_a, w_b)
    assert all(torch.isfinite(torch.tensor(loss_a)))


@pytest.mark.parametrize('neg_sampling', ['fast', 'exact'])
def test_minibatch_epoch_featureless(neg_sampling):
    edge_index, pairs = _graph()
    torch.manual_seed(0)
    model = GAE(GCNEncoder(30, 8, 4))
    before = model.encoder.weight1.detach().clone()
    loss = minibatch_epoch(
        model,
        None,
        KHopSampler(edge_index, 30, [4, 4]),
        pairs,
        torch.optim.Adam(model.parameters(), lr=0.01),
        batch_size=8,
        neg_sampling=neg_sampling,
        generator=torch.Generator().manual_seed(0),
    )
    assert torch.isfinite(torch.tensor(loss)) and loss > 0
    assert not torch.equal(model.encoder.weight1, before)


def test_fit_minibatch_cora_reaches_good_auc():
    config = FitConfig.from_preset(batch_size=2048, epochs=10, sampler='own')
    result = fit(load_cora(), config)
    assert result.metrics['test_auc'] > 0.85
    assert len(result.history['loss']) == 10
    assert result.to_dict()['config']['batch_size'] == 2048


def test_fit_minibatch_featureless_cora_runs():
    config = FitConfig.from_preset(
        model='gae', batch_size=4096, epochs=2, num_neighbors=[5, 5], sampler='own'
    )
    result = fit(featureless(load_cora()), config)
    assert 0.5 < result.metrics['test_auc'] <= 1.0


@needs_pyg_sampling
def test_pyg_sampler_matches_interface_and_is_exact_with_all_neighbors():
    edge_index, _ = _graph()
    sampler = make_sampler(edge_index, 30, [-1, -1], backend='pyg')
    assert isinstance(sampler, PyGNeighborSampler)
    seeds = torch.tensor([7, 3, 12])
    sub = sampler.sample(seeds)
    assert torch.equal(sub.node[:3], seeds) and sub.num_seeds == 3
    graph = set(map(tuple, edge_index.t().tolist()))
    assert set(map(tuple, sub.node[sub.edge_index].t().tolist())) <= graph
    x = torch.randn(30, 3)
    from gvae_ext.sparse import normalized_adjacency

    full = normalized_adjacency(edge_index, 30)
    adj = sampler.gcn_adjacency(sub)
    got = (adj @ (adj @ x[sub.node]))[:3]
    assert torch.allclose(got, (full @ (full @ x))[seeds], atol=1e-6)


@needs_pyg_sampling
def test_pyg_sampler_reproducible_through_manual_seed():
    edge_index, _ = _graph(num_nodes=60, num_edges=400)
    sampler = make_sampler(edge_index, 60, [2, 2], backend='pyg')
    seeds = torch.tensor([0, 5, 9])
    torch.manual_seed(0)
    a = sampler.sample(seeds)
    torch.manual_seed(0)
    b = sampler.sample(seeds)
    assert torch.equal(a.node, b.node) and torch.equal(a.edge_index, b.edge_index)
    in_edges = torch.bincount(a.edge_index[1], minlength=a.node.numel())
    assert int(in_edges.max()) <= 2


@needs_pyg_sampling
def test_minibatch_epoch_pyg_backend_runs():
    edge_index, pairs = _graph()
    torch.manual_seed(0)
    model = GAE(GCNEncoder(30, 8, 4))
    loss = minibatch_epoch(
        model,
        None,
        make_sampler(edge_index, 30, [3, 3], backend='pyg'),
        pairs,
        torch.optim.Adam(model.parameters(), lr=0.01),
        batch_size=8,
    )
    assert torch.isfinite(torch.tensor(loss))


def test_make_sampler_auto_backend(monkeypatch):
    edge_index, _ = _graph()
    auto = make_sampler(edge_index, 30, backend='auto')
    assert isinstance(auto, PyGNeighborSampler) == pyg_sampling_available()
    _no_pyg(monkeypatch)
    auto = make_sampler(edge_index, 30, backend='auto')
    assert type(auto) is KHopSampler
    with pytest.raises(ValueError, match="'backend' 'pyg' needs"):
        make_sampler(edge_index, 30, backend='pyg')
    with pytest.raises(ValueError, match="'backend' must be one of"):
        make_sampler(edge_index, 30, backend='dgl')


def test_cli_fit_batch_size_and_num_neighbors(tmp_path, capsys):
    out = tmp_path / 'run.json'
    argv = ['fit', '--epochs', '2', '--batch-size', '4096', '--num-neighbors', '5,5']
    assert main([*argv, '--no-progress', '--json', str(out)]) == 0
    with open(out) as f:
        result = json.load(f)
    assert result['config']['batch_size'] == 4096
    assert result['config']['num_neighbors'] == [5, 5]
    assert 0.0 <= result['test_auc'] <= 1.0
    assert 'test AUC' in capsys.readouterr().out


@pytest.mark.parametrize(
    'extra, match',
    [
        (['--batch-size', '64', '--objective', 'dense'], "'batch_size' > 0 needs"),
        (['--batch-size', '64', '--num-neighbors', '5,x'], "'--num-neighbors'"),
        (['--batch-size', '64', '--num-neighbors', '5'], "'num_neighbors'"),
        (['--batch-size', '-1'], "'batch_size'"),
    ],
)
def test_cli_fit_minibatch_errors_exit_2(extra, match, capsys):
    assert main(['fit', '--epochs', '1', '--no-progress', *extra]) == 2
    assert match in capsys.readouterr().err


@pytest.mark.parametrize(
    'overrides, match',
    [
        (dict(batch_size=-1), "'batch_size' must be a non-negative"),
        (dict(batch_size=True), "'batch_size' must be a non-negative"),
        (dict(batch_size=1.5), "'batch_size' must be a non-negative"),
        (dict(num_neighbors=[10]), 'one fan-out per GCN layer'),
        (dict(num_neighbors=[10, 0]), "'num_neighbors' must be a non-empty list"),
        (dict(sampler='dgl'), "'sampler' must be one of"),
        (dict(batch_size=64, objective='dense'), "'batch_size' > 0 needs"),
    ],
)
def test_fit_config_minibatch_errors(overrides, match):
    with pytest.raises(ValueError, match=match):
        FitConfig.from_preset(**overrides)


def test_run_training_minibatch_rejects_several_processes():
    class TwoRanks(Replica):
        world_size = 2

    config = FitConfig.from_preset(batch_size=64, epochs=1)
    with pytest.raises(ValueError, match='several processes'):
        run_training(load_cora(), config, replica=TwoRanks())


def test_minibatch_epoch_errors():
    edge_index, pairs = _graph()
    model = GAE(GCNEncoder(5, 8, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    sampler = KHopSampler(edge_index, 30, [2, 2])
    x = torch.randn(30, 5)

    def run(**kwargs):
        args = dict(
            model=model,
            x=x,
            sampler=sampler,
            pairs=pairs,
            optimizer=optimizer,
            batch_size=8,
        )
        args.update(kwargs)
        return minibatch_epoch(**args)

    with pytest.raises(TypeError, match="'sampler'"):
        run(sampler=edge_index)
    with pytest.raises(ValueError, match="'pairs'"):
        run(pairs=torch.tensor([[0], [30]]))
    with pytest.raises(ValueError, match="'pairs' must contain at least one"):
        run(pairs=torch.empty(2, 0, dtype=torch.long))
    with pytest.raises(ValueError, match="'batch_size'"):
        run(batch_size=0)
    with pytest.raises(ValueError, match="'neg_sampling'"):
        run(neg_sampling='nope')
    with pytest.raises(ValueError, match="'x' must have one row per node"):
        run(x=torch.randn(29, 5))


def test_cli_num_neighbors_all_means_every_neighbour(tmp_path):
    out = tmp_path / 'run.json'
    argv = ['fit', '--epochs', '1', '--batch-size', '4096', '--sampler', 'own']
    argv += ['--num-neighbors', 'all,5', '--no-progress', '--json', str(out)]
    assert main(argv) == 0
    assert json.loads(out.read_text())['config']['num_neighbors'] == [-1, 5]
