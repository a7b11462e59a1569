r"""I.i.d. uniform negative pairs for training (private; re-exported by
:mod:`gvae_ext.nn.objectives`).

What to avoid is built once per :obj:`edge_index` tensor and cached: for
graphs with at most :obj:`BITMAP_MAX_PAIRS` ordered pairs a packed bitmap of
the blocked pairs (the edges and the diagonal), sampled by rejection; for
larger ones the sorted ids of the edges, sampled exactly by the rank trick
(the :math:`f`-th free pair id is :math:`f + \#\{t : b_t - t \le f\}`).
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._cache import TensorCache
from gvae_ext._checks import check_edge_index

# Graphs with at most this many ordered pairs get a bitmap (2**28 bits: 32 MB,
# up to 16384 nodes).
BITMAP_MAX_PAIRS = 2**28
_CACHE = TensorCache(maxsize=8)


def _blocked(edge_index: Tensor, n: int):
    check_edge_index(edge_index, n, name='pos_edge_index')
    row, col = edge_index.long()
    keep = row != col
    row, col = row[keep], col[keep]
    if n * n <= BITMAP_MAX_PAIRS:
        nodes = torch.arange(n, device=row.device)
        ids = torch.unique(torch.cat([row * n + col, nodes * (n + 1)]))
        bits = torch.zeros((n * n + 7) // 8, dtype=torch.uint8, device=row.device)
        bits.index_put_((ids >> 3,), (1 << (ids & 7)).to(torch.uint8), accumulate=True)
        return 'bitmap', bits, n * (n - 1) - (ids.numel() - n)
    ids = torch.unique(row * (n - 1) + col - (col > row).long())
    # gaps[t] = number of free ids below the t-th blocked id
    gaps = ids - torch.arange(ids.numel(), device=ids.device)
    return 'gaps', gaps, n * (n - 1) - ids.numel()


def _by_rejection(bits: Tensor, n: int, free: int, count: int, generator) -> Tensor:
    # Uniform candidates over all n * n ordered pairs; keep the free ones.
    share = free / (n * n)
    out, have = [], 0
    while have < count:
        draw = int((count - have) / share * 1.05) + 64
        cand = torch.randint(0, n * n, (draw,), generator=generator, device=bits.device)
        bit = bits.index_select(0, cand >> 3) >> (cand & 7).to(torch.uint8)
        cand = cand.masked_select((bit & 1) == 0)[: count - have]
        out.append(cand)
        have += cand.numel()
    ids = out[0] if len(out) == 1 else torch.cat(out)
    return torch.stack([ids.div(n, rounding_mode='floor'), ids.remainder(n)])


def fast_negative_sampling(
    edge_index: Tensor,
    num_nodes: int,
    num_neg_samples: int,
    *,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Draw :obj:`num_neg_samples` i.i.d. uniform non-edges (training use).

    Each column is an ordered pair :obj:`(i, j)`, :obj:`i != j`, drawn
    exactly uniformly from the pairs that are not in :obj:`edge_index`, but
    *with replacement*: a pair may repeat (for distinct pairs use
    :func:`gvae_ext.link.negative.negative_sampling`). The blocked pairs are
    cached per :obj:`edge_index` tensor, so a later call costs a few vector
    operations on :obj:`num_neg_samples` elements.

    Args:
        edge_index (LongTensor): The edges to avoid, :obj:`[2, num_edges]`.
        num_nodes (int): The number of nodes.
        num_neg_samples (int): The number of pairs.
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    :rtype: LongTensor of shape :obj:`[2, num_neg_samples]`
    """
    n = num_nodes
    kind, blocked, free = _CACHE.get(
        edge_index, ('negative', n), lambda: _blocked(edge_index, n)
    )
    if num_neg_samples > 0 and free <= 0:
        raise ValueError(
            "'pos_edge_index' leaves no non-edge to sample as a negative "
            f'(got a complete graph on {n} nodes)'
        )
    if num_neg_samples == 0:
        return torch.empty(2, 0, dtype=torch.long, device=blocked.device)
    if kind == 'bitmap':
        return _by_rejection(blocked, n, free, num_neg_samples, generator)
    index = torch.randint(
        0, free, (num_neg_samples,), generator=generator, device=blocked.device
    )
    ids = index + torch.searchsorted(blocked, index, right=True)
    row, col = ids // (n - 1), ids % (n - 1)
    return torch.stack([row, col + (col >= row).long()])


__all__ = ['BITMAP_MAX_PAIRS', 'fast_negative_sampling']
