r"""Model selection by validation HeaRT MRR (private to :mod:`gvae_ext.train`).

``selection='val_mrr'`` keeps the epoch whose embedding ranks the validation
positives best against their own HeaRT hard negatives
(:func:`~gvae_ext.link.hard_negatives`, drawn once per run on the training
graph), as the HeaRT benchmark selects its models (Li et al., 2023). Each
validation positive gets :data:`VAL_NEGATIVES` negatives (fewer on a graph
too small for them), scored every epoch with the model's own decoder and
ranked by OGB's tie rule (:func:`~gvae_ext.link.mrr`).
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext.link import hard_negatives, heart_ranks, mrr
from gvae_ext.link._adjacency import least_room

# Negatives per validation positive: a fifth of HeaRT's 500 test negatives,
# so that ranking them every epoch costs a few milliseconds on Cora.
VAL_NEGATIVES = 100


def _fitting(num_neg: int, train: Tensor, pos: Tensor, num_nodes: int) -> int:
    # Each side of a positive needs num_neg / 2 nodes that are neither its
    # fixed end nor linked to it (training edges and validation positives).
    if pos.size(1) == 0:
        raise ValueError("selection 'val_mrr' needs validation edges (got none)")
    least, _ = least_room(num_nodes, pos, train)
    if least < 1:
        raise ValueError(
            "selection 'val_mrr' needs a non-neighbour for both ends of every "
            'validation edge, but one end is linked to every other node '
            f"(got a graph of {num_nodes} nodes); use selection='val_auc'"
        )
    return min(num_neg, 2 * least)


class HeartValidation:
    r"""The validation positives and their HeaRT negatives, and their MRR.

    Args:
        split (EdgeSplit): The run's split (training and validation edges).
        num_nodes (int): The number of nodes.
        x (torch.Tensor, optional): The features (the cosine heuristic).
        seed (int): Seeds the negatives' own generator.
        num_neg (int, optional): Negatives per positive.
            (default: :data:`VAL_NEGATIVES`)
    """

    def __init__(
        self,
        split,
        num_nodes: int,
        x: Optional[Tensor],
        seed: int,
        num_neg: int = VAL_NEGATIVES,
    ):
        train, pos = split.train_pos_edge_index, split.val_pos_edge_index
        self.num_neg = _fitting(num_neg, train, pos, num_nodes)
        gen = torch.Generator(device=pos.device).manual_seed(seed)
        neg = hard_negatives(
            train, pos, num_nodes, num_neg=self.num_neg, x=x, generator=gen
        )
        self.pos, self.neg = pos, neg.reshape(-1, 2).t()

    def _scores(self, model: torch.nn.Module, z: Tensor) -> tuple[Tensor, Tensor]:
        # The positives' scores [P] and their negatives' [P, num_neg].
        with torch.no_grad():
            pos = model.decoder(z, self.pos, sigmoid=False)
            neg = model.decoder(z, self.neg, sigmoid=False)
        return pos, neg.view(pos.numel(), -1)

    def __call__(self, model: torch.nn.Module, z: Tensor) -> float:
        r"""The MRR of the validation positives under :obj:`model`'s decoder on :obj:`z`."""
        return float(mrr(*self._scores(model, z)))

    def reciprocal_ranks(self, model: torch.nn.Module, z: Tensor) -> Tensor:
        r"""Each validation positive's reciprocal rank among its negatives (their mean is the MRR)."""
        return heart_ranks(*self._scores(model, z)).reciprocal()
