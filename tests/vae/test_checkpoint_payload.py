"""DenseVAE checkpoints: plain payloads, untouched global RNG, map_location errors."""

import os
import pathlib
import re

import numpy as np
import pytest
import torch

from gvae_ext._io import save_torch
from gvae_ext.vae import DenseVAE, load_dense_vae, read_dense_vae, save_dense_vae
from gvae_ext.vae.score import score_dense_vae
from gvae_ext.vae.train import fit_dense_vae, train_dense_vae
from tests.conftest import bad_devices


def _write_tiny_mnist(root: pathlib.Path) -> None:
    # IDX files: 0, 0, type 0x08 (uint8), ndim, big-endian uint32 dims, data.
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for prefix, n in (('train', 12), ('t10k', 4)):
        images = rng.integers(0, 256, (n, 3, 2)).astype('u1')
        labels = rng.integers(0, 10, n).astype('u1')
        for kind, array in (('images-idx3', images), ('labels-idx1', labels)):
            header = bytes([0, 0, 0x08, array.ndim])
            header += np.asarray(array.shape, dtype='>u4').tobytes()
            (root / f'{prefix}-{kind}-ubyte').write_bytes(header + array.tobytes())


def _model(dropout=0.0, seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return DenseVAE(4, (8,), 2, likelihood='gaussian', dropout=dropout)


def _rng_unchanged(call):
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    result = call()
    assert torch.equal(torch.random.get_rng_state(), before)
    return result


def test_fit_with_path_root_saves_a_loadable_checkpoint(tmp_path):
    """root=Path(...) is stored as a string; the checkpoint loads back."""
    root = tmp_path / 'mn'
    _write_tiny_mnist(root)
    summary = fit_dense_vae(
        'mnist', root=root, epochs=1, progress=False, save_path=tmp_path / 'mn.pt'
    )
    assert summary['config']['root'] == str(root)
    model, config = read_dense_vae(tmp_path / 'mn.pt')
    assert type(config['root']) is str and config['root'] == str(root)
    assert model.in_channels == 6
    assert isinstance(load_dense_vae(tmp_path / 'mn.pt'), DenseVAE)


def test_save_makes_numpy_and_path_values_plain(tmp_path):
    """NumPy scalars/arrays and Paths are stored as Python numbers, lists, str."""
    model = _model()
    config = {
        'x': np.float64(1.5),
        'n': np.int64(3),
        'flag': np.bool_(True),
        'arr': np.arange(3),
        'grid': np.zeros((2, 2), dtype=np.float32),
        'p': pathlib.Path('a') / 'b',
        'pair': (1, np.float32(2.0)),
        'nested': {'q': [pathlib.Path('c')], np.int64(7): None},
    }
    save_dense_vae(model, tmp_path / 'n.pt', config=config)
    restored, stored = read_dense_vae(tmp_path / 'n.pt')
    assert stored == {
        'x': 1.5,
        'n': 3,
        'flag': True,
        'arr': [0, 1, 2],
        'grid': [[0.0, 0.0], [0.0, 0.0]],
        'p': os.path.join('a', 'b'),
        'pair': (1, 2.0),
        'nested': {'q': ['c'], 7: None},
    }
    assert type(stored['x']) is float and type(stored['n']) is int
    assert type(stored['flag']) is bool and type(stored['pair']) is tuple
    assert type(stored['nested']['q'][0]) is str
    x = torch.randn(5, 4)
    with torch.no_grad():
        assert torch.equal(
            restored.encode_params(x)[0], model.eval().encode_params(x)[0]
        )
    # The caller's config is not modified.
    assert isinstance(config['x'], np.float64) and isinstance(config['p'], pathlib.Path)


@pytest.mark.parametrize(
    'config, key',
    [
        ({'bad': object()}, 'bad'),
        ({'a': {'b': [1, object()]}}, 'a.b[1]'),
        ({'f': len}, 'f'),
    ],
    ids=['object', 'nested', 'function'],
)
def test_unsaveable_config_leaves_earlier_checkpoint_intact(tmp_path, config, key):
    """A value that cannot be stored names 'config' and its key; nothing is written."""
    path = tmp_path / 'm.pt'
    save_dense_vae(_model(), path, config={'good': 1})
    before = path.read_bytes()
    with pytest.raises(
        ValueError,
        match=rf"^'config' entry {re.escape(repr(key))} must be a plain value .*\(got ",
    ):
        save_dense_vae(_model(seed=1), path, config=config)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['m.pt']
    assert read_dense_vae(path)[1] == {'good': 1}


def test_config_with_unsaveable_key_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"^'config' keys must be strings or numbers"):
        save_dense_vae(_model(), tmp_path / 'm.pt', config={(1, 2): 'x'})
    assert not (tmp_path / 'm.pt').exists()


def test_save_torch_checks_the_payload_loads_back(tmp_path):
    """Content weights_only=True refuses raises, naming the path; no file changes."""
    path = tmp_path / 'x.pt'
    save_torch(path, {'a': 1})
    before = path.read_bytes()
    with pytest.raises(
        ValueError,
        match=r"^'path' '.*x\.pt' was not written: the checkpoint would not load "
        r'back with weights_only=True \(got Unsupported global: .*object',
    ) as info:
        save_torch(path, {'a': object()})
    assert 'add_safe_globals' not in str(info.value)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['x.pt']
    # A path that does not exist yet is not created either.
    with pytest.raises(ValueError, match="'path' .*new.*was not written"):
        save_torch(tmp_path / 'sub' / 'new.pt', {'a': object()})
    assert not (tmp_path / 'sub').exists()


def test_plain_value_keeps_plain_values_and_tensors():
    from gvae_ext._io import plain_value

    t = torch.arange(3)
    out = plain_value({'t': t, 'c': 1 + 2j, 's': 'x', 'l': [None, True]}, 'config')
    assert out['t'] is t and out == {'t': t, 'c': 1 + 2j, 's': 'x', 'l': [None, True]}
    with pytest.raises(ValueError, match=r"^'model' value must be a plain .*\(got set"):
        plain_value({1}, 'model')


@pytest.mark.parametrize('which', ['load', 'read', 'score'])
def test_loading_leaves_the_global_rng_untouched(tmp_path, which):
    path = tmp_path / 'm.pt'
    model = _model()
    save_dense_vae(model, path)
    np.save(tmp_path / 't.npy', np.random.default_rng(0).normal(size=(5, 4)))
    calls = {
        'load': lambda: load_dense_vae(path),
        'read': lambda: read_dense_vae(path)[0],
        'score': lambda: score_dense_vae(path, str(tmp_path / 't.npy')),
    }
    result = _rng_unchanged(calls[which])
    if which == 'score':
        assert result.shape == (5,)
    else:
        x = torch.randn(3, 4)
        with torch.no_grad():
            assert torch.equal(
                result.encode_params(x)[0], model.eval().encode_params(x)[0]
            )


@pytest.mark.parametrize('device, message', bad_devices())
def test_bad_map_location_is_named(tmp_path, device, message):
    """A bad device is reported as such, not as a damaged file."""
    path = tmp_path / 'm.pt'
    save_dense_vae(_model(), path)
    expected = rf"^'map_location' {message}.* \(got '{re.escape(device)}'\)$"
    for call in (load_dense_vae, read_dense_vae):
        with pytest.raises(ValueError, match=expected):
            call(path, map_location=device)
    with pytest.raises(ValueError, match=rf"^'device' {message}"):
        score_dense_vae(path, 'digits', device=device)
    # Checked first: also for a damaged file.
    path.write_bytes(b'garbage')
    with pytest.raises(ValueError, match=expected):
        load_dense_vae(path, map_location=device)
    with pytest.raises(ValueError, match=r'\(got a truncated or foreign file\)$'):
        load_dense_vae(path, map_location='cpu')


def test_map_location_accepts_a_torch_device(tmp_path):
    save_dense_vae(_model(), tmp_path / 'm.pt')
    model = load_dense_vae(tmp_path / 'm.pt', map_location=torch.device('cpu'))
    assert next(model.parameters()).device == torch.device('cpu')


def _train_once(seed: int, global_seed: int):
    model = _model(dropout=0.5)
    x = torch.rand(24, 4, generator=torch.Generator().manual_seed(5))
    torch.manual_seed(global_seed)
    before = torch.random.get_rng_state()
    result = train_dense_vae(
        model, x[:16], x[16:], epochs=3, batch_size=8, eval_every=1,
        generator=torch.Generator().manual_seed(seed),
    )  # fmt: skip
    assert torch.equal(torch.random.get_rng_state(), before)
    return model, result


def test_train_with_dropout_leaves_global_rng_and_depends_on_generator_only():
    model_a, result_a = _train_once(seed=0, global_seed=1)
    model_b, result_b = _train_once(seed=0, global_seed=2)  # another global state
    assert result_a == result_b
    for key, value in model_a.state_dict().items():
        assert torch.equal(value, model_b.state_dict()[key]), key
    model_c, result_c = _train_once(seed=1, global_seed=1)
    assert result_c['history'] != result_a['history']
