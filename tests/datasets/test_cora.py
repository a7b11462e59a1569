import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.datasets.cora import decode_cora, encode_cora, load_cora
from gvae_ext.datasets.loaders import planetoid_raw_files

REPO = Path(__file__).resolve().parents[2]
# CI runs in a fresh clone with shared/ beside it.
SHARED = REPO.parent / 'shared' / 'data' / 'planetoid'
MASKS = ('train_mask', 'val_mask', 'test_mask')


def copy_cora_raw(root: Path) -> Path:
    r"""Copy the raw Planetoid Cora files into ``root/Cora/raw`` (PyG writes
    ``processed/`` next to it), skipping the test when they are absent."""
    names = planetoid_raw_files('Cora')
    if not all((SHARED / name).is_file() for name in names):
        pytest.skip(f'raw Planetoid Cora files not found in {SHARED}')
    raw = root / 'Cora' / 'raw'
    raw.mkdir(parents=True)
    for name in names:
        shutil.copyfile(SHARED / name, raw / name)
    return root


def no_download(*args, **kwargs):
    raise AssertionError('Planetoid tried to download')


def test_load_cora_equals_pyg_planetoid(tmp_path, monkeypatch):
    from torch_geometric.datasets import Planetoid

    root = copy_cora_raw(tmp_path)
    monkeypatch.setattr(Planetoid, 'download', no_download)
    expected = Planetoid(str(root), 'Cora')[0]
    data = load_cora()
    assert expected.num_nodes == 2708
    assert expected.edge_index.size(1) == 10556
    assert expected.x.size(1) == 1433
    assert int(expected.y.max()) + 1 == 7
    for key in ('x', 'edge_index', 'y', *MASKS):
        assert data[key].dtype == expected[key].dtype, key
        assert torch.equal(data[key], expected[key]), key
    assert data.num_nodes == expected.num_nodes


def test_load_cora_shapes_and_dtypes():
    data = load_cora()
    assert isinstance(data, Data)
    assert data.num_nodes == 2708
    assert data.x.dtype == torch.float32 and data.x.layout == torch.strided
    assert data.x.size() == (2708, 1433)
    assert set(data.x.unique().tolist()) == {0.0, 1.0}
    assert data.edge_index.dtype == torch.int64
    assert data.edge_index.size() == (2, 10556)
    assert data.y.dtype == torch.int64 and data.y.size() == (2708,)
    assert data.y.unique().tolist() == list(range(7))
    for name in MASKS:
        assert data[name].dtype == torch.bool and data[name].size() == (2708,)
    masks = torch.stack([data[name] for name in MASKS])
    assert masks.sum(dim=0).max() == 1  # disjoint
    assert masks.sum(dim=1).tolist() == [140, 500, 1000]


def test_load_cora_symmetric_without_self_loops():
    row, col = load_cora().edge_index
    assert not bool((row == col).any())
    n = 2708
    forward = (row * n + col).sort().values
    backward = (col * n + row).sort().values
    assert torch.equal(forward, backward)
    # Sorted as PyG sorts Planetoid graphs (by target, then source), no repeats.
    key = col * n + row
    assert bool((key[1:] > key[:-1]).all())


def test_load_cora_sparse_features():
    dense = load_cora().x
    data = load_cora(sparse_features=True)
    assert data.x.layout == torch.sparse_csr
    assert data.x.dtype == torch.float32
    assert data.x.size() == dense.size()
    assert data.x.values().numel() == int((dense != 0).sum())
    assert torch.equal(data.x.to_dense(), dense)


def test_load_cora_returns_fresh_tensors():
    first = load_cora()
    first.x.zero_()
    first.edge_index.zero_()
    second = load_cora()
    assert second.x.sum() > 0
    assert second.edge_index.max() == 2707


def tiny_graph() -> Data:
    data = Data(
        x=torch.tensor([[0.0, 1.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]),
        edge_index=torch.tensor([[1, 0, 2, 1], [0, 1, 1, 2]]),
        y=torch.tensor([2, 0, 1]),
    )
    data.train_mask = torch.tensor([True, False, False])
    data.val_mask = torch.tensor([False, True, False])
    data.test_mask = torch.tensor([False, False, True])
    return data


@pytest.mark.parametrize('sparse_features', [False, True])
def test_encode_cora_round_trip(sparse_features):
    data = tiny_graph()
    arrays = encode_cora(data)
    assert arrays['x_indices'].tolist() == [1, 2, 0]
    assert arrays['x_indptr'].tolist() == [0, 2, 2, 3]
    assert arrays['edge_index'].dtype == np.int16
    back = decode_cora(arrays, sparse_features=sparse_features)
    x = back.x.to_dense() if sparse_features else back.x
    assert torch.equal(x, data.x)
    for key in ('edge_index', 'y', *MASKS):
        assert torch.equal(back[key], data[key]), key
    assert back.num_nodes == 3


def test_encode_cora_rejects_non_binary_features():
    data = tiny_graph()
    data.x = data.x * 0.5
    with pytest.raises(ValueError, match=r"'data.x' must hold only 0/1 values"):
        encode_cora(data)


def test_decode_cora_rejects_unknown_format_version():
    arrays = encode_cora(tiny_graph())
    arrays['format_version'] = np.array(99)
    with pytest.raises(ValueError, match=r"'cora.npz' must have format version 1 "):
        decode_cora(arrays)


def test_build_cora_script_reproduces_the_shipped_file(tmp_path):
    if not all((SHARED / name).is_file() for name in planetoid_raw_files('Cora')):
        pytest.skip(f'raw Planetoid Cora files not found in {SHARED}')
    spec = importlib.util.spec_from_file_location(
        'build_cora', REPO / 'scripts' / 'build_cora.py'
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / 'cora.npz'
    module.main(['--shared', str(SHARED), '--out', str(out)])
    shipped = REPO / 'gvae_ext' / 'datasets' / 'cora.npz'
    assert shipped.stat().st_size < 200 * 1024
    with np.load(out) as built, np.load(shipped) as ref:
        assert sorted(built.files) == sorted(ref.files)
        for key in ref.files:
            assert built[key].dtype == ref[key].dtype, key
            assert np.array_equal(built[key], ref[key]), key
