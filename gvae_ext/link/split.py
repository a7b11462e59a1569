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

from typing import NamedTuple, Optional

import torch
from torch import Tensor

from gvae_ext.link._split_core import (
    Count,
    both_ways,
    pairs_of,
    positives,
    split_ids,
)
from gvae_ext.link.transform import LinkSplit


class _EdgeSplitFields(NamedTuple):
    edge_index: Tensor
    val_pos_edge_label_index: Tensor
    val_neg_edge_label_index: Tensor
    test_pos_edge_label_index: Tensor
    test_neg_edge_label_index: Tensor
    num_nodes: int
    train_pos_edge_label_index: Tensor


def _old_name(field: str, note: str = '') -> property:
    r"""A read-only property that returns the field :obj:`field`."""

    def get(self) -> Tensor:
        return getattr(self, field)

    return property(get, doc=f'Old name of :obj:`{field}`{note}.')


class EdgeSplit(_EdgeSplitFields):
    r"""The result of :func:`split_edges`.

    Named like the output of :class:`torch_geometric.transforms.RandomLinkSplit`
    with :obj:`split_labels=True`: :obj:`edge_index` holds the message-passing edges
    and :obj:`{part}_{pos|neg}_edge_label_index` the labelled pairs of each part
    (one column per pair).

    The first six fields keep the order of gvae_ext 0.1, so
    :obj:`EdgeSplit(*six_values)` still works (the training label pairs then
    default to :obj:`edge_index`), and the old names remain as read-only
    aliases: :obj:`train_pos_edge_index` (:obj:`edge_index`),
    :obj:`val_pos_edge_index`, :obj:`val_neg_edge_index`,
    :obj:`test_pos_edge_index` and :obj:`test_neg_edge_index`.

    Attributes:
        edge_index (LongTensor): The training edges, which are also the
            message-passing edges (both directions for undirected graphs),
            shape :obj:`[2, num_train_edges]`.
        val_pos_edge_label_index (LongTensor): Validation edges, one column
            per pair, shape :obj:`[2, num_val]`.
        val_neg_edge_label_index (LongTensor): Validation non-edges.
        test_pos_edge_label_index (LongTensor): Test edges, one column per
            pair, shape :obj:`[2, num_test]`.
        test_neg_edge_label_index (LongTensor): Test non-edges.
        num_nodes (int): The number of nodes.
        train_pos_edge_label_index (LongTensor): The training edges, one
            column per pair (RandomLinkSplit's training
            :obj:`pos_edge_label_index`).
    """

    __slots__ = ()

    def __new__(
        cls,
        edge_index: Tensor,
        val_pos_edge_label_index: Tensor,
        val_neg_edge_label_index: Tensor,
        test_pos_edge_label_index: Tensor,
        test_neg_edge_label_index: Tensor,
        num_nodes: int,
        train_pos_edge_label_index: Optional[Tensor] = None,
    ) -> 'EdgeSplit':
        r"""Build the split; :obj:`train_pos_edge_label_index` defaults to :obj:`edge_index`."""
        if train_pos_edge_label_index is None:
            train_pos_edge_label_index = edge_index
        return super().__new__(
            cls,
            edge_index,
            val_pos_edge_label_index,
            val_neg_edge_label_index,
            test_pos_edge_label_index,
            test_neg_edge_label_index,
            num_nodes,
            train_pos_edge_label_index,
        )

    @classmethod
    def from_official(cls, split) -> 'EdgeSplit':
        r"""An :class:`EdgeSplit` of a dataset's official split.

        E.g. the :class:`~gvae_ext.datasets.ogb.OGBLinkSplit` of
        :func:`~gvae_ext.datasets.ogb.load_ogbl`: its training edges, made
        simple and undirected (both directions, no repeats, no self-loops), pass
        messages; the validation and test pairs are kept as given.

        Args:
            split: An object with :obj:`train_pos_edge_index`,
                :obj:`{val,test}_{pos,neg}_edge_index` (each
                :obj:`[2, k]`) and :obj:`num_nodes`.

        Returns:
            EdgeSplit: The split.
        """
        train = split.train_pos_edge_index
        n = int(split.num_nodes)
        row, col = train[0], train[1]
        keep = row != col
        low = torch.minimum(row[keep], col[keep])
        high = torch.maximum(row[keep], col[keep])
        ids = torch.unique(low * n + high)
        low, high = ids // n, ids % n
        pairs = torch.stack([low, high])
        return cls(
            torch.cat([pairs, pairs.flip(0)], 1),
            split.val_pos_edge_index,
            split.val_neg_edge_index,
            split.test_pos_edge_index,
            split.test_neg_edge_index,
            n,
            pairs,
        )

    # The old (0.1) field names, read-only aliases of the new ones.
    train_pos_edge_index = _old_name('edge_index', ' (the training edges)')
    val_pos_edge_index = _old_name('val_pos_edge_label_index')
    val_neg_edge_index = _old_name('val_neg_edge_label_index')
    test_pos_edge_index = _old_name('test_pos_edge_label_index')
    test_neg_edge_index = _old_name('test_neg_edge_label_index')


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

    Returns:
        EdgeSplit: The split.

    Examples:
        >>> edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
        >>> split = split_edges(edge_index, 5, num_val=1, num_test=1)
        >>> split.edge_index.size(), split.train_pos_edge_label_index.size()
        (torch.Size([2, 2]), torch.Size([2, 1]))
        >>> split.test_neg_edge_label_index.size()
        torch.Size([2, 1])
    """
    split = split_ids(
        edge_index, num_nodes, num_val, num_test, is_undirected, generator
    )
    n_val, n_held = split.num_val, split.num_val + split.num_test
    train = positives(split, n_held)
    return EdgeSplit(
        edge_index=both_ways(train, is_undirected),
        val_pos_edge_label_index=positives(split, 0, n_val),
        val_neg_edge_label_index=pairs_of(split, split.neg[: split.num_neg_val]),
        test_pos_edge_label_index=positives(split, n_val, n_held),
        test_neg_edge_label_index=pairs_of(split, split.neg[split.num_neg_val :]),
        num_nodes=split.num_nodes,
        train_pos_edge_label_index=train,
    )


def check_held_out(split, subject: str, num_edges: int, shares, official=False):
    r"""Raise :class:`ValueError` when the validation or test split is empty.

    Args:
        split (EdgeSplit): The split.
        subject (str): What the message blames, e.g. ``"'data.edge_index'"``.
        num_edges (int): The graph's undirected edges.
        shares (tuple): ``(num_val, num_test)`` the split was drawn with.
        official (bool, optional): The split is a dataset's official one.
            (default: :obj:`False`)
    """
    for name, share in zip(('val', 'test'), shares):
        if getattr(split, f'{name}_pos_edge_label_index').size(1) > 0:
            continue
        how = (
            f'its official split holds no {name} pair'
            if official
            else f"'num_{name}'={share} of its {num_edges} undirected edges "
            f'leaves no {name} pair; use a larger graph'
        )
        raise ValueError(
            f'{subject} has too few edges for a {name} split: {how} '
            f'(got 0 {name} pairs)'
        )


__all__ = ['EdgeSplit', 'LinkSplit', 'split_edges']
