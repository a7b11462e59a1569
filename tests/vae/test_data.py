import gzip
import os
import struct
import warnings

import numpy as np
import pytest
import torch

from gvae_ext.vae.data import (
    SPLIT_SEED,
    load_digits_data,
    load_mnist,
    load_table,
    load_vae_dataset,
    split_rows,
)
from gvae_ext.vae.idx import read_idx
from gvae_ext.vae.tables import read_table


def _idx_bytes(array: np.ndarray, type_byte: int, dtype: str) -> bytes:
    # Hand-written IDX: 0, 0, type, ndim, big-endian uint32 dims, big-endian data.
    header = bytes([0, 0, type_byte, array.ndim])
    header += struct.pack(f'>{array.ndim}I', *array.shape)
    return header + array.astype(dtype).tobytes()


def _write(path, data: bytes, gz: bool = False) -> str:
    with open(path, 'wb') as f:
        f.write(gzip.compress(data) if gz else data)
    return str(path)


def _write_mnist(root, n_train=6, n_test=4, gz=False, size=(3, 2)):
    rng = np.random.default_rng(0)
    files = {
        'train-images-idx3-ubyte': rng.integers(0, 256, (n_train, *size)),
        'train-labels-idx1-ubyte': rng.integers(0, 10, n_train),
        't10k-images-idx3-ubyte': rng.integers(0, 256, (n_test, *size)),
        't10k-labels-idx1-ubyte': rng.integers(0, 10, n_test),
    }
    for name, arr in files.items():
        path = os.path.join(root, name + ('.gz' if gz else ''))
        _write(path, _idx_bytes(arr, 0x08, 'u1'), gz)
    return files


@pytest.mark.parametrize('gz', [False, True], ids=['raw', 'gz'])
def test_read_idx_uint8(tmp_path, gz):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = _write(tmp_path / 'a.idx', _idx_bytes(arr, 0x08, 'u1'), gz)
    out = read_idx(path)
    assert out.dtype == torch.uint8 and out.shape == (2, 3, 4)
    assert out.tolist() == arr.tolist()


@pytest.mark.parametrize(
    'type_byte, dtype, torch_dtype',
    [
        (0x09, '>i1', torch.int8),
        (0x0B, '>i2', torch.int16),
        (0x0C, '>i4', torch.int32),
        (0x0D, '>f4', torch.float32),
        (0x0E, '>f8', torch.float64),
    ],
)
def test_read_idx_big_endian_types(tmp_path, type_byte, dtype, torch_dtype):
    arr = np.array([[-3, 2], [1000 % 127, -1]])
    path = _write(tmp_path / 'b.idx', _idx_bytes(arr, type_byte, dtype))
    out = read_idx(path)
    assert out.dtype == torch_dtype and out.tolist() == arr.tolist()


def test_read_idx_hand_bytes(tmp_path):
    # 1-D int16 [258, -2]: dims 2, values 0x0102 and 0xfffe.
    raw = b'\x00\x00\x0b\x01' + b'\x00\x00\x00\x02' + b'\x01\x02\xff\xfe'
    assert read_idx(_write(tmp_path / 'c.idx', raw)).tolist() == [258, -2]


@pytest.mark.parametrize(
    'data, match',
    [
        (b'\x00\x00', 'is truncated: no 4-byte header'),
        (b'\x01\x00\x08\x01\x00\x00\x00\x01\x05', 'wrong magic number'),
        (b'\x00\x00\x07\x01\x00\x00\x00\x01\x05', 'wrong magic number'),
        (b'\x00\x00\x08\x00', 'wrong magic number'),
        (b'\x00\x00\x08\x02\x00\x00\x00\x02', 'truncated inside its 2 dimensions'),
        (b'\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02', 'is truncated: dims'),
        (b'\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02', 'longer than its dims'),
        (b'\x1f\x8b\x08\x00garbage', 'is not valid gzip'),
    ],
    ids=['short', 'magic0', 'type', 'ndim0', 'dims', 'data', 'trailing', 'gzip'],
)
def test_read_idx_errors(tmp_path, data, match):
    path = _write(tmp_path / 'bad.idx', data)
    with pytest.raises(ValueError, match=f"IDX file '{path}' .*{match}"):
        read_idx(path)


def test_read_idx_truncated_gz(tmp_path):
    arr = np.zeros((4, 4), dtype=np.uint8)
    data = gzip.compress(_idx_bytes(arr, 0x08, 'u1'))
    path = _write(tmp_path / 'cut.gz', data[: len(data) // 2])
    with pytest.raises(ValueError, match="IDX file .*cut.gz' is not valid gzip"):
        read_idx(path)


def test_read_idx_unreadable(tmp_path):
    with pytest.raises(ValueError, match="IDX file .*missing' could not be read"):
        read_idx(tmp_path / 'missing')
    with pytest.raises(ValueError, match='could not be read'):
        read_idx(tmp_path)


@pytest.mark.parametrize('gz', [False, True], ids=['raw', 'gz'])
def test_load_mnist(tmp_path, gz):
    files = _write_mnist(tmp_path, gz=gz)
    data = load_mnist(tmp_path)
    assert data.train.shape == (6, 6) and data.test.shape == (4, 6)
    assert data.image_shape == (3, 2) and data.likelihood == 'bernoulli'
    expected = torch.tensor(files['train-images-idx3-ubyte'].reshape(6, 6)) / 255.0
    assert torch.allclose(data.train, expected.float())
    assert data.test_labels.tolist() == files['t10k-labels-idx1-ubyte'].tolist()
    assert float(data.train.max()) <= 1.0


def test_load_mnist_torchvision_layout(tmp_path):
    os.makedirs(tmp_path / 'MNIST' / 'raw')
    _write_mnist(tmp_path / 'MNIST' / 'raw')
    assert load_vae_dataset('mnist', root=str(tmp_path)).train.shape == (6, 6)


def test_load_mnist_errors(tmp_path):
    with pytest.raises(ValueError, match="'root' must name the folder"):
        load_mnist(None)
    with pytest.raises(ValueError, match="'root' has no MNIST file train-images"):
        load_mnist(tmp_path)
    _write_mnist(tmp_path)
    labels = tmp_path / 'train-labels-idx1-ubyte'
    _write(labels, _idx_bytes(np.zeros(5), 0x08, 'u1'))
    with pytest.raises(ValueError, match='disagree on the number of samples'):
        load_mnist(tmp_path)
    _write(labels, _idx_bytes(np.zeros((6, 1)), 0x08, 'u1'))
    with pytest.raises(ValueError, match=r'must hold uint8 labels \[N\]'):
        load_mnist(tmp_path)
    _write(labels, _idx_bytes(np.zeros(6), 0x08, 'u1'))
    images = tmp_path / 'train-images-idx3-ubyte'
    _write(images, _idx_bytes(np.zeros((6, 3, 2)), 0x0C, '>i4'))
    with pytest.raises(ValueError, match=r'must hold uint8 images \[N, H, W\]'):
        load_mnist(tmp_path)
    _write(images, b'\x00\x00\x08\x03')
    with pytest.raises(ValueError, match='train-images-idx3-ubyte.* is truncated'):
        load_mnist(tmp_path)


def test_split_rows_partition_and_fixed():
    train, test = split_rows(10)
    assert test.numel() == 2 and train.numel() == 8
    assert sorted(torch.cat([train, test]).tolist()) == list(range(10))
    again = split_rows(10, seed=SPLIT_SEED)
    assert torch.equal(again[1], test)


def test_load_digits_data():
    data = load_digits_data()
    assert data.train.shape == (1438, 64) and data.test.shape == (359, 64)
    assert data.image_shape == (8, 8) and data.likelihood == 'bernoulli'
    assert float(data.train.min()) == 0.0 and float(data.train.max()) == 1.0
    # The split does not depend on any global seed.
    torch.manual_seed(123)
    assert torch.equal(load_digits_data().test, data.test)
    assert load_vae_dataset('digits', likelihood='gaussian').likelihood == 'gaussian'


def test_load_table_npy_standardised(tmp_path):
    x = np.arange(40, dtype=np.float64).reshape(10, 4)
    x[:, 3] = 7.0  # a constant column keeps scale 1
    np.save(tmp_path / 't.npy', x)
    data = load_vae_dataset(f'npy:{tmp_path / "t.npy"}')
    assert data.likelihood == 'gaussian' and data.image_shape is None
    assert data.train.shape == (8, 4) and data.test.shape == (2, 4)
    assert torch.allclose(data.train.mean(0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(data.train.std(0, unbiased=False)[:3], torch.ones(3))
    assert data.std[3].item() == 1.0
    train_idx, test_idx = split_rows(10)
    raw_test = torch.tensor(x, dtype=torch.float32)[test_idx]
    assert torch.allclose(data.test, (raw_test - data.mean) / data.std)


@pytest.mark.parametrize('header', [True, False], ids=['header', 'no-header'])
def test_read_table_csv(tmp_path, header):
    text = ('a,b,c\n' if header else '') + '1,2,3\n4.5, -1e2 ,0\n\n7,8,9\n'
    path = tmp_path / 't.csv'
    path.write_text(text)
    out = read_table(path)
    assert out.dtype == torch.float32
    assert out.tolist() == [[1, 2, 3], [4.5, -100, 0], [7, 8, 9]]


def test_load_table_bernoulli(tmp_path):
    np.save(tmp_path / 'p.npy', np.linspace(0, 1, 30).reshape(10, 3))
    data = load_table(tmp_path / 'p.npy', likelihood='bernoulli')
    assert data.mean is None and float(data.train.max()) <= 1.0
    np.save(tmp_path / 'q.npy', np.linspace(0, 2, 30).reshape(10, 3))
    with pytest.raises(ValueError, match=r"q.npy' must lie in \[0, 1\]"):
        load_vae_dataset(f'npy:{tmp_path / "q.npy"}', likelihood='bernoulli')


def test_table_errors(tmp_path):
    (tmp_path / 'text.csv').write_text('a,b\n1,2\nx,3\n')
    with pytest.raises(ValueError, match='CSV file .* non-numeric value on line 3'):
        read_table(tmp_path / 'text.csv')
    (tmp_path / 'ragged.csv').write_text('1,2\n3\n')
    with pytest.raises(ValueError, match='has 2 columns but line 2 has 1'):
        read_table(tmp_path / 'ragged.csv')
    (tmp_path / 'nan.csv').write_text('1,2\nnan,3\n')
    with pytest.raises(ValueError, match='must contain only finite values'):
        read_table(tmp_path / 'nan.csv')
    np.save(tmp_path / 'big.npy', np.array([[1e39, 1.0], [2.0, 3.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no stray numpy overflow warning either
        with pytest.raises(ValueError, match=r'beyond the float32 range .*1e\+39'):
            read_table(tmp_path / 'big.npy')
    (tmp_path / 'empty.csv').write_text('a,b\n')
    with pytest.raises(ValueError, match='must be a non-empty 2-D array'):
        read_table(tmp_path / 'empty.csv')
    np.save(tmp_path / 'vec.npy', np.ones(5))
    with pytest.raises(ValueError, match=r'must be a non-empty 2-D array .*\(5,\)'):
        read_table(tmp_path / 'vec.npy')
    np.save(tmp_path / 'str.npy', np.array([['a', 'b']]))
    with pytest.raises(ValueError, match='must be numeric'):
        read_table(tmp_path / 'str.npy')
    (tmp_path / 'junk.npy').write_bytes(b'not an npy file')
    with pytest.raises(ValueError, match="'.*junk.npy' is not a readable .npy"):
        read_table(tmp_path / 'junk.npy')
    with pytest.raises(ValueError, match="table '.*nope.csv' could not be read"):
        read_table(tmp_path / 'nope.csv')
    with pytest.raises(ValueError, match="'path' must be a .npy or .csv file"):
        read_table(tmp_path / 'x.txt')
    with pytest.raises(ValueError, match="'likelihood' must be one of"):
        load_table(tmp_path / 'vec.npy', likelihood='poisson')
    np.save(tmp_path / 'few.npy', np.ones((4, 2)))
    with pytest.raises(ValueError, match='needs at least 5 rows'):
        load_table(tmp_path / 'few.npy')


@pytest.mark.parametrize(
    'spec, kwargs, match',
    [
        ('cora', {}, "'dataset' must be 'digits', 'mnist'"),
        ('npy:', {}, "'dataset' must be 'digits'"),
        (3, {}, "'dataset' must be a string"),
        ('digits', dict(likelihood='poisson'), "'likelihood' must be one of"),
    ],
)
def test_load_vae_dataset_errors(spec, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_vae_dataset(spec, **kwargs)


def test_csv_first_row_with_a_typo_is_not_taken_as_header(tmp_path):
    """Only an all-text first row is a header; a typo in data raises."""
    from gvae_ext.vae.tables import read_table

    path = tmp_path / 't.csv'
    path.write_text('1.0,2o,3\n4,5,6\n')
    with pytest.raises(
        ValueError, match=r"non-numeric value on line 1 .*\(got \['1.0', '2o'"
    ):
        read_table(path)
    path.write_text('a,b,c\n1,2,3\n4,5,6\n')
    assert read_table(path).tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
