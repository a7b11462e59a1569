r"""The node features of a sampled subgraph, for mini-batch encoders."""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_features
from gvae_ext.sampling.neighbor import _expand
from gvae_ext.sparse import SPARSE_FEATURE_DENSITY, SPARSE_LAYOUTS, csr_tensor, to_csr


def subgraph_features(x: Optional[Tensor], node: Tensor, num_nodes: int) -> Tensor:
    r"""The feature rows of :obj:`node`.

    :obj:`x[node]` for dense features, the same rows as CSR for sparse ones, and for
    :obj:`x=None` (identity features) the one-hot CSR matrix :obj:`[len(node),
    num_nodes]`.
    """
    num = node.numel()
    if x is None:
        crow = torch.arange(num + 1, device=node.device)
        ones = torch.ones(num, device=node.device)
        return csr_tensor(crow, node, ones, (num, num_nodes))
    if x.layout == torch.strided:
        return x.index_select(0, node)
    if x.layout != torch.sparse_csr:
        x = to_csr(x)
    crow = x.crow_indices()
    start = crow[node]
    deg = crow[node + 1] - start
    _, pos = _expand(start, deg)
    new_crow = torch.cat([deg.new_zeros(1), torch.cumsum(deg, 0)])
    values = x.values()[pos]
    return csr_tensor(new_crow, x.col_indices()[pos], values, (num, x.size(1)))


def prepare_features(x: Optional[Tensor], num_nodes: int) -> Optional[Tensor]:
    r"""Check node features once and store sparse or mostly-zero ones as CSR.

    Args:
        x (torch.Tensor, optional): Node features :obj:`[num_nodes, F]`.
        num_nodes (int): The number of nodes.

    Returns:
        torch.Tensor, optional: :obj:`x` itself, or its CSR copy; :obj:`None`
        for :obj:`None`.
    """
    # Validated once; sparse or mostly-zero features become CSR once, so
    # that each batch gathers rows of a CSR matrix (the encoder would convert
    # every batch's dense rows otherwise; the products are the same).
    if x is None:
        return None
    check_features(x, num_nodes)
    if x.layout in SPARSE_LAYOUTS:
        return x if x.layout == torch.sparse_csr else to_csr(x)
    if x.requires_grad or x.numel() == 0:
        return x
    if int(torch.count_nonzero(x)) < SPARSE_FEATURE_DENSITY * x.numel():
        return to_csr(x)
    return x


__all__ = ['subgraph_features', 'prepare_features']
