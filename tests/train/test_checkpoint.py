"""Graph checkpoints: round trip, atomic writes, and safe loading."""

import os
import subprocess
import sys
import textwrap

import pytest
import torch

from gvae_ext.datasets import load_cora
from gvae_ext.train import FitConfig, build_model, load, save

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BAD_CHECKPOINT = r"'path' .* is not a valid gvae_ext graph checkpoint"


def _model(seed=0):
    config = FitConfig(model='gae', hidden_channels=8, out_channels=4, seed=seed)
    torch.manual_seed(seed)
    return build_model(config, 5).eval(), config


def test_save_load_round_trip_gives_identical_outputs(tmp_path):
    """The restored model encodes exactly like the saved one."""
    model, config = _model()
    save(tmp_path / 'sub' / 'm.pt', model, config, in_channels=5)
    restored = load(tmp_path / 'sub' / 'm.pt')
    x = torch.randn(6, 5)
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]])
    with torch.no_grad():
        assert torch.equal(restored.encode(x, edge_index), model.encode(x, edge_index))
    assert not restored.training
    # No temporary files are left behind.
    assert os.listdir(tmp_path / 'sub') == ['m.pt']


@pytest.mark.parametrize(
    'content', [b'', b'garbage', None], ids=['empty', 'garbage', 'truncated']
)
def test_load_rejects_damaged_files(tmp_path, content):
    """Damaged files give one ValueError naming the path, no pickle hints."""
    path = tmp_path / 'm.pt'
    if content is None:
        model, config = _model()
        save(path, model, config, 5)
        content = path.read_bytes()[:200]
    path.write_bytes(content)
    with pytest.raises(ValueError, match=BAD_CHECKPOINT) as info:
        load(path)
    text = str(info.value)
    assert 'm.pt' in text and 'weights_only' not in text
    assert 'Unpickling' not in text and 'EOF' not in text


def test_load_rejects_foreign_and_incomplete_payloads(tmp_path):
    """Other torch files and payloads with missing entries are refused."""
    torch.save({'format': 'other'}, tmp_path / 'a.pt')
    with pytest.raises(ValueError, match=BAD_CHECKPOINT + r" \(got format 'other'\)"):
        load(tmp_path / 'a.pt')
    torch.save([1, 2], tmp_path / 'b.pt')
    with pytest.raises(ValueError, match=BAD_CHECKPOINT + r' \(got a stored list'):
        load(tmp_path / 'b.pt')
    torch.save({'format': 'gvae_ext.graph/1', 'config': {}}, tmp_path / 'c.pt')
    with pytest.raises(ValueError, match=BAD_CHECKPOINT + r' \(got missing'):
        load(tmp_path / 'c.pt')
    with pytest.raises(ValueError, match="'path' does not name a checkpoint file"):
        load(tmp_path / 'missing.pt')


def test_load_does_not_run_pickled_code(tmp_path):
    """A checkpoint carrying a pickled callable is refused, not executed."""
    marker = tmp_path / 'ran'

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), 'w'))

    torch.save({'format': 'gvae_ext.graph/1', 'x': Payload()}, tmp_path / 'evil.pt')
    with pytest.raises(ValueError, match=BAD_CHECKPOINT):
        load(tmp_path / 'evil.pt')
    assert not marker.exists()


_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    import torch
    from gvae_ext._io import write_json
    from gvae_ext.train import FitConfig, save
    from gvae_ext.train import build_model

    path, json_path = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    config = FitConfig(model='gae', hidden_channels=512, out_channels=256)
    model = build_model(config, 1433)  # ~3 MB of weights: over the limit
    errors = []
    try:
        save(path, model, config, 1433)
    except OSError as err:
        errors.append(type(err).__name__)
    try:
        write_json(json_path, {'big': 'x' * 200_000})
    except OSError as err:
        errors.append(type(err).__name__)
    print(','.join(errors))
    """
)


@pytest.mark.skipif(sys.platform == 'win32', reason='RLIMIT_FSIZE is POSIX')
def test_failed_writes_on_a_full_disk_keep_the_old_files(tmp_path):
    """A write that fails part-way leaves the previous files intact."""
    from gvae_ext._io import write_json

    model, config = _model()
    path, json_path = tmp_path / 'm.pt', tmp_path / 'r.json'
    save(path, model, config, 5)
    write_json(json_path, {'ok': 1})
    before = path.read_bytes(), json_path.read_bytes()

    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    script = [sys.executable, '-c', _FULL_DISK, str(path), str(json_path)]
    done = subprocess.run(script, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['OSError,OSError']  # both writes failed
    assert (path.read_bytes(), json_path.read_bytes()) == before
    x = torch.randn(6, 5)
    edge_index = torch.tensor([[0, 1], [1, 0]])
    with torch.no_grad():
        assert torch.equal(
            load(path).encode(x, edge_index), model.encode(x, edge_index)
        )
    assert sorted(os.listdir(tmp_path)) == ['m.pt', 'r.json']  # no temp files


def test_checkpoint_of_a_trained_cora_model_loads_with_same_embeddings(tmp_path):
    """A model built for Cora's 1433 features round-trips on Cora itself."""
    data = load_cora()
    config = FitConfig(model='vgae', hidden_channels=8, out_channels=4)
    model = build_model(config, data.num_features).eval()
    save(tmp_path / 'cora.pt', model, config, data.num_features)
    with torch.no_grad():
        z = model.encode(data.x, data.edge_index)
        z2 = load(tmp_path / 'cora.pt').encode(data.x, data.edge_index)
    assert torch.equal(z, z2)


def test_one_layer_model_round_trip(tmp_path):
    config = FitConfig(model='vgae', hidden_channels=8, out_channels=4, num_layers=1)
    torch.manual_seed(0)
    model = build_model(config, 5).eval()
    assert model.encoder.num_layers == 1
    save(tmp_path / 'm.pt', model, config, in_channels=5)
    restored = load(tmp_path / 'm.pt')
    assert restored.encoder.num_layers == 1
    x = torch.randn(6, 5)
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]])
    with torch.no_grad():
        assert torch.equal(restored.encode(x, edge_index), model.encode(x, edge_index))
