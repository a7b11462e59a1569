r"""OGB's raw graph files (``raw/*.csv.gz`` or ``raw/data.npz``) as a PyG ``Data``.

The graph half of :func:`gvae_ext.datasets.ogb.load_ogbl`; the split files are
read there.
"""

import gzip
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from gvae_ext._checks import check_edge_index

_INT64_MAX = np.iinfo(np.int64).max


def first_line(err: BaseException) -> str:
    r"""``Type: first line of the message`` (just ``Type`` when it is empty)."""
    lines = str(err).strip().splitlines()
    return f'{type(err).__name__}: {lines[0]}' if lines else type(err).__name__


def _read_table(path: Path) -> np.ndarray:
    r"""A headerless numeric CSV (gzip) as a 2-D array, as the parser returns it."""
    with open(path, 'rb') as f:
        magic = f.read(2)
    if not magic:
        raise ValueError(f'{path}: the file is empty (got 0 bytes)')
    if magic != b'\x1f\x8b':
        raise ValueError(
            f'{path}: not a gzip-compressed CSV file (got first bytes {magic!r})'
        )
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas comes with ogb
        pd = None
    try:
        if pd is not None:
            array = pd.read_csv(path, compression='gzip', header=None).values
        else:  # pragma: no cover
            with gzip.open(path, 'rt') as f:
                array = np.loadtxt(f, delimiter=',', ndmin=2)
    except EOFError as err:
        raise ValueError(
            f'{path}: truncated gzip file (got {first_line(err)})'
        ) from err
    except (OSError, zlib.error) as err:
        raise ValueError(
            f'{path}: not a readable gzip file (got {first_line(err)})'
        ) from err
    except ValueError as err:  # pandas' EmptyDataError and ParserError among them
        if pd is not None and isinstance(err, pd.errors.EmptyDataError):
            raise ValueError(
                f'{path}: no data, the file holds no lines (got {first_line(err)})'
            ) from err
        raise ValueError(
            f'{path}: not a headerless numeric CSV (got {first_line(err)})'
        ) from err
    if array.ndim == 1:
        array = array[:, None]
    if array.dtype.kind not in 'iubf':
        raise ValueError(f'{path}: expected numbers only (got dtype {array.dtype})')
    return array


def read_csv(path: Path) -> np.ndarray:
    r"""A headerless numeric CSV (gzip) as a 2-D array: int64 or float32."""
    array = _read_table(path)
    # OGB's rule: integer columns stay int64, anything else is float32.
    if array.dtype.kind == 'b':
        return array.astype(np.int64)
    if array.dtype.kind in 'iu':
        return as_int64(array, str(path), 'values', lines=True)
    return array.astype(np.float32)


def as_int64(
    array: np.ndarray, source: str, what: str, *, lines: bool = False
) -> np.ndarray:
    r"""``array`` as int64, refusing any value that would not convert exactly.

    Integer arrays pass; a float array passes only where every value is a
    whole number (``3.0``: pandas reads a file with one such value as
    floats, and OGB's own reader casts it), so nothing is truncated. With
    ``lines``, the rows of ``array`` are the lines of a CSV file.
    """
    array = np.asarray(array)
    kind = array.dtype.kind
    if kind == 'i':
        return array.astype(np.int64)
    if kind == 'u':
        if array.size and int(array.max()) > _INT64_MAX:
            raise ValueError(
                f'{source}: {what} must fit in int64 (got {int(array.max())})'
            )
        return array.astype(np.int64)
    if kind == 'f':
        wide = array.astype(np.float64)
        ok = np.isfinite(wide)
        ok[ok] = (wide[ok] == np.floor(wide[ok])) & (np.abs(wide[ok]) < 2.0**63)
        if not ok.all():
            where = tuple(int(i) for i in np.argwhere(~ok)[0])
            at = f'line {where[0] + 1}' if lines else f'index {list(where)}'
            kind = 'an integer' if array.size == 1 else 'integers'
            raise ValueError(
                f'{source}: {what} must be {kind} (got {array[where].item()!r} at {at})'
            )
        return wide.astype(np.int64)
    raise ValueError(f'{source}: {what} must be integers (got dtype {array.dtype})')


def read_count(path: Path, what: str, *, low: int) -> int:
    r"""The one integer of ``num-node-list.csv.gz`` / ``num-edge-list.csv.gz``."""
    array = _read_table(path)
    if array.shape != (1, 1):
        raise ValueError(
            f'{path}: expected one number, for a single graph (got shape {array.shape})'
        )
    value = int(as_int64(array, str(path), what, lines=True)[0, 0])
    if value < low:
        raise ValueError(f'{path}: {what} must be at least {low} (got {value})')
    return value


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
    path = raw / 'edge.csv.gz'
    edge = as_int64(_read_table(path), str(path), 'node ids', lines=True)
    num_nodes = read_count(raw / 'num-node-list.csv.gz', 'the number of nodes', low=1)
    num_edges = read_count(raw / 'num-edge-list.csv.gz', 'the number of edges', low=0)
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
    path = raw / 'data.npz'
    require([path])
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError(
                f'{path}: expected an .npz archive (got a single .npy array)'
            )
        with npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        if str(err).startswith(str(path)):
            raise
        raise ValueError(
            f'{path}: not a readable .npz archive of plain arrays '
            f'(got {first_line(err)})'
        ) from err
    for key in ('edge_index', 'num_nodes_list', 'num_edges_list'):
        if key not in arrays:
            raise ValueError(f"{path}: missing the array '{key}'")
    counts = {}
    for key in ('num_nodes_list', 'num_edges_list'):
        value = arrays.pop(key)
        if value.size != 1:
            raise ValueError(
                f"{path}: '{key}' must hold one number, for a single graph "
                f'(got shape {value.shape})'
            )
        counts[key] = int(as_int64(value.reshape(-1), str(path), f"'{key}'")[0])
    edge_index = as_int64(arrays['edge_index'], str(path), "'edge_index'")
    num_edges = counts['num_edges_list']
    if edge_index.shape[:1] == (2,) and edge_index.shape[1:] != (num_edges,):
        raise ValueError(
            f"{path}: 'edge_index' must have num_edges_list={num_edges} "
            f'columns (got shape {edge_index.shape})'
        )
    arrays['edge_index'] = edge_index
    renamed = {'node_feat': 'x', 'edge_feat': 'edge_attr'}
    arrays = {renamed.get(k, k): v for k, v in arrays.items()}
    return build(arrays, counts['num_nodes_list'], False, str(path))


def build(arrays: dict, num_nodes: int, add_inverse: bool, source: str) -> Data:
    r"""A checked :class:`~torch_geometric.data.Data` from the raw arrays, as OGB builds it."""
    if num_nodes < 1:
        raise ValueError(
            f'{source}: the graph must have nodes (got num_nodes={num_nodes})'
        )
    edge_index = as_int64(arrays.pop('edge_index'), source, "'edge_index'")
    edge_index = torch.from_numpy(np.ascontiguousarray(edge_index))
    check_edge_index(edge_index, num_nodes, name=f'{source}: edge_index')
    num_lines = edge_index.size(1)
    if add_inverse:  # OGB interleaves every edge with its reverse
        edge_index = torch.stack([edge_index, edge_index.flip(0)], 2).view(2, -1)
    data = Data(edge_index=edge_index, num_nodes=num_nodes)
    for key, value in arrays.items():
        if value.dtype.kind not in 'biuf' or value.ndim == 0:
            raise ValueError(
                f"{source}: '{key}' must be a numeric array with one row per "
                f'node or edge (got dtype {value.dtype}, shape {value.shape})'
            )
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
