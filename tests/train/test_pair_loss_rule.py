"""FitConfig.pair_loss, and auto's ranking loss for the VGAE on graphs with features."""

# ruff: noqa: D103 -- test functions are named for what they check.

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.cli import main
from gvae_ext.datasets import load_cora
from gvae_ext.train import PRESETS, FitConfig, fit, load, save
from gvae_ext.train.auto import RANKING_INPUT_DROPOUT, RANKING_LOSS, plan


def _blocks(n: int = 80, seed: int = 0) -> Data:
    # Two dense blocks with noisy block features: something to rank.
    g = torch.Generator().manual_seed(seed)
    block = torch.arange(n) // (n // 2)
    p = torch.where(block[:, None] == block[None, :], 0.25, 0.02)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    x = torch.nn.functional.one_hot(block, 2).float()
    x = x + 0.5 * torch.randn(n, 2, generator=g)
    edge_index = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    return Data(x=x, edge_index=edge_index, num_nodes=n)


def test_every_preset_keeps_the_cross_entropy():
    assert {p['pair_loss'] for p in PRESETS.values()} == {'bce'}
    assert FitConfig().pair_loss == 'bce'


def test_auto_gives_the_vgae_the_ranking_loss_on_graphs_with_features():
    cora = load_cora()
    vgae = plan(FitConfig(model='vgae'), cora)
    assert [c.pair_loss for c in vgae.configs] == [RANKING_LOSS] == ['bpr']
    assert [c.input_dropout for c in vgae.configs] == [RANKING_INPUT_DROPOUT] == [0.2]
    assert any('input dropout 0.2' in rule for rule in vgae.rules)
    assert 'pair_loss' in vgae.configs[0].overrides
    assert any("the 'bpr' loss" in rule for rule in vgae.rules)
    # the below-chance fallback (the learned decoder) keeps the cross-entropy
    assert (vgae.fallback.pair_loss, vgae.fallback.input_dropout) == ('bce', 0.0)
    # an ensemble's members too, at their 300 epochs
    members = plan(FitConfig.from_preset('ensemble', model='vgae'), cora).configs
    assert [(c.pair_loss, c.ensemble, c.epochs, c.input_dropout) for c in members] == [
        ('bpr', 3, 300, RANKING_INPUT_DROPOUT)
    ]
    # not changed: the GAE (worse on a bag-of-words graph), featureless graphs,
    # HeaRT's selection, the MLP encoder, the learned decoder,
    # small graphs, a value set by hand
    featureless = Data(edge_index=cora.edge_index, num_nodes=cora.num_nodes)
    small = _blocks()
    for config, data in (
        (FitConfig(model='gae'), cora),
        (FitConfig(model='vgae', decoder='mlp'), cora),
        (FitConfig(model='vgae'), featureless),
        (FitConfig(model='vgae', selection='val_mrr'), cora),
        (FitConfig(model='vgae_mlp'), cora),
        (FitConfig(model='vgae'), small),
    ):
        configs = plan(config, data).configs
        assert {(c.pair_loss, c.input_dropout) for c in configs} <= {
            ('bce', 0.0),
            ('bce', 0.8),  # the learned decoder's one-layer candidate
        }, config
    # a field set by hand leaves the rules of the others: the loss still applies
    tuned = plan(FitConfig(model='vgae', epochs=300, lr=0.005), cora).configs[0]
    assert (tuned.pair_loss, tuned.epochs, tuned.lr) == ('bpr', 300, 0.005)
    assert tuned.input_dropout == RANKING_INPUT_DROPOUT
    mine = plan(FitConfig(model='vgae', input_dropout=0.0), cora).configs[0]
    assert (mine.pair_loss, mine.input_dropout) == ('bpr', 0.0)
    mine = plan(FitConfig(model='vgae', pair_loss='bce'), cora)
    assert mine.configs[0].pair_loss == 'bce'
    assert not any('bpr' in rule for rule in mine.rules)


def test_fit_trains_with_the_ranking_loss_and_a_checkpoint_keeps_it(tmp_path):
    data = _blocks()
    base = dict(preset='masked', model='vgae', epochs=40, num_threads=1, seed=3)
    ranked = fit(data, FitConfig.from_preset(**base, pair_loss='bpr'))
    assert ranked.model.pair_loss == 'bpr' and ranked.config.pair_loss == 'bpr'
    # two planted blocks: the ranking loss learns them about as well as the
    # block labels rank the test pairs
    split = ranked.split
    pos, neg = split.test_pos_edge_index, split.test_neg_edge_index
    block = torch.arange(80) // 40
    same_pos = (block[pos[0]] == block[pos[1]]).float()
    same_neg = (block[neg[0]] == block[neg[1]]).float()
    oracle = (same_pos[:, None] > same_neg[None, :]).float().mean() + 0.5 * (
        same_pos[:, None] == same_neg[None, :]
    ).float().mean()
    assert ranked.metrics['test_auc'] > oracle.item() - 0.05 > 0.65
    # seeded, and the loss changes what is trained
    again = fit(data, FitConfig.from_preset(**base, pair_loss='bpr'))
    assert again.history['loss'] == ranked.history['loss']
    bce = fit(data, FitConfig.from_preset(**base))
    assert bce.history['loss'][0] != pytest.approx(ranked.history['loss'][0])
    path = tmp_path / 'ranked.pt'
    save(path, ranked.model, ranked.config, data.x.size(1))
    assert load(path).pair_loss == 'bpr'
    # a checkpoint written before the field existed loads with the cross-entropy
    payload = torch.load(path, weights_only=True)
    del payload['config']['pair_loss']
    older = tmp_path / 'older.pt'
    torch.save(payload, older)
    restored = load(older)
    assert restored.pair_loss == 'bce'
    z = restored.encode(data.x, ranked.split.train_pos_edge_index)
    assert torch.allclose(
        z, ranked.model.eval().encode(data.x, ranked.split.train_pos_edge_index)
    )


@pytest.mark.parametrize(
    'change, message',
    [
        (
            dict(pair_loss='bpr', objective='dense'),
            "'pair_loss' 'bpr' needs the 'sampled' objective",
        ),
        (dict(pair_loss='bpr', objective='fastgae'), "needs the 'sampled' objective"),
        (dict(pair_loss='hinge'), r"'pair_loss' must be one of \('bce', 'bpr'\)"),
    ],
)
def test_config_refuses_bad_pair_losses(change, message):
    with pytest.raises(ValueError, match=message):
        FitConfig.from_preset(**change)


def test_cli_takes_pair_loss_and_refuses_it_with_dense_in_one_line(capsys):
    assert (
        main(['fit', '--pair-loss', 'bpr', '--objective', 'dense', '--epochs', '1'])
        == 2
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].endswith(
        "'pair_loss' 'bpr' needs the 'sampled' objective (got 'dense')"
    )
    assert not any('Traceback' in line for line in lines)
    assert main(['fit', '--pair-loss', 'auc']) == 2
    assert "invalid choice: 'auc'" in capsys.readouterr().err


def test_sparse_features_are_bag_of_words_not_coordinates_or_ids():
    from gvae_ext.train._features import SPARSE_FEATURES, has_sparse_features

    cora = load_cora()
    assert has_sparse_features(cora)  # 1.3% of the words
    g = torch.Generator().manual_seed(0)
    words = (torch.rand(50, 40, generator=g) < 0.05).float()
    edge_index = torch.tensor([[0, 1], [1, 0]])
    for x in (words, words.to_sparse(), words.to_sparse_csr()):
        assert has_sparse_features(Data(x=x, edge_index=edge_index, num_nodes=50))
    dense = torch.randn(50, 3, generator=g)
    assert not has_sparse_features(Data(x=dense, edge_index=edge_index, num_nodes=50))
    # the boundary: at most SPARSE_FEATURES of the entries nonzero
    at = torch.zeros(10, 10)
    at.view(-1)[: int(SPARSE_FEATURES * 100)] = 1.0
    assert has_sparse_features(Data(x=at, edge_index=edge_index, num_nodes=10))
    at.view(-1)[int(SPARSE_FEATURES * 100)] = 1.0
    assert not has_sparse_features(Data(x=at, edge_index=edge_index, num_nodes=10))
    # no features, or one-hot node ids, are not sparse features
    assert not has_sparse_features(Data(edge_index=edge_index, num_nodes=50))
    ids = Data(x=torch.eye(50), edge_index=edge_index, num_nodes=50)
    assert not has_sparse_features(ids)
    # and the input dropout follows: dense features keep none
    dense_graph = Data(
        x=torch.randn(cora.num_nodes, 3, generator=g), edge_index=cora.edge_index
    )
    config = plan(FitConfig(model='vgae'), dense_graph).configs[0]
    assert (config.pair_loss, config.input_dropout) == ('bpr', 0.0)
