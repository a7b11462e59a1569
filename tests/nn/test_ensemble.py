"""Ensembles that are again one autoencoder (gvae_ext.nn.ensemble)."""

import math

import pytest
import torch

from gvae_ext.nn import GAE, VGAE, GCNEncoder, MLPDecoder, VariationalGCNEncoder
from gvae_ext.nn.ensemble import EnsembleDecoder, EnsembleEncoder


def _graph():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(30, 5, generator=g)
    ei = torch.randint(0, 30, (2, 80), generator=g)
    ei = ei[:, ei[0] != ei[1]]
    return x, torch.cat([ei, ei.flip(0)], 1)


def test_inner_product_of_the_ensemble_is_the_mean_of_member_logits():
    torch.manual_seed(0)
    x, ei = _graph()
    members = [GCNEncoder(5, 8, 4), GCNEncoder(5, 8, 6), GCNEncoder(5, 8, 4)]
    model = GAE(EnsembleEncoder(members)).eval()
    pairs = torch.tensor([[0, 1, 2, 7], [3, 9, 2, 20]])
    z = model.encode(x, ei)
    assert z.shape == (30, 14)
    got = model.decode(z, pairs, sigmoid=False)
    logits = []
    for m in members:
        zk = m(x, ei)
        logits.append((zk[pairs[0]] * zk[pairs[1]]).sum(-1))
    want = torch.stack(logits).mean(0)
    torch.testing.assert_close(got, want)
    # the dense decoder agrees with the pairwise one
    full = model.decoder.forward_all(z, sigmoid=False)
    torch.testing.assert_close(full[pairs[0], pairs[1]], want)


def test_variational_members_concatenate_mu_and_shift_logstd():
    torch.manual_seed(0)
    x, ei = _graph()
    members = [VariationalGCNEncoder(5, 8, 4) for _ in range(4)]
    model = VGAE(EnsembleEncoder(members)).eval()
    mu, logstd = model.encoder(x, ei)
    parts = [m(x, ei) for m in members]
    torch.testing.assert_close(mu, torch.cat([p[0] for p in parts], 1) / 2)
    torch.testing.assert_close(
        logstd, torch.cat([p[1] for p in parts], 1) - math.log(2)
    )
    # eval mode: the embedding is mu, and the KL term is finite
    torch.testing.assert_close(model.encode(x, ei), mu)
    assert torch.isfinite(model.kl_loss())


def test_mlp_decoders_average_their_logits_on_their_blocks():
    torch.manual_seed(0)
    decoders = [MLPDecoder(4), MLPDecoder(3)]
    dec = EnsembleDecoder(decoders).eval()
    z = torch.randn(10, 7)
    pairs = torch.tensor([[0, 1, 5], [2, 9, 5]])
    scale = math.sqrt(2)
    want = (
        decoders[0](z[:, :4] * scale, pairs, sigmoid=False)
        + decoders[1](z[:, 4:] * scale, pairs, sigmoid=False)
    ) / 2
    torch.testing.assert_close(dec(z, pairs, sigmoid=False), want)
    torch.testing.assert_close(dec(z, pairs), torch.sigmoid(want))
    torch.testing.assert_close(
        dec.forward_all(z, sigmoid=False)[pairs[0], pairs[1]], want
    )
    with pytest.raises(ValueError, match="'z' must have 7 columns"):
        dec(torch.randn(10, 6), pairs)


def test_bad_members_are_refused():
    with pytest.raises(ValueError, match="'encoders' must be a non-empty"):
        EnsembleEncoder([])
    with pytest.raises(ValueError, match="'decoders' must be a non-empty"):
        EnsembleDecoder([lambda z: z])


def test_ensemble_members_must_be_alike():
    x, ei = torch.randn(5, 3), torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    mixed = EnsembleEncoder([VariationalGCNEncoder(3, 8, 4), GCNEncoder(3, 8, 4)])
    with pytest.raises(
        ValueError, match=r"'encoders' must all return .*'pair', 'tensor'"
    ):
        mixed(x, ei)
    with pytest.raises(ValueError, match=r"'decoders' must each have a positive int"):
        EnsembleDecoder([torch.nn.Linear(3, 3)])
    mu, logstd = EnsembleEncoder([VariationalGCNEncoder(3, 8, 4)] * 2)(x, ei)
    assert mu.shape == logstd.shape == (5, 8)
