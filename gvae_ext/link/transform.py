r"""The :class:`LinkSplit` transform: :func:`~gvae_ext.link.split.split_edges`
as a PyG transform with the fields of
:class:`torch_geometric.transforms.RandomLinkSplit` (``split_labels=True``).
"""

import copy
import warnings
from typing import Optional, Tuple

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from gvae_ext._checks import check_fraction_or_count, check_positive_int
from gvae_ext.link import _pairs
from gvae_ext.link._split_core import (
    Count,
    SplitIds,
    both_ways,
    pairs_of,
    positives,
    split_ids,
)


def _train_negatives(split: SplitIds, generator: Optional[torch.Generator]) -> Tensor:
    # Non-edges of the training graph, minus the held-out negatives; the
    # sorted training ids are the sorted edge ids without the held-out ones.
    keep = torch.ones_like(split.blocked, dtype=torch.bool)
    keep[split.perm[: split.num_val + split.num_test]] = False
    train = split.blocked[keep]
    blocked = _pairs.merge_disjoint(train, split.neg)
    size = torch.tensor([split.num_nodes], device=blocked.device)
    free = _pairs.space_size(split.kind, size, size) - blocked.numel()
    if train.numel() > int(free[0]):
        raise ValueError(
            f"'add_negative_train_samples' needs {train.numel()} training negatives "
            f'but only {int(free[0])} pairs are left (got True)'
        )
    ids, _ = _pairs.sample_free(
        blocked, free, free.new_full((1,), train.numel()), generator
    )
    return pairs_of(split, ids)


def _with_labels(
    data: Data, edge_index: Tensor, pos: Tensor, neg: Optional[Tensor]
) -> Data:
    out = copy.copy(data)
    out.edge_index = edge_index
    out.pos_edge_label_index = pos
    out.pos_edge_label = torch.ones(pos.size(1), device=pos.device)
    if neg is not None:
        out.neg_edge_label_index = neg
        out.neg_edge_label = torch.zeros(neg.size(1), device=neg.device)
    return out


class LinkSplit(BaseTransform):
    r"""A leakage-free alternative to
    :class:`torch_geometric.transforms.RandomLinkSplit` (with
    :obj:`split_labels=True`), built on :func:`split_edges`.

    Returns :obj:`(train_data, val_data, test_data)`, shallow copies of the
    input (which is never modified) with :obj:`edge_index` (the message
    passing edges: training edges for training and validation, training and
    validation edges for testing), :obj:`pos_edge_label_index`,
    :obj:`pos_edge_label` (ones), :obj:`neg_edge_label_index` and
    :obj:`neg_edge_label` (zeros). Label indices hold one column per pair.

    Training negatives are drawn from the non-edges of the *training* graph
    only, so they may include validation or test positives (the model cannot
    know them) but never the validation or test negatives. Edge-level
    attributes (e.g. :obj:`edge_attr`) are dropped with a warning, since the
    split deduplicates the edges.

    Args:
        num_val (int or float, optional): As in :func:`split_edges`.
            (default: :obj:`0.05`)
        num_test (int or float, optional): As in :func:`split_edges`.
            (default: :obj:`0.1`)
        is_undirected (bool, optional): As in :func:`split_edges`.
            (default: :obj:`True`)
        add_negative_train_samples (bool, optional): Add one training negative
            per training pair. (default: :obj:`True`)
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
        add_negative_train_samples: bool = True,
        *,
        seed: Optional[int] = None,
        generator: Optional[torch.Generator] = None,
    ) -> None:
        check_fraction_or_count(num_val, 'num_val', total=0)
        check_fraction_or_count(num_test, 'num_test', total=0)
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
        self.add_negative_train_samples = add_negative_train_samples
        self.seed = seed
        self.generator = generator

    def forward(self, data: Data) -> Tuple[Data, Data, Data]:
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
        )
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
        if dropped:
            warnings.warn(
                f"'LinkSplit' drops the edge-level attributes {sorted(dropped)}",
                stacklevel=3,
            )

        n_val, n_held = split.num_val, split.num_val + split.num_test
        train = positives(split, n_held)
        val = positives(split, 0, n_val)
        train_mp = both_ways(train, self.is_undirected)
        test_mp = both_ways(torch.cat([train, val], dim=1), self.is_undirected)
        train_neg = None
        if self.add_negative_train_samples:
            train_neg = _train_negatives(split, generator)
        return (
            _with_labels(data, train_mp, train, train_neg),
            _with_labels(data, train_mp, val, pairs_of(split, split.neg[:n_val])),
            _with_labels(
                data,
                test_mp,
                positives(split, n_val, n_held),
                pairs_of(split, split.neg[n_val:]),
            ),
        )

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(num_val={self.num_val}, '
            f'num_test={self.num_test})'
        )


__all__ = ['LinkSplit']
