r"""Variational building blocks shared by :class:`~gvae_ext.VGAE` and :class:`~gvae_ext.DenseVAE`.

Parameterisation: every encoder returns ``(mu, logstd)`` where
``logstd = log(sigma)`` -- the log of the *standard deviation*, not of the
variance -- so that

.. math::
    \sigma = \exp(\mathrm{logstd}), \qquad
    \mathbf{z} = \boldsymbol{\mu} + \sigma \odot \boldsymbol{\epsilon},
    \quad \boldsymbol{\epsilon} \sim \mathcal{N}(0, I).

``logstd`` is clamped to ``[-MAX_LOGSTD, MAX_LOGSTD]`` before it is
exponentiated (as PyG does), which bounds ``sigma`` without changing values
in the normal range.
"""

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

MAX_LOGSTD = 10.0
_LOG_2PI = math.log(2.0 * math.pi)

_REDUCTIONS = ('mean', 'sum', 'none')


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"'reduction' must be one of {_REDUCTIONS} (got {reduction!r})"
        )


def _check_pair(mu: Tensor, logstd: Tensor) -> None:
    if not isinstance(mu, Tensor) or not isinstance(logstd, Tensor):
        raise TypeError(
            "'mu' and 'logstd' must be tensors "
            f'(got {type(mu).__name__} and {type(logstd).__name__})'
        )
    if mu.shape != logstd.shape:
        raise ValueError(
            "'mu' and 'logstd' must have the same shape "
            f'(got {tuple(mu.shape)} and {tuple(logstd.shape)})'
        )


def clamp_logstd(logstd: Tensor) -> Tensor:
    r"""Clamp ``logstd`` to ``[-MAX_LOGSTD, MAX_LOGSTD]`` (out of place)."""
    return logstd.clamp(-MAX_LOGSTD, MAX_LOGSTD)


class _Reparameterize(torch.autograd.Function):
    r""":math:`\mu + \exp(\mathrm{clamp}(\mathrm{logstd}))\,\epsilon` in one node.

    The forward keeps :math:`\sigma\epsilon` (zeroed where the clamp is active) as
    the derivative with respect to :obj:`logstd`.
    """

    @staticmethod
    def forward(ctx, mu: Tensor, logstd: Tensor, eps: Tensor) -> Tensor:
        noise = clamp_logstd(logstd).exp_().mul_(eps)
        out = mu + noise
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(noise.masked_fill_(logstd.abs() > MAX_LOGSTD, 0.0))
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor):
        grad_logstd = grad * ctx.saved_tensors[0] if ctx.needs_input_grad[1] else None
        return grad, grad_logstd, None


def reparameterize(
    mu: Tensor,
    logstd: Tensor,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Draw :math:`\mathbf{z} = \mu + \exp(\mathrm{logstd}) \odot \epsilon`.

    The sample and its gradient are computed in one fused autograd node (not
    twice differentiable).

    Args:
        mu (torch.Tensor): Means, any shape.
        logstd (torch.Tensor): :math:`\log \sigma`, same shape as ``mu``.
        generator (torch.Generator, optional): Source of :math:`\epsilon`; it
            must live on ``mu``'s device. (default: :obj:`None`)
    """
    _check_pair(mu, logstd)
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return _Reparameterize.apply(mu, logstd, eps)


class _KLSum(torch.autograd.Function):
    r"""``scale`` times the KL summed over every element.

    With its gradient (:math:`\mu` and :math:`\sigma^2 - 1`, zero where the clamp is
    active) computed in the forward.
    """

    @staticmethod
    def forward(ctx, mu: Tensor, logstd: Tensor, scale: float) -> Tensor:
        logstd_c = clamp_logstd(logstd)
        var = logstd_c.mul(2.0).exp_()
        total = torch.addcmul(var, mu, mu).sub_(logstd_c, alpha=2.0).sub_(1.0).sum()
        if ctx.needs_input_grad[1]:
            var = var.sub_(1.0).masked_fill_(logstd.abs() > MAX_LOGSTD, 0.0)
        ctx.save_for_backward(mu, var)
        ctx.scale = scale
        return total.mul_(0.5 * scale)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor):
        mu, dvar = ctx.saved_tensors
        g = grad * ctx.scale
        grad_mu = mu * g if ctx.needs_input_grad[0] else None
        grad_logstd = dvar * g if ctx.needs_input_grad[1] else None
        return grad_mu, grad_logstd, None


def kl_normal(mu: Tensor, logstd: Tensor, reduction: str = 'mean') -> Tensor:
    r"""Closed-form :math:`\mathrm{KL}(\mathcal{N}(\mu, \sigma^2) \,\|\, \mathcal{N}(0, I))`.

    .. math::
        \mathrm{KL}_i = -\tfrac{1}{2} \sum_{d} \left(1 + 2\log\sigma_{id}
        - \mu_{id}^2 - \sigma_{id}^2\right)

    Args:
        mu (torch.Tensor): Means of shape ``[N, D]`` (or ``[D]``).
        logstd (torch.Tensor): :math:`\log\sigma`, same shape.
        reduction (str, optional): ``'mean'`` averages the per-row KL over rows
            (PyG's ``kl_loss``), ``'sum'`` sums it, ``'none'`` returns the
            ``[N]`` per-row values. (default: :obj:`'mean'`)
    """
    _check_pair(mu, logstd)
    _check_reduction(reduction)
    if reduction != 'none' and mu.dim() > 0:
        # One fused node for the scalar reductions (not twice differentiable).
        rows = math.prod(mu.shape[:-1])
        scale = 1.0 if reduction == 'sum' else (1.0 / rows if rows else math.nan)
        return _KLSum.apply(mu, logstd, scale)
    logstd = clamp_logstd(logstd)
    per_row = -0.5 * torch.sum(1 + 2 * logstd - mu**2 - logstd.exp() ** 2, dim=-1)
    if reduction == 'mean':
        return per_row.mean()
    if reduction == 'sum':
        return per_row.sum()
    return per_row


def log_normal(z: Tensor, mu: Tensor, logstd: Tensor) -> Tensor:
    r"""Log density of ``z`` under :math:`\mathcal{N}(\mu, \sigma^2)`, summed over the last dimension."""
    logstd = clamp_logstd(logstd)
    return -0.5 * torch.sum(
        _LOG_2PI + 2 * logstd + ((z - mu) * torch.exp(-logstd)) ** 2, dim=-1
    )


def log_standard_normal(z: Tensor) -> Tensor:
    r"""Log density of ``z`` under :math:`\mathcal{N}(0, I)`, summed over the last dimension."""
    return -0.5 * torch.sum(_LOG_2PI + z**2, dim=-1)


def bernoulli_nll(logits: Tensor, target: Tensor) -> Tensor:
    r"""Per-sample Bernoulli negative log-likelihood from logits.

    Computed with :func:`torch.nn.functional.binary_cross_entropy_with_logits`
    (stable, no epsilon) and summed over every dimension but the first.
    ``target`` may hold values in ``[0, 1]`` (continuous Bernoulli targets as
    in the original MNIST experiment).
    """
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction='none')
    return loss.flatten(1).sum(dim=1)


def gaussian_nll(mean: Tensor, logstd: Tensor, target: Tensor) -> Tensor:
    r"""Per-sample Gaussian negative log-likelihood (diagonal covariance).

    .. math::
        -\log p(x) = \tfrac{1}{2}\sum_j \left(\log 2\pi + 2\log\sigma_j
        + (x_j - m_j)^2 / \sigma_j^2\right)

    ``logstd`` broadcasts against ``mean`` (a learned per-feature scale or a
    per-sample one).
    """
    logstd = clamp_logstd(logstd).expand_as(mean)
    nll = 0.5 * (_LOG_2PI + 2 * logstd + ((target - mean) * torch.exp(-logstd)) ** 2)
    return nll.flatten(1).sum(dim=1)


__all__ = [
    'MAX_LOGSTD',
    'clamp_logstd',
    'reparameterize',
    'kl_normal',
    'log_normal',
    'log_standard_normal',
    'bernoulli_nll',
    'gaussian_nll',
]
