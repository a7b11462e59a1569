"""The dense objective's pair weighting: Kipf's 'balanced' and 'uniform'."""

# ruff: noqa: D103 -- test functions are named for what they check.

import math

import pytest
import torch
import torch.nn.functional as F

from gvae_ext.nn import GAE, VGAE
from gvae_ext.nn.decoders import InnerProductDecoder
from gvae_ext.nn.encoders import VariationalGCNEncoder
from gvae_ext.nn.objectives import (
    DENSE_WEIGHTINGS,
    dense_recon_loss,
    dense_recon_loss_from_logits,
    dense_targets,
)

PATH = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # 0-1-2, node 3 alone


class Identity(torch.nn.Module):
    def forward(self, z, *args):
        return z


def _graph(n=25, e=70, seed=3):
    g = torch.Generator().manual_seed(seed)
    ei = torch.randint(0, n, (2, e), generator=g)
    return torch.cat([ei, ei.flip(0)], 1)


def test_uniform_targets_weigh_every_pair_alike():
    t = dense_targets(PATH, 4, 'uniform')
    assert (t.pos_weight, t.norm) == (1.0, 1.0)
    assert torch.equal(t.index, dense_targets(PATH, 4).index)  # same A + I
    # cached apart: the balanced targets of the same tensor are untouched
    assert dense_targets(PATH, 4).pos_weight == 3.0


def test_uniform_loss_by_hand():
    t = dense_targets(PATH, 4, 'uniform')
    # z = 0: every logit 0, 16 pairs of log 2 each, mean log 2
    zero = dense_recon_loss(torch.zeros(4, 2), t)
    assert math.isclose(zero.item(), math.log(2), rel_tol=1e-6)
    # z = [1, 1, 0, 0]: logit 1 on the 4 positives (0,1), (1,0), (0,0), (1,1);
    # the other 4 positives and the 8 non-edges have logit 0
    z = torch.tensor([[1.0], [1.0], [0.0], [0.0]])
    expected = (4 * math.log1p(math.exp(-1)) + 12 * math.log(2)) / 16
    assert math.isclose(dense_recon_loss(z, t).item(), expected, rel_tol=1e-6)


def test_uniform_loss_is_the_plain_mean_cross_entropy_with_its_gradient():
    edge_index = _graph()
    t = dense_targets(edge_index, 25, 'uniform')
    z = torch.randn(25, 4, dtype=torch.float64, requires_grad=True)
    logits = z @ z.t()
    target = torch.zeros(25, 25, dtype=torch.float64)
    target[edge_index[0], edge_index[1]] = 1
    target.fill_diagonal_(1)
    naive = F.binary_cross_entropy_with_logits(logits, target)
    (g_naive,) = torch.autograd.grad(naive, z)
    for chunk_size in (1, 6, None):
        loss = dense_recon_loss(z, t, chunk_size=chunk_size)
        (g,) = torch.autograd.grad(loss, z)
        assert torch.allclose(loss, naive) and torch.allclose(g, g_naive)
    assert torch.allclose(dense_recon_loss_from_logits(logits, t), naive)
    balanced = dense_recon_loss(z, dense_targets(edge_index, 25))
    assert not torch.allclose(balanced, naive)


@pytest.mark.parametrize('weighting', DENSE_WEIGHTINGS)
def test_model_loss_follows_dense_weighting(weighting):
    edge_index = _graph()
    z = torch.randn(25, 3)
    model = GAE(Identity(), objective='dense', dense_weighting=weighting)
    expected = dense_recon_loss(z, dense_targets(edge_index, 25, weighting))
    assert torch.allclose(model.loss(z, edge_index), expected)
    assert torch.allclose(model.dense_recon_loss(z, edge_index), expected)

    # a decoder other than the inner product goes through forward_all
    class Other(InnerProductDecoder):
        pass

    other = GAE(Identity(), Other(), objective='dense', dense_weighting=weighting)
    assert torch.allclose(other.loss(z, edge_index), expected, atol=1e-6)


def test_vgae_takes_dense_weighting_too():
    torch.manual_seed(0)
    edge_index, x = _graph(), torch.randn(25, 5)
    a = VGAE(VariationalGCNEncoder(5, 8, 4), objective='dense').eval()
    b = VGAE(
        VariationalGCNEncoder(5, 8, 4), objective='dense', dense_weighting='uniform'
    ).eval()
    b.load_state_dict(a.state_dict())
    za, zb = a.encode(x, edge_index), b.encode(x, edge_index)
    assert torch.equal(za, zb)
    assert not torch.allclose(a.loss(za, edge_index), b.loss(zb, edge_index))


@pytest.mark.parametrize('bad', ['Uniform', 'none', None, 1])
def test_bad_weighting_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="'dense_weighting' must be one of"):
        GAE(Identity(), dense_weighting=bad)
    with pytest.raises(ValueError, match="'weighting' must be one of"):
        dense_targets(PATH, 4, bad)
