r"""Non-neural link-prediction baselines of `"Variational Graph Auto-Encoders" <https://arxiv.org/abs/1611.07308>`_ (Table 1).

Spectral clustering (SC) and DeepWalk, written in torch.

Both read :obj:`edge_index` as a simple undirected graph (direction,
repeated edges and self-loops are ignored), return one embedding row per
node and score a pair by the inner product :math:`\mathbf{z}_i^\top
\mathbf{z}_j` (:func:`score_pairs`), as the paper does.
:func:`evaluate_baseline` runs one baseline on an
:class:`~gvae_ext.link.split.EdgeSplit`.
"""

from gvae_ext.baselines.deepwalk import deepwalk_embedding, random_walks
from gvae_ext.baselines.evaluate import (
    BASELINES,
    baseline_embedding,
    evaluate_baseline,
    score_pairs,
)
from gvae_ext.baselines.spectral import spectral_embedding

__all__ = [
    'baseline_embedding',
    'BASELINES',
    'deepwalk_embedding',
    'evaluate_baseline',
    'random_walks',
    'score_pairs',
    'spectral_embedding',
]
