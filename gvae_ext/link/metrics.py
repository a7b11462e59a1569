r"""Torch-native link-prediction metrics: ROC AUC, AP, Hits@K and MRR.

Everything runs in torch on the device of the inputs (CPU or CUDA); results
are 0-dim ``float64`` tensors on that device. Scores are used as given --
never passed through a sigmoid or clipped -- so probabilities, logits,
integer scores and ``inf`` all rank the same way; only the order matters.
:func:`roc_auc_score` and :func:`average_precision_score` equal
scikit-learn's functions of the same names (ties included), and
:func:`hits_at_k` and :func:`mrr` follow the OGB link-prediction
``Evaluator``.

**Input policy.**

* ``(pred, target)`` form (:func:`roc_auc_score`,
  :func:`average_precision_score`): when ``target`` holds no positive or no
  negative, both metrics are undefined; they warn with
  :class:`UndefinedMetricWarning` and return ``nan``. (scikit-learn returns
  ``nan`` for AUC, but ``0.0``/``1.0`` for AP in these cases; a ranking
  metric with one class present carries no information, so gvae_ext treats
  AUC and AP alike.) ``target`` must be bool or integer/float ``0``/``1``.
* ``(pos_pred, neg_pred)`` link form (:func:`link_roc_auc`,
  :func:`link_average_precision`, :func:`link_auc_ap`, :func:`hits_at_k`,
  :func:`mrr`): an empty side raises :class:`ValueError`.
* Everywhere: NaN scores, inputs of the wrong dimension, mismatched lengths
  or shapes and inputs on different devices raise :class:`ValueError`;
  non-tensors raise :class:`TypeError`. ``inf`` and ``-inf`` are legal
  scores. All checks of a call share one host synchronisation (NaN scores
  are found from the two extreme sorted keys, not by a separate pass).

**Cost.** AUC and AP sort the scores once, as integer keys (radix sort),
then walk the sorted order in cache-sized blocks on CPU (one block, one
more host sync, on CUDA). :func:`link_auc_ap` gets both metrics from that
one sort; calling :func:`roc_auc_score` and
:func:`average_precision_score` sorts twice.
"""

import warnings
from typing import Tuple

import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int
from gvae_ext.link import _ranking


class UndefinedMetricWarning(UserWarning):
    r"""Warns that a metric is undefined for its input and a convention was used."""


def _nan(device: torch.device) -> Tensor:
    return torch.full((), float('nan'), dtype=torch.float64, device=device)


def _binary(pred, target, need_auc: bool, need_ap: bool) -> Tuple[Tensor, Tensor]:
    pred = _ranking.check_scores(pred, 'pred')
    target = _ranking.check_target(target, pred)
    label = target if target.dtype == torch.bool else target != 0
    stats = [torch.count_nonzero(label)]
    if target.dtype != torch.bool:
        stats.append(torch.count_nonzero((target != 0) & (target != 1)))
    if pred.numel() > 0:
        keys, perm = _ranking.sort_keys(pred)
        stats += [keys[0].long(), keys[-1].long()]
    stats = torch.stack(stats).tolist()  # the one host sync of the checks
    if pred.numel() > 0 and _ranking.sorted_has_nan(
        stats[-2], stats[-1], _ranking.nan_key_bound(pred)
    ):
        _ranking.check_no_nan(pred=pred)
    if target.dtype != torch.bool and stats[1]:
        bad = target[(target != 0) & (target != 1)][0].item()
        raise ValueError(
            f"'target' must contain only 0 and 1 (got {bad!r} among "
            f'{stats[1]} invalid labels)'
        )
    num_pos = stats[0]
    num_neg = pred.numel() - num_pos
    if num_pos == 0 or num_neg == 0:
        metrics = ' and '.join(
            name for name, need in (('ROC AUC', need_auc), ('AP', need_ap)) if need
        )
        warnings.warn(
            f"{metrics} undefined: 'target' has {num_pos} positives and "
            f'{num_neg} negatives; both classes are needed, returning nan',
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return _nan(pred.device), _nan(pred.device)
    return _ranking.auc_ap_from_sorted(
        keys,
        lambda a, b: label.index_select(0, perm[a:b]),
        num_pos,
        need_auc,
        need_ap,
    )


def roc_auc_score(pred: Tensor, target: Tensor) -> Tensor:
    r"""Area under the ROC curve of scores ``pred`` for binary labels ``target``.

    The probability that a random positive outscores a random negative, with
    ties counted :math:`\frac{1}{2}` (equal to the trapezoidal area under the
    ROC curve and to scikit-learn's ``roc_auc_score``):

    .. math::
        \mathrm{AUC} = \frac{1}{PN} \sum_{i \in \mathcal{P}}
        \sum_{j \in \mathcal{N}} \left( \mathbb{1}[s_i > s_j]
        + \tfrac{1}{2} \mathbb{1}[s_i = s_j] \right)

    Args:
        pred (torch.Tensor): Real-valued scores of shape :obj:`[num_scores]`
            (any float, integer or bool dtype; never transformed).
        target (torch.Tensor): Labels of shape :obj:`[num_scores]`, bool or
            integer/float :obj:`0`/:obj:`1`.

    Returns:
        A 0-dim ``float64`` tensor on the device of ``pred``; ``nan`` with an
        :class:`UndefinedMetricWarning` when only one class is present.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> pred = torch.tensor([0.1, 0.4, 0.35, 0.8])
        >>> target = torch.tensor([0, 0, 1, 1])
        >>> roc_auc_score(pred, target)
        tensor(0.7500, dtype=torch.float64)
    """
    return _binary(pred, target, need_auc=True, need_ap=False)[0]


def average_precision_score(pred: Tensor, target: Tensor) -> Tensor:
    r"""Average precision of scores ``pred`` for binary labels ``target``.

    The non-interpolated step area under the precision-recall curve, with one
    step per distinct threshold (scikit-learn's ``average_precision_score``;
    not the trapezoidal PR-AUC):

    .. math::
        \mathrm{AP} = \sum_n (R_n - R_{n-1}) P_n

    Args:
        pred (torch.Tensor): Real-valued scores of shape :obj:`[num_scores]`
            (any float, integer or bool dtype; never transformed).
        target (torch.Tensor): Labels of shape :obj:`[num_scores]`, bool or
            integer/float :obj:`0`/:obj:`1`.

    Returns:
        A 0-dim ``float64`` tensor on the device of ``pred``; ``nan`` with an
        :class:`UndefinedMetricWarning` when only one class is present.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> pred = torch.tensor([0.1, 0.4, 0.35, 0.8])
        >>> target = torch.tensor([0, 0, 1, 1])
        >>> average_precision_score(pred, target)
        tensor(0.8333, dtype=torch.float64)
    """
    return _binary(pred, target, need_auc=False, need_ap=True)[1]


def _link(pos_pred, neg_pred, need_auc: bool, need_ap: bool) -> Tuple[Tensor, Tensor]:
    pos_pred = _ranking.check_scores(pos_pred, 'pos_pred')
    neg_pred = _ranking.check_scores(neg_pred, 'neg_pred')
    _check_link_pair(pos_pred, neg_pred)
    num_pos = pos_pred.numel()
    keys, perm = _ranking.sort_keys(pos_pred, neg_pred)
    bound = _ranking.nan_key_bound(pos_pred, neg_pred)
    if bound is not None:
        first, last = torch.stack([keys[0].long(), keys[-1].long()]).tolist()
        if _ranking.sorted_has_nan(first, last, bound):
            _ranking.check_no_nan(pos_pred=pos_pred, neg_pred=neg_pred)
    # The concatenation holds the positives first: no label tensor needed.
    return _ranking.auc_ap_from_sorted(
        keys, lambda a, b: perm[a:b] < num_pos, num_pos, need_auc, need_ap
    )


def _check_link_pair(pos_pred: Tensor, neg_pred: Tensor) -> None:
    for name, x in (('pos_pred', pos_pred), ('neg_pred', neg_pred)):
        if x.numel() == 0:
            raise ValueError(
                f"'{name}' must hold at least one score (got shape {tuple(x.shape)})"
            )
    _ranking.check_same_device(pos_pred, neg_pred, 'pos_pred', 'neg_pred')


def link_auc_ap(pos_pred: Tensor, neg_pred: Tensor) -> Tuple[Tensor, Tensor]:
    r"""ROC AUC and average precision of positive vs. negative link scores.

    Equal to :func:`roc_auc_score` and :func:`average_precision_score` on
    ``torch.cat([pos_pred, neg_pred])`` with labels ``1`` then ``0``, but
    both come from one sort and no label tensor is built. This is what
    ``GAE.test`` uses.

    Args:
        pos_pred (torch.Tensor): Scores of the positive pairs,
            :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative pairs,
            :obj:`[num_neg]`.

    Returns:
        ``(auc, ap)``, two 0-dim ``float64`` tensors on the inputs' device.

    :rtype: (:class:`torch.Tensor`, :class:`torch.Tensor`)

    Examples:
        >>> auc, ap = link_auc_ap(torch.tensor([0.35, 0.8]),
        ...                       torch.tensor([0.1, 0.4]))
        >>> float(auc), round(float(ap), 4)
        (0.75, 0.8333)
    """
    return _link(pos_pred, neg_pred, need_auc=True, need_ap=True)


def link_roc_auc(pos_pred: Tensor, neg_pred: Tensor) -> Tensor:
    r"""ROC AUC of positive vs. negative link scores (see :func:`link_auc_ap`).

    Args:
        pos_pred (torch.Tensor): Scores of the positive pairs,
            :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative pairs,
            :obj:`[num_neg]`.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> link_roc_auc(torch.tensor([0.35, 0.8]), torch.tensor([0.1, 0.4]))
        tensor(0.7500, dtype=torch.float64)
    """
    return _link(pos_pred, neg_pred, need_auc=True, need_ap=False)[0]


def link_average_precision(pos_pred: Tensor, neg_pred: Tensor) -> Tensor:
    r"""Average precision of positive vs. negative link scores.

    See :func:`link_auc_ap` and :func:`average_precision_score`.

    Args:
        pos_pred (torch.Tensor): Scores of the positive pairs,
            :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative pairs,
            :obj:`[num_neg]`.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> link_average_precision(torch.tensor([0.35, 0.8]),
        ...                        torch.tensor([0.1, 0.4]))
        tensor(0.8333, dtype=torch.float64)
    """
    return _link(pos_pred, neg_pred, need_auc=False, need_ap=True)[1]


def hits_at_k(pos_pred: Tensor, neg_pred: Tensor, k: int) -> Tensor:
    r"""OGB's Hits@K.

    The share of positives scoring strictly above the :math:`K`-th highest score of
    a shared set of negatives.

    A positive tied with the :math:`K`-th negative does not count as a hit.
    Following OGB's ``Evaluator``, when there are fewer than :math:`K`
    negatives every positive counts as a hit and the result is :obj:`1.0`;
    gvae_ext also warns with :class:`UndefinedMetricWarning` then.

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
    _check_link_pair(pos_pred, neg_pred)
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
    _check_link_pair(pos_pred, neg_pred)
    _ranking.check_no_nan(pos_pred=pos_pred, neg_pred=neg_pred)
    dtype = _ranking.common_dtype(pos_pred, neg_pred)
    pos = pos_pred.to(dtype).unsqueeze(1)
    neg = neg_pred.to(dtype)
    # 2 * rank = #(neg > pos) + #(neg >= pos) + 2, in exact integers.
    twice_rank = (
        torch.count_nonzero(neg > pos, 1) + torch.count_nonzero(neg >= pos, 1) + 2
    )
    return (2.0 / twice_rank.to(torch.float64)).mean()
