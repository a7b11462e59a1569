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
11.6); the rule keeps ``'heart'`` for the GAE on all 10 seeds, for the
VGAE (whose ``'heart'`` ranks less well) on 5 (docs/results.md).

``'heart'`` is kept only when it is ahead by more than :data:`Z_MARGIN`
standard errors of the paired per-edge difference of the validation
reciprocal ranks (:func:`heart_choice`). Where neither model ranks the hard
negatives better than chance the two validation MRRs differ by noise, and
``'heart'`` would give up much random-negative AUC for nothing (on the
bag-of-words suite graph, seed 0: 3.87 against 3.86 validation MRR, 13.9
test AUC lost); the masked model is the default's.

The rule needs a graph with node features (``'heart'`` has nothing to
project without them), at most :data:`HEART_NODES` nodes (its objective
grows as :math:`N^2`: about 0.2 s per epoch on Cora's 2708 nodes, one
thread), enough validation pairs to choose by, one model (no ensemble, the
inner-product decoder, not the MLP encoder), full batch and one process.
"""

import math
from typing import Optional

from torch_geometric.data import Data

from gvae_ext._checks import check_fraction_or_count
from gvae_ext.train._features import is_featureless
from gvae_ext.train._heart_val import HeartValidation
from gvae_ext.train._run import _features
from gvae_ext.train.config import FitConfig

HEART_NODES = 5_000
#: Standard errors by which 'heart' must lead the masked model to be kept.
Z_MARGIN = 2.0
#: What :attr:`FitResult.auto` records for the rule.
HEART_RULE = (
    'selection by validation HeaRT MRR, node features: heart (the HeaRT '
    "benchmark's GAE) if its validation MRR leads masked's by more than "
    f'{Z_MARGIN:g} paired standard errors, else masked'
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


def heart_choice(results, split, data: Data) -> tuple[int, dict]:
    r"""Which of ``[masked, heart]`` to keep, and the paired margin that decided it.

    Both candidates' kept models rank the same validation positives against
    the same HeaRT negatives (those their runs selected on); ``'heart'``
    (index 1) is kept when the mean of its reciprocal ranks minus the masked
    model's exceeds :data:`Z_MARGIN` standard errors of that difference.
    """
    masked, heart = results
    x = _features(data)
    x = None if x is None else x.to(masked.embeddings.device)
    val = HeartValidation(split, int(data.num_nodes), x, masked.config.seed + 5)
    rr = [val.reciprocal_ranks(r.model.eval(), r.embeddings) for r in results]
    diff = rr[1] - rr[0]
    n = diff.numel()
    se = float(diff.std()) / math.sqrt(n) if n > 1 else math.inf
    mean = float(diff.mean())
    margin = dict(mrr_diff=mean, se=se, z=Z_MARGIN)
    return (1 if mean > Z_MARGIN * se else 0), margin
