r"""Torch-native link heuristics: pair scores on an undirected graph.

Every function scores given node pairs ``pairs`` (``[2, num_pairs]``) on the
graph ``edge_index`` (``[2, num_edges]``), read as a *simple undirected*
graph: each edge counts in both directions, self-loops and repeated edges are
dropped. The work is chunked over the pairs, runs on the device of the
inputs (CPU or CUDA) and needs :math:`O(E + P)` memory plus bounded chunk
buffers -- never :math:`O(N^2)`. Scores are ``float64``; with
:math:`N(u)` the neighbours and :math:`d_u` the degree of :math:`u`:

* :func:`common_neighbors`: :math:`|N(a) \cap N(b)|`,
* :func:`adamic_adar`: :math:`\sum_{w \in N(a) \cap N(b)} 1 / \log d_w`,
* :func:`resource_allocation`: :math:`\sum_{w \in N(a) \cap N(b)} 1 / d_w`,
* :func:`personalized_pagerank`: :math:`\pi_a(b)`, approximate,
* :func:`feature_cosine`: :math:`\cos(x_a, x_b)`.
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_features
from gvae_ext.link import _adjacency as adjacency
from gvae_ext.link._adjacency import Adjacency, FeatureRows


def _prepare(edge_index, pairs, num_nodes) -> tuple:
    if num_nodes is not None and isinstance(num_nodes, (tuple, list)):
        raise ValueError(f"'num_nodes' must be an int (got {num_nodes!r})")
    n = check_edge_index(edge_index, num_nodes)
    n_pairs = check_edge_index(pairs, num_nodes, name='pairs')
    if edge_index.device != pairs.device:
        raise ValueError(
            "'edge_index' and 'pairs' must be on the same device "
            f'(got {edge_index.device} and {pairs.device})'
        )
    n = max(n, n_pairs) if num_nodes is None else num_nodes
    return adjacency.undirected_adjacency(edge_index, n), pairs.long()


def _neighbor_score(adj: Adjacency, pairs: Tensor, name: str) -> Tensor:
    a, b = pairs
    weight = adjacency.node_weight(adj, name)
    out = torch.empty(a.numel(), dtype=torch.float64, device=a.device)
    work = torch.minimum(adj.deg[a], adj.deg[b]) + 1
    for s, e in adjacency.work_chunks(work, adjacency.CHUNK_BUDGET, 2**16):
        out[s:e] = adjacency.common_neighbor_sum(adj, a[s:e], b[s:e], weight)
    return out


def common_neighbors(
    edge_index: Tensor, pairs: Tensor, num_nodes: Optional[int] = None
) -> Tensor:
    r"""The number of common neighbours of every pair.

    For a pair :math:`(a, b)` the score is :math:`|N(a) \cap N(b)|`.
    Work per pair is :math:`O(\min(d_a, d_b) \log E)`: the neighbours of the
    endpoint of smaller degree are looked up among the sorted edges.

    Args:
        edge_index (torch.Tensor): The graph, :obj:`[2, num_edges]`, read as
            simple and undirected.
        pairs (torch.Tensor): The pairs to score, :obj:`[2, num_pairs]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`max(edge_index.max(), pairs.max()) + 1`)

    Returns:
        ``float64`` scores :obj:`[num_pairs]` on the device of the inputs.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 2], [1, 2, 3, 3]])
        >>> common_neighbors(edge_index, torch.tensor([[0, 1], [3, 2]]))
        tensor([2., 2.], dtype=torch.float64)
    """
    adj, pairs = _prepare(edge_index, pairs, num_nodes)
    return _neighbor_score(adj, pairs, 'cn')


def adamic_adar(
    edge_index: Tensor, pairs: Tensor, num_nodes: Optional[int] = None
) -> Tensor:
    r"""The Adamic-Adar index of every pair.

    For a pair :math:`(a, b)` the score is :math:`\sum_{w \in N(a) \cap N(b)}
    \frac{1}{\log d_w}`.
    A common neighbour of two distinct nodes has degree at least 2; a
    neighbour of degree 1 (only possible for :math:`a = b`) adds 0.

    Args:
        edge_index (torch.Tensor): The graph, as in :func:`common_neighbors`.
        pairs (torch.Tensor): The pairs to score, :obj:`[2, num_pairs]`.
        num_nodes (int, optional): As in :func:`common_neighbors`.

    Returns:
        ``float64`` scores :obj:`[num_pairs]`, as in :func:`common_neighbors`.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 2], [1, 2, 3, 3]])
        >>> adamic_adar(edge_index, torch.tensor([[0], [3]]))
        tensor([2.8854], dtype=torch.float64)
    """
    adj, pairs = _prepare(edge_index, pairs, num_nodes)
    return _neighbor_score(adj, pairs, 'aa')


def resource_allocation(
    edge_index: Tensor, pairs: Tensor, num_nodes: Optional[int] = None
) -> Tensor:
    r"""The resource-allocation index of every pair.

    For a pair :math:`(a, b)` the score is :math:`\sum_{w \in N(a) \cap N(b)}
    \frac{1}{d_w}`.

    Args:
        edge_index (torch.Tensor): The graph, as in :func:`common_neighbors`.
        pairs (torch.Tensor): The pairs to score, :obj:`[2, num_pairs]`.
        num_nodes (int, optional): As in :func:`common_neighbors`.

    Returns:
        ``float64`` scores :obj:`[num_pairs]`, as in :func:`common_neighbors`.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> edge_index = torch.tensor([[0, 0, 1, 2, 2], [1, 2, 3, 3, 4]])
        >>> resource_allocation(edge_index, torch.tensor([[0], [3]]))
        tensor([0.8333], dtype=torch.float64)
    """
    adj, pairs = _prepare(edge_index, pairs, num_nodes)
    return _neighbor_score(adj, pairs, 'ra')


def personalized_pagerank(
    edge_index: Tensor,
    pairs: Tensor,
    num_nodes: Optional[int] = None,
    *,
    alpha: float = 0.15,
    tol: float = 1e-6,
    symmetric: bool = False,
) -> Tensor:
    r"""Approximate personalised PageRank :math:`\pi_a(b)` of every pair.

    :math:`\pi_a` is the stationary distribution of a random walk that moves
    to a uniformly chosen neighbour and jumps back to :math:`a` with
    probability :math:`\alpha` at every step:
    :math:`\pi_a = \alpha e_a + (1 - \alpha) A D^{-1} \pi_a`. It is computed
    by power iteration for the distinct sources :math:`a` only, a block of
    them at a time (:math:`O(N)` memory per source in the block), stopped
    once the :math:`\ell_1` error :math:`(1 - \alpha)^{t+1}` is at most
    :obj:`tol`; every score is then a lower bound within :obj:`tol` of the
    exact value. A node without neighbours keeps all its mass. The cost is
    :math:`O(t \cdot E)` per distinct source, so this suits up to some
    thousands of sources on large graphs.

    Args:
        edge_index (torch.Tensor): The graph, :obj:`[2, num_edges]`, read as
            simple and undirected.
        pairs (torch.Tensor): The pairs to score, :obj:`[2, num_pairs]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`max(edge_index.max(), pairs.max()) + 1`)
        alpha (float, optional): The restart probability in :math:`(0, 1)`.
            (default: :obj:`0.15`)
        tol (float, optional): The :math:`\ell_1` error bound per source, in
            :math:`(0, 1)`. (default: :obj:`1e-6`)
        symmetric (bool, optional): Score :math:`\pi_a(b) + \pi_b(a)`; the
            second term comes from the first by reversibility on an
            undirected graph, :math:`d_b \pi_b(a) = d_a \pi_a(b)`.
            (default: :obj:`False`)

    Returns:
        ``float64`` scores :obj:`[num_pairs]` on the device of the inputs.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> edge_index = torch.tensor([[0], [1]])
        >>> personalized_pagerank(edge_index, torch.tensor([[0], [1]]))
        tensor([0.4595], dtype=torch.float64)
    """
    alpha = adjacency.check_open_unit(alpha, 'alpha')
    tol = adjacency.check_open_unit(tol, 'tol')
    adj, (a, b) = _prepare(edge_index, pairs, num_nodes)
    out = torch.empty(a.numel(), dtype=torch.float64, device=a.device)
    sources, inverse = torch.unique(a, return_inverse=True)
    inverse, order = torch.sort(inverse)
    block = max(1, adjacency.DENSE_BUDGET // max(adj.num_nodes, 1))
    starts = torch.arange(0, sources.numel() + 1, block, device=a.device)
    bounds = torch.searchsorted(inverse, starts).tolist() + [a.numel()]
    for i, start in enumerate(range(0, sources.numel(), block)):
        x = adjacency.ppr_columns(adj, sources[start : start + block], alpha, tol)
        sel = order[bounds[i] : bounds[i + 1]]
        value = x[b[sel], inverse[bounds[i] : bounds[i + 1]] - start]
        if symmetric:
            value = value + adjacency.reverse_ppr(adj, value, a[sel], b[sel])
        out[sel] = value
    return out


def feature_cosine(x: Tensor, pairs: Tensor) -> Tensor:
    r"""The cosine similarity of the feature rows of every pair.

    For a pair :math:`(a, b)` the score is
    :math:`\frac{x_a \cdot x_b}{\|x_a\| \|x_b\|}`, and :obj:`0` where a
    row is all zero.

    Args:
        x (torch.Tensor): Node features :obj:`[num_nodes, num_features]`,
            dense or sparse (COO or CSR).
        pairs (torch.Tensor): The pairs to score, :obj:`[2, num_pairs]`.

    Returns:
        ``float64`` scores :obj:`[num_pairs]` on the device of the inputs.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
        >>> feature_cosine(x, torch.tensor([[0, 0], [1, 2]]))
        tensor([0.7071, 0.0000], dtype=torch.float64)
    """
    check_features(x)
    check_edge_index(pairs, x.size(0), name='pairs')
    if x.device != pairs.device:
        raise ValueError(
            "'x' and 'pairs' must be on the same device "
            f'(got {x.device} and {pairs.device})'
        )
    feats = FeatureRows(x)
    a, b = pairs.long()
    out = torch.empty(a.numel(), dtype=torch.float64, device=a.device)
    step = max(1, adjacency.DENSE_BUDGET // max(2 * x.size(1), 1))
    for s in range(0, a.numel(), step):
        out[s : s + step] = (
            feats.rows(a[s : s + step]) * feats.rows(b[s : s + step])
        ).sum(1)
    return out


__all__ = [
    'common_neighbors',
    'adamic_adar',
    'resource_allocation',
    'personalized_pagerank',
    'feature_cosine',
]
