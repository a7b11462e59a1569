r"""The undirected adjacency behind the pair heuristics (private helpers).

:func:`undirected_adjacency` turns an ``edge_index`` into a simple undirected
graph in CSR form (both directions, no self-loops, no duplicates) together
with the sorted pair keys ``row * N + col`` of its entries, so that "is
``(v, w)`` an edge?" is one :func:`torch.searchsorted`. Everything stays on
the device of the input and costs :math:`O(E)` memory; the work of a batch of
pairs or rows is split into chunks of bounded size (:func:`work_chunks`).
"""

import math
from typing import NamedTuple, Optional

import torch
from torch import Tensor

from gvae_ext.sparse import csr_tensor, to_csr

# Elements of the temporaries of one chunk (index expansions, dense rows).
CHUNK_BUDGET = 2**18
DENSE_BUDGET = 2**22
# Dense features with at most this share of nonzeros are handled as CSR.
SPARSE_SHARE = 0.05


def check_open_unit(value, name: str) -> float:
    r"""Return ``value`` as a ``float`` if it lies strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{name}' must be a float in (0, 1) (got {value!r})")
    if not 0.0 < value < 1.0:
        raise ValueError(f"'{name}' must be a float in (0, 1) (got {value})")
    return float(value)


class Adjacency(NamedTuple):
    rowptr: Tensor  # [N + 1]
    col: Tensor  # [nnz], sorted within each row
    keys: Tensor  # [nnz], sorted row * N + col
    deg: Tensor  # [N]
    num_nodes: int


def undirected_adjacency(edge_index: Tensor, num_nodes: int) -> Adjacency:
    r"""The simple undirected graph of ``edge_index`` (a checked ``[2, E]``)."""
    row, col = edge_index.long()
    keep = row != col
    row, col = row[keep], col[keep]
    n = num_nodes
    keys = torch.unique(torch.cat([row * n + col, col * n + row]))
    row = torch.div(keys, n, rounding_mode='floor')
    col = keys - row * n
    deg = torch.bincount(row, minlength=n)
    rowptr = torch.cat([deg.new_zeros(1), torch.cumsum(deg, 0)])
    return Adjacency(rowptr, col, keys, deg, n)


def union_adjacency(num_nodes: int, *edge_indices: Optional[Tensor]) -> Adjacency:
    r"""The simple undirected graph of the union of several ``[2, E]`` tensors."""
    parts = [e.long() for e in edge_indices if e is not None]
    return undirected_adjacency(torch.cat(parts, dim=1), num_nodes)


def least_room(num_nodes: int, pos: Tensor, *edge_indices: Optional[Tensor]):
    r"""``(room, node)``: the fewest candidate negatives of an end of ``pos``.

    An end's room is the number of other nodes it is not linked to in the
    union of :obj:`edge_indices` and :obj:`pos` (HeaRT's candidates for the
    side it fixes); ``node`` is the end with the least. ``pos`` must not be
    empty.
    """
    ends = pos.reshape(-1)
    room = (num_nodes - 1) - union_adjacency(num_nodes, *edge_indices, pos).deg[ends]
    at = int(room.argmin())
    return int(room[at]), int(ends[at])


def node_weight(adj: Adjacency, name: str) -> Optional[Tensor]:
    r"""Per-node weight of a common neighbour for heuristic ``name``.

    ``None`` for CN, ``1 / log(deg)`` for AA (``0`` below degree 2) and
    ``1 / deg`` for RA (``0`` at degree 0).
    """
    if name == 'cn':
        return None
    deg = adj.deg.to(torch.float64)
    if name == 'aa':
        return torch.where(deg > 1, 1.0 / deg.clamp(min=2).log(), 0.0)
    return torch.where(deg > 0, 1.0 / deg.clamp(min=1), 0.0)


def work_chunks(work: Tensor, budget: int, max_items: int) -> list[tuple[int, int]]:
    r"""Split ``range(len(work))`` into consecutive ``(start, end)`` chunks.

    A chunk holds at most ``max_items`` items, and the items of a chunk start
    within one window of ``budget`` cumulative work, so a chunk's work is at
    most ``budget`` plus that of its last item. Costs one host sync.
    """
    n = work.numel()
    if n == 0:
        return []
    offset = torch.cumsum(work, 0) - work
    window = torch.div(offset, budget, rounding_mode='floor')
    cuts = (torch.nonzero(window[1:] != window[:-1]).view(-1) + 1).tolist()
    out = []
    for start, end in zip([0] + cuts, cuts + [n]):
        out += [(a, min(a + max_items, end)) for a in range(start, end, max_items)]
    return out


def segment_positions(
    rowptr: Tensor, nodes: Tensor, counts: Tensor
) -> tuple[Tensor, Tensor]:
    r"""Positions of the first ``counts[i]`` entries of CSR row ``nodes[i]``.

    Returns:
        ``(owner, pos)``: the position in ``nodes`` and the entry position.
    """
    total = int(counts.sum())
    arange = torch.arange(nodes.numel(), device=nodes.device)
    owner = torch.repeat_interleave(arange, counts, output_size=total)
    start = rowptr[nodes] - (torch.cumsum(counts, 0) - counts)
    return owner, torch.arange(total, device=nodes.device) + start[owner]


def expand_rows(adj: Adjacency, nodes: Tensor, counts: Tensor) -> tuple[Tensor, Tensor]:
    r"""The first ``counts[i]`` neighbours of every ``nodes[i]``.

    Returns:
        ``(owner, neighbour)``: the position in ``nodes`` and the neighbour.
    """
    owner, pos = segment_positions(adj.rowptr, nodes, counts)
    return owner, adj.col[pos]


def common_neighbor_sum(
    adj: Adjacency, a: Tensor, b: Tensor, weight: Optional[Tensor]
) -> Tensor:
    r""":math:`\sum_{w \in N(a) \cap N(b)} \mathrm{weight}(w)` for one chunk.

    The neighbours of the endpoint of smaller degree are looked up among the
    sorted keys of the other endpoint's row: :math:`O(\min(d_a, d_b)
    \log E)` work per pair.
    """
    out = torch.zeros(a.numel(), dtype=torch.float64, device=a.device)
    if adj.keys.numel() == 0 or a.numel() == 0:
        return out
    da, db = adj.deg[a], adj.deg[b]
    swap = da > db
    u, v = torch.where(swap, b, a), torch.where(swap, a, b)
    owner, w = expand_rows(adj, u, torch.minimum(da, db))
    query = v[owner] * adj.num_nodes + w
    idx = torch.searchsorted(adj.keys, query).clamp_(max=adj.keys.numel() - 1)
    hit = adj.keys[idx] == query
    owner = owner[hit]
    value = None if weight is None else weight[w[hit]]
    if value is None:
        value = torch.ones(owner.numel(), dtype=torch.float64, device=a.device)
    return out.index_add_(0, owner, value)


def two_hop_rows(adj: Adjacency, nodes: Tensor, weight: Optional[Tensor]) -> Tensor:
    r"""Dense rows ``[len(nodes), N]`` of a pair score against every node.

    :math:`s(u, c) = \sum_{w \in N(u) \cap N(c)} \mathrm{weight}(w)`
    (``weight`` ``None`` counts 1), by expanding the two-hop walks from ``u``.
    """
    n = adj.num_nodes
    out = torch.zeros(nodes.numel() * n, dtype=torch.float64, device=nodes.device)
    owner, w = expand_rows(adj, nodes, adj.deg[nodes])
    value = None if weight is None else weight[w]
    owner2, c = expand_rows(adj, w, adj.deg[w])
    index = owner[owner2] * n + c
    if value is None:
        value = torch.ones(index.numel(), dtype=torch.float64, device=nodes.device)
    else:
        value = value[owner2]
    return out.index_add_(0, index, value).view(nodes.numel(), n)


def ppr_iterations(alpha: float, tol: float) -> int:
    r"""Power iterations after which the dropped mass is at most ``tol``.

    The mass left out after :math:`t` steps is :math:`(1-\alpha)^{t+1}`.
    """
    return max(0, math.ceil(math.log(tol) / math.log1p(-alpha)) - 1)


def ppr_columns(adj: Adjacency, sources: Tensor, alpha: float, tol: float) -> Tensor:
    r"""Approximate personalised PageRank vectors, one column per source.

    Power iteration :math:`x \leftarrow \alpha e_s + (1 - \alpha) A D^{-1} x`
    from :math:`x = \alpha e_s`: after :math:`t` steps :math:`x` is the
    series of :math:`\pi_s` truncated after :math:`t + 1` terms, so every
    entry is a lower bound and the :math:`\ell_1` error is
    :math:`(1 - \alpha)^{t+1} \le` ``tol``. A source without neighbours keeps
    its whole mass. Returns ``[N, len(sources)]`` ``float64``.
    """
    n, s = adj.num_nodes, sources.numel()
    cols = torch.arange(s, device=sources.device)
    x = torch.zeros(n, s, dtype=torch.float64, device=sources.device)
    x[sources, cols] = alpha
    if adj.col.numel() > 0:
        # (1 - alpha) A D^{-1} as one CSR matrix: one product per step.
        deg = adj.deg.to(torch.float64)
        step = torch.where(deg > 0, (1.0 - alpha) / deg.clamp(min=1), 0.0)
        matrix = csr_tensor(adj.rowptr, adj.col, step[adj.col], (n, n))
        for _ in range(ppr_iterations(alpha, tol)):
            x = matrix @ x
            x[sources, cols] += alpha
    isolated = adj.deg[sources] == 0
    x[sources[isolated], cols[isolated]] = 1.0
    return x


def reverse_ppr(adj: Adjacency, column: Tensor, source: Tensor, nodes: Tensor):
    r"""Turn :math:`\pi_s(c)` into :math:`\pi_c(s)` by reversibility.

    On an undirected graph :math:`d_c\,\pi_c(s) = d_s\,\pi_s(c)`.
    ``column`` holds :math:`\pi_s(c)` for ``nodes`` :math:`c`, ``source``
    the matching :math:`s`. Nodes without neighbours only reach themselves.
    """
    d_c = adj.deg[nodes].to(torch.float64)
    d_s = adj.deg[source].to(torch.float64)
    out = torch.where(d_c > 0, column * d_s / d_c.clamp(min=1), 0.0)
    return torch.where(nodes == source, column, out)


class FeatureRows:
    r"""Node features scaled to unit row norm, dense or CSR, in ``float64``.

    All-zero rows stay zero, so their cosine with anything is zero.
    """

    def __init__(self, x: Tensor):
        n = x.size(0)
        if x.layout == torch.strided and x.numel() > 0:
            # Mostly zero (bag-of-words) features are far cheaper as CSR.
            if int(torch.count_nonzero(x)) <= SPARSE_SHARE * x.numel():
                x = x.to_sparse_csr()
        if x.layout == torch.strided:
            x = x.to(torch.float64)
            norm = torch.linalg.vector_norm(x, dim=1, keepdim=True)
            self.dense: Optional[Tensor] = x / torch.where(norm > 0, norm, 1.0)
            return
        self.dense = None
        x = to_csr(x)
        self.crow, self.col = x.crow_indices(), x.col_indices()
        value = x.values().to(torch.float64)
        row = torch.repeat_interleave(
            torch.arange(n, device=value.device), self.crow.diff()
        )
        norm = torch.zeros(n, dtype=torch.float64, device=value.device)
        norm = norm.index_add_(0, row, value * value).sqrt_()
        self.value = value / torch.where(norm > 0, norm, 1.0)[row]
        self.size = (n, x.size(1))
        self.csr = csr_tensor(self.crow, self.col, self.value, self.size)

    def rows(self, index: Tensor) -> Tensor:
        r"""Dense unit rows ``[len(index), F]``."""
        if self.dense is not None:
            return self.dense[index]
        counts = self.crow[index + 1] - self.crow[index]
        owner, pos = segment_positions(self.crow, index, counts)
        out = self.value.new_zeros(index.numel(), self.size[1])
        out[owner, self.col[pos]] = self.value[pos]
        return out

    def against_all(self, index: Tensor) -> Tensor:
        r"""Cosine of every node with every node of ``index``: ``[N, len(index)]``."""
        rows = self.rows(index).t()
        return (self.dense if self.dense is not None else self.csr) @ rows
