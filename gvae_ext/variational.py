r"""Variational building blocks shared by :class:`~gvae_ext.VGAE` and
:class:`~gvae_ext.DenseVAE`.

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


def reparameterize(
    mu: Tensor,
    logstd: Tensor,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Draw :math:`\mathbf{z} = \mu + \exp(\mathrm{logstd}) \odot \epsilon`.

    Args:
        mu (torch.Tensor): Means, any shape.
        logstd (torch.Tensor): :math:`\log \sigma`, same shape as ``mu``.
        generator (torch.Generator, optional): Source of :math:`\epsilon`; it
            must live on ``mu``'s device. (default: :obj:`None`)
    """
    _check_pair(mu, logstd)
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + eps * clamp_logstd(logstd).exp()


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
    logstd = clamp_logstd(logstd)
    per_row = -0.5 * torch.sum(1 + 2 * logstd - mu**2 - logstd.exp() ** 2, dim=-1)
    if reduction == 'mean':
        return per_row.mean()
    if reduction == 'sum':
        return per_row.sum()
    return per_row


def log_normal(z: Tensor, mu: Tensor, logstd: Tensor) -> Tensor:
    r"""Log density of ``z`` under :math:`\mathcal{N}(\mu, \sigma^2)`, summed
    over the last dimension."""
    logstd = clamp_logstd(logstd)
    return -0.5 * torch.sum(
        _LOG_2PI + 2 * logstd + ((z - mu) * torch.exp(-logstd)) ** 2, dim=-1
    )


def log_standard_normal(z: Tensor) -> Tensor:
    r"""Log density of ``z`` under :math:`\mathcal{N}(0, I)`, summed over the
    last dimension."""
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
