r"""k-hop neighbour sampling on a CSR adjacency, for mini-batch training.

The sampler follows `"Inductive Representation Learning on Large Graphs"
<https://arxiv.org/abs/1706.02216>`_ (GraphSAGE): starting from the seed
nodes, each hop draws up to :obj:`num_neighbors[h]` in-neighbours of every node
reached by the previous hop, *without replacement* (all of them when the
degree is at most the fan-out, or when the fan-out is :obj:`-1`). Everything
is vectorised torch code (no Python loop over nodes), so it runs on CUDA
tensors as well, and a seeded :class:`torch.Generator` makes it reproducible.

:func:`sampled_gcn_adjacency` turns a sample into the GCN propagation matrix
of the subgraph with the *full graph's* degrees, each sampled neighbour
weighted :math:`\deg(i) / |S_i|`:

.. math::
    \tilde{A}_{ii} = \frac{1}{d_i}, \qquad
    \tilde{A}_{ij} = \frac{\deg(i)}{|S_i|} \frac{1}{\sqrt{d_i d_j}}
    \quad (j \in S_i), \qquad d_i = \deg(i) + 1,

so that :math:`\tilde{A} H` is an unbiased estimate of the rows of
:math:`\hat{A} H` (:func:`gvae_ext.sparse.normalized_adjacency`) for the
nodes that were expanded, and exactly those rows when every neighbour is
taken (:obj:`num_neighbors=[-1, -1]`).
"""

from typing import List, NamedTuple, Optional, Sequence, Tuple

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_generator, check_tensor
from gvae_ext.sampling.batches import link_batches
from gvae_ext.sparse.csr import crow_indices, csr_tensor


class SampledSubgraph(NamedTuple):
    r"""A sampled k-hop neighbourhood.

    Attributes:
        node (LongTensor): Global ids of the subgraph's nodes, :obj:`[n_sub]`;
            :obj:`node[:num_seeds]` are the seeds in the order given.
        edge_index (LongTensor): The sampled edges in local ids,
            :obj:`[2, num_sampled_edges]`: row 0 the sampled neighbour
            (message source), row 1 the node it was sampled for (target).
        num_seeds (int): The number of seeds.
        num_sampled_nodes (List[int], optional): Nodes added per hop, seeds
            first (:obj:`None` where the backend does not report it).
    """

    node: Tensor
    edge_index: Tensor
    num_seeds: int
    num_sampled_nodes: Optional[List[int]] = None


def check_num_neighbors(num_neighbors, name: str = 'num_neighbors') -> Tuple[int, ...]:
    r"""A non-empty sequence of positive fan-outs or :obj:`-1` (all), as a tuple."""
    values = list(num_neighbors) if isinstance(num_neighbors, (list, tuple)) else []
    if not values or not all(
        isinstance(v, int) and not isinstance(v, bool) and (v > 0 or v == -1)
        for v in values
    ):
        raise ValueError(
            f"'{name}' must be a non-empty list of positive integers or -1, one "
            f'per hop (got {num_neighbors!r})'
        )
    return tuple(int(v) for v in values)


def _expand(start: Tensor, deg: Tensor) -> Tuple[Tensor, Tensor]:
    r"""For nodes whose edges are :obj:`start[k] ..

    start[k] + deg[k]`: the node slot and the position of each of those edges,
    grouped by node.
    """
    total = int(deg.sum())
    slots = torch.arange(deg.numel(), device=deg.device)
    seg = torch.repeat_interleave(slots, deg, output_size=total)
    first = torch.cumsum(deg, 0) - deg
    offset = torch.arange(total, device=deg.device) - first[seg]
    return seg, start[seg] + offset


def _sample_hop(rowptr, col, frontier, fanout: int, generator):
    start = rowptr[frontier]
    deg = rowptr[frontier + 1] - start
    seg, pos = _expand(start, deg)
    if fanout >= 0 and seg.numel() > 0 and bool((deg > fanout).any()):
        # A uniformly random order inside each node's group: a random
        # permutation, then a stable sort by group. Keep the first `fanout`.
        perm = torch.randperm(seg.numel(), generator=generator, device=seg.device)
        perm = perm[torch.sort(seg[perm], stable=True).indices]
        seg, pos = seg[perm], pos[perm]
        first = torch.cumsum(deg, 0) - deg
        rank = torch.arange(seg.numel(), device=seg.device) - first[seg]
        keep = rank < fanout
        seg, pos = seg[keep], pos[keep]
    return seg, col[pos]


class KHopSampler:
    r"""Samples k-hop neighbourhoods of seed nodes (see the module docstring).

    The graph is stored once as CSR over the *targets*: the neighbours of
    :obj:`i` are the sources :obj:`j` of the edges :obj:`(j, i)` (PyG's
    ``source_to_target`` flow; for an undirected graph with both directions
    listed, simply its neighbours). Duplicate edges count once and
    self-loops are dropped (the GCN adds its own), as in
    :func:`gvae_ext.sparse.normalized_adjacency`.

    Args:
        edge_index (LongTensor): The graph, :obj:`[2, num_edges]` (not
            modified; kept as :obj:`sampler.edge_index`).
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`edge_index.max() + 1`)
        num_neighbors (Sequence[int], optional): The fan-out of each hop,
            :obj:`-1` for all neighbours; use one hop per GCN layer.
            (default: :obj:`(10, 10)`)
        generator (torch.Generator, optional): The default random generator
            of :meth:`sample`, on the device of :obj:`edge_index`.
            (default: :obj:`None`)

    Examples:
        >>> edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
        >>> sampler = KHopSampler(edge_index, 3, [-1])
        >>> sampler.sample(torch.tensor([1])).node
        tensor([1, 0, 2])
    """

    def __init__(
        self,
        edge_index: Tensor,
        num_nodes: Optional[int] = None,
        num_neighbors: Sequence[int] = (10, 10),
        *,
        generator: Optional[torch.Generator] = None,
    ):
        num_nodes = check_edge_index(edge_index, num_nodes)
        if num_nodes == 0:
            raise ValueError(
                "'num_nodes' must be given for an 'edge_index' without edges (got None)"
            )
        self.num_neighbors = check_num_neighbors(num_neighbors)
        self.generator = check_generator(
            generator, device=edge_index.device, of='the graph'
        )
        self.edge_index = edge_index
        self.num_nodes = num_nodes
        source, target = edge_index.long()
        keep = source != target
        ids = torch.unique(target[keep] * num_nodes + source[keep])
        self.rowptr = crow_indices(ids // num_nodes, num_nodes)
        self.col = ids % num_nodes
        self.degree = self.rowptr.diff()

    @property
    def device(self) -> torch.device:
        r"""The device of the sampler's graph."""
        return self.rowptr.device

    def _check_seeds(self, seeds) -> Tuple[Tensor, Tensor, Tensor]:
        check_tensor(seeds, 'seeds')
        if seeds.dim() != 1 or seeds.numel() == 0:
            raise ValueError(
                f"'seeds' must be a non-empty 1-D tensor (got shape {tuple(seeds.shape)})"
            )
        if seeds.dtype != torch.long:
            raise ValueError(f"'seeds' must be a LongTensor (got dtype {seeds.dtype})")
        if seeds.device != self.device:
            raise ValueError(
                f"'seeds' must be on the device of the graph ({self.device}) "
                f'(got {seeds.device})'
            )
        sorted_ids, order = torch.sort(seeds)
        low, high = int(sorted_ids[0]), int(sorted_ids[-1])
        if low < 0 or high >= self.num_nodes:
            raise ValueError(
                f"'seeds' must be node ids in [0, {self.num_nodes}) "
                f'(got values in [{low}, {high}])'
            )
        if bool((sorted_ids[1:] == sorted_ids[:-1]).any()):
            raise ValueError("'seeds' must not contain duplicates (got repeated ids)")
        return seeds, sorted_ids, order

    def sample(
        self, seeds: Tensor, *, generator: Optional[torch.Generator] = None
    ) -> SampledSubgraph:
        r"""Sample the :obj:`len(num_neighbors)`-hop neighbourhood of :obj:`seeds`.

        Args:
            seeds (LongTensor): Distinct node ids, :obj:`[num_seeds]`.
            generator (torch.Generator, optional): The random generator.
                (default: the sampler's :obj:`generator`)

        :rtype: :class:`SampledSubgraph`
        """
        node, sorted_ids, order = self._check_seeds(seeds)
        gen = self.generator if generator is None else generator
        gen = check_generator(gen, device=self.device, of='the graph')
        frontier = node
        frontier_local = torch.arange(node.numel(), device=self.device)
        sources, targets, counts = [], [], [node.numel()]
        for fanout in self.num_neighbors:
            seg, nbr = _sample_hop(self.rowptr, self.col, frontier, fanout, gen)
            # Look the neighbours up among the nodes reached so far.
            at = torch.searchsorted(sorted_ids, nbr).clamp(max=sorted_ids.numel() - 1)
            found = sorted_ids[at] == nbr
            new = torch.unique(nbr[~found])
            size = node.numel()
            local = torch.where(found, order[at], size + torch.searchsorted(new, nbr))
            sources.append(local)
            targets.append(frontier_local[seg])
            new_local = torch.arange(size, size + new.numel(), device=self.device)
            node = torch.cat([node, new])
            sorted_ids, perm = torch.sort(torch.cat([sorted_ids, new]))
            order = torch.cat([order, new_local])[perm]
            frontier, frontier_local = new, new_local
            counts.append(new.numel())
        edge_index = torch.stack([torch.cat(sources), torch.cat(targets)])
        return SampledSubgraph(node, edge_index, int(seeds.numel()), counts)

    def gcn_adjacency(
        self, subgraph: SampledSubgraph, dtype: Optional[torch.dtype] = None
    ) -> Tensor:
        r"""The propagation matrix of :obj:`subgraph` with this graph's degrees (:func:`sampled_gcn_adjacency`)."""
        return sampled_gcn_adjacency(
            subgraph.edge_index, self.degree[subgraph.node], dtype=dtype
        )

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(num_nodes={self.num_nodes}, '
            f'num_edges={self.col.numel()}, '
            f'num_neighbors={list(self.num_neighbors)})'
        )


def sampled_gcn_adjacency(
    edge_index: Tensor, degree: Tensor, *, dtype: Optional[torch.dtype] = None
) -> Tensor:
    r"""The GCN propagation matrix of a sampled subgraph (module docstring).

    Args:
        edge_index (LongTensor): The sampled edges in local ids (source,
            target), each pair at most once, no self-loops, :obj:`[2, E]`.
        degree (LongTensor): The full graph's degree (self-loops and
            duplicates excluded) of each subgraph node, :obj:`[n_sub]`.
        dtype (torch.dtype, optional): The value type.
            (default: :obj:`torch.get_default_dtype()`)

    :rtype: :class:`torch.Tensor` (sparse CSR) of shape :obj:`[n_sub, n_sub]`
    """
    check_tensor(degree, 'degree')
    num = degree.numel()
    check_edge_index(edge_index, num if num > 0 else None)
    dtype = dtype or torch.get_default_dtype()
    source, target = edge_index
    count = torch.bincount(target, minlength=num).to(dtype)
    deg = degree.to(dtype)
    inv_sqrt = (deg + 1).rsqrt()
    value = deg[target] / count[target] * inv_sqrt[target] * inv_sqrt[source]
    nodes = torch.arange(num, device=degree.device)
    row = torch.cat([target, nodes])
    col = torch.cat([source, nodes])
    value = torch.cat([value, inv_sqrt.square()])
    perm = torch.argsort(row * num + col)
    row, col, value = row[perm], col[perm], value[perm]
    return csr_tensor(crow_indices(row, num), col, value, (num, num))


__all__ = [
    'SampledSubgraph',
    'KHopSampler',
    'sampled_gcn_adjacency',
    'link_batches',
    'check_num_neighbors',
]
