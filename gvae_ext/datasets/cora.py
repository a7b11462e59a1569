r"""The Cora citation graph, shipped inside the package (no download).

``cora.npz`` is written by ``scripts/build_cora.py`` from the raw Planetoid
files through PyG's :class:`~torch_geometric.datasets.Planetoid`, and holds
exactly the graph PyG loads: the binary bag-of-words as the column indices of
its nonzeros plus row pointers, ``edge_index`` in PyG's order as ``int16``,
the labels as ``uint8`` and the public split masks as packed bits.
"""

from importlib import resources
from typing import Dict

import numpy as np
import torch
from torch_geometric.data import Data

from gvae_ext.sparse.csr import csr_tensor

FORMAT_VERSION = 1
_MASKS = ('train_mask', 'val_mask', 'test_mask')


def encode_cora(data: Data) -> Dict[str, np.ndarray]:
    r"""The compact arrays ``cora.npz`` stores for ``data`` (a Planetoid graph with 0/1 features).

    :func:`decode_cora` inverts it exactly.
    """
    x = data.x.numpy()
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("'data.x' must hold only 0/1 values (got other values)")
    num_nodes, num_features = x.shape
    if max(num_nodes, num_features) > np.iinfo(np.int16).max:
        raise ValueError(
            f"'data' is too large for int16 indices (got {num_nodes} nodes, "
            f'{num_features} features)'
        )
    rows, cols = np.nonzero(x)
    indptr = np.zeros(num_nodes + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=num_nodes), out=indptr[1:])
    out = {
        'format_version': np.array(FORMAT_VERSION, dtype=np.int16),
        'num_features': np.array(num_features, dtype=np.int32),
        'x_indptr': indptr,
        'x_indices': cols.astype(np.int16),
        'edge_index': data.edge_index.numpy().astype(np.int16),
        'y': data.y.numpy().astype(np.uint8),
    }
    for name in _MASKS:
        out[name] = np.packbits(data[name].numpy())
    return out


def decode_cora(arrays, *, sparse_features: bool = False) -> Data:
    r"""Rebuild the :class:`Data` from the arrays of :func:`encode_cora`."""
    version = int(arrays['format_version'])
    if version != FORMAT_VERSION:
        raise ValueError(
            f"'cora.npz' must have format version {FORMAT_VERSION} (got {version}); "
            'rebuild it with scripts/build_cora.py'
        )
    crow = torch.from_numpy(arrays['x_indptr'].astype(np.int64))
    col = torch.from_numpy(arrays['x_indices'].astype(np.int64))
    num_nodes = crow.numel() - 1
    size = (num_nodes, int(arrays['num_features']))
    if sparse_features:
        x = csr_tensor(crow, col, torch.ones(col.numel()), size)
    else:
        x = torch.zeros(size)
        x[torch.arange(num_nodes).repeat_interleave(crow.diff()), col] = 1.0
    data = Data(
        x=x,
        edge_index=torch.from_numpy(arrays['edge_index'].astype(np.int64)),
        y=torch.from_numpy(arrays['y'].astype(np.int64)),
        num_nodes=num_nodes,
    )
    for name in _MASKS:
        bits = np.unpackbits(arrays[name], count=num_nodes)
        data[name] = torch.from_numpy(bits.astype(np.bool_))
    return data


def load_cora(*, sparse_features: bool = False) -> Data:
    r"""The Cora citation graph, as PyG's :class:`~torch_geometric.datasets.Planetoid` loads it.

    The graph of `"Revisiting Semi-Supervised Learning with Graph Embeddings"
    <https://arxiv.org/abs/1603.08861>`_, read from the copy shipped with the
    package (nothing is downloaded).

    The graph has 2708 nodes, 10556 directed edges (5278 undirected edges,
    both directions stored, sorted as PyG sorts them, no self-loops), 1433
    binary bag-of-words features and 7 classes.

    Args:
        sparse_features (bool, optional): Return ``x`` as a sparse CSR tensor
            instead of a dense one. (default: :obj:`False`)

    Returns:
        :class:`torch_geometric.data.Data` with ``x`` (``float32``
        ``[2708, 1433]``), ``edge_index`` (``int64`` ``[2, 10556]``), ``y``
        (``int64`` ``[2708]``), ``num_nodes`` and PyG's public
        ``train_mask``/``val_mask``/``test_mask``.

    Examples:
        >>> data = load_cora()
        >>> data.num_nodes, data.edge_index.size(1)
        (2708, 10556)
    """
    path = resources.files('gvae_ext.datasets').joinpath('cora.npz')
    with path.open('rb') as f, np.load(f) as arrays:
        return decode_cora(arrays, sparse_features=sparse_features)
