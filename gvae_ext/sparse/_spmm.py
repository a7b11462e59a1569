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

    PyG's :func:`torch_geometric.utils.spmm` (same arguments, same results).
    A ``'sum'`` with a dense :obj:`other` goes through a
    :class:`~gvae_ext.sparse.SparseOperator`, cached on the tensor's identity,
    whose backward multiplies by its prepared transpose: faster when the same
    matrix is multiplied again (every epoch of training). Everything else --
    the other reductions, a sparse :obj:`other`, an
    :class:`~torch_geometric.EdgeIndex`, and calls under
    :func:`torch.jit.script`, :func:`torch.jit.trace` or :func:`torch.compile`
    -- is PyG's function.

    A torch sparse :obj:`src` that requires grad is multiplied with
    :func:`torch.sparse.mm` so that its values receive a gradient. A COO
    :obj:`src` (and a CSC one, when :obj:`other` does not require grad) warns
    that it is converted to CSR, as PyG's does; pass a CSR tensor or a
    :class:`~gvae_ext.sparse.SparseOperator` to avoid it.

    Args:
        src (torch.Tensor or SparseTensor or EdgeIndex or SparseOperator): The
            sparse :math:`[M, N]` matrix.
        other (torch.Tensor): The :math:`[N, F]` matrix. Through the
            operator (a ``'sum'``) the product is in its dtype: a sparse
            matrix of another dtype is cast to it.
        reduce (str, optional): :obj:`'sum'` (or :obj:`'add'`),
            :obj:`'mean'`, :obj:`'min'` or :obj:`'max'`. (default: :obj:`'sum'`)

    :rtype: :class:`torch.Tensor` of shape :obj:`[M, F]`

    Raises:
        ValueError: On another ``reduce``, a :obj:`src` that is not a 2-D
            sparse matrix, or (through the operator) an :obj:`other` of the
            wrong shape, layout or device. PyG's function raises its own
            errors for the calls it handles.

    Changed in 0.2: the arguments were ``(adj, x)``, sum only.

    Examples:
        >>> import torch
        >>> adj = torch.tensor([[0.0, 1.0], [1.0, 0.0]]).to_sparse_csr()
        >>> spmm(adj, torch.tensor([[1.0], [2.0]])).view(-1).tolist()
        [2.0, 1.0]
    """
    if not torch.jit.is_scripting():
        if not (torch.jit.is_tracing() or torch.compiler.is_compiling()):
            return _spmm(src, other, reduce)
    return torch_geometric.utils.spmm(src, other, reduce)


def _not_sparse(src) -> ValueError:
    return ValueError(
        "'src' must be a 2-D sparse matrix (a torch sparse tensor, a SparseTensor, "
        f'an EdgeIndex or a SparseOperator) (got {_describe(src)})'
    )


def _describe(src) -> str:
    if isinstance(src, Tensor):
        return f'a tensor of layout {src.layout} and shape {tuple(src.shape)}'
    return type(src).__name__


def _spmm(src, other: Tensor, reduce: str) -> Tensor:
    reduce = 'sum' if reduce == 'add' else reduce
    if reduce not in REDUCTIONS:
        raise ValueError(f"'reduce' must be one of {REDUCTIONS} (got {reduce!r})")
    if isinstance(src, EdgeIndex):
        return torch_geometric.utils.spmm(src, other, reduce)
    # gvae_ext's own product: a sum with a dense `other`; the rest is PyG's
    own = reduce == 'sum' and not (
        isinstance(other, Tensor) and other.layout != torch.strided
    )
    if isinstance(src, Tensor):
        if src.layout not in SPARSE_LAYOUTS or src.dim() != 2 or src.dense_dim() > 0:
            raise _not_sparse(src)
        if not own:
            return torch_geometric.utils.spmm(src, other, reduce)
        if src.requires_grad:  # keeps the values' gradient
            return torch.sparse.mm(src, other)
        if src.layout == torch.sparse_coo or (
            src.layout == torch.sparse_csc and not other.requires_grad
        ):
            warnings.warn(
                f'Converting sparse tensor to CSR format (got {src.layout}); '
                'pass a CSR tensor or a SparseOperator to skip the conversion',
                stacklevel=3,
            )
    elif not isinstance(src, (SparseOperator, SparseTensor)):
        raise _not_sparse(src)
    op = as_operator(src)
    if isinstance(op, SparseOperator):
        if own:
            check_dense(other, op, 'other')
            return op.matmul(other)
        matrix = op.matrix
        if isinstance(other, Tensor) and other.is_floating_point():
            matrix = matrix.to(other.dtype)
        return torch_geometric.utils.spmm(matrix, other, reduce)
    if not own:  # a SparseTensor, torch-sparse installed
        return torch_geometric.utils.spmm(op, other, reduce)
    import torch_sparse  # optional: only a SparseTensor gets here

    return torch_sparse.matmul(op, other)


__all__ = ['spmm', 'REDUCTIONS']
