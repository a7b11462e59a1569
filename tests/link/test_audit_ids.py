"""The audit compares pairs correctly for any int64 node ids."""

import pytest

from gvae_ext.link import _audit_core as core
from gvae_ext.link.audit import audit_split
from tests.link.test_audit import t


def leaky():
    r"""A small split with one finding of most checks."""
    return dict(
        train_pos_edge_index=t((0, 1), (1, 2), (2, 3), (3, 4), (4, 4)),
        train_neg_edge_index=t((0, 2), (1, 2)),
        val_pos_edge_index=t((4, 5), (5, 4)),
        val_neg_edge_index=t((1, 3)),
        test_pos_edge_index=t((2, 1), (0, 3)),
        test_neg_edge_index=t((3, 1), (2, 5)),
    )


def big(i):
    r"""A monotone map of small ids to ids far beyond ``2**32``."""
    return 2**62 + i * 2**40 + 7


def test_huge_ids_give_no_false_leak():
    r"""The keys ``u * N + v`` overflowed here and matched unrelated pairs."""
    split = dict(
        train_pos_edge_index=t((0, 2147483653), (8589934591, 1)),
        test_pos_edge_index=t((2147483648, 2147483653)),
    )
    report = audit_split(split)
    assert report.ok and report.findings == []
    assert report.num_nodes == 8589934592


def test_planted_leak_with_huge_ids_is_found():
    split = dict(
        train_pos_edge_index=t((2**62, 2**63 - 1), (5, 2**40)),
        test_pos_edge_index=t((2**63 - 1, 2**62), (5, 2**41)),
    )
    report = audit_split(split)
    assert [(f.check, f.part, f.count, f.examples) for f in report.findings] == [
        ('held_out_in_message_passing', 'test_pos', 1, [(2**63 - 1, 2**62)]),
        ('mirrored_across', 'train_pos/test_pos', 1, [(2**63 - 1, 2**62)]),
    ]


@pytest.mark.parametrize('undirected', [True, False])
def test_huge_ids_report_the_same_findings(undirected):
    r"""Relabelling the ids changes only the examples, given in the user's ids."""
    small = audit_split(leaky(), is_undirected=undirected)
    assert not small.ok
    relabelled = {k: v.clone().apply_(big) for k, v in leaky().items()}
    large = audit_split(relabelled, is_undirected=undirected)
    assert large.num_nodes == big(5) + 1 and large.sizes == small.sizes
    expected = [
        (f.check, f.part, f.count, [(big(u), big(v)) for u, v in f.examples])
        for f in small.findings
    ]
    got = [(f.check, f.part, f.count, f.examples) for f in large.findings]
    assert got == expected


def test_too_many_distinct_ids(monkeypatch):
    r"""Beyond MAX_IDS distinct ids the keys would overflow: refused."""
    monkeypatch.setattr(core, 'MAX_IDS', 5)
    with pytest.raises(
        ValueError, match=r"'split' may hold at most 5 distinct node ids \(got 6\)"
    ):
        audit_split(leaky())
    monkeypatch.setattr(core, 'MAX_IDS', 6)
    assert not audit_split(leaky()).ok
