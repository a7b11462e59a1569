r"""Scoring and evaluating the non-neural baselines on a link split."""

from typing import Any, Callable, Dict

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_positive_int, check_tensor
from gvae_ext.baselines.deepwalk import deepwalk_embedding
from gvae_ext.baselines.spectral import spectral_embedding
from gvae_ext.link.metrics import link_auc_ap

#: The baselines :func:`evaluate_baseline` knows, by name.
BASELINES: Dict[str, Callable[..., Tensor]] = {
    'sc': spectral_embedding,
    'deepwalk': deepwalk_embedding,
}

_SPLIT_FIELDS = (
    'train_pos_edge_index',
    'val_pos_edge_index',
    'val_neg_edge_index',
    'test_pos_edge_index',
    'test_neg_edge_index',
)


def score_pairs(z: Tensor, edge_index: Tensor) -> Tensor:
    r"""Inner-product link scores :math:`\mathbf{z}_i^\top \mathbf{z}_j`.

    Args:
        z (torch.Tensor): Node embeddings :obj:`[num_nodes, dim]`.
        edge_index (LongTensor): The pairs to score :obj:`[2, num_pairs]`.

    :rtype: :class:`torch.Tensor` of shape :obj:`[num_pairs]`

    Examples:
        >>> z = torch.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]])
        >>> score_pairs(z, torch.tensor([[0, 1], [1, 2]]))
        tensor([2., 3.])
    """
    check_tensor(z, 'z')
    if z.dim() != 2:
        raise ValueError(
            f"'z' must be 2-D [num_nodes, dim] (got shape {tuple(z.shape)})"
        )
    check_edge_index(edge_index, z.size(0) if z.size(0) > 0 else None)
    if z.size(0) == 0 and edge_index.numel() > 0:
        raise ValueError("'z' has no rows to score 'edge_index' with (got 0 nodes)")
    if edge_index.device != z.device:
        raise ValueError(
            "'z' and 'edge_index' must be on the same device "
            f'(got {z.device} and {edge_index.device})'
        )
    row, col = edge_index.long()
    return (z[row] * z[col]).sum(-1)


def baseline_embedding(
    name: str, split: Any, num_nodes: int, seed: int = 0, **kwargs
) -> Tensor:
    r"""The embedding of the training graph by the baseline :obj:`name`.

    Args:
        name (str): :obj:`'sc'` or :obj:`'deepwalk'`.
        split (EdgeSplit): The split; only its training edges are used.
        num_nodes (int): The number of nodes.
        seed (int, optional): Seeds a :class:`torch.Generator` on the
            split's device. (default: :obj:`0`)
        **kwargs: Passed on to the embedding function.

    Returns:
        torch.Tensor: The :obj:`[num_nodes, dim]` embedding.
    """
    if name not in BASELINES:
        raise ValueError(f"'name' must be one of {tuple(BASELINES)} (got {name!r})")
    seed = check_positive_int(seed, 'seed', allow_zero=True)
    train = split.train_pos_edge_index
    check_tensor(train, 'split.train_pos_edge_index')
    gen = torch.Generator(device=train.device).manual_seed(seed)
    return BASELINES[name](train, num_nodes, generator=gen, **kwargs)


def evaluate_baseline(
    name: str, split: Any, num_nodes: int, seed: int = 0, **kwargs
) -> Dict[str, float]:
    r"""Embed the training graph with a baseline and score a link split.

    The embedding sees only :obj:`split.train_pos_edge_index`; validation
    and test pairs are scored by :func:`score_pairs` and measured with
    :func:`gvae_ext.link.metrics.link_auc_ap`.

    Args:
        name (str): :obj:`'sc'` (:func:`spectral_embedding`) or
            :obj:`'deepwalk'` (:func:`deepwalk_embedding`).
        split (EdgeSplit): A split with the fields of
            :class:`gvae_ext.link.split.EdgeSplit` (any object with those
            attributes).
        num_nodes (int): The number of nodes.
        seed (int, optional): Seeds a :class:`torch.Generator` on the
            split's device. (default: :obj:`0`)
        **kwargs: Passed on to the embedding function (e.g. :obj:`dim`;
            without it SC uses :obj:`min(128, num_nodes)` dimensions and
            DeepWalk 128).

    Returns:
        A dict with the Python floats :obj:`test_auc`, :obj:`test_ap`,
        :obj:`val_auc` and :obj:`val_ap`.

    :rtype: dict
    """
    if name not in BASELINES:
        raise ValueError(f"'name' must be one of {tuple(BASELINES)} (got {name!r})")
    missing = [f for f in _SPLIT_FIELDS if not hasattr(split, f)]
    if missing:
        raise ValueError(
            f"'split' must have the fields of EdgeSplit (got {type(split).__name__} "
            f'without {", ".join(missing)})'
        )
    z = baseline_embedding(name, split, num_nodes, seed, **kwargs)
    out = {}
    for part in ('test', 'val'):
        pos = score_pairs(z, getattr(split, f'{part}_pos_edge_index'))
        neg = score_pairs(z, getattr(split, f'{part}_neg_edge_index'))
        auc, ap = link_auc_ap(pos, neg)
        out[f'{part}_auc'], out[f'{part}_ap'] = float(auc), float(ap)
    return out
