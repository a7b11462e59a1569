"""Tests of :class:`gvae_ext.link.transform.LinkSplit` against PyG's
:class:`~torch_geometric.transforms.RandomLinkSplit` semantics."""

import pytest
import torch
from torch_geometric.data import Data, HeteroData
from torch_geometric.transforms import RandomLinkSplit

from gvae_ext.link.transform import LinkSplit


def grid(n=6, undirected=True):
    """An ``n x n`` grid graph without self-loops or repeated edges."""
    idx = torch.arange(n * n).view(n, n)
    right = torch.stack([idx[:, :-1].reshape(-1), idx[:, 1:].reshape(-1)])
    down = torch.stack([idx[:-1].reshape(-1), idx[1:].reshape(-1)])
    edge_index = torch.cat([right, down], dim=1)
    if undirected:
        edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    return Data(edge_index=edge_index, num_nodes=n * n)


def pair_set(edge_index, undirected=True):
    """The pairs of ``edge_index`` (unordered when ``undirected``)."""
    out = set()
    for u, v in edge_index.t().tolist():
        out.add((min(u, v), max(u, v)) if undirected else (u, v))
    return out


def summary(parts):
    """Every tensor attribute of the three outputs: name -> (shape, dtype)."""
    return [
        {key: (tuple(v.shape), v.dtype) for key, v in d.items() if torch.is_tensor(v)}
        for d in parts
    ]


BASE = dict(num_val=0.1, num_test=0.2, is_undirected=True, split_labels=True)
CASES = {
    'split_labels': {},
    'edge_label': dict(split_labels=False),
    'no_train_neg': dict(add_negative_train_samples=False),
    'no_train_neg_flat': dict(add_negative_train_samples=False, split_labels=False),
    'ratio_2': dict(neg_sampling_ratio=2.0),
    'ratio_half': dict(neg_sampling_ratio=0.5, split_labels=False),
    'disjoint_float': dict(disjoint_train_ratio=0.3),
    'disjoint_int': dict(disjoint_train_ratio=5, split_labels=False),
    'counts': dict(num_val=3, num_test=4),
    'directed': dict(is_undirected=False),
    'key': dict(key='link'),
}


@pytest.mark.parametrize('kwargs', list(CASES.values()), ids=list(CASES))
def test_link_split_matches_random_link_split(kwargs):
    """Same field names, shapes and dtypes as RandomLinkSplit for each argument."""
    kwargs = {**BASE, **kwargs}
    data = grid(undirected=kwargs['is_undirected'])
    expected = summary(RandomLinkSplit(**kwargs)(data))
    got = summary(LinkSplit(**kwargs, seed=0)(data))
    assert got == expected


def test_link_split_disjoint_train_ratio_properties():
    """Supervision edges are kept out of training message passing."""
    data = grid()
    train, val, test = LinkSplit(
        num_val=6, num_test=6, disjoint_train_ratio=10, seed=1
    )(data)
    sup = pair_set(train.pos_edge_label_index)
    train_mp = pair_set(train.edge_index)
    assert len(sup) == 10 and train.neg_edge_label_index.size(1) == 10
    assert not sup & train_mp
    # Validation passes messages over every training edge, supervision ones too.
    assert pair_set(val.edge_index) == sup | train_mp
    all_edges = pair_set(data.edge_index)
    assert len(all_edges) == 60
    assert pair_set(test.edge_index) == all_edges - pair_set(test.pos_edge_label_index)
    with pytest.raises(ValueError, match='Insufficient number of edges for training'):
        LinkSplit(num_val=6, num_test=6, disjoint_train_ratio=48)(data)


@pytest.mark.parametrize('ratio', [0.5, 1.0, 2.0])
def test_link_split_neg_sampling_ratio_counts(ratio):
    """Each part gets int(num_pos * ratio) distinct non-edges."""
    data = grid()
    parts = LinkSplit(num_val=7, num_test=9, neg_sampling_ratio=ratio, seed=2)(data)
    edges = pair_set(data.edge_index)
    negs = []
    for part, n_pos in zip(parts, (44, 7, 9)):
        neg = part.neg_edge_label_index
        assert part.pos_edge_label_index.size(1) == n_pos
        assert neg.size(1) == int(n_pos * ratio)
        assert len(pair_set(neg)) == neg.size(1)
        negs.append(pair_set(neg))
    # Held-out negatives are never edges; training negatives are never
    # training edges (they may be held-out positives) nor held-out negatives.
    assert not (negs[1] | negs[2]) & edges
    assert not negs[0] & pair_set(parts[0].edge_index)
    assert not negs[0] & (negs[1] | negs[2]) and not negs[1] & negs[2]


def test_link_split_flat_labels_exact():
    """split_labels=False: positives first, ones then zeros, like PyG."""
    train, val, _ = LinkSplit(num_val=5, num_test=5, split_labels=False, seed=0)(grid())
    assert val.edge_label.tolist() == [1.0] * 5 + [0.0] * 5
    assert val.edge_label.dtype == torch.float
    assert train.edge_label_index.size() == (2, 100)
    assert not hasattr(val, 'pos_edge_label_index')


def test_link_split_categorical_key():
    """Existing labels become label + 1, negatives 0 (PyG's convention)."""
    data = grid(4)
    pairs = data.edge_index.t().tolist()
    # One class per unordered pair; both directions carry the same label.
    data.y_link = torch.tensor([(min(u, v) * 7 + max(u, v)) % 3 for u, v in pairs])
    train, val, test = LinkSplit(num_val=3, num_test=3, key='y_link', seed=0)(data)
    for part in (train, val, test):
        (u, v) = part.pos_y_link_index
        assert part.pos_y_link.tolist() == ((u * 7 + v) % 3 + 1).tolist()
        assert part.neg_y_link.tolist() == [0] * part.neg_y_link_index.size(1)
        assert part.pos_y_link.dtype == torch.long
    assert 'y_link' not in train
    no_neg, _, _ = LinkSplit(
        num_val=3, num_test=3, key='y_link', add_negative_train_samples=False, seed=0
    )(data)
    (u, v) = no_neg.pos_y_link_index
    assert no_neg.pos_y_link.tolist() == ((u * 7 + v) % 3).tolist()  # no shift
    data.y_link = data.y_link[:-1]
    with pytest.raises(ValueError, match="'data.y_link' must hold one label per edge"):
        LinkSplit(key='y_link')(data)


def test_link_split_heterographs_rejected():
    """edge_types / rev_edge_types / HeteroData raise a clear ValueError."""
    with pytest.raises(ValueError, match="'edge_types' is not supported"):
        LinkSplit(edge_types=('a', 'to', 'b'))
    with pytest.raises(ValueError, match="'rev_edge_types' is not supported"):
        LinkSplit(rev_edge_types=[('b', 'rev', 'a')])
    hetero = HeteroData()
    hetero['a', 'to', 'a'].edge_index = torch.tensor([[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="'data' must be a homogeneous graph"):
        LinkSplit()(hetero)


@pytest.mark.parametrize(
    'kwargs,msg',
    [
        (dict(neg_sampling_ratio=-1.0), "'neg_sampling_ratio' must be a non-negative"),
        (dict(neg_sampling_ratio='1'), "'neg_sampling_ratio' must be a non-negative"),
        (dict(disjoint_train_ratio=1.5), "'disjoint_train_ratio' must be a float"),
        (dict(key=''), "'key' must be a non-empty string"),
    ],
)
def test_link_split_bad_arguments(kwargs, msg):
    """Bad constructor arguments name the argument."""
    with pytest.raises(ValueError, match=msg):
        LinkSplit(**kwargs)


def test_link_split_repr_and_positional_order():
    """RandomLinkSplit's positional order and repr."""
    t = LinkSplit(0.1, 0.2, False, 'lbl', False, False, 2.0, 0.5)
    assert (t.key, t.split_labels, t.add_negative_train_samples) == (
        'lbl',
        False,
        False,
    )
    assert (t.neg_sampling_ratio, t.disjoint_train_ratio) == (2.0, 0.5)
    assert str(t) == 'LinkSplit(num_val=0.1, num_test=0.2)'
    assert (
        str(RandomLinkSplit(0.1, 0.2)) == 'RandomLinkSplit(num_val=0.1, num_test=0.2)'
    )
