r"""Multi-seed link-prediction benchmarks: ``gvae-ext bench``.

A benchmark is a grid of datasets x rows x seeds. A *row* names a method:

* ``sc``, ``deepwalk`` -- the paper's non-neural baselines;
* ``MODEL[*][@PRESET]`` -- a graph autoencoder (``gae``, ``vgae``, ``gae_mlp``,
  ``vgae_mlp``); a ``*`` drops the node features (identity features, the
  paper's GAE*/VGAE*); ``@PRESET`` picks a training preset
  (:data:`gvae_ext.train.PRESETS`; without it the default preset is used).

Every run writes ``runs/<dataset>__<row>__<seed>__<hash>.json`` under the
output folder (atomically) as soon as it finishes, so an interrupted bench
resumes where it stopped. The hash covers everything that determines the
result (:func:`run_key`: the spec, the content of the input files, the
absolute ``root``, the row's full configuration and the package version), so
a changed input or configuration runs again instead of reusing a stale
result; a damaged run file is named in a warning and run again. The summary
is written as Markdown (``results.md``), CSV (``results.csv``) and JSON
(``results.json``): mean ± std of test AUC/AP (x100) per dataset and row,
with the paper's figure beside it where there is one.
"""

import csv
import dataclasses
import io
import math
import os
import re
import statistics
import time
from collections.abc import Iterable, Sequence
from typing import Optional

import torch

from gvae_ext._io import check_output_path, write_json, write_text
from gvae_ext.baselines import BASELINES as _BASELINE_FUNCTIONS
from gvae_ext.report._runs import input_digests, read_run, run_path

# Kipf & Welling 2016, Table 1 (AUC, AP) x100.
PAPER = {
    'cora': {
        'sc': (84.6, 88.5),
        'deepwalk': (83.1, 85.0),
        'gae*@paper': (84.3, 88.1),
        'vgae*@paper': (84.0, 87.7),
        'gae@paper': (91.0, 92.0),
        'vgae@paper': (91.4, 92.6),
    },
    'planetoid:CiteSeer': {
        'sc': (80.5, 85.0),
        'deepwalk': (80.5, 83.6),
        'gae*@paper': (78.7, 84.1),
        'vgae*@paper': (78.9, 84.1),
        'gae@paper': (89.5, 89.9),
        'vgae@paper': (90.8, 92.0),
    },
    'planetoid:PubMed': {
        'sc': (84.2, 87.8),
        'deepwalk': (84.4, 84.1),
        'gae*@paper': (82.2, 87.4),
        'vgae*@paper': (82.7, 87.5),
        'gae@paper': (96.4, 96.5),
        'vgae@paper': (94.4, 94.7),
    },
}

BASELINES = tuple(_BASELINE_FUNCTIONS)
TABLE1_ROWS = (
    'sc',
    'deepwalk',
    'gae*@paper',
    'vgae*@paper',
    'gae@paper',
    'vgae@paper',
    'vgae_mlp@paper',
)
_ROW = re.compile(r'^(?P<model>[a-z_]+)(?P<star>\*)?(?:@(?P<preset>[a-z0-9_]+))?$')


def parse_seeds(text: str) -> list[int]:
    r"""``'0-9'`` -> ``[0, ..., 9]``; ``'0,3,5'`` -> ``[0, 3, 5]``."""
    seeds: list[int] = []
    for part in str(text).split(','):
        part = part.strip()
        m = re.fullmatch(r'(\d+)-(\d+)', part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if hi < lo:
                raise ValueError(f"'seeds' range must be ascending (got {part!r})")
            seeds.extend(range(lo, hi + 1))
        elif part.isdigit():
            seeds.append(int(part))
        else:
            raise ValueError(f"'seeds' must look like 0-9 or 0,1,2 (got {text!r})")
    return seeds


def parse_row(row: str) -> dict[str, object]:
    r"""Split a row name into ``model``, ``featureless`` and ``preset``."""
    from gvae_ext.train import DEFAULT_PRESET, MODELS, PRESETS

    if row in BASELINES:
        return dict(model=row, featureless=True, preset=None)
    m = _ROW.match(row)
    if not m or m.group('model') not in MODELS:
        raise ValueError(
            f"'models' entry must be one of {BASELINES} or MODEL[*][@PRESET] "
            f'with MODEL in {MODELS} (got {row!r})'
        )
    preset = m.group('preset') or DEFAULT_PRESET
    if preset not in PRESETS:
        raise ValueError(f"'models' entry {row!r} names an unknown preset {preset!r}")
    return dict(
        model=m.group('model'), featureless=bool(m.group('star')), preset=preset
    )


def run_one(data, dataset: str, row: str, seed: int, device: str = 'cpu') -> dict:
    r"""Train/evaluate one row on one seed; returns a JSON-ready dict."""
    from gvae_ext.datasets import featureless
    from gvae_ext.link.split import split_edges
    from gvae_ext.train import FitConfig, fit

    spec = parse_row(row)
    gen = torch.Generator().manual_seed(seed)
    split = split_edges(data.edge_index, data.num_nodes, generator=gen)
    start = time.perf_counter()
    if spec['model'] in BASELINES:
        from gvae_ext.baselines import evaluate_baseline

        metrics = evaluate_baseline(spec['model'], split, data.num_nodes, seed)
        metrics = {k: float(v) for k, v in metrics.items()}
    else:
        config = FitConfig.from_preset(
            spec['preset'], model=spec['model'], seed=seed, device=device
        )
        graph = featureless(data) if spec['featureless'] else data
        metrics = fit(graph, config, split=split).metrics
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

    Returns:
        A JSON-ready dict: the spec, row, seed, the absolute ``root``, the
        SHA-256 of every input file, the row's full training configuration and
        the package version.
    """
    from gvae_ext import __version__
    from gvae_ext.train import FitConfig

    spec = parse_row(row)
    if spec['model'] in BASELINES:
        config: dict = dict(model=spec['model'])
    else:
        config = dataclasses.asdict(
            FitConfig.from_preset(
                spec['preset'], model=spec['model'], seed=seed, device=device
            )
        )
        config['featureless'] = spec['featureless']
    return dict(
        dataset=dataset,
        row=row,
        seed=int(seed),
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

    Returns:
        One dict per run (the metrics of :func:`run_one` and the ``key``).
    """
    from gvae_ext.datasets import load_dataset

    datasets = _check_names(datasets, 'datasets')
    rows = _check_names(rows, 'rows')
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"'seeds' must hold at least one seed (got {seeds})")
    for row in rows:
        parse_row(row)
    check_output_path(os.path.join(out_dir, 'runs'), 'out_dir', kind='dir')
    jobs = [(d, r, s) for d in datasets for r in rows for s in seeds]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc='bench', unit='run')
    results, cache = [], {}
    for dataset, row, seed in jobs:
        key = run_key(dataset, row, seed, root=root, features=features, device=device)
        path = run_path(out_dir, key)
        result = read_run(path, key) if os.path.isfile(path) else None
        if result is None:
            if dataset not in cache:
                extra = (
                    {'features': features} if dataset.startswith('edgelist:') else {}
                )
                cache[dataset] = load_dataset(dataset, root=root, **extra)
            result = run_one(cache[dataset], dataset, row, seed, device)
            result['key'] = key
            write_json(path, result)
        results.append(result)
        if bar is not None:
            bar.set_postfix(dataset=dataset, row=row, seed=seed)
            bar.update(1)
    if bar is not None:
        bar.close()
    return results


def summarize(results: Sequence[dict]) -> list[dict]:
    r"""Mean and (sample) standard deviation of test/val AUC/AP, x100."""
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r['dataset'], r['row']), []).append(r)
    summary = []
    for (dataset, row), runs in groups.items():
        entry = dict(dataset=dataset, row=row, runs=len(runs))
        for key in ('test_auc', 'test_ap', 'val_auc', 'val_ap', 'seconds'):
            values = [
                100 * float(r[key]) if key != 'seconds' else float(r[key]) for r in runs
            ]
            entry[key] = statistics.fmean(values)
            entry[key + '_std'] = statistics.stdev(values) if len(values) > 1 else 0.0
        paper = PAPER.get(dataset, {}).get(row)
        entry['paper_auc'], entry['paper_ap'] = paper if paper else (math.nan, math.nan)
        summary.append(entry)
    return summary


def to_markdown(summary: Sequence[dict]) -> str:
    r"""The summary as a Markdown table (test AUC/AP x100, mean ± std).

    Args:
        summary (list of dict): The output of :func:`summarize`.

    Returns:
        The table, one line per entry, ending with a newline.
    """
    lines = [
        '| dataset | method | runs | test AUC | test AP | paper AUC / AP | s/run |',
        '|---|---|---|---|---|---|---|',
    ]
    for e in summary:
        paper = (
            f'{e["paper_auc"]:.1f} / {e["paper_ap"]:.1f}'
            if not math.isnan(e['paper_auc'])
            else '—'
        )
        lines.append(
            f'| {e["dataset"]} | {e["row"]} | {e["runs"]} | '
            f'{e["test_auc"]:.1f} ± {e["test_auc_std"]:.1f} | '
            f'{e["test_ap"]:.1f} ± {e["test_ap_std"]:.1f} | {paper} | '
            f'{e["seconds"]:.1f} |'
        )
    return '\n'.join(lines) + '\n'


def write_reports(summary: Sequence[dict], out_dir: str) -> dict[str, str]:
    r"""Write ``results.md``, ``results.csv`` and ``results.json`` atomically.

    Args:
        summary (list of dict): The output of :func:`summarize`, non-empty.
        out_dir (str): The output folder (created when missing).

    Returns:
        The written paths keyed ``'md'``, ``'csv'`` and ``'json'``.
    """
    if not summary:
        raise ValueError(f"'summary' must hold at least one entry (got {summary})")
    check_output_path(out_dir, 'out_dir', kind='dir')
    paths = {k: os.path.join(out_dir, f'results.{k}') for k in ('md', 'csv', 'json')}
    table = io.StringIO(newline='')
    writer = csv.DictWriter(table, fieldnames=list(summary[0]))
    writer.writeheader()
    writer.writerows(summary)
    write_text(paths['md'], to_markdown(summary))
    write_text(paths['csv'], table.getvalue(), newline='')
    write_json(paths['json'], list(summary))
    return paths
