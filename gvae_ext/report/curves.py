r"""ROC and precision-recall curve points, computed in torch.

Scores are sorted once; every distinct score is a threshold, and the
cumulative true/false positive counts at the thresholds give both curves.
Ties are never split, so the trapezoidal area under the ROC points is the
ROC AUC with ties counted one half, and the PR points give the
(non-interpolated) average precision.
"""

from typing import Tuple

import torch
from torch import Tensor

from gvae_ext.link.metrics import link_auc_ap


def _curve_counts(pos_pred: Tensor, neg_pred: Tensor) -> Tuple[Tensor, Tensor]:
    r"""Cumulative true/false positives at each distinct threshold.

    The scores are sorted in decreasing order; a threshold is every distinct
    score, and ``tps[t]``/``fps[t]`` count the positives/negatives scoring at
    least the ``t``-th highest distinct score.
    """
    link_auc_ap(pos_pred, neg_pred)  # validation: shapes, NaN, empty sides
    score = torch.cat([pos_pred.detach().double(), neg_pred.detach().double()])
    label = torch.zeros(score.numel(), dtype=torch.float64, device=score.device)
    label[: pos_pred.numel()] = 1.0
    score, order = torch.sort(score, descending=True, stable=True)
    label = label[order]
    # Last position of every group of tied scores.
    last = torch.ones_like(score, dtype=torch.bool)
    last[:-1] = score[1:] != score[:-1]
    tps = torch.cumsum(label, 0)[last]
    fps = torch.cumsum(1.0 - label, 0)[last]
    return tps, fps


def roc_curve_points(pos_pred: Tensor, neg_pred: Tensor) -> Tuple[Tensor, Tensor]:
    r"""Points of the ROC curve of positive vs. negative link scores.

    One point per distinct score (threshold), in decreasing threshold order,
    preceded by :math:`(0, 0)`; the last point is :math:`(1, 1)`. The
    trapezoidal area under these points equals the ROC AUC with ties counted
    one half.

    Args:
        pos_pred (torch.Tensor): Scores of the positive pairs :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative pairs :obj:`[num_neg]`.

    Returns:
        ``(fpr, tpr)``, two ``float64`` tensors on the inputs' device.

    :rtype: (:class:`torch.Tensor`, :class:`torch.Tensor`)

    Examples:
        >>> fpr, tpr = roc_curve_points(torch.tensor([0.9, 0.4]),
        ...                             torch.tensor([0.4, 0.1]))
        >>> fpr.tolist(), tpr.tolist()
        ([0.0, 0.0, 0.5, 1.0], [0.0, 0.5, 1.0, 1.0])
    """
    tps, fps = _curve_counts(pos_pred, neg_pred)
    zero = tps.new_zeros(1)
    fpr = torch.cat([zero, fps / fps[-1]])
    tpr = torch.cat([zero, tps / tps[-1]])
    return fpr, tpr


def pr_curve_points(pos_pred: Tensor, neg_pred: Tensor) -> Tuple[Tensor, Tensor]:
    r"""Points of the precision-recall curve of link scores.

    One point per distinct score, in decreasing threshold order (increasing
    recall), preceded by :math:`(R, P) = (0, 1)` as in scikit-learn. The
    average precision is :math:`\sum_n (R_n - R_{n-1}) P_n` over these points.

    Args:
        pos_pred (torch.Tensor): As in :func:`roc_curve_points`.
        neg_pred (torch.Tensor): As in :func:`roc_curve_points`.

    Returns:
        ``(precision, recall)``, two ``float64`` tensors on the inputs' device.

    :rtype: (:class:`torch.Tensor`, :class:`torch.Tensor`)

    Examples:
        >>> precision, recall = pr_curve_points(torch.tensor([0.9, 0.4]),
        ...                                     torch.tensor([0.4, 0.1]))
        >>> [round(p, 4) for p in precision.tolist()], recall.tolist()
        ([1.0, 1.0, 0.6667, 0.5], [0.0, 0.5, 1.0, 1.0])
    """
    tps, fps = _curve_counts(pos_pred, neg_pred)
    precision = torch.cat([tps.new_ones(1), tps / (tps + fps)])
    recall = torch.cat([tps.new_zeros(1), tps / tps[-1]])
    return precision, recall
