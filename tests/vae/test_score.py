import pytest
import torch

from gvae_ext.link.metrics import roc_auc_score
from gvae_ext.vae.data import load_digits_data
from gvae_ext.vae.model import DenseVAE
from gvae_ext.vae.score import anomaly_scores, score_dense_vae
from gvae_ext.vae.train import train_dense_vae


@pytest.fixture(scope='module')
def digits_model():
    data = load_digits_data()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # module fixtures run outside the autouse one
    torch.manual_seed(0)
    model = DenseVAE(64, (64,), 8)
    train_dense_vae(
        model,
        data.train,
        epochs=10,
        lr=3e-3,
        generator=torch.Generator().manual_seed(0),
    )
    torch.set_num_threads(threads)
    return model, data.test


def _auc(clean: torch.Tensor, corrupted: torch.Tensor) -> float:
    pred = torch.cat([clean, corrupted])
    target = torch.cat([torch.zeros(clean.numel()), torch.ones(corrupted.numel())])
    return float(roc_auc_score(pred, target))


@pytest.mark.parametrize('corruption', ['shuffled', 'noise'])
def test_anomaly_scores_separate_corrupted_digits(digits_model, corruption):
    model, test = digits_model
    gen = torch.Generator().manual_seed(1)
    if corruption == 'shuffled':
        # Each image's pixels in a random order: same intensities, no digit.
        keys = torch.rand(test.shape, generator=gen)
        corrupted = torch.gather(test, 1, keys.argsort(dim=1))
    else:
        corrupted = torch.rand(test.shape, generator=gen)
    auc = _auc(anomaly_scores(model, test), anomaly_scores(model, corrupted))
    assert auc >= 0.95


def test_anomaly_scores_restore_mode_and_sampling(digits_model):
    model, test = digits_model
    model.train()
    a = anomaly_scores(model, test[:20])
    assert model.training
    model.eval()
    assert torch.equal(a, model.anomaly_score(test[:20]))
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    sampled = anomaly_scores(model, test[:20], num_samples=3, generator=g1)
    assert torch.equal(
        sampled, anomaly_scores(model, test[:20], num_samples=3, generator=g2)
    )
    assert anomaly_scores(model, test[:0]).shape == (0,)


def test_anomaly_scores_errors(digits_model):
    model, test = digits_model
    with pytest.raises(ValueError, match=r"'x' must lie in \[0, 1\]"):
        anomaly_scores(model, test * 2)
    with pytest.raises(ValueError, match="'x' must have 64 features"):
        anomaly_scores(model, test[:, :10])
    with pytest.raises(ValueError, match="'batch_size' must be a positive"):
        anomaly_scores(model, test, batch_size=0)
    with pytest.raises(TypeError, match="'model' must be a DenseVAE"):
        anomaly_scores(torch.nn.Linear(64, 1), test)


def test_score_far_out_values_raise_instead_of_inf(tmp_path):
    """Rows near 1e20 give a clear error, not inf for every row."""
    import numpy as np

    from gvae_ext.vae.train import fit_dense_vae

    x = np.random.RandomState(0).randn(40, 3)
    np.save(tmp_path / 't.npy', x)
    fit_dense_vae(
        f'npy:{tmp_path}/t.npy', epochs=1, save_path=tmp_path / 'm.pt', progress=False
    )
    np.save(tmp_path / 'big.npy', x * 1e20)
    with pytest.raises(ValueError, match=r"'dataset_or_path' rows give non-finite"):
        score_dense_vae(
            tmp_path / 'm.pt', str(tmp_path / 'big.npy'), out_csv=tmp_path / 's.csv'
        )
    assert not (tmp_path / 's.csv').exists()
    scores = score_dense_vae(tmp_path / 'm.pt', str(tmp_path / 't.npy'))
    assert scores.shape == (40,) and bool(torch.isfinite(scores).all())
