import json
import math
import os

import numpy as np
import pytest
import torch

from gvae_ext.vae.checkpoint import load_dense_vae, read_dense_vae, save_dense_vae
from gvae_ext.vae.data import load_digits_data, load_table, split_rows, standardize
from gvae_ext.vae.evaluate import evaluate_dense_vae, iw_log_likelihood
from gvae_ext.vae.model import DenseVAE
from gvae_ext.vae.score import anomaly_scores, score_dense_vae
from gvae_ext.vae.train import fit_dense_vae, train_dense_vae
from tests.conftest import DEVICES

SMALL = dict(epochs=3, hidden_channels=(16,), out_channels=4, progress=False)


def _png_size(path):
    # (height, width) from the IHDR chunk.
    with open(path, 'rb') as f:
        head = f.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n' and head[12:16] == b'IHDR'
    return int.from_bytes(head[20:24], 'big'), int.from_bytes(head[16:20], 'big')


def test_fit_dense_vae_digits_summary(tmp_path):
    summary = fit_dense_vae(
        'digits',
        iw_samples=20,
        json_path=str(tmp_path / 'out' / 'run.json'),
        plots_dir=str(tmp_path / 'plots'),
        save_path=str(tmp_path / 'vae.pt'),
        **SMALL,
    )
    assert math.isclose(
        summary['test_nelbo'], summary['test_recon'] + summary['test_kl'], rel_tol=1e-5
    )
    assert summary['test_kl'] > 0
    # The importance-weighted bound lies above the ELBO.
    assert summary['test_iw_ll'] > -summary['test_nelbo']
    assert summary['num_train'] + summary['num_val'] == 1438
    assert summary['num_test'] == 359
    config = summary['config']
    assert config['hidden_channels'] == [16] and config['out_channels'] == 4
    assert config['likelihood'] == 'bernoulli' and config['selection'] == 'best_val'
    assert set(summary['timings']) >= {'train_s', 'eval_s', 'total_s'}
    assert [row['epoch'] for row in summary['history']] == [1, 2, 3]
    with open(tmp_path / 'out' / 'run.json') as f:
        stored = json.load(f)
    assert stored['test_nelbo'] == summary['test_nelbo']
    # 8x8 digits, 1-pixel padding, x4: 4 pairs of rows / a 10x10 grid, 10 columns.
    plots = summary['files']['plots']
    assert [os.path.basename(p) for p in plots] == [
        'reconstructions.png',
        'samples.png',
    ]
    # Each grid gains a title band above it and a row-label band to its left
    # (gvae_ext.vae.images.label_grid); the grids themselves keep their size.
    (h1, w1), (h2, w2) = _png_size(plots[0]), _png_size(plots[1])
    assert h1 - 4 * 73 == h2 - 4 * 91 > 0  # the same title band
    assert w1 - 4 * 91 > 0 and w2 - 4 * 91 > 0  # a label band on both
    # The checkpoint scores the test split exactly like the trained model.
    model, ck_config = read_dense_vae(tmp_path / 'vae.pt')
    assert ck_config['image_shape'] == [8, 8] and ck_config['seed'] == 0
    test = load_digits_data().test
    scores = score_dense_vae(tmp_path / 'vae.pt', 'digits', out_csv=tmp_path / 's.csv')
    assert torch.equal(scores, anomaly_scores(model, test))
    lines = (tmp_path / 's.csv').read_text().splitlines()
    assert lines[0] == 'index,score' and len(lines) == 360
    assert float(lines[5].split(',')[1]) == scores[4].item()


def test_fit_dense_vae_same_seed_same_result():
    a = fit_dense_vae('digits', seed=3, **SMALL)
    b = fit_dense_vae('digits', seed=3, **SMALL)
    c = fit_dense_vae('digits', seed=4, **SMALL)
    assert a['test_nelbo'] == b['test_nelbo'] and a['history'] == b['history']
    assert a['test_nelbo'] != c['test_nelbo']


@pytest.mark.parametrize('device', DEVICES)
def test_fit_dense_vae_table_and_score(tmp_path, device):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)) @ np.array(
        [[1.0, 2.0, 0.0], [0.0, 1.0, 5.0], [0, 0, 1]]
    )
    x += np.array([10.0, -3.0, 100.0])
    np.save(tmp_path / 't.npy', x)
    ck = str(tmp_path / 'm.pt')
    summary = fit_dense_vae(
        f'npy:{tmp_path / "t.npy"}',
        save_path=ck,
        plots_dir=str(tmp_path / 'p'),
        device=device,
        epochs=3,
        hidden_channels=(16,),
        progress=False,
    )
    assert summary['config']['likelihood'] == 'gaussian'
    assert summary['config']['out_channels'] == 3
    assert summary['files']['plots'] == []
    model, config = read_dense_vae(ck, map_location=device)
    data = load_table(tmp_path / 't.npy')
    assert config['feature_mean'] == pytest.approx(data.mean.tolist())
    # Scoring a table standardises it with the stored training statistics.
    raw = torch.tensor(x, dtype=torch.float32)
    expected = anomaly_scores(model, standardize(raw, data.mean, data.std).to(device))
    for spec in (f'npy:{tmp_path / "t.npy"}', str(tmp_path / 't.npy')):
        scores = score_dense_vae(ck, spec, device=device)
        assert scores.shape == (60,) and scores.device.type == device
        assert torch.allclose(scores, expected)
    np.savetxt(tmp_path / 'w.csv', np.ones((4, 5)), delimiter=',')
    with pytest.raises(ValueError, match="'dataset_or_path' must have 3 columns"):
        score_dense_vae(ck, f'csv:{tmp_path / "w.csv"}')


def test_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    model = DenseVAE(6, (5, 4), 3, likelihood='gaussian').eval()
    with torch.no_grad():
        model.decoder_logstd.fill_(-0.5)
    path = save_dense_vae(model, tmp_path / 'sub' / 'm.pt', dict(note='hi', n=[1, 2]))
    loaded, config = read_dense_vae(path)
    assert config == dict(note='hi', n=[1, 2]) and not loaded.training
    assert str(loaded) == str(model)
    x = torch.randn(7, 6)
    assert torch.equal(loaded.encode(x), model.encode(x))
    assert torch.equal(loaded.reconstruct(x), model.reconstruct(x))
    assert torch.equal(loaded.anomaly_score(x), model.anomaly_score(x))
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    assert torch.equal(loaded.sample(4, g1), model.sample(4, g2))
    assert torch.equal(load_dense_vae(path).decoder_logstd, model.decoder_logstd)


def test_train_dense_vae_keeps_best_validation():
    data = load_digits_data()
    train, val = data.train[:300], data.train[300:400]
    torch.manual_seed(0)
    model = DenseVAE(64, (16,), 4)
    out = train_dense_vae(
        model, train, val, epochs=6, eval_every=2, generator=torch.Generator()
    )
    vals = [row['val_nelbo'] for row in out['history'] if 'val_nelbo' in row]
    assert len(vals) == 3 and out['val_nelbo'] == min(vals)
    assert out['best_epoch'] in (2, 4, 6) and not model.training
    terms = evaluate_dense_vae(model, val, generator=torch.Generator().manual_seed(0))
    assert math.isclose(terms['nelbo'], terms['recon'] + terms['kl'], rel_tol=1e-5)
    ll = iw_log_likelihood(model, val, 5, batch_size=33)
    assert math.isfinite(ll)
    no_val = train_dense_vae(model, train, epochs=1)
    assert no_val['val_nelbo'] is None and no_val['best_epoch'] == 1


def test_evaluate_batches_agree():
    model = DenseVAE(64, (16,), 4).eval()
    x = load_digits_data().test[:50]
    a = evaluate_dense_vae(model, x, batch_size=50)
    b = evaluate_dense_vae(model, x, batch_size=7)
    assert a['kl'] == pytest.approx(b['kl'], rel=1e-5)
    assert anomaly_scores(model, x, batch_size=7).tolist() == pytest.approx(
        anomaly_scores(model, x).tolist(), rel=1e-5
    )


def test_fit_dense_vae_no_progress_output_and_threads_restored(capsys):
    torch.set_num_threads(2)
    fit_dense_vae('digits', epochs=1, hidden_channels=(8,), progress=False)
    assert torch.get_num_threads() == 2
    captured = capsys.readouterr()
    assert captured.out == '' and captured.err == ''


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(epochs=0), "'epochs' must be a positive integer"),
        (dict(batch_size=0), "'batch_size' must be a positive integer"),
        (dict(lr=0.0), "'lr' must be a positive number"),
        (dict(lr=float('inf')), "'lr' must be finite"),
        (dict(iw_samples=-1), "'iw_samples' must be a non-negative integer"),
        (dict(val_fraction=1.0), r"'val_fraction' must be in \[0, 1\)"),
        (dict(likelihood='poisson'), "'likelihood' must be one of"),
        (dict(seed=-1), "'seed' must be a non-negative integer"),
        (dict(num_threads=0), "'num_threads' must be a positive integer"),
    ],
)
def test_fit_dense_vae_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_dense_vae('digits', progress=False, **kwargs)


def test_fit_dense_vae_bad_dataset(tmp_path):
    with pytest.raises(ValueError, match="'dataset' must be 'digits'"):
        fit_dense_vae('cora', progress=False)
    with pytest.raises(ValueError, match="'root' has no MNIST file"):
        fit_dense_vae('mnist', root=str(tmp_path), progress=False)


def test_train_dense_vae_bad_data():
    model = DenseVAE(4, 3, 2)
    with pytest.raises(ValueError, match=r"'train' must lie in \[0, 1\]"):
        train_dense_vae(model, torch.full((5, 4), 2.0), epochs=1)
    with pytest.raises(ValueError, match="'val' must have 4 features"):
        train_dense_vae(model, torch.rand(5, 4), torch.rand(5, 3), epochs=1)
    with pytest.raises(ValueError, match="'train' must contain only finite"):
        train_dense_vae(model, torch.tensor([[float('nan')] * 4]), epochs=1)


def test_checkpoint_errors(tmp_path):
    model = DenseVAE(4, 3, 2)
    with pytest.raises(ValueError, match="'config' must be a dict"):
        save_dense_vae(model, tmp_path / 'm.pt', config=[1])
    with pytest.raises(TypeError, match="'model' must be a DenseVAE"):
        save_dense_vae(torch.nn.Linear(2, 2), tmp_path / 'm.pt')
    with pytest.raises(ValueError, match="'checkpoint' does not name a checkpoint"):
        load_dense_vae(tmp_path / 'missing.pt')
    (tmp_path / 'junk.pt').write_bytes(b'junk')
    bad = "'checkpoint' .*junk.pt' is not a valid gvae_ext DenseVAE checkpoint"
    with pytest.raises(ValueError, match=bad):
        load_dense_vae(tmp_path / 'junk.pt')
    torch.save({'format': 'other'}, tmp_path / 'other.pt')
    with pytest.raises(ValueError, match="is not a valid gvae_ext DenseVAE .*'other'"):
        score_dense_vae(tmp_path / 'other.pt', 'digits')
    save_dense_vae(model, tmp_path / 'm.pt')
    with pytest.raises(ValueError, match="'dataset_or_path' must be a string"):
        score_dense_vae(tmp_path / 'm.pt', 5)
    with pytest.raises(ValueError, match="'dataset_or_path' must have 4 features"):
        score_dense_vae(tmp_path / 'm.pt', 'digits')


def test_split_rows_matches_fit_split():
    # fit_dense_vae scores exactly the rows the fixed split holds out.
    _, test_idx = split_rows(1797)
    assert test_idx.numel() == fit_dense_vae('digits', **SMALL)['num_test']


def test_fit_dense_vae_mnist_files(tmp_path):
    from tests.vae.test_data import _write_mnist

    _write_mnist(tmp_path, n_train=30, n_test=10, gz=True, size=(4, 3))
    summary = fit_dense_vae(
        'mnist',
        root=str(tmp_path),
        epochs=2,
        plots_dir=str(tmp_path / 'p'),
        progress=False,
    )
    assert summary['config']['hidden_channels'] == [128, 32]
    assert summary['num_test'] == 10 and summary['num_train'] + summary['num_val'] == 30
    # 10 test images -> one pair of rows; images are 4 x 3 pixels, x4.
    # (plus the title and row-label bands of label_grid)
    from gvae_ext.vae.images import label_grid

    grid = torch.zeros(4 * (2 * 5 + 1), 4 * (10 * 4 + 1))
    rows = [(4, 4 + 4 * 5), (4 + 4 * 5, 4 + 4 * 10)]
    labelled = label_grid(
        grid,
        rows,
        title='originals and reconstructions (z = mu)',
        row_labels=['original', 'reconstruction'],
    )
    height, width = _png_size(summary['files']['plots'][0])
    assert (height, width) == tuple(labelled.shape)


def test_train_dense_vae_float64_and_empty():
    """float64 data is cast to the model's dtype; an empty table raises."""
    torch.manual_seed(0)
    model = DenseVAE(4, 3, 2, likelihood='gaussian')
    x = torch.randn(10, 4, dtype=torch.float64)
    train_dense_vae(model, x, epochs=1, progress=False)
    assert model.reconstruct(x).dtype == torch.float32
    with pytest.raises(ValueError, match=r"'train' must hold at least one sample"):
        train_dense_vae(model, torch.zeros(0, 4), epochs=1, progress=False)
