r"""The shared core of :func:`split_edges` and :class:`LinkSplit` (private helpers).

Used by :func:`~gvae_ext.link.split.split_edges` and
:class:`~gvae_ext.link.transform.LinkSplit`.

:func:`split_ids` validates the input, deduplicates the edges into sorted pair
ids (see :mod:`gvae_ext.link._pairs`), shuffles them and draws the held-out
negatives; the other helpers turn those ids back into ``[2, k]`` pairs.
"""

from typing import NamedTuple, Optional, Union

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_fraction_or_count, check_generator
from gvae_ext.link import _pairs

Count = Union[int, float]


class SplitIds(NamedTuple):
    kind: str
    num_nodes: int
    blocked: Tensor  # sorted pair ids of the edges
    perm: Tensor  # the shuffle: val, then test, then train
    neg: Tensor  # pair ids of the val negatives, then the test negatives
    num_val: int
    num_test: int
    num_neg_val: int
    num_neg_test: int


def split_ids(
    edge_index: Tensor,
    num_nodes: Optional[int],
    num_val: Count,
    num_test: Count,
    is_undirected: bool,
    generator: Optional[torch.Generator],
    neg_ratio: float = 1.0,
) -> SplitIds:
    if isinstance(num_nodes, (tuple, list)):
        raise ValueError(f"'num_nodes' must be an int (got {num_nodes!r})")
    num_nodes = check_edge_index(edge_index, num_nodes)
    check_generator(generator, device=edge_index.device)
    kind = 'undirected' if is_undirected else 'directed'
    _pairs.check_space(num_nodes * num_nodes, 'num_nodes', num_nodes)
    size = torch.tensor([num_nodes], device=edge_index.device)
    row, col = edge_index.long()
    blocked, free, _ = _pairs.blocked_ids(kind, row, col, None, size, size)
    num_edges = blocked.numel()
    n_val = check_fraction_or_count(num_val, 'num_val', total=num_edges)
    n_test = check_fraction_or_count(num_test, 'num_test', total=num_edges)
    num_train = num_edges - n_val - n_test
    if num_train <= 0:
        raise ValueError(
            f'Insufficient number of edges for training (num_train={num_train}): '
            f"'num_val' and 'num_test' hold out {n_val} + {n_test} of the "
            f'{num_edges} {"undirected " if is_undirected else ""}edges of '
            f"'edge_index' (got num_val={num_val}, num_test={num_test})"
        )
    n_neg_val, n_neg_test = int(n_val * neg_ratio), int(n_test * neg_ratio)
    if n_neg_val + n_neg_test > int(free[0]):
        raise ValueError(
            f"'num_val' and 'num_test' need {n_neg_val + n_neg_test} negative "
            f'pairs but the graph has only {int(free[0])} non-edges '
            f'(got num_val={num_val}, num_test={num_test})'
        )
    perm = torch.randperm(num_edges, generator=generator, device=blocked.device)
    neg, _ = _pairs.sample_free(
        blocked, free, free.new_full((1,), n_neg_val + n_neg_test), generator
    )
    return SplitIds(
        kind, num_nodes, blocked, perm, neg, n_val, n_test, n_neg_val, n_neg_test
    )


def positives(split: SplitIds, start: int, end: Optional[int] = None) -> Tensor:
    return pairs_of(split, split.blocked[split.perm[start:end]])


def pairs_of(split: SplitIds, ids: Tensor) -> Tensor:
    n = split.num_nodes
    return torch.stack(_pairs.decode(split.kind, ids, n, n), dim=0)


def both_ways(edge_index: Tensor, is_undirected: bool) -> Tensor:
    if not is_undirected:
        return edge_index
    return torch.cat([edge_index, edge_index.flip(0)], dim=1)


def first_columns(split: SplitIds, edge_index: Tensor) -> Tensor:
    r"""For every pair of :obj:`split.blocked`, the first column of :obj:`edge_index` that holds it.

    To carry per-edge labels over.
    """
    row, col = edge_index.long()
    keep = row != col  # self-loops are not pairs of the split
    column = torch.arange(row.numel(), device=row.device)[keep]
    n = split.num_nodes
    ids = _pairs.encode(split.kind, row[keep], col[keep], n, n)
    slot = torch.searchsorted(split.blocked, ids)
    first = torch.full_like(split.blocked, row.numel())
    return first.scatter_reduce_(0, slot, column, 'amin')
