"""SparseOperator: the inputs it accepts."""

import pytest
import torch

from gvae_ext.sparse import SparseOperator


def test_hybrid_coo_matrix_is_refused():
    hybrid = torch.sparse_coo_tensor(torch.tensor([[0, 1]]), torch.rand(2, 3), (2, 3))
    with pytest.raises(ValueError, match=r'two sparse dimensions .*dense dimension'):
        SparseOperator(hybrid)
