r"""``'auto'`` under HeaRT's selection (private to :mod:`gvae_ext.train.auto`).

When the user asks for ``selection='val_mrr'`` -- keep the model that ranks
the validation edges best against their own HeaRT hard negatives -- and
leaves every other preset field to ``'auto'``, the configuration is chosen
the way the HeaRT benchmark chooses its hyperparameters: by that same
validation MRR. The candidates are the adapted ``'masked'`` config and
``'heart'``, the HeaRT benchmark's own GAE for Cora (one linear GCN layer to
256 channels, the dense objective with every pair weighted alike:
:mod:`gvae_ext.train.presets`). The two rank differently: on Cora (10 seeds)
the masked GAE chosen by validation MRR scores a test HeaRT MRR of 11.5 at
92.2 random-negative AUC, ``'heart'`` 15.4 at 86.8 (resource allocation:
11.6), and the validation MRR prefers ``'heart'`` on every seed
(docs/results.md).

The rule needs a graph with node features (``'heart'`` has nothing to
project without them), at most :data:`HEART_NODES` nodes (its objective
grows as :math:`N^2`: about 0.2 s per epoch on Cora's 2708 nodes, one
thread), enough validation pairs to choose by, one model (no ensemble, the
inner-product decoder, not the MLP encoder), full batch and one process.
"""

from typing import Optional

from torch_geometric.data import Data

from gvae_ext._checks import check_fraction_or_count
from gvae_ext.train._features import is_featureless
from gvae_ext.train.config import FitConfig

HEART_NODES = 5_000
#: What :attr:`FitResult.auto` records for the rule.
HEART_RULE = (
    'selection by validation HeaRT MRR, node features: the better of masked '
    "and heart (the HeaRT benchmark's GAE) by validation MRR"
)


def heart_candidate(
    config: FitConfig, data: Data, large: bool, world_size: int, min_val_pairs: int
) -> Optional[FitConfig]:
    r"""The ``'heart'`` candidate of an ``'auto'`` fit, or :obj:`None` where the rule does not apply."""
    if config.selection != 'val_mrr' or set(config.overrides) != {'selection'}:
        return None
    if large or config.batch_size or world_size > 1 or config.ensemble != 1:
        return None
    if config.model.endswith('_mlp') or config.decoder != 'inner':
        return None
    num_nodes = int(data.num_nodes)
    if num_nodes > min(HEART_NODES, config.max_dense_nodes) or is_featureless(data):
        return None
    pairs = int(data.edge_index.size(1)) // 2
    if check_fraction_or_count(config.num_val, 'num_val', total=pairs) < min_val_pairs:
        return None
    keep = (
        'device',
        'num_val',
        'num_test',
        'num_threads',
        'max_dense_nodes',
        'patience',
    )
    values = {k: getattr(config, k) for k in keep}
    return FitConfig.from_preset(
        'heart', model=config.model, seed=config.seed, **values
    )
