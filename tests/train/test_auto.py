"""The 'auto' default: rules by graph and model, selection on small graphs."""

import warnings

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.datasets import load_cora
from gvae_ext.train import PRESETS, FitConfig, fit
from gvae_ext.train.auto import (
    CANDIDATES,
    FEATURE_EPOCHS,
    FEATURELESS_ENSEMBLE,
    FEATURELESS_NODES,
    LARGE_NODES,
    LEARNED_DECODER,
    MIN_VAL_PAIRS,
    SAMPLED_EPOCHS,
    TINY_ENSEMBLE,
    plan,
)


def _graph(n: int, p: float = 0.1) -> Data:
    g = torch.Generator().manual_seed(0)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    ei = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    return Data(edge_index=ei, num_nodes=n)


def _ring(n: int) -> Data:
    i = torch.arange(n)
    ei = torch.stack([i, (i + 1) % n])
    return Data(edge_index=torch.cat([ei, ei.flip(0)], 1), num_nodes=n)


def test_auto_is_the_default_and_holds_the_masked_values():
    config = FitConfig()
    assert config.preset == 'auto' and config.overrides == ()
    assert {k: getattr(config, k) for k in PRESETS['masked']} == PRESETS['masked']


def test_variational_dropout_rule_and_user_values_win():
    cora = load_cora()
    vgae = plan(FitConfig(model='vgae'), cora)
    assert [c.dropout for c in vgae.configs] == [0.2]
    assert set(vgae.configs[0].overrides) == {
        'dropout',
        'epochs',
        'pair_loss',
        'input_dropout',
    }
    gae = plan(FitConfig(model='gae'), cora)
    assert gae.configs[0].dropout == 0.5 and not any('dropout' in r for r in gae.rules)
    mine = plan(FitConfig(model='vgae', dropout=0.4), cora)
    assert mine.configs[0].dropout == 0.4
    other = plan(FitConfig(preset='paper'), cora)
    assert other.configs[0].dropout == 0.0 and other.rules == []


def test_single_models_on_graphs_with_features_train_fewer_epochs():
    cora = load_cora()
    for model in ('vgae', 'gae'):
        result = plan(FitConfig(model=model), cora)
        assert [c.epochs for c in result.configs] == [FEATURE_EPOCHS]
        assert any(f'{FEATURE_EPOCHS} epochs' in rule for rule in result.rules)
    # not: featureless graphs, ensembles, epochs set by hand (even to 300),
    # graphs of at most SMALL_NODES nodes
    featureless = Data(edge_index=cora.edge_index, num_nodes=cora.num_nodes)
    assert 300 in [c.epochs for c in plan(FitConfig(), featureless).configs]
    assert plan(FitConfig.from_preset('ensemble'), cora).configs[0].epochs == 300
    assert plan(FitConfig(epochs=300), cora).configs[0].epochs == 300
    small = _graph(200)
    small.x = torch.rand(200, 5, generator=torch.Generator().manual_seed(1))
    assert plan(FitConfig(), small).configs[0].epochs == 300
    # not measured, so not shortened: the MLP encoder, mini-batches, the
    # learned decoder (nor the below-chance fallback that uses it)
    assert plan(FitConfig(model='vgae_mlp'), cora).configs[0].epochs == 300
    assert plan(FitConfig(batch_size=512), cora).configs[0].epochs == 300
    # (the learned decoder has its own schedule: the next test)
    assert plan(FitConfig(decoder='mlp'), cora).configs[0].epochs != FEATURE_EPOCHS
    assert plan(FitConfig(), cora).fallback.epochs == 300
    # the node-count boundary: more than SMALL_NODES
    for n, shortened in ((1000, False), (1001, True)):
        graph = _ring(n)
        graph.x = torch.rand(n, 4, generator=torch.Generator().manual_seed(2))
        result = plan(FitConfig(), graph)
        assert any(f'{FEATURE_EPOCHS} epochs' in r for r in result.rules) == shortened
        assert (result.configs[0].epochs == FEATURE_EPOCHS) == shortened


def test_learned_decoder_chooses_between_two_encoders_on_graphs_with_features():
    cora = load_cora()
    assert LEARNED_DECODER == dict(num_layers=1, input_dropout=0.8, epochs=500)
    for model in ('vgae', 'gae'):
        result = plan(FitConfig(model=model, decoder='mlp'), cora)
        two, one = result.configs
        assert result.names == ['masked_mlp', 'one_layer_mlp']
        assert (two.num_layers, two.input_dropout, two.epochs) == (2, 0.0, 300)
        assert {k: getattr(one, k) for k in LEARNED_DECODER} == LEARNED_DECODER
        assert set(LEARNED_DECODER) <= set(one.overrides)
        assert two.decoder == one.decoder == 'mlp' and two.seed == one.seed
        assert any('learned decoder' in r for r in result.rules)
    # fields set by hand stay in both; num_layers set by hand: no choice
    result = plan(FitConfig(decoder='mlp', epochs=40), cora)
    assert [c.epochs for c in result.configs] == [40, 40]
    assert [c.input_dropout for c in result.configs] == [0.0, 0.8]
    for layers in (1, 2):
        (config,) = plan(FitConfig(decoder='mlp', num_layers=layers), cora).configs
        assert config.num_layers == layers
    # not: the inner product, featureless graphs, mini-batches, the MLP
    # encoder, other presets, large graphs, few validation pairs, torchrun
    assert plan(FitConfig(), cora).configs[0].num_layers == 2
    featureless = Data(edge_index=cora.edge_index, num_nodes=cora.num_nodes)
    for config in plan(FitConfig(decoder='mlp'), featureless).configs:
        assert config.num_layers == 2
    for config in (
        FitConfig(decoder='mlp', batch_size=512),
        FitConfig(model='vgae_mlp', decoder='mlp'),
        FitConfig.from_preset('masked', decoder='mlp'),
    ):
        assert len(plan(config, cora).configs) == 1
    assert len(plan(FitConfig(decoder='mlp'), cora, world_size=2).configs) == 1
    big = Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=200_000)
    big.x = torch.rand(200_000, 2)
    assert plan(FitConfig(decoder='mlp'), big).configs[0].num_layers == 2
    small = _graph(60, 0.2)  # about 350 pairs: 17 validation pairs
    small.x = torch.rand(60, 3, generator=torch.Generator().manual_seed(3))
    assert [c.num_layers for c in plan(FitConfig(decoder='mlp'), small).configs] == [2]
    # the below-chance fallback keeps the two-layer encoder (measured so)
    assert plan(FitConfig(), cora).fallback.num_layers == 2


def test_learned_decoder_choice_keeps_the_better_validation_auc(monkeypatch):
    cora = load_cora()
    config = FitConfig(model='gae', decoder='mlp', epochs=2)
    result = fit(cora, config)
    names = [c['name'] for c in result.auto['candidates']]
    assert names == ['masked_mlp', 'one_layer_mlp']
    best = max(result.auto['candidates'], key=lambda c: c['val_auc'])
    assert result.auto['chosen'] == best['name']
    assert result.config.num_layers == (1 if best['name'] == 'one_layer_mlp' else 2)
    assert result.metrics['val_auc'] == best['val_auc']


def test_large_graph_rule_narrows_the_model():
    big = Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=200_000)
    result = plan(FitConfig(model='gae'), big)
    config = result.configs[0]
    assert (config.hidden_channels, config.out_channels) == (32, 16)
    assert any('large graph' in r for r in result.rules)


def test_tiny_validation_split_trains_a_paper_ensemble():
    data = _graph(60)  # about 180 edges: 8 validation pairs
    chosen = plan(FitConfig(model='gae'), data)
    assert chosen.names == ['paper'] and chosen.configs[0].preset == 'paper'
    assert chosen.configs[0].ensemble == TINY_ENSEMBLE
    assert 'too few to choose by' in chosen.rules[-1]
    # the boundary: MIN_VAL_PAIRS validation pairs are enough to choose by
    mid = _graph(200, 0.06)  # about 1200 edges
    below = plan(FitConfig(model='gae', num_val=MIN_VAL_PAIRS - 1), mid)
    assert below.names == ['paper']
    at = plan(FitConfig(model='gae', num_val=MIN_VAL_PAIRS), mid)
    assert at.names == list(CANDIDATES)
    result = fit(data, FitConfig(model='gae'))
    alone = fit(
        data, FitConfig.from_preset('paper', model='gae', ensemble=TINY_ENSEMBLE)
    )
    assert result.metrics == alone.metrics
    assert result.auto['chosen'] == 'paper' and len(result.members) == TINY_ENSEMBLE
    # member 0 is the paper protocol itself
    single = fit(data, FitConfig.from_preset('paper', model='gae'))
    assert result.members[0]['val_auc'] == single.metrics['val_auc']


def test_small_graph_selection_picks_the_best_validation_auc():
    data = _graph(200, 0.06)  # about 1200 edges: 60 validation pairs
    chosen = plan(FitConfig(model='gae', epochs=3), data)
    # an overridden field turns the selection off (the user's config runs)
    assert len(chosen.configs) == 1
    candidates = plan(FitConfig(model='gae'), data)
    assert candidates.names == list(CANDIDATES)
    assert [c.preset for c in candidates.configs] == ['auto', 'paper', 'tuned']
    result = fit(data, FitConfig(model='gae'))
    scores = {c['name']: c['val_auc'] for c in result.auto['candidates']}
    assert result.auto['chosen'] == max(scores, key=scores.get)
    assert result.metrics['val_auc'] == scores[result.auto['chosen']]
    # each candidate trains as it would alone: 'paper' gives paper's numbers
    alone = fit(data, FitConfig.from_preset('paper', model='gae'))
    paper = next(c for c in result.auto['candidates'] if c['name'] == 'paper')
    assert paper['val_auc'] == alone.metrics['val_auc']
    assert 'auto' in result.to_dict()


def test_ensemble_preset_is_adapted_like_auto():
    cora = load_cora()
    vgae = plan(FitConfig(preset='ensemble', model='vgae'), cora)
    assert vgae.configs[0].dropout == 0.2 and vgae.configs[0].ensemble == 3
    small = plan(FitConfig(preset='ensemble', model='gae'), _graph(200, 0.06))
    assert [c.ensemble for c in small.configs] == [3, 3, 3]


def test_featureless_mid_sized_graph_selects_masked_or_a_paper_ensemble():
    data = _graph(1500, 0.004)
    chosen = plan(FitConfig(model='vgae'), data)
    assert chosen.names == ['masked', 'paper']
    assert chosen.configs[0].dropout == 0.2  # the adapted masked config
    config = chosen.configs[1]
    assert config.preset == 'paper' and config.ensemble == FEATURELESS_ENSEMBLE
    assert 'featureless graph (1500 nodes)' in chosen.rules[-1]
    # with features, above FEATURELESS_NODES or with an option set: the masked model
    data.x = torch.randn(1500, 4)
    assert plan(FitConfig(model='vgae'), data).names == ['masked']
    # above FEATURELESS_NODES the paper members train the sampled objective
    mid = _ring(FEATURELESS_NODES + 1)
    chosen = plan(FitConfig(model='vgae'), mid)
    assert chosen.names == ['masked', 'paper_sampled']
    config = chosen.configs[1]
    assert (config.objective, config.epochs) == ('sampled', SAMPLED_EPOCHS)
    assert config.ensemble == FEATURELESS_ENSEMBLE and config.hidden_channels == 32
    assert 'sampled objective' in chosen.rules[-1]
    # ... or where the dense objective is not allowed on the graph
    small_dense = FitConfig(model='vgae', max_dense_nodes=1200)
    assert plan(small_dense, _graph(1500, 0.004)).names[1] == 'paper_sampled'
    # a large graph: the masked model only
    assert plan(FitConfig(model='vgae'), _ring(LARGE_NODES + 1)).names == ['masked']
    assert plan(FitConfig(model='vgae', lr=0.02), _graph(1500, 0.004)).names == [
        'masked'
    ]


def test_featureless_graph_with_few_validation_pairs_trains_the_paper_ensemble():
    # a ring of 1200 nodes: 1200 pairs -> 60 validation pairs
    ring = _ring(1200)
    chosen = plan(FitConfig(model='vgae'), ring)
    assert chosen.names == ['masked', 'paper']
    # a path of 1100 nodes: 1099 pairs -> 54 validation pairs, still chosen by
    i = torch.arange(1099)
    path = torch.stack([i, i + 1])
    data = Data(edge_index=torch.cat([path, path.flip(0)], 1), num_nodes=1100)
    assert plan(FitConfig(model='vgae'), data).names == ['masked', 'paper']
    # ... but with 4% held out for validation: 43 pairs, too few to choose by
    chosen = plan(FitConfig(model='vgae', num_val=0.04), data)
    assert chosen.names == ['paper']
    config = chosen.configs[0]
    assert config.preset == 'paper' and config.ensemble == FEATURELESS_ENSEMBLE
    assert config.num_val == 0.04
    assert '43 validation pairs, too few to choose by' in chosen.rules[-1]
    # above FEATURELESS_NODES: the sampled paper ensemble alone
    sparse = Data(edge_index=data.edge_index, num_nodes=FEATURELESS_NODES + 1)
    chosen = plan(FitConfig(model='vgae', num_val=0.04), sparse)
    assert chosen.names == ['paper_sampled']
    assert chosen.configs[0].objective == 'sampled'


def test_is_featureless_recognises_no_x_and_identities_only():
    from gvae_ext import featureless
    from gvae_ext.train.auto import is_featureless

    data = _graph(30)
    assert is_featureless(data)
    assert is_featureless(featureless(data))  # sparse CSR identity
    data.x = torch.eye(30)
    assert is_featureless(data)
    data.x = torch.eye(30).to_sparse()
    assert is_featureless(data)
    for x in (torch.eye(30) * 2, torch.ones(30, 30), torch.randn(30, 4)):
        data.x = x
        assert not is_featureless(data)
    x = torch.eye(30)
    x[0, 1] = 1.0
    data.x = x.to_sparse_csr()
    assert not is_featureless(data)
    # one-hot ids in another order are the identity with its rows permuted
    perm = torch.randperm(30, generator=torch.Generator().manual_seed(0))
    for layout in (lambda t: t, torch.Tensor.to_sparse, torch.Tensor.to_sparse_csr):
        data.x = layout(torch.eye(30)[perm])
        assert is_featureless(data)
    x = torch.eye(30)[perm]
    x[:, 3] = x[:, 4]  # a column twice, another never: not a permutation
    data.x = x
    assert not is_featureless(data)
    # the featureless rule applies to identity features too
    mid = featureless(_graph(1500, 0.004))
    assert plan(FitConfig(model='gae'), mid).names == ['masked', 'paper']


def test_featureless_sampled_candidate_trains_and_is_chosen_by_validation(monkeypatch):
    import gvae_ext.train.auto as auto

    # A 1100-node featureless graph with the dense limit lowered below it.
    monkeypatch.setattr(auto, 'FEATURELESS_NODES', 1000)
    monkeypatch.setattr(auto, 'SAMPLED_EPOCHS', 30)
    data = _graph(1100, 0.006)
    result = fit(data, FitConfig(model='gae', seed=1))
    names = [c['name'] for c in result.auto['candidates']]
    assert names == ['masked', 'paper_sampled']
    scores = [c['val_auc'] for c in result.auto['candidates']]
    assert result.auto['chosen'] == names[scores.index(max(scores))]
    assert result.metrics['val_auc'] == max(scores)
    assert 'sampled objective' in result.auto['rules'][-1]


def test_constant_features_are_recognised_and_fit_warns():
    from gvae_ext.train.auto import has_constant_features

    data = _graph(40)
    assert not has_constant_features(data)  # no x
    cases = [
        (torch.ones(40, 1), True),
        (torch.ones(40, 3) * torch.tensor([1.0, 2.0, 3.0]), True),
        (torch.ones(40, 2, dtype=torch.long), True),
        (torch.zeros(40, 4).to_sparse(), True),
        (torch.ones(40, 2).to_sparse_csr(), True),
        (torch.randn(40, 2), False),
        (torch.eye(40).to_sparse(), False),
        (torch.cat([torch.ones(40, 1), torch.arange(40.0).view(-1, 1)], 1), False),
    ]
    for x, constant in cases:
        data.x = x
        assert has_constant_features(data) == constant, x
    data.x = torch.ones(40, 1)
    before = data.x.clone()
    with pytest.warns(UserWarning, match='same for every node'):
        fit(data, FitConfig(model='gae', epochs=1))
    assert torch.equal(data.x, before)  # warned, not replaced
    data.x = torch.randn(40, 2)
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        fit(data, FitConfig(model='gae', epochs=1))


def test_below_chance_threshold():
    from gvae_ext.train.auto import below_chance

    assert below_chance(0.0, 9, 9) and not below_chance(0.23, 9, 9)  # 0.5 - 2 se = 0.22
    assert below_chance(0.37, 50, 50) and not below_chance(0.39, 50, 50)  # 0.38
    assert not below_chance(0.0, 1, 1)  # one pair: never significant
    assert not below_chance(0.0, 0, 5)


def test_plan_holds_the_learned_decoder_fallback_only_when_auto_may_choose():
    chosen = plan(FitConfig(model='vgae'), _graph(200, 0.06))
    assert chosen.fallback.decoder == 'mlp' and chosen.fallback.dropout == 0.2
    assert plan(FitConfig(model='vgae', epochs=5), _graph(200, 0.06)).fallback is None
    assert plan(FitConfig(model='gae', decoder='mlp'), _graph(200)).fallback is None
    assert plan(FitConfig.from_preset('paper'), _graph(200)).fallback is None


def test_a_star_graph_is_below_chance_and_gets_the_learned_decoder():
    # Leaves are alike and never linked; the hub is unlike them: the inner
    # product ranks leaf-leaf non-edges first (validation AUC 0.0).
    n = 200
    leaves = torch.arange(1, n)
    star = torch.stack([torch.zeros_like(leaves), leaves])
    data = Data(edge_index=torch.cat([star, star.flip(0)], 1), num_nodes=n)
    result = fit(data, FitConfig(model='gae', seed=0))
    candidates = {c['name']: c['val_auc'] for c in result.auto['candidates']}
    assert candidates['paper'] < 0.2
    assert result.auto['chosen'] == 'masked_mlp' and candidates['masked_mlp'] > 0.9
    assert result.config.decoder == 'mlp'
    assert 'below chance' in result.auto['rules'][-1]
    assert result.metrics['test_auc'] > 0.9


def test_auto_never_changes_a_value_set_by_hand_even_the_presets_own():
    # dropout=0.5 is the masked preset's value: set by hand, the VGAE rule
    # (0.2) leaves it, and no selection replaces the config.
    chosen = plan(FitConfig(model='vgae', dropout=0.5), _graph(200, 0.06))
    assert chosen.names == ['masked'] and chosen.configs[0].dropout == 0.5
    chosen = plan(FitConfig.from_preset('auto', epochs=300), _graph(200, 0.06))
    assert chosen.names == ['masked'] and chosen.configs[0].epochs == 300
