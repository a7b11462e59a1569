r"""Edge and path masking of the training graph (private to :mod:`gvae_ext.train`).

Each epoch the encoder propagates over the training graph without the masked
pairs; the loss reconstructs either every training pair (``recon='all'``) or
only the masked ones (``recon='masked'``, MaskGAE's choice: the model must
predict edges it did not see).

* ``'edge'`` masking drops each undirected training pair independently with
  probability ``rate``;
* ``'path'`` masking (MaskGAE's path masking) starts a random walk of
  ``walk_length`` steps at each node with probability ``rate`` and masks the
  pairs the walks traverse, so masked edges form connected paths.
"""

from typing import Tuple

import torch
from torch import Tensor

from gvae_ext.sparse import crow_indices

MASK_KINDS = ('edge', 'path')
WALK_LENGTH = 3


def csr_by_row(row: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    r"""Return ``(rowptr, order)``: the CSR row pointer and the row sort.

    ``order`` is the permutation that sorts the entries by ``row``.
    """
    order = torch.argsort(row)
    return crow_indices(row[order], num_nodes), order


def random_entry(rowptr: Tensor, node: Tensor, generator) -> Tuple[Tensor, Tensor]:
    r"""One uniformly random CSR entry of each node's row.

    Returns ``(entry, deg)``; for a node without entries ``entry`` points at
    its row start and must be ignored (``deg == 0``).
    """
    start = rowptr[node]
    deg = rowptr[node + 1] - start
    u = torch.rand(node.numel(), generator=generator, device=node.device)
    return start + (u * deg).long().clamp_(max=(deg - 1).clamp(min=0)), deg


class EdgeMasker:
    r"""Draws an epoch's masked pairs and message-passing graph.

    Args:
        pairs (LongTensor): The undirected training pairs, one column each,
            :obj:`[2, P]`.
        num_nodes (int): The number of nodes.
        kind (str): :obj:`'edge'` or :obj:`'path'`.
        rate (float): The masking rate (the share of pairs for ``'edge'``,
            of walk roots for ``'path'``).
        walk_length (int, optional): Steps per walk of ``'path'`` masking.
            (default: :obj:`3`)
    """

    def __init__(
        self,
        pairs: Tensor,
        num_nodes: int,
        kind: str,
        rate: float,
        walk_length: int = WALK_LENGTH,
    ):
        if kind not in MASK_KINDS:
            raise ValueError(f"'mask_kind' must be one of {MASK_KINDS} (got {kind!r})")
        self.pairs, self.num_nodes, self.kind = pairs, num_nodes, kind
        self.rate, self.walk_length = float(rate), int(walk_length)
        if kind == 'path':
            # CSR of both directions; each entry remembers its pair's column.
            row = torch.cat([pairs[0], pairs[1]])
            col = torch.cat([pairs[1], pairs[0]])
            pair_id = torch.arange(pairs.size(1), device=pairs.device).repeat(2)
            self.rowptr, order = csr_by_row(row, num_nodes)
            self.col, self.pair_id = col[order], pair_id[order]

    def __call__(self, generator: torch.Generator) -> Tuple[Tensor, Tensor]:
        r"""Draw one epoch's mask.

        Args:
            generator (torch.Generator): Drives the draw.

        Returns:
            ``(graph, masked)``: the message-passing graph (both directions
            of the kept pairs) and the masked pairs (one column each).
        """
        device = self.pairs.device
        if self.kind == 'edge':
            draw = torch.rand(self.pairs.size(1), generator=generator, device=device)
            masked = draw < self.rate
        else:
            masked = self._walk_mask(generator)
        kept = self.pairs[:, ~masked]
        return torch.cat([kept, kept.flip(0)], dim=1), self.pairs[:, masked]

    def _walk_mask(self, generator: torch.Generator) -> Tensor:
        device = self.pairs.device
        draw = torch.rand(self.num_nodes, generator=generator, device=device)
        node = (draw < self.rate).nonzero().view(-1)
        masked = torch.zeros(self.pairs.size(1), dtype=torch.bool, device=device)
        for _ in range(self.walk_length):
            node = node[self.rowptr[node + 1] > self.rowptr[node]]
            if node.numel() == 0:
                break
            entry, _ = random_entry(self.rowptr, node, generator)
            masked[self.pair_id[entry]] = True
            node = self.col[entry]
        return masked
