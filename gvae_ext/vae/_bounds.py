r"""The objectives of :class:`~gvae_ext.vae.model.DenseVAE` (private).

:class:`DenseVAEObjectives` holds the reconstruction and KL terms, the sampled
negative ELBO, the importance-weighted bound on :math:`\log p(\mathbf{x})` and
the anomaly score. It is a mixin: it owns no parameters and relies on the
host's ``likelihood``, ``in_channels``, ``decoder``, ``decoder_logstd``,
``mu``/``logstd`` and its ``check_input``, ``encode_params``, ``encode`` and
``decode`` methods.
"""

import math
from typing import Iterator, NamedTuple, Optional

import torch
from torch import Tensor, nn

from gvae_ext._checks import check_generator, check_positive_int
from gvae_ext.variational import (
    bernoulli_nll,
    gaussian_nll,
    kl_normal,
    log_normal,
    log_standard_normal,
    reparameterize,
)

_CHUNK = 2**21  # values per batched decoder pass over many latent draws


class ELBOTerms(NamedTuple):
    r"""Per-sample negative ELBO ``nelbo = recon + kl`` (each of shape ``[N]``)."""

    nelbo: Tensor
    recon: Tensor
    kl: Tensor


class DenseVAEObjectives:
    r"""The loss and scoring methods of :class:`~gvae_ext.vae.model.DenseVAE`.

    A mixin; see the module docstring for what the host provides.
    """

    likelihood: str
    in_channels: int
    decoder: nn.Module
    decoder_logstd: Tensor
    mu: Optional[Tensor]
    logstd: Optional[Tensor]

    def _nll(self, x: Tensor, out: Tensor) -> Tensor:
        if self.likelihood == 'bernoulli':
            return bernoulli_nll(out, x)
        return gaussian_nll(out, self.decoder_logstd, x)

    def _draws(self, mu, logstd, num_samples: int, generator) -> Iterator[Tensor]:
        # Latent draws in chunks [c, N, D] with c * N * in_channels <= _CHUNK:
        # many samples cost a few large decoder passes and bounded memory.
        n, d = mu.shape
        step = max(1, min(num_samples, _CHUNK // max(1, n * self.in_channels)))
        for start in range(0, num_samples, step):
            c = min(step, num_samples - start)
            yield reparameterize(mu.expand(c, n, d), logstd.expand(c, n, d), generator)

    def _sampled_nll(self, x: Tensor, z: Tensor) -> Tensor:
        # -log p(x|z) for draws z [c, N, D] -> [c, N].
        c, n, d = z.shape
        target = x.expand(c, *x.shape).reshape(c * n, x.size(-1))
        return self._nll(target, self.decoder(z.reshape(c * n, d))).view(c, n)

    def recon_loss(
        self,
        x: Tensor,
        z: Optional[Tensor] = None,
        *,
        reduction: str = 'mean',
        generator: Optional[torch.Generator] = None,
    ) -> Tensor:
        r""":math:`-\log p(\mathbf{x}|\mathbf{z})` summed over features, averaged over samples.

        ``reduction='mean'``) or per sample (``'none'``); with ``z=None``, ``x``
        is encoded by :meth:`encode` (noise from ``generator``.
        """
        if reduction not in ('mean', 'none'):
            raise ValueError(
                f"'reduction' must be 'mean' or 'none' (got {reduction!r})"
            )
        if z is None:
            z = self.encode(x, generator)
        else:
            x = self.check_input(x)
            if isinstance(z, Tensor) and z.dim() >= 1 and z.size(0) != x.size(0):
                raise ValueError(
                    f"'z' must have one row per sample of 'x' ({x.size(0)}) "
                    f'(got {z.size(0)} rows)'
                )
        nll = self._nll(x, self.decode(z))
        return nll.mean() if reduction == 'mean' else nll

    def kl_loss(
        self,
        mu: Optional[Tensor] = None,
        logstd: Optional[Tensor] = None,
        reduction: str = 'mean',
    ) -> Tensor:
        r"""Closed-form KL to :math:`\mathcal{N}(0, I)` per sample (summed over latent dimensions).

        Without arguments it uses the values stored by the last :meth:`encode`.
        ``reduction`` as in :func:`~gvae_ext.variational.kl_normal`.
        """
        mu = self.mu if mu is None else mu
        logstd = self.logstd if logstd is None else logstd
        if mu is None or logstd is None:
            raise ValueError(
                "'mu' and 'logstd' must be passed or 'encode' called first (got None)"
            )
        return kl_normal(mu, logstd, reduction)

    def loss(
        self,
        x: Tensor,
        *,
        num_samples: int = 1,
        generator: Optional[torch.Generator] = None,
        validate_args: bool = True,
    ) -> ELBOTerms:
        r"""Per-sample negative ELBO and its parts.

        Always sampled whatever the mode, ``recon`` averaged over
        ``num_samples`` latent draws.
        """
        num_samples = check_positive_int(num_samples, 'num_samples')
        generator = check_generator(generator)
        mu, logstd = self.encode_params(x, validate_args)
        draws = self._draws(mu, logstd, num_samples, generator)
        recon = sum(self._sampled_nll(x, z).sum(0) for z in draws) / num_samples
        kl = kl_normal(mu, logstd, reduction='none')
        return ELBOTerms(recon + kl, recon, kl)

    def elbo(
        self,
        x: Tensor,
        *,
        num_samples: int = 1,
        generator: Optional[torch.Generator] = None,
    ) -> Tensor:
        r"""The evidence lower bound per sample (the negative of :meth:`loss`'s ``nelbo``).

        Args:
            x (torch.Tensor): The samples, :obj:`[N, in_channels]`.
            num_samples (int, optional): Latent draws averaged in the
                reconstruction term. (default: :obj:`1`)
            generator (torch.Generator, optional): Drives the draws.

        Returns:
            torch.Tensor: :obj:`[N]`, :math:`\mathbb{E}_q[\log p(x|z)] -
            \mathrm{KL}(q(z|x) \| p(z))`, at most :math:`\log p(x)`.
        """
        return -self.loss(x, num_samples=num_samples, generator=generator).nelbo

    def log_likelihood(
        self,
        x: Tensor,
        k: int = 100,
        generator: Optional[torch.Generator] = None,
        validate_args: bool = True,
    ) -> Tensor:
        r"""Importance-weighted estimate of :math:`\log p(\mathbf{x})` per sample (`Burda et al.

        <https://arxiv.org/abs/1509.00519>`_) with ``k`` draws
        :math:`\mathbf{z}_i \sim q(\mathbf{z}|\mathbf{x})`:

        .. math::
            \log \frac{1}{k} \sum_{i=1}^{k}
            \frac{p(\mathbf{x}|\mathbf{z}_i)\, p(\mathbf{z}_i)}
            {q(\mathbf{z}_i|\mathbf{x})}

        ``k=1`` is an unbiased draw of the ELBO; the bound tightens as ``k``
        grows.
        """
        k = check_positive_int(k, 'k')
        generator = check_generator(generator)
        mu, logstd = self.encode_params(x, validate_args)
        log_w = [
            log_standard_normal(z) - log_normal(z, mu, logstd) - self._sampled_nll(x, z)
            for z in self._draws(mu, logstd, k, generator)
        ]
        return torch.logsumexp(torch.cat(log_w), dim=0) - math.log(k)

    def anomaly_score(
        self,
        x: Tensor,
        num_samples: int = 0,
        generator: Optional[torch.Generator] = None,
    ) -> Tensor:
        r"""Per-sample negative ELBO as an anomaly score (higher = more anomalous).

        With ``num_samples=0`` the reconstruction term is taken at
        :math:`\mathbf{z} = \mu`: deterministic, so the ranking carries no
        Monte-Carlo noise. ``num_samples > 0`` averages that many sampled
        reconstructions (the unbiased estimate, as in :meth:`loss`).
        """
        num_samples = check_positive_int(num_samples, 'num_samples', allow_zero=True)
        if num_samples > 0:
            return self.loss(x, num_samples=num_samples, generator=generator).nelbo
        mu, logstd = self.encode_params(x)
        return self._nll(x, self.decoder(mu)) + kl_normal(mu, logstd, reduction='none')


__all__ = ['DenseVAEObjectives', 'ELBOTerms']
