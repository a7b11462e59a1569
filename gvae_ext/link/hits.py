r"""OGB's ranking metrics for link prediction: Hits@K and MRR.

Torch-native like the rest of :mod:`gvae_ext.link.metrics` (which re-exports
both): 0-dim ``float64`` results on the inputs' device, scores used as given,
NaN scores and empty inputs rejected with :class:`ValueError`.
"""

import warnings

import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int
from gvae_ext.link import _ranking
from gvae_ext.link._ranking import UndefinedMetricWarning


def hits_at_k(pos_pred: Tensor, neg_pred: Tensor, k: int) -> Tensor:
    r"""OGB's Hits@K.

    The share of positives scoring strictly above the :math:`K`-th highest score of
    a shared set of negatives.

    A positive tied with the :math:`K`-th negative does not count as a hit.
    Following OGB's ``Evaluator``, when there are fewer than :math:`K`
    negatives (but at least one) every positive counts as a hit and the
    result is :obj:`1.0`; gvae_ext also warns with
    :class:`UndefinedMetricWarning` then. No negatives at all (or no
    positives) raises :class:`ValueError`.

    Args:
        pos_pred (torch.Tensor): Scores of the positive pairs,
            :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative pairs, shared by all
            positives, :obj:`[num_neg]`.
        k (int): The cut-off :math:`K \geq 1`.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> hits_at_k(torch.tensor([0.9, 0.5, 0.3]),
        ...           torch.tensor([0.8, 0.5, 0.1]), k=2)
        tensor(0.3333, dtype=torch.float64)
    """
    pos_pred = _ranking.check_scores(pos_pred, 'pos_pred')
    neg_pred = _ranking.check_scores(neg_pred, 'neg_pred')
    k = check_positive_int(k, 'k')
    _ranking.check_link_pair(pos_pred, neg_pred)
    _ranking.check_no_nan(pos_pred=pos_pred, neg_pred=neg_pred)
    if neg_pred.numel() < k:
        warnings.warn(
            f"Hits@{k} with only {neg_pred.numel()} negatives in 'neg_pred': "
            'returning 1.0 (the OGB convention)',
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return torch.ones((), dtype=torch.float64, device=pos_pred.device)
    dtype = _ranking.common_dtype(pos_pred, neg_pred)
    kth = torch.topk(neg_pred.to(dtype), k).values[-1]
    hits = torch.count_nonzero(pos_pred.to(dtype) > kth)
    return hits.to(torch.float64) / pos_pred.numel()


def mrr(pos_pred: Tensor, neg_pred: Tensor) -> Tensor:
    r"""OGB's mean reciprocal rank of each positive among its own negatives.

    Positive :math:`i` is ranked against row :math:`i` of ``neg_pred`` with
    OGB's tie rule (the mean of the optimistic and the pessimistic rank):

    .. math::
        r_i = 1 + \tfrac{1}{2} \left( |\{j : n_{ij} > p_i\}|
        + |\{j : n_{ij} \geq p_i\}| \right), \qquad
        \mathrm{MRR} = \frac{1}{P} \sum_i \frac{1}{r_i}

    Args:
        pos_pred (torch.Tensor): Scores of the positive pairs,
            :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of each positive's negatives,
            :obj:`[num_pos, num_neg]`.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> mrr(torch.tensor([0.9, 0.5]),
        ...     torch.tensor([[0.1, 0.2], [0.7, 0.5]]))
        tensor(0.7000, dtype=torch.float64)
    """
    pos_pred = _ranking.check_scores(pos_pred, 'pos_pred')
    neg_pred = _ranking.check_scores(neg_pred, 'neg_pred', dim=2)
    if neg_pred.size(0) != pos_pred.numel():
        raise ValueError(
            "'neg_pred' must have one row per score in 'pos_pred' "
            f'(got {neg_pred.size(0)} rows for {pos_pred.numel()} positives)'
        )
    _ranking.check_link_pair(pos_pred, neg_pred)
    _ranking.check_no_nan(pos_pred=pos_pred, neg_pred=neg_pred)
    dtype = _ranking.common_dtype(pos_pred, neg_pred)
    pos = pos_pred.to(dtype).unsqueeze(1)
    neg = neg_pred.to(dtype)
    # 2 * rank = #(neg > pos) + #(neg >= pos) + 2, in exact integers.
    twice_rank = (
        torch.count_nonzero(neg > pos, 1) + torch.count_nonzero(neg >= pos, 1) + 2
    )
    return (2.0 / twice_rank.to(torch.float64)).mean()


__all__ = ['hits_at_k', 'mrr']
