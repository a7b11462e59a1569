r"""A fully-connected variational autoencoder for images and tables.

Likelihoods of :class:`DenseVAE`:

* ``'bernoulli'``: the decoder returns logits; :math:`-\log p(\mathbf{x}|
  \mathbf{z})` is the binary cross-entropy with logits summed over features.
  Targets may be any value in ``[0, 1]`` (grey pixels, as in the original
  MNIST experiment).
* ``'gaussian'``: the decoder returns the mean; the standard deviation is one
  learned parameter per feature (``decoder_logstd``, initialised to
  :math:`\log 1 = 0`) so the term is a Gaussian log-density in nats, or fixed
  to ``exp(gaussian_logstd)`` when that is given (a scaled squared error).
"""

import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import Tensor, nn

from gvae_ext._checks import (
    check_generator,
    check_positive_int,
    check_samples,
    check_tensor,
)
from gvae_ext.vae._bounds import DenseVAEObjectives, ELBOTerms
from gvae_ext.variational import reparameterize

LIKELIHOODS = ('bernoulli', 'gaussian')


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mlp(sizes: Sequence[int], dropout: float, act_last: bool) -> nn.Sequential:
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if act_last or i < len(sizes) - 2:
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class DenseVAE(DenseVAEObjectives, nn.Module):
    r"""The fully-connected variational autoencoder of `"Auto-Encoding Variational Bayes" <https://arxiv.org/abs/1312.6114>`_.

    The encoder maps ``x`` through ReLU layers of sizes ``hidden_channels`` to
    two linear heads, :math:`\mu` and ``logstd`` :math:`= \log\sigma` (the log
    of the *standard deviation*); the decoder mirrors the hidden sizes back to
    ``in_channels``. The loss is the per-sample negative ELBO

    .. math::
        \mathbb{E}_{q(\mathbf{z}|\mathbf{x})}[-\log p(\mathbf{x}|\mathbf{z})]
        + \mathrm{KL}(q(\mathbf{z}|\mathbf{x}) \,\|\, \mathcal{N}(0, I))

    in nats, the KL in closed form and the expectation sampled. Method names
    follow PyG's :class:`~torch_geometric.nn.models.VGAE`: :meth:`encode`
    stores ``mu``/``logstd`` for an argument-free :meth:`kl_loss` and returns
    a sample in training mode, ``mu`` in evaluation mode; :meth:`forward` is
    :meth:`encode`. Data must be finite ``[N, in_channels]`` floats, in
    ``[0, 1]`` under the Bernoulli likelihood (else :class:`ValueError`).

    Args:
        in_channels (int, optional): Features per sample. (default: :obj:`784`)
        hidden_channels (int or Sequence[int], optional): Encoder hidden sizes;
            the decoder uses them in reverse. (default: :obj:`(128, 32)`)
        out_channels (int, optional): Latent size. (default: :obj:`20`)
        likelihood (str, optional): ``'bernoulli'`` or ``'gaussian'`` (see the
            module docstring). (default: :obj:`'bernoulli'`)
        gaussian_logstd (float, optional): Fixed decoder :math:`\log\sigma` for
            the Gaussian likelihood; :obj:`None` learns one per feature.
            (default: :obj:`None`)
        dropout (float, optional): Dropout after every hidden ReLU.
            (default: :obj:`0.0`)
    """

    def __init__(
        self,
        in_channels: int = 784,
        hidden_channels: Union[int, Sequence[int]] = (128, 32),
        out_channels: int = 20,
        likelihood: str = 'bernoulli',
        gaussian_logstd: Optional[float] = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.in_channels = check_positive_int(in_channels, 'in_channels')
        if isinstance(hidden_channels, int):
            hidden_channels = (hidden_channels,)
        if not isinstance(hidden_channels, (tuple, list)):
            raise ValueError(
                "'hidden_channels' must be an int or a sequence of ints "
                f'(got {hidden_channels!r})'
            )
        self.hidden_channels = tuple(
            check_positive_int(h, 'hidden_channels') for h in hidden_channels
        )
        self.out_channels = check_positive_int(out_channels, 'out_channels')
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"'likelihood' must be one of {LIKELIHOODS} (got {likelihood!r})"
            )
        if gaussian_logstd is not None and (
            not _is_number(gaussian_logstd) or not math.isfinite(gaussian_logstd)
        ):
            raise ValueError(
                "'gaussian_logstd' must be a finite float or None "
                f'(got {gaussian_logstd!r})'
            )
        if not _is_number(dropout) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"'dropout' must be a float in [0, 1) (got {dropout!r})")
        self.likelihood, self.dropout = likelihood, float(dropout)
        self.gaussian_logstd = gaussian_logstd

        sizes = (self.in_channels, *self.hidden_channels)
        self.encoder = _mlp(sizes, self.dropout, act_last=True)
        self.mu_head = nn.Linear(sizes[-1], self.out_channels)
        self.logstd_head = nn.Linear(sizes[-1], self.out_channels)
        self.decoder = _mlp((self.out_channels, *sizes[::-1]), self.dropout, False)
        if likelihood == 'gaussian' and gaussian_logstd is None:
            self.decoder_logstd = nn.Parameter(torch.zeros(self.in_channels))
        else:
            value = float(gaussian_logstd or 0.0)
            self.register_buffer('decoder_logstd', torch.full((in_channels,), value))
        self.mu: Optional[Tensor] = None
        self.logstd: Optional[Tensor] = None

    def reset_parameters(self) -> None:
        r"""Re-initialise every layer (and a learned decoder scale to 0)."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                module.reset_parameters()
        if isinstance(self.decoder_logstd, nn.Parameter):
            with torch.no_grad():
                self.decoder_logstd.zero_()

    @property
    def hparams(self) -> dict:
        r"""The constructor arguments: ``DenseVAE(**model.hparams)`` rebuilds it."""
        return dict(
            in_channels=self.in_channels,
            hidden_channels=list(self.hidden_channels),
            out_channels=self.out_channels,
            likelihood=self.likelihood,
            gaussian_logstd=self.gaussian_logstd,
            dropout=self.dropout,
        )

    def check_input(self, x, name: str = 'x') -> Tensor:
        r"""Validate ``x`` ``[N, in_channels]`` for this model.

        Checks the shape, a floating dtype, finite values and ``[0, 1]``
        under the Bernoulli likelihood, raising :class:`ValueError` naming
        ``name``; a floating dtype other than the model's is cast to it.

        Args:
            x (torch.Tensor): The samples ``[N, in_channels]``.
            name (str, optional): The name used in errors.
                (default: :obj:`'x'`)

        Returns:
            ``x`` in the model's dtype.
        """
        unit = self.likelihood == 'bernoulli'
        x = check_samples(x, self.in_channels, unit_interval=unit, name=name)
        dtype = next(self.parameters()).dtype
        # float64 (or half) data from numpy/pandas: compute in the model's dtype.
        return x if x.dtype == dtype else x.to(dtype)

    def encode_params(
        self, x: Tensor, validate_args: bool = True
    ) -> tuple[Tensor, Tensor]:
        r"""``(mu, logstd)`` of :math:`q(\mathbf{z}|\mathbf{x})`.

        ``validate_args= False`` skips the input checks (which sync with the
        host).
        """
        if validate_args:
            x = self.check_input(x)
        h = self.encoder(x)
        return self.mu_head(h), self.logstd_head(h)

    def reparametrize(
        self, mu: Tensor, logstd: Tensor, generator: Optional[torch.Generator] = None
    ) -> Tensor:
        r""":math:`\mu + \sigma\epsilon` in training mode, ``mu`` in evaluation mode (as PyG's VGAE)."""
        if not self.training:
            return mu
        return reparameterize(mu, logstd, check_generator(generator))

    reparameterize = reparametrize

    def encode(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        r"""Encode ``x`` ``[N, in_channels]`` to ``z`` ``[N, out_channels]``.

        Storing ``mu``/``logstd`` for :meth:`kl_loss`.
        """
        self.mu, self.logstd = self.encode_params(x)
        return self.reparametrize(self.mu, self.logstd, generator)

    def forward(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        r"""Same as :meth:`encode`."""
        return self.encode(x, generator)

    def decode(self, z: Tensor) -> Tensor:
        r"""Decoder output for ``z``: logits (Bernoulli) or the mean (Gaussian)."""
        check_tensor(z, 'z')
        if z.dim() != 2 or z.size(1) != self.out_channels:
            raise ValueError(
                f"'z' must have shape [N, {self.out_channels}] (got {tuple(z.shape)})"
            )
        if not z.is_floating_point():
            raise ValueError(f"'z' must be a floating-point tensor (got {z.dtype})")
        dtype = next(self.parameters()).dtype
        return self.decoder(z if z.dtype == dtype else z.to(dtype))

    def decode_mean(self, z: Tensor) -> Tensor:
        r"""The mean of :math:`p(\mathbf{x}|\mathbf{z})` in data space."""
        out = self.decode(z)
        return torch.sigmoid(out) if self.likelihood == 'bernoulli' else out

    @torch.no_grad()
    def sample(
        self,
        num_samples: int,
        generator: Optional[torch.Generator] = None,
        *,
        mean=True,
    ) -> Tensor:
        r"""Decode ``num_samples`` prior draws :math:`\mathbf{z} \sim \mathcal{N}(0, I)`.

        The decoder mean (``mean=True``) or a draw from
        :math:`p(\mathbf{x}|\mathbf{z})`.
        """
        num_samples = check_positive_int(num_samples, 'num_samples')
        generator = check_generator(generator)
        weight = self.mu_head.weight
        shape = (num_samples, self.out_channels)
        z = torch.randn(
            shape, generator=generator, device=weight.device, dtype=weight.dtype
        )
        out = self.decode_mean(z)
        if mean:
            return out
        if self.likelihood == 'bernoulli':
            return torch.bernoulli(out, generator=generator)
        noise = torch.randn(out.shape, generator=generator, device=out.device)
        return out + noise * self.decoder_logstd.exp()

    def reconstruct(self, x: Tensor) -> Tensor:
        r"""Decoder mean at :math:`\mathbf{z} = \mu(\mathbf{x})` (no sampling)."""
        return self.decode_mean(self.encode_params(x)[0])

    def __repr__(self) -> str:
        hidden = ', '.join(str(h) for h in self.hidden_channels)
        return (
            f'{self.__class__.__name__}({self.in_channels}, hidden=[{hidden}], '
            f'out_channels={self.out_channels}, likelihood={self.likelihood!r})'
        )


__all__ = ['DenseVAE', 'ELBOTerms', 'LIKELIHOODS']
