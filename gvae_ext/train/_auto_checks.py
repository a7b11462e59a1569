r"""Checks of :mod:`gvae_ext.train.auto`'s rules (private; ``below_chance`` is public there)."""

import math

from torch_geometric.data import Data

from gvae_ext.train._features import is_featureless
from gvae_ext.train.config import FitConfig

BELOW_CHANCE_Z = 2.0


def below_chance(val_auc: float, num_pos: int, num_neg: int) -> bool:
    r"""Whether :obj:`val_auc` lies significantly below chance (0.5).

    More than :data:`BELOW_CHANCE_Z` standard errors below 0.5, with the
    variance of the Mann-Whitney AUC of :obj:`num_pos` against
    :obj:`num_neg` scores when the two are alike, :math:`(n_+ + n_- + 1) /
    (12 n_+ n_-)`. An inner-product decoder scores a pair by the similarity
    of its ends, so on a bipartite or heterophilous graph (a star, users
    and items) it ranks the non-edges first: on a 200-node star its test AUC
    was 0.0 and the learned pair decoder's 1.0 (seed 0). The threshold is
    below 0 for one validation pair (never met), 0.22 for 9 against 9 pairs
    and 0.38 for 50 against 50.
    """
    if num_pos < 1 or num_neg < 1:
        return False
    se = math.sqrt((num_pos + num_neg + 1) / (12 * num_pos * num_neg))
    return val_auc < 0.5 - BELOW_CHANCE_Z * se


def free(config: FitConfig, name: str) -> bool:
    r"""Whether the user left field :obj:`name` to the preset (a rule may change it)."""
    return name not in config.overrides


def full_batch_gcn(config: FitConfig, data: Data) -> bool:
    # Full-batch GCN models with the inner-product decoder (what was
    # measured) on a graph with features; the caller checks the size.
    return (
        config.batch_size == 0
        and config.decoder == 'inner'
        and not config.model.endswith('_mlp')
        and not is_featureless(data)
    )


def ranking(config: FitConfig) -> bool:
    # The VGAE under the selection it was measured with (validation AUC); the
    # GAE lost 0.5 AUC with it on the bag-of-words suite graph (auto's doc).
    return (
        config.variational
        and config.objective == 'sampled'
        and config.selection == 'val_auc'
        and free(config, 'pair_loss')
    )


__all__ = ['BELOW_CHANCE_Z', 'below_chance', 'free', 'full_batch_gcn', 'ranking']
