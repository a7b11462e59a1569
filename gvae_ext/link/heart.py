r"""Hard negatives and ranking metrics of the HeaRT protocol.

`"Evaluating Graph Neural Networks for Link Prediction: Current Pitfalls and
New Benchmarking" <https://arxiv.org/abs/2306.10453>`_ (Li et al., NeurIPS
2023) replaces the shared random negatives of link prediction with hard
negatives per positive pair :math:`(a, b)`: half of them corrupt the tail
(:math:`(a, c)`), half the head (:math:`(c, b)`), and the candidates
:math:`c` are the ones that graph heuristics rank highest. Each positive is
then ranked against its own negatives (:func:`heart_ranks`,
:func:`heart_metrics`).
"""

from collections.abc import Sequence
from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import (
    check_edge_index,
    check_features,
    check_generator,
    check_positive_int,
)
from gvae_ext.link import _adjacency as adjacency
from gvae_ext.link import _heart_core, _ranking

HEURISTICS = ('cn', 'aa', 'ra', 'ppr', 'cosine')
HITS_KS = (1, 3, 10, 20, 50, 100)
# Elements of one [rows, num_nodes] score block (a few live at once).
_ROW_BUDGET = 2**21


def _check_options(heuristics, merge, x, num_nodes: int) -> tuple[str, ...]:
    if heuristics is None:
        heuristics = ('ra', 'ppr') + (('cosine',) if x is not None else ())
    if isinstance(heuristics, str):
        heuristics = (heuristics,)
    heuristics = tuple(heuristics)
    bad = [h for h in heuristics if h not in HEURISTICS]
    if not heuristics or bad or len(set(heuristics)) != len(heuristics):
        raise ValueError(
            f"'heuristics' must be distinct names among {HEURISTICS} "
            f'(got {heuristics!r})'
        )
    if 'cosine' in heuristics and x is None:
        raise ValueError("'heuristics' includes 'cosine', which needs 'x' (got None)")
    if x is not None:
        check_features(x, num_nodes)
    if merge not in ('min', 'mean'):
        raise ValueError(f"'merge' must be 'min' or 'mean' (got {merge!r})")
    return heuristics


def _check_graphs(edge_index, pos_edge_index, exclude_edge_index, num_nodes) -> int:
    if isinstance(num_nodes, (tuple, list)):
        raise ValueError(f"'num_nodes' must be an int (got {num_nodes!r})")
    n = check_edge_index(edge_index, num_nodes)
    for name, other in (
        ('pos_edge_index', pos_edge_index),
        ('exclude_edge_index', exclude_edge_index),
    ):
        if other is None:
            continue
        n = max(n, check_edge_index(other, num_nodes, name=name))
        if other.device != edge_index.device:
            raise ValueError(
                f"'{name}' must be on the device of 'edge_index' (got {other.device})"
            )
    return n if num_nodes is None else num_nodes


def hard_negatives(
    edge_index: Tensor,
    pos_edge_index: Tensor,
    num_nodes: Optional[int] = None,
    *,
    num_neg: int = 500,
    heuristics: Optional[Sequence[str]] = None,
    merge: str = 'min',
    exclude_edge_index: Optional[Tensor] = None,
    x: Optional[Tensor] = None,
    alpha: float = 0.15,
    tol: float = 1e-6,
    chunk_size: Optional[int] = None,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""HeaRT hard negatives for every positive pair (Li et al., 2023).

    For a positive :math:`(a, b)`, :math:`\lceil K/2 \rceil` negatives
    :math:`(a, c)` corrupt the tail and :math:`\lfloor K/2 \rfloor`
    negatives :math:`(c, b)` the head. Every heuristic scores all
    candidate pairs on the graph :obj:`edge_index` (the training graph):
    :obj:`'ra'` resource allocation, :obj:`'cn'` common neighbours,
    :obj:`'aa'` Adamic-Adar, :obj:`'ppr'` approximate personalised PageRank
    :math:`\pi_a(c)` resp. :math:`\pi_c(b)` and :obj:`'cosine'` the cosine
    of the rows of :obj:`x`. Each heuristic ranks the candidates with a
    positive score (competition ranks: ties share the best rank); the ranks
    are merged by their minimum or mean (a candidate a heuristic does not
    score counts as last for it), and the :math:`K/2` best merged ranks win.
    Ties, and the candidates no heuristic scores (the random top-up when too
    few are scored), are ordered uniformly at random.

    A candidate is never the node itself, nor a pair of :obj:`edge_index`,
    :obj:`exclude_edge_index` or :obj:`pos_edge_index` (in either
    direction): pass the training and validation edges as
    :obj:`exclude_edge_index` for test positives. Work is chunked over the
    positives: :math:`O(\text{chunk} \cdot N)` memory and time per chunk
    plus :math:`O(P K + E)`.

    Args:
        edge_index (torch.Tensor): The graph the heuristics run on,
            :obj:`[2, num_edges]`, read as simple and undirected.
        pos_edge_index (torch.Tensor): The positives :obj:`[2, num_pos]`.
        num_nodes (int, optional): The number of nodes.
            (default: :obj:`max index + 1`, at least the rows of :obj:`x`)
        num_neg (int, optional): Negatives per positive :math:`K`.
            (default: :obj:`500`)
        heuristics (Sequence[str], optional): Names among :obj:`'cn'`,
            :obj:`'aa'`, :obj:`'ra'`, :obj:`'ppr'`, :obj:`'cosine'`.
            (default: :obj:`('ra', 'ppr')`, plus :obj:`'cosine'` when
            :obj:`x` is given)
        merge (str, optional): :obj:`'min'` or :obj:`'mean'` of the ranks.
            (default: :obj:`'min'`)
        exclude_edge_index (torch.Tensor, optional): More true edges that
            must not be negatives, :obj:`[2, num_excluded]`.
            (default: :obj:`None`)
        x (torch.Tensor, optional): Node features :obj:`[num_nodes, F]`
            (dense or sparse) for :obj:`'cosine'`. (default: :obj:`None`)
        alpha (float, optional): PPR restart probability.
            (default: :obj:`0.15`)
        tol (float, optional): PPR :math:`\ell_1` error bound.
            (default: :obj:`1e-6`)
        chunk_size (int, optional): Positives per chunk.
            (default: about :math:`2^{20} / N`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`; the same seed and
            :obj:`chunk_size` give the same negatives. (default: :obj:`None`)

    Returns:
        LongTensor :obj:`[num_pos, num_neg, 2]`: row :obj:`i` holds the
        negatives of positive :obj:`i` as ``(head, tail)`` pairs, first the
        tail corruptions ``(a, c)`` then the head corruptions ``(c, b)``,
        each half hardest first. Score them as
        :obj:`neg.view(-1, 2).t()` and reshape to :obj:`[num_pos, num_neg]`.

    Raises:
        ValueError: For malformed input, or when a positive has fewer
            eligible candidates than its half of :obj:`num_neg`.

    :rtype: :class:`torch.Tensor`
    """
    n = _check_graphs(edge_index, pos_edge_index, exclude_edge_index, num_nodes)
    if num_nodes is None and isinstance(x, Tensor) and x.dim() == 2:
        n = max(n, x.size(0))  # trailing nodes without any edge
    num_neg = check_positive_int(num_neg, 'num_neg')
    names = _check_options(heuristics, merge, x, n)
    if x is not None and x.device != edge_index.device:
        raise ValueError(f"'x' must be on the device of 'edge_index' (got {x.device})")
    check_generator(generator, device=edge_index.device)
    ctx = dict(
        alpha=adjacency.check_open_unit(alpha, 'alpha'),
        tol=adjacency.check_open_unit(tol, 'tol'),
        merge=merge,
        names=names,
        sizes=((num_neg + 1) // 2, num_neg // 2),
    )
    if chunk_size is None:
        chunk_size = max(1, _ROW_BUDGET // (2 * max(n, 1)))
    chunk_size = check_positive_int(chunk_size, 'chunk_size')
    ctx['adj'] = adjacency.undirected_adjacency(edge_index, n)
    ctx['excluded'] = adjacency.union_adjacency(
        n, edge_index, exclude_edge_index, pos_edge_index
    )
    if 'cosine' in names:
        ctx['feats'] = adjacency.FeatureRows(x)
    pos = pos_edge_index.long()
    out = pos.new_empty(pos.size(1), num_neg, 2)
    for s in range(0, pos.size(1), chunk_size):
        out[s : s + chunk_size] = _heart_core.chunk_negatives(
            ctx, pos[:, s : s + chunk_size], generator
        )
    return out


def heart_ranks(pos_score: Tensor, neg_score: Tensor) -> Tensor:
    r"""The rank of every positive among its own negatives, ties averaged.

    As OGB ranks them: :math:`r_i = 1 + \frac{1}{2}(|\{j : n_{ij} > p_i\}| +
    |\{j : n_{ij} \geq p_i\}|)`.

    Args:
        pos_score (torch.Tensor): Scores of the positives :obj:`[num_pos]`.
        neg_score (torch.Tensor): Scores of each positive's negatives
            :obj:`[num_pos, num_neg]`.

    Returns:
        ``float64`` ranks :obj:`[num_pos]` (multiples of :math:`\frac12`).

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> heart_ranks(torch.tensor([0.9, 0.5]),
        ...             torch.tensor([[0.1, 0.2], [0.7, 0.5]]))
        tensor([1.0000, 2.5000], dtype=torch.float64)
    """
    pos = _ranking.check_scores(pos_score, 'pos_score')
    neg = _ranking.check_scores(neg_score, 'neg_score', dim=2)
    if neg.size(0) != pos.numel() or neg.size(1) == 0:
        raise ValueError(
            "'neg_score' must have one non-empty row per score in 'pos_score' "
            f'(got shape {tuple(neg.shape)} for {pos.numel()} positives)'
        )
    _ranking.check_same_device(pos, neg, 'pos_score', 'neg_score')
    _ranking.check_no_nan(pos_score=pos, neg_score=neg)
    dtype = _ranking.common_dtype(pos, neg)
    pos, neg = pos.to(dtype).unsqueeze(1), neg.to(dtype)
    twice = torch.count_nonzero(neg > pos, 1) + torch.count_nonzero(neg >= pos, 1)
    return twice.to(torch.float64) / 2 + 1


def heart_metrics(
    pos_score: Tensor, neg_score: Tensor, ks: Sequence[int] = HITS_KS
) -> dict[str, float]:
    r"""MRR and Hits@K of positives ranked against their own negatives.

    With the ranks :math:`r_i` of :func:`heart_ranks`,
    :math:`\mathrm{MRR} = \frac{1}{P} \sum_i 1 / r_i` and
    :math:`\mathrm{Hits@}K = \frac{1}{P} |\{i : r_i \leq K\}|`, as HeaRT
    and OGB's ``ogbl-citation2`` compute them.

    Args:
        pos_score (torch.Tensor): Scores of the positives :obj:`[num_pos]`.
        neg_score (torch.Tensor): Scores of each positive's negatives
            :obj:`[num_pos, num_neg]`.
        ks (Sequence[int], optional): The cut-offs :math:`K`.
            (default: :obj:`(1, 3, 10, 20, 50, 100)`)

    Returns:
        A dict of Python floats: :obj:`'mrr'` and :obj:`'hits@K'` per
        :math:`K`.

    :rtype: :class:`dict`

    Examples:
        >>> heart_metrics(torch.tensor([0.9, 0.5]),
        ...               torch.tensor([[0.1, 0.2], [0.7, 0.5]]), ks=(1, 3))
        {'mrr': 0.7, 'hits@1': 0.5, 'hits@3': 1.0}
    """
    ks = [check_positive_int(k, 'ks') for k in ks]
    rank = heart_ranks(pos_score, neg_score)
    if rank.numel() == 0:
        raise ValueError("'pos_score' must hold at least one score (got 0)")
    out = {'mrr': (1.0 / rank).mean()}
    out.update({f'hits@{k}': (rank <= k).to(torch.float64).mean() for k in ks})
    return dict(zip(out, torch.stack(list(out.values())).tolist()))


__all__ = ['hard_negatives', 'heart_ranks', 'heart_metrics']
