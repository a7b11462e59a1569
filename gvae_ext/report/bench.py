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
from gvae_ext.report.protocols import (
    HEURISTICS,
    HeartCache,
    check_protocols,
    evaluate,
    heuristic_scorer,
)

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

    if row in BASELINES or row in HEURISTICS:
        return dict(model=row, featureless=True, preset=None)
    m = _ROW.match(row)
    if not m or m.group('model') not in MODELS:
        raise ValueError(
            f"'models' entry must be one of {BASELINES + tuple(HEURISTICS)} or "
            'MODEL[*][@PRESET] '
            f'with MODEL in {MODELS} (got {row!r})'
        )
    preset = m.group('preset') or DEFAULT_PRESET
    if preset not in PRESETS:
        raise ValueError(f"'models' entry {row!r} names an unknown preset {preset!r}")
    return dict(
        model=m.group('model'), featureless=bool(m.group('star')), preset=preset
    )


def _scorer(data, split, spec: dict, seed: int, device: str):
    r"""The row's pair scorer and its validation metrics."""
    from gvae_ext.baselines import baseline_embedding, score_pairs
    from gvae_ext.datasets import featureless
    from gvae_ext.train import FitConfig, fit

    model = spec['model']
    if model in HEURISTICS:
        return heuristic_scorer(model, split), {}
    if model in BASELINES:
        z = baseline_embedding(model, split, data.num_nodes, seed)
        return (lambda pairs: score_pairs(z, pairs)), {}
    config = FitConfig.from_preset(
        spec['preset'], model=model, seed=seed, device=device
    )
    graph = featureless(data) if spec['featureless'] else data
    result = fit(graph, config, split=split)
    net, z = result.model.eval(), result.embeddings
    val = {k: result.metrics[k] for k in ('val_auc', 'val_ap')}
    return (lambda pairs: net.decoder(z, pairs, sigmoid=False)), val


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
        split = split_edges(data.edge_index, data.num_nodes, generator=gen)
    start = time.perf_counter()
    score, metrics = _scorer(data, split, spec, seed, device)
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
    from gvae_ext.train import FitConfig

    spec = parse_row(row)
    if spec['model'] in BASELINES or spec['model'] in HEURISTICS:
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
    for row in rows:
        parse_row(row)
    protocols = check_protocols(protocols)
    heart = HeartCache()
    check_output_path(os.path.join(out_dir, 'runs'), 'out_dir', kind='dir')
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


def _metric_keys(runs: Sequence[dict]) -> list[str]:
    skip = {'dataset', 'row', 'seed', 'key'}
    keys = [k for k, v in runs[0].items() if k not in skip and isinstance(v, float)]
    return [k for k in keys if all(isinstance(r.get(k), (int, float)) for r in runs)]


def summarize(results: Sequence[dict]) -> list[dict]:
    r"""Mean and (sample) standard deviation of every metric, x100.

    Args:
        results (list of dict): Runs from :func:`run_grid`.

    Returns:
        One dict per (dataset, row): ``runs``, ``<metric>`` and
        ``<metric>_std`` (x100; ``seconds`` as it is), and the paper's
        ``paper_auc``/``paper_ap`` (NaN where there is none).
    """
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r['dataset'], r['row']), []).append(r)
    summary = []
    for (dataset, row), runs in groups.items():
        entry = dict(dataset=dataset, row=row, runs=len(runs))
        for key in _metric_keys(runs):
            scale = 1.0 if key == 'seconds' else 100.0
            values = [scale * float(r[key]) for r in runs]
            entry[key] = statistics.fmean(values)
            entry[key + '_std'] = statistics.stdev(values) if len(values) > 1 else 0.0
        paper = PAPER.get(dataset, {}).get(row)
        entry['paper_auc'], entry['paper_ap'] = paper if paper else (math.nan, math.nan)
        summary.append(entry)
    return summary


# (column title, metric) per protocol, in table order.
_COLUMNS = (
    ('test AUC', 'test_auc'),
    ('test AP', 'test_ap'),
    ('HeaRT MRR', 'heart_mrr'),
    ('HeaRT H@10', 'heart_hits@10'),
    ('HeaRT H@50', 'heart_hits@50'),
    ('HeaRT H@100', 'heart_hits@100'),
    ('OGB H@20', 'ogb_hits@20'),
    ('OGB H@50', 'ogb_hits@50'),
    ('OGB H@100', 'ogb_hits@100'),
    ('OGB MRR', 'ogb_mrr'),
)


def to_markdown(summary: Sequence[dict]) -> str:
    r"""The summary as a Markdown table (x100, mean ± std).

    The columns are those of the protocols that were run: test AUC / AP
    (random), HeaRT MRR and Hits@{10, 50, 100}, OGB Hits@{20, 50, 100} and
    MRR, then the paper's AUC / AP where there is one, and seconds per run.

    Args:
        summary (list of dict): The output of :func:`summarize`.

    Returns:
        The table, one line per entry, ending with a newline.
    """
    columns = [(t, k) for t, k in _COLUMNS if any(k in e for e in summary)]
    head = ['dataset', 'method', 'runs'] + [t for t, _ in columns]
    lines = [
        '| ' + ' | '.join(head + ['paper AUC / AP', 's/run']) + ' |',
        '|' + '---|' * (len(head) + 2),
    ]
    for e in summary:
        paper = (
            f'{e["paper_auc"]:.1f} / {e["paper_ap"]:.1f}'
            if not math.isnan(e['paper_auc'])
            else '—'
        )
        cells = [e['dataset'], e['row'], str(e['runs'])]
        for _, k in columns:
            cells.append(f'{e[k]:.1f} ± {e[k + "_std"]:.1f}' if k in e else '—')
        cells += [paper, f'{e["seconds"]:.1f}']
        lines.append('| ' + ' | '.join(cells) + ' |')
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
