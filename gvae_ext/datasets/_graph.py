r"""Helpers shared by the graph loaders: identity features and edge cleaning.

Every loader in :mod:`gvae_ext.datasets` returns a *simple undirected* graph:
both directions of each edge, no self-loops, no duplicates, ``edge_index``
coalesced. The autoencoders decode with a symmetric inner product, so an
edge's direction carries no information for them.
"""

import copy
from typing import Optional, Union

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.utils import remove_self_loops, to_undirected

from gvae_ext._checks import check_positive_int
from gvae_ext.sparse.csr import csr_tensor

Device = Union[torch.device, str, None]


def check_data(data) -> Data:
    r"""Raise :class:`TypeError` unless ``data`` is a PyG :class:`Data`."""
    if not isinstance(data, Data):
        raise TypeError(
            f"'data' must be a torch_geometric Data (got {type(data).__name__})"
        )
    return data


def identity_features(num_nodes: int, *, device: Device = None) -> Tensor:
    r"""The ``[num_nodes, num_nodes]`` identity as a sparse CSR ``float32`` tensor.

    The node features of the featureless models (GAE*/VGAE* of `"Variational Graph
    Auto-Encoders" <https://arxiv.org/abs/1611.07308>`_).

    It stores ``num_nodes`` nonzeros, never a dense :math:`N \times N` matrix.

    Args:
        num_nodes (int): The number of nodes :math:`N`.
        device (torch.device or str, optional): Where to build it.
            (default: :obj:`None`, the default device)

    :rtype: :class:`torch.Tensor` (layout :obj:`torch.sparse_csr`)

    Examples:
        >>> identity_features(3).to_dense()
        tensor([[1., 0., 0.],
                [0., 1., 0.],
                [0., 0., 1.]])
    """
    num_nodes = check_positive_int(num_nodes, 'num_nodes')
    crow = torch.arange(num_nodes + 1, device=device)
    col = torch.arange(num_nodes, device=device)
    values = torch.ones(num_nodes, device=device)
    return csr_tensor(crow, col, values, (num_nodes, num_nodes))


def featureless(data: Data) -> Data:
    r"""A shallow copy of ``data`` whose ``x`` is the sparse identity :func:`identity_features`.

    The featureless GAE*/VGAE* setting.

    ``data`` itself is not modified; the identity is built on the device of
    ``data.edge_index``.

    Args:
        data (torch_geometric.data.Data): A graph with ``edge_index`` and a
            known number of nodes.

    :rtype: :class:`torch_geometric.data.Data`
    """
    check_data(data)
    num_nodes = data.num_nodes
    if not num_nodes:
        raise ValueError(f"'data' must have at least one node (got {num_nodes})")
    device = data.edge_index.device if data.edge_index is not None else None
    out = copy.copy(data)
    out.x = identity_features(num_nodes, device=device)
    out.num_nodes = num_nodes
    return out


def simple_undirected(edge_index: Tensor, num_nodes: int) -> Tensor:
    r"""Drop self-loops, add every missing reverse edge and merge duplicates.

    The result is coalesced (sorted by row, then column).
    """
    edge_index, _ = remove_self_loops(edge_index)
    return to_undirected(edge_index, num_nodes=num_nodes)


def graph_data(
    edge_index: Tensor,
    num_nodes: int,
    x: Optional[Tensor],
    source: str,
    node_ids=None,
) -> Data:
    r"""Build the loaders' :class:`Data`.

    Clean ``edge_index``, identity features when ``x`` is :obj:`None`, ``node_ids``
    when given.

    ``source`` (a file name or an argument name) starts the error message
    raised for a graph without any edge between two distinct nodes.
    """
    edge_index = simple_undirected(edge_index, num_nodes)
    if edge_index.size(1) == 0:
        raise ValueError(
            f'{source}: needs at least one edge between two distinct nodes '
            f'(got {num_nodes} node(s) and no such edge)'
        )
    if x is None:
        x = identity_features(num_nodes, device=edge_index.device)
    data = Data(x=x, edge_index=edge_index, num_nodes=num_nodes)
    if node_ids is not None:
        data.node_ids = node_ids
    return data
