r"""Graph preparation shared by the baselines (private).

Every baseline reads :obj:`edge_index` as a simple undirected graph: the
direction of an edge, repeated edges and self-loops are ignored.
"""

from typing import Optional, Tuple

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_generator, check_positive_int


def check_inputs(
    edge_index: Tensor,
    num_nodes: int,
    dim: int,
    generator: Optional[torch.Generator],
) -> Tuple[int, int]:
    r"""Validate the arguments every baseline shares; return ``(N, dim)``."""
    if num_nodes is None:
        raise ValueError("'num_nodes' must be a positive integer (got None)")
    num_nodes = check_edge_index(edge_index, num_nodes)
    dim = check_positive_int(dim, 'dim')
    check_generator(generator, device=edge_index.device)
    return num_nodes, dim


def undirected(edge_index: Tensor, num_nodes: int) -> Tuple[Tensor, Tensor]:
    r"""Both directions of every distinct non-loop edge, sorted by row.

    Returns:
        ``(row, col)``: ``int64`` tensors on the device of ``edge_index``.
    """
    row, col = edge_index.long()
    keep = row != col
    row, col = row[keep], col[keep]
    ids = torch.cat([row * num_nodes + col, col * num_nodes + row])
    ids = torch.unique(ids)
    return ids // num_nodes, ids % num_nodes


def connected_components(row: Tensor, col: Tensor, num_nodes: int) -> Tensor:
    r"""Component id in ``[0, num_components)`` of every node.

    Min-label propagation with pointer jumping: every node takes the
    smallest label among itself and its neighbours, then the label of that
    label. Labels only decrease and stay inside the component, so at the
    fixed point each component carries its smallest node index. Runs in
    torch on the device of the inputs (one host sync per round).
    """
    label = torch.arange(num_nodes, device=row.device)
    while True:
        new = label.scatter_reduce(0, row, label[col], 'amin', include_self=True)
        new = new[new]
        if torch.equal(new, label):
            break
        label = new
    return torch.unique(label, return_inverse=True)[1]
