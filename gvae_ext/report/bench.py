r"""Multi-seed link-prediction benchmarks: ``gvae-ext bench``.

A benchmark is a grid of datasets x rows x seeds. A *row* names a method:

* ``sc``, ``deepwalk`` -- the paper's non-neural baselines;
* ``MODEL[*][@PRESET][:mrr][+HEURISTIC]`` -- a graph autoencoder (``gae``, ``vgae``,
  ``gae_mlp``, ``vgae_mlp``); a ``*`` drops the node features (identity
  features, the paper's GAE*/VGAE*); ``@PRESET`` picks a training preset
  (:data:`gvae_ext.train.PRESETS`; without it the default preset is used);
  ``:mrr`` keeps the epoch with the best validation HeaRT MRR instead of the
  preset's choice (``FitConfig(selection='val_mrr')``, as HeaRT selects its
  models; the run records ``val_mrr``); ``+ra``, ``+aa`` or ``+cn`` blends the trained model's scores with that
  heuristic on the training graph, the weight chosen on the validation pairs
  (:func:`gvae_ext.link.blend_heuristic`; the run records it under ``blend``).

Every run writes ``runs/<dataset>__<row>__<seed>__<hash>.json`` under the
output folder (atomically) as soon as it finishes, so an interrupted bench
resumes where it stopped. The hash covers everything that determines the
result (:func:`run_key`: the spec, the content of the input files, the
absolute ``root``, the row's full configuration and the package version), so
a changed input or configuration runs again instead of reusing a stale
result; a damaged run file is named in a warning and run again. The summary
is written by :mod:`gvae_ext.report.tables` (re-exported here).
"""

import dataclasses
import os
import time
from collections.abc import Iterable, Sequence
from typing import Optional

import torch

from gvae_ext._io import check_output_path, write_json
from gvae_ext.report._rows import (
    BASELINES,
    MAX_SEEDS,
    NUM_TEST,
    NUM_VAL,
    TABLE1_ROWS,
    check_seeds,
    check_split,
    check_unique,
    parse_row,
    parse_seeds,
    row_config,
    row_scorer,
)
from gvae_ext.report._runs import RUNS_DIR, input_digests, read_run, run_path
from gvae_ext.report.protocols import (
    HEURISTICS,
    HeartCache,
    check_protocols,
    evaluate,
)
from gvae_ext.report.tables import PAPER, summarize, to_markdown, write_reports


def _features(data):
    x = getattr(data, 'x', None)
    # HeaRT ranks by feature cosine only where the features are real ones.
    return None if x is None or x.size(1) == data.num_nodes else x


def run_one(
    data,
    dataset: str,
    row: str,
    seed: int,
    device: str = 'cpu',
    *,
    protocols: Sequence[str] = ('random',),
    heart: Optional[HeartCache] = None,
    official=None,
) -> dict:
    r"""Train/evaluate one row on one seed under every protocol.

    Args:
        data (torch_geometric.data.Data): The graph.
        dataset (str): Its spec (recorded in the result).
        row (str): The row (:func:`parse_row`).
        seed (int): Seeds the split, the training and the protocols.
        device (str, optional): The device. (default: :obj:`'cpu'`)
        protocols (sequence of str, optional): Names from
            :data:`~gvae_ext.report.protocols.PROTOCOLS`.
            (default: :obj:`('random',)`)
        heart (HeartCache, optional): Shares HeaRT negatives between rows.
        official (optional): The dataset's official split
            (:func:`~gvae_ext.datasets.load_graph`), used instead of a seeded
            :func:`~gvae_ext.link.split_edges`.

    Returns:
        A JSON-ready dict of the run and its metrics.
    """
    from gvae_ext.link import EdgeSplit, split_edges

    protocols = check_protocols(protocols)
    spec = parse_row(row)
    if official is not None:
        split = EdgeSplit.from_official(official)
    else:
        gen = torch.Generator().manual_seed(seed)
        split = split_edges(
            data.edge_index,
            data.num_nodes,
            num_val=NUM_VAL,
            num_test=NUM_TEST,
            generator=gen,
        )
    check_split(data, dataset, split, official is not None)
    start = time.perf_counter()
    score, metrics = row_scorer(data, split, spec, seed, device)
    if 'random' in protocols and not metrics:
        metrics = evaluate(
            score,
            split._replace(
                test_pos_edge_label_index=split.val_pos_edge_label_index,
                test_neg_edge_label_index=split.val_neg_edge_label_index,
            ),
            ('random',),
            seed=seed,
        )
        metrics = {'val_auc': metrics['test_auc'], 'val_ap': metrics['test_ap']}
    metrics.update(
        evaluate(
            score,
            split,
            protocols,
            seed=seed,
            heart=heart,
            heart_key=(dataset, seed),
            x=_features(data),
        )
    )
    return dict(
        dataset=dataset,
        row=row,
        seed=seed,
        seconds=time.perf_counter() - start,
        **metrics,
    )


def run_key(
    dataset: str,
    row: str,
    seed: int,
    *,
    root=None,
    features=None,
    device: str = 'cpu',
    protocols: Sequence[str] = ('random',),
) -> dict:
    r"""Everything that determines the result of one bench run.

    Args:
        dataset (str): The dataset spec (:func:`gvae_ext.datasets.load_dataset`).
        row (str): The row name (:func:`parse_row`).
        seed (int): The seed.
        root (str, optional): The data folder. (default: :obj:`None`)
        features (str, optional): The features file of an edge list.
            (default: :obj:`None`)
        device (str, optional): The device. (default: :obj:`'cpu'`)
        protocols (sequence of str, optional): The evaluation protocols.
            (default: :obj:`('random',)`)

    Returns:
        A JSON-ready dict: the spec, row, seed, protocols, the absolute ``root``, the
        SHA-256 of every input file, the row's full training configuration and
        the package version.
    """
    from gvae_ext import __version__

    spec = parse_row(row)
    if spec['model'] in BASELINES or spec['model'] in HEURISTICS:
        config: dict = dict(model=spec['model'])
    else:
        config = dataclasses.asdict(row_config(spec, seed, device))
        config['featureless'] = spec['featureless']
    return dict(
        dataset=dataset,
        row=row,
        seed=int(seed),
        protocols=list(check_protocols(protocols)),
        root=None if root is None else os.path.abspath(os.fspath(root)),
        inputs=input_digests(dataset, root, features),
        config=config,
        version=__version__,
    )


def _check_names(values: Sequence[str], name: str) -> list[str]:
    if isinstance(values, str):
        raise ValueError(f"'{name}' must be a list of names (got {values!r})")
    values = list(values)
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(
            f"'{name}' must hold at least one non-empty name (got {values})"
        )
    check_unique(values, name, values)
    return values


def run_grid(
    datasets: Sequence[str],
    rows: Sequence[str],
    seeds: Iterable[int],
    out_dir: str,
    *,
    root: Optional[str] = None,
    features: Optional[str] = None,
    device: str = 'cpu',
    progress: bool = True,
    protocols: Sequence[str] = ('random',),
) -> list[dict]:
    r"""Run every (dataset, row, seed) not already on disk; return all runs.

    A run is looked up under ``out_dir/runs/`` by :func:`run_key`, so a
    changed input file, ``root``, configuration or package version runs
    again; a damaged run file is named in a warning and run again. Every run
    file is written atomically as soon as the run finishes.

    Args:
        datasets (list of str): Dataset specs, at least one.
        rows (list of str): Row names, at least one.
        seeds (iterable of int): The seeds, at least one.
        out_dir (str): The output folder.
        root (str, optional): The data folder. (default: :obj:`None`)
        features (str, optional): The features of ``edgelist:`` datasets.
            (default: :obj:`None`)
        device (str, optional): The device. (default: :obj:`'cpu'`)
        progress (bool, optional): Show a progress bar. (default: :obj:`True`)
        protocols (sequence of str, optional): The evaluation protocols
            (:mod:`gvae_ext.report.protocols`). (default: :obj:`('random',)`)

    Returns:
        One dict per run (the metrics of :func:`run_one` and the ``key``).
    """
    from gvae_ext.datasets import load_graph

    datasets = _check_names(datasets, 'datasets')
    rows = _check_names(rows, 'rows')
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"'seeds' must hold at least one seed (got {seeds})")
    check_seeds(seeds)
    for row in rows:
        parse_row(row)
    protocols = check_protocols(protocols)
    heart = HeartCache()
    check_output_path(os.path.join(out_dir, RUNS_DIR), 'out_dir', kind='dir')
    jobs = [(d, r, s) for d in datasets for r in rows for s in seeds]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc='bench', unit='run')
    results, cache = [], {}
    for dataset, row, seed in jobs:
        key = run_key(
            dataset,
            row,
            seed,
            root=root,
            features=features,
            device=device,
            protocols=protocols,
        )
        path = run_path(out_dir, key)
        result = read_run(path, key) if os.path.isfile(path) else None
        if result is None:
            if dataset not in cache:
                extra = (
                    {'features': features} if dataset.startswith('edgelist:') else {}
                )
                cache[dataset] = load_graph(dataset, root=root, **extra)
            data, official = cache[dataset]
            result = run_one(
                data,
                dataset,
                row,
                seed,
                device,
                protocols=protocols,
                heart=heart,
                official=official,
            )
            result['key'] = key
            write_json(path, result)
        results.append(result)
        if bar is not None:
            bar.set_postfix(dataset=dataset, row=row, seed=seed)
            bar.update(1)
    if bar is not None:
        bar.close()
    return results


__all__ = [
    'BASELINES',
    'MAX_SEEDS',
    'TABLE1_ROWS',
    'check_unique',
    'parse_seeds',
    'parse_row',
    'run_one',
    'run_key',
    'run_grid',
    'PAPER',
    'summarize',
    'to_markdown',
    'write_reports',
]
