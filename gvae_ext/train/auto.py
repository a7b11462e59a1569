r"""The ``'auto'`` preset: the default adapted to the graph and the model.

``'auto'`` holds the values of ``'masked'``
(:mod:`gvae_ext.train.presets`). At fit time :func:`plan` applies these
rules, each only to fields the user left at the preset's value (a field in
:attr:`FitConfig.overrides` is never changed):

* **variational models** (``vgae``, ``vgae_mlp``): dropout 0.2 instead of
  0.5 -- the reparameterisation noise already regularises (Cora, seeds 0-2:
  VGAE 95.2 / 95.7 test AUC / AP with 0.2 against 94.3 / 94.6 with 0.5);
* **graphs with node features** of more than :data:`SMALL_NODES` nodes (and
  not large), full-batch GCN models with the inner-product decoder (not
  mini-batches, the MLP encoder or the learned decoder): for one model (not
  an ensemble) :data:`FEATURE_EPOCHS` epochs instead of 300 (a time-budget
  rule: Cora's test scores did not move, 95.15 / 95.53 VGAE and 95.37 /
  95.73 GAE over seeds 0-9 against 95.17 / 95.56 and 95.36 / 95.76 at 300;
  featureless graphs and the MLP-encoder VGAE lose 0.4 AUC at 250 and keep
  300); and for a VGAE or an ensemble of them, selected by validation AUC,
  the ranking loss :data:`RANKING_LOSS` (each masked training pair against a
  sampled non-edge, :func:`~gvae_ext.nn.objectives.ranking_recon_loss`)
  instead of the cross-entropy: ahead or level on Cora and four suite
  graphs, where the GAE lost 0.5 AUC on a bag-of-words graph; on sparse
  (bag-of-words) features also input dropout :data:`RANKING_INPUT_DROPOUT`
  (chosen among 0 to 0.4 by Cora's validation AUC; on dense coordinates it
  cost 2.2 AUC; docs/results.md);
* **large graphs** (more than :data:`LARGE_NODES` nodes or
  :data:`LARGE_EDGES` edges): GCN 32 -> 16, Kipf & Welling's width, so that
  a full-batch epoch fits in a few GiB and stays several times faster than
  PyG's example (``benchmarks/scale.py``);
* **small graphs** (at most :data:`SMALL_NODES` nodes, full batch, one
  process): model selection on the validation edges among
  :data:`CANDIDATES` -- the adapted ``'masked'`` config, Kipf & Welling's
  ``'paper'`` protocol and 0.1's ``'tuned'`` default -- trained on the same
  split; the one with the best validation AUC is returned. On such graphs a
  fit takes a second or less, so the three cost about as much as one fit of
  a mid-sized graph, and the test edges are never looked at. With fewer than
  :data:`MIN_VAL_PAIRS` validation pairs a choice would be noise: the standard
  error of such a validation AUC (about 0.04 at AUC 0.9 with 25 positive and
  25 negative pairs, Hanley and McNeil's formula) is larger than the usual gap
  between the candidates, and the masked candidate's best epoch, picked on
  the same pairs, flatters it (on the 126-node ``miles`` graph of
  ``scripts/real_graphs.py``, 26 validation pairs, the selection lost 2.0 test
  AUC to the paper protocol over 10 seeds; the ensemble below is +0.2). So
  such a graph trains Kipf & Welling's ``'paper'``
  protocol, the established choice for tiny graphs, as an ensemble of
  :data:`TINY_ENSEMBLE` members (:mod:`gvae_ext.nn.ensemble`: the mean of
  their logits; a few seconds at most on such a graph), which evens out the
  large seed-to-seed spread of a single small model.

* **featureless graphs** (no ``x``, or one-hot node ids: :func:`is_featureless`)
  of more than :data:`SMALL_NODES` nodes that are not large (full batch, one
  process): model selection on the validation edges between the adapted
  ``'masked'`` config and Kipf & Welling's ``'paper'`` protocol as an
  ensemble of :data:`FEATURELESS_ENSEMBLE`. Neither wins everywhere without
  features: on featureless Cora the paper ensemble scores +2.4 AUC over the
  masked model, on a Holme-Kim power-law graph the masked model +9.2 over the
  paper ensemble (10 seeds, docs/results/suite.md). Up to
  :data:`FEATURELESS_NODES` nodes the paper members keep their dense
  objective; above, where it grows as N², they train the sampled objective
  for :data:`SAMPLED_EPOCHS` epochs (PyG's example's schedule; candidate
  ``'paper_sampled'``): on the 5086-node word graph of
  ``scripts/real_graphs.py`` that candidate scored 93.9 AUC against the masked
  model's 92.2 (seeds 0-2) in a third of its time. With fewer than
  :data:`MIN_VAL_PAIRS` validation pairs (at the default 5%, a graph of fewer
  than 1000 edges) there is no choosing: the paper ensemble is trained alone,
  for the reason given for small graphs.

* **the learned pair decoder** (``decoder='mlp'``, set by the user) on a graph
  with features, not large, full batch, with :data:`MIN_VAL_PAIRS` validation
  pairs: the better by validation AUC of the two-layer encoder and
  :data:`LEARNED_DECODER` (MaskGAE's one layer: +1.9 AUC on Cora, −15 on a
  power-law graph with noise features; docs/results.md).
* **HeaRT's selection** (``selection='val_mrr'`` alone set, features): ``'heart'``
  if clearly ahead of ``'masked'`` in validation MRR (:mod:`~gvae_ext.train._heart_rule`).

* **below chance** (any graph of the rules above but the large ones): when
  the chosen candidate's validation AUC is significantly below 0.5
  (:func:`below_chance`), the adapted ``'masked'`` config with the learned
  pair decoder (``decoder='mlp'``, candidate ``'masked_mlp'``) is trained too
  and the better by validation AUC is kept.

``'ensemble'`` is ``'auto'`` with ``ensemble=3`` and the same rules but the
250-epoch one (its members train 300 epochs); every candidate of a selection
is then an ensemble of three.

The result records what was chosen and why (:attr:`FitResult.auto`: the
rules applied, every candidate's validation AUC / AP and the chosen one).
"""

import dataclasses
from typing import Any, NamedTuple, Optional

from torch_geometric.data import Data

from gvae_ext._checks import check_fraction_or_count
from gvae_ext.train._auto_checks import (
    BELOW_CHANCE_Z,
    below_chance,
    full_batch_gcn,
    ranking,
)
from gvae_ext.train._auto_checks import free as _free
from gvae_ext.train._features import (
    has_constant_features,
    has_sparse_features,
    is_featureless,
)
from gvae_ext.train._heart_rule import HEART_RULE, heart_candidate
from gvae_ext.train.config import FitConfig
from gvae_ext.train.presets import ADAPTIVE_PRESETS, PRESETS

SMALL_NODES = 1_000
LARGE_NODES = 100_000
LARGE_EDGES = 2_000_000
VARIATIONAL_DROPOUT = 0.2
CANDIDATES = ('masked', 'paper', 'tuned')
MIN_VAL_PAIRS = 50
TINY_ENSEMBLE = 5
FEATURELESS_NODES = 5_000
FEATURELESS_ENSEMBLE = 3
SAMPLED_EPOCHS = 400
FEATURE_EPOCHS = 250
#: The loss of a VGAE on a graph with features (module doc).
RANKING_LOSS = 'bpr'
RANKING_INPUT_DROPOUT = 0.2
#: The learned decoder's one-layer candidate (MaskGAE's link-prediction encoder).
LEARNED_DECODER = dict(num_layers=1, input_dropout=0.8, epochs=500)


class Plan(NamedTuple):
    r"""The configs :func:`fit` trains and what decided them.

    Attributes:
        configs (list of FitConfig): One config, or the candidates of a
            model selection (the first is the adapted ``'masked'``).
        names (list of str): A name per config.
        rules (list of str): The rules applied, in words.
        fallback (FitConfig, optional): Trained as one more candidate when
            the best validation AUC is below chance (:func:`below_chance`):
            the adapted ``'masked'`` config with the learned pair decoder.
    """

    configs: list
    names: list
    rules: list
    fallback: Optional[FitConfig] = None


def _set(config: FitConfig, **values) -> FitConfig:
    out = dataclasses.replace(config)
    for name, value in values.items():
        setattr(out, name, value)  # overrides then lists the adapted field
    return out


def plan(config: FitConfig, data: Data, *, world_size: int = 1) -> Plan:
    r"""Resolve an ``'auto'`` config for :obj:`data`.

    Args:
        config (FitConfig): The run's config; other presets pass through.
        data (torch_geometric.data.Data): The graph.
        world_size (int, optional): Processes of the run; model selection
            needs one. (default: :obj:`1`)

    Returns:
        Plan: The configs to train. The adapted configs keep
        ``preset='auto'`` and list the fields the rules changed in their
        ``overrides``.
    """
    if config.preset not in ADAPTIVE_PRESETS:
        return Plan([config], [config.preset], [])
    num_nodes, num_edges = int(data.num_nodes), int(data.edge_index.size(1))
    changes: dict[str, Any] = {}
    rules = []
    if config.variational and _free(config, 'dropout'):
        changes['dropout'] = VARIATIONAL_DROPOUT
        rules.append(f'variational model: dropout {VARIATIONAL_DROPOUT}')
    large = num_nodes > LARGE_NODES or num_edges > LARGE_EDGES
    gcn = not large and num_nodes > SMALL_NODES and full_batch_gcn(config, data)
    short = gcn and config.ensemble == 1 and _free(config, 'epochs')
    if short:
        changes['epochs'] = FEATURE_EPOCHS
        rules.append(
            f'node features, more than {SMALL_NODES} nodes: {FEATURE_EPOCHS} epochs'
        )
    ranked = gcn and ranking(config)
    if ranked:
        changes['pair_loss'] = RANKING_LOSS
        rules.append(f'variational model, node features: the {RANKING_LOSS!r} loss')
        if has_sparse_features(data) and _free(config, 'input_dropout'):
            changes['input_dropout'] = RANKING_INPUT_DROPOUT
            rules[-1] += f', input dropout {RANKING_INPUT_DROPOUT}'
    if large and _free(config, 'hidden_channels') and _free(config, 'out_channels'):
        changes.update(hidden_channels=32, out_channels=16)
        rules.append(
            f'large graph ({num_nodes} nodes, {num_edges} edges): GCN 32 -> 16'
        )
    adapted = _set(config, **changes)
    adapted.validate()
    learned = _learned_decoder(config, data, large, world_size)
    if learned:
        one_layer = ', '.join(f'{k} {v}' for k, v in learned.items())
        rules.append(f'learned decoder, features: two layers or one ({one_layer})')
        names = ['masked_mlp', 'one_layer_mlp']
        return Plan([adapted, _set(adapted, **learned)], names, rules)
    heart = heart_candidate(config, data, large, world_size, MIN_VAL_PAIRS)
    if heart is not None:
        return Plan([adapted, heart], ['masked', 'heart'], rules + [HEART_RULE])
    one = config.batch_size == 0 and world_size == 1 and not config.overrides
    if large or not one:
        return Plan([adapted], ['masked'], rules)
    chosen = _select(adapted, config, data, num_nodes, num_edges, rules)
    if adapted.decoder == 'mlp':
        return chosen
    # the learned decoder's fallback keeps the preset's schedule, loss and
    # input dropout (the rules' values were measured for the inner product)
    kept = ('epochs', 'pair_loss', 'input_dropout')
    schedule = {name: getattr(config, name) for name in kept if name in changes}
    return chosen._replace(fallback=_set(adapted, decoder='mlp', **schedule))


def _learned_decoder(
    config: FitConfig, data: Data, large: bool, world_size: int
) -> dict:
    # The free fields of LEARNED_DECODER where the choice applies (module doc).
    pairs = int(data.edge_index.size(1)) // 2
    if config.decoder != 'mlp' or large or config.batch_size or world_size > 1:
        return {}
    if config.model.endswith('_mlp') or is_featureless(data):
        return {}
    if check_fraction_or_count(config.num_val, 'num_val', total=pairs) < MIN_VAL_PAIRS:
        return {}
    free = {k: v for k, v in LEARNED_DECODER.items() if _free(config, k)}
    return free if 'num_layers' in free else {}


def _select(
    adapted: FitConfig, config: FitConfig, data: Data, num_nodes, num_edges, rules
) -> Plan:
    val_pairs = check_fraction_or_count(config.num_val, 'num_val', total=num_edges // 2)
    if num_nodes > SMALL_NODES:
        if is_featureless(data):
            return _featureless(adapted, config, num_nodes, val_pairs, rules)
        return Plan([adapted], ['masked'], rules)
    if val_pairs < MIN_VAL_PAIRS:
        rules.append(
            f'small graph ({num_nodes} nodes) with {val_pairs} validation pairs, '
            f'too few to choose by: the paper protocol, an ensemble of '
            f'{TINY_ENSEMBLE}'
        )
        return Plan([_candidate('paper', config, TINY_ENSEMBLE)], ['paper'], rules)
    rules.append(
        f'small graph ({num_nodes} nodes): the best validation AUC of '
        f'{", ".join(CANDIDATES)}'
    )
    configs = [adapted] + [_candidate(name, config) for name in CANDIDATES[1:]]
    return Plan(configs, list(CANDIDATES), rules)


def _featureless(
    adapted: FitConfig, config: FitConfig, num_nodes: int, val_pairs: int, rules
) -> Plan:
    # The masked model against the paper protocol as an ensemble: with its
    # dense objective up to FEATURELESS_NODES nodes, sampled above (O(E)).
    # Too few validation pairs to choose by: the paper ensemble alone.
    ensemble = max(FEATURELESS_ENSEMBLE, config.ensemble)
    if num_nodes <= min(FEATURELESS_NODES, config.max_dense_nodes):
        name, how = 'paper', ''
        paper = _candidate('paper', config, ensemble)
    else:
        name, how = 'paper_sampled', ' (sampled objective)'
        paper = _candidate(
            'paper', config, ensemble, objective='sampled', epochs=SAMPLED_EPOCHS
        )
    if val_pairs < MIN_VAL_PAIRS:
        rules.append(
            f'featureless graph ({num_nodes} nodes) with {val_pairs} validation '
            f'pairs, too few to choose by: the paper protocol{how} as an '
            f'ensemble of {ensemble}'
        )
        return Plan([paper], [name], rules)
    rules.append(
        f'featureless graph ({num_nodes} nodes): the best validation AUC of '
        f'masked and the paper protocol{how} as an ensemble of {ensemble}'
    )
    return Plan([adapted, paper], ['masked', name], rules)


def _candidate(name: str, config: FitConfig, ensemble: int = 0, **changes) -> FitConfig:
    # By default a candidate has the config's ensemble size ('ensemble': three).
    values = dict(PRESETS[name], model=config.model, seed=config.seed)
    values['ensemble'] = ensemble or config.ensemble
    values.update(changes)
    keep = ('device', 'num_val', 'num_test', 'num_threads', 'max_dense_nodes')
    values.update({k: getattr(config, k) for k in keep})
    return FitConfig.from_preset(name, **values)


__all__ = [
    'Plan',
    'plan',
    'CANDIDATES',
    'SMALL_NODES',
    'LARGE_NODES',
    'LARGE_EDGES',
    'MIN_VAL_PAIRS',
    'TINY_ENSEMBLE',
    'FEATURELESS_NODES',
    'FEATURELESS_ENSEMBLE',
    'SAMPLED_EPOCHS',
    'FEATURE_EPOCHS',
    'RANKING_LOSS',
    'RANKING_INPUT_DROPOUT',
    'BELOW_CHANCE_Z',
    'LEARNED_DECODER',
    'below_chance',
    'is_featureless',
    'has_constant_features',
]
