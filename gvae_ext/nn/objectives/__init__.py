r"""Reconstruction objectives of the graph autoencoders, computed from logits.

* :mod:`~gvae_ext.nn.objectives.sampled` -- the positives and as many sampled
  negatives, :math:`O(E)` (PyG's :meth:`~torch_geometric.nn.GAE.recon_loss`),
  fused into one autograd node (or, opt-in, the ranking loss of each
  negative against a positive, :func:`ranking_recon_loss`);
* :mod:`~gvae_ext.nn.objectives.dense` -- Kipf and Welling's full-adjacency
  weighted cross-entropy (or every pair weighted alike), in row chunks;
* :mod:`~gvae_ext.nn.objectives.fastgae` -- the dense loss on the subgraph
  induced by a degree-biased node sample (FastGAE).
"""

from gvae_ext.nn.objectives.dense import (
    DENSE_CHUNK_ELEMENTS,
    DENSE_WEIGHTINGS,
    DenseTargets,
    check_weighting,
    dense_objective,
    dense_recon_loss,
    dense_recon_loss_from_logits,
    dense_targets,
    targets_from_pairs,
)
from gvae_ext.nn.objectives.fastgae import (
    check_alpha,
    degree_biased_sample,
    fastgae_recon_loss,
    induced_targets,
)
from gvae_ext.nn.objectives.sampled import (
    PAIR_CHUNK_ELEMENTS,
    PAIR_LOSSES,
    check_pair_loss,
    pair_logits,
    positive_pair_index,
    ranking_recon_loss,
    sampled_objective,
    sampled_recon_loss,
)

__all__ = [
    'DENSE_CHUNK_ELEMENTS',
    'DENSE_WEIGHTINGS',
    'DenseTargets',
    'check_weighting',
    'dense_targets',
    'targets_from_pairs',
    'dense_recon_loss',
    'dense_recon_loss_from_logits',
    'dense_objective',
    'check_alpha',
    'degree_biased_sample',
    'fastgae_recon_loss',
    'induced_targets',
    'PAIR_CHUNK_ELEMENTS',
    'PAIR_LOSSES',
    'check_pair_loss',
    'pair_logits',
    'positive_pair_index',
    'sampled_objective',
    'sampled_recon_loss',
    'ranking_recon_loss',
]
