r"""Structured negative sampling: one negative node :obj:`k` per edge :obj:`(i, j)`.

PyG's :func:`torch_geometric.utils.structured_negative_sampling`, exact and
seeded (private; re-exported by :mod:`gvae_ext.link.negative` and
:mod:`gvae_ext.link`).
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_generator, check_tensor
from gvae_ext.link import _pairs


def _structured(
    edge_index: Tensor, num_nodes, contains_neg_self_loops: bool
) -> tuple[int, Tensor, Tensor, Optional[tuple[Tensor, ...]]]:
    if isinstance(num_nodes, (tuple, list)):
        raise ValueError(
            f"'num_nodes' must be an int for structured negative sampling "
            f'(got {num_nodes!r})'
        )
    num_nodes = check_edge_index(edge_index, num_nodes)
    row, col = edge_index.long()
    if row.numel() == 0:
        return num_nodes, row, col, None
    _pairs.check_space(num_nodes * num_nodes, 'num_nodes', num_nodes)
    blocks = _pairs.source_blocks(row, col, num_nodes, contains_neg_self_loops)
    return num_nodes, row, col, blocks


def structured_negative_sampling_feasible(
    edge_index: Tensor,
    num_nodes: Optional[int] = None,
    contains_neg_self_loops: bool = True,
) -> bool:
    r"""Returns :obj:`True` if :func:`structured_negative_sampling` can succeed.

    That is, no source node of :obj:`edge_index` is linked to every allowed target
    (repeated edges count once). Memory is :math:`O(E)`.

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`edge_index.max() + 1`)
        contains_neg_self_loops (bool, optional): Whether :obj:`k = i` is an
            allowed target. (default: :obj:`True`)

    Returns:
        bool: Whether a negative exists for every edge.

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 1, 2, 2], [1, 2, 0, 2, 0, 1]])
        >>> structured_negative_sampling_feasible(edge_index, 3, False)
        False
        >>> structured_negative_sampling_feasible(edge_index, 3, True)
        True
    """
    _, _, _, blocks = _structured(edge_index, num_nodes, contains_neg_self_loops)
    return blocks is None or bool((blocks[2] > 0).all())


def structured_negative_sampling(
    edge_index: Tensor,
    num_nodes: Optional[int] = None,
    contains_neg_self_loops: bool = True,
    *,
    generator: Optional[torch.Generator] = None,
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Samples one negative node :obj:`k` per edge :obj:`(i, j)`.

    Each :obj:`k` is drawn uniformly (and independently per edge) from the
    nodes with :obj:`(i, k)` not an edge, exactly: the free targets of every
    source are indexed directly, so no resampling loop is needed. Memory is
    :math:`O(E)` whatever :obj:`num_nodes` is.

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`edge_index.max() + 1`)
        contains_neg_self_loops (bool, optional): Allow :obj:`k = i` unless
            :obj:`(i, i)` is an edge. (default: :obj:`True`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    Returns:
        (LongTensor, LongTensor, LongTensor): :obj:`(i, j, k)`, each of
        shape :obj:`[num_edges]`.

    Raises:
        ValueError: For malformed input, or when a source node is linked to
            every allowed target (see
            :func:`structured_negative_sampling_feasible`).

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 2], [1, 2, 2, 0]])
        >>> i, j, k = structured_negative_sampling(edge_index, 4, False)
        >>> k[:2]  # node 0 links to 1 and 2: only 3 is left
        tensor([3, 3])
    """
    check_tensor(edge_index, 'edge_index')
    check_generator(generator, device=edge_index.device)
    n, row, col, blocks = _structured(edge_index, num_nodes, contains_neg_self_loops)
    if blocks is None:
        return row, col, col.clone()
    blocked, sources, free, before = blocks
    pos = torch.searchsorted(sources, row)
    free_src = free[pos]
    if not bool((free_src > 0).all()):
        bad = int(row[free_src == 0][0])
        raise ValueError(
            f"'edge_index' has a source node linked to every candidate "
            f'negative node, so no negative can be sampled (got node {bad})'
        )
    # The global free index of target f of source i is i * n - before + f.
    index = row * n - before[pos] + _pairs.uniform_below(free_src, generator)
    # The rank lookup is far faster on sorted queries.
    index, order = torch.sort(index)
    k = torch.empty_like(index)
    k[order] = _pairs.free_to_id(index, blocked)
    return row, col, k - row * n


__all__ = ['structured_negative_sampling', 'structured_negative_sampling_feasible']
