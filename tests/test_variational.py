import math

import pytest
import torch

from gvae_ext.variational import (
    MAX_LOGSTD,
    bernoulli_nll,
    gaussian_nll,
    kl_normal,
    log_normal,
    log_standard_normal,
    reparameterize,
)


def test_kl_normal_zero_at_prior():
    mu = torch.zeros(5, 3)
    logstd = torch.zeros(5, 3)
    assert kl_normal(mu, logstd).item() == 0.0
    assert kl_normal(mu, logstd, reduction='none').tolist() == [0.0] * 5


def test_kl_normal_hand_computed():
    # One row, two dims: mu = (1, 0), sigma = (1, e^-1).
    # KL = -1/2 * [(1 + 0 - 1 - 1) + (1 - 2 - 0 - e^-2)] = 1/2 * (1 + 1 + e^-2)
    mu = torch.tensor([[1.0, 0.0]])
    logstd = torch.tensor([[0.0, -1.0]])
    expected = 0.5 * (2.0 + math.exp(-2.0))
    assert kl_normal(mu, logstd).item() == pytest.approx(expected, rel=1e-6)


def test_kl_normal_matches_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mu = torch.randn(7, 4, generator=gen)
    logstd = 0.3 * torch.randn(7, 4, generator=gen)
    q = torch.distributions.Normal(mu, logstd.exp())
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    ref = torch.distributions.kl_divergence(q, p).sum(-1)
    assert torch.allclose(kl_normal(mu, logstd, reduction='none'), ref, atol=1e-6)
    assert torch.allclose(kl_normal(mu, logstd, reduction='sum'), ref.sum(), atol=1e-5)
    assert torch.allclose(kl_normal(mu, logstd), ref.mean(), atol=1e-6)


def test_reparameterize_statistics_use_logstd_as_log_sigma():
    gen = torch.Generator().manual_seed(1)
    n = 200_000
    mu = torch.full((n, 2), 3.0)
    logstd = torch.tensor([[math.log(0.5), math.log(2.0)]]).expand(n, 2)
    z = reparameterize(mu, logstd, generator=gen)
    assert torch.allclose(z.mean(0), torch.tensor([3.0, 3.0]), atol=0.02)
    # sigma = exp(logstd), not exp(0.5 * logstd)
    assert torch.allclose(z.std(0), torch.tensor([0.5, 2.0]), rtol=0.01)


def test_reparameterize_seeded_and_differentiable():
    mu = torch.zeros(3, 2, requires_grad=True)
    logstd = torch.zeros(3, 2, requires_grad=True)
    a = reparameterize(mu, logstd, torch.Generator().manual_seed(5))
    b = reparameterize(mu, logstd, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    a.sum().backward()
    assert mu.grad is not None and logstd.grad is not None


def test_logstd_is_clamped():
    mu = torch.zeros(1, 1)
    huge = torch.full((1, 1), 1e4)
    z = reparameterize(mu, huge, torch.Generator().manual_seed(0))
    # sigma is exp(MAX_LOGSTD), not exp(1e4) = inf.
    eps = torch.randn(1, 1, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(z, eps * math.exp(MAX_LOGSTD))
    bound = -0.5 * (1 + 2 * MAX_LOGSTD - math.exp(2 * MAX_LOGSTD))
    assert kl_normal(mu, huge).item() == pytest.approx(bound, rel=1e-6)


def _kl_reference(mu, logstd, reduction):
    logstd = logstd.clamp(-MAX_LOGSTD, MAX_LOGSTD)
    per_row = -0.5 * torch.sum(1 + 2 * logstd - mu**2 - logstd.exp() ** 2, dim=-1)
    return {'mean': per_row.mean(), 'sum': per_row.sum(), 'none': per_row}[reduction]


@pytest.mark.parametrize('reduction', ['mean', 'sum'])
@pytest.mark.parametrize('shape', [(6, 3), (2, 3, 4), (5,)])
def test_kl_normal_fused_gradient_matches_autograd(reduction, shape):
    gen = torch.Generator().manual_seed(3)
    mu = torch.randn(shape, generator=gen, dtype=torch.float64)
    logstd = torch.randn(shape, generator=gen, dtype=torch.float64)
    logstd.view(-1)[0] = 2 * MAX_LOGSTD  # clamped: no gradient through it
    logstd.view(-1)[-1] = -2 * MAX_LOGSTD
    grads = []
    for fn in (kl_normal, _kl_reference):
        a = mu.clone().requires_grad_()
        b = logstd.clone().requires_grad_()
        out = fn(a, b, reduction)
        out.backward()
        grads.append((out.detach(), a.grad, b.grad))
    for got, ref in zip(*grads):
        assert torch.allclose(got, ref, rtol=1e-12, atol=1e-12)
    assert grads[0][2].view(-1)[0] == 0 and grads[0][2].view(-1)[-1] == 0
    inner = (mu.clone().requires_grad_(), (0.3 * logstd).clamp(-1, 1).requires_grad_())
    assert torch.autograd.gradcheck(lambda m, s: kl_normal(m, s, reduction), inner)


def test_kl_normal_empty_rows_and_columns_match_reference():
    for shape in [(0, 3), (4, 0)]:
        mu, logstd = torch.zeros(shape), torch.zeros(shape)
        for reduction in ('mean', 'sum'):
            got, ref = (
                kl_normal(mu, logstd, reduction),
                _kl_reference(mu, logstd, reduction),
            )
            assert torch.equal(got.isnan(), ref.isnan())
            assert got.nan_to_num().item() == ref.nan_to_num().item()


def test_reparameterize_fused_gradient_matches_autograd():
    gen = torch.Generator().manual_seed(4)
    mu = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    logstd = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    logstd[0, 0] = 3 * MAX_LOGSTD
    logstd.requires_grad_()
    weight = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    z = reparameterize(mu, logstd, torch.Generator().manual_seed(9))
    (z * weight).sum().backward()
    eps = torch.randn(5, 3, generator=torch.Generator().manual_seed(9), dtype=mu.dtype)
    clamped = logstd.detach().clamp(-MAX_LOGSTD, MAX_LOGSTD)
    assert torch.allclose(z, mu.detach() + eps * clamped.exp())
    assert torch.equal(mu.grad, weight)
    expected = weight * eps * clamped.exp()
    expected[0, 0] = 0.0
    assert torch.allclose(logstd.grad, expected)

    def sample(m, s):
        return reparameterize(m, s, torch.Generator().manual_seed(9))

    inner = (mu.detach().requires_grad_(), (0.3 * logstd.detach()).requires_grad_())
    assert torch.autograd.gradcheck(sample, inner)


def test_log_densities_match_torch():
    gen = torch.Generator().manual_seed(2)
    z, mu, logstd = (torch.randn(4, 3, generator=gen) for _ in range(3))
    ref = torch.distributions.Normal(mu, logstd.exp()).log_prob(z).sum(-1)
    assert torch.allclose(log_normal(z, mu, logstd), ref, atol=1e-5)
    ref0 = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    assert torch.allclose(log_standard_normal(z), ref0, atol=1e-5)


def test_bernoulli_and_gaussian_nll():
    logits = torch.tensor([[0.0, 2.0], [-1.0, 3.0]])
    target = torch.tensor([[1.0, 0.0], [0.5, 1.0]])
    p = torch.sigmoid(logits)
    ref = -(target * p.log() + (1 - target) * (1 - p).log()).sum(1)
    assert torch.allclose(bernoulli_nll(logits, target), ref, atol=1e-6)

    mean = torch.tensor([[0.0, 1.0]])
    logstd = torch.tensor([0.0, math.log(2.0)])
    x = torch.tensor([[1.0, 1.0]])
    ref = -torch.distributions.Normal(mean, logstd.exp()).log_prob(x).sum(1)
    assert torch.allclose(gaussian_nll(mean, logstd, x), ref, atol=1e-6)


@pytest.mark.parametrize(
    'call, match',
    [
        (lambda: kl_normal(torch.zeros(2, 3), torch.zeros(2, 2)), "'mu' and 'logstd'"),
        (
            lambda: kl_normal(torch.zeros(2), torch.zeros(2), reduction='avg'),
            "'reduction'",
        ),
        (lambda: reparameterize(torch.zeros(2), torch.zeros(3)), "'mu' and 'logstd'"),
    ],
    ids=['shape', 'reduction', 'reparam-shape'],
)
def test_variational_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
