import pytest
import torch

from gvae_ext.nn.decoders import InnerProductDecoder
from tests.conftest import DEVICES

Z = torch.tensor([[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]])
EDGE_INDEX = torch.tensor([[0, 1, 2, 0], [1, 2, 0, 0]])


def test_inner_product_decoder_hand_case():
    dec = InnerProductDecoder()
    logits = torch.tensor([0.5, 1.5, -1.0, 1.0])  # z0.z1, z1.z2, z2.z0, z0.z0
    assert torch.allclose(dec(Z, EDGE_INDEX, sigmoid=False), logits)
    assert torch.allclose(dec(Z, EDGE_INDEX), torch.sigmoid(logits))
    full = torch.tensor([[1.0, 0.5, -1.0], [0.5, 4.25, 1.5], [-1.0, 1.5, 2.0]])
    assert torch.allclose(dec.forward_all(Z, sigmoid=False), full)
    assert torch.allclose(dec.forward_all(Z), torch.sigmoid(full))


@pytest.mark.parametrize('chunk_size', [1, 3, 1000])
def test_inner_product_decoder_score_chunks_agree(chunk_size):
    dec = InnerProductDecoder()
    g = torch.Generator().manual_seed(0)
    z = torch.randn(20, 4, generator=g)
    edge_index = torch.randint(0, 20, (2, 50), generator=g)
    assert torch.allclose(
        dec.score(z, edge_index, chunk_size=chunk_size), dec(z, edge_index)
    )
    empty = torch.zeros(2, 0, dtype=torch.long)
    assert dec.score(z, empty, sigmoid=False).shape == (0,)
    blocks = list(dec.score_chunks(z, sigmoid=False, chunk_size=chunk_size))
    assert [s for s, _ in blocks] == list(range(0, 20, chunk_size))
    assert torch.allclose(
        torch.cat([b for _, b in blocks]), dec.forward_all(z, sigmoid=False)
    )


def test_inner_product_decoder_gradient():
    z = Z.clone().requires_grad_()
    InnerProductDecoder()(z, torch.tensor([[0], [1]]), sigmoid=False).sum().backward()
    assert torch.allclose(z.grad, torch.tensor([[0.5, 2.0], [1.0, 0.0], [0.0, 0.0]]))


@pytest.mark.parametrize(
    'z, edge_index, match',
    [
        (Z, torch.tensor([[0], [3]]), "'edge_index' contains node index 3"),
        (Z, torch.tensor([[0, 1]]), "'edge_index' must have shape"),
        (Z, torch.tensor([[0.0], [1.0]]), "'edge_index' must be an integer"),
        (Z[0], EDGE_INDEX, "'z' must be a 2-D floating-point"),
        (Z.long(), EDGE_INDEX, "'z' must be a 2-D floating-point"),
    ],
    ids=['range', 'shape', 'dtype', 'z-1d', 'z-int'],
)
def test_inner_product_decoder_errors(z, edge_index, match):
    dec = InnerProductDecoder()
    with pytest.raises(ValueError, match=match):
        dec(z, edge_index)
    with pytest.raises(ValueError, match=match):
        dec.score(z, edge_index)


def test_inner_product_decoder_bad_chunk_size():
    with pytest.raises(ValueError, match="'chunk_size' must be a positive"):
        InnerProductDecoder().score(Z, EDGE_INDEX, chunk_size=0)
    with pytest.raises(ValueError, match="'chunk_size' must be a positive"):
        next(InnerProductDecoder().score_chunks(Z, chunk_size=0))
    with pytest.raises(TypeError, match="'z' must be a torch.Tensor"):
        InnerProductDecoder().forward_all([[1.0]])


def test_inner_product_decoder_checks_once_per_tensor():
    dec = InnerProductDecoder()
    edge_index = EDGE_INDEX.clone()
    dec(Z, edge_index)
    dec(Z, edge_index)
    assert (dec._checked.misses, dec._checked.hits) == (1, 1)
    edge_index[1, 0] = 7  # in place: checked again
    with pytest.raises(ValueError, match="'edge_index' contains node index 7"):
        dec(Z, edge_index)


def test_inner_product_decoder_repr():
    assert str(InnerProductDecoder()) == 'InnerProductDecoder()'


@pytest.mark.parametrize('device', DEVICES)
def test_inner_product_decoder_device(device):
    dec = InnerProductDecoder()
    out = dec(Z.to(device), EDGE_INDEX.to(device))
    assert out.device.type == device
    assert torch.allclose(out.cpu(), dec(Z, EDGE_INDEX))
