r"""The sparse-dense product, with :func:`torch_geometric.utils.spmm`'s signature.

:func:`spmm` takes what PyG's takes (a torch sparse tensor in any layout, a
:class:`torch_sparse.SparseTensor`, an :class:`~torch_geometric.EdgeIndex`;
``reduce`` of ``'sum'``, ``'mean'``, ``'min'`` or ``'max'``) and also a
:class:`~gvae_ext.sparse.SparseOperator`. A ``'sum'`` product goes through the
operator and its cached-transpose backward (:mod:`gvae_ext.sparse.adjacency`);
the other reductions, an :class:`~torch_geometric.EdgeIndex` and TorchScript
go to PyG's own function.
"""

import warnings

import torch
import torch_geometric.utils
from torch import Tensor
from torch_geometric.typing import Adj

from gvae_ext.sparse.adjacency import as_operator
from gvae_ext.sparse.csr import SPARSE_LAYOUTS, SparseOperator, check_dense
from gvae_ext.typing import SparseTensor

try:  # torch_geometric >= 2.5
    from torch_geometric import EdgeIndex
except ImportError:  # pragma: no cover - older PyG

    class EdgeIndex:  # type: ignore[no-redef]
        r"""Stand-in: no tensor is an instance."""


REDUCTIONS = ('sum', 'mean', 'min', 'max')


def spmm(src: Adj, other: Tensor, reduce: str = 'sum') -> Tensor:
    r"""Matrix product of a sparse matrix with a dense matrix.

    PyG's :func:`torch_geometric.utils.spmm` (same arguments, same results),
    with a faster ``'sum'``: the sparse matrix is wrapped once in a
    :class:`~gvae_ext.sparse.SparseOperator` (cached on the tensor's
    identity), whose backward multiplies by its prepared transpose.

    A torch sparse :obj:`src` that requires grad is multiplied with
    :func:`torch.sparse.mm` so that its values receive a gradient. A COO or
    CSC :obj:`src` warns that it is converted to CSR (as PyG's does); pass a
    CSR tensor or a :class:`~gvae_ext.sparse.SparseOperator` to avoid it.

    Args:
        src (torch.Tensor or SparseTensor or EdgeIndex or SparseOperator): The
            sparse :math:`[M, N]` matrix.
        other (torch.Tensor): The dense :math:`[N, F]` matrix. The product is
            in its dtype: a sparse matrix of another dtype is cast to it.
        reduce (str, optional): :obj:`'sum'` (or :obj:`'add'`),
            :obj:`'mean'`, :obj:`'min'` or :obj:`'max'`. (default: :obj:`'sum'`)

    :rtype: :class:`torch.Tensor` of shape :obj:`[M, F]`

    Raises:
        ValueError: On another ``reduce``, a dense or malformed :obj:`src`,
            or an :obj:`other` of the wrong shape, layout or device.

    Examples:
        >>> import torch
        >>> adj = torch.tensor([[0.0, 1.0], [1.0, 0.0]]).to_sparse_csr()
        >>> spmm(adj, torch.tensor([[1.0], [2.0]])).view(-1).tolist()
        [2.0, 1.0]
    """
    if not torch.jit.is_scripting():
        return _spmm(src, other, reduce)
    return torch_geometric.utils.spmm(src, other, reduce)


def _spmm(src, other: Tensor, reduce: str) -> Tensor:
    reduce = 'sum' if reduce == 'add' else reduce
    if reduce not in REDUCTIONS:
        raise ValueError(f"'reduce' must be one of {REDUCTIONS} (got {reduce!r})")
    if isinstance(src, EdgeIndex):
        return torch_geometric.utils.spmm(src, other, reduce)
    if isinstance(src, Tensor):
        if src.layout not in SPARSE_LAYOUTS:
            raise ValueError(
                "'src' must be a sparse matrix (a torch sparse tensor, a "
                'SparseTensor, an EdgeIndex or a SparseOperator) '
                f'(got a tensor of layout {src.layout})'
            )
        if src.requires_grad or reduce != 'sum':  # PyG's path keeps its gradient
            if reduce == 'sum':
                return torch.sparse.mm(src, other)
            return torch_geometric.utils.spmm(src, other, reduce)
        if src.layout != torch.sparse_csr:
            warnings.warn(
                f'Converting sparse tensor to CSR format (got {src.layout}); '
                'pass a CSR tensor or a SparseOperator to skip the conversion',
                stacklevel=3,
            )
    elif not isinstance(src, (SparseOperator, SparseTensor)):
        raise ValueError(
            "'src' must be a sparse matrix (a torch sparse tensor, a "
            'SparseTensor, an EdgeIndex or a SparseOperator) '
            f'(got {type(src).__name__})'
        )
    op = as_operator(src)
    if not isinstance(op, SparseOperator):  # a SparseTensor, torch-sparse installed
        if reduce != 'sum':
            return torch_geometric.utils.spmm(op, other, reduce)
        return torch_sparse_matmul(op, other)
    check_dense(other, op, 'other')
    if reduce != 'sum':
        return torch_geometric.utils.spmm(op.matrix.to(other.dtype), other, reduce)
    return op.matmul(other)


def torch_sparse_matmul(src, other: Tensor) -> Tensor:
    r"""``torch_sparse.matmul`` (imported on use: torch-sparse is optional)."""
    import torch_sparse

    return torch_sparse.matmul(src, other)


__all__ = ['spmm', 'REDUCTIONS']
