import pytest
import torch

from gvae_ext.nn.decoders import InnerProductDecoder
from gvae_ext.nn.objectives import pair_logits, sampled_objective, sampled_recon_loss
from tests.conftest import DEVICES


class _Scaled(torch.nn.Module):
    r"""A decoder that is not an InnerProductDecoder (the unfused path)."""

    def forward(self, z, edge_index, sigmoid=True):
        out = 0.5 * (z[edge_index[0]] * z[edge_index[1]]).sum(-1)
        return out.sigmoid() if sigmoid else out


def _graph(device, symmetric=True):
    gen = torch.Generator().manual_seed(0)
    pairs = torch.randint(0, 12, (2, 30), generator=gen)
    pairs = pairs[:, pairs[0] < pairs[1]].unique(dim=1)
    pos = torch.cat([pairs, pairs.flip(0)], 1) if symmetric else pairs
    neg = torch.randint(0, 12, (2, 41), generator=gen)
    neg = torch.cat([neg, neg[:, :5]], 1)  # repeated negatives count twice
    return pos.to(device), neg.to(device)


def _reference(z, pos, neg):
    # Plain autograd through the unfused decoder: every column counts once.
    zp = (z[pos[0]] * z[pos[1]]).sum(-1)
    zn = (z[neg[0]] * z[neg[1]]).sum(-1)
    return sampled_recon_loss(zp, zn)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('symmetric', [True, False])
@pytest.mark.parametrize('chunk_size', [1, 7, 2**18])
def test_sampled_objective_fused_matches_autograd(device, symmetric, chunk_size):
    pos, neg = _graph(device, symmetric)
    gen = torch.Generator().manual_seed(1)
    base = torch.randn(12, 8, generator=gen, dtype=torch.float64).to(device)
    grads = []
    for fused in (True, False):
        z = base.clone().requires_grad_()
        if fused:
            loss = sampled_objective(
                InnerProductDecoder(), z, pos, neg, chunk_size=chunk_size
            )
        else:
            loss = _reference(z, pos, neg)
        (3.0 * loss).backward()
        grads.append((loss.detach(), z.grad))
    assert torch.allclose(grads[0][0], grads[1][0], rtol=1e-12, atol=1e-12)
    assert torch.allclose(grads[0][1], grads[1][1], rtol=1e-10, atol=1e-12)


def test_sampled_objective_fused_on_a_strided_view_and_without_grad():
    pos, neg = _graph('cpu')
    out = torch.randn(12, 16, dtype=torch.float64, requires_grad=True)
    z = out[:, :8]  # a GAE's z is a column slice of the heads' output
    loss = sampled_objective(InnerProductDecoder(), z, pos, neg)
    loss.backward()
    ref_out = out.detach().clone().requires_grad_()
    _reference(ref_out[:, :8], pos, neg).backward()
    assert torch.allclose(out.grad, ref_out.grad, atol=1e-12)
    assert out.grad[:, 8:].abs().sum() == 0
    with torch.no_grad():
        value = sampled_objective(InnerProductDecoder(), z, pos, neg)
    assert torch.allclose(value, loss.detach())
    assert torch.autograd.gradcheck(
        lambda t: sampled_objective(InnerProductDecoder(), t, pos, neg, chunk_size=5),
        (z.detach()[:, :3].clone().requires_grad_(),),
    )


def test_sampled_objective_other_decoders_use_pair_logits():
    pos, neg = _graph('cpu')
    z = torch.randn(12, 8, dtype=torch.float64)
    dec = _Scaled()
    expected = sampled_recon_loss(*pair_logits(dec, z, pos, neg))
    assert torch.equal(sampled_objective(dec, z, pos, neg), expected)
    zp = 0.5 * (z[pos[0]] * z[pos[1]]).sum(-1)
    zn = 0.5 * (z[neg[0]] * z[neg[1]]).sum(-1)
    assert torch.allclose(expected, sampled_recon_loss(zp, zn))


def test_sampled_objective_rejects_a_bad_chunk_size():
    pos, neg = _graph('cpu')
    z = torch.randn(12, 8)
    with pytest.raises(ValueError, match="'chunk_size' must be a positive"):
        sampled_objective(InnerProductDecoder(), z, pos, neg, chunk_size=0)
