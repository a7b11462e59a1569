r"""The checks behind :func:`~gvae_ext.link.audit.audit_split` (private).

The node ids that occur are first mapped to compact ids ``0, ..., n-1``
(:func:`torch.unique`, which keeps their order), so any ``int64`` ids work.
Pairs are then compared through ``int64`` keys: ``u * n + v`` as given, or
``min * n + max`` when pairs are undirected; set membership is
:func:`torch.isin`. Examples are reported in the original ids.
"""

from typing import Optional

import torch
from torch import Tensor

LABELS = ('train_pos', 'train_neg', 'val_pos', 'val_neg', 'test_pos', 'test_neg')
STAGES = ('train', 'val', 'test')
# Pairs of parts not compared by the across checks: a training negative may
# be a held-out positive (negatives drawn from the training graph cannot
# know them), and val/test negatives have their own check.
EXEMPT = {('train_neg', 'val_pos'), ('train_neg', 'test_pos'), ('val_neg', 'test_neg')}
HELD_OUT = ('val_pos', 'val_neg', 'test_pos', 'test_neg')
KEYS = tuple(f'{p}_edge_index' for p in LABELS) + tuple(
    f'{s}_edge_index' for s in STAGES
)
# The most distinct ids whose keys ``u * n + v`` fit an int64.
MAX_IDS = 3037000499


def _compact(parts: dict, edge_index: Optional[Tensor]):
    r"""``(ids, parts, edge_index)`` with the ids renumbered ``0, ..., n-1``.

    ``ids`` is the sorted tensor of the distinct original ids, so
    ``ids[compact]`` gives the original pairs back and the renumbering keeps
    the order of the ids.
    """
    tensors = list(parts.values()) + ([edge_index] if edge_index is not None else [])
    flat = torch.cat([t.reshape(-1) for t in tensors])
    ids, inverse = torch.unique(flat, return_inverse=True)
    if ids.numel() > MAX_IDS:
        raise ValueError(
            f"'split' may hold at most {MAX_IDS} distinct node ids (got {ids.numel()})"
        )
    pieces = [
        piece.view_as(t)
        for piece, t in zip(inverse.split([t.numel() for t in tensors]), tensors)
    ]
    compact = dict(zip(parts, pieces))
    return ids, compact, pieces[-1] if edge_index is not None else None


def _ordered(pairs: Tensor, n: int) -> Tensor:
    return pairs[0] * n + pairs[1]


def _key(pairs: Tensor, n: int, undirected: bool) -> Tensor:
    if not undirected:
        return _ordered(pairs, n)
    return torch.minimum(pairs[0], pairs[1]) * n + torch.maximum(pairs[0], pairs[1])


def _repeats(keys: Tensor) -> Tensor:
    r"""Mask of the entries whose key appeared at an earlier position."""
    order = torch.sort(keys, stable=True).indices
    ordered = keys[order]
    seen = torch.zeros_like(keys, dtype=torch.bool)
    seen[order[1:]] = ordered[1:] == ordered[:-1]
    return seen


def _message_passing(parts: dict, labels: dict) -> dict:
    r"""The message-passing edges of every stage.

    Missing ones get the defaults of an :class:`~gvae_ext.link.EdgeSplit`.
    """
    empty = next(iter(parts.values())).new_empty(2, 0)
    train = parts.get('train_edge_index', labels.get('train_pos', empty))
    val = parts.get('val_edge_index', train)
    test = parts.get('test_edge_index')
    if test is None:
        test = torch.cat([train, labels.get('val_pos', empty)], dim=1)
    return {'train_mp': train, 'val_mp': val, 'test_mp': test}


class _Collector:
    def __init__(self, ids: Tensor, undirected: bool, max_examples: int):
        self.ids, self.n = ids, ids.numel()
        self.undirected, self.max_examples = undirected, max_examples
        self.findings = []

    def key(self, pairs: Tensor) -> Tensor:
        return _key(pairs, self.n, self.undirected)

    def add(self, check: str, part: str, pairs: Tensor, mask: Tensor) -> None:
        count = int(mask.sum())
        if count:
            shown = pairs[:, mask][:, : self.max_examples]
            examples = self.ids[shown].t().tolist()  # back to the original ids
            self.findings.append((check, part, count, [tuple(p) for p in examples]))


def _within_and_across(c: _Collector, labels: dict) -> None:
    names = [p for p in LABELS if p in labels]
    ordered = {p: _ordered(labels[p], c.n) for p in names}
    for p in names:
        c.add('duplicate_within', p, labels[p], _repeats(ordered[p]))
        if c.undirected and p in HELD_OUT:
            pairs = labels[p]
            reverse = _ordered(pairs.flip(0), c.n)
            mask = (pairs[0] > pairs[1]) & torch.isin(reverse, ordered[p])
            c.add('mirrored_within', p, pairs, mask)
    for j, q in enumerate(names):
        reverse = _ordered(labels[q].flip(0), c.n)
        not_loop = labels[q][0] != labels[q][1]
        for p in names[:j]:
            if (p, q) in EXEMPT or (q, p) in EXEMPT:
                continue
            same = torch.isin(ordered[q], ordered[p])
            c.add('duplicate_across', f'{p}/{q}', labels[q], same)
            if c.undirected:
                mirrored = not_loop & ~same & torch.isin(reverse, ordered[p])
                c.add('mirrored_across', f'{p}/{q}', labels[q], mirrored)


def _leaks(c: _Collector, labels: dict, mp: dict, edge_index) -> None:
    seen = mp['train_mp']
    for stage in ('val', 'test'):
        seen = torch.cat([seen, mp[f'{stage}_mp']], dim=1)
        if f'{stage}_pos' in labels:
            pos = labels[f'{stage}_pos']
            mask = torch.isin(c.key(pos), c.key(seen))
            c.add('held_out_in_message_passing', f'{stage}_pos', pos, mask)
    if edge_index is None:
        found = [labels[p] for p in LABELS if p.endswith('_pos') and p in labels]
        edge_index = torch.cat(found + list(mp.values()), dim=1)
    full = c.key(edge_index)
    train = [mp['train_mp']] + [labels[p] for p in ('train_pos',) if p in labels]
    train = c.key(torch.cat(train, dim=1))
    for part, graph in (('train_neg', train), ('val_neg', full), ('test_neg', full)):
        if part in labels:
            mask = torch.isin(c.key(labels[part]), graph)
            c.add('negative_is_edge', part, labels[part], mask)


def run_checks(
    parts: dict,
    edge_index: Optional[Tensor],
    num_nodes: Optional[int],
    undirected: bool,
    max_examples: int,
):
    r"""Run every check.

    Returns ``(num_nodes, sizes, findings)`` with the findings as tuples, for
    :func:`gvae_ext.link.audit.audit_split` to order and wrap.
    """
    if not parts:
        raise ValueError("'split' must hold at least one [2, k] tensor (got none)")
    device = next(iter(parts.values())).device
    parts = {k: v.to(device).long() for k, v in parts.items()}
    if edge_index is not None:
        edge_index = edge_index.to(device).long()
    tensors = list(parts.values()) + ([edge_index] if edge_index is not None else [])
    if num_nodes is None:
        num_nodes = max([int(t.max()) + 1 for t in tensors if t.numel()] + [0])
    ids, parts, edge_index = _compact(parts, edge_index)
    labels = {p: parts[f'{p}_edge_index'] for p in LABELS if f'{p}_edge_index' in parts}
    mp = _message_passing(parts, labels)
    c = _Collector(ids, undirected, max_examples)
    _leaks(c, labels, mp, edge_index)
    _within_and_across(c, labels)
    for name, pairs in list(labels.items()) + list(mp.items()):
        c.add('self_loop', name, pairs, pairs[0] == pairs[1])
    if 'val_neg' in labels and 'test_neg' in labels:
        mask = torch.isin(c.key(labels['test_neg']), c.key(labels['val_neg']))
        c.add('val_test_negative_overlap', 'val_neg/test_neg', labels['test_neg'], mask)
    sizes = {
        name: int(t.size(1)) for name, t in list(labels.items()) + list(mp.items())
    }
    return num_nodes, sizes, c.findings
