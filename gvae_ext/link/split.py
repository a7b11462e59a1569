r"""Leakage-free train/validation/test edge splits for link prediction.

:func:`split_edges` follows the protocol of `"Variational Graph Auto-Encoders"
<https://arxiv.org/abs/1611.07308>`_ (hold out 5% / 10% of the undirected
edges and as many non-edges) and :class:`LinkSplit` wraps it as a PyG
transform with the fields of
:class:`torch_geometric.transforms.RandomLinkSplit` (``split_labels=True``).
Unlike ``RandomLinkSplit``, the input edges are deduplicated first (so a
duplicated edge can never sit in two splits), negatives never repeat a pair
in either orientation, and training negatives are drawn from the training
graph only.
"""

import copy
import warnings
from typing import NamedTuple, Optional, Tuple, Union

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from gvae_ext._checks import (
    check_edge_index,
    check_fraction_or_count,
    check_positive_int,
)
from gvae_ext.link import _pairs
from gvae_ext.link.negative import check_generator_device

Count = Union[int, float]


class EdgeSplit(NamedTuple):
    r"""The result of :func:`split_edges`.

    Attributes:
        train_pos_edge_index (LongTensor): The training edges, which are also
            the message-passing edges (both directions for undirected graphs).
        val_pos_edge_index (LongTensor): Validation edges, one column per pair.
        val_neg_edge_index (LongTensor): Validation non-edges.
        test_pos_edge_index (LongTensor): Test edges, one column per pair.
        test_neg_edge_index (LongTensor): Test non-edges.
        num_nodes (int): The number of nodes.
    """

    train_pos_edge_index: Tensor
    val_pos_edge_index: Tensor
    val_neg_edge_index: Tensor
    test_pos_edge_index: Tensor
    test_neg_edge_index: Tensor
    num_nodes: int


class _Split(NamedTuple):
    kind: str
    num_nodes: int
    blocked: Tensor  # sorted pair ids of the edges
    perm: Tensor  # the shuffle: val, then test, then train
    neg: Tensor  # pair ids of the val negatives, then the test negatives
    num_val: int
    num_test: int


def _split_ids(
    edge_index: Tensor,
    num_nodes: Optional[int],
    num_val: Count,
    num_test: Count,
    is_undirected: bool,
    generator: Optional[torch.Generator],
) -> _Split:
    if isinstance(num_nodes, (tuple, list)):
        raise ValueError(f"'num_nodes' must be an int (got {num_nodes!r})")
    num_nodes = check_edge_index(edge_index, num_nodes)
    check_generator_device(generator, edge_index.device)
    kind = 'undirected' if is_undirected else 'directed'
    _pairs.check_space(num_nodes * num_nodes, 'num_nodes', num_nodes)
    size = torch.tensor([num_nodes], device=edge_index.device)
    row, col = edge_index.long()
    blocked, free, _ = _pairs.blocked_ids(kind, row, col, None, size, size)
    num_edges = blocked.numel()
    n_val = check_fraction_or_count(num_val, 'num_val', total=num_edges)
    n_test = check_fraction_or_count(num_test, 'num_test', total=num_edges)
    num_train = num_edges - n_val - n_test
    if num_train <= 0:
        raise ValueError(
            f'Insufficient number of edges for training (num_train={num_train})'
        )
    if n_val + n_test > int(free[0]):
        raise ValueError(
            f"'num_val' and 'num_test' need {n_val + n_test} negative pairs but "
            f'the graph has only {int(free[0])} non-edges (got num_val={num_val}, '
            f'num_test={num_test})'
        )
    perm = torch.randperm(num_edges, generator=generator, device=blocked.device)
    neg, _ = _pairs.sample_free(
        blocked, free, free.new_full((1,), n_val + n_test), generator
    )
    return _Split(kind, num_nodes, blocked, perm, neg, n_val, n_test)


def _positives(split: _Split, start: int, end: Optional[int] = None) -> Tensor:
    return _pairs_of(split, split.blocked[split.perm[start:end]])


def _pairs_of(split: _Split, ids: Tensor) -> Tensor:
    n = split.num_nodes
    return torch.stack(_pairs.decode(split.kind, ids, n, n), dim=0)


def _both_ways(edge_index: Tensor, is_undirected: bool) -> Tensor:
    if not is_undirected:
        return edge_index
    return torch.cat([edge_index, edge_index.flip(0)], dim=1)


def split_edges(
    edge_index: Tensor,
    num_nodes: Optional[int] = None,
    *,
    num_val: Count = 0.05,
    num_test: Count = 0.1,
    is_undirected: bool = True,
    generator: Optional[torch.Generator] = None,
) -> EdgeSplit:
    r"""Splits the edges of a graph into training, validation and test sets.

    Self-loops and repeated edges (for undirected graphs also a pair given in
    both directions) are dropped first. The remaining pairs are shuffled and
    partitioned exactly: every pair lands in exactly one split, together
    with its reverse. :obj:`num_val` and :obj:`num_test` follow PyG's
    convention (a float is a ratio, rounded down; an int is a count). The
    validation and test sets get as many negatives as positives: distinct
    non-edges of the *whole* graph, without self-loops and never the same
    pair twice (in either orientation) within or across the two sets.

    With :obj:`is_undirected=False` every ordered pair is its own edge, so
    :obj:`(u, v)` and :obj:`(v, u)` may land in different splits.

    Args:
        edge_index (LongTensor): The edges, shape :obj:`[2, num_edges]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`edge_index.max() + 1`)
        num_val (int or float, optional): The validation share or count.
            (default: :obj:`0.05`)
        num_test (int or float, optional): The test share or count.
            (default: :obj:`0.1`)
        is_undirected (bool, optional): Treat :obj:`(u, v)` and :obj:`(v, u)`
            as one edge. (default: :obj:`True`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    Raises:
        ValueError: For malformed input, when no edge would be left for
            training, or when the graph has too few non-edges.

    :rtype: :class:`EdgeSplit`

    Examples:
        >>> edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
        >>> split = split_edges(edge_index, 5, num_val=1, num_test=1)
        >>> split.train_pos_edge_index.size(), split.test_neg_edge_index.size()
        (torch.Size([2, 2]), torch.Size([2, 1]))
    """
    split = _split_ids(
        edge_index, num_nodes, num_val, num_test, is_undirected, generator
    )
    n_val, n_held = split.num_val, split.num_val + split.num_test
    train = _positives(split, n_held)
    return EdgeSplit(
        train_pos_edge_index=_both_ways(train, is_undirected),
        val_pos_edge_index=_positives(split, 0, n_val),
        val_neg_edge_index=_pairs_of(split, split.neg[:n_val]),
        test_pos_edge_index=_positives(split, n_val, n_held),
        test_neg_edge_index=_pairs_of(split, split.neg[n_val:]),
        num_nodes=split.num_nodes,
    )


def _train_negatives(split: _Split, generator: Optional[torch.Generator]) -> Tensor:
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
    return _pairs_of(split, ids)


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
        split = _split_ids(
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
        train = _positives(split, n_held)
        val = _positives(split, 0, n_val)
        train_mp = _both_ways(train, self.is_undirected)
        test_mp = _both_ways(torch.cat([train, val], dim=1), self.is_undirected)
        train_neg = None
        if self.add_negative_train_samples:
            train_neg = _train_negatives(split, generator)
        return (
            _with_labels(data, train_mp, train, train_neg),
            _with_labels(data, train_mp, val, _pairs_of(split, split.neg[:n_val])),
            _with_labels(
                data,
                test_mp,
                _positives(split, n_val, n_held),
                _pairs_of(split, split.neg[n_val:]),
            ),
        )

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(num_val={self.num_val}, '
            f'num_test={self.num_test})'
        )
