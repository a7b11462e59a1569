r"""Ensembles of graph autoencoders that are again one autoencoder.

:math:`K` encoders trained independently give embeddings
:math:`Z_1, \dots, Z_K`. Their concatenation scaled by :math:`K^{-1/2}`,

.. math::
    Z = K^{-1/2} \, [Z_1 \,\|\, \dots \,\|\, Z_K], \qquad
    \mathbf{z}_i^\top \mathbf{z}_j = \frac{1}{K} \sum_k
    \mathbf{z}_{k,i}^\top \mathbf{z}_{k,j},

is one embedding whose inner product is the **mean of the members' logits**:
the ensemble is an ordinary (V)GAE with the inner-product decoder, and its
embeddings, scores and checkpoints work as a single model's do. For a VGAE the
means are concatenated the same way and every :math:`\log\sigma` is shifted by
:math:`-\tfrac12 \log K`, so :math:`z = \mu + \sigma \epsilon` keeps the same
scaling. With learned decoders (:class:`~gvae_ext.nn.MLPDecoder`),
:class:`EnsembleDecoder` averages the members' logits, each on its own block
of :math:`Z`.
"""

import math
from typing import Sequence

import torch
from torch import Tensor

from gvae_ext.nn.decoders import check_embedding


class _Members(torch.nn.Module):
    r"""Holds the member modules (``members``); resets and prints them."""

    def __init__(self, modules: Sequence[torch.nn.Module], name: str):
        super().__init__()
        modules = list(modules)
        if len(modules) < 1 or not all(isinstance(m, torch.nn.Module) for m in modules):
            raise ValueError(
                f"'{name}' must be a non-empty sequence of torch.nn.Module "
                f'(got {[type(m).__name__ for m in modules]})'
            )
        self.members = torch.nn.ModuleList(modules)

    def reset_parameters(self) -> None:
        r"""Reset every member."""
        for member in self.members:
            member.reset_parameters()

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({len(self.members)} x {self.members[0]})'


def _kind(out) -> str:
    if isinstance(out, Tensor) and out.dim() == 2:
        return 'tensor'
    if (
        isinstance(out, (tuple, list))
        and len(out) == 2
        and all(isinstance(t, Tensor) and t.dim() == 2 for t in out)
    ):
        return 'pair'
    return 'other'


class EnsembleEncoder(_Members):
    r"""The scaled concatenation of several encoders' embeddings.

    Args:
        encoders (sequence of torch.nn.Module): The members, each returning
            :obj:`[num_nodes, d_k]` embeddings, or :obj:`(mu, logstd)` for a
            VGAE (all members alike).
    """

    def __init__(self, encoders: Sequence[torch.nn.Module]):
        super().__init__(encoders, 'encoders')

    def forward(self, *args, **kwargs):
        r"""Run every member on the same inputs and concatenate (see the module)."""
        outs = [member(*args, **kwargs) for member in self.members]
        scale = len(outs) ** -0.5
        kinds = [_kind(out) for out in outs]
        if len(set(kinds)) != 1 or kinds[0] == 'other':
            raise ValueError(
                "'encoders' must all return a [num_nodes, d] tensor or all a "
                f'(mu, logstd) pair (got {kinds})'
            )
        if kinds[0] == 'pair':
            mu = torch.cat([out[0] for out in outs], dim=1) * scale
            logstd = torch.cat([out[1] for out in outs], dim=1) + math.log(scale)
            return mu, logstd
        return torch.cat(outs, dim=1) * scale


class EnsembleDecoder(_Members):
    r"""The mean of several learned decoders' logits, each on its block of :math:`Z`.

    Args:
        decoders (sequence of torch.nn.Module): The members, each with
            ``forward(z, edge_index, sigmoid)`` and ``forward_all(z, sigmoid)``
            and an ``in_channels`` attribute (as
            :class:`~gvae_ext.nn.MLPDecoder`), in the order and with the
            widths of the encoder's members: member :math:`k` scores the
            :math:`k`-th block of :math:`Z`.
    """

    def __init__(self, decoders: Sequence[torch.nn.Module]):
        super().__init__(decoders, 'decoders')
        sizes = [getattr(member, 'in_channels', None) for member in self.members]
        if not all(isinstance(n, int) and n > 0 for n in sizes):
            raise ValueError(
                "'decoders' must each have a positive int 'in_channels', the width "
                f'of its block of z (got {sizes})'
            )
        self.sizes = sizes

    def _blocks(self, z: Tensor):
        check_embedding(z)
        if z.size(1) != sum(self.sizes):
            raise ValueError(
                f"'z' must have {sum(self.sizes)} columns, one block per member "
                f'(got {z.size(1)})'
            )
        scale = len(self.members) ** 0.5  # undo EnsembleEncoder's scaling
        return [block * scale for block in z.split(self.sizes, dim=1)]

    def _mean(self, score, z: Tensor, sigmoid: bool) -> Tensor:
        # score(member, block) -> that member's logits on its block of z
        logits = [score(m, block) for m, block in zip(self.members, self._blocks(z))]
        out = torch.stack(logits).mean(0)
        return torch.sigmoid(out) if sigmoid else out

    def forward(self, z: Tensor, edge_index: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Score the pairs :obj:`edge_index` (see :class:`~gvae_ext.nn.MLPDecoder`)."""
        return self._mean(lambda m, b: m(b, edge_index, sigmoid=False), z, sigmoid)

    def forward_all(self, z: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Score all :math:`N^2` pairs."""
        return self._mean(lambda m, b: m.forward_all(b, sigmoid=False), z, sigmoid)


__all__ = ['EnsembleEncoder', 'EnsembleDecoder']
