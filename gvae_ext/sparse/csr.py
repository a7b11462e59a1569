r"""Sparse matrices prepared for repeated sparse-dense products (private).

:class:`SparseOperator` is re-exported by :mod:`gvae_ext.sparse`.
"""

import warnings
from typing import Any

import torch
from torch import Tensor

from gvae_ext._checks import check_tensor
from gvae_ext.typing import SparseTensor

SPARSE_LAYOUTS = (torch.sparse_coo, torch.sparse_csr, torch.sparse_csc)


_QUIET = False  # torch warns once per process that CSR support is in beta


def _quiet(fn, *args):
    global _QUIET
    if _QUIET:
        return fn(*args)
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='Sparse CSR tensor support')
        out = fn(*args)
    _QUIET = True
    return out


def csr_tensor(crow: Tensor, col: Tensor, value: Tensor, size) -> Tensor:
    r"""A CSR tensor from trusted parts (no invariant check)."""
    return _quiet(
        lambda: torch.sparse_csr_tensor(
            crow, col, value, size=tuple(size), check_invariants=False
        )
    )


def to_csr(matrix: Tensor) -> Tensor:
    r"""Any 2-D tensor as CSR."""
    if matrix.layout == torch.sparse_coo:
        matrix = matrix.coalesce()
    return _quiet(matrix.to_sparse_csr)


def crow_indices(row: Tensor, num_rows: int) -> Tensor:
    r"""The CSR row pointer of the sorted row ids :obj:`row`.

    Args:
        row (LongTensor): Row ids in ascending order, :obj:`[nnz]`.
        num_rows (int): The number of rows.

    Returns:
        LongTensor: The row pointer, :obj:`[num_rows + 1]`.
    """
    count = torch.bincount(row, minlength=num_rows)
    return torch.cat([count.new_zeros(1), torch.cumsum(count, 0)])


class SparseOperator:
    r"""A fixed sparse matrix :math:`S` ready for repeated products :math:`S X` with dense :math:`X`.

    The transpose is prepared once, when the operator is built, and reused by
    every backward pass (:math:`\partial L / \partial X = S^\top G`); when
    :math:`S` is symmetric, :math:`S` itself is used. No gradient flows into
    the values of :math:`S`.

    Args:
        matrix (torch.Tensor): A 2-D sparse matrix (COO, CSR or CSC).
    """

    def __init__(self, matrix: Tensor, *, _transpose: Any = None):
        check_tensor(matrix, 'matrix')
        hybrid = matrix.layout == torch.sparse_coo and matrix.dense_dim() != 0
        if matrix.layout not in SPARSE_LAYOUTS or matrix.dim() != 2 or hybrid:
            dims = ' with a dense dimension' if hybrid else ''
            raise ValueError(
                "'matrix' must be a 2-D torch sparse tensor with two sparse "
                f'dimensions (got layout {matrix.layout} and shape '
                f'{tuple(matrix.shape)}{dims})'
            )
        self.matrix = to_csr(matrix.detach())
        self._ts = {}
        if _transpose is None:
            _transpose = self._transpose_structure()
        self._t_crow, self._t_col, self._t_perm = _transpose
        value = self.matrix.values()
        self.symmetric = (
            self.shape[0] == self.shape[1]
            and torch.equal(self._t_crow, self.matrix.crow_indices())
            and torch.equal(self._t_col, self.matrix.col_indices())
            and torch.equal(value[self._t_perm], value)
        )
        self.transpose = self.matrix if self.symmetric else self._transposed(value)
        dtype = self.matrix.dtype
        self._cast = {(dtype, False): self.matrix, (dtype, True): self.transpose}

    @property
    def shape(self) -> torch.Size:
        r"""The shape of :math:`S`."""
        return self.matrix.shape

    @property
    def device(self) -> torch.device:
        r"""The device of :math:`S`."""
        return self.matrix.device

    def _transpose_structure(self):
        crow, col = self.matrix.crow_indices(), self.matrix.col_indices()
        num_rows, num_cols = self.shape
        row = torch.repeat_interleave(
            torch.arange(num_rows, device=crow.device), crow.diff()
        )
        perm = torch.argsort(col * num_rows + row)
        return crow_indices(col, num_cols), row[perm], perm

    def _transposed(self, value: Tensor) -> Tensor:
        return csr_tensor(
            self._t_crow, self._t_col, value[self._t_perm], self.shape[::-1]
        )

    def with_values(self, value: Tensor) -> 'SparseOperator':
        r"""The same sparsity pattern with new :obj:`value` (e.g. after dropout).

        The transpose structure is shared, not recomputed.
        """
        m = self.matrix
        matrix = csr_tensor(m.crow_indices(), m.col_indices(), value, m.shape)
        return SparseOperator(
            matrix, _transpose=(self._t_crow, self._t_col, self._t_perm)
        )

    def csr(self, dtype: torch.dtype, transpose: bool = False) -> Tensor:
        r"""The matrix (or its transpose) as CSR with values of :obj:`dtype`."""
        out = self._cast.get((dtype, transpose))
        if out is None:
            out = (self.transpose if transpose else self.matrix).to(dtype)
            self._cast[(dtype, transpose)] = out
        return out

    def torch_sparse(self, dtype: torch.dtype) -> SparseTensor:
        r"""The matrix as a :class:`torch_sparse.SparseTensor` (cached)."""
        if dtype not in self._ts:
            m = self.matrix
            self._ts[dtype] = SparseTensor(
                rowptr=m.crow_indices(),
                col=m.col_indices(),
                value=m.values().to(dtype),
                sparse_sizes=tuple(m.shape),
                is_sorted=True,
                trust_data=True,
            )
        return self._ts[dtype]

    def matmul(self, dense: Tensor) -> Tensor:
        r"""Compute :math:`S X` for a dense 2-D :obj:`dense`."""
        check_dense(dense, self, 'x')
        return SparseMatmul.apply(dense, self)

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(shape={tuple(self.shape)}, '
            f'nnz={self.matrix.values().numel()}, symmetric={self.symmetric})'
        )


def check_dense(dense: Tensor, op: SparseOperator, name: str) -> None:
    r"""Raise :class:`ValueError` unless :obj:`dense` can multiply :obj:`op` from the right."""
    check_tensor(dense, name)
    if dense.dim() != 2 or dense.layout != torch.strided:
        raise ValueError(
            f"'{name}' must be a dense 2-D tensor (got layout {dense.layout} "
            f'and shape {tuple(dense.shape)})'
        )
    if dense.size(0) != op.shape[1]:
        raise ValueError(
            f"'{name}' must have {op.shape[1]} rows to match the sparse matrix "
            f'of shape {tuple(op.shape)} (got {dense.size(0)})'
        )
    if dense.device != op.device:
        raise ValueError(
            f"'{name}' must be on the device of the sparse matrix ({op.device}) "
            f'(got {dense.device})'
        )


class SparseMatmul(torch.autograd.Function):
    r"""The product :math:`S X` of a :class:`SparseOperator` and a dense matrix.

    The backward uses the operator's prepared transpose.
    """

    @staticmethod
    def forward(ctx, dense: Tensor, op: SparseOperator) -> Tensor:
        r"""Return :math:`S X` for :obj:`dense` :math:`X` of shape :obj:`[n, F]`."""
        ctx.op = op
        return op.csr(dense.dtype) @ dense

    @staticmethod
    def backward(ctx, grad: Tensor):
        r"""Return :math:`S^\top G` for the gradient :math:`G` of the output."""
        if not ctx.needs_input_grad[0]:
            return None, None
        op = ctx.op
        return op.csr(grad.dtype, True) @ grad.contiguous(), None


__all__ = ['SparseOperator', 'SparseMatmul', 'csr_tensor', 'to_csr', 'crow_indices']
