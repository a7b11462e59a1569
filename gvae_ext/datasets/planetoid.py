r"""A safe reader for the raw Planetoid files (``ind.NAME.*``).

The raw files of Cora, CiteSeer and PubMed are Python pickles of scipy/numpy
objects. PyG reads them with :func:`pickle.load` and caches the result as a
pickled ``processed/data.pt``; either would run code planted in a file. This
module reads only the raw files, through a restricted unpickler that resolves
exactly the names those files use (numpy's array reconstruction, a scipy CSR
matrix rebuilt as plain arrays, ``defaultdict`` and ``list``) and refuses any
other, so no code from the file runs. PyG's processed cache is never read.
"""

import collections
import io
import os
import pickle
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, index_to_mask, remove_self_loops

try:  # numpy >= 2 (numpy.core is a deprecated alias there)
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct


class _CSRParts:
    r"""The state of a pickled ``scipy.sparse.csr_matrix``, kept as data."""

    def __setstate__(self, state: dict) -> None:
        self.state = state


_ALLOWED = {
    ('numpy', 'ndarray'): np.ndarray,
    ('numpy', 'dtype'): np.dtype,
    ('numpy.core.multiarray', '_reconstruct'): _reconstruct,
    ('numpy._core.multiarray', '_reconstruct'): _reconstruct,
    ('scipy.sparse.csr', 'csr_matrix'): _CSRParts,
    ('scipy.sparse._csr', 'csr_matrix'): _CSRParts,
    ('collections', 'defaultdict'): collections.defaultdict,
    ('__builtin__', 'list'): list,
    ('builtins', 'list'): list,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f'{module}.{name} is not allowed') from None


def _array(obj: Any, path: str) -> np.ndarray:
    if isinstance(obj, _CSRParts):
        s = obj.state
        rows, cols = s['_shape']
        dense = np.zeros((rows, cols), dtype=np.float32)
        counts = np.diff(s['indptr'])
        dense[np.repeat(np.arange(rows), counts), s['indices']] = s['data']
        return dense
    if isinstance(obj, np.ndarray) and obj.dtype.kind in 'biuf' and obj.ndim == 2:
        return obj
    raise ValueError(
        f"'{path}' is not a Planetoid feature/label matrix (got {type(obj).__name__})"
    )


def read_raw_file(path: str) -> Any:
    r"""Unpickle one raw Planetoid file with only the allowed names.

    Args:
        path (str): An ``ind.NAME.{x,tx,allx,y,ty,ally,graph}`` file.

    Returns:
        A ``float32`` matrix as :class:`numpy.ndarray` (features, one-hot
        labels) or the ``graph`` dict of neighbour lists.

    Raises:
        ValueError: For a file that is not such a pickle, or that names any
            other class or function (nothing from it is run).
    """
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        obj = _Unpickler(io.BytesIO(raw), encoding='latin1').load()
    except Exception as err:  # any unpickling failure: the file is not valid
        raise ValueError(
            f"'{path}' is not a valid raw Planetoid file (got {err})"
        ) from None
    if os.fspath(path).endswith('.graph'):
        if not isinstance(obj, dict):
            raise ValueError(
                f"'{path}' must hold a dict of neighbour lists "
                f'(got {type(obj).__name__})'
            )
        return obj
    return _array(obj, path)


def read_planetoid(raw_dir: str, name: str) -> Data:
    r"""Build the Planetoid graph from its raw files without running code.

    The result equals PyG's :func:`~torch_geometric.io.read_planetoid_data`;
    only arrays are unpickled (:func:`read_raw_file`).

    Args:
        raw_dir (str): The folder holding ``ind.<name>.*``.
        name (str): ``Cora``, ``CiteSeer`` or ``PubMed`` (case-insensitive).

    Returns:
        :class:`~torch_geometric.data.Data` with ``x`` ``[N, F]``,
        ``edge_index`` ``[2, E]``, ``y`` ``[N]`` and the standard
        ``train_mask``/``val_mask``/``test_mask`` ``[N]``.
    """
    prefix = os.path.join(os.fspath(raw_dir), f'ind.{name.lower()}.')
    x, tx, allx, y, ty, ally = (
        torch.from_numpy(np.asarray(read_raw_file(prefix + p), dtype=np.float32))
        for p in ('x', 'tx', 'allx', 'y', 'ty', 'ally')
    )
    graph = read_raw_file(prefix + 'graph')
    with open(prefix + 'test.index', encoding='utf-8') as f:
        test_index = torch.tensor([int(line) for line in f if line.strip()])
    sorted_test = test_index.sort()[0]
    if name.lower() == 'citeseer':  # isolated test nodes have no rows
        span = int(test_index.max() - test_index.min()) + 1
        tx_ext = tx.new_zeros(span, tx.size(1))
        tx_ext[sorted_test - test_index.min()] = tx
        ty_ext = ty.new_zeros(span, ty.size(1))
        ty_ext[sorted_test - test_index.min()] = ty
        tx, ty = tx_ext, ty_ext
    feats = torch.cat([allx, tx])
    feats[test_index] = feats[sorted_test]
    labels = torch.cat([ally, ty]).max(dim=1)[1]
    labels[test_index] = labels[sorted_test]
    num_nodes = labels.size(0)
    edge_index = _graph_edges(graph, num_nodes)
    data = Data(x=feats, edge_index=edge_index, y=labels)
    data.train_mask = index_to_mask(torch.arange(y.size(0)), num_nodes)
    data.val_mask = index_to_mask(torch.arange(y.size(0), y.size(0) + 500), num_nodes)
    data.test_mask = index_to_mask(test_index, num_nodes)
    return data


def _graph_edges(graph: dict, num_nodes: int) -> Tensor:
    rows, cols = [], []
    for node, neighbours in graph.items():
        rows += [int(node)] * len(neighbours)
        cols += [int(v) for v in neighbours]
    edge_index = torch.tensor([rows, cols], dtype=torch.long)
    edge_index, _ = remove_self_loops(edge_index)
    return coalesce(edge_index, num_nodes=num_nodes, sort_by_row=False)


__all__ = ['read_raw_file', 'read_planetoid']
