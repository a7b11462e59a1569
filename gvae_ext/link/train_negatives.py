r"""I.i.d.

uniform negative pairs for training (:func:`fast_negative_sampling`, exported by
:mod:`gvae_ext.link`).

What to avoid is built once per :obj:`edge_index` tensor and cached, and
negatives are drawn by rejection: uniform candidates, of which the blocked
ones (the edges and the diagonal) are dropped. (Where fewer than
:obj:`DENSE_SHARE` of the pairs are free, the :math:`f`-th free pair id is
computed exactly instead, by the rank trick on the sorted blocked ids.) For graphs with at most
:obj:`BITMAP_MAX_PAIRS` ordered pairs the test is a packed bitmap of all
pairs. For larger ones it is a hashed bitmap (one bit per hash value of the
blocked pair ids, about :obj:`HASH_BITS_PER_ID` bits per id) that clears
almost every candidate in one lookup; the few it flags are checked exactly
against the sorted blocked ids, so no free pair is ever rejected.
"""

import math
from typing import Optional

import torch
from torch import Tensor

from gvae_ext._cache import TensorCache
from gvae_ext._checks import (
    check_edge_index,
    check_generator,
    check_positive_int,
    check_tensor,
)
from gvae_ext.link import _pairs

# Graphs with at most this many ordered pairs get a bitmap (2**28 bits: 32 MB,
# up to 16384 nodes).
BITMAP_MAX_PAIRS = 2**28
# Bits of the hashed bitmap per blocked pair id (about 1 / 32 of the free
# candidates need the exact check).
HASH_BITS_PER_ID = 32
# Below this share of free pairs the rank trick replaces rejection.
DENSE_SHARE = 0.25
_HASH_MULTIPLIER = -7046029254386353131  # 0x9E3779B97F4A7C15 as int64
_CACHE = TensorCache(maxsize=8)


def _hash(ids: Tensor, bits: int) -> Tensor:
    # Multiplicative (Fibonacci) hashing: the top `bits` bits of ids * odd
    # constant, wrapping; any deterministic map works, the check is exact.
    return ((ids * _HASH_MULTIPLIER) >> (64 - bits)) & ((1 << bits) - 1)


def _bit_set(bits: Tensor, pos: Tensor) -> Tensor:
    return ((bits.index_select(0, pos >> 3) >> (pos & 7).to(torch.uint8)) & 1) == 1


def _set_bits(size: int, pos: Tensor) -> Tensor:
    bits = torch.zeros((size + 7) // 8, dtype=torch.uint8, device=pos.device)
    # `pos` is unique, so adding the bits sets each exactly once.
    bits.index_put_((pos >> 3,), (1 << (pos & 7)).to(torch.uint8), accumulate=True)
    return bits


def _blocked(edge_index: Tensor, n: int, name: str):
    check_edge_index(edge_index, n, name=name)
    row, col = edge_index.long()
    keep = row != col
    row, col = row[keep], col[keep]
    # Off-diagonal pair (i, j) <-> its directed id in [0, n(n-1)).
    ids = torch.unique(_pairs.encode('directed', row, col, n, n))
    free = n * (n - 1) - ids.numel()
    if free < DENSE_SHARE * n * (n - 1):
        # Few free pairs: rejection would waste draws; the rank trick (the
        # f-th free id is f + #{t : ids_t - t <= f}) is exact at any density.
        return 'gaps', (ids - torch.arange(ids.numel(), device=ids.device),), free
    if n * n <= BITMAP_MAX_PAIRS:
        # The same distinct ids in the n * n space, plus the (disjoint) diagonal.
        row, col = _pairs.decode('directed', ids, n, n)
        nodes = torch.arange(n, device=ids.device)
        full = torch.cat([row * n + col, nodes * (n + 1)])
        return 'bitmap', (_set_bits(n * n, full),), free
    width = math.ceil(math.log2(max(ids.numel(), 1) * HASH_BITS_PER_ID))
    width = max(16, min(40, width))
    bits = _set_bits(1 << width, torch.unique(_hash(ids, width)))
    return 'hashed', (bits, width, ids), free


def _free(kind: str, parts, cand: Tensor) -> Tensor:
    r"""Which candidate ids are free (not blocked)."""
    if kind == 'bitmap':
        return ~_bit_set(parts[0], cand)
    bits, width, ids = parts
    free = ~_bit_set(bits, _hash(cand, width))
    flagged = (~free).nonzero().view(-1)
    if flagged.numel() and ids.numel():
        c = cand.index_select(0, flagged)
        at = torch.searchsorted(ids, c).clamp_(max=ids.numel() - 1)
        free.index_fill_(0, flagged[ids.index_select(0, at) != c], True)
    elif flagged.numel():
        free.fill_(True)
    return free


def _by_rejection(
    kind: str, parts, total: int, free: int, count: int, generator
) -> Tensor:
    # Uniform candidate ids in [0, total); keep the free ones, in draw order.
    share = free / total
    device = parts[0].device
    out, have = [], 0
    while have < count:
        draw = int((count - have) / share * 1.05) + 64
        cand = torch.randint(0, total, (draw,), generator=generator, device=device)
        cand = cand.masked_select(_free(kind, parts, cand))[: count - have]
        out.append(cand)
        have += cand.numel()
    return out[0] if len(out) == 1 else torch.cat(out)


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
    return sample_free_pairs(
        edge_index, num_nodes, num_neg_samples, generator, name='edge_index'
    )


def sample_free_pairs(
    edge_index: Tensor, num_nodes: int, num_neg_samples: int, generator, *, name: str
) -> Tensor:
    r"""Draw uniform non-edges as :func:`fast_negative_sampling` does.

    Its messages call :obj:`edge_index` :obj:`name` (``'pos_edge_index'`` for
    a model's loss).
    """
    check_tensor(edge_index, name)
    n = check_positive_int(num_nodes, 'num_nodes')
    num_neg_samples = check_positive_int(
        num_neg_samples, 'num_neg_samples', allow_zero=True
    )
    check_generator(generator, device=edge_index.device, of=repr(name))
    kind, blocked, free = _CACHE.get(
        edge_index, ('negative', n), lambda: _blocked(edge_index, n, name)
    )
    if num_neg_samples > 0 and free <= 0:
        raise ValueError(
            f"'{name}' leaves no non-edge to sample as a negative "
            f'(got a complete graph on {n} nodes)'
        )
    device = blocked[0].device
    if num_neg_samples == 0:
        return torch.empty(2, 0, dtype=torch.long, device=device)
    if kind == 'bitmap':
        ids = _by_rejection(kind, blocked, n * n, free, num_neg_samples, generator)
        return torch.stack([ids.div(n, rounding_mode='floor'), ids.remainder(n)])
    if kind == 'hashed':
        total = n * (n - 1)
        ids = _by_rejection(kind, blocked, total, free, num_neg_samples, generator)
    else:
        ids = torch.randint(
            0, free, (num_neg_samples,), generator=generator, device=device
        )
        ids += torch.searchsorted(blocked[0], ids, right=True)
    return torch.stack(_pairs.decode('directed', ids, n, n))


__all__ = [
    'BITMAP_MAX_PAIRS',
    'DENSE_SHARE',
    'HASH_BITS_PER_ID',
    'fast_negative_sampling',
]
