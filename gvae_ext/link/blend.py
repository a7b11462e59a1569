r"""A model's pair scores blended with a link heuristic, weighted on validation pairs.

An inner-product autoencoder scores a pair by how alike its two ends are;
the hardest non-edges (HeaRT's, :func:`~gvae_ext.link.hard_negatives`) are
alike too -- two-hop pairs with many common neighbours -- and resource
allocation tells them from edges better than the embedding does. A
:class:`HeuristicBlend` adds the two signals:

.. math::
    s'(a, b) = \frac{s(a, b)}{\sigma} + w \, \log\bigl(1 + h(a, b)\bigr),

with :math:`s` the model's score (a logit), :math:`\sigma` its standard
deviation over the validation pairs (so that one grid of weights suits every
model), :math:`h` a heuristic on the **training** graph (:obj:`'ra'`
resource allocation, :obj:`'aa'` Adamic-Adar or :obj:`'cn'` common
neighbours) and :math:`w \geq 0` the weight of :data:`BLEND_WEIGHTS` with the
best validation AUC (the smallest one on a tie; :math:`w = 0` is the model
alone). The test pairs are never looked at.

It is an opt-in, post-hoc combination of two scorers (as an ensemble is),
not the inner-product decoder: ``model.decode`` is unchanged.
"""

import math
from typing import Callable, Optional, Sequence

import torch
from torch import Tensor

from gvae_ext._checks import all_finite, check_edge_index
from gvae_ext.link import _adjacency as adjacency
from gvae_ext.link.heuristics import _neighbor_score
from gvae_ext.link.metrics import link_auc_ap

#: The heuristics a model can be blended with.
BLEND_HEURISTICS = ('ra', 'aa', 'cn')
#: The candidate weights: 0 (the model alone) and 2^-4 ... 2^10.
BLEND_WEIGHTS = (0.0,) + tuple(2.0**k for k in range(-4, 11))


def _check_pairs(pairs, name: str, num_nodes: Optional[int]) -> int:
    # The node count the pairs imply (num_nodes when given), as check_edge_index.
    n = check_edge_index(pairs, num_nodes, name=name)
    if pairs.size(1) == 0:
        raise ValueError(f"'{name}' must hold at least one pair (got shape [2, 0])")
    return n


def _check_weights(weights) -> tuple[float, ...]:
    try:
        values = tuple(float(w) for w in weights)
    except (TypeError, ValueError):
        values = ()
    if not values or not all(math.isfinite(w) and w >= 0 for w in values):
        raise ValueError(
            f"'weights' must be one or more finite numbers >= 0 (got {weights!r})"
        )
    return tuple(sorted(set(values)))


class HeuristicBlend:
    r"""A pair scorer: :math:`s(a, b) / \sigma + w \log(1 + h(a, b))`.

    Build it with :func:`blend_heuristic`, which chooses :obj:`weight` on
    validation pairs.

    Args:
        score (callable): The model's scorer, pairs :obj:`[2, P]` to
            :obj:`[P]` logits.
        edge_index (torch.Tensor): The training graph :obj:`[2, E]`.
        num_nodes (int): The number of nodes.
        heuristic (str): One of :data:`BLEND_HEURISTICS`.
        weight (float): :math:`w \geq 0`.
        scale (float): :math:`\sigma > 0`.

    Attributes:
        val_auc (dict): The validation AUC of every weight tried
            (:func:`blend_heuristic`), empty otherwise.
        val_ap (dict): The validation AP of every weight tried, likewise.
    """

    def __init__(
        self,
        score: Callable[[Tensor], Tensor],
        edge_index: Tensor,
        num_nodes: int,
        heuristic: str,
        weight: float,
        scale: float,
    ):
        if heuristic not in BLEND_HEURISTICS:
            raise ValueError(
                f"'heuristic' must be one of {BLEND_HEURISTICS} (got {heuristic!r})"
            )
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"'weight' must be a finite number >= 0 (got {weight!r})")
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"'scale' must be a finite number > 0 (got {scale!r})")
        self.num_nodes = check_edge_index(edge_index, num_nodes)
        self.score, self.heuristic = score, heuristic
        self.weight, self.scale = float(weight), float(scale)
        self.val_auc: dict[float, float] = {}
        self.val_ap: dict[float, float] = {}
        self._adj = adjacency.undirected_adjacency(edge_index, self.num_nodes)
        self._device = edge_index.device

    def _check(self, pairs: Tensor) -> Tensor:
        check_edge_index(pairs, self.num_nodes, name='pairs')
        if pairs.device != self._device:
            raise ValueError(
                "'pairs' must be on the training graph's device "
                f'(got {pairs.device} and {self._device})'
            )
        return pairs.long()

    def structure(self, pairs: Tensor) -> Tensor:
        r""":math:`\log(1 + h(a, b))` of every pair, in the default dtype."""
        return self._structure(self._check(pairs))

    def _structure(self, pairs: Tensor) -> Tensor:  # pairs already checked
        raw = _neighbor_score(self._adj, pairs, self.heuristic)
        return torch.log1p(raw).to(torch.get_default_dtype())

    def model_score(self, pairs: Tensor) -> Tensor:
        r"""The model's scores of :obj:`pairs`, checked to be finite."""
        out = self.score(pairs)
        if not isinstance(out, Tensor) or out.shape != (pairs.size(1),):
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out)
            raise ValueError(
                f"'score' must map [2, P] pairs to [P] scores (got {shape} for "
                f'P={pairs.size(1)})'
            )
        if not all_finite(out):
            raise ValueError("'score' returned scores that are NaN or infinite")
        return out

    def __call__(self, pairs: Tensor) -> Tensor:
        r"""The blended scores of :obj:`pairs` :obj:`[2, P]`, :obj:`[P]`."""
        pairs = self._check(pairs)
        base = self.model_score(pairs) / self.scale
        if self.weight == 0:
            return base
        return base + self.weight * self._structure(pairs).to(base.dtype)

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(heuristic={self.heuristic!r}, '
            f'weight={self.weight:g}, scale={self.scale:.4g})'
        )


def blend_heuristic(
    score: Callable[[Tensor], Tensor],
    edge_index: Tensor,
    val_pos_edge_index: Tensor,
    val_neg_edge_index: Tensor,
    num_nodes: Optional[int] = None,
    *,
    heuristic: str = 'ra',
    weights: Optional[Sequence[float]] = None,
) -> HeuristicBlend:
    r"""Blend :obj:`score` with a heuristic, the weight chosen on validation pairs.

    Every weight of :obj:`weights` is tried on the validation positives
    against the validation negatives; the one with the best AUC is kept (the
    smallest on a tie, so a heuristic that does not help leaves the model
    alone).

    Args:
        score (callable): The model's scorer, pairs :obj:`[2, P]` to
            :obj:`[P]` logits, e.g. ``lambda p: model.decoder(z, p,
            sigmoid=False)``.
        edge_index (torch.Tensor): The training (message-passing) graph
            :obj:`[2, E]`, read as undirected; never the held-out edges.
        val_pos_edge_index (torch.Tensor): Validation edges :obj:`[2, P]`.
        val_neg_edge_index (torch.Tensor): Validation non-edges.
        num_nodes (int, optional): The number of nodes.
            (default: inferred from the indices)
        heuristic (str, optional): One of :data:`BLEND_HEURISTICS`.
            (default: :obj:`'ra'`)
        weights (sequence of float, optional): The candidate weights.
            (default: :data:`BLEND_WEIGHTS`)

    Returns:
        HeuristicBlend: The blended scorer; its :obj:`val_auc` and
        :obj:`val_ap` hold the validation AUC and AP of every weight.

    Examples:
        >>> split = split_edges(data.edge_index, data.num_nodes)
        >>> result = fit(data, split=split)
        >>> blend = blend_heuristic(
        ...     lambda p: result.model.decoder(result.embeddings, p, sigmoid=False),
        ...     split.edge_index, split.val_pos_edge_label_index,
        ...     split.val_neg_edge_label_index, data.num_nodes)
        >>> scores = blend(split.test_pos_edge_label_index)
    """
    if not callable(score):
        raise ValueError(f"'score' must be callable (got {type(score).__name__})")
    pos, neg = val_pos_edge_index, val_neg_edge_index
    n = max(
        check_edge_index(edge_index, num_nodes),
        _check_pairs(pos, 'val_pos_edge_index', num_nodes),
        _check_pairs(neg, 'val_neg_edge_index', num_nodes),
    )
    candidates = BLEND_WEIGHTS if weights is None else _check_weights(weights)
    blend = HeuristicBlend(score, edge_index, n, heuristic, 0.0, 1.0)
    with torch.no_grad():
        pos_score, neg_score = blend.model_score(pos), blend.model_score(neg)
        spread = float(torch.cat([pos_score, neg_score]).double().std())
        blend.scale = spread if math.isfinite(spread) and spread > 0 else 1.0
        pos_h, neg_h = blend.structure(pos), blend.structure(neg)
        best = -math.inf
        for w in candidates:
            auc, ap = link_auc_ap(
                pos_score / blend.scale + w * pos_h.to(pos_score.dtype),
                neg_score / blend.scale + w * neg_h.to(neg_score.dtype),
            )
            blend.val_auc[w], blend.val_ap[w] = float(auc), float(ap)
            if float(auc) > best:
                best, blend.weight = float(auc), w
    return blend


def blend_split(
    score: Callable[[Tensor], Tensor],
    split,
    num_nodes: Optional[int] = None,
    *,
    heuristic: str = 'ra',
    weights: Optional[Sequence[float]] = None,
) -> HeuristicBlend:
    r""":func:`blend_heuristic` on a split: its training graph and validation pairs.

    Args:
        score (callable): The model's scorer, as in :func:`blend_heuristic`.
        split (EdgeSplit): A :func:`~gvae_ext.link.split_edges` split (its
            :obj:`edge_index`, :obj:`val_pos_edge_label_index` and
            :obj:`val_neg_edge_label_index` are used).
        num_nodes (int, optional): As in :func:`blend_heuristic`.
        heuristic (str, optional): As in :func:`blend_heuristic`.
            (default: :obj:`'ra'`)
        weights (sequence of float, optional): As in
            :func:`blend_heuristic`.

    Returns:
        HeuristicBlend: The blended scorer.
    """
    return blend_heuristic(
        score,
        split.edge_index,
        split.val_pos_edge_label_index,
        split.val_neg_edge_label_index,
        num_nodes,
        heuristic=heuristic,
        weights=weights,
    )


__all__ = [
    'BLEND_HEURISTICS',
    'BLEND_WEIGHTS',
    'HeuristicBlend',
    'blend_heuristic',
    'blend_split',
]
