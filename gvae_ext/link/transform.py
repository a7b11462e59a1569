r"""The :class:`LinkSplit` transform.

:func:`~gvae_ext.link.split.split_edges` as a drop-in for
:class:`torch_geometric.transforms.RandomLinkSplit`.
"""

import copy
import math
import warnings
from typing import Optional

import torch
from torch import Tensor
from torch_geometric.data import Data, HeteroData
from torch_geometric.transforms import BaseTransform

from gvae_ext._checks import check_fraction_or_count, check_positive_int
from gvae_ext.link import _pairs
from gvae_ext.link._split_core import (
    Count,
    SplitIds,
    both_ways,
    first_columns,
    pairs_of,
    positives,
    split_ids,
)


def _train_negatives(
    split: SplitIds, count: int, generator: Optional[torch.Generator], ratio: float
) -> Tensor:
    # Non-edges of the training graph, minus the held-out negatives; the
    # sorted training ids are the sorted edge ids without the held-out ones.
    keep = torch.ones_like(split.blocked, dtype=torch.bool)
    keep[split.perm[: split.num_val + split.num_test]] = False
    blocked = _pairs.merge_disjoint(split.blocked[keep], split.neg)
    size = torch.tensor([split.num_nodes], device=blocked.device)
    free = _pairs.space_size(split.kind, size, size) - blocked.numel()
    if count > int(free[0]):
        raise ValueError(
            f"'neg_sampling_ratio' asks for {count} training negatives but only "
            f'{int(free[0])} non-edges are left after the held-out negatives; '
            'lower it or pass add_negative_train_samples=False '
            f'(got neg_sampling_ratio={ratio})'
        )
    ids, _ = _pairs.sample_free(blocked, free, free.new_full((1,), count), generator)
    return pairs_of(split, ids)


def _check_ratio(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{name}' must be a non-negative float (got {value!r})")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"'{name}' must be a non-negative float (got {value})")
    return float(value)


class LinkSplit(BaseTransform):
    r"""A leakage-free drop-in for :class:`torch_geometric.transforms.RandomLinkSplit`, built on :func:`split_edges`.

    Takes RandomLinkSplit's arguments with the same meaning and returns
    :obj:`(train_data, val_data, test_data)`, shallow copies of the input
    (which is never modified). :obj:`edge_index` holds the message-passing
    edges: the training edges (without the supervision edges when
    :obj:`disjoint_train_ratio > 0`) for training, all training edges for
    validation, training and validation edges for testing. The labelled
    pairs (one column per pair) are
    :obj:`pos_{key}_index`/:obj:`pos_{key}` and
    :obj:`neg_{key}_index`/:obj:`neg_{key}` with :obj:`split_labels=True`,
    else :obj:`{key}_index`/:obj:`{key}` (positives first). Labels are ones
    and zeros, or, when :obj:`data[key]` holds categorical edge labels,
    those labels plus one and zeros (as in PyG).

    Differences to RandomLinkSplit: self-loops and repeated edges (for
    undirected graphs also a pair given in both directions) are dropped
    first, so no pair sits in two splits (an existing :obj:`data[key]` is
    read at each pair's first column); validation and test negatives are
    distinct non-edges of the whole graph, never repeated across splits;
    training negatives are drawn from the non-edges of the *training* graph
    only, minus the held-out negatives, so they may include validation or
    test positives (the model cannot know them); counts are exact (too few
    non-edges raise :class:`ValueError` rather than shrinking the ratio);
    other edge-level attributes are dropped with a warning; heterogeneous
    graphs are not supported. The defaults follow the VGAE protocol, not
    RandomLinkSplit's (:obj:`0.1`, :obj:`0.2`, :obj:`False`, :obj:`False`).

    Args:
        num_val (int or float, optional): The validation ratio or count of
            the (deduplicated) edges. (default: :obj:`0.05`)
        num_test (int or float, optional): The test ratio or count.
            (default: :obj:`0.1`)
        is_undirected (bool, optional): Treat :obj:`(u, v)` and
            :obj:`(v, u)` as one edge; message-passing edges then come in
            both directions. (default: :obj:`True`)
        key (str, optional): The name of the label attributes.
            (default: :obj:`'edge_label'`)
        split_labels (bool, optional): Store positive and negative labels
            separately. (default: :obj:`True`)
        add_negative_train_samples (bool, optional): Add training negatives.
            (default: :obj:`True`)
        neg_sampling_ratio (float, optional): Negatives per positive in every
            part, rounded down. (default: :obj:`1.0`)
        disjoint_train_ratio (int or float, optional): The ratio or count of
            training edges used only for supervision, not message passing.
            (default: :obj:`0.0`)
        edge_types (optional): Only :obj:`None` is supported.
            (default: :obj:`None`)
        rev_edge_types (optional): Only :obj:`None` is supported.
            (default: :obj:`None`)
        seed (int, optional): Seed a fresh generator on every call, so every
            call gives the same split. (default: :obj:`None`)
        generator (torch.Generator, optional): A generator to draw from
            (exclusive with :obj:`seed`). (default: :obj:`None`)
    """

    def __init__(
        self,
        num_val: Count = 0.05,
        num_test: Count = 0.1,
        is_undirected: bool = True,
        key: str = 'edge_label',
        split_labels: bool = True,
        add_negative_train_samples: bool = True,
        neg_sampling_ratio: float = 1.0,
        disjoint_train_ratio: Count = 0.0,
        edge_types=None,
        rev_edge_types=None,
        *,
        seed: Optional[int] = None,
        generator: Optional[torch.Generator] = None,
    ) -> None:
        for name, value in (
            ('edge_types', edge_types),
            ('rev_edge_types', rev_edge_types),
        ):
            if value is not None:
                raise ValueError(
                    f"'{name}' is not supported: 'LinkSplit' splits homogeneous "
                    f'graphs only (got {value!r})'
                )
        check_fraction_or_count(num_val, 'num_val', total=0)
        check_fraction_or_count(num_test, 'num_test', total=0)
        check_fraction_or_count(disjoint_train_ratio, 'disjoint_train_ratio', total=0)
        if not isinstance(key, str) or not key:
            raise ValueError(f"'key' must be a non-empty string (got {key!r})")
        for name, value in (
            ('is_undirected', is_undirected),
            ('split_labels', split_labels),
            ('add_negative_train_samples', add_negative_train_samples),
        ):
            if not isinstance(value, bool):
                raise ValueError(f"'{name}' must be True or False (got {value!r})")
        if seed is not None:
            check_positive_int(seed, 'seed', allow_zero=True)
            if generator is not None:
                raise ValueError(
                    "'seed' and 'generator' are exclusive (got both a seed and a "
                    'generator)'
                )
        self.num_val = num_val
        self.num_test = num_test
        self.is_undirected = is_undirected
        self.key = key
        self.split_labels = split_labels
        self.add_negative_train_samples = add_negative_train_samples
        self.neg_sampling_ratio = _check_ratio(neg_sampling_ratio, 'neg_sampling_ratio')
        self.disjoint_train_ratio = disjoint_train_ratio
        self.edge_types = edge_types
        self.rev_edge_types = rev_edge_types
        self.seed = seed
        self.generator = generator

    def forward(self, data: Data) -> tuple[Data, Data, Data]:
        """Split :obj:`data` into :obj:`(train_data, val_data, test_data)`."""
        if isinstance(data, HeteroData):
            raise ValueError(
                "'data' must be a homogeneous graph: 'LinkSplit' does not split "
                'HeteroData (got HeteroData)'
            )
        edge_index = getattr(data, 'edge_index', None)
        if edge_index is None:
            raise ValueError("'data' must have an 'edge_index' (got None)")
        generator = self.generator
        if self.seed is not None:
            generator = torch.Generator(device=edge_index.device)
            generator.manual_seed(self.seed)
        split = split_ids(
            edge_index,
            data.num_nodes,
            self.num_val,
            self.num_test,
            self.is_undirected,
            generator,
            self.neg_sampling_ratio,
        )
        labels = self._labels(data, split, edge_index)
        data = self._without_edge_attrs(data)
        n_val, n_held = split.num_val, split.num_val + split.num_test
        num_train = split.blocked.numel() - n_held
        n_sup = check_fraction_or_count(
            self.disjoint_train_ratio, 'disjoint_train_ratio', total=num_train
        )
        if num_train - n_sup <= 0:
            raise ValueError(
                'Insufficient number of edges for training '
                f'(num_train={num_train}, got disjoint_train_ratio='
                f'{self.disjoint_train_ratio})'
            )
        n_train_neg = 0
        if self.add_negative_train_samples:
            n_train_neg = int((n_sup or num_train) * self.neg_sampling_ratio)
        train_neg = _train_negatives(
            split, n_train_neg, generator, self.neg_sampling_ratio
        )
        train = positives(split, n_held)
        mp = both_ways(positives(split, n_held + n_sup), self.is_undirected)
        val_mp = both_ways(train, self.is_undirected)
        val = positives(split, 0, n_val)
        test_mp = both_ways(torch.cat([train, val], dim=1), self.is_undirected)
        end = n_held + n_sup if n_sup else None
        parts = (
            (mp, (n_held, end), train_neg),
            (val_mp, (0, n_val), pairs_of(split, split.neg[: split.num_neg_val])),
            (test_mp, (n_val, n_held), pairs_of(split, split.neg[split.num_neg_val :])),
        )
        return tuple(
            self._with_labels(data, split, mp, span, neg, labels)
            for mp, span, neg in parts
        )

    def _labels(self, data: Data, split: SplitIds, edge_index: Tensor):
        # The user's categorical labels, one row per deduplicated pair.
        value = getattr(data, self.key, None)
        if not isinstance(value, Tensor):
            return None
        if value.size(0) != edge_index.size(1):
            raise ValueError(
                f"'data.{self.key}' must hold one label per edge "
                f'({edge_index.size(1)}) (got {value.size(0)})'
            )
        return value[first_columns(split, edge_index)]

    def _without_edge_attrs(self, data: Data) -> Data:
        data = copy.copy(data)
        dropped = [
            key
            for key in data.keys()
            if key != 'edge_index'
            and data.is_edge_attr(key)
            and ('edge' in key or not data.is_node_attr(key))
        ]
        for key in dropped:
            del data[key]
        dropped = sorted(set(dropped) - {self.key})
        if dropped:
            warnings.warn(
                f"'LinkSplit' drops the edge-level attributes {dropped}",
                stacklevel=4,
            )
        return data

    def _with_labels(self, data, split, edge_index, span, neg, labels) -> Data:
        out = copy.copy(data)
        out.edge_index = edge_index
        order = split.perm[span[0] : span[1]]
        pos = pairs_of(split, split.blocked[order])
        if labels is None:
            pos_label = torch.ones(pos.size(1), device=pos.device)
        else:
            pos_label = labels[order] + (1 if neg.size(1) > 0 else 0)
        neg_label = pos_label.new_zeros((neg.size(1),) + pos_label.shape[1:])
        key = self.key
        if self.split_labels:
            out[f'pos_{key}'], out[f'pos_{key}_index'] = pos_label, pos
            if neg.size(1) > 0:
                out[f'neg_{key}'], out[f'neg_{key}_index'] = neg_label, neg
        else:
            out[key] = torch.cat([pos_label, neg_label], dim=0)
            out[f'{key}_index'] = torch.cat([pos, neg], dim=1)
        return out

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(num_val={self.num_val}, '
            f'num_test={self.num_test})'
        )


__all__ = ['LinkSplit']
