"""The model and objective options of issue 12: masking, norms, decoders."""

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.nn import GAE, GCNEncoder, MLPDecoder, VariationalGCNEncoder
from gvae_ext.train import FitConfig, build_model, fit
from gvae_ext.train._masking import EdgeMasker


def _ring(n: int) -> torch.Tensor:
    row = torch.arange(n)
    return torch.stack([row, (row + 1) % n])  # one column per undirected pair


def _as_set(pairs):
    return {tuple(sorted(p)) for p in pairs.t().tolist()}


@pytest.mark.parametrize('kind', ['edge', 'path'])
def test_masker_partitions_the_pairs(kind):
    pairs = _ring(50)
    masker = EdgeMasker(pairs, 50, kind, 0.3)
    graph, masked = masker(torch.Generator().manual_seed(0))
    kept = graph[:, graph[0] < graph[1]]
    # both directions of every kept pair, nothing else
    assert graph.size(1) == 2 * kept.size(1)
    assert _as_set(graph) == _as_set(kept)
    assert _as_set(kept) | _as_set(masked) == _as_set(pairs)
    assert not _as_set(kept) & _as_set(masked)
    assert 0 < masked.size(1) < pairs.size(1)
    again = masker(torch.Generator().manual_seed(0))[1]
    assert torch.equal(masked, again)


def _components(pairs):
    parent = {}

    def find(v):
        while parent.setdefault(v, v) != v:
            v = parent[v]
        return v

    for u, v in pairs:
        parent[find(u)] = find(v)
    groups = {}
    for u, v in pairs:
        groups.setdefault(find(u), []).append((u, v))
    return list(groups.values())


@pytest.mark.parametrize('seed', range(5))
def test_path_masking_masks_walks_from_roots(seed):
    # On a ring, the pairs a walk of 3 steps from a root traverses are
    # consecutive: each connected group of masked pairs holds a root (drawn
    # first, as the masker does) and at most 3 pairs per root in it.
    pairs = _ring(200)
    masker = EdgeMasker(pairs, 200, 'path', 0.02, walk_length=3)
    _, masked = masker(torch.Generator().manual_seed(seed))
    roots = set(
        (torch.rand(200, generator=torch.Generator().manual_seed(seed)) < 0.02)
        .nonzero()
        .view(-1)
        .tolist()
    )
    assert roots and masked.size(1) > 0
    for group in _components([tuple(p) for p in masked.t().tolist()]):
        nodes = {v for p in group for v in p}
        inside = len(nodes & roots)
        assert inside >= 1
        assert len(group) <= 3 * inside


def test_masker_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="'mask_kind' must be one of"):
        EdgeMasker(_ring(5), 5, 'nodes', 0.5)


def test_mlp_decoder_is_symmetric_and_matches_forward_all():
    torch.manual_seed(0)
    decoder = MLPDecoder(8, 16).eval()
    z = torch.randn(6, 8)
    pairs = torch.tensor([[0, 1, 4], [2, 5, 3]])
    forward = decoder(z, pairs, sigmoid=False)
    assert torch.allclose(forward, decoder(z, pairs.flip(0), sigmoid=False))
    full = decoder.forward_all(z, sigmoid=False)
    assert torch.allclose(forward, full[pairs[0], pairs[1]], atol=1e-6)
    assert torch.allclose(decoder(z, pairs), torch.sigmoid(forward))


def test_encoder_norm_and_activation_options():
    x = torch.randn(10, 5)
    edge_index = torch.cat([_ring(10), _ring(10).flip(0)], 1)
    enc = GCNEncoder(5, 8, 4, norm='layer', act='elu', out_act=True)
    z = enc(x, edge_index)
    assert bool((z >= -1).all()) and bool((z < 0).any())  # ELU on the output
    assert repr(enc) == "GCNEncoder(5, 8, 4, norm='layer', act='elu', out_act=True)"
    # out_act activates mu only: logstd is the plain head's
    torch.manual_seed(1)
    act = VariationalGCNEncoder(5, 8, 4, act='elu', out_act=True)
    plain = VariationalGCNEncoder(5, 8, 4, act='elu')
    plain.load_state_dict(act.state_dict())
    (mu, logstd), (mu0, logstd0) = act(x, edge_index), plain(x, edge_index)
    assert torch.equal(logstd, logstd0)
    assert torch.allclose(mu, torch.nn.functional.elu(mu0))
    assert not torch.allclose(mu, mu0)
    with pytest.raises(ValueError, match="'norm' must be one of"):
        GCNEncoder(5, 8, 4, norm='group')
    with pytest.raises(ValueError, match="'act' must be one of"):
        GCNEncoder(5, 8, 4, act='tanh')


def test_build_model_applies_the_options():
    config = FitConfig.from_preset(
        'tuned', model='gae', decoder='mlp', norm='batch', act='elu', out_act=True
    )
    model = build_model(config, 7)
    assert isinstance(model, GAE) and isinstance(model.decoder, MLPDecoder)
    assert model.encoder.norm == 'batch' and model.encoder.act == 'elu'
    assert config.overrides == ('norm', 'act', 'out_act', 'decoder')


@pytest.mark.parametrize(
    'change, message',
    [
        (dict(decoder='mlp', objective='dense'), "'decoder' 'mlp' needs"),
        (dict(recon='masked', edge_mask=0.0), "'recon' 'masked' needs"),
        (dict(norm='group'), "'norm' must be one of"),
        (dict(weight_decay=-1.0), "'weight_decay' must be a non-negative"),
        (dict(degree_weight=float('nan')), "'degree_weight' must be a non-negative"),
        (dict(out_act=1), "'out_act' must be a bool"),
    ],
)
def test_config_rejects_bad_options(change, message):
    with pytest.raises(ValueError, match=message):
        FitConfig.from_preset(**change)


def _graph() -> Data:
    g = torch.Generator().manual_seed(0)
    upper = torch.triu(torch.rand(40, 40, generator=g) < 0.2, diagonal=1)
    row, col = upper.nonzero().t()
    return Data(
        edge_index=torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1),
        num_nodes=40,
    )


def test_fit_with_every_option_trains_and_is_seeded():
    config = FitConfig.from_preset(
        model='vgae',
        epochs=5,
        hidden_channels=16,
        out_channels=8,
        norm='layer',
        act='elu',
        out_act=True,
        decoder='mlp',
        weight_decay=1e-4,
        degree_weight=0.01,
        mask_kind='path',
        edge_mask=0.3,
        recon='masked',
        selection='val_auc',
    )
    a, b = fit(_graph(), config), fit(_graph(), config)
    assert a.metrics == b.metrics
    assert len(a.history['loss']) == 5
    assert a.metrics['val_auc'] == max(a.history['val_auc'])


def test_two_hop_negatives_are_two_hop_non_edges():
    from gvae_ext.train._hard import TwoHopNegatives

    data = _graph()
    edges = data.edge_index
    hard = TwoHopNegatives(edges, 40)
    pos = edges[:, edges[0] < edges[1]]
    uniform = torch.full_like(pos, -1)  # marks the columns left alone
    gen = torch.Generator().manual_seed(0)
    out = hard(pos, uniform, 1.0, gen)
    train = {tuple(p) for p in edges.t().tolist()}
    adj = {}
    for u, v in train:
        adj.setdefault(u, set()).add(v)
    replaced = out[:, out[0] >= 0]
    assert replaced.size(1) > pos.size(1) // 2
    for u, w in replaced.t().tolist():
        assert (u, w) not in train and u != w
        assert any(w in adj.get(x, ()) for x in adj.get(u, ()))  # two hops away
    assert torch.equal(hard(pos, uniform, 0.0, gen), uniform)


def test_fit_with_hard_negatives_trains_and_validates():
    config = FitConfig.from_preset(
        model='gae', epochs=3, hidden_channels=8, out_channels=4, hard_negatives=0.5
    )
    assert len(fit(_graph(), config).history['loss']) == 3
    with pytest.raises(ValueError, match="'hard_negatives' must be in"):
        FitConfig.from_preset(hard_negatives=1.5)
    with pytest.raises(ValueError, match="'hard_negatives' > 0 needs"):
        FitConfig.from_preset(hard_negatives=0.5, objective='dense')


def test_hard_weight_adds_a_term_against_two_hop_negatives():
    from gvae_ext.link import fast_negative_sampling
    from gvae_ext.train._hard import TwoHopNegatives
    from gvae_ext.train._run import _objective

    data = _graph()
    edges = data.edge_index
    pairs = edges[:, edges[0] < edges[1]]
    torch.manual_seed(0)
    model = GAE(GCNEncoder(40, 8, 4))
    z = model.encode(None, edges)
    hard = TwoHopNegatives(edges, 40)
    config = FitConfig.from_preset(model='gae', hard_weight=0.7)
    got = _objective(
        model, config, z, edges, pairs, 1.0, torch.Generator().manual_seed(5), hard
    )
    gen = torch.Generator().manual_seed(5)  # replay the draws
    uniform = fast_negative_sampling(edges, 40, pairs.size(1), generator=gen)
    two_hop = fast_negative_sampling(edges, 40, pairs.size(1), generator=gen)
    two_hop = hard(pairs, two_hop, 1.0, gen)
    want = model.recon_loss(z, pairs, uniform) + 0.7 * model.recon_loss(
        z, pairs, two_hop
    )
    torch.testing.assert_close(got, want)
    assert not torch.equal(two_hop, uniform)


def test_fit_with_hard_weight_trains_and_validates():
    config = FitConfig.from_preset(
        model='vgae', epochs=3, hidden_channels=8, out_channels=4, hard_weight=0.5
    )
    a, b = fit(_graph(), config), fit(_graph(), config)
    assert a.metrics == b.metrics and len(a.history['loss']) == 3
    plain = fit(_graph(), FitConfig.from_preset(
        model='vgae', epochs=3, hidden_channels=8, out_channels=4
    ))  # fmt: skip
    assert a.history['loss'] != plain.history['loss']
    for bad in (-0.1, float('inf'), True):
        with pytest.raises(ValueError, match="'hard_weight' must be a non-negative"):
            FitConfig.from_preset(hard_weight=bad)
    with pytest.raises(ValueError, match="'hard_weight' > 0 needs"):
        FitConfig.from_preset(hard_weight=0.5, objective='dense')
