r"""The named training presets and the CPU-thread rule.

* ``'paper'`` -- Kipf & Welling's protocol exactly: GCN 32 -> 16, no
  dropout, Adam with lr 0.01, 200 epochs, the dense (full-adjacency,
  weighted) reconstruction objective with KL/N, the model of the last epoch.
* ``'tuned'`` -- 0.1's default: GCN 256 -> 64, dropout 0.5 on the input
  features, edge masking 0.5 (the loss reconstructs every training pair),
  the sampled objective, Adam with lr 0.005, 200 epochs, the last epoch.
* ``'masked'`` -- the masked graph autoencoder with the inner-product
  decoder: GCN 128 -> 128 with batch norm and ELU after both layers
  (MaskGAE's encoder), dropout 0.5 between the layers, no input dropout; each
  epoch the encoder propagates over a fresh 30% of the training pairs and the
  loss reconstructs only the 70% it did not see (sampled objective, one
  uniform non-edge per positive), plus a degree-regression side loss (weight
  0.003); Adam with lr 0.01 and weight decay 5e-5, 300 epochs, the epoch
  with the best validation AUC.
* ``'auto'`` (the default) -- ``'masked'`` adapted to the graph and the model
  at fit time (:mod:`gvae_ext.train.auto`): fields the user set are never
  changed.
* ``'ensemble'`` -- ``'auto'`` trained as an ensemble of three members
  (``ensemble=3``, :mod:`gvae_ext.nn.ensemble`; its members train 300
  epochs): about 3.5 times the training time of ``'auto'`` on Cora for a
  better model (docs/results.md).
* ``'heart'`` -- the GAE of the HeaRT benchmark's Cora configuration (Li et
  al., NeurIPS 2023; its ``scripts/hyperparameters/HeaRT_small/cora.sh``):
  one linear GCN layer to 256 channels, the dense objective with every pair
  weighted alike (``dense_weighting='uniform'``), Adam with lr 0.01 and
  weight decay 1e-7, 400 epochs, the epoch with the best validation HeaRT
  MRR. Far ahead of the heuristics under HeaRT, far behind ``'auto'`` under
  random negatives (docs/results.md).
* ``'ablate_*'`` -- ``'tuned'`` with one change each, and ``'masked_*'`` --
  ``'masked'`` with one change each (docs/results.md).
"""

from typing import Any, Callable, Optional

import torch

from gvae_ext._checks import check_positive_int
from gvae_ext.train._threads import cpu_quota, free_threads, idle_cpus

# The model and objective options off: Kipf & Welling's GCN encoder, the
# inner-product decoder, edge masking (when on) reconstructing every pair.
_PLAIN = dict(
    norm='none',
    act='relu',
    out_act=False,
    decoder='inner',
    weight_decay=0.0,
    degree_weight=0.0,
    hard_negatives=0.0,
    hard_weight=0.0,
    mask_kind='edge',
    recon='all',
    ensemble=1,
    num_layers=2,
    dense_weighting='balanced',
    pair_loss='bce',
)

PRESETS: dict[str, dict[str, Any]] = {
    'paper': dict(
        epochs=200,
        lr=0.01,
        hidden_channels=32,
        out_channels=16,
        dropout=0.0,
        input_dropout=0.0,
        edge_mask=0.0,
        objective='dense',
        selection='last',
        **_PLAIN,
    ),
}
# 'tuned' and 'masked' as their changes to 'paper' (same field order).
PRESETS['tuned'] = {
    **PRESETS['paper'],
    **dict(
        lr=0.005,
        hidden_channels=256,
        out_channels=64,
        input_dropout=0.5,
        edge_mask=0.5,
        objective='sampled',
    ),
}
PRESETS['masked'] = {
    **PRESETS['paper'],
    **dict(
        epochs=300,
        hidden_channels=128,
        out_channels=128,
        dropout=0.5,
        edge_mask=0.7,
        objective='sampled',
        selection='val_auc',
        norm='batch',
        act='elu',
        out_act=True,
        weight_decay=5e-5,
        degree_weight=0.003,
        recon='masked',
    ),
}
PRESETS['auto'] = dict(PRESETS['masked'])
DEFAULT_PRESET = 'auto'
# 'auto' as an ensemble of three (gvae_ext.nn.ensemble): better, ~3.5x the time.
PRESETS['ensemble'] = dict(PRESETS['auto'], ensemble=3)
# The HeaRT benchmark's GAE for Cora (one linear GCN layer, every pair of the
# dense objective weighted alike, chosen by validation HeaRT MRR).
PRESETS['heart'] = {
    **PRESETS['paper'],
    **dict(
        epochs=400,
        hidden_channels=256,
        out_channels=256,
        selection='val_mrr',
        weight_decay=1e-7,
        num_layers=1,
        dense_weighting='uniform',
    ),
}
# The presets that gvae_ext.train.auto adapts to the graph at fit time.
ADAPTIVE_PRESETS = ('auto', 'ensemble')

# Ablations of 'tuned' (one change each), as run in docs/results.md.
for _name, _change in {
    'tuned_nomask': dict(edge_mask=0.0),
    'tuned_narrow': dict(hidden_channels=32, out_channels=16),
    'tuned_nofdrop': dict(input_dropout=0.0),
    'tuned_lr01': dict(lr=0.01),
    'tuned_dense': dict(objective='dense'),
}.items():
    PRESETS['ablate_' + _name[6:]] = {**PRESETS['tuned'], **_change}

# Ablations of 'masked' (one change each), as run in docs/results.md.
for _name, _change in {
    'nomask': dict(edge_mask=0.0, recon='all'),
    'reconall': dict(recon='all'),
    'mask05': dict(edge_mask=0.5),
    'path': dict(mask_kind='path'),
    'nonorm': dict(norm='none'),
    'layernorm': dict(norm='layer'),
    'relu': dict(act='relu'),
    'noout': dict(out_act=False),
    'nodrop': dict(dropout=0.0),
    'drop02': dict(dropout=0.2),
    'drop08': dict(dropout=0.8),
    'nodegree': dict(degree_weight=0.0),
    'last': dict(selection='last'),
    'epochs600': dict(epochs=600),
    'narrow': dict(hidden_channels=32, out_channels=16),
    'mlp': dict(decoder='mlp'),
}.items():
    PRESETS['masked_' + _name] = {**PRESETS['masked'], **_change}


# The fields a preset sets, in the order tables and ``overrides`` list them.
PRESET_FIELDS: tuple[str, ...] = tuple(PRESETS[DEFAULT_PRESET])

# Seeds feed torch.Generator.manual_seed (a uint64) as seed + small offsets.

# Below this many nodes a run uses one CPU thread (see default_threads).
PARALLEL_NODES = 1000
# Where the idle CPUs cannot be measured: one thread below both sizes.
SMALL_GRAPH_NODES = 50_000
SMALL_GRAPH_EDGES = 500_000


def default_threads(
    num_nodes: int,
    num_edges: int,
    *,
    probe: Optional[Callable[[], Optional[float]]] = None,
) -> Optional[int]:
    r"""The CPU thread count for a graph run when the user gives none.

    * Fewer than :data:`PARALLEL_NODES` nodes: one thread. An epoch's
      kernels are too small to gain from intra-op threads, and their
      synchronisation costs more than it saves (far more on a busy CPU).
    * Otherwise the CPUs that are idle now
      (:func:`~gvae_ext.train._threads.idle_cpus`, a 0.1 s sample of
      ``/proc/stat`` over this process's CPUs; a CPU counts when at least
      80% of it is idle), at most PyTorch's setting
      (:func:`torch.get_num_threads`, which follows ``OMP_NUM_THREADS``) and
      the cgroup CPU quota, at least one. A second thread trains Cora about
      1.3x faster on an idle 2-core machine, but 2.7x slower when another job
      holds one of the cores, so only free CPUs are taken; and the fit lowers
      the count again if its epochs slow down later
      (:class:`~gvae_ext.train._threads.ThreadGuard`).
    * Where the idle CPUs cannot be read (not Linux): one thread below
      :data:`SMALL_GRAPH_NODES` nodes and :data:`SMALL_GRAPH_EDGES` edges,
      PyTorch's setting (:obj:`None`) above.

    A value the user gives (``--threads``, ``FitConfig.num_threads``) always
    wins over this rule.

    Args:
        num_nodes (int): The number of nodes.
        num_edges (int): The number of columns of ``edge_index`` (both
            directions of an undirected edge count).
        probe (callable, optional): Returns the idle CPUs, or :obj:`None` when
            unknown. (default: :func:`~gvae_ext.train._threads.idle_cpus`)

    Returns:
        The thread count, or :obj:`None` (keep :func:`torch.get_num_threads`).

    Examples:
        >>> default_threads(34, 156)  # karate: one thread, nothing measured
        1
        >>> default_threads(2708, 10556, probe=lambda: 0.9)  # one idle CPU
        1
    """
    num_nodes = check_positive_int(num_nodes, 'num_nodes', allow_zero=True)
    num_edges = check_positive_int(num_edges, 'num_edges', allow_zero=True)
    limit = torch.get_num_threads()
    if num_nodes < PARALLEL_NODES or limit == 1:
        return 1  # nothing to measure when one thread is all there is
    idle = (idle_cpus if probe is None else probe)()
    if idle is None:
        if num_nodes < SMALL_GRAPH_NODES and num_edges < SMALL_GRAPH_EDGES:
            return 1
        return None
    return free_threads(limit, idle, cpu_quota())
