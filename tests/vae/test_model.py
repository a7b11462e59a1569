import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gvae_ext.vae.model import DenseVAE
from gvae_ext.variational import bernoulli_nll, kl_normal, reparameterize
from tests.conftest import DEVICES


@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny matrices: intra-op threads only add sync overhead (large on busy cores).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _zero_model(**kwargs) -> DenseVAE:
    # All weights and biases zero: q(z|x) = N(0, I), logits 0, Gaussian mean 0.
    model = DenseVAE(**kwargs)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    return model


def _data(n=6, f=8, seed=0):
    return torch.rand(n, f, generator=torch.Generator().manual_seed(seed))


def test_dense_vae_repr_and_hparams():
    model = DenseVAE(64, (32, 16), 4)
    assert (
        str(model)
        == "DenseVAE(64, hidden=[32, 16], out_channels=4, likelihood='bernoulli')"
    )
    clone = DenseVAE(**model.hparams)
    assert str(clone) == str(model)
    assert [p.shape for p in clone.parameters()] == [
        p.shape for p in model.parameters()
    ]


def test_dense_vae_default_architecture():
    model = DenseVAE()
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    sizes = [(m.in_features, m.out_features) for m in linears]
    assert sizes == [
        (784, 128),
        (128, 32),
        (32, 20),
        (32, 20),
        (20, 32),
        (32, 128),
        (128, 784),
    ]


@pytest.mark.parametrize('device', DEVICES)
def test_dense_vae_encode_decode_shapes(device):
    model = DenseVAE(8, (5, 3), 2).to(device)
    x = _data().to(device)
    z = model.encode(x, torch.Generator(device).manual_seed(0))
    assert z.shape == (6, 2) and z.device.type == device
    assert model.decode(z).shape == (6, 8)
    assert torch.equal(model(x, torch.Generator(device).manual_seed(0)), z)
    recon = model.reconstruct(x)
    # The decoder mean at z = mu: the sigmoid of the logits, no sampling.
    mu = model.encode_params(x)[0]
    assert recon.shape == (6, 8)
    assert torch.allclose(recon, torch.sigmoid(model.decode(mu)))


def test_dense_vae_encode_samples_in_train_and_returns_mu_in_eval():
    model = DenseVAE(8, 4, 2)
    x = _data()
    z_train = model.encode(x, torch.Generator().manual_seed(0))
    assert not torch.allclose(z_train, model.mu)
    model.eval()
    z_eval = model.encode(x)
    mu, _ = model.encode_params(x)
    assert torch.equal(z_eval, mu)
    assert torch.equal(model.reparametrize(mu, mu), mu)
    assert model.reparameterize == model.reparametrize


def test_dense_vae_kl_loss_stored_and_explicit():
    model = DenseVAE(8, 4, 3)
    x = _data()
    model.encode(x)
    mu, logstd = model.encode_params(x)
    assert torch.allclose(model.kl_loss(), kl_normal(mu, logstd))
    assert torch.allclose(model.kl_loss(mu, logstd), kl_normal(mu, logstd))
    per_sample = model.kl_loss(reduction='none')
    # Closed form per sample, logstd = log sigma: 0.5 * sum(mu^2 + sigma^2 - 1
    # - 2 log sigma) over the latent dimensions.
    expected = 0.5 * (mu**2 + torch.exp(2 * logstd) - 1 - 2 * logstd).sum(1)
    assert per_sample.shape == (6,) and torch.allclose(per_sample, expected)


def test_dense_vae_zero_model_bernoulli_exact():
    # q = prior => KL 0; logits 0 => BCE = log 2 per feature for any target.
    model = _zero_model(in_channels=8, hidden_channels=(4,), out_channels=2)
    x = _data()
    terms = model.loss(x, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(terms.kl, torch.zeros(6))
    assert torch.allclose(terms.recon, torch.full((6,), 8 * math.log(2.0)))
    assert torch.equal(terms.nelbo, terms.recon + terms.kl)
    assert torch.allclose(model.anomaly_score(x), terms.nelbo)
    # The importance weights are all equal, so the estimate is exact: -nelbo.
    ll = model.log_likelihood(x, k=5, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(ll, -terms.nelbo, atol=1e-5)


def test_dense_vae_zero_model_gaussian_exact():
    model = _zero_model(
        in_channels=3, hidden_channels=(4,), out_channels=2, likelihood='gaussian'
    )
    x = torch.tensor([[0.0, 1.0, -2.0]])
    expected = 0.5 * (3 * math.log(2 * math.pi) + 0.0 + 1.0 + 4.0)
    terms = model.loss(x)
    assert terms.recon.item() == pytest.approx(expected, rel=1e-6)
    assert terms.kl.item() == pytest.approx(0.0, abs=1e-7)
    # elbo is the bound itself: minus the negative ELBO that loss returns
    assert model.elbo(x).item() == pytest.approx(-expected, rel=1e-6)
    # Fixed decoder scale sigma = e: each squared error divided by e^2, +2 per dim.
    fixed = _zero_model(
        in_channels=3,
        hidden_channels=(4,),
        out_channels=2,
        likelihood='gaussian',
        gaussian_logstd=1.0,
    )
    expected = 0.5 * (3 * math.log(2 * math.pi) + 6.0 + 5.0 * math.exp(-2.0))
    assert fixed.loss(x).recon.item() == pytest.approx(expected, rel=1e-6)


def test_dense_vae_gaussian_scale_learned_or_fixed():
    learned = DenseVAE(5, 4, 2, likelihood='gaussian')
    assert isinstance(learned.decoder_logstd, torch.nn.Parameter)
    assert torch.equal(learned.decoder_logstd, torch.zeros(5))
    fixed = DenseVAE(5, 4, 2, likelihood='gaussian', gaussian_logstd=-1.0)
    assert 'decoder_logstd' not in dict(fixed.named_parameters())
    assert torch.equal(fixed.decoder_logstd, torch.full((5,), -1.0))


def test_dense_vae_loss_matches_components():
    model = DenseVAE(8, (6,), 3)
    x = _data()
    terms = model.loss(x, generator=torch.Generator().manual_seed(3))
    mu, logstd = model.encode_params(x)
    z = reparameterize(mu, logstd, torch.Generator().manual_seed(3))
    assert torch.allclose(terms.recon, bernoulli_nll(model.decode(z), x))
    assert torch.allclose(terms.kl, kl_normal(mu, logstd, reduction='none'))
    assert torch.allclose(terms.nelbo, terms.recon + terms.kl)
    recon = model.recon_loss(x, z, reduction='none')
    assert torch.allclose(recon, terms.recon)
    assert torch.allclose(model.recon_loss(x, z), terms.recon.mean())


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(1, 5),
    k=st.integers(1, 4),
    seed=st.integers(0, 1000),
    likelihood=st.sampled_from(['bernoulli', 'gaussian']),
)
def test_dense_vae_property_parts_add_up(n, k, seed, likelihood):
    torch.manual_seed(seed)
    model = DenseVAE(6, (5,), 2, likelihood=likelihood)
    x = _data(n, 6, seed)
    terms = model.loss(x, num_samples=k, generator=torch.Generator().manual_seed(seed))
    assert terms.nelbo.shape == (n,)
    assert torch.allclose(terms.nelbo, terms.recon + terms.kl)
    assert bool((terms.kl >= -1e-6).all())
    ll = model.log_likelihood(x, k, torch.Generator().manual_seed(seed))
    assert ll.shape == (n,) and bool(torch.isfinite(ll).all())


def test_dense_vae_iw_bound_tightens():
    torch.manual_seed(0)
    model = DenseVAE(8, (6,), 3)
    x = _data(20)
    nelbo = model.loss(x, num_samples=200, generator=torch.Generator().manual_seed(0))
    ll = model.log_likelihood(x, k=200, generator=torch.Generator().manual_seed(1))
    # log p(x) >= ELBO; with 200 samples the estimate is well above it.
    assert ll.mean() > -nelbo.nelbo.mean()


def test_dense_vae_sample_seeded():
    model = DenseVAE(8, 4, 2)
    a = model.sample(5, torch.Generator().manual_seed(0))
    b = model.sample(5, torch.Generator().manual_seed(0))
    assert a.shape == (5, 8) and torch.equal(a, b)
    # Decoder means of N(0, I) draws from that generator.
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(a, torch.sigmoid(model.decode(z)))
    binary = model.sample(5, torch.Generator().manual_seed(0), mean=False)
    assert set(binary.unique().tolist()) <= {0.0, 1.0}
    gauss = DenseVAE(8, 4, 2, likelihood='gaussian').sample(3, mean=False)
    assert gauss.shape == (3, 8)


def test_dense_vae_anomaly_score_modes():
    model = DenseVAE(8, 4, 2).eval()
    x = _data()
    assert torch.equal(model.anomaly_score(x), model.anomaly_score(x))
    mu, logstd = model.encode_params(x)
    at_mu = bernoulli_nll(model.decode(mu), x) + kl_normal(mu, logstd, reduction='none')
    assert torch.allclose(model.anomaly_score(x), at_mu)
    sampled = model.anomaly_score(x, 4, torch.Generator().manual_seed(0))
    expected = model.loss(x, num_samples=4, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(sampled, expected.nelbo)


def test_dense_vae_reset_parameters():
    model = DenseVAE(6, 4, 2, likelihood='gaussian')
    before = [p.clone() for p in model.parameters()]
    with torch.no_grad():
        model.decoder_logstd.fill_(3.0)
    model.reset_parameters()
    assert torch.equal(model.decoder_logstd, torch.zeros(6))
    assert not torch.equal(before[0], model.encoder[0].weight)


def test_dense_vae_does_not_mutate_input():
    model = DenseVAE(8, 4, 2)
    x = _data()
    copy = x.clone()
    model.loss(x).nelbo.sum().backward()
    model.log_likelihood(x, 3)
    assert torch.equal(x, copy)


def test_dense_vae_no_hidden_layers():
    model = DenseVAE(8, (), 2)
    assert model.encode(_data()).shape == (6, 2)


@pytest.mark.parametrize(
    'x, match',
    [
        (torch.tensor([[0.1, float('nan'), 0.3, 0.0]]), "'x' must contain only finite"),
        (torch.tensor([[0.1, float('inf'), 0.3, 0.0]]), "'x' must contain only finite"),
        (torch.tensor([[0.1, 1.5, 0.3, 0.0]]), r"'x' must lie in \[0, 1\]"),
        (torch.tensor([[-0.1, 0.5, 0.3, 0.0]]), r"'x' must lie in \[0, 1\]"),
        (torch.rand(3, 5), "'x' must have 4 features per row"),
        (torch.rand(4), "'x' must be 2-D"),
        (torch.ones(2, 4, dtype=torch.long), "'x' must be a floating-point"),
    ],
    ids=['nan', 'inf', 'above-1', 'below-0', 'features', '1d', 'dtype'],
)
def test_dense_vae_bad_input(x, match):
    model = DenseVAE(4, 3, 2)
    for call in (model.encode, model.loss, model.anomaly_score, model.reconstruct):
        with pytest.raises(ValueError, match=match):
            call(x)
    with pytest.raises(ValueError, match=match):
        model.log_likelihood(x, 2)


def test_dense_vae_gaussian_accepts_any_finite_values():
    model = DenseVAE(4, 3, 2, likelihood='gaussian')
    assert model.loss(torch.tensor([[-3.0, 2.0, 10.0, 0.0]])).nelbo.shape == (1,)
    with pytest.raises(ValueError, match="'x' must contain only finite"):
        model.loss(torch.tensor([[float('nan'), 2.0, 10.0, 0.0]]))


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(in_channels=0), "'in_channels' must be a positive integer"),
        (dict(hidden_channels=(4, 0)), "'hidden_channels' must be a positive"),
        (dict(hidden_channels='16'), "'hidden_channels' must be an int or a sequence"),
        (dict(out_channels=-2), "'out_channels' must be a positive"),
        (dict(likelihood='poisson'), "'likelihood' must be one of"),
        (dict(gaussian_logstd=float('nan')), "'gaussian_logstd' must be a finite"),
        (dict(dropout=1.0), r"'dropout' must be a float in \[0, 1\)"),
        (dict(dropout='a'), r"'dropout' must be a float in \[0, 1\) \(got 'a'\)"),
        (dict(gaussian_logstd='a'), r"'gaussian_logstd' must be a finite float"),
    ],
)
def test_dense_vae_bad_constructor(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DenseVAE(**kwargs)


def test_dense_vae_bad_arguments():
    model = DenseVAE(4, 3, 2)
    x = torch.rand(2, 4)
    with pytest.raises(ValueError, match="'mu' and 'logstd' must be passed"):
        model.kl_loss()
    with pytest.raises(ValueError, match="'z' must have shape"):
        model.decode(torch.rand(2, 3))
    with pytest.raises(ValueError, match="'k' must be a positive integer"):
        model.log_likelihood(x, 0)
    with pytest.raises(ValueError, match="'num_samples' must be a positive integer"):
        model.sample(0)
    with pytest.raises(ValueError, match="'num_samples' must be a positive integer"):
        model.loss(x, num_samples=0)
    with pytest.raises(ValueError, match="'num_samples' must be a non-negative"):
        model.anomaly_score(x, -1)
    with pytest.raises(ValueError, match="'reduction' must be 'mean' or 'none'"):
        model.recon_loss(x, reduction='sum')
    with pytest.raises(TypeError, match="'generator' must be a torch.Generator"):
        model.sample(2, generator=0)
    with pytest.raises(TypeError, match="'x' must be a torch.Tensor"):
        model.loss([[0.0] * 4])


def test_dense_vae_reads_a_01_checkpoint_with_latent_channels(tmp_path):
    from gvae_ext.vae import read_dense_vae, save_dense_vae

    model = DenseVAE(6, hidden_channels=(5,), out_channels=3)
    path = tmp_path / 'old.pt'
    save_dense_vae(model, path)
    payload = torch.load(path, weights_only=True)
    payload['hparams']['latent_channels'] = payload['hparams'].pop('out_channels')
    torch.save(payload, path)
    restored, _ = read_dense_vae(path)
    assert restored.out_channels == 3
    x = torch.rand(4, 6)
    assert torch.equal(restored.reconstruct(x), model.eval().reconstruct(x))


def test_dense_vae_edge_inputs():
    from gvae_ext.vae import evaluate_dense_vae

    model = DenseVAE(4, 3, 2)
    empty = model.loss(torch.zeros(0, 4))
    assert empty.nelbo.shape == (0,)
    with pytest.raises(ValueError, match=r"'z' must have one row per sample of 'x'"):
        model.recon_loss(torch.rand(5, 4), torch.randn(3, 2))
    with pytest.raises(ValueError, match=r"'z' must be a floating-point tensor"):
        model.decode(torch.ones(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match=r'at least one sample to average over'):
        evaluate_dense_vae(model, torch.zeros(0, 4))


def test_bernoulli_range_error_shows_the_exact_value():
    model = DenseVAE(4, 3, 2)
    x = torch.full((2, 4), 0.5)
    x[0, 0] = 1.0000001
    with pytest.raises(ValueError, match=r'\[0\.5, 1\.00000011920928\d*\]'):
        model.loss(x)
