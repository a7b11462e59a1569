r"""Exact, seeded negative samplers (drop-in for :mod:`torch_geometric.utils`).

The signatures are PyG's. Unlike PyG's samplers these return *exactly* the
requested number of distinct negative pairs (or raise :class:`ValueError`
when that many do not exist), validate node indices, use only the torch RNG
(an optional :class:`torch.Generator` makes them reproducible) and keep every
tensor on its device. Both :obj:`method` values are exact (the choice is
accepted for compatibility). Memory is :math:`O(E + \text{samples})`: no
:math:`N \times N` or even :math:`O(N)` tensor is ever built.
"""

import math
import warnings
from numbers import Integral
from typing import Optional, Union

import torch
from torch import Tensor

from gvae_ext._checks import (
    check_edge_index,
    check_generator,
    check_positive_int,
    check_tensor,
)
from gvae_ext.link import _pairs
from gvae_ext.link._structured import (
    structured_negative_sampling,
    structured_negative_sampling_feasible,
)
from gvae_ext.typing import NumNodes

METHODS = ('sparse', 'dense')
Count = Union[int, float, None]


def _check_method(method) -> None:
    if method not in METHODS:
        raise ValueError(f"'method' must be 'sparse' or 'dense' (got {method!r})")


def resolve_count(num_neg_samples: Count, num_edges: int) -> int:
    r"""PyG's count rule.

    :obj:`None` is :obj:`num_edges`, a float :math:`r` is :math:`\lfloor r \cdot
    \text{num\_edges} \rfloor`, an int is a count.
    """
    if num_neg_samples is None:
        return num_edges
    if isinstance(num_neg_samples, float):
        if not (math.isfinite(num_neg_samples) and num_neg_samples >= 0):
            raise ValueError(
                "'num_neg_samples' must be a non-negative integer or ratio "
                f'(got {num_neg_samples})'
            )
        return int(num_neg_samples * num_edges)
    if isinstance(num_neg_samples, Integral):
        return check_positive_int(num_neg_samples, 'num_neg_samples', allow_zero=True)
    raise ValueError(
        "'num_neg_samples' must be a non-negative integer or ratio "
        f'(got {num_neg_samples!r})'
    )


def _num_columns(edge_index: Tensor) -> int:
    return edge_index.size(1) if edge_index.dim() == 2 else 0


def _kind(bipartite: bool, force_undirected: bool) -> str:
    if bipartite:
        if force_undirected:
            warnings.warn(
                "'force_undirected' is ignored for bipartite graphs (as in PyG)",
                stacklevel=3,
            )
        return 'bipartite'
    return 'undirected' if force_undirected else 'directed'


def both_directions(pairs: Tensor) -> Tensor:
    r"""PyG's undirected output: the pairs, then the same pairs reversed."""
    return torch.cat([pairs, pairs.flip(0)], dim=1)


def negative_pairs(
    edge_index: Tensor,
    num_nodes: NumNodes,
    count: int,
    force_undirected: bool = False,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Exactly :obj:`count` distinct non-edges.

    Each unordered pair *once* as :obj:`(min, max)` with :obj:`force_undirected`
    (the form of :func:`negative_sampling` before it returned both directions).
    """
    bipartite = isinstance(num_nodes, (tuple, list))
    num_nodes = check_edge_index(edge_index, num_nodes)
    kind = _kind(bipartite, force_undirected)
    check_generator(generator, device=edge_index.device)
    count = check_positive_int(count, 'num_neg_samples', allow_zero=True)
    n_src, n_dst = num_nodes if bipartite else (num_nodes, num_nodes)
    device = edge_index.device
    if count == 0:
        return torch.empty(2, 0, dtype=torch.long, device=device)
    sizes = torch.tensor([n_src, n_dst], device=device)
    _pairs.check_space(n_src * n_dst, 'num_nodes', num_nodes)
    row, col = edge_index.long()
    blocked, free, _ = _pairs.blocked_ids(kind, row, col, None, sizes[:1], sizes[1:])
    if count > int(free[0]):
        raise ValueError(
            f"'num_neg_samples' asks for more negative pairs than the "
            f'{int(free[0])} non-edges of the graph (got {count})'
        )
    ids, _ = _pairs.sample_free(blocked, free, free.new_full((1,), count), generator)
    return torch.stack(_pairs.decode(kind, ids, n_src, n_dst), dim=0)


def negative_sampling(
    edge_index: Tensor,
    num_nodes: NumNodes = None,
    num_neg_samples: Count = None,
    method: str = 'sparse',
    force_undirected: bool = False,
    *,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Samples exactly :obj:`num_neg_samples` distinct random non-edges.

    Every pair of the result is drawn uniformly from the node pairs that are
    not edges of :obj:`edge_index`, without self-loops and without
    repetition; the columns come in random order, so any prefix is again a
    uniform sample.

    With :obj:`force_undirected=True` the output follows PyG:
    :obj:`num_neg_samples // 2` unordered pairs that are edges in neither
    direction, returned in both directions (the pairs as :obj:`(min, max)`,
    then the same pairs reversed), so :obj:`2 * (num_neg_samples // 2)`
    columns. Differences to :func:`torch_geometric.utils.negative_sampling`:
    the count is exact (PyG may return fewer) and an impossible request
    raises.

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`.
        num_nodes (int or Tuple[int, int], optional): The number of nodes, or
            :obj:`(num_src, num_dst)` for a bipartite graph, whose pairs may
            then include :obj:`(i, i)`. (default: :obj:`edge_index.max() + 1`)
        num_neg_samples (int or float, optional): The number of columns to
            return; a float :math:`r` asks for
            :math:`\lfloor r \cdot \text{num\_edges} \rfloor`.
            (default: :obj:`num_edges`)
        method (str, optional): :obj:`'sparse'` or :obj:`'dense'`; both
            sample exactly in :math:`O(E + \text{samples})` memory.
            (default: :obj:`'sparse'`)
        force_undirected (bool, optional): Sample unordered pairs and return
            both directions; ignored (with a warning) for bipartite graphs.
            (default: :obj:`False`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    Returns:
        LongTensor: The negatives, shape :obj:`[2, num_neg_samples]` (with
        :obj:`force_undirected`: :obj:`[2, 2 * (num_neg_samples // 2)]`).

    Raises:
        ValueError: For malformed input, or when fewer non-edges exist than
            requested.

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 2], [1, 2, 2, 0]])
        >>> g = torch.Generator().manual_seed(0)
        >>> negative_sampling(edge_index, 4, generator=g).size()
        torch.Size([2, 4])
    """
    _check_method(method)
    check_tensor(edge_index, 'edge_index')
    count = resolve_count(num_neg_samples, _num_columns(edge_index))
    undirected = force_undirected and not isinstance(num_nodes, (tuple, list))
    if undirected:
        count //= 2
    out = negative_pairs(edge_index, num_nodes, count, force_undirected, generator)
    return both_directions(out) if undirected else out


def batched_negative_sampling(
    edge_index: Tensor,
    batch: Union[Tensor, tuple[Tensor, Tensor]],
    num_neg_samples: Count = None,
    method: str = 'sparse',
    force_undirected: bool = False,
    *,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Samples negative pairs within each graph of a mini-batch.

    Applies :func:`negative_sampling` to every graph of a
    :class:`torch_geometric.data.Batch` at once, with the same guarantees
    and count rules *per graph*; negatives never join two graphs. The result
    lists the negatives of graph 0, then those of graph 1, and so on (random
    order within each graph; with :obj:`force_undirected`, each graph's
    pairs and then the same pairs reversed).

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`; no
            edge may join two graphs.
        batch (LongTensor or Tuple[LongTensor, LongTensor]): The sorted graph
            assignment of every node, or of the source and the target nodes
            of a bipartite batch.
        num_neg_samples (int or float, optional): The number of columns *per
            graph*; a float :math:`r` asks for
            :math:`\lfloor r \cdot E_g \rfloor` in a graph with :math:`E_g`
            edges. (default: :math:`E_g`)
        method (str, optional): As in :func:`negative_sampling`.
            (default: :obj:`'sparse'`)
        force_undirected (bool, optional): As in :func:`negative_sampling`.
            (default: :obj:`False`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    Returns:
        LongTensor: The negatives, shape :obj:`[2, sum of per-graph counts]`.

    Raises:
        ValueError: For malformed input, or when a graph has fewer non-edges
            than requested.

    Examples:
        >>> edge_index = torch.tensor([[0, 1, 3, 4], [1, 2, 4, 5]])
        >>> batch = torch.tensor([0, 0, 0, 1, 1, 1])
        >>> batched_negative_sampling(edge_index, batch).size()
        torch.Size([2, 4])
    """
    _check_method(method)
    bipartite = isinstance(batch, tuple)
    kind = _kind(bipartite, force_undirected)
    batches = tuple(batch) if bipartite else (batch, batch)
    if len(batches) != 2:
        raise ValueError(
            f"'batch' must be a tensor or a pair of tensors (got {batch!r})"
        )
    for vector in batches:
        _check_batch(vector)
    src_batch, dst_batch = batches
    sizes = (src_batch.numel(), dst_batch.numel())
    check_edge_index(edge_index, sizes if bipartite else sizes[0])
    check_generator(generator, device=edge_index.device)
    num_graphs = max(int(v.max()) + 1 for v in batches)
    n_src = torch.bincount(src_batch.long(), minlength=num_graphs)
    n_dst = torch.bincount(dst_batch.long(), minlength=num_graphs)
    row, col = edge_index.long()
    group = src_batch[row].long()
    if not bool((group == dst_batch[col]).all()):
        raise ValueError(
            "'edge_index' must not contain edges between different graphs "
            "of 'batch' (got at least one)"
        )
    count = _per_graph_count(num_neg_samples, group, num_graphs)
    if kind == 'undirected':
        count = count // 2
    if int(count.sum()) == 0:
        return edge_index.new_empty(2, 0, dtype=torch.long)
    # The graphs' pair spaces together are at most num_src * num_dst ids.
    _pairs.check_space(sizes[0] * sizes[1], 'batch', sizes)
    src_off = _pairs.exclusive_cumsum(n_src)
    dst_off = _pairs.exclusive_cumsum(n_dst)
    blocked, free, offset = _pairs.blocked_ids(
        kind, row - src_off[group], col - dst_off[group], group, n_src, n_dst
    )
    short = count > free
    if bool(short.any()):
        bad = int(short.nonzero()[0])
        raise ValueError(
            f"'num_neg_samples' asks for {int(count[bad])} negative pairs in "
            f'graph {bad}, which has only {int(free[bad])} non-edges '
            f'(got {num_neg_samples})'
        )
    ids, group = _pairs.sample_free(blocked, free, count, generator)
    row, col = _pairs.decode(kind, ids - offset[group], n_src[group], n_dst[group])
    out = torch.stack([row + src_off[group], col + dst_off[group]], dim=0)
    if kind != 'undirected':
        return out
    # Per graph: its pairs, then the same pairs reversed (PyG's layout).
    order = torch.argsort(torch.cat([group, group]), stable=True)
    return both_directions(out)[:, order]


def _per_graph_count(num_neg_samples: Count, group: Tensor, num_graphs: int) -> Tensor:
    num_edges = torch.bincount(group, minlength=num_graphs)
    if num_neg_samples is None:
        return num_edges
    if isinstance(num_neg_samples, float):
        resolve_count(num_neg_samples, 0)  # validates the ratio
        return (num_edges.double() * num_neg_samples).long()
    return num_edges.new_full((num_graphs,), resolve_count(num_neg_samples, 0))


def _check_batch(batch) -> None:
    check_tensor(batch, 'batch')
    if batch.dim() != 1 or batch.dtype.is_floating_point or batch.dtype == torch.bool:
        raise ValueError(
            f"'batch' must be a 1-D integer tensor (got shape {tuple(batch.shape)} "
            f'and dtype {batch.dtype})'
        )
    if batch.numel() == 0:
        raise ValueError("'batch' must assign at least one node (got 0 nodes)")
    if int(batch.min()) < 0:
        raise ValueError(f"'batch' must be non-negative (got {int(batch.min())})")
    if not bool((batch[1:] >= batch[:-1]).all()):
        raise ValueError("'batch' must be sorted in ascending order (got unsorted)")


__all__ = [
    'negative_sampling',
    'batched_negative_sampling',
    'structured_negative_sampling',
    'structured_negative_sampling_feasible',
]
