r"""Tests of :func:`gvae_ext.link.audit.audit_split`: planted leaks, clean splits."""

import contextlib
import json
import random

import pytest
import torch
from torch_geometric.data import Data
from torch_geometric.transforms import RandomLinkSplit

from gvae_ext.datasets import load_cora
from gvae_ext.link import LinkSplit, split_edges
from gvae_ext.link.audit import CHECKS, AuditReport, audit_split


def t(*pairs):
    r"""A ``[2, k]`` tensor of the given pairs."""
    return torch.tensor(pairs, dtype=torch.long).view(-1, 2).t()


def clean():
    r"""A small clean split of the 6-cycle plus the chord 0-3."""
    return dict(
        train_pos_edge_index=t((0, 1), (1, 2), (2, 3), (3, 4)),
        train_neg_edge_index=t((0, 2), (1, 4)),
        val_pos_edge_index=t((4, 5)),
        val_neg_edge_index=t((1, 3)),
        test_pos_edge_index=t((5, 0), (0, 3)),
        test_neg_edge_index=t((2, 4), (2, 5)),
    )


@contextlib.contextmanager
def seeded(seed):
    r"""Seed torch and Python's ``random`` (PyG uses both), then restore."""
    state = random.getstate()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        random.seed(seed)
        yield
    random.setstate(state)


def test_clean_split_reports_nothing():
    r"""The hand-built split is clean; the report says so."""
    report = audit_split(clean())
    assert isinstance(report, AuditReport) and report.ok
    assert report.findings == [] and report.num_nodes == 6
    assert report.sizes['test_mp'] == 5  # training edges + validation positives
    assert 'no problems found' in str(report)
    assert json.loads(json.dumps(report.to_dict()))['ok'] is True


@pytest.mark.parametrize(
    'key, pairs, check, part, example',
    [
        (
            'train_edge_index',
            [(5, 4)],
            'held_out_in_message_passing',
            'val_pos',
            (4, 5),
        ),
        ('test_neg_edge_index', [(1, 0)], 'negative_is_edge', 'test_neg', (1, 0)),
        ('train_neg_edge_index', [(2, 1)], 'negative_is_edge', 'train_neg', (2, 1)),
        ('test_pos_edge_index', [(0, 3)], 'duplicate_within', 'test_pos', (0, 3)),
        ('val_neg_edge_index', [(3, 1)], 'mirrored_within', 'val_neg', (3, 1)),
        (
            'train_neg_edge_index',
            [(2, 4)],
            'duplicate_across',
            'train_neg/test_neg',
            (2, 4),
        ),
        (
            'val_neg_edge_index',
            [(2, 0)],
            'mirrored_across',
            'train_neg/val_neg',
            (2, 0),
        ),
        ('test_neg_edge_index', [(3, 3)], 'self_loop', 'test_neg', (3, 3)),
        (
            'test_neg_edge_index',
            [(3, 1)],
            'val_test_negative_overlap',
            'val_neg/test_neg',
            (3, 1),
        ),
    ],
)
def test_planted_leak_is_found(key, pairs, check, part, example):
    r"""Each planted problem is reported once, where it was planted."""
    split = clean()
    # Message-passing edges default to the training positives.
    base = split.get(key, split['train_pos_edge_index'])
    split[key] = torch.cat([base, t(*pairs)], dim=1)
    report = audit_split(split, max_examples=2)
    assert not report.ok
    hits = [f for f in report.findings if f.check == check]
    assert [(f.part, f.count, f.examples) for f in hits] == [(part, 1, [example])]
    assert report.count(check) == 1
    assert f'[{check}] {part}: 1 pair(s), e.g. {example}' in str(report)


def test_full_graph_argument():
    r"""A negative that is an edge only of the given full graph is reported."""
    report = audit_split(clean(), torch.tensor([[2], [4]]))
    assert [(f.check, f.part) for f in report.findings] == [
        ('negative_is_edge', 'test_neg')
    ]


def test_directed_reading():
    r"""Read as directed, reversed pairs are distinct and not reported."""
    split = clean()
    split['val_neg_edge_index'] = t((1, 3), (3, 1))
    assert audit_split(split, is_undirected=False).ok
    assert audit_split(split).count('mirrored_within') == 1


def test_gvae_split_edges_is_clean_on_cora():
    r"""gvae_ext's own split and transform report nothing on Cora."""
    data = load_cora()
    for seed in range(2):
        split = split_edges(
            data.edge_index,
            data.num_nodes,
            generator=torch.Generator().manual_seed(seed),
        )
        assert audit_split(split, data.edge_index).ok
    parts = LinkSplit(seed=0)(
        Data(edge_index=data.edge_index, num_nodes=data.num_nodes)
    )
    assert audit_split(parts, data.edge_index).ok


@pytest.mark.parametrize('seed', range(4))
def test_gvae_split_edges_is_clean_on_random_graphs(seed):
    r"""Messy random graphs (duplicates, reversed copies, loops) split cleanly."""
    g = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(0, 60, (2, 400), generator=g)
    edge_index = torch.cat(
        [edge_index, edge_index[:, :50].flip(0), edge_index[:, :30]], 1
    )
    for undirected in (True, False):
        split = split_edges(edge_index, 60, is_undirected=undirected, generator=g)
        report = audit_split(split, edge_index, is_undirected=undirected)
        assert report.ok, str(report)


def pyg_split(edge_index, num_nodes, seed, **kwargs):
    r"""PyG's RandomLinkSplit (85/5/10) under a fixed global seed."""
    with seeded(seed):
        transform = RandomLinkSplit(num_val=0.05, num_test=0.1, **kwargs)
        return transform(Data(edge_index=edge_index, num_nodes=num_nodes))


def test_pyg_random_link_split_duplicated_edges():
    r"""Duplicated input edges: held-out positives leak into training edges."""
    data = load_cora()
    twice = torch.cat([data.edge_index, data.edge_index], dim=1)
    report = audit_split(pyg_split(twice, data.num_nodes, 0, is_undirected=True))
    assert report.count('held_out_in_message_passing') > 100
    assert report.count('duplicate_within') > 0
    assert report.count('duplicate_across') > 0


def test_pyg_random_link_split_directed_on_undirected_graph():
    r"""is_undirected=False on a graph stored both ways.

    Then (v, u) trains while (u, v) is tested.
    """
    data = load_cora()
    parts = pyg_split(data.edge_index, data.num_nodes, 0, is_undirected=False)
    report = audit_split(parts, data.edge_index)
    assert report.count('held_out_in_message_passing') > 100
    assert report.count('mirrored_across') > 100
    assert (
        audit_split(parts, data.edge_index, is_undirected=False).count(
            'held_out_in_message_passing'
        )
        == 0
    )


def test_pyg_label_layouts_agree():
    r"""``edge_label_index`` and ``split_labels=True`` outputs audit the same."""
    data = load_cora()
    a = audit_split(pyg_split(data.edge_index, data.num_nodes, 3, is_undirected=True))
    b = audit_split(
        pyg_split(
            data.edge_index, data.num_nodes, 3, is_undirected=True, split_labels=True
        )
    )
    assert a.to_dict() == b.to_dict()
    assert a.count('held_out_in_message_passing') == 0  # clean input: no leak


@pytest.mark.parametrize(
    'split, kwargs, match',
    [
        ({'val_pos': t((0, 1))}, {}, "'split' has unknown keys \\['val_pos'\\]"),
        ([1, 2, 3], {}, "'split' must be an EdgeSplit"),
        (
            {'val_pos_edge_index': torch.ones(3)},
            {},
            "'val_pos_edge_index' must have shape",
        ),
        (
            {'val_pos_edge_index': t((0, 9))},
            dict(num_nodes=5),
            "'val_pos_edge_index' contains node",
        ),
        ({}, {}, "'split' must hold at least one"),
        (clean(), dict(max_examples=-1), "'max_examples' must be a non-negative"),
    ],
)
def test_errors(split, kwargs, match):
    r"""Bad splits raise ValueError naming the key."""
    with pytest.raises(ValueError, match=match):
        audit_split(split, **kwargs)


def test_count_rejects_unknown_check():
    r"""``count`` names the valid checks."""
    assert set(CHECKS) >= {'self_loop', 'negative_is_edge'}
    with pytest.raises(ValueError, match="'check' must be one of"):
        audit_split(clean()).count('leak')


def test_edge_split_training_pairs_are_audited():
    # An EdgeSplit's training label pairs are their own field, not the
    # message-passing edges: a leak planted there is found.
    g = torch.Generator().manual_seed(0)
    ei = torch.randint(0, 40, (2, 120), generator=g)
    ei = ei[:, ei[0] != ei[1]]
    ei = torch.unique(torch.cat([ei, ei.flip(0)], 1), dim=1)
    split = split_edges(ei, 40, num_val=0.1, num_test=0.2)
    clean = audit_split(split)
    assert clean.findings == []
    assert clean.sizes['train_pos'] == split.train_pos_edge_label_index.size(1)
    assert clean.sizes['train_mp'] == split.edge_index.size(1)
    leaked = split.val_pos_edge_label_index[:, :2]
    pairs = torch.cat([split.train_pos_edge_label_index, leaked], 1)
    report = audit_split(split._replace(train_pos_edge_label_index=pairs))
    assert [(f.check, f.part, f.count) for f in report.findings] == [
        ('duplicate_across', 'train_pos/val_pos', 2)
    ]


def test_random_link_split_with_class_labels_and_no_negatives():
    # RandomLinkSplit(neg_sampling_ratio=0) keeps the user's edge_label
    # classes, 0 among them; label_negatives=False reads them all as edges.
    g = torch.Generator().manual_seed(0)
    ei = torch.randint(0, 40, (2, 150), generator=g)
    ei = torch.unique(ei[:, ei[0] < ei[1]], dim=1)
    label = torch.arange(ei.size(1)) % 3  # classes 0, 1, 2
    data = Data(edge_index=ei, edge_label=label, num_nodes=40)
    transform = RandomLinkSplit(
        num_val=0.1, num_test=0.2, is_undirected=False, neg_sampling_ratio=0.0
    )
    with torch.random.fork_rng():
        torch.manual_seed(0)
        split = transform(data)
    as_classes = audit_split(split, is_undirected=False, label_negatives=False)
    assert as_classes.findings == []
    assert as_classes.sizes['train_pos'] == split[0].edge_label_index.size(1)
    as_negatives = audit_split(split, is_undirected=False)  # the default reading
    assert {f.check for f in as_negatives.findings} == {'negative_is_edge'}
    with pytest.raises(ValueError, match="'label_negatives' must be True or False"):
        audit_split(split, label_negatives=1)
