r"""How one process takes part in training.

:class:`Replica` is the single-process case; :mod:`gvae_ext.train.distributed` subclasses it for the
ranks of a ``torchrun`` job. :func:`evaluate` scores held-out pairs.
"""

from typing import List

import torch
from torch import Tensor

from gvae_ext._checks import all_finite
from gvae_ext.nn import GAE, VGAE, GCNEncoder, VariationalGCNEncoder
from gvae_ext.train.config import FitConfig


def embedding(model, x, edge_index, embed_only: bool = False) -> Tensor:
    r"""The eval-mode embedding ``model.encode(x, edge_index)`` (``mu`` for a VGAE).

    With ``embed_only`` and a plain :class:`~gvae_ext.nn.GAE` / :class:`~gvae_ext.nn.VGAE`
    around one of the package's GCN encoders (exact classes, no hooks), only the
    encoder's first head is computed (:meth:`~gvae_ext.nn.GCNEncoder.embed`): the
    same values up to float rounding, without the VGAE's ``logstd`` head, and
    without updating the stored ``model.mu`` / ``model.logstd``.
    """
    encoder = getattr(model, 'encoder', None)
    plain = (
        embed_only
        and type(model) in (GAE, VGAE)
        and type(encoder) in (GCNEncoder, VariationalGCNEncoder)
        and not (encoder._forward_hooks or encoder._forward_pre_hooks)
    )
    return encoder.embed(x, edge_index) if plain else model.encode(x, edge_index)


@torch.no_grad()
def evaluate(model, x, edge_index, pos: Tensor, neg: Tensor, *, embed_only=False):
    r"""Score the pairs ``pos`` / ``neg`` with ``model``.

    The deterministic embedding is used (``mu`` for a VGAE; :func:`embedding`,
    which ``embed_only`` passes on to: ``fit`` sets it for its per-epoch
    validation pass).

    Returns:
        ``(auc, ap, z)``.
    """
    model.eval()
    z = embedding(model, x, edge_index, embed_only)
    check_finite(z)
    auc, ap = model.test(z, pos, neg)
    return auc, ap, z


class NonFiniteError(ValueError):
    r"""The embeddings are no longer finite (a diverging run)."""


def check_finite(z: Tensor) -> None:
    r"""Raise :class:`NonFiniteError` unless every entry of ``z`` is finite."""
    if not all_finite(z):
        raise NonFiniteError('the embeddings contain inf or NaN')


class Replica:
    r"""How one process takes part in training.

    This base class is the single-process case (it does all the work); :mod:`gvae_ext.train.distributed`
    subclasses it for the ranks of a ``torchrun`` job.
    """

    rank = 0
    world_size = 1

    def device(self, config: 'FitConfig') -> torch.device:
        r"""The device this process trains on."""
        return torch.device(config.device)

    def setup(self, model: torch.nn.Module, train_pairs: Tensor, seed: int):
        r"""Return the pairs this process reconstructs and its loss weight."""
        return train_pairs, 1.0

    def shard(self, pairs: Tensor):
        r"""Return the part of ``pairs`` this process reconstructs and its weight.

        In one process: all of them, weight 1.
        """
        return pairs, 1.0

    def sync_gradients(self, params: List[torch.nn.Parameter]) -> None:
        r"""Make the gradients of ``params`` those of the whole objective."""

    def share_state(self, model: torch.nn.Module) -> None:
        r"""Make every rank hold rank 0's final weights.

        Needed after model selection, which only rank 0 tracks.
        """

    def mean_loss(self, loss: Tensor) -> float:
        r"""The loss of the whole objective, as a Python float."""
        return loss.detach().item()

    def evaluate(
        self, model, x, edge_index, pos: Tensor, neg: Tensor, *, embed_only=False
    ):
        r"""``(auc, ap, z)`` on ``pos`` / ``neg`` (called on every rank)."""
        return evaluate(model, x, edge_index, pos, neg, embed_only=embed_only)
