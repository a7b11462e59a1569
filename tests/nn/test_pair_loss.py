"""The ranking loss of the sampled objective (pair_loss='bpr')."""

# ruff: noqa: D103 -- test functions are named for what they check.

import math

import pytest
import torch
import torch.nn.functional as F

from gvae_ext.nn import GAE, VGAE, GCNEncoder, VariationalGCNEncoder
from gvae_ext.nn.objectives import (
    PAIR_LOSSES,
    check_pair_loss,
    ranking_recon_loss,
    sampled_objective,
)


def _softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_ranking_loss_by_hand():
    pos = torch.tensor([2.0, -1.0])
    neg = torch.tensor([0.5, 1.0])
    # negative j against positive j: log(1 + e^(0.5 - 2)), log(1 + e^(1 + 1))
    expected = (_softplus(-1.5) + _softplus(2.0)) / 2
    assert ranking_recon_loss(pos, neg).item() == pytest.approx(expected, rel=1e-6)
    # two negatives per positive: negative j against positive j mod 2
    neg4 = torch.tensor([0.5, 1.0, 3.0, -2.0])
    expected4 = (
        _softplus(-1.5) + _softplus(2.0) + _softplus(1.0) + _softplus(-1.0)
    ) / 4
    assert ranking_recon_loss(pos, neg4).item() == pytest.approx(expected4, rel=1e-6)


def test_ranking_loss_sees_only_differences_unlike_the_cross_entropy():
    g = torch.Generator().manual_seed(0)
    pos, neg = torch.randn(50, generator=g), torch.randn(100, generator=g)
    shifted = ranking_recon_loss(pos + 3.0, neg + 3.0)
    assert shifted.item() == pytest.approx(
        ranking_recon_loss(pos, neg).item(), rel=1e-6
    )
    bce = -F.logsigmoid(pos).mean() - F.logsigmoid(-neg).mean()
    bce_shifted = -F.logsigmoid(pos + 3).mean() - F.logsigmoid(-neg - 3).mean()
    assert bce_shifted.item() != pytest.approx(bce.item(), rel=1e-3)
    # ranked right by a wide margin: near zero; ranked wrong: large
    assert ranking_recon_loss(torch.full((4,), 20.0), torch.zeros(4)).item() < 1e-8
    assert ranking_recon_loss(torch.zeros(4), torch.full((4,), 20.0)).item() > 19.9


@pytest.mark.parametrize(
    'pos, neg, message',
    [
        (torch.zeros(3), torch.zeros(4), 'got 4 negatives for 3 positives'),
        (torch.zeros(0), torch.zeros(0), 'got 0 negatives for 0 positives'),
        (torch.zeros(3), torch.zeros(0), 'got 0 negatives for 3 positives'),
        (
            torch.zeros(2, 2),
            torch.zeros(4),
            r'must be 1-D \(got shapes \(2, 2\) and \(4,\)\)',
        ),
    ],
)
def test_ranking_loss_refuses_unpaired_logits(pos, neg, message):
    with pytest.raises(ValueError, match=message):
        ranking_recon_loss(pos, neg)


def _pairs():
    g = torch.Generator().manual_seed(1)
    z = torch.randn(12, 4, generator=g, requires_grad=True)
    pos = torch.tensor([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    neg = torch.randint(0, 12, (2, 10), generator=g)
    return z, pos, neg


def test_gae_recon_loss_with_bpr_is_the_ranking_loss_of_the_decoder_logits():
    z, pos, neg = _pairs()
    model = GAE(GCNEncoder(3, 8, 4), pair_loss='bpr')
    assert model.pair_loss == 'bpr'
    loss = model.recon_loss(z, pos, neg)
    pos_logit = (z[pos[0]] * z[pos[1]]).sum(-1)
    neg_logit = (z[neg[0]] * z[neg[1]]).sum(-1)
    expected = F.softplus(neg_logit - pos_logit.repeat(2)).mean()
    assert torch.allclose(loss, expected)
    (grad,) = torch.autograd.grad(loss, z)
    (want,) = torch.autograd.grad(expected, z)
    assert torch.allclose(grad, want)
    # the default keeps the cross-entropy, and the two differ
    bce = GAE(GCNEncoder(3, 8, 4)).recon_loss(z, pos, neg)
    assert bce.item() != pytest.approx(loss.item(), rel=1e-3)
    assert torch.allclose(bce, sampled_objective(model.decoder, z, pos, neg))


def test_vgae_takes_the_pair_loss_and_draws_aligned_negatives():
    z, pos, _ = _pairs()
    model = VGAE(VariationalGCNEncoder(3, 8, 4), pair_loss='bpr')
    model.generator = torch.Generator().manual_seed(0)
    loss = model.recon_loss(z, pos)  # as many negatives as positives, drawn
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert (
        model.state_dict().keys()
        == VGAE(VariationalGCNEncoder(3, 8, 4)).state_dict().keys()
    )


def test_bad_pair_losses_are_refused_by_name():
    assert PAIR_LOSSES == ('bce', 'bpr') and check_pair_loss('bpr') == 'bpr'
    with pytest.raises(
        ValueError, match=r"'pair_loss' must be one of \('bce', 'bpr'\) \(got 'auc'\)"
    ):
        GAE(GCNEncoder(3, 8, 4), pair_loss='auc')
    with pytest.raises(ValueError, match="'pair_loss' must be one of"):
        sampled_objective(
            torch.nn.Identity(), torch.zeros(2, 2), None, None, pair_loss=None
        )
    z, pos, neg = _pairs()
    model = GAE(GCNEncoder(3, 8, 4), pair_loss='bpr')
    with pytest.raises(
        ValueError,
        match="'neg_edge_index' must hold a multiple .*got 7 negatives for 5",
    ):
        model.recon_loss(z, pos, neg[:, :7])
    # the cross-entropy takes any number of negatives
    assert torch.isfinite(GAE(GCNEncoder(3, 8, 4)).recon_loss(z, pos, neg[:, :7]))
