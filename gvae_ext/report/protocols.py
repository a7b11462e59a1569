r"""Evaluation protocols of ``gvae-ext bench --protocol``.

Every bench row is reduced to a pair scorer (higher = more likely an edge),
which each protocol then measures on the same split:

* ``'random'`` -- Kipf & Welling's: test AUC / AP of the test positives
  against as many random non-edges (:func:`~gvae_ext.link.link_auc_ap`).
* ``'heart'`` -- HeaRT (Li et al., NeurIPS 2023): every test positive ranked
  against its own :data:`HEART_NEGATIVES` hard negatives (fewer on a graph
  too small for them, with a warning)
  (:func:`~gvae_ext.link.hard_negatives` on the training graph, resource
  allocation and personalised PageRank rankings merged by their minimum,
  training and validation edges filtered); MRR and Hits@{1, 3, 10, 20, 50,
  100} with ties counted as OGB does (:func:`~gvae_ext.link.heart_metrics`).
* ``'ogb'`` -- OGB's two ranking metrics on the random split: Hits@{20, 50,
  100} of the test positives against the shared random test negatives (as
  ogbl-collab / ddi / ppa count them, :func:`~gvae_ext.link.hits_at_k`), and
  MRR against :data:`OGB_MRR_NEGATIVES` random tails per positive (as
  ogbl-citation2 draws them).

The heuristic rows (``cn``, ``aa``, ``ra``, ``ppr``) score pairs on the
training graph with :mod:`gvae_ext.link.heuristics`.
"""

import warnings
from typing import Callable, Optional

import torch
from torch import Tensor

from gvae_ext.link import (
    adamic_adar,
    common_neighbors,
    hard_negatives,
    heart_metrics,
    hits_at_k,
    link_auc_ap,
    personalized_pagerank,
    resource_allocation,
)
from gvae_ext.link._adjacency import least_room

PROTOCOLS = ('random', 'heart', 'ogb')
HEART_NEGATIVES = 500
HEART_KS = (1, 3, 10, 20, 50, 100)
OGB_HITS = (20, 50, 100)
OGB_MRR_NEGATIVES = 1000

#: Pair heuristics usable as bench rows, by name.
HEURISTICS: dict[str, Callable] = {
    'cn': common_neighbors,
    'aa': adamic_adar,
    'ra': resource_allocation,
    'ppr': personalized_pagerank,
}

Scorer = Callable[[Tensor], Tensor]


def check_protocols(protocols) -> tuple[str, ...]:
    r"""Return :obj:`protocols` as a tuple of known names, at least one.

    Args:
        protocols (sequence of str): Names from :data:`PROTOCOLS`.

    Returns:
        The names, in the order given, without repeats.
    """
    names = tuple(dict.fromkeys(protocols or ()))
    bad = [p for p in names if p not in PROTOCOLS]
    if not names or bad:
        raise ValueError(
            f"'protocol' must be one or more of {PROTOCOLS} (got {protocols!r})"
        )
    return names


def heuristic_scorer(name: str, split) -> Scorer:
    r"""A pair scorer for the heuristic :obj:`name` on the training graph.

    Args:
        name (str): A key of :data:`HEURISTICS`.
        split (EdgeSplit): The split; its :obj:`edge_index` is the graph.

    Returns:
        A function from pairs :obj:`[2, P]` to scores :obj:`[P]`.
    """
    fn = HEURISTICS[name]
    graph, n = split.edge_index, split.num_nodes
    return lambda pairs: fn(graph, pairs, n)


class HeartCache:
    r"""HeaRT negatives of each (dataset, seed), drawn once per bench.

    Args:
        num_neg (int, optional): Negatives per positive.
            (default: :data:`HEART_NEGATIVES`)
    """

    def __init__(self, num_neg: int = HEART_NEGATIVES):
        self.num_neg = num_neg
        self._store: dict = {}

    def negatives(self, key, split, seed: int, x: Optional[Tensor] = None) -> Tensor:
        r"""The :obj:`[P, num_neg, 2]` HeaRT negatives of the test positives.

        Args:
            key: Identifies the split (e.g. ``(dataset, seed)``).
            split (EdgeSplit): The split.
            seed (int): Seeds the random top-up.
            x (torch.Tensor, optional): Node features for the cosine ranking.

        Returns:
            The negatives, each row :obj:`(head, tail)`.
        """
        if key not in self._store:
            train = split.edge_index
            exclude = torch.cat([train, split.val_pos_edge_label_index], 1)
            pos = split.test_pos_edge_label_index
            self._store[key] = hard_negatives(
                train,
                pos,
                split.num_nodes,
                num_neg=_fitting_num_neg(self.num_neg, exclude, pos, split.num_nodes),
                exclude_edge_index=exclude,
                x=x,
                generator=torch.Generator(device=train.device).manual_seed(seed),
            )
        return self._store[key]


def _fitting_num_neg(num_neg: int, exclude: Tensor, pos: Tensor, n: int) -> int:
    # Each side of a positive needs num_neg / 2 candidates: nodes that are
    # neither its fixed end nor linked to it (training, validation or test
    # edges, as hard_negatives excludes them). A small graph has fewer; take
    # twice the smallest room then, and say so.
    if pos.numel() == 0:
        return num_neg
    least, node = least_room(n, pos, exclude)
    if least < 1:
        raise ValueError(
            f'HeaRT needs a non-neighbour for every end of a test edge, but node '
            f'{node} is linked to every other node (training, validation and test '
            f'edges; got a graph of {n} nodes); use --protocol random,ogb'
        )
    if 2 * least >= num_neg:
        return num_neg
    warnings.warn(
        f'HeaRT: {2 * least} negatives per test edge instead of {num_neg}: the '
        f'graph ({n} nodes) has no more candidates for some test edges',
        stacklevel=3,
    )
    return 2 * least


def _ogb_metrics(
    score: Scorer, split, seed: int, pos_score: Tensor, neg_score: Tensor
) -> dict[str, float]:
    pos = split.test_pos_edge_label_index
    out = {f'ogb_hits@{k}': float(hits_at_k(pos_score, neg_score, k)) for k in OGB_HITS}
    gen = torch.Generator(device=pos.device).manual_seed(seed)
    tails = torch.randint(
        split.num_nodes,
        (pos.size(1), OGB_MRR_NEGATIVES),
        generator=gen,
        device=pos.device,
    )
    heads = pos[0].view(-1, 1).expand_as(tails)
    pairs = torch.stack([heads.reshape(-1), tails.reshape(-1)])
    ranked = heart_metrics(pos_score, score(pairs).view(tails.shape), ks=())
    out['ogb_mrr'] = ranked['mrr']
    return out


def evaluate(
    score: Scorer,
    split,
    protocols,
    *,
    seed: int,
    heart: Optional[HeartCache] = None,
    heart_key=None,
    x: Optional[Tensor] = None,
) -> dict[str, float]:
    r"""The metrics of every protocol for one scorer on one split.

    Args:
        score (callable): Pairs :obj:`[2, P]` to scores :obj:`[P]`.
        split (EdgeSplit): The split (test positives and random negatives).
        protocols (sequence of str): Names from :data:`PROTOCOLS`.
        seed (int): Seeds the protocols' random draws.
        heart (HeartCache, optional): Where HeaRT negatives are kept.
        heart_key (optional): The split's key in :obj:`heart`.
        x (torch.Tensor, optional): Node features (HeaRT's cosine ranking).

    Returns:
        ``test_auc``/``test_ap`` (random), ``heart_mrr``/``heart_hits@K``
        and ``ogb_hits@K``/``ogb_mrr``, as Python floats.
    """
    out: dict[str, float] = {}
    protocols = check_protocols(protocols)
    with torch.no_grad():
        # Every protocol ranks the same test positives; random and OGB's
        # Hits@K share the random test negatives: each is scored once.
        pos_score = score(split.test_pos_edge_label_index)
        shared = None
        if 'random' in protocols or 'ogb' in protocols:
            shared = score(split.test_neg_edge_label_index)
        for protocol in protocols:
            if protocol == 'random':
                auc, ap = link_auc_ap(pos_score, shared)
                out.update(test_auc=float(auc), test_ap=float(ap))
            elif protocol == 'heart':
                cache = heart or HeartCache()
                neg = cache.negatives(heart_key, split, seed, x)
                flat = neg.reshape(-1, 2).t()
                neg_score = score(flat).view(neg.shape[:2])
                metrics = heart_metrics(pos_score, neg_score, ks=HEART_KS)
                out.update({f'heart_{k}': float(v) for k, v in metrics.items()})
            else:
                out.update(_ogb_metrics(score, split, seed, pos_score, shared))
    return out


__all__ = [
    'PROTOCOLS',
    'HEURISTICS',
    'HEART_NEGATIVES',
    'HeartCache',
    'check_protocols',
    'heuristic_scorer',
    'evaluate',
]
