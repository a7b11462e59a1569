r"""Tests of :func:`gvae_ext.datasets.ogb.load_ogbl` on tiny OGB-layout folders."""

import gzip
import pickle

import numpy as np
import pytest
import torch

from gvae_ext.datasets.ogb import OGBLinkSplit, load_ogbl
from gvae_ext.link.audit import audit_split

EDGES = [(0, 1), (1, 2), (2, 3), (3, 0), (1, 3), (0, 1)]  # (0, 1) repeated


def write_csv(path, rows):
    r"""A headerless gzip CSV, as OGB ships it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, 'wt') as f:
        f.write(''.join(','.join(str(v) for v in row) + '\n' for row in rows))


def write_collab(root, numpy_split=False):
    r"""A 5-node collab-like dataset; returns its folder."""
    base = root / 'ogbl_collab'
    raw = base / 'raw'
    write_csv(raw / 'edge.csv.gz', EDGES)
    write_csv(raw / 'num-node-list.csv.gz', [[5]])
    write_csv(raw / 'num-edge-list.csv.gz', [[len(EDGES)]])
    write_csv(raw / 'node-feat.csv.gz', [[i * 0.5, -1.25] for i in range(5)])
    write_csv(raw / 'edge_weight.csv.gz', [[w] for w in (1, 2, 1, 1, 3, 1)])
    write_csv(raw / 'edge_year.csv.gz', [[2000 + i] for i in range(6)])
    (base / 'RELEASE_v1.txt').write_text('')
    conv = (lambda x: x.numpy()) if numpy_split else (lambda x: x)
    split = {
        'train': {'edge': torch.tensor(EDGES[:4]), 'weight': torch.ones(4)},
        'valid': {'edge': torch.tensor([[1, 3]]), 'edge_neg': torch.tensor([[0, 4]])},
        'test': {
            'edge': torch.tensor([[2, 4]]),
            'edge_neg': torch.tensor([[1, 4], [3, 4]]),
        },
    }
    folder = base / 'split' / 'time'
    folder.mkdir(parents=True)
    for stage, entry in split.items():
        torch.save({k: conv(v) for k, v in entry.items()}, folder / f'{stage}.pt')
    return base


@pytest.mark.parametrize('numpy_split', [False, True], ids=['tensors', 'arrays'])
def test_collab_layout(tmp_path, numpy_split):
    r"""Graph (inverse edges interleaved, extras repeated) and split fields."""
    write_collab(tmp_path, numpy_split)
    data, split = load_ogbl('ogbl-collab', tmp_path)
    assert data.num_nodes == 5 and data.edge_index.dtype == torch.long
    assert data.edge_index[:, :4].tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    assert data.edge_index.size(1) == 12
    assert data.x.dtype == torch.float32 and data.x[3].tolist() == [1.5, -1.25]
    assert data.edge_weight.view(-1).tolist() == [1, 1, 2, 2, 1, 1, 1, 1, 3, 3, 1, 1]
    assert data.edge_year.shape == (12, 1) and int(data.edge_year[11]) == 2005
    assert isinstance(split, OGBLinkSplit) and split.neg_per_pos is None
    assert split.train_pos_edge_index.tolist() == [[0, 1, 2, 3], [1, 2, 3, 0]]
    assert split.val_pos_edge_index.tolist() == [[1], [3]]
    assert split.test_neg_edge_index.tolist() == [[1, 3], [4, 4]]
    assert split.extras['train_weight'].tolist() == [1.0] * 4
    report = audit_split(split, data.edge_index)  # a valid EdgeSplit-like input
    assert report.count('held_out_in_message_passing') == 0


def test_matches_ogb_reader(tmp_path):
    r"""The same graph and split as ``ogb``'s own (no-download) reader."""
    ogb = pytest.importorskip('ogb.linkproppred')
    base = write_collab(tmp_path)
    data, split = load_ogbl('ogbl-collab', tmp_path)
    (base / 'processed').mkdir()  # ogb's zip carries it
    dataset = ogb.LinkPropPredDataset('ogbl-collab', root=str(tmp_path))
    graph = dataset[0]
    assert np.array_equal(graph['edge_index'], data.edge_index.numpy())
    assert np.array_equal(graph['node_feat'], data.x.numpy())
    assert np.array_equal(graph['edge_weight'], data.edge_weight.numpy())
    assert np.array_equal(graph['edge_year'], data.edge_year.numpy())
    assert graph['num_nodes'] == data.num_nodes
    ref = dataset.get_edge_split()
    assert torch.equal(ref['valid']['edge_neg'].t(), split.val_neg_edge_index)
    assert torch.equal(ref['test']['edge'].t(), split.test_pos_edge_index)


def test_citation2_layout(tmp_path):
    r"""Per-positive negatives become ``K`` columns per positive, in order."""
    base = tmp_path / 'ogbl_citation2'
    write_csv(base / 'raw' / 'edge.csv.gz', [(0, 1), (1, 2), (3, 2)])
    write_csv(base / 'raw' / 'num-node-list.csv.gz', [[4]])
    write_csv(base / 'raw' / 'num-edge-list.csv.gz', [[3]])
    write_csv(base / 'raw' / 'node_year.csv.gz', [[1990], [1991], [1992], [1993]])
    folder = base / 'split' / 'time'
    folder.mkdir(parents=True)
    train = {'source_node': np.array([0, 1]), 'target_node': np.array([1, 2])}
    held = {
        'source_node': np.array([3, 0]),
        'target_node': np.array([2, 3]),
        'target_node_neg': np.array([[0, 1, 1], [2, 1, 2]]),
    }
    torch.save({'train': train, 'valid': held, 'test': held}, folder / 'split_dict.pt')
    data, split = load_ogbl('ogbl-citation2', tmp_path)
    assert data.edge_index.tolist() == [[0, 1, 3], [1, 2, 2]]  # no inverse edges
    assert data.node_year.view(-1).tolist() == [1990, 1991, 1992, 1993]
    assert split.neg_per_pos == 3
    assert split.val_pos_edge_index.tolist() == [[3, 0], [2, 3]]
    assert split.test_neg_edge_index.tolist() == [
        [3, 3, 3, 0, 0, 0],
        [0, 1, 1, 2, 1, 2],
    ]


def test_vessel_binary_layout(tmp_path):
    r"""``raw/data.npz`` graphs (ogbl-vessel) are read without pickle."""
    base = tmp_path / 'ogbl_vessel'
    (base / 'raw').mkdir(parents=True)
    np.savez(
        base / 'raw' / 'data.npz',
        edge_index=np.array([[0, 1], [1, 2]]),
        num_nodes_list=np.array([3]),
        num_edges_list=np.array([2]),
        node_feat=np.arange(9, dtype=np.float32).reshape(3, 3),
    )
    folder = base / 'split' / 'spatial'
    folder.mkdir(parents=True)
    for stage in ('train', 'valid', 'test'):
        entry = {'edge': torch.tensor([[0, 1]]), 'edge_neg': torch.tensor([[0, 2]])}
        torch.save(entry, folder / f'{stage}.pt')
    data, split = load_ogbl('ogbl-vessel', tmp_path)
    assert data.edge_index.tolist() == [[0, 1], [1, 2]] and data.x.shape == (3, 3)
    assert list(split.extras) == ['train_neg_edge_index']
    assert split.extras['train_neg_edge_index'].tolist() == [[0], [2]]


class Evil:
    r"""An object whose unpickling would run code."""

    def __reduce__(self):
        return (print, ('unpickled!',))


def test_refuses_pickled_objects(tmp_path, capsys):
    r"""A split file with arbitrary objects is refused, never unpickled."""
    base = write_collab(tmp_path)
    with open(base / 'split' / 'time' / 'valid.pt', 'wb') as f:
        pickle.dump({'edge': Evil()}, f)
    torch.save(
        {'edge': torch.tensor([[0, 1]]), 'x': Evil()},
        base / 'split' / 'time' / 'test.pt',
    )
    with pytest.raises(ValueError, match='not a weights-only loadable file'):
        load_ogbl('ogbl-collab', tmp_path)
    assert 'unpickled!' not in capsys.readouterr().out


def test_missing_files_are_listed(tmp_path):
    r"""Every missing file is named; nothing is downloaded."""
    base = write_collab(tmp_path)
    (base / 'raw' / 'edge_year.csv.gz').unlink()
    (base / 'split' / 'time' / 'test.pt').unlink()
    with pytest.raises(ValueError, match=r'OGB files missing.*edge_year\.csv\.gz'):
        load_ogbl('ogbl-collab', tmp_path)
    write_csv(base / 'raw' / 'edge_year.csv.gz', [[2000]] * 6)
    with pytest.raises(ValueError, match=r'OGB files missing.*test\.pt'):
        load_ogbl('ogbl-collab', tmp_path)
    with pytest.raises(ValueError, match=r'OGB files missing.*other'):
        load_ogbl('ogbl-collab', tmp_path, split_type='other')


@pytest.mark.parametrize(
    'name, root, match',
    [
        ('ogbl-wikikg2', '.', 'is a knowledge graph, not supported'),
        ('ogbn-arxiv', '.', "'name' must be one of"),
        ('ogbl-ddi', None, "'root' must be a folder path"),
        ('ogbl-ddi', 'missing-dir', "'root' must contain the folder ogbl_ddi/"),
    ],
)
def test_bad_arguments(name, root, match, tmp_path):
    r"""Unknown or unsupported names and missing folders raise ValueError."""
    if root == 'missing-dir':
        root = tmp_path
    with pytest.raises(ValueError, match=match):
        load_ogbl(name, root)


def test_out_of_range_split_index(tmp_path):
    r"""Split indices past ``num_nodes`` are refused with the file named."""
    base = write_collab(tmp_path)
    torch.save(
        {'edge': torch.tensor([[0, 7]]), 'edge_neg': torch.tensor([[0, 2]])},
        base / 'split' / 'time' / 'valid.pt',
    )
    with pytest.raises(
        ValueError, match=r"valid\.pt: positives' contains node index 7"
    ):
        load_ogbl('ogbl-collab', tmp_path)


def test_ogbl_spec_uses_the_official_split(tmp_path, capsys):
    from gvae_ext.cli import main
    from gvae_ext.datasets import load_graph
    from gvae_ext.link import EdgeSplit

    write_collab(tmp_path)
    data, official = load_graph('ogbl:collab', root=tmp_path)
    split = EdgeSplit.from_official(official)
    assert split.val_pos_edge_label_index.t().tolist() == [[1, 3]]
    assert split.test_neg_edge_label_index.t().tolist() == [[1, 4], [3, 4]]
    # message passing: the training edges, both directions, once each
    mp = {tuple(p) for p in split.edge_index.t().tolist()}
    assert len(mp) == split.edge_index.size(1)
    assert all((v, u) in mp for u, v in mp)
    out = tmp_path / 'fit.json'
    args = ['fit', '--dataset', 'ogbl:collab', '--root', str(tmp_path)]
    assert main(args + ['--epochs', '2', '--json', str(out), '--no-progress']) == 0
    assert main(['fit', '--dataset', 'ogbl:ddi', '--root', str(tmp_path)]) == 2
    assert 'ogbl-ddi' in capsys.readouterr().err
