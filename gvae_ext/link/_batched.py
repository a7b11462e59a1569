r"""Negative sampling within each graph of a mini-batch (PyG's ``batched_negative_sampling``).

Public as :func:`gvae_ext.link.negative.batched_negative_sampling`.
"""

from typing import Optional, Union

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_generator, check_tensor
from gvae_ext.link import _negative_rules as rules
from gvae_ext.link import _pairs
from gvae_ext.link._negative_rules import Count, both_directions, resolve_count


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
    rules.check_method(method)
    bipartite = isinstance(batch, tuple)
    kind = rules.kind(bipartite, force_undirected)
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


__all__ = ['batched_negative_sampling']
