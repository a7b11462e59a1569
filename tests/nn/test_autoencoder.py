import math

import pytest
import torch
import torch.nn.functional as F

from gvae_ext.link import fast_negative_sampling
from gvae_ext.nn import GAE, VGAE
from gvae_ext.nn.decoders import InnerProductDecoder
from gvae_ext.nn.encoders import GCNEncoder, VariationalGCNEncoder
from gvae_ext.nn.objectives import (
    dense_recon_loss,
    dense_recon_loss_from_logits,
    dense_targets,
)
from tests.conftest import DEVICES

# 4 nodes, undirected path 0-1-2 (both directions), node 3 isolated
PATH = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
Z = torch.tensor([[1.0], [1.0], [0.0], [0.0]])


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def random_graph(n=30, e=80, seed=0):
    g = torch.Generator().manual_seed(seed)
    ei = torch.randint(0, n, (2, e), generator=g)
    ei = ei[:, ei[0] != ei[1]]
    return torch.cat([ei, ei.flip(0)], 1), torch.randn(n, 6, generator=g)


class Identity(torch.nn.Module):
    def forward(self, z, edge_index=None):
        return z


class PairEncoder(torch.nn.Module):
    def forward(self, mu, logstd):
        return mu, logstd


def test_kl_loss_hand_cases():
    model = VGAE(PairEncoder())
    zero = torch.zeros(3, 2)
    assert model.kl_loss(zero, zero).item() == 0.0
    mu = torch.tensor([[1.0, 2.0]])
    logstd = torch.tensor([[0.0, math.log(2.0)]])
    # -1/2 [(1 + 0 - 1 - 1) + (1 + 2 log 2 - 4 - 4)] = 4 - log 2
    assert math.isclose(model.kl_loss(mu, logstd).item(), 4 - math.log(2), rel_tol=1e-6)
    # averaged over nodes
    two = model.kl_loss(torch.cat([mu, 0 * mu]), torch.cat([logstd, 0 * logstd]))
    assert math.isclose(two.item(), (4 - math.log(2)) / 2, rel_tol=1e-6)


def test_kl_loss_uses_values_stored_by_encode():
    model = VGAE(PairEncoder())
    with pytest.raises(ValueError, match="'mu' and 'logstd' must be passed"):
        model.kl_loss()
    mu, logstd = torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, math.log(2.0)]])
    model.encode(mu, logstd)
    assert model.mu is mu and model.__mu__ is mu and model.__logstd__ is logstd
    assert math.isclose(model.kl_loss().item(), 4 - math.log(2), rel_tol=1e-6)
    assert model.kl_loss(mu=torch.zeros(1, 2), logstd=torch.zeros(1, 2)).item() == 0.0


def test_reparameterization_statistics():
    model = VGAE(PairEncoder(), generator=torch.Generator().manual_seed(0))
    mu = torch.tensor([1.0, -2.0]).expand(20000, 2)
    logstd = torch.tensor([0.0, math.log(0.5)]).expand(20000, 2)
    z = model.encode(mu, logstd)
    assert torch.allclose(z.mean(0), mu[0], atol=0.03)
    assert torch.allclose(z.std(0), torch.tensor([1.0, 0.5]), atol=0.03)
    assert model.reparameterize(mu, logstd).shape == mu.shape
    model.eval()
    assert model.encode(mu, logstd) is mu  # eval: z = mu (PyG behaviour)


def test_sampled_recon_loss_hand_case():
    model = GAE(Identity())
    loss = model.recon_loss(Z, torch.tensor([[0], [1]]), torch.tensor([[2], [3]]))
    # -log sigmoid(1) - log(1 - sigmoid(0)) = softplus(-1) + log 2
    assert math.isclose(loss.item(), softplus(-1) + math.log(2), rel_tol=1e-6)


def test_recon_loss_matches_pyg():
    from torch_geometric.nn import GAE as PygGAE

    edge_index, _ = random_graph()
    z = torch.randn(30, 4)
    neg = torch.randint(0, 30, (2, 50), generator=torch.Generator().manual_seed(1))
    ours = GAE(Identity()).recon_loss(z, edge_index, neg)
    theirs = PygGAE(Identity()).recon_loss(z, edge_index, neg)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_dense_targets_pos_weight_and_norm():
    # duplicates and a self-loop in the input do not count
    edge_index = torch.cat([PATH, PATH[:, :1], torch.tensor([[3], [3]])], 1)
    t = dense_targets(edge_index, 4)
    assert t.pos_weight == 3.0  # (16 - 4) / 4
    assert t.norm == 16 / 24  # 16 / (2 * 12)
    pairs = {tuple(p) for p in t.index.t().tolist()}
    assert pairs == {(0, 1), (1, 0), (1, 2), (2, 1), (0, 0), (1, 1), (2, 2), (3, 3)}


def test_dense_recon_loss_hand_values():
    t = dense_targets(PATH, 4)
    # z = 0: every logit is 0 -> norm * (8 * 3 + 8) * log 2 / 16 = (4 / 3) log 2
    zero = dense_recon_loss(torch.zeros(4, 2), t)
    assert math.isclose(zero.item(), 4 / 3 * math.log(2), rel_tol=1e-6)
    # z = [1, 1, 0, 0]: logit 1 on (0,1), (1,0), (0,0), (1,1), all positives
    expected = (2 / 3) / 16 * (12 * softplus(-1) + 12 * math.log(2) + 8 * math.log(2))
    assert math.isclose(dense_recon_loss(Z, t).item(), expected, rel_tol=1e-6)
    model = GAE(Identity(), objective='dense')
    assert math.isclose(model.loss(Z, PATH).item(), expected, rel_tol=1e-6)


def test_dense_recon_loss_matches_naive_value_and_gradient():
    edge_index, _ = random_graph()
    t = dense_targets(edge_index, 30)
    z = torch.randn(30, 5, dtype=torch.float64, requires_grad=True)
    logits = z @ z.t()
    target = torch.zeros(30, 30, dtype=torch.float64)
    target[t.index[0], t.index[1]] = 1
    naive = t.norm * F.binary_cross_entropy_with_logits(
        logits, target, pos_weight=torch.tensor(t.pos_weight, dtype=torch.float64)
    )
    (g_naive,) = torch.autograd.grad(naive, z)
    for chunk_size in (1, 7, 30, None):
        loss = dense_recon_loss(z, t, chunk_size=chunk_size)
        (g,) = torch.autograd.grad(loss, z)
        assert torch.allclose(loss, naive) and torch.allclose(g, g_naive)
    assert torch.allclose(dense_recon_loss_from_logits(logits, t), naive)
    small = torch.randn(6, 2, dtype=torch.float64, requires_grad=True)
    t6 = dense_targets(PATH, 6)
    assert torch.autograd.gradcheck(
        lambda z: dense_recon_loss(z, t6, chunk_size=4), (small,)
    )


def test_dense_objective_with_a_forward_all_decoder():
    class Scaled(torch.nn.Module):  # not an InnerProductDecoder
        def forward(self, z, edge_index, sigmoid=True):
            return InnerProductDecoder()(z, edge_index, sigmoid)

        def forward_all(self, z, sigmoid=True):
            return InnerProductDecoder().forward_all(z, sigmoid)

    edge_index, _ = random_graph()
    z = torch.randn(30, 4)
    ref = GAE(Identity()).dense_recon_loss(z, edge_index)
    assert torch.allclose(
        GAE(Identity(), Scaled()).dense_recon_loss(z, edge_index), ref
    )


def test_vgae_loss_is_recon_plus_kl_over_n():
    torch.manual_seed(0)
    edge_index, x = random_graph()
    model = VGAE(VariationalGCNEncoder(6, 8, 4), objective='dense')
    model.eval()
    z = model.encode(x, edge_index)
    kl = model.kl_loss()
    for objective in ('dense', 'sampled'):
        model.generator = torch.Generator().manual_seed(0)
        total = model.loss(z, edge_index, objective=objective)
        model.generator = torch.Generator().manual_seed(0)
        recon = GAE.loss(model, z, edge_index, objective=objective)
        assert torch.allclose(total, recon + kl / 30)
    mu, logstd = torch.zeros(30, 4), torch.zeros(30, 4)
    explicit = model.loss(z, edge_index, mu=mu, logstd=logstd)
    assert torch.allclose(explicit, model.dense_recon_loss(z, edge_index))


@pytest.mark.parametrize('mode', ['bitmap', 'hashed', 'collisions', 'gaps'])
def test_fast_negative_sampling_properties(mode, monkeypatch):
    import gvae_ext.link.train_negatives as fast

    if mode != 'bitmap':
        monkeypatch.setattr(fast, 'BITMAP_MAX_PAIRS', 0)
    if mode == 'collisions':  # a useless hash: every candidate is checked exactly
        monkeypatch.setattr(fast, '_hash', lambda ids, bits: ids & 1)
    if mode == 'gaps':
        monkeypatch.setattr(fast, 'DENSE_SHARE', 1.0)
    edge_index, _ = random_graph(n=12, e=30)
    edge_index = edge_index.clone()  # a fresh tensor: no cache entry yet
    kind = {'collisions': 'hashed'}.get(mode, mode)
    assert fast._blocked(edge_index, 12, 'edge_index')[0] == kind
    n = 12
    g = torch.Generator().manual_seed(0)
    neg = fast_negative_sampling(edge_index, n, 30000, generator=g)
    assert neg.shape == (2, 30000) and neg.dtype == torch.long
    assert bool((neg[0] != neg[1]).all())
    edges = set(map(tuple, edge_index.t().tolist()))
    ids = neg[0] * n + neg[1]
    counts = torch.bincount(ids, minlength=n * n).view(n, n)
    for i, j in edges:
        assert counts[i, j] == 0
    free = torch.ones(n, n, dtype=torch.bool)
    free.fill_diagonal_(False)
    free[edge_index[0], edge_index[1]] = False
    # uniform over the free pairs: every count within 6 sd of the mean
    c = counts[free].double()
    mean = 30000 / int(free.sum())
    assert bool(((c - mean).abs() < 6 * mean**0.5).all())
    again = fast_negative_sampling(
        edge_index, n, 30000, generator=torch.Generator().manual_seed(0)
    )
    assert torch.equal(neg, again)
    assert fast_negative_sampling(edge_index, n, 0).shape == (2, 0)


@pytest.mark.parametrize('device', DEVICES)
def test_fast_negative_sampling_hashed_on_a_large_graph(device):
    import gvae_ext.link.train_negatives as fast

    n = 20_000  # n * n > BITMAP_MAX_PAIRS: the hashed bitmap
    g = torch.Generator().manual_seed(3)
    edge_index = torch.randint(0, n, (2, 60_000), generator=g).to(device)
    assert fast._blocked(edge_index, n, 'edge_index')[0] == 'hashed'
    gen = torch.Generator(device).manual_seed(0)
    neg = fast_negative_sampling(edge_index, n, 200_000, generator=gen)
    assert neg.shape == (2, 200_000) and neg.device == edge_index.device
    assert bool((neg[0] != neg[1]).all())
    blocked = torch.unique(edge_index[0] * n + edge_index[1])
    assert not bool(torch.isin(neg[0] * n + neg[1], blocked).any())
    # rows and columns uniform: each of 20 bins within 6 sd of its mean
    for side in neg:
        counts = torch.bincount(side // (n // 20), minlength=20).double()
        assert bool(((counts - 10_000).abs() < 6 * 10_000**0.5).all())


@pytest.mark.parametrize(
    'kwargs, error, match',
    [
        (
            dict(num_neg_samples=-1),
            ValueError,
            "'num_neg_samples' must be a non-negative",
        ),
        (dict(num_neg_samples=2.5), ValueError, "'num_neg_samples' must be an integer"),
        (
            dict(num_neg_samples=True),
            ValueError,
            "'num_neg_samples' must be an integer",
        ),
        (dict(num_nodes=None), ValueError, "'num_nodes' must be an integer"),
        (dict(num_nodes=3.0), ValueError, "'num_nodes' must be an integer"),
        (dict(num_nodes=2), ValueError, "'edge_index' contains node index 2"),
        (dict(generator=5), TypeError, "'generator' must be a torch.Generator"),
        (dict(edge_index=[[0, 1], [1, 0]]), TypeError, "'edge_index' must be a torch"),
    ],
)
def test_fast_negative_sampling_rejects_bad_arguments(kwargs, error, match):
    args = dict(
        edge_index=torch.tensor([[0, 1, 2], [1, 2, 0]]), num_nodes=3, num_neg_samples=2
    )
    args.update(kwargs)
    generator = args.pop('generator', None)
    with pytest.raises(error, match=match):
        fast_negative_sampling(**args, generator=generator)


def test_fast_negative_sampling_dense_graph_uses_the_rank_trick():
    import gvae_ext.link.train_negatives as fast

    n = 40
    pairs = torch.combinations(torch.arange(n)).t()
    edge_index = torch.cat([pairs, pairs.flip(0)], 1)[:, 6:]  # 6 ordered pairs free
    assert fast._blocked(edge_index, n, 'edge_index')[0] == 'gaps'
    neg = fast_negative_sampling(edge_index, n, 600)
    expected = {
        tuple(p) for p in torch.cat([pairs, pairs.flip(0)], 1)[:, :6].t().tolist()
    }
    assert set(map(tuple, neg.t().tolist())) == expected


def test_exact_negative_sampling_mode():
    edge_index, x = random_graph()
    model = GAE(
        Identity(), neg_sampling='exact', generator=torch.Generator().manual_seed(0)
    )
    neg = model.negative_sampling(edge_index, 30, 50)
    assert neg.shape == (2, 50)
    assert len(set(map(tuple, neg.t().tolist()))) == 50
    assert torch.isfinite(model.recon_loss(torch.randn(30, 3), edge_index))


def test_test_matches_sklearn():
    sklearn_metrics = pytest.importorskip('sklearn.metrics')
    g = torch.Generator().manual_seed(0)
    z = torch.randn(30, 3, generator=g)
    pos = torch.randint(0, 30, (2, 40), generator=g)
    neg = torch.randint(0, 30, (2, 60), generator=g)
    auc, ap = GAE(Identity()).test(z, pos, neg)
    assert isinstance(auc, float) and isinstance(ap, float)
    dec = InnerProductDecoder()
    score = torch.cat([dec(z, pos), dec(z, neg)]).numpy()
    label = [1] * 40 + [0] * 60
    assert math.isclose(auc, sklearn_metrics.roc_auc_score(label, score), rel_tol=1e-6)
    assert math.isclose(
        ap, sklearn_metrics.average_precision_score(label, score), rel_tol=1e-6
    )


def _pyg_encoder(variational):
    from torch_geometric.nn import GCNConv

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = GCNConv(6, 8)
            self.conv_mu = GCNConv(8, 4)
            self.conv_logstd = GCNConv(8, 4)

        def forward(self, x, edge_index):
            h = self.conv1(x, edge_index).relu()
            if variational:
                return self.conv_mu(h, edge_index), self.conv_logstd(h, edge_index)
            return self.conv_mu(h, edge_index)

    return Encoder()


@pytest.mark.parametrize('cls', [GAE, VGAE])
def test_pyg_gcnconv_encoder_in_a_pyg_loop(cls):
    torch.manual_seed(0)
    edge_index, x = random_graph()
    model = cls(_pyg_encoder(cls is VGAE))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(3):  # PyG's example loop, unchanged
        model.train()
        opt.zero_grad()
        z = model.encode(x, edge_index)
        loss = model.recon_loss(z, edge_index)
        if cls is VGAE:
            loss = loss + (1 / x.size(0)) * model.kl_loss()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        z = model.encode(x, edge_index)
    auc, ap = model.test(z, edge_index, fast_negative_sampling(edge_index, 30, 40))
    assert 0 <= auc <= 1 and 0 <= ap <= 1
    before = model.encoder.conv1.lin.weight.clone()
    model.reset_parameters()
    assert not torch.equal(before, model.encoder.conv1.lin.weight)
    assert torch.isfinite(
        model.loss(model.encode(x, edge_index), edge_index, objective='dense')
    )


def test_vgae_matches_pyg_vgae_loss():
    from torch_geometric.nn import VGAE as PygVGAE

    torch.manual_seed(0)
    edge_index, x = random_graph()
    encoder = VariationalGCNEncoder(6, 8, 4)
    ours, theirs = VGAE(encoder), PygVGAE(encoder)
    ours.eval(), theirs.eval()
    neg = fast_negative_sampling(edge_index, 30, edge_index.size(1))
    z1, z2 = ours.encode(x, edge_index), theirs.encode(x, edge_index)
    l1 = ours.recon_loss(z1, edge_index, neg) + ours.kl_loss() / 30
    l2 = theirs.recon_loss(z2, edge_index, neg) + theirs.kl_loss() / 30
    assert torch.allclose(l1, l2, atol=1e-5)


def test_same_seed_same_training():
    edge_index, x = random_graph()
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = VGAE(
            VariationalGCNEncoder(6, 8, 4), generator=torch.Generator().manual_seed(1)
        )
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        run = []
        for _ in range(3):
            opt.zero_grad()
            loss = model.loss(model.encode(x, edge_index), edge_index)
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    assert losses[0] == losses[1]


def test_inputs_not_mutated():
    edge_index, x = random_graph()
    e0, x0 = edge_index.clone(), x.clone()
    versions = (edge_index._version, x._version)
    model = VGAE(VariationalGCNEncoder(6, 8, 4))
    for objective in ('dense', 'sampled'):
        model.loss(
            model.encode(x, edge_index), edge_index, objective=objective
        ).backward()
    assert torch.equal(edge_index, e0) and torch.equal(x, x0)
    assert (edge_index._version, x._version) == versions


def test_repr():
    model = VGAE(VariationalGCNEncoder(10, 8, 4), objective='dense')
    assert str(model) == (
        'VGAE(encoder=VariationalGCNEncoder(10, 8, 4), '
        "decoder=InnerProductDecoder(), objective='dense')"
    )


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(objective='full'), "'objective' must be one of"),
        (dict(neg_sampling='slow'), "'neg_sampling' must be one of"),
        (dict(max_dense_nodes=0), "'max_dense_nodes' must be a positive"),
    ],
    ids=['objective', 'neg_sampling', 'max_dense_nodes'],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GAE(Identity(), **kwargs)


def test_constructor_type_errors():
    with pytest.raises(TypeError, match="'encoder' must be callable"):
        GAE(3)
    with pytest.raises(TypeError, match="'decoder' must be callable"):
        GAE(Identity(), 'inner')
    with pytest.raises(TypeError, match="'generator' must be a torch.Generator"):
        GAE(Identity(), generator=0)


@pytest.mark.parametrize(
    'call, match',
    [
        (lambda m: m.recon_loss(Z[:, 0], PATH), "'z' must be a 2-D floating-point"),
        (lambda m: m.recon_loss(Z, PATH + 3), "'pos_edge_index' contains node index 5"),
        (
            lambda m: m.recon_loss(Z, PATH[:, :0]),
            "'pos_edge_index' must contain at least",
        ),
        (
            lambda m: m.recon_loss(Z, PATH, PATH.float()),
            "'neg_edge_index' must be an integer",
        ),
        (lambda m: m.test(Z, PATH, PATH[:1]), "'neg_edge_index' must have shape"),
        (lambda m: m.loss(Z, PATH, objective='x'), "'objective' must be one of"),
        (lambda m: m.dense_recon_loss(Z, torch.tensor([[1], [1]])), 'not a self-loop'),
        (lambda m: m.dense_recon_loss(Z, PATH, chunk_size=0), "'chunk_size' must be a"),
        (
            lambda m: GAE(Identity(), max_dense_nodes=3).dense_recon_loss(Z, PATH),
            "'z' has more nodes than 'max_dense_nodes'=3",
        ),
        (
            lambda m: GAE(Identity(), torch.nn.Identity()).dense_recon_loss(Z, PATH),
            "'decoder' must be an InnerProductDecoder or have 'forward_all'",
        ),
        (
            lambda m: m.recon_loss(torch.ones(2, 1), torch.tensor([[0, 1], [1, 0]])),
            "'pos_edge_index' leaves no non-edge",
        ),
        (
            lambda m: VGAE(Identity()).encode(Z),
            "'encoder' of a VGAE must return a pair",
        ),
    ],
    ids=[
        'z-1d',
        'pos-range',
        'pos-empty',
        'neg-dtype',
        'test-neg-shape',
        'objective',
        'dense-no-edges',
        'chunk',
        'max-dense',
        'decoder',
        'complete-graph',
        'vgae-encoder',
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(GAE(Identity()))


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('objective', ['sampled', 'dense'])
def test_training_step_on_device(device, objective):
    torch.manual_seed(0)
    edge_index, x = random_graph()
    edge_index, x = edge_index.to(device), x.to(device)
    gen = torch.Generator(device=device).manual_seed(0)
    model = VGAE(GCNEncoderPair(), objective=objective, generator=gen).to(device)
    loss = model.loss(model.encode(x, edge_index), edge_index)
    loss.backward()
    assert loss.device.type == device and torch.isfinite(loss)
    model.eval()
    z = model.encode(x, edge_index)
    auc, ap = model.test(
        z, edge_index, fast_negative_sampling(edge_index, 30, 40, generator=gen)
    )
    assert 0 <= auc <= 1 and 0 <= ap <= 1


class GCNEncoderPair(torch.nn.Module):
    r"""A variational encoder built from two deterministic GCNEncoders."""

    def __init__(self):
        super().__init__()
        self.mu = GCNEncoder(6, 8, 4)
        self.logstd = GCNEncoder(6, 8, 4)

    def forward(self, x, edge_index):
        return self.mu(x, edge_index), self.logstd(x, edge_index)


def test_vgae_deepcopy_and_pickle_after_encode():
    import copy
    import io

    edge_index, x = random_graph()
    model = VGAE(
        VariationalGCNEncoder(6, 8, 4), generator=torch.Generator().manual_seed(0)
    )
    model.encode(x, edge_index)
    clone = copy.deepcopy(model)
    assert clone.mu is None and model.mu is not None
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    loaded.eval(), model.eval()
    assert torch.equal(loaded.encode(x, edge_index), model.encode(x, edge_index))


def test_symmetric_positives_scored_once_per_pair():
    from gvae_ext.nn.objectives import positive_pair_index

    und = torch.tensor([[0, 0, 1, 2, 3], [1, 2, 2, 3, 4]])
    sym = torch.cat([und, und.flip(0)], 1)
    index = positive_pair_index(sym, 5)
    assert sorted(zip(index.row.tolist(), index.col.tolist())) == sorted(
        zip(und[0].tolist(), und[1].tolist())
    )
    dup = torch.cat([sym, sym[:, :1]], 1)  # a duplicate: every column is scored
    assert positive_pair_index(dup, 5).row.numel() == 11
    loop = torch.cat([sym, torch.tensor([[4], [4]])], 1)
    assert positive_pair_index(loop, 5).row.numel() == 11
    one_way = positive_pair_index(und, 5)
    assert one_way.row.numel() == 5
    z = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    neg = torch.tensor([[0, 4], [3, 1]])
    for edges in (sym, dup, loop):
        loss = GAE(Identity()).recon_loss(z, edges, neg)
        (grad,) = torch.autograd.grad(loss, z)
        logits = (z[edges[0]] * z[edges[1]]).sum(-1)
        neg_logits = (z[neg[0]] * z[neg[1]]).sum(-1)
        ref = -F.logsigmoid(logits).mean() - F.logsigmoid(-neg_logits).mean()
        (ref_grad,) = torch.autograd.grad(ref, z)
        assert torch.allclose(loss, ref) and torch.allclose(grad, ref_grad)


def test_test_rejects_non_finite_embeddings():
    model = GAE(GCNEncoder(4, 8, 3))
    z = torch.randn(5, 3)
    z[2, 1] = float('nan')
    pos, neg = torch.tensor([[0], [1]]), torch.tensor([[2], [3]])
    with pytest.raises(ValueError, match=r"'z' must be finite .* 1 of its 5 rows"):
        model.test(z, pos, neg)
