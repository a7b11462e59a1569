r"""The training loop behind ``gvae-ext fit`` for the graph autoencoders.

:func:`fit` takes a PyG :class:`~torch_geometric.data.Data`, splits its edges
with :func:`~gvae_ext.split_edges`, trains a :class:`~gvae_ext.GAE` or
:class:`~gvae_ext.VGAE` and evaluates on the held-out positives and
negatives. Every piece is also usable on its own.

The presets and :class:`~gvae_ext.train.FitConfig` live in
:mod:`gvae_ext.train.config`.
"""

import dataclasses
import math
import statistics
import time
import warnings
from typing import List, Optional

import torch
from torch_geometric.data import Data

from gvae_ext._checks import all_finite
from gvae_ext.datasets import check_data
from gvae_ext.link import EdgeSplit
from gvae_ext.train._build import assemble
from gvae_ext.train._heart_rule import heart_choice
from gvae_ext.train._result import FitResult
from gvae_ext.train._run import _check_config, _Recorder, _Run, num_threads
from gvae_ext.train._threads import ThreadGuard
from gvae_ext.train.auto import below_chance, has_constant_features, plan
from gvae_ext.train.config import FitConfig, default_threads
from gvae_ext.train.presets import ADAPTIVE_PRESETS
from gvae_ext.train.replica import NonFiniteError, Replica


def fit(
    data: Data,
    config: Optional[FitConfig] = None,
    *,
    split: Optional[EdgeSplit] = None,
    progress: bool = False,
) -> FitResult:
    r"""Split ``data``'s edges, train the configured autoencoder and evaluate it.

    Args:
        data (torch_geometric.data.Data): The graph (``edge_index`` with both
            directions of each undirected edge; ``x`` optional -- without it
            identity features are used).
        config (FitConfig, optional): The run's settings.
            (default: :obj:`FitConfig.from_preset()`)
        split (EdgeSplit, optional): A precomputed split; by default
            :func:`~gvae_ext.split_edges` with ``config.seed``.
        progress (bool, optional): Show a progress bar with the loss and the
            validation AUC. (default: :obj:`False`)
    """
    return run_training(data, config, split=split, progress=progress)


def run_training(
    data: Data,
    config: Optional['FitConfig'] = None,
    *,
    split: Optional[EdgeSplit] = None,
    progress: bool = False,
    replica: Optional[Replica] = None,
) -> Optional['FitResult']:
    r"""The loop behind :func:`fit`, run by one :class:`Replica`.

    Torch's global random state (used by dropout and the VGAE's sampling) is
    forked and seeded with ``config.seed`` for the run and restored after it,
    so a caller's own random draws are untouched. The run uses
    ``config.num_threads`` torch threads on the CPU, by default
    :func:`~gvae_ext.train.config.default_threads` of the graph (one below
    1000 nodes, else the CPUs idle when the fit starts), lowered while it
    trains if its epochs slow down
    (:class:`~gvae_ext.train._threads.ThreadGuard`: more threads stall when
    other jobs take the cores); the caller's setting is restored afterwards.
    ``result.timings`` records the starting count (``'num_threads'``) and
    every change (``'thread_steps'``: ``[epoch, threads]`` pairs).

    Returns:
        FitResult: The result on rank 0, :obj:`None` on the other ranks.
    """
    replica = replica or Replica()
    config = _check_config(config)
    check_data(data)
    device = replica.device(config)
    devices = [device] if device.type == 'cuda' else []
    threads = config.num_threads
    if threads is None and device.type == 'cpu':
        threads = default_threads(int(data.num_nodes), int(data.edge_index.size(1)))
    # Lowers an automatic count when epochs slow down (a job took a core).
    guard = ThreadGuard(
        threads,
        active=config.num_threads is None
        and device.type == 'cpu'
        and replica.world_size == 1,
    )
    if has_constant_features(data):
        warnings.warn(
            f"'data.x' is the same for every node (shape {tuple(data.x.shape)}): "
            'such features carry no information about the nodes; for a graph '
            'without features leave x unset (identity features), which on Cora '
            'scores 83.1 test AUC against 70.1 with constant features (GAE, seed 0)',
            stacklevel=3,
        )
    chosen = plan(config, data, world_size=replica.world_size)
    results = []
    with torch.random.fork_rng(devices=devices), num_threads(threads):
        for candidate in chosen.configs:
            # Each candidate trains as it would alone, on the same split.
            result, split = _train_candidate(
                data, candidate, split, replica, progress, guard
            )
            results.append(result)
        if results[0] is not None and _below_chance(chosen, results, split):
            chosen = chosen._replace(
                configs=chosen.configs + [chosen.fallback],
                names=chosen.names + ['masked_mlp'],
                rules=chosen.rules + [_BELOW_CHANCE_RULE],
            )
            result, split = _train_candidate(
                data, chosen.fallback, split, replica, progress, guard
            )
            results.append(result)
    if results[0] is None:  # a torchrun rank other than 0
        return None
    best, extra = _best(results), {}
    if chosen.names == ['masked', 'heart']:  # heart only by a clear margin
        best, extra['margin'] = heart_choice(results, split, data)
    result = results[best]
    result.timings['num_threads'] = threads or torch.get_num_threads()
    result.timings['thread_steps'] = guard.steps
    result.timings['total_seconds'] = sum(r.timings['total_seconds'] for r in results)
    if config.preset in ADAPTIVE_PRESETS:
        result.auto = dict(
            rules=chosen.rules,
            candidates=[
                dict(name=n, **{k: r.metrics[k] for k in _SCORES if k in r.metrics})
                for n, r in zip(chosen.names, results)
            ],
            chosen=chosen.names[best],
            **extra,
        )
    return result


# The validation scores FitResult.auto records per candidate.
_SCORES = ('val_auc', 'val_ap', 'val_mrr')
_BELOW_CHANCE_RULE = (
    'validation AUC below chance (the inner product ranks non-edges first, as '
    'on bipartite or heterophilous graphs): also masked_mlp, the learned pair '
    'decoder'
)


def selection_key(metrics) -> str:
    r"""The validation score candidates are compared by: HeaRT MRR where the runs have it, else AUC."""
    return 'val_mrr' if 'val_mrr' in metrics else 'val_auc'


def _best(results) -> int:
    key = selection_key(results[0].metrics)
    return max(range(len(results)), key=lambda i: results[i].metrics[key])


def _below_chance(chosen, results, split) -> bool:
    # The plan's fallback is trained when its best validation AUC is
    # significantly below 0.5 (gvae_ext.train.auto.below_chance).
    if chosen.fallback is None:
        return False
    val_auc = results[_best(results)].metrics['val_auc']
    num_pos = split.val_pos_edge_label_index.size(1)
    return below_chance(val_auc, num_pos, split.val_neg_edge_label_index.size(1))


def _check_one_process(config, world_size: int) -> None:
    # Ensembles, selection by HeaRT MRR and early stopping run in one process.
    if world_size == 1:
        return
    if config.ensemble > 1:
        raise ValueError(
            "'ensemble' > 1 trains in one process; run it without torchrun "
            f'(got ensemble={config.ensemble}, world size {world_size})'
        )
    if config.selection == 'val_mrr':
        raise ValueError(
            "'selection' 'val_mrr' runs in one process (got world size "
            f'{world_size}); use val_auc with torchrun'
        )
    if config.patience is not None:
        raise ValueError(
            "'patience' stops one process's training; run it without torchrun "
            f'(got world size {world_size})'
        )


def _train_candidate(data, config, split, replica, progress, guard=None):
    r"""Train ``config`` (its ``ensemble`` members) on ``split``; ``(result, split)``."""
    _check_one_process(config, replica.world_size)
    first, results = None, []
    for k in range(config.ensemble):
        member = config
        if config.ensemble > 1:
            member = dataclasses.replace(config, seed=config.member_seed(k), ensemble=1)
        torch.random.manual_seed(member.seed)
        run = _Run(data, member, split, replica)
        split = run.split  # member 0's split (from config.seed) for every member
        if k == 0:  # kept to evaluate the ensemble; the other runs are dropped
            first = run
        results.append(_train(run, progress, guard))
    if len(results) == 1 or results[0] is None:
        return results[0], split
    return _ensemble_result(config, first, results), split


def _ensemble_result(config, run, results) -> FitResult:
    # `run` is member 0's (the split, features and evaluation); each result's
    # model is that member's trained (V)GAE.
    start = time.perf_counter()
    model = assemble(config, [r.model for r in results], run.in_channels)
    metrics, z = run.final_metrics(model)
    timings = dict(results[0].timings)
    timings['total_seconds'] = sum(r.timings['total_seconds'] for r in results) + (
        time.perf_counter() - start
    )
    members = [
        dict(
            seed=r.config.seed,
            val_auc=r.metrics['val_auc'],
            val_ap=r.metrics['val_ap'],
            reported_epoch=r.history['reported_epoch'][0],
        )
        for r in results
    ]
    return FitResult(
        model, config, run.split, metrics, results[0].history, timings,
        z.detach(), members=members,
    )  # fmt: skip


def _train(
    run: _Run, progress: bool, guard: Optional[ThreadGuard] = None
) -> Optional[FitResult]:
    config, replica = run.config, run.replica
    guard = guard or ThreadGuard(None, active=False)
    guard.start()
    lead = replica.rank == 0
    recorder = _Recorder(config)
    epoch_times: List[float] = []
    bar = _progress(config.epochs, progress and lead)
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        t0 = time.perf_counter()
        loss_value = run.epoch()
        _sync(run.device)
        epoch_times.append(time.perf_counter() - t0)
        guard.observe(epoch_times[-1])
        if not (math.isfinite(loss_value) and all_finite(*run.params)):
            # every rank stops, before NaN weights reach the evaluation
            recorder.diverged(epoch, loss_value)
        try:
            # the first head alone (no logstd); the final pass below encodes
            val = run.validate()  # (auc, ap, HeaRT MRR or None)
        except NonFiniteError:
            recorder.diverged(epoch, loss_value)
        if not lead:
            continue
        recorder.record(run.model, epoch, loss_value, *val)
        if bar is not None:
            bar.set_postfix(loss=f'{loss_value:.4f}', val_auc=f'{val[0]:.4f}')
            bar.update(1)
        if recorder.exhausted(epoch):
            break
    if bar is not None:
        bar.close()
    if recorder.best_state is not None:
        run.model.load_state_dict(recorder.best_state)
    replica.share_state(run.model)
    metrics, z = run.final_metrics()  # every rank checks the model is finite
    if not lead:
        return None
    timings = dict(
        median_epoch_seconds=statistics.median(epoch_times),
        total_seconds=time.perf_counter() - start,
        epochs=config.epochs,
        epochs_run=len(epoch_times),
        world_size=replica.world_size,
    )
    history = dict(recorder.history, reported_epoch=[recorder.reported_epoch()])
    return FitResult(
        run.model, config, run.split, metrics, history, timings, z.detach()
    )


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc='fit', unit='epoch', leave=False)


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
