import shutil
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Data

from gvae_ext.link.split import EdgeSplit, LinkSplit, split_edges
from tests.conftest import DEVICES

SHARED = Path(__file__).resolve().parents[2].parent / 'shared' / 'data' / 'planetoid'


def gen(seed, device='cpu'):
    return torch.Generator(device=device).manual_seed(seed)


def canon(edge_index, undirected=True):
    r"""The pairs of ``edge_index`` as a list, ``(min, max)`` when undirected."""
    out = [tuple(p) for p in edge_index.t().tolist()]
    return [tuple(sorted(p)) for p in out] if undirected else out


def edge_set(edge_index, undirected):
    return {p for p in canon(edge_index, undirected) if p[0] != p[1]}


def check_split(split, edge_index, num_nodes, n_val, n_test, undirected):
    r"""Every guarantee of :func:`split_edges`."""
    edges = edge_set(edge_index.cpu(), undirected)
    train_mp = split.train_pos_edge_index.cpu()
    val, test = split.val_pos_edge_index.cpu(), split.test_pos_edge_index.cpu()
    n_train = len(edges) - n_val - n_test
    assert val.size() == (2, n_val) and test.size() == (2, n_test)
    if undirected:
        assert train_mp.size() == (2, 2 * n_train)
        train = train_mp[:, :n_train]
        assert torch.equal(train_mp[:, n_train:], train.flip(0))
    else:
        train = train_mp
        assert train.size() == (2, n_train)
    parts = [canon(t, undirected) for t in (train, val, test)]
    # An exact partition: nothing repeated, nothing lost, nothing invented.
    assert sum(len(p) for p in parts) == len(edges)
    assert set().union(*parts) == edges
    negs = canon(split.val_neg_edge_index.cpu(), undirected)
    negs += canon(split.test_neg_edge_index.cpu(), undirected)
    assert split.val_neg_edge_index.size(1) == n_val
    assert split.test_neg_edge_index.size(1) == n_test
    assert len(set(negs)) == len(negs)
    assert not set(negs) & edges and all(u != v for u, v in negs)
    if not undirected:  # the reverse of a directed negative may be an edge
        assert not set(negs) & set(canon(edge_index.cpu(), False))
    all_idx = torch.cat([train_mp, val, test, split.val_neg_edge_index.cpu()], 1)
    assert all_idx.numel() == 0 or int(all_idx.max()) < num_nodes
    assert split.num_nodes == num_nodes


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 14))
    edges = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=50)
    )
    # Duplicates and reversed copies on purpose.
    edges += draw(st.lists(st.sampled_from(edges), max_size=10)) if edges else []
    edges += [(v, u) for u, v in edges[: draw(st.integers(0, len(edges)))]]
    edge_index = torch.tensor(edges, dtype=torch.long).view(-1, 2).t().contiguous()
    return edge_index, n + draw(st.integers(0, 3))  # maybe isolated nodes


@settings(max_examples=80, deadline=None)
@given(
    graph=graphs(),
    undirected=st.booleans(),
    num_val=st.one_of(st.floats(0, 0.45), st.integers(0, 6)),
    num_test=st.one_of(st.floats(0, 0.45), st.integers(0, 6)),
    seed=st.integers(0, 2**31),
)
def test_split_edges_properties(graph, undirected, num_val, num_test, seed):
    edge_index, n = graph
    edges = edge_set(edge_index, undirected)
    total = len(edges)
    n_val = int(num_val * total) if isinstance(num_val, float) else num_val
    n_test = int(num_test * total) if isinstance(num_test, float) else num_test
    pairs = n * (n - 1) // (2 if undirected else 1)
    kwargs = dict(num_val=num_val, num_test=num_test, is_undirected=undirected)
    before = edge_index.clone()
    if total - n_val - n_test <= 0:
        with pytest.raises(
            ValueError, match='Insufficient number of edges for training'
        ):
            split_edges(edge_index, n, **kwargs)
    elif n_val + n_test > pairs - total:
        with pytest.raises(ValueError, match="'num_val' and 'num_test' need"):
            split_edges(edge_index, n, **kwargs)
    else:
        split = split_edges(edge_index, n, generator=gen(seed), **kwargs)
        check_split(split, edge_index, n, n_val, n_test, undirected)
    assert torch.equal(edge_index, before)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('undirected', [True, False])
def test_split_edges_random_graph(device, undirected):
    n = 500
    edge_index = torch.randint(0, n, (2, 4000), generator=gen(0))
    edge_index = torch.cat([edge_index, edge_index[:, :500].flip(0)], 1).to(device)
    split = split_edges(
        edge_index, n, is_undirected=undirected, generator=gen(1, device)
    )
    assert split.val_pos_edge_index.device.type == device
    total = len(edge_set(edge_index.cpu(), undirected))
    check_split(split, edge_index, n, int(0.05 * total), int(0.1 * total), undirected)


def test_split_edges_exact_small():
    # A 4-cycle given in both directions, plus a self-loop and a duplicate.
    edge_index = torch.tensor(
        [[0, 1, 1, 2, 2, 3, 3, 0, 2, 0], [1, 0, 2, 1, 3, 2, 0, 3, 2, 1]]
    )
    split = split_edges(edge_index, 4, num_val=1, num_test=1, generator=gen(0))
    assert isinstance(split, EdgeSplit)
    check_split(split, edge_index, 4, 1, 1, True)
    # The only non-edges are the diagonals {0, 2} and {1, 3}.
    negs = canon(torch.cat([split.val_neg_edge_index, split.test_neg_edge_index], 1))
    assert set(negs) == {(0, 2), (1, 3)}
    directed = split_edges(
        torch.tensor([[0, 1, 2], [1, 2, 0]]),
        3,
        num_val=1,
        num_test=1,
        is_undirected=False,
        generator=gen(0),
    )
    negs = canon(
        torch.cat([directed.val_neg_edge_index, directed.test_neg_edge_index], 1), False
    )
    assert len(set(negs)) == 2 and set(negs) <= {(1, 0), (2, 1), (0, 2)}


def test_split_edges_counts_and_seeds():
    n = 300
    edge_index = torch.randint(0, n, (2, 2000), generator=gen(2))
    total = len(edge_set(edge_index, True))
    split = split_edges(edge_index, n, num_val=0.2, num_test=13, generator=gen(0))
    assert split.val_pos_edge_index.size(1) == int(0.2 * total)
    assert split.test_pos_edge_index.size(1) == 13
    again = split_edges(edge_index, n, num_val=0.2, num_test=13, generator=gen(0))
    other = split_edges(edge_index, n, num_val=0.2, num_test=13, generator=gen(1))
    assert all(torch.equal(a, b) for a, b in zip(split[:5], again[:5]))
    assert not torch.equal(split.val_pos_edge_index, other.val_pos_edge_index)
    assert not torch.equal(split.val_neg_edge_index, other.val_neg_edge_index)


K5 = torch.tensor(
    [
        [i for i in range(5) for j in range(5) if i != j],
        [j for i in range(5) for j in range(5) if i != j],
    ]
)
EDGE = torch.tensor([[0, 1, 2], [1, 2, 3]])
BAD_SPLITS = [
    (
        dict(edge_index=EDGE, num_val=2, num_test=1),
        'Insufficient number of edges for '
        r"training \(num_train=0\): 'num_val' and 'num_test' hold out 2 \+ 1 of "
        r"the 3 undirected edges of 'edge_index' \(got num_val=2, num_test=1\)",
    ),
    (dict(edge_index=EDGE, num_val=1.5), "'num_val' must be a float in"),
    (dict(edge_index=EDGE, num_val=0.7, num_test=0.4), 'Insufficient number'),
    (dict(edge_index=EDGE, num_test=1.0), "'num_test' must be a float in"),
    (dict(edge_index=EDGE, num_val=-0.1), "'num_val' must be a float in"),
    (dict(edge_index=EDGE, num_val=-1), "'num_val' must be a float in"),
    (dict(edge_index=EDGE, num_val='0.1'), "'num_val' must be a float in"),
    (dict(edge_index=EDGE, num_test=True), "'num_test' must be a float in"),
    (dict(edge_index=K5, num_val=1, num_test=1), "'num_val' and 'num_test' need 2"),
    (dict(edge_index=EDGE, num_nodes=3), "'edge_index' contains node index 3"),
    (dict(edge_index=EDGE, num_nodes=(4, 4)), "'num_nodes' must be an int"),
    (dict(edge_index=EDGE.float()), "'edge_index' must be an integer tensor"),
    (dict(edge_index=EDGE[0]), "'edge_index' must have shape"),
    (dict(edge_index=-EDGE), "'edge_index' must not contain negative"),
    (dict(edge_index=torch.empty(2, 0, dtype=torch.long)), 'Insufficient number'),
]


@pytest.mark.parametrize('kwargs,msg', BAD_SPLITS)
def test_split_edges_bad_input(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        split_edges(**kwargs)


def test_split_edges_type_errors():
    with pytest.raises(TypeError, match="'edge_index' must be a torch.Tensor"):
        split_edges([[0, 1], [1, 2]])
    with pytest.raises(TypeError, match="'generator' must be a torch.Generator"):
        split_edges(EDGE, generator=1)


def grid(n=8):
    r"""An undirected ``n x n`` grid (both directions) with node features."""
    idx = torch.arange(n * n).view(n, n)
    pairs = torch.cat(
        [
            torch.stack([idx[:, :-1].flatten(), idx[:, 1:].flatten()]),
            torch.stack([idx[:-1].flatten(), idx[1:].flatten()]),
        ],
        1,
    )
    edge_index = torch.cat([pairs, pairs.flip(0)], 1)
    return Data(x=torch.randn(n * n, 4, generator=gen(0)), edge_index=edge_index)


@pytest.mark.parametrize('device', DEVICES)
def test_link_split_fields(device):
    data = grid().to(device)
    before = data.edge_index.clone()
    train, val, test = LinkSplit(num_val=0.1, num_test=0.2, seed=0)(data)
    assert torch.equal(data.edge_index, before) and 'pos_edge_label' not in data
    assert set(data.keys()) == {'x', 'edge_index'}
    edges = edge_set(data.edge_index.cpu(), True)
    tr, va, te = (canon(d.pos_edge_label_index.cpu()) for d in (train, val, test))
    assert (len(va), len(te)) == (int(0.1 * len(edges)), int(0.2 * len(edges)))
    assert set(tr) | set(va) | set(te) == edges and len(tr) + len(va) + len(te) == len(
        edges
    )
    # Message passing: train edges for train and val, train + val for test.
    assert train.edge_index.device.type == device
    assert torch.equal(train.edge_index, val.edge_index)
    assert sorted(canon(train.edge_index.cpu())) == sorted(tr + tr)
    assert sorted(canon(test.edge_index.cpu())) == sorted(tr + va + tr + va)
    for d in (train, val, test):
        assert d.x is data.x
        assert d.pos_edge_label.dtype == torch.float and bool(
            (d.pos_edge_label == 1).all()
        )
        assert bool((d.neg_edge_label == 0).all())
        assert d.neg_edge_label_index.size(1) == d.pos_edge_label_index.size(1)
    held = canon(val.neg_edge_label_index.cpu()) + canon(
        test.neg_edge_label_index.cpu()
    )
    train_neg = canon(train.neg_edge_label_index.cpu())
    # Training negatives: non-edges of the training graph, never held-out negatives.
    assert len(set(train_neg)) == len(train_neg) and all(u != v for u, v in train_neg)
    assert not set(train_neg) & set(tr) and not set(train_neg) & set(held)
    assert not set(held) & edges and len(set(held)) == len(held)


def test_link_split_train_negatives_may_hit_held_out_positives():
    # 5 nodes, 6 edges: the training graph has exactly 4 free pairs left after
    # removing the 2 held-out negatives, so all of them must be used.
    edge_index = torch.tensor([[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 4, 3]])
    data = Data(edge_index=edge_index, num_nodes=5)
    train, val, test = LinkSplit(num_val=1, num_test=1, seed=3)(data)
    every = {(i, j) for i in range(5) for j in range(i + 1, 5)}
    expected = every - set(canon(train.pos_edge_label_index))
    expected -= set(canon(val.neg_edge_label_index) + canon(test.neg_edge_label_index))
    assert set(canon(train.neg_edge_label_index)) == expected
    assert set(canon(val.pos_edge_label_index)) <= expected


def test_link_split_seed_generator_and_repr():
    data = grid()
    a, b = LinkSplit(seed=4)(data), LinkSplit(seed=4)(data)
    assert all(
        torch.equal(x.neg_edge_label_index, y.neg_edge_label_index)
        for x, y in zip(a, b)
    )
    t = LinkSplit(generator=gen(4))
    c, d = t(data), t(data)
    assert not torch.equal(c[0].pos_edge_label_index, d[0].pos_edge_label_index)
    assert str(LinkSplit()) == 'LinkSplit(num_val=0.05, num_test=0.1)'
    assert (
        str(LinkSplit(num_val=3, num_test=0.2)) == 'LinkSplit(num_val=3, num_test=0.2)'
    )
    train, _, _ = LinkSplit(add_negative_train_samples=False, seed=0)(data)
    assert 'neg_edge_label_index' not in train and 'neg_edge_label' not in train


def test_link_split_edge_attributes_dropped():
    data = grid()
    data.edge_attr = torch.randn(data.edge_index.size(1), 2)
    with pytest.warns(
        UserWarning, match=r"drops the edge-level attributes \['edge_attr'\]"
    ):
        out = LinkSplit(seed=0)(data)
    assert all('edge_attr' not in d for d in out)
    assert 'edge_attr' in data
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        LinkSplit(seed=0)(grid())


def test_link_split_bad_input():
    with pytest.raises(ValueError, match="'num_val' must be a float in"):
        LinkSplit(num_val=2.0)
    with pytest.raises(ValueError, match="'num_test' must be a float in"):
        LinkSplit(num_test=-3)
    with pytest.raises(ValueError, match="'seed' must be a non-negative"):
        LinkSplit(seed=-1)
    with pytest.raises(ValueError, match="'seed' and 'generator' are exclusive"):
        LinkSplit(seed=1, generator=gen(1))
    with pytest.raises(ValueError, match="'data' must have an 'edge_index'"):
        LinkSplit()(Data(x=torch.randn(3, 2)))
    # 4 nodes, 5 of 6 pairs are edges: 1 held-out negative fits, but the 4
    # training pairs cannot get 4 negatives.
    data = Data(
        edge_index=torch.tensor([[0, 0, 0, 1, 1], [1, 2, 3, 2, 3]]), num_nodes=4
    )
    with pytest.raises(ValueError, match="'neg_sampling_ratio' asks for 4 training"):
        LinkSplit(num_val=0, num_test=1, seed=0)(data)
    for flag in ('is_undirected', 'split_labels', 'add_negative_train_samples'):
        with pytest.raises(ValueError, match=f"'{flag}' must be True or False"):
            LinkSplit(**{flag: 'no'})
    with pytest.raises(ValueError, match='Insufficient number of edges'):
        LinkSplit(num_val=3, num_test=2)(data)


@pytest.fixture(scope='module')
def cora(tmp_path_factory):
    if not SHARED.is_dir():
        pytest.skip('shared Planetoid files not available')
    from torch_geometric.datasets import Planetoid

    root = tmp_path_factory.mktemp('planetoid')
    raw = root / 'Cora' / 'raw'
    raw.mkdir(parents=True)
    for path in SHARED.glob('ind.cora.*'):
        shutil.copy(path, raw / path.name)
    return Planetoid(str(root), 'Cora')[0]


def test_split_edges_cora_counts(cora):
    split = split_edges(cora.edge_index, cora.num_nodes, generator=gen(0))
    assert split.val_pos_edge_index.size(1) == 263
    assert split.test_pos_edge_index.size(1) == 527
    assert split.train_pos_edge_index.size(1) == 2 * 4488
    check_split(split, cora.edge_index, cora.num_nodes, 263, 527, True)


def test_link_split_cora_duplicates_do_not_leak(cora):
    # Every edge given twice: no held-out positive may reach message passing.
    data = cora.clone()
    data.edge_index = torch.cat([cora.edge_index, cora.edge_index], 1)
    train, val, test = LinkSplit(seed=0)(data)
    mp = set(canon(train.edge_index))
    assert not mp & set(canon(val.pos_edge_label_index))
    assert not mp & set(canon(test.pos_edge_label_index))
    assert not set(canon(test.edge_index)) & set(canon(test.pos_edge_label_index))
    assert test.pos_edge_label_index.size(1) == 527


def test_link_split_pyg_autoencoder_usage(cora):
    # The PyG autoencoder example, reading the split through its fields.
    from torch_geometric.nn import GAE, GCNConv

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = GCNConv(cora.num_features, 16)

        def forward(self, x, edge_index):
            return self.conv(x, edge_index)

    torch.manual_seed(0)
    train_data, val_data, test_data = LinkSplit(seed=0)(cora)
    model = GAE(Encoder())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(3):
        optimizer.zero_grad()
        z = model.encode(train_data.x, train_data.edge_index)
        loss = model.recon_loss(z, train_data.pos_edge_label_index)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        z = model.encode(test_data.x, test_data.edge_index)
        auc, ap = model.test(
            z, test_data.pos_edge_label_index, test_data.neg_edge_label_index
        )
    assert 0.5 < auc <= 1 and 0.5 < ap <= 1
    assert 'edge_label' not in train_data
