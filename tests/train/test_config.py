"""Tests for :mod:`gvae_ext.train.config`: presets, overrides, validation."""

# ruff: noqa: D103 -- test functions are named for what they check.

import dataclasses
import math

import pytest
import torch

from gvae_ext.train.config import (
    DEFAULT_PRESET,
    PRESET_FIELDS,
    PRESETS,
    FitConfig,
    check_device,
    default_threads,
)


def _values(config):
    return {name: getattr(config, name) for name in PRESET_FIELDS}


def test_default_config_holds_the_default_preset():
    config = FitConfig()
    assert config.preset == DEFAULT_PRESET
    assert config.overrides == ()
    assert _values(config) == PRESETS[DEFAULT_PRESET]
    assert config == FitConfig.from_preset()


@pytest.mark.parametrize('name', list(PRESETS))
def test_each_preset_holds_its_values(name):
    for config in (FitConfig(preset=name), FitConfig.from_preset(name)):
        assert config.preset == name
        assert _values(config) == PRESETS[name]
        assert config.overrides == ()


def test_preset_fields_cover_every_preset():
    assert all(tuple(values) == PRESET_FIELDS for values in PRESETS.values())
    assert PRESETS['paper']['hidden_channels'] == 32
    assert PRESETS['paper']['objective'] == 'dense'
    assert PRESETS['tuned']['edge_mask'] == 0.5


def test_overrides_name_the_fields_set_by_hand():
    # lr=0.01 is the paper's own value, but set by hand: an override, which
    # 'auto' never changes; dropout=None is not set.
    config = FitConfig.from_preset('paper', epochs=3, lr=0.01, dropout=None)
    assert config.overrides == ('epochs', 'lr')
    assert config.epochs == 3 and config.dropout == 0.0
    config = FitConfig(preset='paper', out_channels=8, hidden_channels=64)
    assert config.overrides == ('hidden_channels', 'out_channels')  # field order
    # Fields that no preset sets are not overrides.
    assert FitConfig(preset='tuned', seed=5, batch_size=16).overrides == ()


def test_masked_preset_values_give_way_to_the_users_objective():
    # 'auto' reconstructs only masked pairs with the full-batch sampled
    # objective; another objective or mini-batches take 'all' (and no
    # degree loss with mini-batches) instead of an error ...
    dense = FitConfig(objective='dense')
    assert dense.recon == 'all' and dense.overrides == ('objective', 'recon')
    batches = FitConfig(batch_size=16)
    assert batches.recon == 'all' and batches.degree_weight == 0.0
    # ... but an explicit choice that cannot work is refused.
    with pytest.raises(ValueError, match="'recon' 'masked' needs"):
        FitConfig.from_preset(objective='dense', recon='masked')
    with pytest.raises(ValueError, match="'degree_weight' > 0 needs full-batch"):
        FitConfig.from_preset(batch_size=16, degree_weight=0.1)
    with pytest.raises(ValueError, match="'hard_weight' > 0 needs the full-batch"):
        FitConfig.from_preset(batch_size=16, hard_weight=0.1)


def test_overrides_follow_later_changes():
    config = FitConfig(preset='paper')
    assert config.overrides == ()
    config.lr = 0.5
    assert config.overrides == ('lr',)
    config.lr = 0.01  # back to the paper's value, but still set by hand
    assert config.overrides == ('lr',)
    config.preset = 'tuned'  # paper's values, now read against 'tuned'
    assert set(config.overrides) == {'lr'} | {
        name
        for name in PRESET_FIELDS
        if PRESETS['paper'][name] != PRESETS['tuned'][name]
    }


def test_overrides_are_kept_by_copies():
    # A passed 'overrides' (a copy's) names the fields set by hand; unknown
    # names are dropped and fields that differ from the preset always count.
    config = FitConfig(preset='paper', epochs=7, overrides=('lr', 'bogus'))
    assert config.overrides == ('epochs', 'lr')
    again = FitConfig(**dataclasses.asdict(config))
    assert again == config
    given = FitConfig(model='vgae', dropout=0.5)  # the masked preset's value
    assert dataclasses.replace(given, seed=3).overrides == ('dropout',)
    assert dataclasses.replace(FitConfig(), seed=3).overrides == ()
    with pytest.raises(ValueError, match="'overrides' must be a tuple"):
        FitConfig(overrides='lr')


def test_old_checkpoint_config_without_new_fields():
    # A config saved before 'overrides', 'num_threads' and 'num_layers' existed.
    old = dataclasses.asdict(FitConfig(preset='paper'))
    del old['overrides'], old['num_threads'], old['num_layers']
    old['preset'] = 'tuned'  # 0.1 recorded 'tuned' with the paper's values
    config = FitConfig(**old)
    assert config.hidden_channels == 32
    assert 'hidden_channels' in config.overrides
    assert config.num_layers == 2 and 'num_layers' not in config.overrides


_BAD = [
    (dict(seed=10**20), r"'seed' must be an integer in \[0, 2\*\*63\) \(got 1000"),
    (dict(seed=1.5), r"'seed' .*\(got 1.5\)"),
    (dict(seed=True), r"'seed' .*\(got True\)"),
    (dict(seed=-1), r"'seed' .*\(got -1\)"),
    (dict(epochs=0), r"'epochs' must be a positive integer \(got 0\)"),
    (dict(num_layers=3), r"'num_layers' must be 1 or 2 \(got 3\)"),
    (dict(num_layers=True), r"'num_layers' must be 1 or 2 \(got True\)"),
    (dict(epochs=True), r"'epochs' must be a positive integer \(got True\)"),
    (dict(epochs=2.0), r"'epochs' must be a positive integer \(got 2.0\)"),
    (dict(hidden_channels=0), r"'hidden_channels' .*\(got 0\)"),
    (dict(out_channels=False), r"'out_channels' .*\(got False\)"),
    (dict(lr=-1), r"'lr' must be a positive finite number \(got -1\)"),
    (dict(lr=math.nan), r"'lr' .*\(got nan\)"),
    (dict(lr=True), r"'lr' .*\(got True\)"),
    (dict(dropout=1.0), r"'dropout' must be in \[0, 1\) \(got 1.0\)"),
    (dict(input_dropout=True), r"'input_dropout' .*\(got True\)"),
    (dict(edge_mask=-0.1), r"'edge_mask' .*\(got -0.1\)"),
    (dict(num_val=True), r"'num_val' .*\(got True\)"),
    (dict(num_test=1.5), r"'num_test' .*\(got 1.5\)"),
    (dict(num_threads=0), r"'num_threads' must be a positive integer \(got 0\)"),
    (dict(num_threads=True), r"'num_threads' .*\(got True\)"),
    (dict(max_dense_nodes=0), r"'max_dense_nodes' .*\(got 0\)"),
    (dict(device='banana'), r"'device' must be a torch device .*\(got 'banana'\)"),
    (dict(device=3), r"'device' .*\(got 3\)"),
    (dict(model='nope'), r"'model' must be one of .*\(got 'nope'\)"),
    (dict(objective='nope'), r"'objective' .*\(got 'nope'\)"),
    (dict(selection='best'), r"'selection' .*\(got 'best'\)"),
    (dict(sampler='nope'), r"'sampler' .*\(got 'nope'\)"),
    (dict(batch_size=-1), r"'batch_size' .*\(got -1\)"),
    (dict(fastgae_nodes=0), r"'fastgae_nodes' .*\(got 0\)"),
]


@pytest.mark.parametrize(
    'kwargs, match',
    _BAD,
    ids=[f'{next(iter(k))}={v!r}' for k, _ in _BAD for v in k.values()],
)
def test_validate_rejects(kwargs, match):
    config = FitConfig(**kwargs)
    with pytest.raises(ValueError, match=match):
        config.validate()
    with pytest.raises(ValueError, match=match):
        FitConfig.from_preset(**kwargs)


def test_unknown_preset_rejected_at_construction():
    with pytest.raises(ValueError, match=r"'preset' must be one of .*\(got 'nope'\)"):
        FitConfig(preset='nope')
    with pytest.raises(ValueError, match=r"'preset' .*\(got 'nope'\)"):
        FitConfig.from_preset('nope')
    config = FitConfig()
    config.preset = 'nope'
    with pytest.raises(ValueError, match=r"'preset' .*\(got 'nope'\)"):
        config.validate()


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine without CUDA')
def test_cuda_device_without_cuda():
    with pytest.raises(ValueError, match=r"'device' needs CUDA.*\(got 'cuda:0'\)"):
        FitConfig(device='cuda:0').validate()


def test_check_device_accepts_devices():
    assert check_device('cpu') == torch.device('cpu')
    assert check_device(torch.device('cpu')) == torch.device('cpu')
    FitConfig(device=torch.device('cpu')).validate()


@pytest.mark.parametrize(
    'num_nodes, num_edges, threads',
    [
        (2708, 10556, 1),  # Cora
        (49_999, 499_999, 1),
        (50_000, 10, None),
        (1000, 500_000, None),
        (999, 500_000, 1),  # under 1000 nodes: always one thread
        (0, 0, 1),
    ],
)
def test_default_threads(num_nodes, num_edges, threads):
    # where the idle CPUs are unknown (not Linux): the fixed rule by size
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert default_threads(num_nodes, num_edges, probe=lambda: None) == threads
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(
    'args, match',
    [((-1, 5), "'num_nodes'"), ((5, True), "'num_edges'"), ((5.0, 5), "'num_nodes'")],
)
def test_default_threads_rejects(args, match):
    with pytest.raises(ValueError, match=match):
        default_threads(*args)


def test_from_preset_names_an_unknown_field_and_fit_a_zero_split():
    with pytest.raises(
        ValueError, match=r"'foo' is not a FitConfig field; .*\(got foo=1\)"
    ):
        FitConfig.from_preset(foo=1)
    from gvae_ext import fit
    from gvae_ext.datasets import load_cora

    with pytest.raises(
        ValueError, match=r"'num_val' must be positive for fit: .*\(got 0\)"
    ):
        fit(load_cora(), FitConfig(num_val=0, epochs=1))


def test_num_neighbors_read_back_as_a_list_is_the_same_config():
    assert FitConfig(num_neighbors=[10, 10]) == FitConfig()
    assert FitConfig(num_neighbors=[5, 3]).num_neighbors == (5, 3)
