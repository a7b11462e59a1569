r"""Torch-native link-prediction metrics: ROC AUC, AP, Hits@K and MRR.

Everything runs in torch on the device of the inputs (CPU or CUDA); results
are 0-dim ``float64`` tensors on that device. Scores are used as given --
never passed through a sigmoid or clipped -- so probabilities, logits,
integer scores and ``inf`` all rank the same way; only the order matters.
:func:`roc_auc_score` and :func:`average_precision_score` equal
scikit-learn's functions of the same names (ties included), and
:func:`hits_at_k` and :func:`mrr` (from :mod:`gvae_ext.link.hits`) follow the
OGB link-prediction ``Evaluator``.

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

from gvae_ext.link import _ranking
from gvae_ext.link._ranking import UndefinedMetricWarning
from gvae_ext.link.hits import hits_at_k, mrr


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
        pred (torch.Tensor): Scores :obj:`[num_scores]`, as in
            :func:`roc_auc_score`.
        target (torch.Tensor): Binary labels :obj:`[num_scores]`, as in
            :func:`roc_auc_score`.

    Returns:
        A 0-dim ``float64`` tensor, or ``nan`` as in :func:`roc_auc_score`.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> average_precision_score(torch.tensor([0.1, 0.4, 0.35, 0.8]),
        ...                         torch.tensor([0, 0, 1, 1]))
        tensor(0.8333, dtype=torch.float64)
    """
    return _binary(pred, target, need_auc=False, need_ap=True)[1]


def _link(pos_pred, neg_pred, need_auc: bool, need_ap: bool) -> Tuple[Tensor, Tensor]:
    pos_pred = _ranking.check_scores(pos_pred, 'pos_pred')
    neg_pred = _ranking.check_scores(neg_pred, 'neg_pred')
    _ranking.check_link_pair(pos_pred, neg_pred)
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
        pos_pred (torch.Tensor): Scores of the positive pairs :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative pairs :obj:`[num_neg]`.

    Returns:
        The ROC AUC, a 0-dim ``float64`` tensor on the inputs' device.

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
        pos_pred (torch.Tensor): Scores of the positive pairs :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative pairs :obj:`[num_neg]`.

    Returns:
        The average precision, a 0-dim ``float64`` tensor on the inputs' device.

    :rtype: :class:`torch.Tensor`

    Examples:
        >>> link_average_precision(torch.tensor([0.35, 0.8]),
        ...                        torch.tensor([0.1, 0.4]))
        tensor(0.8333, dtype=torch.float64)
    """
    return _link(pos_pred, neg_pred, need_auc=False, need_ap=True)[1]


__all__ = [
    'UndefinedMetricWarning',
    'roc_auc_score',
    'average_precision_score',
    'link_auc_ap',
    'link_roc_auc',
    'link_average_precision',
    'hits_at_k',
    'mrr',
]
