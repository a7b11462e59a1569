r"""Exact, seeded negative samplers (drop-in for :mod:`torch_geometric.utils`).

Unlike PyG's samplers these return *exactly* the requested number of
distinct negative pairs (or raise :class:`ValueError` when that many do not
exist), validate node indices, use only the torch RNG (an optional
:class:`torch.Generator` makes them reproducible) and keep every tensor on
its device. Memory is :math:`O(E + \text{samples})` (plus :math:`O(N)` for
:func:`structured_negative_sampling`); no :math:`N \times N` tensor is ever
built.
"""

from typing import Optional, Tuple, Union

import torch
from torch import Tensor

from gvae_ext._checks import (
    check_edge_index,
    check_generator,
    check_positive_int,
    check_tensor,
)
from gvae_ext.link import _pairs
from gvae_ext.typing import NumNodes


def _request(num_neg_samples, default: int) -> int:
    if num_neg_samples is None:
        return default
    return check_positive_int(num_neg_samples, 'num_neg_samples', allow_zero=True)


def _kind(bipartite: bool, force_undirected: bool) -> str:
    if bipartite:
        if force_undirected:
            raise ValueError(
                "'force_undirected' is not supported for bipartite graphs "
                "(got a (num_src, num_dst) pair as 'num_nodes')"
            )
        return 'bipartite'
    return 'undirected' if force_undirected else 'directed'


def negative_sampling(
    edge_index: Tensor,
    num_nodes: NumNodes = None,
    num_neg_samples: Optional[int] = None,
    *,
    force_undirected: bool = False,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Samples exactly :obj:`num_neg_samples` distinct random non-edges.

    Every pair of the result is drawn uniformly from the node pairs that are
    not edges of :obj:`edge_index`, without self-loops and without
    repetition; the columns come in random order, so any prefix is again a
    uniform sample.

    Differences to :func:`torch_geometric.utils.negative_sampling`: the count
    is exact (PyG may return fewer), an impossible request raises, and with
    :obj:`force_undirected=True` each unordered pair is returned *once* as
    :obj:`(min, max)` -- PyG returns both directions, i.e. two columns per
    pair -- and avoids edges in either direction.

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`.
        num_nodes (int or Tuple[int, int], optional): The number of nodes, or
            :obj:`(num_src, num_dst)` for a bipartite graph, whose pairs may
            then include :obj:`(i, i)`. (default: :obj:`edge_index.max() + 1`)
        num_neg_samples (int, optional): The number of pairs to return.
            (default: :obj:`edge_index.size(1)`)
        force_undirected (bool, optional): Sample unordered pairs that are
            not edges in either direction. (default: :obj:`False`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    Raises:
        ValueError: For malformed input, or when fewer than
            :obj:`num_neg_samples` non-edges exist.

    :rtype: LongTensor of shape :obj:`[2, num_neg_samples]`

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 2], [1, 2, 2, 0]])
        >>> g = torch.Generator().manual_seed(0)
        >>> negative_sampling(edge_index, 4, generator=g).size()
        torch.Size([2, 4])
    """
    bipartite = isinstance(num_nodes, (tuple, list))
    num_nodes = check_edge_index(edge_index, num_nodes)
    kind = _kind(bipartite, force_undirected)
    check_generator(generator, device=edge_index.device)
    count = _request(num_neg_samples, edge_index.size(1))
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


def structured_negative_sampling(
    edge_index: Tensor,
    num_nodes: Optional[int] = None,
    *,
    contains_neg_self_loops: bool = False,
    generator: Optional[torch.Generator] = None,
) -> Tuple[Tensor, Tensor, Tensor]:
    r"""Samples one negative node :obj:`k` per edge :obj:`(i, j)`.

    Each :obj:`k` is drawn uniformly (and independently per edge) from the
    nodes with :obj:`(i, k)` not an edge, exactly: the free targets of every
    source are indexed directly, so no resampling loop is needed.

    Unlike :func:`torch_geometric.utils.structured_negative_sampling`,
    :obj:`k = i` is excluded by default (PyG's default allows it).

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`edge_index.max() + 1`)
        contains_neg_self_loops (bool, optional): Allow :obj:`k = i` unless
            :obj:`(i, i)` is an edge. (default: :obj:`False`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    Raises:
        ValueError: For malformed input, or when a source node is linked to
            every allowed target.

    :rtype: (LongTensor, LongTensor, LongTensor), each of shape
        :obj:`[num_edges]`

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 2], [1, 2, 2, 0]])
        >>> i, j, k = structured_negative_sampling(edge_index, 4)
        >>> k[:2]  # node 0 links to 1 and 2: only 3 is left
        tensor([3, 3])
    """
    if isinstance(num_nodes, (tuple, list)):
        raise ValueError(
            f"'num_nodes' must be an int for structured negative sampling "
            f'(got {num_nodes!r})'
        )
    num_nodes = check_edge_index(edge_index, num_nodes)
    check_generator(generator, device=edge_index.device)
    row, col = edge_index.long()
    if row.numel() == 0:
        return row, col, col.clone()
    _pairs.check_space(num_nodes * num_nodes, 'num_nodes', num_nodes)
    # Pair (i, k) has id i * N + k: one block of N candidate targets per source.
    nodes = torch.arange(num_nodes, device=row.device)
    ids = row * num_nodes + col
    if not contains_neg_self_loops:
        ids = torch.cat([ids, nodes * (num_nodes + 1)])
    blocked = torch.unique(ids)
    free = num_nodes - torch.bincount(blocked // num_nodes, minlength=num_nodes)
    free_src = free[row]
    if not bool((free_src > 0).all()):
        bad = int(row[free_src == 0][0])
        raise ValueError(
            f"'edge_index' has a source node linked to every candidate "
            f'negative node, so no negative can be sampled (got node {bad})'
        )
    index = _pairs.exclusive_cumsum(free)[row]
    index = index + _pairs.uniform_below(free_src, generator)
    # The rank lookup is far faster on sorted queries.
    index, order = torch.sort(index)
    k = torch.empty_like(index)
    k[order] = _pairs.free_to_id(index, blocked)
    return row, col, k - row * num_nodes


def batched_negative_sampling(
    edge_index: Tensor,
    batch: Union[Tensor, Tuple[Tensor, Tensor]],
    num_neg_samples: Optional[int] = None,
    *,
    force_undirected: bool = False,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Samples negative pairs within each graph of a mini-batch.

    Applies :func:`negative_sampling` to every graph of a
    :class:`torch_geometric.data.Batch` at once, with the same guarantees;
    negatives never join two graphs. The result lists the negatives of graph
    0, then those of graph 1, and so on (random order within each graph).

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`; no
            edge may join two graphs.
        batch (LongTensor or Tuple[LongTensor, LongTensor]): The sorted graph
            assignment of every node, or of the source and the target nodes
            of a bipartite batch.
        num_neg_samples (int, optional): The number of pairs *per graph*.
            (default: the number of columns of :obj:`edge_index` in each graph)
        force_undirected (bool, optional): As in :func:`negative_sampling`.
            (default: :obj:`False`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    Raises:
        ValueError: For malformed input, or when a graph has fewer non-edges
            than requested.

    :rtype: LongTensor of shape :obj:`[2, sum of per-graph counts]`

    Examples:
        >>> edge_index = torch.tensor([[0, 1, 3, 4], [1, 2, 4, 5]])
        >>> batch = torch.tensor([0, 0, 0, 1, 1, 1])
        >>> batched_negative_sampling(edge_index, batch).size()
        torch.Size([2, 4])
    """
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
    if num_neg_samples is None:
        count = torch.bincount(group, minlength=num_graphs)
    else:
        count = n_src.new_full((num_graphs,), _request(num_neg_samples, 0))
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
    return torch.stack([row + src_off[group], col + dst_off[group]], dim=0)


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
