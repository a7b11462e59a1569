import json
from types import SimpleNamespace

import pytest
import torch

import gvae_ext.sampling.pyg as loader_mod
from gvae_ext.cli import main
from gvae_ext.datasets import load_cora
from gvae_ext.nn import GAE, VGAE
from gvae_ext.nn.encoders import GCNEncoder, VariationalGCNEncoder
from gvae_ext.sampling import link_neighbor_loader, pyg_sampling_available
from gvae_ext.train.config import FitConfig
from gvae_ext.train.loader import loader_epoch
from gvae_ext.train.loop import fit

needs_pyg = pytest.mark.skipif(
    not pyg_sampling_available(), reason="PyG's sampler needs pyg-lib or torch-sparse"
)


def _ring(n=20):
    nodes = torch.arange(n)
    pairs = torch.stack([nodes, (nodes + 1) % n])
    chords = torch.stack([nodes, (nodes + 5) % n])
    pairs = torch.cat([pairs, chords], 1)
    return torch.cat([pairs, pairs.flip(0)], 1), pairs


@needs_pyg
def test_link_neighbor_loader_batches_hold_labelled_pairs():
    edge_index, pairs = _ring()
    torch.manual_seed(0)
    loader = link_neighbor_loader(edge_index, 20, pairs, batch_size=8)
    seen = 0
    for batch in loader:
        label, eli = batch.edge_label, batch.edge_label_index
        assert set(label.tolist()) <= {0.0, 1.0}
        assert int((label == 1).sum()) == int((label == 0).sum())
        # local positives map back to training pairs
        glob = batch.n_id[eli[:, label == 1]]
        allowed = {tuple(p) for p in pairs.t().tolist()}
        assert {tuple(p) for p in glob.t().tolist()} <= allowed
        seen += int((label == 1).sum())
    assert seen == pairs.size(1)


@needs_pyg
@pytest.mark.parametrize('variational', [True, False])
def test_loader_epoch_trains_featureless(variational):
    edge_index, pairs = _ring()
    torch.manual_seed(0)
    enc = VariationalGCNEncoder if variational else GCNEncoder
    model = (VGAE if variational else GAE)(enc(20, 16, 8))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loader = link_neighbor_loader(edge_index, 20, pairs, batch_size=10)
    before = [p.detach().clone() for p in model.parameters()]
    loss = loader_epoch(model, None, loader, opt, num_nodes=20)
    assert loss > 0 and torch.isfinite(torch.tensor(loss))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


@needs_pyg
def test_fit_with_link_neighbor_loader_on_cora():
    torch.manual_seed(0)
    config = FitConfig.from_preset(epochs=15, batch_size=2048, sampler='loader')
    result = fit(load_cora(), config)
    assert result.metrics['test_auc'] > 0.85
    assert len(result.history['loss']) == 15


@needs_pyg
def test_cli_fit_sampler_loader(tmp_path):
    out = tmp_path / 'run.json'
    data_args = ['--epochs', '2', '--batch-size', '4096', '--sampler', 'loader']
    assert main(['fit', *data_args, '--no-progress', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert result['config']['sampler'] == 'loader'
    assert 0.0 <= result['test_auc'] <= 1.0


def test_link_neighbor_loader_without_backend(monkeypatch):
    monkeypatch.setattr(loader_mod, 'pyg_sampling_available', lambda: False)
    edge_index, pairs = _ring()
    with pytest.raises(ValueError, match='needs pyg-lib or torch-sparse'):
        link_neighbor_loader(edge_index, 20, pairs, batch_size=4)


@needs_pyg
def test_link_neighbor_loader_errors():
    edge_index, pairs = _ring()
    with pytest.raises(ValueError, match="'batch_size' must be a positive"):
        link_neighbor_loader(edge_index, 20, pairs, batch_size=0)
    with pytest.raises(ValueError, match="'pairs'"):
        link_neighbor_loader(edge_index, 20, pairs + 20, batch_size=4)


def test_loader_epoch_rejects_batches_without_negatives():
    model = GAE(GCNEncoder(4, 4, 2))
    opt = torch.optim.Adam(model.parameters())
    batch = SimpleNamespace(
        n_id=torch.arange(4),
        edge_index=torch.tensor([[0, 1], [1, 0]]),
        edge_label_index=torch.tensor([[0], [1]]),
        edge_label=torch.ones(1),
    )
    with pytest.raises(ValueError, match='positive and negative pairs'):
        loader_epoch(model, None, [batch], opt, num_nodes=4)


def test_fit_config_accepts_the_loader_sampler():
    assert FitConfig.from_preset(batch_size=8, sampler='loader').sampler == 'loader'
