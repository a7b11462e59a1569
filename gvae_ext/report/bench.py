r"""Multi-seed link-prediction benchmarks: ``gvae-ext bench``.

A benchmark is a grid of datasets x rows x seeds. A *row* names a method:

* ``sc``, ``deepwalk`` -- the paper's non-neural baselines;
* ``MODEL[*][@PRESET]`` -- a graph autoencoder (``gae``, ``vgae``, ``gae_mlp``,
  ``vgae_mlp``); a ``*`` drops the node features (identity features, the
  paper's GAE*/VGAE*); ``@PRESET`` picks a training preset
  (:data:`gvae_ext.train.PRESETS`; without it the default preset is used).

Every run writes ``runs/<dataset>__<row>__<seed>.json`` under the output
folder as soon as it finishes, so an interrupted bench resumes where it
stopped; the summary is written as Markdown (``results.md``), CSV
(``results.csv``) and JSON (``results.json``): mean ± std of test AUC/AP
(x100) per dataset and row, with the paper's figure beside it where there is
one.
"""

import csv
import json
import math
import os
import re
import statistics
import time
from typing import Dict, Iterable, List, Optional, Sequence

import torch

from gvae_ext.baselines import BASELINES as _BASELINE_FUNCTIONS

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


def parse_seeds(text: str) -> List[int]:
    r"""``'0-9'`` -> ``[0, ..., 9]``; ``'0,3,5'`` -> ``[0, 3, 5]``."""
    seeds: List[int] = []
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


def parse_row(row: str) -> Dict[str, object]:
    r"""Split a row name into ``model``, ``featureless`` and ``preset``."""
    from gvae_ext.train import DEFAULT_PRESET, MODELS, PRESETS

    if row in BASELINES:
        return dict(model=row, featureless=True, preset=None)
    m = _ROW.match(row)
    if not m or m.group('model') not in MODELS:
        raise ValueError(
            f"'models' entry must be one of {BASELINES} or MODEL[*][@PRESET] with MODEL "
            f'in {MODELS} (got {row!r})'
        )
    preset = m.group('preset') or DEFAULT_PRESET
    if preset not in PRESETS:
        raise ValueError(f"'models' entry {row!r} names an unknown preset {preset!r}")
    return dict(
        model=m.group('model'), featureless=bool(m.group('star')), preset=preset
    )


def run_one(data, dataset: str, row: str, seed: int, device: str = 'cpu') -> Dict:
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


def _run_path(out_dir: str, dataset: str, row: str, seed: int) -> str:
    safe = re.sub(r'[^A-Za-z0-9_.@-]+', '_', f'{dataset}__{row.replace("*", "star")}')
    return os.path.join(out_dir, 'runs', f'{safe}__{seed}.json')


def run_grid(
    datasets: Sequence[str],
    rows: Sequence[str],
    seeds: Iterable[int],
    out_dir: str,
    *,
    root: Optional[str] = None,
    device: str = 'cpu',
    progress: bool = True,
) -> List[Dict]:
    r"""Run every (dataset, row, seed) not already on disk; return all runs."""
    from gvae_ext.datasets import load_dataset

    seeds = list(seeds)
    for row in rows:
        parse_row(row)
    os.makedirs(os.path.join(out_dir, 'runs'), exist_ok=True)
    jobs = [(d, r, s) for d in datasets for r in rows for s in seeds]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc='bench', unit='run')
    results, cache = [], {}
    for dataset, row, seed in jobs:
        path = _run_path(out_dir, dataset, row, seed)
        if os.path.isfile(path):
            with open(path) as f:
                result = json.load(f)
        else:
            if dataset not in cache:
                cache[dataset] = load_dataset(dataset, root=root)
            result = run_one(cache[dataset], dataset, row, seed, device)
            tmp = path + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(result, f, indent=2)
            os.replace(tmp, path)
        results.append(result)
        if bar is not None:
            bar.set_postfix(dataset=dataset, row=row, seed=seed)
            bar.update(1)
    if bar is not None:
        bar.close()
    return results


def summarize(results: Sequence[Dict]) -> List[Dict]:
    r"""Mean and (sample) standard deviation of test/val AUC/AP, x100."""
    groups: Dict[tuple, List[Dict]] = {}
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


def to_markdown(summary: Sequence[Dict]) -> str:
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
            f'{e["test_ap"]:.1f} ± {e["test_ap_std"]:.1f} | {paper} | {e["seconds"]:.1f} |'
        )
    return '\n'.join(lines) + '\n'


def write_reports(summary: Sequence[Dict], out_dir: str) -> Dict[str, str]:
    r"""Write ``results.md``, ``results.csv`` and ``results.json``."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {k: os.path.join(out_dir, f'results.{k}') for k in ('md', 'csv', 'json')}
    with open(paths['md'], 'w') as f:
        f.write(to_markdown(summary))
    with open(paths['csv'], 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(summary[0]))
        writer.writeheader()
        writer.writerows(summary)
    with open(paths['json'], 'w') as f:
        json.dump(list(summary), f, indent=2)
    return paths
