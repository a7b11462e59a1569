from types import SimpleNamespace

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.datasets import load_cora
from gvae_ext.nn import GAE
from gvae_ext.train import FitConfig, fit
from gvae_ext.train.loader import _is_edge, loader_epoch


def _dense_graph(n: int, p: float, seed: int) -> Data:
    g = torch.Generator().manual_seed(seed)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    edge_index = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    return Data(edge_index=edge_index, num_nodes=n)


def _pair_set(edge_index):
    return {tuple(p) for p in edge_index.t().tolist()}


def _record_negatives(monkeypatch):
    seen = []
    original = GAE.recon_loss

    def recon_loss(self, z, pos_edge_index, neg_edge_index=None):
        seen.append((pos_edge_index.clone(), neg_edge_index))
        return original(self, z, pos_edge_index, neg_edge_index)

    monkeypatch.setattr(GAE, 'recon_loss', recon_loss)
    return seen


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('density', [0.5, 0.1])
@pytest.mark.parametrize('edge_mask', [0.0, 0.5])
@pytest.mark.parametrize('batch_size', [0, 64])
def test_training_negatives_are_never_training_edges(
    monkeypatch, seed, density, edge_mask, batch_size
):
    data = _dense_graph(60, density, seed)
    seen = _record_negatives(monkeypatch)
    config = FitConfig.from_preset(
        'tuned',
        epochs=3,
        seed=seed,
        edge_mask=edge_mask,
        batch_size=batch_size,
        sampler='own',
        hidden_channels=8,
        out_channels=4,
    )
    result = fit(data, config)
    train = _pair_set(result.split.train_pos_edge_index)
    assert seen, 'the sampled objective was not called'
    for _, neg in seen:
        assert neg is not None
        negatives = neg.t().tolist()
        assert negatives
        # Mini-batch negatives are local ids of the batch's subgraph; the
        # full-batch ones are global and are checked in both directions.
        if batch_size == 0:
            bad = [p for p in negatives if tuple(p) in train or p[0] == p[1]]
            assert not bad, f'{len(bad)} of {len(negatives)} negatives are edges'


def test_loader_epoch_drops_negatives_that_are_training_edges():
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    edge_ids = torch.unique(edge_index[0] * 4 + edge_index[1])
    pairs = torch.tensor([[1, 0, 2, 3], [0, 2, 1, 0]])
    assert _is_edge(pairs, edge_ids, 4).tolist() == [True, False, True, False]

    # two positives, then negatives: (0, 1) and (2, 1) are training edges
    batch = SimpleNamespace(
        n_id=torch.arange(4),
        edge_index=edge_index,
        edge_label_index=torch.tensor([[0, 1, 0, 2, 3], [1, 2, 1, 1, 0]]),
        edge_label=torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0]),
    )

    from gvae_ext.nn import GCNEncoder

    model = GAE(GCNEncoder(4, 4, 2))
    seen = []
    original = model.recon_loss

    def recon_loss(z, pos, neg=None):
        seen.append(neg)
        return original(z, pos, neg)

    model.recon_loss = recon_loss
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    loader_epoch(
        model, None, [batch], optimizer, num_nodes=4, neg_edge_index=edge_index
    )
    assert seen[0].t().tolist() == [[3, 0]]


def test_fit_leaves_the_global_rng_untouched():
    data = _dense_graph(40, 0.2, 0)
    torch.manual_seed(123)
    expected = torch.rand(5)
    torch.manual_seed(123)
    fit(data, FitConfig.from_preset(epochs=2, hidden_channels=8, out_channels=4))
    assert torch.equal(torch.rand(5), expected)


def test_fit_is_deterministic_in_the_seed():
    data = _dense_graph(40, 0.2, 0)
    config = FitConfig.from_preset(epochs=5, hidden_channels=8, out_channels=4)
    torch.manual_seed(1)
    a = fit(data, config).metrics
    torch.manual_seed(2)
    b = fit(data, config).metrics
    assert a == b


def test_fit_diverging_run_names_the_epoch():
    data = _dense_graph(40, 0.2, 0)
    config = FitConfig.from_preset(epochs=20, lr=1e30, hidden_channels=8)
    with pytest.raises(ValueError, match=r'training diverged at epoch \d+.*lr'):
        fit(data, config)


def test_fit_too_few_edges_says_the_split_is_empty():
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    data = Data(edge_index=edge_index, num_nodes=4)
    with pytest.raises(ValueError, match=r'too few edges for a val split'):
        fit(data, FitConfig.from_preset(epochs=1))


def test_fit_rejects_a_dict_config():
    data = _dense_graph(20, 0.3, 0)
    with pytest.raises(ValueError, match=r"'config' must be a FitConfig.*got dict"):
        fit(data, {'epochs': 1})


def test_fit_float64_features_are_cast_not_mutated():
    data = _dense_graph(30, 0.3, 0)
    data.x = torch.rand(30, 5, dtype=torch.float64)
    before = data.x.clone()
    result = fit(data, FitConfig.from_preset(epochs=2, hidden_channels=8))
    assert data.x.dtype == torch.float64 and torch.equal(data.x, before)
    assert result.embeddings.dtype == torch.float32


def test_fit_vgae_embeddings_are_mu_of_the_training_graph():
    # evaluation encodes with the mu head alone; the result must be what the
    # whole encoder gives in eval mode, and the test metrics must score it
    data = _dense_graph(40, 0.3, 1)
    data.x = torch.rand(40, 6, generator=torch.Generator().manual_seed(2))
    config = FitConfig.from_preset('masked', model='vgae', epochs=3, hidden_channels=8)
    result = fit(data, config)
    model = result.model.eval()
    with torch.no_grad():
        mu, _ = model.encoder(data.x, result.split.train_pos_edge_index)
    assert torch.allclose(result.embeddings, mu, atol=1e-6)  # float rounding only
    split = result.split
    auc, ap = model.test(
        result.embeddings, split.test_pos_edge_index, split.test_neg_edge_index
    )
    assert auc == pytest.approx(result.metrics['test_auc'], abs=1e-9)
    assert ap == pytest.approx(result.metrics['test_ap'], abs=1e-9)


def test_evaluate_uses_the_models_own_encode():
    from gvae_ext.nn import GAE, GCNEncoder
    from gvae_ext.train.replica import evaluate

    class Normalised(GCNEncoder):
        def forward(self, x, edge_index):
            return torch.nn.functional.normalize(super().forward(x, edge_index), dim=1)

    data = _dense_graph(30, 0.3, 3)
    model = GAE(Normalised(30, 8, 4))
    pos, neg = data.edge_index[:, :10], torch.tensor([[0, 1, 2], [5, 7, 9]])
    for embed_only in (False, True):  # a subclass never takes the first-head path
        _, _, z = evaluate(
            model, None, data.edge_index, pos, neg, embed_only=embed_only
        )
        assert torch.allclose(z.norm(dim=1), torch.ones(30), atol=1e-5)


def test_fit_records_the_reported_epoch():
    data = load_cora()
    last = fit(data, FitConfig.from_preset('paper', epochs=3))
    assert last.history['reported_epoch'] == [3]
    best = fit(data, FitConfig.from_preset('paper', epochs=6, selection='val_auc'))
    epoch = best.history['reported_epoch'][0]
    aucs = best.history['val_auc']
    assert aucs[epoch - 1] == max(aucs)


def test_fit_threads_by_graph_and_restored():
    before = torch.get_num_threads()
    data = _dense_graph(30, 0.3, 0)
    small = fit(data, FitConfig.from_preset(epochs=1, hidden_channels=8))
    assert small.timings['num_threads'] == 1  # 30 nodes: one thread
    assert small.timings['thread_steps'] == []
    two = fit(data, FitConfig.from_preset(epochs=1, hidden_channels=8, num_threads=2))
    assert two.timings['num_threads'] == 2
    assert torch.get_num_threads() == before
