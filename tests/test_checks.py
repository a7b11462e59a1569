import pytest
import torch

from gvae_ext._checks import (
    all_finite,
    check_edge_index,
    check_features,
    check_fraction_or_count,
    check_generator,
    check_num_nodes,
    check_positive_int,
)


def test_check_edge_index_infers_and_accepts():
    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    assert check_edge_index(ei) == 3
    assert check_edge_index(ei, 5) == 5
    assert check_edge_index(torch.empty(2, 0, dtype=torch.long)) == 0
    assert check_edge_index(torch.empty(2, 0, dtype=torch.long), 4) == 4
    assert check_edge_index(ei, (3, 4)) == (3, 4)


@pytest.mark.parametrize(
    'edge_index, num_nodes, match',
    [
        (torch.zeros(3, 2, dtype=torch.long), None, r'shape \[2, num_edges\]'),
        (torch.zeros(2, dtype=torch.long), None, r'shape \[2, num_edges\]'),
        (torch.zeros(2, 2), None, 'integer tensor'),
        (torch.tensor([[0, -1], [1, 0]]), None, 'negative'),
        (torch.tensor([[0, 3], [1, 0]]), 3, 'out of range'),
        (torch.tensor([[0, 2], [1, 0]]), (2, 5), 'source index 2'),
        (torch.tensor([[0, 1], [1, 5]]), (2, 5), 'target index 5'),
        (torch.tensor([[0], [1]]), 0, "'num_nodes' must be a positive"),
        (torch.tensor([[0], [1]]), 2.5, "'num_nodes' must be an integer"),
    ],
    ids=[
        '3-rows',
        '1-d',
        'float',
        'negative',
        'too-large',
        'bip-src',
        'bip-dst',
        'zero-nodes',
        'float-nodes',
    ],
)
def test_check_edge_index_errors(edge_index, num_nodes, match):
    with pytest.raises(ValueError, match=match):
        check_edge_index(edge_index, num_nodes)


def test_check_edge_index_empty_refused_when_asked():
    with pytest.raises(ValueError, match='at least one edge'):
        check_edge_index(torch.empty(2, 0, dtype=torch.long), allow_empty=False)


def test_check_edge_index_type_error():
    with pytest.raises(TypeError, match="'edge_index' must be a torch.Tensor"):
        check_edge_index([[0, 1], [1, 0]])


def test_check_features():
    x = torch.rand(4, 3)
    assert check_features(x, 4) is x
    check_features(x.to_sparse_csr(), 4)
    check_features(x.to_sparse(), 4)
    with pytest.raises(ValueError, match='one row per node'):
        check_features(x, 5)
    with pytest.raises(ValueError, match='2-D'):
        check_features(torch.rand(4), 4)
    with pytest.raises(ValueError, match='floating-point'):
        check_features(torch.ones(4, 3, dtype=torch.long), 4)
    bad = x.clone()
    bad[1, 1] = float('nan')
    with pytest.raises(ValueError, match='finite'):
        check_features(bad, 4)
    bad[1, 1] = float('inf')
    with pytest.raises(ValueError, match='finite'):
        check_features(bad.to_sparse_csr(), 4)


def test_scalar_checks():
    assert check_positive_int(3, 'k') == 3
    assert check_positive_int(0, 'k', allow_zero=True) == 0
    for bad in (0, -1, 1.5, True, '3'):
        with pytest.raises(ValueError, match="'k'"):
            check_positive_int(bad, 'k')
    assert check_num_nodes(None) is None
    assert check_num_nodes((2, 3), allow_pair=True) == (2, 3)
    with pytest.raises(ValueError, match='pair'):
        check_num_nodes((1, 2, 3), allow_pair=True)
    assert check_fraction_or_count(0.1, 'num_val', total=95) == 9
    assert check_fraction_or_count(7, 'num_val') == 7
    for bad in (1.0, -0.1, -2, True, 'x'):
        with pytest.raises(ValueError, match="'num_val'"):
            check_fraction_or_count(bad, 'num_val', total=10)
    assert check_generator(None) is None
    with pytest.raises(TypeError, match="'generator'"):
        check_generator(0)


@pytest.mark.parametrize('bad', [float('nan'), float('inf'), -float('inf')])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64, torch.float16])
def test_all_finite_finds_one_bad_entry(bad, dtype):
    g = torch.Generator().manual_seed(0)
    z = torch.randn(40, 7, generator=g).to(dtype)
    assert all_finite(z)
    for i, j in ((0, 0), (39, 6), (17, 3)):
        w = z.clone()
        w[i, j] = bad
        assert not all_finite(w)
        assert not all_finite(w.to_sparse())  # the sparse path
        assert all_finite(z.to_sparse())


def test_all_finite_of_empty_and_integer_tensors():
    assert all_finite(torch.empty(0, 3))
    assert all_finite(torch.tensor([1, 2, 3]))
    x = torch.tensor([1.0, float('nan')], requires_grad=True)
    assert not all_finite(x * 1)  # works on tensors that require grad


def test_all_finite_of_several_and_complex_tensors():
    good = [torch.ones(3, 2), torch.zeros(4, dtype=torch.float64), torch.arange(3)]
    assert all_finite(*good) and all_finite()
    # a finite float64 beyond the float16/float32 range stays finite beside them
    assert all_finite(torch.tensor([1e300], dtype=torch.float64), torch.ones(2).half())
    assert not all_finite(*good, torch.tensor([1.0, float('inf')], dtype=torch.half))
    z = torch.tensor([1 + 2j, 3 - 1j])
    assert all_finite(z) and all_finite(z.conj())
    assert not all_finite(torch.tensor([1 + 2j, complex(0, float('nan'))]))
