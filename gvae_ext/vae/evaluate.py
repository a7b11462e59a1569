r"""Held-out evaluation of a :class:`~gvae_ext.vae.model.DenseVAE`.

The negative ELBO with its parts, and the importance-weighted log-likelihood.

Both run in evaluation mode under :func:`torch.no_grad` in row batches (so
memory stays that of one decoder pass per batch) and restore the model's mode.
"""

from typing import Dict, Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int
from gvae_ext.vae.model import DenseVAE


@torch.no_grad()
def evaluate_dense_vae(
    model: DenseVAE,
    x: Tensor,
    *,
    num_samples: int = 16,
    batch_size: int = 4096,
    generator: Optional[torch.Generator] = None,
) -> Dict[str, float]:
    r"""Mean negative ELBO and its parts over the rows of ``x``.

    In nats per sample, the reconstruction term averaged over ``num_samples``
    draws, in evaluation mode (the model's mode is restored afterwards).
    """
    x = model.check_input(x)
    if x.size(0) == 0:
        raise ValueError(
            "'x' must hold at least one sample to average over (got 0 rows)"
        )
    batch_size = check_positive_int(batch_size, 'batch_size')
    was_training = model.training
    model.eval()
    totals = torch.zeros(3, device=x.device)
    for start in range(0, x.size(0), batch_size):
        terms = model.loss(
            x[start : start + batch_size],
            num_samples=num_samples,
            generator=generator,
            validate_args=False,
        )
        totals += torch.stack([t.sum() for t in terms])
    model.train(was_training)
    nelbo, recon, kl = (totals / x.size(0)).tolist()
    return dict(nelbo=nelbo, recon=recon, kl=kl)


@torch.no_grad()
def iw_log_likelihood(
    model: DenseVAE,
    x: Tensor,
    k: int,
    *,
    batch_size: int = 1024,
    generator: Optional[torch.Generator] = None,
) -> float:
    r"""Mean importance-weighted estimate of :math:`\log p(\mathbf{x})` over the rows of ``x``.

    Each row uses ``k`` samples (see :meth:`DenseVAE.log_likelihood`).
    """
    model.check_input(x)
    batch_size = check_positive_int(batch_size, 'batch_size')
    was_training = model.training
    model.eval()
    total = torch.zeros((), device=x.device)
    for start in range(0, x.size(0), batch_size):
        xb = x[start : start + batch_size]
        total += model.log_likelihood(xb, k, generator, validate_args=False).sum()
    model.train(was_training)
    return float(total) / max(x.size(0), 1)


__all__ = ['evaluate_dense_vae', 'iw_log_likelihood']
