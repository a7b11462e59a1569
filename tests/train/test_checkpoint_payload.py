"""Graph checkpoints: plain payloads, untouched global RNG, map_location errors."""

import os
import re

import numpy as np
import pytest
import torch

import gvae_ext
from gvae_ext._io import load_torch
from gvae_ext.train import FitConfig, build_model, load, save
from tests.conftest import bad_devices

X = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))
EDGE_INDEX = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]])


def _model(seed=0, **overrides):
    config = FitConfig(model='gae', hidden_channels=8, out_channels=4, seed=seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(config, 5).eval()
    for name, value in overrides.items():  # after the build, which validates
        setattr(config, name, value)
    return model, config


def _encode(model):
    with torch.no_grad():
        return model.encode(X, EDGE_INDEX)


def test_numpy_values_in_the_config_are_stored_as_python_numbers(tmp_path):
    """A FitConfig holding NumPy numbers saves, and load() reads it back."""
    model, config = _model(
        lr=np.float64(0.01), num_neighbors=(np.int64(5), np.int64(3))
    )
    save(tmp_path / 'g.pt', model, config, in_channels=np.int64(5))
    restored = load(tmp_path / 'g.pt')
    assert torch.equal(_encode(restored), _encode(model))
    stored = load_torch(tmp_path / 'g.pt', 'path', 'graph')['config']
    assert stored['lr'] == 0.01 and type(stored['lr']) is float
    assert stored['num_neighbors'] == (5, 3)
    assert type(stored['num_neighbors']) is tuple
    assert type(stored['num_neighbors'][0]) is int
    assert isinstance(config.lr, np.float64)  # the caller's config is unchanged


def test_unsaveable_config_leaves_earlier_checkpoint_intact(tmp_path):
    path = tmp_path / 'g.pt'
    model, config = _model()
    save(path, model, config, 5)
    before = path.read_bytes()
    _, bad = _model(seed=1, lr=object())
    with pytest.raises(
        ValueError, match=r"^'config' entry 'lr' must be a plain value .*\(got object"
    ):
        save(path, model, bad, 5)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['g.pt']
    assert torch.equal(_encode(load(path)), _encode(model))


def test_save_rejects_a_config_that_is_not_a_fit_config(tmp_path):
    model, _ = _model()
    with pytest.raises(
        ValueError, match=r"^'config' must be a FitConfig \(got dict\)$"
    ):
        save(tmp_path / 'g.pt', model, {'model': 'gae'}, 5)
    assert not (tmp_path / 'g.pt').exists()


@pytest.mark.parametrize('loader', [load, gvae_ext.load], ids=['train.load', 'load'])
def test_load_leaves_the_global_rng_untouched(tmp_path, loader):
    model, config = _model()
    save(tmp_path / 'g.pt', model, config, 5)
    torch.manual_seed(7)
    before = torch.random.get_rng_state()
    restored = loader(tmp_path / 'g.pt')
    assert torch.equal(torch.random.get_rng_state(), before)
    assert torch.equal(_encode(restored), _encode(model))


@pytest.mark.parametrize('device, message', bad_devices())
def test_bad_map_location_is_named(tmp_path, device, message):
    """A bad device is reported as 'map_location', not as a damaged file."""
    path = tmp_path / 'g.pt'
    model, config = _model()
    save(path, model, config, 5)
    expected = rf"^'map_location' {message}.* \(got '{re.escape(device)}'\)$"
    with pytest.raises(ValueError, match=expected):
        load(path, map_location=device)
    path.write_bytes(b'garbage')
    with pytest.raises(ValueError, match=expected):
        load(path, map_location=device)
    with pytest.raises(ValueError, match=r'\(got a truncated or foreign file\)$'):
        load(path)


def test_load_puts_the_model_on_map_location(tmp_path):
    model, config = _model()
    save(tmp_path / 'g.pt', model, config, 5)
    restored = load(tmp_path / 'g.pt', map_location=torch.device('cpu'))
    assert {p.device for p in restored.parameters()} == {torch.device('cpu')}
    if torch.cuda.is_available():
        on_gpu = load(tmp_path / 'g.pt', map_location='cuda')
        assert {p.device.type for p in on_gpu.parameters()} == {'cuda'}
