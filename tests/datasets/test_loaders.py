import warnings

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_geometric.data import Data
from torch_geometric.utils import to_networkx

from gvae_ext.datasets import (
    featureless,
    from_data,
    identity_features,
    load_cora,
    load_dataset,
    load_networkx,
    read_edgelist,
)
from tests.conftest import DEVICES
from tests.datasets.test_cora import copy_cora_raw, no_download


def write(tmp_path, text, name='edgelist.txt'):
    path = tmp_path / name
    path.write_text(text)
    return path


def pairs(data):
    return sorted(map(tuple, data.edge_index.t().tolist()))


def undirected(edges):
    return sorted({(u, v) for a, b in edges if a != b for u, v in ((a, b), (b, a))})


def is_identity(x, n):
    return (
        x.layout == torch.sparse_csr
        and x.values().numel() == n
        and torch.equal(x.to_dense(), torch.eye(n))
    )


# Edge lists ------------------------------------------------------------------


@pytest.mark.parametrize(
    'text',
    [
        '0 1\n1 2\n',
        '0,1\n1,2\n',
        '0\t1\n  1 ,  2  \n',
        '# a comment\n\n0 1   # trailing comment\n\n# another\n1 2\n',
        '0 1\n1 0\n1 2\n0 1\n2 1\n',  # duplicates and reverse duplicates
    ],
    ids=['spaces', 'commas', 'tabs-mixed', 'comments-blank', 'duplicates'],
)
def test_read_edgelist_formats(tmp_path, text):
    data = read_edgelist(write(tmp_path, text))
    assert data.num_nodes == 3
    assert data.edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    assert data.edge_index.dtype == torch.int64
    assert 'node_ids' not in data
    assert is_identity(data.x, 3)


def test_read_edgelist_keeps_integer_ids_in_place(tmp_path):
    # Ids 0..N-1 stay node ids even when they first appear out of order.
    data = read_edgelist(write(tmp_path, '3 0\n2 1\n1 3\n'))
    assert data.num_nodes == 4
    assert pairs(data) == undirected([(3, 0), (2, 1), (1, 3)])
    assert 'node_ids' not in data


def test_read_edgelist_remaps_string_ids(tmp_path):
    data = read_edgelist(write(tmp_path, 'bob alice\nalice carol\ncarol dave\n'))
    assert data.node_ids == ['bob', 'alice', 'carol', 'dave']
    assert pairs(data) == undirected([(0, 1), (1, 2), (2, 3)])


def test_read_edgelist_remaps_sparse_integer_ids(tmp_path):
    # Not 0..N-1: renumbered by first appearance; '007' is the integer 7.
    data = read_edgelist(write(tmp_path, '10 7\n007 42\n42 10\n'))
    assert data.node_ids.tolist() == [10, 7, 42]
    assert data.node_ids.dtype == torch.int64
    assert pairs(data) == undirected([(0, 1), (1, 2), (2, 0)])


def test_read_edgelist_features_rows_are_integer_ids(tmp_path):
    features = np.arange(10, dtype=np.float64).reshape(5, 2)
    np.save(tmp_path / 'x.npy', features)
    # Ids 1, 2, 3 with 5 feature rows: nodes 0 and 4 are isolated.
    data = read_edgelist(write(tmp_path, '3 1\n1 2\n'), tmp_path / 'x.npy')
    assert data.num_nodes == 5
    assert data.x.dtype == torch.float32
    assert torch.equal(data.x, torch.from_numpy(features).float())
    assert pairs(data) == undirected([(3, 1), (1, 2)])
    assert 'node_ids' not in data


def test_read_edgelist_features_follow_first_appearance(tmp_path):
    np.save(tmp_path / 'x.npy', np.array([[1], [2], [3]], dtype=np.int64))
    data = read_edgelist(write(tmp_path, 'b a\na c\n'), tmp_path / 'x.npy')
    assert data.node_ids == ['b', 'a', 'c']
    assert data.x.tolist() == [[1.0], [2.0], [3.0]]


def test_read_edgelist_warns_on_self_loops_and_extra_columns(tmp_path):
    text = '0 1 0.5\n1 1\n1 2\n2 2 7\n'
    with pytest.warns(UserWarning) as record:
        data = read_edgelist(write(tmp_path, text))
    messages = [str(w.message) for w in record]
    assert any(
        'edgelist.txt: ignored the columns past the second on 2 line(s) '
        '(first: line 1)' in m
        for m in messages
    )
    assert any('dropped 2 self-loop(s) (first: line 2)' in m for m in messages)
    assert pairs(data) == undirected([(0, 1), (1, 2)])


def test_read_edgelist_node_only_in_self_loop_stays_isolated(tmp_path):
    with pytest.warns(UserWarning, match='self-loop'):
        data = read_edgelist(write(tmp_path, 'a b\nc c\n'))
    assert data.num_nodes == 3 and data.node_ids == ['a', 'b', 'c']
    assert pairs(data) == [(0, 1), (1, 0)]


@pytest.mark.parametrize(
    'text,match',
    [
        ('0 1\n1 2\n3\n', r"edgelist\.txt, line 3: expected two node ids \(got '3'\)"),
        ('0 1\n\n# c\n 5 # 6\n', r'edgelist\.txt, line 4: expected two node ids'),
        ('', r'edgelist\.txt: no edges found'),
        ('# only\n\n# comments\n', r'edgelist\.txt: no edges found'),
        ('a a\n', r'edgelist\.txt: needs at least one edge between two distinct'),
        ('src,dst\n0,1\n1,2\n', r'edgelist\.txt, line 1: looks like a header'),
    ],
    ids=[
        'one-column',
        'comment-eats-id',
        'empty',
        'comments-only',
        'single-node',
        'header',
    ],
)
def test_read_edgelist_bad_file(tmp_path, text, match):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the self-loop warning
        with pytest.raises(ValueError, match=match):
            read_edgelist(write(tmp_path, text))


def test_read_edgelist_missing_or_binary_file(tmp_path):
    with pytest.raises(
        ValueError, match=r"'path' must be an existing file .*nope\.txt"
    ):
        read_edgelist(tmp_path / 'nope.txt')
    (tmp_path / 'blob.bin').write_bytes(b'\xff\xfe\x00\x81 \x82\n')
    with pytest.raises(ValueError, match=r'blob\.bin: not a UTF-8 text file'):
        read_edgelist(tmp_path / 'blob.bin')
    with pytest.raises(ValueError, match=r"'path' must be a file path \(got int\)"):
        read_edgelist(3)


@pytest.mark.parametrize(
    'text,array,match',
    [
        (
            '0 1\n1 2\n',
            np.ones((2, 3)),
            r'x\.npy: features need one row per node id, '
            r'so at least 3 rows for the ids in edgelist\.txt \(got 2 rows\)',
        ),
        (
            'a b\nb c\n',
            np.ones((4, 3)),
            r'x\.npy: features need 3 rows, one per node '
            r'of edgelist\.txt in order of first appearance \(got 4 rows\)',
        ),
        (
            '0 1\n',
            np.array([[0.0], [np.nan]]),
            r'x\.npy: features must be finite \(got NaN or inf in row 1\)',
        ),
        ('0 1\n', np.ones(2), r'x\.npy: features must be 2-D'),
        ('0 1\n', np.array([['a'], ['b']]), r'x\.npy: features must be numeric'),
    ],
    ids=['too-few-rows', 'row-mismatch', 'nan', 'one-dim', 'strings'],
)
def test_read_edgelist_bad_features(tmp_path, text, array, match):
    np.save(tmp_path / 'x.npy', array)
    with pytest.raises(ValueError, match=match):
        read_edgelist(write(tmp_path, text), tmp_path / 'x.npy')


def test_read_edgelist_unreadable_features(tmp_path):
    path = write(tmp_path, '0 1\n')
    with pytest.raises(ValueError, match=r"'features' must be an existing file"):
        read_edgelist(path, tmp_path / 'nope.npy')
    write(tmp_path, 'not numpy', name='x.npy')
    with pytest.raises(ValueError, match=r'x\.npy: not a readable \.npy array'):
        read_edgelist(path, tmp_path / 'x.npy')
    np.savez(tmp_path / 'x.npz', x=np.ones((2, 1)))
    with pytest.raises(ValueError, match=r'x\.npz: expected a \.npy array'):
        read_edgelist(path, tmp_path / 'x.npz')


edge_lists = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=20
).filter(lambda edges: any(a != b for a, b in edges))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edges=edge_lists)
def test_read_edgelist_matches_from_networkx(tmp_path, edges):
    path = write(tmp_path, ''.join(f'n{a}, n{b}\n' for a, b in edges))
    graph = nx.Graph()
    graph.add_edges_from((f'n{a}', f'n{b}') for a, b in edges)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        data = read_edgelist(path)
        other = load_networkx(graph)
    assert data.node_ids == other.node_ids
    assert torch.equal(data.edge_index, other.edge_index)
    names = data.node_ids
    got = [(names[u], names[v]) for u, v in pairs(data)]
    assert sorted(got) == undirected([(f'n{a}', f'n{b}') for a, b in edges])


# load_dataset ----------------------------------------------------------------


def test_load_dataset_cora():
    data = load_dataset('cora')
    expected = load_cora()
    assert torch.equal(data.x, expected.x)
    assert torch.equal(data.edge_index, expected.edge_index)
    assert load_dataset('Cora').num_nodes == 2708


def test_load_dataset_edgelist_with_features(tmp_path):
    np.save(tmp_path / 'x.npy', np.eye(3))
    path = write(tmp_path, 'a:1 a:2\na:2 a:3\n')  # ':' inside ids and path
    data = load_dataset(f'edgelist:{path}', features=tmp_path / 'x.npy')
    assert data.node_ids == ['a:1', 'a:2', 'a:3']
    assert torch.equal(data.x, torch.eye(3))


@pytest.mark.parametrize('spec', ['foo', 'cora:x', 'planetoid:', 'edgelist:', 3])
def test_load_dataset_unknown_spec(spec):
    match = (
        r"'spec' must be 'cora', 'planetoid:NAME' \(with 'root'\), 'edgelist:PATH' or "
        r"'ogbl:NAME' \(with 'root'\)"
    )
    with pytest.raises(ValueError, match=match):
        load_dataset(spec)


def test_load_dataset_rejects_unused_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"'root' is not used by the dataset 'cora'"):
        load_dataset('cora', root=tmp_path)
    with pytest.raises(ValueError, match=r"'features' is not used by the dataset"):
        load_dataset('planetoid:Cora', root=tmp_path, features='x.npy')


def test_load_dataset_planetoid_offline(tmp_path, monkeypatch):
    from torch_geometric.datasets import Planetoid

    root = copy_cora_raw(tmp_path)
    monkeypatch.setattr(Planetoid, 'download', no_download)
    data = load_dataset('planetoid:Cora', root=root)
    expected = load_cora()
    for key in ('x', 'edge_index', 'y', 'train_mask', 'test_mask'):
        assert torch.equal(data[key], expected[key]), key


def test_load_dataset_planetoid_without_raw_files(tmp_path, monkeypatch):
    from torch_geometric.datasets import Planetoid

    monkeypatch.setattr(Planetoid, 'download', no_download)
    raw = tmp_path / 'Cora' / 'raw'
    with pytest.raises(
        ValueError,
        match=r'(?s)ind\.cora\.\{x, tx.*\}.*Cora/raw.*'
        r'nothing is downloaded \(got none of them\)',
    ):
        load_dataset('planetoid:Cora', root=tmp_path)
    raw.mkdir(parents=True)
    (raw / 'ind.cora.x').write_bytes(b'')
    with pytest.raises(
        ValueError,
        match=r'got ind\.cora\.tx, .*ind\.cora\.test\.index '
        r'missing\)',
    ):
        load_dataset('planetoid:Cora', root=tmp_path)
    with pytest.raises(ValueError, match=r"'root' is required for 'planetoid:Cora'"):
        load_dataset('planetoid:Cora')


# networkx --------------------------------------------------------------------


def test_from_networkx_graph_round_trip():
    graph = nx.karate_club_graph()
    data = load_networkx(graph)
    assert data.num_nodes == graph.number_of_nodes()
    assert data.edge_index.size(1) == 2 * graph.number_of_edges()
    assert is_identity(data.x, data.num_nodes)
    back = to_networkx(data, to_undirected=True)
    assert nx.utils.graphs_equal(nx.Graph(back), nx.Graph(graph.edges()))


def test_from_networkx_digraph_is_made_undirected():
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 1)])
    data = load_networkx(graph)
    assert pairs(data) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    multi = load_networkx(nx.MultiGraph([(0, 1), (0, 1), (1, 2)]))
    assert pairs(multi) == pairs(data)


def test_from_networkx_node_order_and_features():
    graph = nx.Graph()
    graph.add_node(2, feat=[2.0, 0.0])
    graph.add_node(0, feat=[0.0, 0.0])
    graph.add_node(1, feat=[1.0, 0.0])
    graph.add_edges_from([(2, 0), (0, 1)])
    data = load_networkx(graph, features='feat')  # ids 0..N-1: row i is node i
    assert data.x.tolist() == [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]
    assert pairs(data) == [(0, 1), (0, 2), (1, 0), (2, 0)]
    named = nx.relabel_nodes(graph, {0: 'a', 1: 'b', 2: 'c'})
    data = load_networkx(named, features=np.array([[1], [2], [3]]))
    assert data.node_ids == ['c', 'a', 'b']  # the order of graph.nodes
    assert data.x.tolist() == [[1.0], [2.0], [3.0]]
    shifted = load_networkx(nx.path_graph([10, 20, 30]))
    assert shifted.node_ids.tolist() == [10, 20, 30]


def test_from_networkx_errors():
    with pytest.raises(TypeError, match=r"'graph' must be a networkx graph"):
        load_networkx([(0, 1)])
    with pytest.raises(ValueError, match=r"'graph': needs at least one edge"):
        load_networkx(nx.empty_graph(3))
    with pytest.raises(ValueError, match=r"'features' must have one row per node"):
        load_networkx(nx.path_graph(3), features=torch.ones(2, 1))
    with pytest.raises(ValueError, match=r"'features': node 1 has no attribute 'x'"):
        graph = nx.path_graph(2)
        graph.nodes[0]['x'] = [1.0]
        load_networkx(graph, features='x')
    graph = nx.path_graph(3)
    for node, value in zip(graph, ([1.0, 2.0], [1.0, 2.0, 3.0], [0.0, 0.0])):
        graph.nodes[node]['x'] = value
    with pytest.raises(
        ValueError,
        match=r"'features': every node's attribute 'x' must have the same length, "
        r'2 as for node 0 \(got 3 for node 1\)',
    ):
        load_networkx(graph, features='x')
    graph.nodes[1]['x'] = 'abc'
    with pytest.raises(ValueError, match=r"node 1's attribute 'x' must be a number"):
        load_networkx(graph, features='x')
    for node in graph:
        graph.nodes[node]['x'] = float(node)  # numbers: one feature each
    assert load_networkx(graph, features='x').x.tolist() == [[0.0], [1.0], [2.0]]
    with pytest.warns(UserWarning, match=r"'graph': dropped 1 self-loop"):
        data = load_networkx(nx.Graph([(0, 0), (0, 1)]))
    assert pairs(data) == [(0, 1), (1, 0)]


# featureless / identity --------------------------------------------------------


@pytest.mark.parametrize('device', DEVICES)
def test_featureless_identity(device):
    data = Data(
        x=torch.ones(4, 2, device=device),
        edge_index=torch.tensor([[0, 1], [1, 0]], device=device),
        num_nodes=4,
    )
    out = featureless(data)
    assert out is not data and torch.equal(data.x, torch.ones(4, 2, device=device))
    assert out.x.device == data.edge_index.device
    assert is_identity(out.x.cpu(), 4)
    assert out.edge_index is data.edge_index and out.num_nodes == 4


@pytest.mark.parametrize('num_nodes', [0, -2, 2.5, True])
def test_identity_features_bad_num_nodes(num_nodes):
    with pytest.raises(ValueError, match=r"'num_nodes' must be a"):
        identity_features(num_nodes)


def test_featureless_errors():
    with pytest.raises(TypeError, match=r"'data' must be a torch_geometric Data"):
        featureless({'edge_index': None})
    with pytest.raises(ValueError, match=r"'data' must have at least one node"):
        featureless(Data())


# from_data -------------------------------------------------------------------


def test_from_data_keeps_an_undirected_graph():
    data = load_cora()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        out = from_data(data)
    assert out is not data and out.edge_index is data.edge_index
    assert out.x is data.x and out.num_nodes == 2708


@pytest.mark.parametrize('device', DEVICES)
def test_from_data_identity_and_cleaning(device):
    edge_index = torch.tensor([[0, 1, 1, 2, 0], [1, 2, 2, 2, 1]], device=device)
    edge_attr = torch.arange(5.0, device=device)
    data = Data(edge_index=edge_index, edge_attr=edge_attr, y=torch.arange(3))
    with pytest.warns(
        UserWarning,
        match=r"'data.edge_index' was made simple and "
        r'undirected \(5 -> 4 directed edges\); dropped the edge '
        r"attributes \['edge_attr'\]",
    ):
        out = from_data(data)
    assert out.edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    assert out.edge_index.device == edge_index.device
    assert 'edge_attr' not in out and torch.equal(out.y, data.y)
    assert is_identity(out.x.cpu(), 3) and out.num_nodes == 3
    assert data.edge_index is edge_index and data.x is None  # input untouched
    assert 'edge_attr' in data


def test_from_data_reverse_only_change_is_detected():
    # Same edge count after cleaning ({0-0, 0-1} -> {0-1, 1-0}) still warns.
    data = Data(edge_index=torch.tensor([[0, 0], [0, 1]]), num_nodes=2)
    with pytest.warns(UserWarning, match='2 -> 2 directed edges'):
        out = from_data(data)
    assert pairs(out) == [(0, 1), (1, 0)]


def test_from_data_errors():
    with pytest.raises(TypeError, match=r"'data' must be a torch_geometric Data"):
        from_data(nx.path_graph(2))
    with pytest.raises(ValueError, match=r"'data.edge_index' must be given"):
        from_data(Data(x=torch.ones(2, 1)))
    bad_x = Data(x=torch.ones(2, 1), edge_index=torch.tensor([[0, 2], [2, 0]]))
    with pytest.raises(ValueError, match=r"'data.edge_index' contains node index 2"):
        from_data(bad_x)
    nan_x = Data(
        x=torch.tensor([[0.0], [float('nan')]]),
        edge_index=torch.tensor([[0, 1], [1, 0]]),
    )
    with pytest.raises(ValueError, match=r"'data.x' must contain only finite"):
        from_data(nan_x)
    loops = Data(edge_index=torch.tensor([[0, 1], [0, 1]]))
    with pytest.raises(ValueError, match=r"'data.edge_index' needs at least one edge"):
        from_data(loops)


class _Plant:
    """A pickle that, if ever unpickled, creates the file at ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, 'w'))


def test_load_planetoid_never_reads_the_processed_cache(tmp_path):
    """A planted processed/data.pt pickle is not run; the raw files are used."""
    root = copy_cora_raw(tmp_path)
    marker = tmp_path / 'ran'
    processed = root / 'Cora' / 'processed'
    processed.mkdir(parents=True)
    for name in ('data.pt', 'pre_transform.pt', 'pre_filter.pt'):
        torch.save(_Plant(marker), processed / name)
    data = load_dataset('planetoid:Cora', root=root)
    assert not marker.exists()
    assert torch.equal(data.edge_index, load_cora().edge_index)


def test_load_planetoid_refuses_code_in_raw_files(tmp_path):
    """A raw ind.* file naming anything but arrays is refused, not run."""
    import pickle

    root = copy_cora_raw(tmp_path)
    marker = tmp_path / 'ran'
    with open(root / 'Cora' / 'raw' / 'ind.cora.graph', 'wb') as f:
        pickle.dump(_Plant(marker), f)
    with pytest.raises(ValueError, match=r"ind\.cora\.graph' is not a valid raw"):
        load_dataset('planetoid:Cora', root=root)
    assert not marker.exists()


def test_load_planetoid_matches_pyg_reader(tmp_path):
    """The safe reader gives exactly PyG's read_planetoid_data."""
    from torch_geometric.io import read_planetoid_data

    root = copy_cora_raw(tmp_path)
    ours = load_dataset('planetoid:Cora', root=root)
    # PyG unpickles freely: fine here, on the trusted files shipped for tests.
    pyg = read_planetoid_data(str(root / 'Cora' / 'raw'), 'cora')
    for key in ('x', 'edge_index', 'y', 'train_mask', 'val_mask', 'test_mask'):
        assert torch.equal(ours[key], pyg[key]), key
    assert not (root / 'Cora' / 'processed').exists()  # nothing written


def test_read_edgelist_mixed_ids_with_features_raise(tmp_path):
    """One typo'd id must not silently renumber the feature rows."""
    import numpy as np

    from gvae_ext.datasets import read_edgelist

    path = tmp_path / 'g.txt'
    path.write_text('0 1\n1 2\n2 x3\n3 0\n')
    np.save(tmp_path / 'x.npy', np.eye(4, dtype=np.float32))
    with pytest.raises(ValueError, match=r"g\.txt, line 3: node id 'x3' is not an"):
        read_edgelist(path, tmp_path / 'x.npy')
    # All-string ids still follow first appearance, as documented.
    path.write_text('a b\nb c\nc d\n')
    data = read_edgelist(path, tmp_path / 'x.npy')
    assert data.node_ids == ['a', 'b', 'c', 'd']
