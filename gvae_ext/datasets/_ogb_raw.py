r"""OGB's raw graph files (``raw/*.csv.gz`` or ``raw/data.npz``) as a PyG ``Data``.

The graph half of :func:`gvae_ext.datasets.ogb.load_ogbl`; the split files are
read there.
"""

import gzip
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from gvae_ext._checks import check_edge_index


def read_csv(path: Path) -> np.ndarray:
    r"""A headerless numeric CSV (gzip) as a 2-D array: int64 or float32."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas comes with ogb
        pd = None
    if pd is not None:
        array = pd.read_csv(path, compression='gzip', header=None).values
    else:  # pragma: no cover
        with gzip.open(path, 'rt') as f:
            array = np.loadtxt(f, delimiter=',', ndmin=2)
    if array.ndim == 1:
        array = array[:, None]
    # OGB's rule: integer columns stay int64, anything else is float32.
    if array.dtype.kind in 'iub':
        return array.astype(np.int64)
    if array.dtype.kind != 'f':
        raise ValueError(f'{path}: expected numbers only (got dtype {array.dtype})')
    return array.astype(np.float32)


def require(paths) -> None:
    r"""Raise unless every path names a file (nothing is downloaded)."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ValueError(
            f'OGB files missing (nothing is downloaded): {missing} '
            f'(got a folder without them)'
        )


def csv_graph(raw: Path, add_inverse: bool, extras) -> Data:
    r"""The graph of OGB's gzip CSV files in ``raw``."""
    names = ['edge.csv.gz', 'num-node-list.csv.gz', 'num-edge-list.csv.gz']
    require([raw / n for n in names] + [raw / f'{e}.csv.gz' for e in extras])
    edge = read_csv(raw / 'edge.csv.gz')
    num_nodes = int(read_csv(raw / 'num-node-list.csv.gz')[0, 0])
    num_edges = int(read_csv(raw / 'num-edge-list.csv.gz')[0, 0])
    if edge.shape != (num_edges, 2):
        raise ValueError(
            f'{raw / "edge.csv.gz"}: expected {num_edges} lines of 2 node ids '
            f'(got shape {edge.shape})'
        )
    arrays = {'edge_index': edge.T}
    for key, file in (('x', 'node-feat'), ('edge_attr', 'edge-feat')):
        if (raw / f'{file}.csv.gz').is_file():
            arrays[key] = read_csv(raw / f'{file}.csv.gz')
    for extra in extras:
        arrays[extra] = read_csv(raw / f'{extra}.csv.gz')
    return build(arrays, num_nodes, add_inverse, str(raw))


def binary_graph(raw: Path) -> Data:
    r"""The graph of ``raw/data.npz`` (``ogbl-vessel``)."""
    require([raw / 'data.npz'])
    with np.load(raw / 'data.npz', allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for key in ('edge_index', 'num_nodes_list', 'num_edges_list'):
        if key not in arrays:
            raise ValueError(f"{raw / 'data.npz'}: missing the array '{key}'")
    num_nodes = int(arrays.pop('num_nodes_list')[0])
    arrays.pop('num_edges_list')
    renamed = {'node_feat': 'x', 'edge_feat': 'edge_attr'}
    arrays = {renamed.get(k, k): v for k, v in arrays.items()}
    return build(arrays, num_nodes, False, str(raw / 'data.npz'))


def build(arrays: dict, num_nodes: int, add_inverse: bool, source: str) -> Data:
    r"""A checked :class:`~torch_geometric.data.Data` from the raw arrays, as OGB builds it."""
    edge_index = torch.from_numpy(np.ascontiguousarray(arrays.pop('edge_index')))
    check_edge_index(edge_index.long(), num_nodes, name=f'{source}: edge_index')
    edge_index = edge_index.long()
    num_lines = edge_index.size(1)
    if add_inverse:  # OGB interleaves every edge with its reverse
        edge_index = torch.stack([edge_index, edge_index.flip(0)], 2).view(2, -1)
    data = Data(edge_index=edge_index, num_nodes=num_nodes)
    for key, value in arrays.items():
        value = torch.from_numpy(np.ascontiguousarray(value))
        edge_level = key == 'edge_attr' or key.startswith('edge_')
        expected = num_lines if edge_level else num_nodes
        if value.size(0) != expected:
            raise ValueError(
                f"{source}: '{key}' must have {expected} rows (got {value.size(0)})"
            )
        if edge_level and add_inverse:
            value = value.repeat_interleave(2, dim=0)
        data[key] = value
    return data
