r"""Sparse propagation.

The normalised adjacency built once per graph and cached, CSR products with the
symmetric custom backward, and the dispatch to ``torch-sparse`` where it is installed
(:mod:`gvae_ext.sparse.adjacency`), over the CSR helpers of :mod:`gvae_ext.sparse.csr`.
"""

from gvae_ext.sparse._spmm import spmm
from gvae_ext.sparse.adjacency import (
    SPARSE_FEATURE_DENSITY,
    Adj,
    adjacency_operator,
    as_operator,
    clear_cache,
    feature_operator,
    normalized_adjacency,
)
from gvae_ext.sparse.csr import (
    SPARSE_LAYOUTS,
    SparseMatmul,
    SparseOperator,
    crow_indices,
    csr_tensor,
    to_csr,
)

__all__ = [
    'Adj',
    'SPARSE_FEATURE_DENSITY',
    'SPARSE_LAYOUTS',
    'normalized_adjacency',
    'clear_cache',
    'as_operator',
    'spmm',
    'adjacency_operator',
    'feature_operator',
    'SparseOperator',
    'SparseMatmul',
    'csr_tensor',
    'to_csr',
    'crow_indices',
]
