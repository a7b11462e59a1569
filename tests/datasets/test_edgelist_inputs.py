"""read_edgelist: byte-order marks and self-loops written with leading zeros."""

import warnings

import numpy as np
import pytest
import torch

from gvae_ext.datasets import read_edgelist


def write(tmp_path, text, name='edgelist.txt', encoding='utf-8'):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def same_data(a, b):
    assert a.num_nodes == b.num_nodes
    assert torch.equal(a.edge_index, b.edge_index)
    assert torch.equal(a.x.to_dense(), b.x.to_dense())
    assert ('node_ids' in a) == ('node_ids' in b)
    if 'node_ids' in a:
        ids_a, ids_b = a.node_ids, b.node_ids
        if isinstance(ids_a, torch.Tensor):
            assert isinstance(ids_b, torch.Tensor) and torch.equal(ids_a, ids_b)
        else:
            assert ids_a == ids_b


@pytest.mark.parametrize(
    'text',
    ['0 1\n1 2\n', '12 13\n13 14\n', 'a b\nb c\n', '# head\n5 6\n6 7\n'],
    ids=['dense-ids', 'sparse-ids', 'string-ids', 'comment-first'],
)
def test_byte_order_mark_is_ignored(tmp_path, text):
    plain = read_edgelist(write(tmp_path, text, 'plain.txt'))
    bom = write(tmp_path, text, 'bom.txt', encoding='utf-8-sig')
    assert bom.read_bytes().startswith(b'\xef\xbb\xbf')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        data = read_edgelist(bom)
    same_data(data, plain)


def test_byte_order_mark_with_features(tmp_path):
    np.save(tmp_path / 'x.npy', np.arange(8, dtype=np.float32).reshape(4, 2))
    plain = read_edgelist(
        write(tmp_path, '3 1\n1 2\n', 'plain.txt'), tmp_path / 'x.npy'
    )
    bom = write(tmp_path, '3 1\n1 2\n', 'bom.txt', encoding='utf-8-sig')
    data = read_edgelist(bom, tmp_path / 'x.npy')
    same_data(data, plain)
    assert data.num_nodes == 4 and 'node_ids' not in data


def test_byte_order_mark_line_numbers_in_errors(tmp_path):
    np.save(tmp_path / 'x.npy', np.zeros((3, 1), dtype=np.float32))
    path = write(tmp_path, '0 1\n1 a\n', encoding='utf-8-sig')
    with pytest.raises(ValueError, match=r"edgelist\.txt, line 2: node id 'a' is not"):
        read_edgelist(path, tmp_path / 'x.npy')


def test_self_loop_with_leading_zeros_is_warned(tmp_path):
    with pytest.warns(UserWarning) as record:
        data = read_edgelist(write(tmp_path, '0 1\n7 007\n1 2\n'))
    assert [str(w.message) for w in record] == [
        f'{tmp_path / "edgelist.txt"}: dropped 1 self-loop(s) (first: line 2)'
    ]
    assert data.num_nodes == 4 and data.node_ids.tolist() == [0, 1, 7, 2]
    assert data.edge_index.tolist() == [[0, 1, 1, 3], [1, 0, 3, 1]]


def test_self_loop_with_leading_zeros_among_string_ids(tmp_path):
    r"""'7' and '007' are one node even when other ids are strings."""
    with pytest.warns(UserWarning) as record:
        data = read_edgelist(write(tmp_path, 'a 7\n007 0007\n007 b\n'))
    assert [str(w.message) for w in record] == [
        f'{tmp_path / "edgelist.txt"}: dropped 1 self-loop(s) (first: line 2)'
    ]
    assert data.node_ids == ['a', '7', 'b']
    assert data.edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]


def test_distinct_integer_ids_are_not_self_loops(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        data = read_edgelist(write(tmp_path, '07 70\n70 007\n'))
    assert data.node_ids.tolist() == [7, 70]
    assert data.edge_index.tolist() == [[0, 1], [1, 0]]
