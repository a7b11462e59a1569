r"""Hard training negatives: two-hop non-edges (private to :mod:`gvae_ext.train`).

Uniform negatives rarely share a neighbour with the positive they stand
beside, so a model trained only on them learns little about the pairs that
HeaRT's evaluation ranks hardest (many common neighbours). With
``hard_negatives=s`` a share ``s`` of the training negatives is replaced by
two-hop pairs: for a positive :math:`(u, v)` a random walk
:math:`u \to x \to w` of the training graph gives :math:`(u, w)`, kept when
it is neither a training edge (in either direction) nor a self-loop, else
the uniform negative stays. Negatives are thus never training edges.
"""

import torch
from torch import Tensor

from gvae_ext.train._masking import csr_by_row, random_entry


class TwoHopNegatives:
    r"""Draws two-hop non-edges of a training graph.

    Args:
        edge_index (LongTensor): The training edges, both directions,
            :obj:`[2, E]`.
        num_nodes (int): The number of nodes.
    """

    def __init__(self, edge_index: Tensor, num_nodes: int):
        self.rowptr, order = csr_by_row(edge_index[0], num_nodes)
        self.col = edge_index[1][order]
        self.num_nodes = num_nodes
        self.edge_ids = torch.unique(edge_index[0] * num_nodes + edge_index[1])

    def _step(self, node: Tensor, generator) -> Tensor:
        pick, deg = random_entry(self.rowptr, node, generator)
        return torch.where(
            deg > 0, self.col[pick.clamp(max=self.col.numel() - 1)], node
        )

    def __call__(
        self, pos: Tensor, neg: Tensor, share: float, generator: torch.Generator
    ) -> Tensor:
        r"""Replace a share of :obj:`neg` by two-hop pairs of :obj:`pos`'s heads.

        Args:
            pos (LongTensor): The positives of the step, :obj:`[2, P]`.
            neg (LongTensor): Uniform negatives, :obj:`[2, P]`.
            share (float): The share of columns to replace, in ``[0, 1]``.
            generator (torch.Generator): Drives the choice and the walks.

        Returns:
            LongTensor: :obj:`[2, P]` negatives, none a training edge.
        """
        device = pos.device
        take = torch.rand(pos.size(1), generator=generator, device=device) < share
        heads = pos[0][take]
        tails = self._step(self._step(heads, generator), generator)
        ids = heads * self.num_nodes + tails
        at = torch.searchsorted(self.edge_ids, ids).clamp_(
            max=self.edge_ids.numel() - 1
        )
        ok = (self.edge_ids[at] != ids) & (heads != tails)
        out = neg.clone()
        cols = take.nonzero().view(-1)[ok]
        out[0, cols] = heads[ok]
        out[1, cols] = tails[ok]
        return out
