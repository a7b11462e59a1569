r"""The pair kernel under the decoders: the fused inner product of node pairs.

:func:`inner_product` scores pairs :math:`\mathbf{z}_i^\top \mathbf{z}_j` with a
backward that keeps only :math:`\mathbf{Z}` alive; a :class:`PairIndex` turns
that backward into one CSR product. Public through :mod:`gvae_ext.nn.decoders`.
"""

from typing import NamedTuple, Optional

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from gvae_ext._checks import check_tensor
from gvae_ext.sparse.csr import crow_indices, csr_tensor


def check_embedding(z, name: str = 'z') -> Tensor:
    r"""Raise unless :obj:`z` is a 2-D floating-point tensor."""
    check_tensor(z, name)
    if z.dim() != 2 or not torch.is_floating_point(z):
        raise ValueError(
            f"'{name}' must be a 2-D floating-point tensor [num_nodes, channels] "
            f'(got shape {tuple(z.shape)} and dtype {z.dtype})'
        )
    return z


class PairIndex(NamedTuple):
    r"""A fixed set of pairs :math:`(i, j)` prepared so that the gradient of their inner products is one CSR product.

    The pairs in both orientations, :math:`(i, j)` and :math:`(j, i)`, sorted by
    row.

    Attributes:
        row (LongTensor): The first node of each pair.
        col (LongTensor): The second node of each pair.
        crow (LongTensor): CSR row pointers of the :obj:`2 * num_pairs`
            oriented entries.
        scol (LongTensor): Their column indices.
        src (LongTensor): For each entry, the pair it comes from.
    """

    row: Tensor
    col: Tensor
    crow: Tensor
    scol: Tensor
    src: Tensor

    def gradient_matrix(self, value: Tensor, num_nodes: int) -> Tensor:
        r"""The CSR matrix :math:`S + S^\top` with :math:`S_{ij} =` the :obj:`value` of pair :math:`(i, j)`.

        Duplicates add up, so that the gradient of :math:`\sum_p v_p\,
        \mathbf{z}_{i_p}^\top \mathbf{z}_{j_p}` with respect to
        :math:`\mathbf{Z}` is :math:`(S + S^\top)\mathbf{Z}`.
        """
        size = (num_nodes, num_nodes)
        return csr_tensor(self.crow, self.scol, value[self.src], size)


def pair_index(edge_index: Tensor, num_nodes: int) -> PairIndex:
    r"""Build the :class:`PairIndex` of an (already checked) :obj:`edge_index`."""
    row, col = edge_index.long()
    rows, cols = torch.cat([row, col]), torch.cat([col, row])
    perm = torch.argsort(rows * num_nodes + cols)
    return PairIndex(
        row,
        col,
        crow_indices(rows[perm], num_nodes),
        cols[perm],
        perm.remainder(row.numel()),
    )


class _PairDot(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z: Tensor, row: Tensor, col: Tensor, index: Optional[PairIndex]):
        z_row, z_col = z.index_select(0, row), z.index_select(0, col)
        ctx.index, ctx.num_nodes = index, z.size(0)
        # Only z is kept for the backward: the [E, d] gathers are recomputed
        # there, so a large batch of pairs does not hold two copies alive.
        ctx.save_for_backward(z, row, col)
        return (z_row * z_col).sum(dim=-1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor):
        index, n = ctx.index, ctx.num_nodes
        z, row, col = ctx.saved_tensors
        if index is None:
            grad = grad.unsqueeze(-1)
            out = z.new_zeros(n, z.size(1))
            out.index_add_(0, row, z.index_select(0, col) * grad)
            return (
                out.index_add_(0, col, z.index_select(0, row) * grad),
                None,
                None,
                None,
            )
        return index.gradient_matrix(grad, n) @ z, None, None, None


def inner_product(
    z: Tensor, edge_index: Tensor, index: Optional[PairIndex] = None
) -> Tensor:
    r"""Unchecked :math:`\mathbf{z}_i^\top \mathbf{z}_j` for every column :obj:`(i, j)` of :obj:`edge_index`.

    The backward scatters with :meth:`torch.Tensor.index_add_`. Given a
    :class:`PairIndex` (worth caching for pairs scored every epoch), the
    pairs of the index are scored instead of :obj:`edge_index`, and the
    backward is one CSR product, faster on CPU. Not twice differentiable.
    """
    if index is not None:
        return _PairDot.apply(z, index.row, index.col, index)
    row, col = edge_index
    return _PairDot.apply(z, row, col, None)


__all__ = ['PairIndex', 'check_embedding', 'inner_product', 'pair_index']
