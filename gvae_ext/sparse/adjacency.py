r"""Cached GCN normalisation and sparse-dense products with a cheap backward.

The GCN propagation matrix

.. math::
    \hat{A} = D^{-1/2} (A + I) D^{-1/2}, \qquad D_{ii} = \sum_j (A + I)_{ij}

is built once per graph (:func:`normalized_adjacency`) and wrapped in a
:class:`SparseOperator`, which multiplies it with dense matrices. Its backward
multiplies by :math:`\hat{A}^\top` -- which is :math:`\hat{A}` itself for an
undirected graph (detected once, when the operator is built) -- instead of
going through torch's generic sparse backward. :class:`TensorCache` keeps the
operators of the last few graphs keyed on the *identity* and in-place
*version* of the :obj:`edge_index` tensor, so calling a model every epoch with
the same :obj:`edge_index` builds :math:`\hat{A}` exactly once.

Changing a graph in place through torch (``edge_index[0, 0] = 3``) bumps the
version and rebuilds the operator. A write that torch cannot see -- through a
numpy array sharing the memory (:func:`torch.from_numpy`) or through
:obj:`edge_index.data` / :obj:`x.data` -- keeps the cached operator of the old
values; call :func:`clear_cache` after such a write (it empties every cache
of the package, including the models' and objectives' own).

Products (:func:`gvae_ext.sparse.spmm`, PyG's signature) use
:mod:`torch.sparse` CSR tensors (CPU and CUDA) with that custom backward.
A :class:`torch_sparse.SparseTensor` given by the user is multiplied with
:func:`torch_sparse.matmul` while :obj:`gvae_ext.typing.WITH_TORCH_SPARSE` is
:obj:`True` (read at call time), and converted to CSR otherwise. Graphs given
as :obj:`edge_index` always take the CSR path: on Cora it measured 3-5x faster
than :func:`torch_sparse.matmul` for forward plus backward on CPU (see
``docs/benchmarks_epoch.md``).
"""

from typing import Any, Optional, Union

import torch
from torch import Tensor

import gvae_ext.typing
from gvae_ext._cache import TensorCache, clear_all_caches
from gvae_ext._checks import check_edge_index, check_features, check_tensor
from gvae_ext.sparse.csr import SPARSE_LAYOUTS as _SPARSE_LAYOUTS
from gvae_ext.sparse.csr import SparseOperator, crow_indices, csr_tensor, to_csr
from gvae_ext.typing import SparseTensor

# Dense feature matrices with fewer non-zeros than this share are multiplied
# as CSR matrices (Cora's bag-of-words: 1.3%).
SPARSE_FEATURE_DENSITY = 0.05


def normalized_adjacency(
    edge_index: Tensor,
    num_nodes: Optional[int] = None,
    *,
    add_self_loops: bool = True,
    dtype: Optional[torch.dtype] = None,
) -> Tensor:
    r"""The GCN propagation matrix :math:`D^{-1/2}(A + I)D^{-1/2}` as CSR.

    :obj:`edge_index` is read as a binary adjacency: duplicate edges count
    once, and with :obj:`add_self_loops=True` existing self-loops are dropped
    before the identity is added, so the diagonal of :math:`A + I` is exactly
    1. An edge :obj:`(j, i)` lets node :obj:`j` send to node :obj:`i` (PyG's
    ``source_to_target`` flow), i.e. it fills entry :obj:`[i, j]`, and
    :math:`D` holds the row sums; for an undirected graph (both directions
    listed) the result is symmetric. Nodes without edges keep a 1 on the
    diagonal (a zero row without self-loops).

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`edge_index.max() + 1`)
        add_self_loops (bool, optional): Use :math:`A + I` rather than
            :math:`A` (whose own self-loops are then kept). (default: :obj:`True`)
        dtype (torch.dtype, optional): The value type, a floating-point
            dtype. (default: :obj:`torch.get_default_dtype()`)

    :rtype: :class:`torch.Tensor` (sparse CSR) of shape
        :obj:`[num_nodes, num_nodes]`

    Examples:
        >>> edge_index = torch.tensor([[0, 1], [1, 0]])
        >>> normalized_adjacency(edge_index).to_dense()
        tensor([[0.5000, 0.5000],
                [0.5000, 0.5000]])
    """
    num_nodes = check_edge_index(edge_index, num_nodes)
    if num_nodes == 0:
        raise ValueError(
            "'num_nodes' must be given for an 'edge_index' without edges (got None)"
        )
    dtype = dtype or torch.get_default_dtype()
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"'dtype' must be a floating-point torch.dtype (got {dtype})")
    source, target = edge_index.long()
    ids = target * num_nodes + source
    if add_self_loops:
        ids = ids[source != target]
        nodes = torch.arange(num_nodes, device=ids.device)
        ids = torch.cat([ids, nodes * (num_nodes + 1)])
    ids = torch.unique(ids)
    row, col = ids // num_nodes, ids % num_nodes
    deg = torch.bincount(row, minlength=num_nodes).to(dtype)
    inv_sqrt = deg.pow(-0.5).masked_fill(deg == 0, 0.0)
    value = inv_sqrt[row] * inv_sqrt[col]
    return csr_tensor(crow_indices(row, num_nodes), col, value, (num_nodes, num_nodes))


def clear_cache() -> int:
    r"""Drop every cached operator, feature check and graph lookup.

    The caches are keyed on a tensor's identity and in-place version; call
    this after writing into an :obj:`edge_index` or :obj:`x` in a way torch
    cannot track (shared numpy memory, :obj:`.data`).

    Returns:
        The number of entries dropped.

    Examples:
        >>> n = clear_cache()
    """
    return clear_all_caches()


Adj = Union[Tensor, SparseTensor, SparseOperator]
_DEFAULT_CACHE = TensorCache(maxsize=8)


def as_operator(adj: Adj, cache: Optional[TensorCache] = None) -> Any:
    r"""Wrap a sparse matrix :obj:`adj` as it is (no normalisation).

    A :class:`SparseOperator` is returned unchanged, and so is a
    :class:`torch_sparse.SparseTensor` while :obj:`WITH_TORCH_SPARSE` is
    set (otherwise it is converted). A torch sparse tensor's operator is
    cached on the tensor's identity.
    """
    if isinstance(adj, SparseOperator):
        return adj
    if isinstance(adj, SparseTensor):
        if gvae_ext.typing.WITH_TORCH_SPARSE:
            return adj
        rowptr, col, value = adj.csr()
        if value is None:
            value = torch.ones(col.numel(), device=col.device)
        return SparseOperator(csr_tensor(rowptr, col, value, adj.sizes()))
    check_tensor(adj, 'adj')
    if adj.layout not in _SPARSE_LAYOUTS:
        raise ValueError(
            "'adj' must be a sparse matrix or an 'edge_index' "
            f'(got layout {adj.layout})'
        )
    cache = _DEFAULT_CACHE if cache is None else cache
    return cache.get(adj, ('operator',), lambda: SparseOperator(adj))


def adjacency_operator(
    edge_index: Adj,
    num_nodes: int,
    cache: Optional[TensorCache] = None,
    *,
    add_self_loops: bool = True,
) -> Any:
    r"""The propagation operator of a graph, from the cache when possible.

    An integer :obj:`edge_index` is normalised with
    :func:`normalized_adjacency` (once per tensor and version); a sparse
    matrix is taken as an already normalised adjacency and used as it is
    (one whose values require grad is multiplied with :func:`torch.sparse.mm`
    so that they receive gradients). Either way the matrix must be
    :obj:`[num_nodes, num_nodes]`.
    """
    cache = _DEFAULT_CACHE if cache is None else cache
    if isinstance(edge_index, Tensor) and edge_index.layout == torch.strided:
        key = ('gcn', num_nodes, edge_index.device, add_self_loops)
        return cache.get(
            edge_index,
            key,
            lambda: SparseOperator(
                normalized_adjacency(
                    edge_index, num_nodes, add_self_loops=add_self_loops
                )
            ),
        )
    if isinstance(edge_index, Tensor) and edge_index.requires_grad:
        op = edge_index  # learnable values: spmm keeps them in the graph
    else:
        op = as_operator(edge_index, cache)
    size = op.sizes() if isinstance(op, SparseTensor) else op.shape
    if tuple(size) != (num_nodes, num_nodes):
        raise ValueError(
            f"'edge_index' given as an adjacency matrix must have shape "
            f'[{num_nodes}, {num_nodes}] (got {list(size)})'
        )
    return op


def feature_operator(
    x: Tensor, num_nodes: Optional[int], cache: Optional[TensorCache] = None
) -> Union[Tensor, SparseOperator]:
    r"""Validate node features once per tensor and pick the product to use.

    A sparse :obj:`x` becomes a :class:`SparseOperator`; a dense one whose
    share of non-zeros is below :obj:`SPARSE_FEATURE_DENSITY` is converted
    to CSR once; other dense features (and any :obj:`x` that requires grad)
    are returned as they are. NaN/inf values raise :class:`ValueError`.
    """
    check_tensor(x, 'x')
    if x.requires_grad:
        return check_features(x, num_nodes)
    cache = _DEFAULT_CACHE if cache is None else cache
    if num_nodes is not None and x.dim() == 2 and x.size(0) != num_nodes:
        check_features(x, num_nodes)  # raises with the shared message

    def build():
        check_features(x, num_nodes)
        if x.layout in _SPARSE_LAYOUTS:
            return SparseOperator(x)
        if (
            x.numel() > 0
            and int(torch.count_nonzero(x)) < SPARSE_FEATURE_DENSITY * x.numel()
        ):
            return SparseOperator(to_csr(x))
        return None  # not x itself: the cache must not keep x alive

    op = cache.get(x, ('features', x.device), build)
    return x if op is None else op


__all__ = [
    'SPARSE_FEATURE_DENSITY',
    'clear_cache',
    'normalized_adjacency',
    'SparseOperator',
    'Adj',
    'as_operator',
    'adjacency_operator',
    'feature_operator',
]
