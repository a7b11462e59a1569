r"""Malformed OGB folders: every bad file is refused with a ValueError naming it."""

import gzip

import numpy as np
import pytest
import torch

from gvae_ext.cli import main
from gvae_ext.datasets.ogb import load_ogbl
from tests.datasets.test_ogb import EDGES, write_collab, write_csv


def load_error(name, root):
    r"""The message of the ValueError that ``load_ogbl`` raises."""
    with pytest.raises(ValueError) as info:
        load_ogbl(name, root)
    return str(info.value)


def cli_error(root, capsys):
    r"""``gvae-ext fit`` on the collab folder: exit 2 and one line on stderr."""
    capsys.readouterr()
    args = ['fit', '--dataset', 'ogbl:collab', '--root', str(root), '--no-progress']
    assert main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith('gvae-ext fit: error: ')
    assert 'Traceback' not in captured.err
    return lines[0]


# Empty and truncated split files.


def test_empty_split_file_in_the_cli(tmp_path, capsys):
    r"""A 0-byte ``valid.pt`` is named as empty (it was a raw IndexError)."""
    base = write_collab(tmp_path)
    path = base / 'split' / 'time' / 'valid.pt'
    path.write_bytes(b'')
    assert load_error('ogbl-collab', tmp_path) == (
        f'{path}: the file is empty (got 0 bytes)'
    )
    line = cli_error(tmp_path, capsys)
    assert line == f'gvae-ext fit: error: {path}: the file is empty (got 0 bytes)'


def test_truncated_split_file(tmp_path):
    r"""A pickle cut short (``EOFError('')``) is named as truncated."""
    base = write_collab(tmp_path)
    path = base / 'split' / 'time' / 'test.pt'
    path.write_bytes(b'\x80\x02')
    assert load_error('ogbl-collab', tmp_path) == (
        f'{path}: the file is truncated (got EOFError)'
    )


# Malformed split entries.

COLLAB_BAD = [
    (
        {'edge': [[1, 3]]},
        "split 'valid', key 'edge' must be a tensor or array (got list)",
    ),
    (
        {'edge': torch.tensor([1, 3])},
        "split 'valid', key 'edge' must have shape [num_edges, 2] (got (2,))",
    ),
    (
        {'edge': torch.tensor([[1, 3, 4]])},
        "split 'valid', key 'edge' must have shape [num_edges, 2] (got (1, 3))",
    ),
    (
        {'edge': torch.tensor([[1.0, 3.7]])},
        "split 'valid', key 'edge' must hold integer node ids "
        '(got dtype torch.float32)',
    ),
    (
        {'edge_neg': np.array([[True, False]])},
        "split 'valid', key 'edge_neg' must hold integer node ids "
        '(got dtype torch.bool)',
    ),
    (
        {'weight': [1.0]},
        "split 'valid', key 'weight' must be a tensor or array (got list)",
    ),
]


@pytest.mark.parametrize('change, message', COLLAB_BAD)
def test_malformed_edge_split_entries(tmp_path, change, message):
    r"""Each entry of a split file is checked; the file, split and key are named."""
    base = write_collab(tmp_path)
    path = base / 'split' / 'time' / 'valid.pt'
    entry = {'edge': torch.tensor([[1, 3]]), 'edge_neg': torch.tensor([[0, 4]])}
    torch.save({**entry, **change}, path)
    assert load_error('ogbl-collab', tmp_path) == f'{path}: {message}'


def write_citation2(root, valid=None, test=None):
    r"""A 4-node citation2-like dataset; ``valid``/``test`` update the held-out dicts."""
    base = root / 'ogbl_citation2'
    write_csv(base / 'raw' / 'edge.csv.gz', [(0, 1), (1, 2), (3, 2)])
    write_csv(base / 'raw' / 'num-node-list.csv.gz', [[4]])
    write_csv(base / 'raw' / 'num-edge-list.csv.gz', [[3]])
    write_csv(base / 'raw' / 'node_year.csv.gz', [[1990], [1991], [1992], [1993]])
    held = {
        'source_node': np.array([3, 0]),
        'target_node': np.array([2, 3]),
        'target_node_neg': np.array([[0, 1, 1], [2, 1, 2]]),
    }
    split = {
        'train': {'source_node': np.array([0, 1]), 'target_node': np.array([1, 2])},
        'valid': {**held, **(valid or {})},
        'test': {**held, **(test or {})},
    }
    folder = base / 'split' / 'time'
    folder.mkdir(parents=True)
    torch.save(split, folder / 'split_dict.pt')
    return folder / 'split_dict.pt'


CITATION2_BAD = [
    (
        {'valid': {'source_node': [3, 0]}},
        "split 'valid', key 'source_node' must be a tensor or array (got list)",
    ),
    (
        {'valid': {'target_node_neg': np.array([0, 1])}},
        "split 'valid', key 'target_node_neg' must have shape [num_edges, K] "
        '(got (2,))',
    ),
    (
        {'valid': {'target_node': np.array([2, 3, 1])}},
        "split 'valid': 'source_node' and 'target_node' must have the same "
        'length (got 2 and 3)',
    ),
    (
        {'test': {'target_node_neg': np.array([[0, 1, 1]])}},
        "split 'test', key 'target_node_neg' must have shape [2, K] with K >= 1, "
        'one row per source node (got (1, 3))',
    ),
    (
        {'test': {'target_node_neg': torch.zeros(2, 0, dtype=torch.long)}},
        "split 'test', key 'target_node_neg' must have shape [2, K] with K >= 1, "
        'one row per source node (got (2, 0))',
    ),
    (
        {'test': {'target_node_neg': np.array([[0, 1], [2, 1]])}},
        "split 'test' must have as many negatives per positive as the earlier "
        'splits, 3 (got 2)',
    ),
    (
        {'test': {'source_node': np.array([3.0, 0.5])}},
        "split 'test', key 'source_node' must hold integer node ids "
        '(got dtype torch.float64)',
    ),
]


@pytest.mark.parametrize('change, message', CITATION2_BAD)
def test_malformed_citation2_entries(tmp_path, change, message):
    r"""Per-positive negatives: types, lengths and ``[P, K]`` shapes are checked."""
    path = write_citation2(tmp_path, **change)
    assert load_error('ogbl-citation2', tmp_path) == f'{path}: {message}'


# Unreadable raw CSV files.


def gzip_bytes(text):
    return gzip.compress(text.encode(), mtime=0)


RAW_BAD = [
    ('edge.csv.gz', b'', 'the file is empty (got 0 bytes)'),
    (
        'edge.csv.gz',
        gzip_bytes(''),
        'no data, the file holds no lines '
        '(got EmptyDataError: No columns to parse from file)',
    ),
    (
        'num-node-list.csv.gz',
        gzip_bytes(''),
        'no data, the file holds no lines '
        '(got EmptyDataError: No columns to parse from file)',
    ),
    (
        'edge.csv.gz',
        b'0,1\n1,2\n',
        "not a gzip-compressed CSV file (got first bytes b'0,')",
    ),
    (
        'num-node-list.csv.gz',
        b'5\n',
        "not a gzip-compressed CSV file (got first bytes b'5\\n')",
    ),
    (
        'edge.csv.gz',
        gzip_bytes('0,1\n' * 200)[:15],
        'truncated gzip file (got EOFError: Compressed file ended before the '
        'end-of-stream marker was reached)',
    ),
    (
        'edge.csv.gz',
        gzip_bytes('0,1\n1,2,3\n'),
        'not a headerless numeric CSV (got ParserError: Error tokenizing data. '
        'C error: Expected 2 fields in line 2, saw 3)',
    ),
]


@pytest.mark.parametrize(
    'name, content, message',
    RAW_BAD,
    ids=['empty', 'no-lines', 'no-count', 'plain', 'plain-count', 'cut', 'ragged'],
)
def test_unreadable_raw_csv(tmp_path, name, content, message):
    r"""Empty, non-gzip, truncated or ragged raw files: the file is named."""
    base = write_collab(tmp_path)
    path = base / 'raw' / name
    path.write_bytes(content)
    assert load_error('ogbl-collab', tmp_path) == f'{path}: {message}'


def test_unreadable_raw_csv_in_the_cli(tmp_path, capsys):
    r"""A non-gzip ``edge.csv.gz``: exit 2, one line naming the file."""
    base = write_collab(tmp_path)
    path = base / 'raw' / 'edge.csv.gz'
    path.write_bytes(b'0,1\n')
    line = cli_error(tmp_path, capsys)
    assert line == (
        f'gvae-ext fit: error: {path}: not a gzip-compressed CSV file '
        f"(got first bytes b'0,')"
    )


# Fractional ids and counts are refused, never truncated.

RAW_NOT_INTEGER = [
    (
        'edge.csv.gz',
        [(0, 1), (1, 2), (2, 3), (3, 0.7), (1, 3), (0, 1)],
        'node ids must be integers (got 0.7 at line 4)',
    ),
    (
        'edge.csv.gz',
        [(0, 1), (1, 2), (2, 3), (3, 0), (1, ''), (0, 1)],
        'node ids must be integers (got nan at line 5)',
    ),
    (
        'num-node-list.csv.gz',
        [[10.5]],
        'the number of nodes must be an integer (got 10.5 at line 1)',
    ),
    (
        'num-edge-list.csv.gz',
        [[6.5]],
        'the number of edges must be an integer (got 6.5 at line 1)',
    ),
    (
        'num-node-list.csv.gz',
        [[5], [5]],
        'expected one number, for a single graph (got shape (2, 1))',
    ),
    ('num-node-list.csv.gz', [[0]], 'the number of nodes must be at least 1 (got 0)'),
]


@pytest.mark.parametrize('name, rows, message', RAW_NOT_INTEGER)
def test_raw_values_are_never_truncated(tmp_path, name, rows, message):
    r"""Fractional or missing node ids and counts are refused, not cut to ints."""
    base = write_collab(tmp_path)
    path = base / 'raw' / name
    write_csv(path, rows)
    assert load_error('ogbl-collab', tmp_path) == f'{path}: {message}'


def test_integral_floats_are_read_exactly(tmp_path):
    r"""``1.0`` and ``5.0`` (read as floats, as OGB's reader casts them) are kept."""
    write_collab(tmp_path)
    expected, _ = load_ogbl('ogbl-collab', tmp_path)
    raw = tmp_path / 'ogbl_collab' / 'raw'
    write_csv(raw / 'edge.csv.gz', [(u, f'{v}.0') for u, v in EDGES])
    write_csv(raw / 'num-node-list.csv.gz', [['5.0']])
    data, _ = load_ogbl('ogbl-collab', tmp_path)
    assert data.num_nodes == 5 and isinstance(data.num_nodes, int)
    assert data.edge_index.dtype == torch.long
    assert torch.equal(data.edge_index, expected.edge_index)


def test_float_node_ids_in_the_cli(tmp_path, capsys):
    r"""``0.7,1`` in edge.csv.gz: exit 2 and one line (it was read as ``0,1``)."""
    base = write_collab(tmp_path)
    path = base / 'raw' / 'edge.csv.gz'
    write_csv(path, [(0.7, 1)] + EDGES[1:])
    line = cli_error(tmp_path, capsys)
    assert line == (
        f'gvae-ext fit: error: {path}: node ids must be integers (got 0.7 at line 1)'
    )


def write_vessel(root, **arrays):
    r"""A 3-node vessel-like dataset (``raw/data.npz``); returns the npz path."""
    base = root / 'ogbl_vessel'
    (base / 'raw').mkdir(parents=True)
    graph = {
        'edge_index': np.array([[0, 1], [1, 2]]),
        'num_nodes_list': np.array([3]),
        'num_edges_list': np.array([2]),
        **arrays,
    }
    np.savez(base / 'raw' / 'data.npz', **graph)
    folder = base / 'split' / 'spatial'
    folder.mkdir(parents=True)
    for stage in ('train', 'valid', 'test'):
        entry = {'edge': torch.tensor([[0, 1]]), 'edge_neg': torch.tensor([[0, 2]])}
        torch.save(entry, folder / f'{stage}.pt')
    return base / 'raw' / 'data.npz'


VESSEL_BAD = [
    (
        {'edge_index': np.array([[0.0, 1.5], [1.0, 2.0]])},
        "'edge_index' must be integers (got 1.5 at index [0, 1])",
    ),
    (
        {'num_nodes_list': np.array([3.5])},
        "'num_nodes_list' must be an integer (got 3.5 at index [0])",
    ),
    (
        {'num_nodes_list': np.array([], dtype=np.int64)},
        "'num_nodes_list' must hold one number, for a single graph (got shape (0,))",
    ),
    (
        {'num_edges_list': np.array([3])},
        "'edge_index' must have num_edges_list=3 columns (got shape (2, 2))",
    ),
    (
        {'node_feat': np.array(['a', 'b', 'c'])},
        "'x' must be a numeric array with one row per node or edge "
        '(got dtype <U1, shape (3,))',
    ),
]


@pytest.mark.parametrize('arrays, message', VESSEL_BAD)
def test_malformed_binary_graph(tmp_path, arrays, message):
    r"""``raw/data.npz``: fractional ids and counts, bad counts and dtypes."""
    path = write_vessel(tmp_path, **arrays)
    assert load_error('ogbl-vessel', tmp_path) == f'{path}: {message}'


def test_unreadable_binary_graph(tmp_path):
    r"""An empty or ``.npy`` ``data.npz`` is named, never a raw error."""
    path = write_vessel(tmp_path)
    path.write_bytes(b'')
    assert load_error('ogbl-vessel', tmp_path) == (
        f'{path}: not a readable .npz archive of plain arrays '
        '(got EOFError: No data left in file)'
    )
    with open(path, 'wb') as f:
        np.save(f, np.arange(3))
    assert load_error('ogbl-vessel', tmp_path) == (
        f'{path}: expected an .npz archive (got a single .npy array)'
    )


def test_integral_float_binary_graph(tmp_path):
    r"""Whole-number float ids in ``data.npz`` are read exactly as int64."""
    write_vessel(tmp_path, edge_index=np.array([[0.0, 1.0], [1.0, 2.0]]))
    data, _ = load_ogbl('ogbl-vessel', tmp_path)
    assert data.edge_index.dtype == torch.long
    assert data.edge_index.tolist() == [[0, 1], [1, 2]]
