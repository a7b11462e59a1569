r"""Exact, seeded negative samplers (drop-in for :mod:`torch_geometric.utils`).

The signatures are PyG's. Unlike PyG's samplers these return *exactly* the
requested number of distinct negative pairs (or raise :class:`ValueError`
when that many do not exist), validate node indices, use only the torch RNG
(an optional :class:`torch.Generator` makes them reproducible) and keep every
tensor on its device. Both :obj:`method` values are exact (the choice is
accepted for compatibility). Memory is :math:`O(E + \text{samples})`: no
:math:`N \times N` or even :math:`O(N)` tensor is ever built.
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import (
    check_edge_index,
    check_generator,
    check_positive_int,
    check_tensor,
)
from gvae_ext.link import _negative_rules as rules
from gvae_ext.link import _pairs
from gvae_ext.link._batched import batched_negative_sampling
from gvae_ext.link._negative_rules import METHODS as METHODS
from gvae_ext.link._negative_rules import Count, both_directions, resolve_count
from gvae_ext.link._structured import (
    structured_negative_sampling,
    structured_negative_sampling_feasible,
)
from gvae_ext.typing import NumNodes


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
    kind = rules.kind(bipartite, force_undirected)
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
    rules.check_method(method)
    check_tensor(edge_index, 'edge_index')
    count = resolve_count(num_neg_samples, rules.num_columns(edge_index))
    undirected = force_undirected and not isinstance(num_nodes, (tuple, list))
    if undirected:
        count //= 2
    out = negative_pairs(edge_index, num_nodes, count, force_undirected, generator)
    return both_directions(out) if undirected else out


__all__ = [
    'negative_sampling',
    'batched_negative_sampling',
    'structured_negative_sampling',
    'structured_negative_sampling_feasible',
]
