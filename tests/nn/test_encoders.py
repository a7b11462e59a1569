import math

import pytest
import torch

import gvae_ext.typing
from gvae_ext.nn.encoders import GCNEncoder, MLPEncoder, VariationalGCNEncoder
from gvae_ext.sparse import SparseOperator, normalized_adjacency
from tests.conftest import DEVICES

needs_ts = pytest.mark.skipif(
    not gvae_ext.typing.WITH_TORCH_SPARSE, reason='needs torch-sparse'
)
EDGE_INDEX = torch.tensor([[0, 1, 1, 2, 2, 3, 4, 0], [1, 0, 2, 1, 3, 2, 0, 4]])


def sparse_features(num_nodes=5, channels=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(num_nodes, channels)
    x[
        torch.arange(num_nodes), torch.randint(0, channels, (num_nodes,), generator=g)
    ] = 1.0
    return x


def dense_adj(edge_index=EDGE_INDEX, n=5):
    return normalized_adjacency(edge_index, n).to_dense()


def test_gcn_encoder_matches_formula():
    torch.manual_seed(0)
    x = torch.randn(5, 7)
    enc = GCNEncoder(7, 4, 3)
    a = dense_adj()
    expected = a @ torch.relu(a @ x @ enc.weight1) @ enc.weight_z
    assert torch.allclose(enc(x, EDGE_INDEX), expected, atol=1e-6)


def test_variational_encoder_matches_formula_with_bias():
    torch.manual_seed(0)
    x = torch.randn(5, 7)
    enc = VariationalGCNEncoder(7, 4, 3, bias=True)
    with torch.no_grad():
        for p in (enc.bias1, enc.bias_mu, enc.bias_logstd):
            p.uniform_()
    a = dense_adj()
    h = torch.relu(a @ x @ enc.weight1 + enc.bias1)
    mu, logstd = enc(x, EDGE_INDEX)
    assert torch.allclose(mu, a @ h @ enc.weight_mu + enc.bias_mu, atol=1e-6)
    assert torch.allclose(
        logstd, a @ h @ enc.weight_logstd + enc.bias_logstd, atol=1e-6
    )


def _grads(enc, x, edge_index):
    enc.zero_grad()
    out = enc(x, edge_index)
    out = torch.cat(out, 1) if isinstance(out, tuple) else out
    out.square().sum().backward()
    return out.detach(), [p.grad.clone() for p in enc.parameters()]


@pytest.mark.parametrize('cls', [GCNEncoder, VariationalGCNEncoder])
@pytest.mark.parametrize('out_act', [False, True])
def test_embed_is_the_first_head_of_forward(cls, out_act):
    g = torch.Generator().manual_seed(5)
    x = torch.randn(5, 7, generator=g)
    enc = cls(7, 6, 3, bias=True, norm='batch', act='elu', out_act=out_act).eval()
    for param in enc.parameters():  # non-zero biases and norm parameters
        param.data.add_(0.1 * torch.randn(param.shape, generator=g))
    out = enc(x, EDGE_INDEX)
    first = out[0] if isinstance(out, tuple) else out
    assert torch.allclose(enc.embed(x, EDGE_INDEX), first, atol=1e-6)  # float rounding


@pytest.mark.parametrize('cls', [GCNEncoder, VariationalGCNEncoder, MLPEncoder])
def test_encoder_sparse_and_dense_features_agree(cls):
    torch.manual_seed(0)
    enc = cls(7, 4, 3)
    x = sparse_features()
    # reference: an x that requires grad always takes the dense product
    ref_out, ref_grads = _grads(enc, x.clone().requires_grad_(), EDGE_INDEX)
    for variant in (x.to_sparse(), x.to_sparse_csr(), x):
        out, grads = _grads(enc, variant, EDGE_INDEX)
        assert torch.allclose(out, ref_out, atol=1e-6)
        assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(grads, ref_grads))
    # a dense x that requires grad takes the dense product, gradient included
    leaf = torch.randn(5, 7, requires_grad=True)
    out = enc(leaf, EDGE_INDEX)
    (torch.cat(out, 1) if isinstance(out, tuple) else out).sum().backward()
    assert leaf.grad is not None and leaf.grad.abs().sum() > 0


def test_encoder_mostly_zero_dense_x_is_multiplied_sparsely():
    enc = GCNEncoder(40, 4, 3)
    x = torch.zeros(5, 40)
    x[0, 3] = 1.0
    edge_index = EDGE_INDEX.clone()
    enc(x, edge_index)
    cached = [e[2] for e in enc._cache._entries.values()]
    assert any(isinstance(v, SparseOperator) and v.shape == (5, 40) for v in cached)


@pytest.mark.parametrize('cls', [GCNEncoder, VariationalGCNEncoder, MLPEncoder])
def test_encoder_identity_features(cls):
    torch.manual_seed(0)
    enc = cls(5, 4, 3)
    out_none, _ = _grads(enc, None, EDGE_INDEX)
    for x in (torch.eye(5), torch.eye(5).to_sparse_csr()):
        out, _ = _grads(enc, x, EDGE_INDEX)
        assert torch.allclose(out, out_none, atol=1e-6)
    with pytest.raises(ValueError, match="'edge_index' contains node index 5"):
        GCNEncoder(5)(None, torch.tensor([[0], [5]]))


def test_encoder_sparse_identity_never_densifies():
    n = 20_000  # a dense identity would take 1.6 GB
    eye = torch.sparse_coo_tensor(
        torch.arange(n).repeat(2, 1), torch.ones(n), (n, n), check_invariants=True
    )
    enc = GCNEncoder(n, 4, 2)
    edge_index = torch.stack([torch.arange(n - 1), torch.arange(1, n)])
    assert torch.allclose(enc(eye, edge_index), enc(None, edge_index), atol=1e-6)


def test_encoder_prebuilt_adjacency():
    torch.manual_seed(0)
    enc = VariationalGCNEncoder(7, 4, 3)
    x = torch.randn(5, 7)
    ref = enc(x, EDGE_INDEX)
    adj = normalized_adjacency(EDGE_INDEX, 5)
    for given in (adj, adj.to_sparse_coo(), SparseOperator(adj)):
        for a, b in zip(enc(x, given), ref):
            assert torch.allclose(a, b, atol=1e-6)


@needs_ts
def test_encoder_torch_sparse_adjacency_and_fallback(monkeypatch):
    torch.manual_seed(0)
    enc = GCNEncoder(7, 4, 3)
    x = torch.randn(5, 7)
    adj = normalized_adjacency(EDGE_INDEX, 5)
    sparse_tensor = gvae_ext.typing.SparseTensor.from_torch_sparse_csr_tensor(adj)
    with_ts = enc(x, sparse_tensor)
    monkeypatch.setattr(gvae_ext.typing, 'WITH_TORCH_SPARSE', False)
    assert torch.allclose(enc(x, sparse_tensor), with_ts, atol=1e-6)
    assert torch.allclose(enc(x, EDGE_INDEX), with_ts, atol=1e-6)


def test_encoder_fallback_path(no_torch_sparse):
    torch.manual_seed(0)
    enc = GCNEncoder(7, 4, 3)
    x = sparse_features()
    a = dense_adj()
    assert torch.allclose(
        enc(x, EDGE_INDEX),
        a @ torch.relu(a @ x @ enc.weight1) @ enc.weight_z,
        atol=1e-6,
    )


def test_encoder_cache_hits_and_misses():
    enc = GCNEncoder(7, 4, 3)
    x = torch.randn(5, 7)
    edge_index = EDGE_INDEX.clone()
    first = enc(x, edge_index)
    enc(x, edge_index)
    assert enc._cache.misses == 2 and enc._cache.hits == 2  # graph + features
    enc(x, edge_index.clone())
    assert enc._cache.misses == 3
    edge_index[1, 0] = 3  # in place: the edge 0 -> 1 becomes 0 -> 3
    changed = enc(x, edge_index)
    assert enc._cache.misses == 4
    assert not torch.allclose(changed, first)


def test_encoder_dropout_train_and_eval():
    torch.manual_seed(0)
    for x in (sparse_features(), torch.randn(5, 7), None):
        enc = GCNEncoder(5 if x is None else 7, 16, 3, dropout=0.5)
        enc.eval()
        assert torch.equal(enc(x, EDGE_INDEX), enc(x, EDGE_INDEX))
        enc.train()
        torch.manual_seed(1)
        a = enc(x, EDGE_INDEX)
        torch.manual_seed(1)
        assert torch.equal(a, enc(x, EDGE_INDEX))  # same seed, same mask
        b = enc(x, EDGE_INDEX)
        assert not torch.equal(a, b)
        b.sum().backward()


def test_encoder_glorot_init_and_reset_parameters():
    torch.manual_seed(0)
    enc = VariationalGCNEncoder(100, 32, 16, bias=True)
    bound = math.sqrt(6 / (100 + 32))
    assert enc.weight1.abs().max() <= bound
    assert enc.weight1.abs().max() > 0.9 * bound
    assert enc.bias1.abs().sum() == 0
    before = enc.weight_mu.clone()
    enc.reset_parameters()
    assert not torch.equal(before, enc.weight_mu)
    assert [n for n, _ in enc.named_parameters()] == [
        'weight1',
        'bias1',
        'weight_mu',
        'bias_mu',
        'weight_logstd',
        'bias_logstd',
    ]
    assert len(list(GCNEncoder(3).parameters())) == 2


def test_encoder_repr():
    assert str(GCNEncoder(1433)) == 'GCNEncoder(1433, 32, 16)'
    assert (
        str(VariationalGCNEncoder(10, 8, 4, dropout=0.5, bias=True))
        == 'VariationalGCNEncoder(10, 8, 4, dropout=0.5, bias=True)'
    )
    assert str(MLPEncoder(10)) == 'MLPEncoder(10, 32, 16, variational=True)'


def test_mlp_encoder_ignores_graph():
    torch.manual_seed(0)
    enc = MLPEncoder(7, 4, 3, variational=False)
    x = torch.randn(5, 7)
    expected = torch.relu(x @ enc.weight1) @ enc.weight_z
    assert torch.allclose(enc(x, EDGE_INDEX), expected, atol=1e-6)
    assert torch.allclose(enc(x), expected, atol=1e-6)
    mu, logstd = MLPEncoder(7, 4, 3)(x, EDGE_INDEX)
    assert mu.shape == logstd.shape == (5, 3)


@pytest.mark.parametrize(
    'x, edge_index, match',
    [
        (torch.randn(5, 6), EDGE_INDEX, "'x' must have in_channels=7 columns"),
        (torch.randn(5), EDGE_INDEX, "'x' must be 2-D"),
        (torch.randn(4, 7), EDGE_INDEX, "'edge_index' contains node index 4"),
        (torch.full((5, 7), float('nan')), EDGE_INDEX, "'x' must contain only finite"),
        (
            torch.full((5, 7), float('inf')).to_sparse(),
            EDGE_INDEX,
            "'x' must contain only",
        ),
        (
            torch.ones(5, 7, dtype=torch.long),
            EDGE_INDEX,
            "'x' must be a floating-point",
        ),
        (torch.randn(5, 7), EDGE_INDEX.float(), "'edge_index' must be an integer"),
        (torch.randn(5, 7), EDGE_INDEX[0], "'edge_index' must have shape"),
        (torch.randn(5, 7), -EDGE_INDEX, "'edge_index' must not contain negative"),
        (
            torch.randn(6, 7),
            normalized_adjacency(EDGE_INDEX, 5),
            'given as an adjacency',
        ),
        (torch.randn(5, 7), torch.ones(5, 5), "'edge_index' must have shape"),
        (torch.randn(0, 7), EDGE_INDEX[:, :0], "'x' must hold at least one node"),
    ],
    ids=[
        'columns',
        '1d',
        'rows',
        'nan',
        'inf',
        'dtype',
        'float-edges',
        'edge-shape',
        'negative',
        'adj-size',
        'dense-adj',
        'empty',
    ],
)
def test_encoder_bad_input(x, edge_index, match):
    with pytest.raises(ValueError, match=match):
        GCNEncoder(7)(x, edge_index)


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(in_channels=0), "'in_channels' must be a positive"),
        (
            dict(in_channels=3, hidden_channels=2.5),
            "'hidden_channels' must be an integer",
        ),
        (dict(in_channels=3, out_channels=-1), "'out_channels' must be a positive"),
        (dict(in_channels=3, dropout=1.0), "'dropout' must be a float in"),
        (dict(in_channels=3, dropout='0.1'), "'dropout' must be a float in"),
    ],
    ids=['in', 'hidden', 'out', 'dropout', 'dropout-type'],
)
def test_encoder_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VariationalGCNEncoder(**kwargs)


def test_encoder_does_not_mutate_inputs():
    x = sparse_features()
    edge_index = EDGE_INDEX.clone()
    x0, e0 = x.clone(), edge_index.clone()
    versions = (x._version, edge_index._version)
    enc = VariationalGCNEncoder(7, 4, 3, dropout=0.3)
    enc(x, edge_index)
    assert torch.equal(x, x0) and torch.equal(edge_index, e0)
    assert (x._version, edge_index._version) == versions


def test_encoder_same_seed_same_result():
    outs = []
    for _ in range(2):
        torch.manual_seed(3)
        enc = VariationalGCNEncoder(7, 4, 3)
        outs.append(enc(sparse_features(), EDGE_INDEX)[0])
    assert torch.equal(*outs)


@pytest.mark.parametrize('device', DEVICES)
def test_encoder_device(device):
    torch.manual_seed(0)
    enc = VariationalGCNEncoder(7, 4, 3).to(device)
    x = sparse_features().to(device)
    mu, logstd = enc(x, EDGE_INDEX.to(device))
    assert mu.device.type == device and logstd.device.type == device
    ref = VariationalGCNEncoder(7, 4, 3)
    ref.load_state_dict({k: v.cpu() for k, v in enc.state_dict().items()})
    assert torch.allclose(mu.cpu(), ref(x.cpu(), EDGE_INDEX)[0], atol=1e-5)


def test_encoder_input_errors_name_the_cause():
    encoder = GCNEncoder(4, 8, 3)
    edge_index = torch.tensor([[0, 1, 2, 6], [1, 2, 3, 0]])
    with pytest.raises(ValueError, match=r"'x' must have the dtype of the encoder"):
        encoder(torch.randn(7, 4, dtype=torch.float64), edge_index)
    with pytest.raises(ValueError, match=r'\(got torch.float16\)'):
        encoder(torch.ones(7, 4, dtype=torch.float16), edge_index)
    with pytest.raises(
        ValueError, match=r'with x=None \(identity features\) the graph'
    ):
        encoder(None, edge_index)  # 7 nodes, in_channels=4
    assert encoder(torch.randn(7, 4), edge_index).shape == (7, 3)
    double = GCNEncoder(4, 8, 3).double()
    assert double(torch.randn(7, 4, dtype=torch.float64), edge_index).dtype == (
        torch.float64
    )


def test_one_layer_encoders_match_formula():
    # num_layers=1: the heads propagate the features once, Z = Â X W.
    x = sparse_features()
    adj = dense_adj()
    enc = GCNEncoder(7, 99, 3, num_layers=1).eval()
    assert not hasattr(enc, 'weight1') or enc.weight1 is None
    assert enc.weight_z.shape == (7, 3)
    assert torch.allclose(enc(x, EDGE_INDEX), adj @ x @ enc.weight_z, atol=1e-6)
    var = VariationalGCNEncoder(7, 99, 3, num_layers=1, norm='batch', act='elu')
    var.eval()
    mu, logstd = var(x, EDGE_INDEX)
    assert torch.allclose(mu, adj @ x @ var.weight_mu, atol=1e-6)
    assert torch.allclose(logstd, adj @ x @ var.weight_logstd, atol=1e-6)
    assert torch.equal(var.embed(x, EDGE_INDEX), mu)
    # out_act normalises and activates the first head, as MaskGAE's encoder
    act = GCNEncoder(7, 8, 3, num_layers=1, norm='batch', act='elu', out_act=True)
    act.eval()
    raw = adj @ x @ act.weight_z
    assert torch.allclose(
        act(x, EDGE_INDEX), torch.nn.functional.elu(act.norm_out(raw))
    )
    mlp = MLPEncoder(7, 8, 3, num_layers=1, variational=False).eval()
    assert torch.allclose(mlp(x), x @ mlp.weight_z, atol=1e-6)
    # identity features: Â W
    ident = GCNEncoder(5, 8, 3, num_layers=1).eval()
    assert torch.allclose(ident(None, EDGE_INDEX), adj @ ident.weight_z, atol=1e-6)
    assert 'num_layers=1' in repr(enc)


def test_one_layer_input_dropout_and_gradients():
    x = sparse_features()
    enc = GCNEncoder(7, 8, 3, num_layers=1, input_dropout=0.5, dropout=0.3)
    enc.train()
    torch.manual_seed(0)
    a = enc(x, EDGE_INDEX)
    torch.manual_seed(1)
    b = enc(x, EDGE_INDEX)
    assert not torch.equal(a, b)  # the features are dropped while training
    a.sum().backward()
    assert enc.weight_z.grad is not None and enc.weight_z.grad.abs().sum() > 0


@pytest.mark.parametrize('bad', [0, 3, True, 1.0, None])
def test_num_layers_is_checked(bad):
    with pytest.raises(ValueError, match=r"'num_layers' must be 1 or 2 \(got "):
        GCNEncoder(7, 8, 3, num_layers=bad)
