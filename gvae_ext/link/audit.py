r"""A leakage audit of link-prediction splits.

:func:`audit_split` reads a split -- gvae_ext's :class:`~gvae_ext.link.EdgeSplit`,
the ``(train, val, test)`` :class:`~torch_geometric.data.Data` triple of
PyG's :class:`~torch_geometric.transforms.RandomLinkSplit` or gvae_ext's
:class:`~gvae_ext.link.LinkSplit`, or a dict of ``[2, k]`` tensors -- and
reports every pair that lets evaluation information leak or that makes the
labels contradict each other. It changes nothing and costs a few sorts of
the pairs.
"""

import dataclasses
from collections.abc import Mapping
from typing import Optional

from torch import Tensor

from gvae_ext._checks import check_edge_index, check_positive_int
from gvae_ext.link import _audit_core as core
from gvae_ext.link.split import EdgeSplit

CHECKS = {
    'held_out_in_message_passing': 'validation/test positives that are '
    'message-passing edges the model sees at that stage (either direction)',
    'negative_is_edge': 'validation/test negatives that are edges of the full '
    'graph; training negatives that are training edges',
    'duplicate_within': 'a pair repeated within one part',
    'mirrored_within': '(u, v) and (v, u) both in one validation or test part',
    'duplicate_across': 'the same pair in two parts',
    'mirrored_across': '(u, v) in one part and (v, u) in another',
    'self_loop': 'pairs (u, u) in a part or in the message-passing edges',
    'val_test_negative_overlap': 'validation negatives that are test negatives '
    '(either orientation)',
}


@dataclasses.dataclass
class Finding:
    r"""One kind of problem in one part of a split.

    Attributes:
        check (str): The name of the check (a key of :data:`CHECKS`).
        part (str): Where it was found, e.g. :obj:`'test_pos'` or
            :obj:`'val_neg/test_neg'`.
        count (int): The number of offending pairs.
        examples (list): Up to a few offending pairs as ``(u, v)`` tuples.
    """

    check: str
    part: str
    count: int
    examples: list


@dataclasses.dataclass
class AuditReport:
    r"""The result of :func:`audit_split`.

    Attributes:
        num_nodes (int): The number of nodes.
        is_undirected (bool): Whether pairs were read as undirected.
        sizes (dict): The number of pairs of every part that was audited.
        findings (list): The :class:`Finding` objects, empty for a clean split.
    """

    num_nodes: int
    is_undirected: bool
    sizes: dict
    findings: list

    @property
    def ok(self) -> bool:
        r"""Whether no check found anything."""
        return not self.findings

    def count(self, check: str) -> int:
        r"""The total count of check ``check`` over all parts.

        Args:
            check (str): A key of :data:`CHECKS`.

        :rtype: :class:`int`
        """
        if check not in CHECKS:
            raise ValueError(f"'check' must be one of {sorted(CHECKS)} (got {check!r})")
        return sum(f.count for f in self.findings if f.check == check)

    def to_dict(self) -> dict:
        r"""A JSON-ready dict: :obj:`ok`, the sizes and every finding.

        :rtype: :class:`dict`
        """
        out = dataclasses.asdict(self)
        out['ok'] = self.ok
        for finding in out['findings']:
            finding['examples'] = [list(p) for p in finding['examples']]
        return out

    def __str__(self) -> str:
        kind = 'undirected' if self.is_undirected else 'directed'
        head = f'Split audit ({kind}, {self.num_nodes} nodes): '
        head += 'no problems found' if self.ok else f'{len(self.findings)} finding(s)'
        sizes = ', '.join(f'{k} {v}' for k, v in self.sizes.items())
        lines = [head, f'  pairs: {sizes}']
        for f in self.findings:
            shown = ', '.join(str(tuple(p)) for p in f.examples)
            lines.append(f'  [{f.check}] {f.part}: {f.count} pair(s), e.g. {shown}')
        return '\n'.join(lines)


def _from_data_triple(split, label_negatives: bool = True) -> dict:
    out = {}
    for stage, data in zip(('train', 'val', 'test'), split):
        out[f'{stage}_edge_index'] = data.edge_index
        if 'pos_edge_label_index' in data:
            out[f'{stage}_pos_edge_index'] = data.pos_edge_label_index
            if 'neg_edge_label_index' in data:
                out[f'{stage}_neg_edge_index'] = data.neg_edge_label_index
        elif 'edge_label_index' in data:
            index, label = data.edge_label_index, data.edge_label
            if not label_negatives:  # labels are classes: every pair an edge
                out[f'{stage}_pos_edge_index'] = index
                continue
            out[f'{stage}_pos_edge_index'] = index[:, label > 0]
            out[f'{stage}_neg_edge_index'] = index[:, label <= 0]
    out['num_nodes'] = split[0].num_nodes
    return out


def _as_mapping(split, label_negatives: bool = True) -> dict:
    from torch_geometric.data import Data

    if isinstance(split, EdgeSplit):
        # message passing: edge_index; the training pairs: their own field
        # (not the alias train_pos_edge_index, which is edge_index)
        out = {
            'train_edge_index': split.edge_index,
            'train_pos_edge_index': split.train_pos_edge_label_index,
            'num_nodes': split.num_nodes,
        }
        for part in core.HELD_OUT:
            out[f'{part}_edge_index'] = getattr(split, f'{part}_edge_label_index')
        return {k: v for k, v in out.items() if v is not None}
    if hasattr(split, '_asdict'):  # OGBLinkSplit: the known fields
        keep = tuple(core.KEYS) + ('num_nodes',)
        found = {k: getattr(split, k, None) for k in keep}
        return {k: v for k, v in found.items() if v is not None}
    if isinstance(split, (tuple, list)) and len(split) == 3:
        if all(isinstance(d, Data) for d in split):
            return _from_data_triple(split, label_negatives)
    if isinstance(split, Mapping):
        bad = sorted(set(split) - set(core.KEYS) - {'num_nodes'})
        if bad:
            raise ValueError(
                f"'split' has unknown keys {bad}; expected some of "
                f'{list(core.KEYS)} (got {sorted(split)})'
            )
        return dict(split)
    raise ValueError(
        "'split' must be an EdgeSplit, a (train, val, test) triple of Data "
        f'or a dict of [2, k] tensors (got {type(split).__name__})'
    )


def audit_split(
    split,
    edge_index: Optional[Tensor] = None,
    *,
    num_nodes: Optional[int] = None,
    is_undirected: bool = True,
    max_examples: int = 3,
    label_negatives: bool = True,
) -> AuditReport:
    r"""Audit a link-prediction split for leaks and contradictions.

    The split has up to six labelled parts (:obj:`train_pos`,
    :obj:`train_neg`, :obj:`val_pos`, :obj:`val_neg`, :obj:`test_pos`,
    :obj:`test_neg`) and the message-passing edges of each stage. For an
    :class:`~gvae_ext.link.EdgeSplit` these are
    :obj:`train_pos_edge_index` for training and validation and the training
    plus validation positives for testing (what
    :class:`~gvae_ext.link.LinkSplit` and ``RandomLinkSplit`` use). The
    checks (:data:`CHECKS`):

    * :obj:`held_out_in_message_passing`: a validation (test) positive that
      is a message-passing edge of training or validation (or testing).
    * :obj:`negative_is_edge`: a validation or test negative that is an edge
      of the full graph (:obj:`edge_index`; by default the union of every
      positive and message-passing edge), or a training negative that is a
      training edge. A training negative that is a held-out positive is not
      reported: negatives drawn from the training graph cannot avoid them.
    * :obj:`duplicate_within`, :obj:`mirrored_within` (validation and test
      parts, undirected only): a pair repeated in one part.
    * :obj:`duplicate_across`, :obj:`mirrored_across` (undirected only): a
      pair in two parts, as given or reversed; not reported for a training
      negative that is a held-out positive (as above).
    * :obj:`self_loop`: a pair :math:`(u, u)` anywhere.
    * :obj:`val_test_negative_overlap`: a validation negative that is also a
      test negative (in either orientation when undirected).

    Args:
        split: An :class:`~gvae_ext.link.EdgeSplit`; a ``(train, val, test)``
            triple of :class:`~torch_geometric.data.Data` with
            :obj:`edge_index` and :obj:`pos_edge_label_index`/
            :obj:`neg_edge_label_index` or :obj:`edge_label_index`/
            :obj:`edge_label`; or a dict with some of the keys
            :obj:`'{train,val,test}_{pos,neg}_edge_index'` and
            :obj:`'{train,val,test}_edge_index'` (message passing).
        edge_index (torch.Tensor, optional): The full graph
            :obj:`[2, num_edges]`. (default: :obj:`None`)
        num_nodes (int, optional): The number of nodes.
            (default: from the split, else the largest index + 1)
        is_undirected (bool, optional): Read :math:`(u, v)` and
            :math:`(v, u)` as one pair. (default: :obj:`True`)
        max_examples (int, optional): Example pairs kept per finding.
            (default: :obj:`3`)
        label_negatives (bool, optional): For a triple of
            :class:`~torch_geometric.data.Data` with :obj:`edge_label`: read
            the pairs labelled 0 (or less) as negatives, as
            ``RandomLinkSplit`` labels the negatives it samples. Pass
            :obj:`False` for a split without sampled negatives
            (``neg_sampling_ratio=0``) whose :obj:`edge_label` holds classes,
            0 among them: every labelled pair is then an edge.
            (default: :obj:`True`)

    :rtype: :class:`AuditReport`
    """
    max_examples = check_positive_int(max_examples, 'max_examples', allow_zero=True)
    if not isinstance(label_negatives, bool):
        raise ValueError(
            f"'label_negatives' must be True or False (got {label_negatives!r})"
        )
    parts = _as_mapping(split, label_negatives)
    if num_nodes is None:
        num_nodes = parts.get('num_nodes')
    parts = {k: v for k, v in parts.items() if k != 'num_nodes' and v is not None}
    for name, value in parts.items():
        check_edge_index(value, num_nodes, name=name)
    if edge_index is not None:
        check_edge_index(edge_index, num_nodes)
    num_nodes, sizes, found = core.run_checks(
        parts, edge_index, num_nodes, is_undirected, max_examples
    )
    rank = {check: i for i, check in enumerate(CHECKS)}
    return AuditReport(
        num_nodes=num_nodes,
        is_undirected=is_undirected,
        sizes=sizes,
        findings=[Finding(*f) for f in sorted(found, key=lambda f: rank[f[0]])],
    )


__all__ = ['audit_split', 'AuditReport', 'Finding', 'CHECKS']
