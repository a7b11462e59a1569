r"""``gvae_ext.sparse.spmm`` against PyG's ``torch_geometric.utils.spmm`` (same signature)."""

import warnings

import pytest
import torch
import torch_geometric.utils
from torch import Tensor

from gvae_ext.sparse import SparseOperator, normalized_adjacency, spmm


def _matrix(seed=0, rows=6, cols=5):
    g = torch.Generator().manual_seed(seed)
    dense = torch.randn(rows, cols, generator=g)
    dense[torch.rand(rows, cols, generator=g) < 0.5] = 0.0
    dense[1] = 0.0  # an empty row: 'mean' divides by its count, PyG's way
    return dense, torch.randn(cols, 3, generator=g)


@pytest.mark.parametrize('reduce', ['sum', 'add', 'mean', 'min', 'max'])
def test_spmm_equals_pyg_for_every_reduction(reduce):
    dense, other = _matrix()
    ref = torch_geometric.utils.spmm(dense.to_sparse_csr(), other, reduce)
    if reduce in ('sum', 'add'):
        assert torch.allclose(ref, dense @ other, atol=1e-6)
    for src in (dense.to_sparse_csr(), SparseOperator(dense.to_sparse_csr())):
        assert torch.allclose(spmm(src, other, reduce), ref, atol=1e-6)


@pytest.mark.parametrize('layout', [torch.sparse_coo, torch.sparse_csc])
def test_spmm_warns_once_per_call_on_non_csr_layout(layout):
    dense, other = _matrix(1)
    src = dense.to_sparse(layout=layout)
    with pytest.warns(UserWarning, match='Converting sparse tensor to CSR'):
        out = spmm(src, other)
    assert torch.allclose(out, dense @ other, atol=1e-6)


def test_spmm_csr_and_operator_do_not_warn():
    dense, other = _matrix(2)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        warnings.filterwarnings('ignore', 'Sparse CSR tensor support is in beta')
        spmm(dense.to_sparse_csr(), other)
        spmm(SparseOperator(dense.to_sparse_csr()), other, 'mean')


def test_spmm_mean_of_requires_grad_matrix_gets_gradient():
    dense, other = _matrix(3)
    values = dense.to_sparse_csr().values().clone().requires_grad_()
    csr = dense.to_sparse_csr()
    src = torch.sparse_csr_tensor(
        csr.crow_indices(), csr.col_indices(), values, csr.shape,
        check_invariants=True,
    )  # fmt: skip
    spmm(src, other, 'mean').sum().backward()
    # d/dA_ij of sum_i (sum_j A_ij other_j) / count_i = sum(other_j) / count_i
    per_row = csr.crow_indices().diff()
    row = torch.repeat_interleave(torch.arange(dense.size(0)), per_row)
    expected = other.sum(1)[csr.col_indices()] / per_row[row]
    assert torch.allclose(values.grad, expected, atol=1e-6)


def test_spmm_edge_index_goes_to_pyg():
    edge_index = torch_geometric.EdgeIndex(
        torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), sparse_size=(3, 3), sort_order='row'
    )
    other = torch.arange(6.0).view(3, 2)
    adj = torch.zeros(3, 3)
    adj[edge_index[0], edge_index[1]] = 1.0
    assert torch.allclose(spmm(edge_index, other), adj @ other)
    assert torch.allclose(
        spmm(edge_index, other, 'mean'), adj @ other / adj.sum(1, keepdim=True)
    )


def test_spmm_scripts_through_pyg():
    @torch.jit.script
    def scripted(src: Tensor, other: Tensor, reduce: str) -> Tensor:
        return spmm(src, other, reduce=reduce)

    adj = normalized_adjacency(torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), 3)
    other = torch.randn(3, 4, generator=torch.Generator().manual_seed(4))
    for reduce in ('sum', 'mean'):
        assert torch.allclose(scripted(adj, other, reduce), spmm(adj, other, reduce))


@pytest.mark.parametrize(
    'src, reduce, match',
    [
        (torch.eye(3).to_sparse_csr(), 'prod', "'reduce' must be one of"),
        (
            torch.eye(3),
            'sum',
            "'src' must be a 2-D sparse matrix .*layout torch.strided",
        ),
        ([[1.0]], 'sum', "'src' must be a 2-D sparse matrix .*got list"),
    ],
    ids=['reduce', 'dense', 'list'],
)
def test_spmm_errors_name_the_argument(src, reduce, match):
    with pytest.raises(ValueError, match=match):
        spmm(src, torch.ones(3, 2), reduce)


def test_spmm_sparse_other_and_3d_src_as_pyg():
    dense, other = _matrix(6)
    csr, other_csr = dense.to_sparse_csr(), other.to_sparse_csr()
    ref = torch_geometric.utils.spmm(csr, other_csr)
    out = spmm(csr, other_csr)
    assert out.layout == ref.layout
    assert torch.allclose(out.to_dense(), dense @ other, atol=1e-6)
    with pytest.raises(ValueError, match="'src' must be a 2-D sparse matrix .*shape"):
        spmm(torch.ones(2, 3, 3).to_sparse(), torch.ones(3, 2))


def test_spmm_compiles_through_pyg():
    # under torch.compile the call is PyG's (dynamo cannot trace the operator cache)
    adj = normalized_adjacency(torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), 3)
    other = torch.randn(3, 4, generator=torch.Generator().manual_seed(7))
    compiled = torch.compile(spmm, backend='eager', fullgraph=False)
    assert torch.allclose(compiled(adj, other), spmm(adj, other), atol=1e-6)
