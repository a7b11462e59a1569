r"""Cora test AUC/AP of the non-neural baselines (SC, DeepWalk), several seeds.

Protocol of Kipf & Welling (2016), Table 1: 5% / 10% of the undirected edges
held out for validation / test with as many non-edges
(:func:`gvae_ext.link.split.split_edges`), embeddings of the training graph,
inner-product scores. Loads Cora from the Planetoid raw files (no download)
and prints a table next to the paper's numbers; ``--json`` writes the runs.

    python benchmarks/baselines_cora.py --raw /path/to/planetoid --seeds 10
"""

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time

import torch

from gvae_ext.baselines import evaluate_baseline
from gvae_ext.link.split import split_edges

PAPER = {'sc': (84.6, 88.5), 'deepwalk': (83.1, 85.0)}


def load_cora(raw_dir: str):
    from torch_geometric.datasets import Planetoid

    root = tempfile.mkdtemp(prefix='gvae_cora_')
    os.makedirs(os.path.join(root, 'Cora', 'raw'))
    for name in os.listdir(raw_dir):
        if name.startswith('ind.cora.'):
            shutil.copy(os.path.join(raw_dir, name), os.path.join(root, 'Cora', 'raw'))
    return Planetoid(root, 'Cora')[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--raw', default='/work/shared/data/planetoid')
    parser.add_argument('--seeds', type=int, default=10)
    parser.add_argument('--models', default='sc,deepwalk')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--readout', default=None, help="DeepWalk 'sum' or 'input'")
    parser.add_argument('--json', default=None, help='write every run here')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_cora(args.raw)
    runs = []
    for seed in range(args.seeds):
        gen = torch.Generator().manual_seed(seed)
        split = split_edges(data.edge_index, data.num_nodes, generator=gen)
        for model in args.models.split(','):
            kwargs = {}
            if model == 'deepwalk' and args.readout:
                kwargs['readout'] = args.readout
            start = time.perf_counter()
            metrics = evaluate_baseline(model, split, data.num_nodes, seed, **kwargs)
            seconds = time.perf_counter() - start
            runs.append(dict(model=model, seed=seed, seconds=seconds, **metrics))
            print(
                f'{model:9s} seed {seed}: test AUC {100 * metrics["test_auc"]:.1f} '
                f'AP {100 * metrics["test_ap"]:.1f} ({seconds:.1f} s)',
                flush=True,
            )
    print(f'\nCora, {args.seeds} seeds, {torch.get_num_threads()} threads')
    print('| model | AUC x100 | AP x100 | paper AUC/AP | seconds/run |')
    print('|---|---|---|---|---|')
    for model in args.models.split(','):
        rows = [r for r in runs if r['model'] == model]
        auc = [100 * r['test_auc'] for r in rows]
        ap = [100 * r['test_ap'] for r in rows]
        sd = statistics.stdev if len(rows) > 1 else (lambda _: 0.0)
        sec = statistics.median(r['seconds'] for r in rows)
        paper = PAPER.get(model, ('-', '-'))
        print(
            f'| {model} | {statistics.mean(auc):.1f} ± {sd(auc):.1f} '
            f'| {statistics.mean(ap):.1f} ± {sd(ap):.1f} '
            f'| {paper[0]} / {paper[1]} | {sec:.1f} |'
        )
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(runs, f, indent=1)


if __name__ == '__main__':
    main()
