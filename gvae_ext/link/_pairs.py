r"""Pair encoding and exact sampling of distinct non-edges (private helpers).

Node pairs are encoded as ``int64`` ids in one contiguous *pair space* per
graph (a "group"), and the groups' spaces are laid end to end:

* ``'bipartite'``: ``(i, j)`` with ``i < num_src``, ``j < num_dst`` maps to
  ``i * num_dst + j`` (space size ``num_src * num_dst``).
* ``'directed'``: ordered pairs without self-loops; ``(i, j)`` maps to
  ``i * (n - 1) + j - [j > i]`` (space size ``n * (n - 1)``).
* ``'undirected'``: unordered pairs without self-loops, in a circulant
  layout: ``{i, (i + d) mod n}`` with ``1 <= d <= n // 2`` maps to
  ``(d - 1) * n + i`` (for even ``n`` and ``d = n / 2`` only ``i < n / 2``),
  a bijection onto ``[0, n * (n - 1) / 2)`` that needs no square roots.

With the sorted ids of the blocked pairs (the edges) ``b_0 < b_1 < ...``,
``g_t = b_t - t`` counts the free ids below ``b_t``, so the ``f``-th free id
is ``f + #{t : g_t <= f}`` (one :func:`torch.searchsorted`). Sampling
non-edges therefore reduces to sampling *free indices* uniformly, with no
rejection against the edges at all.
"""

from typing import Optional

import torch
from torch import Tensor

# Groups whose free space is at most ``3 * count + DENSE_SLACK`` are
# enumerated instead of sampled by drawing candidates.
DENSE_SLACK = 64
_RANGE = 2**62
MAX_SPACE = 2**62


def space_size(kind: str, n_src: Tensor, n_dst: Tensor) -> Tensor:
    r"""Number of candidate pairs of each group."""
    if kind == 'bipartite':
        return n_src * n_dst
    if kind == 'directed':
        return n_src * (n_src - 1)
    return n_src * (n_src - 1) // 2


def encode(kind: str, row: Tensor, col: Tensor, n_src, n_dst) -> Tensor:
    r"""Local pair ids of local ``(row, col)`` (no self-loops unless bipartite)."""
    if kind == 'bipartite':
        return row * n_dst + col
    n = n_src
    if kind == 'directed':
        return row * (n - 1) + (col - 1) + (col <= row)
    diff = col - row
    diff = diff + n * (diff < 0)  # (col - row) mod n, without a division
    flip = (2 * diff > n) | ((2 * diff == n) & (row > col))
    start = torch.where(flip, col, row)
    step = torch.where(flip, n - diff, diff)
    return (step - 1) * n + start


def decode(kind: str, ids: Tensor, n_src, n_dst) -> tuple[Tensor, Tensor]:
    r"""Inverse of :func:`encode`; undirected pairs come back as ``(min, max)``."""
    if kind == 'bipartite':
        return ids // n_dst, ids % n_dst
    n = n_src
    if kind == 'directed':
        row = ids // (n - 1)
        col = ids % (n - 1)
        return row, col + (col >= row)
    start = ids % n
    end = torch.remainder(start + ids // n + 1, n)
    return torch.minimum(start, end), torch.maximum(start, end)


def exclusive_cumsum(value: Tensor) -> Tensor:
    return torch.cumsum(value, 0) - value


def check_space(total: int, name: str, num_nodes) -> None:
    if total >= MAX_SPACE:
        raise ValueError(
            f"'{name}' is too large: the pair space must stay below 2**62 "
            f'(got num_nodes={num_nodes})'
        )


def blocked_ids(
    kind: str,
    row: Tensor,
    col: Tensor,
    group: Optional[Tensor],
    n_src: Tensor,
    n_dst: Tensor,
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Sort the edges' global pair ids.

    ``row``/``col`` are local node indices and ``group`` the group of each
    edge (``None`` for a single group). Self-loops are skipped for the
    non-bipartite kinds: they are not part of those pair spaces.

    Returns:
        ``(blocked, free, space_offset)``: the sorted unique global ids of the
        edges, the number of free pairs of each group and the first global id
        of each group.
    """
    size = space_size(kind, n_src, n_dst)
    space_offset = exclusive_cumsum(size)
    loops = row == col
    if kind != 'bipartite' and bool(loops.any()):
        keep = ~loops
        row, col = row[keep], col[keep]
        group = None if group is None else group[keep]
    if group is None:
        ids = encode(kind, row, col, n_src[0], n_dst[0])
    else:
        ids = encode(kind, row, col, n_src[group], n_dst[group])
        ids = ids + space_offset[group]
    blocked = unique(ids)
    if size.numel() == 1:
        count = size.new_full((1,), blocked.numel())
    else:
        owner = torch.searchsorted(space_offset + size, blocked, right=True)
        count = torch.bincount(owner, minlength=size.numel())
    return blocked, size - count, space_offset


def unique(ids: Tensor) -> Tensor:
    r"""Sorted unique values.

    Skips the sort for already sorted input (e.g. the pair ids of a coalesced
    ``edge_index``).
    """
    if ids.numel() > 1 and bool((ids[1:] >= ids[:-1]).all()):
        return torch.unique_consecutive(ids)
    return torch.unique(ids)


def merge_disjoint(left: Tensor, right: Tensor) -> Tensor:
    r"""Sorted union of a sorted tensor and a disjoint unsorted one.

    Costs one sort of ``right`` only, not of the union.
    """
    right = torch.sort(right).values
    slot = torch.searchsorted(left, right) + torch.arange(
        right.numel(), device=right.device
    )
    out = left.new_empty(left.numel() + right.numel())
    rest = torch.ones(out.numel(), dtype=torch.bool, device=out.device)
    rest[slot] = False
    out[slot] = right
    out[rest] = left
    return out


def uniform_below(bound: Tensor, generator: Optional[torch.Generator]) -> Tensor:
    r"""One exactly uniform integer in ``[0, bound[t])`` for every ``t``.

    Draws from ``[0, 2**62)`` and rejects the top ``2**62 mod bound`` values
    (probability below ``bound / 2**62``) so that no residue is favoured.
    """
    draw = torch.randint(
        0, _RANGE, bound.shape, generator=generator, device=bound.device
    )
    out = draw % bound
    bad = draw >= (_RANGE // bound) * bound
    if bool(bad.any()):
        bad = bad.nonzero().view(-1)
        out[bad] = uniform_below(bound[bad], generator)
    return out


def free_to_id(index: Tensor, blocked: Tensor) -> Tensor:
    r"""Map global free indices to global pair ids (the rank trick above)."""
    gaps = blocked - torch.arange(blocked.numel(), device=blocked.device)
    return index + torch.searchsorted(gaps, index, right=True)


def _dense_candidates(free: Tensor, free_offset: Tensor, groups: Tensor) -> Tensor:
    sizes = free[groups]
    total = int(sizes.sum())
    starts = torch.repeat_interleave(
        free_offset[groups] - exclusive_cumsum(sizes), sizes, output_size=total
    )
    return torch.arange(total, device=free.device) + starts


def _draw_candidates(
    free: Tensor,
    free_offset: Tensor,
    have: Tensor,
    need: Tensor,
    generator: Optional[torch.Generator],
) -> Tensor:
    # Expected number of new distinct values after n draws is about
    # (free - have) * (1 - exp(-n / free)); solve for `need` and add slack.
    groups = (need > 0).nonzero().view(-1)
    space = free[groups].double()
    share = need[groups].double() / (space - have[groups].double())
    draws = (-1.02 * space * torch.log1p(-share)).ceil().long() + 32
    total = int(draws.sum())
    if free.numel() == 1:  # one group: no per-draw bounds to gather
        return uniform_below(free.expand(total), generator)
    owner = torch.repeat_interleave(groups, draws, output_size=total)
    return uniform_below(free[owner], generator) + free_offset[owner]


def sample_free(
    blocked: Tensor,
    free: Tensor,
    count: Tensor,
    generator: Optional[torch.Generator],
) -> tuple[Tensor, Tensor]:
    r"""Draw ``count[g]`` distinct free pairs of every group ``g``.

    Each group's pairs are a uniformly random subset of its free pairs, in
    uniformly random order; the groups follow each other in order. The caller
    must have checked ``count <= free``.

    Returns:
        ``(ids, group)``: the global pair ids and the group of each.
    """
    device = free.device
    free_offset = exclusive_cumsum(free)
    free_end = free_offset + free
    num_groups = free.numel()
    wanted = count > 0
    dense = wanted & (free <= 3 * count + DENSE_SLACK)
    values = _dense_candidates(free, free_offset, dense.nonzero().view(-1))
    have = torch.where(dense, free, 0)
    sparse = wanted & ~dense
    owner = None  # the group of every value, once known
    while True:
        need = torch.where(sparse, (count - have).clamp(min=0), 0)
        if not bool((need > 0).any()):
            break
        extra = _draw_candidates(free, free_offset, have, need, generator)
        values = torch.unique(torch.cat([values, extra]) if values.numel() else extra)
        if num_groups == 1:
            have = free.new_full((1,), values.numel())
        else:
            owner = torch.searchsorted(free_end, values, right=True)
            have = torch.bincount(owner, minlength=num_groups)

    # Map while the indices are sorted (cache friendly), then pick a random
    # subset of each group in random order.
    ids = free_to_id(values, blocked)
    perm = torch.randperm(ids.numel(), generator=generator, device=device)
    if num_groups == 1:
        keep = perm[: int(count[0])]
        return ids[keep], free.new_zeros(1).expand(keep.numel())
    if owner is None:
        owner = torch.searchsorted(free_end, values, right=True)
    owner, order = torch.sort(owner[perm], stable=True)
    perm = perm[order]
    rank = torch.arange(perm.numel(), device=device) - exclusive_cumsum(have)[owner]
    keep = rank < count[owner]
    return ids[perm[keep]], owner[keep]


def source_blocks(
    row: Tensor, col: Tensor, num_nodes: int, self_loops: bool
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""The blocked targets of every source node that occurs in ``row``.

    Pair ``(i, k)`` has id ``i * num_nodes + k``; without ``self_loops`` the
    pair ``(i, i)`` of every occurring source is blocked too. Memory is
    :math:`O(E)`: nodes that are no source are never touched.

    Returns:
        ``(blocked, sources, free, before)``: the sorted unique blocked ids,
        the sorted occurring sources, their numbers of free targets and the
        number of blocked ids below ``source * num_nodes``.
    """
    ids = row * num_nodes + col
    if not self_loops:
        ids = torch.cat([ids, torch.unique(row) * (num_nodes + 1)])
    blocked = unique(ids)
    sources, count = torch.unique_consecutive(
        torch.div(blocked, num_nodes, rounding_mode='floor'), return_counts=True
    )
    return blocked, sources, num_nodes - count, exclusive_cumsum(count)
