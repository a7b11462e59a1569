r"""HeaRT hard negatives on Cora: time and memory of ``hard_negatives``.

Cora (2708 nodes, 5278 undirected edges) is split 85/5/10 with
``gvae_ext.link.split_edges``; the heuristics run on the training graph and
every test positive (527) gets 500 negatives, with the training and
validation edges filtered (the validation positives, 263, filter the
training edges only). Every case runs in its own process (see
``benchmarks/_common.py``); the table gives the best of ``--repeat`` calls,
the peak RSS of the call and a fingerprint of the result.

Usage::

    python3 benchmarks/heart.py
    python3 benchmarks/heart.py --repeat 3 --device cuda
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ''):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import (  # noqa: E402
    ROOT,
    finish,
    markdown_table,
    run_case,
)

NAME = 'heart'
COLUMNS = ['split', 'heuristics', 'merge', 'positives', 'num_neg', 's', 'peak MB']
CASES = [
    ('test', 'ra,ppr', 'min'),
    ('test', 'ra,ppr,cosine', 'min'),
    ('test', 'ra,ppr,cosine', 'mean'),
    ('val', 'ra,ppr,cosine', 'min'),
]


def setup(
    split: str,
    heuristics: str,
    merge: str,
    num_neg: int,
    device: str,
    seed: int = 0,
):
    r"""Load and split Cora, return the timed call (runs in the worker)."""
    import torch

    from gvae_ext.datasets import load_cora
    from gvae_ext.link import split_edges
    from gvae_ext.link.heart import hard_negatives

    data = load_cora()
    parts = split_edges(
        data.edge_index.to(device),
        data.num_nodes,
        generator=torch.Generator(device=device).manual_seed(seed),
    )
    train = parts.train_pos_edge_index
    if split == 'test':
        pos = parts.test_pos_edge_index
        exclude = torch.cat([train, parts.val_pos_edge_index], dim=1)
    else:
        pos, exclude = parts.val_pos_edge_index, train
    names = heuristics.split(',')
    x = data.x.to(device) if 'cosine' in names else None

    def call(positives):
        generator = torch.Generator(device=device).manual_seed(seed)
        return hard_negatives(
            train,
            positives,
            data.num_nodes,
            num_neg=num_neg,
            heuristics=names,
            merge=merge,
            exclude_edge_index=exclude,
            x=x,
            generator=generator,
        )

    call(pos[:, :2])  # warm-up: lazy imports, thread pools

    def run():
        out = call(pos)
        if device == 'cuda':
            torch.cuda.synchronize()
        return dict(
            positives=pos.size(1), shape=list(out.shape), checksum=int(out.sum())
        )

    return run


def main(argv=None) -> None:
    r"""Run every case, print the table and write the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-neg', type=int, default=500)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeat', type=int, default=3, help='best of N calls')
    parser.add_argument('--threads', type=int, default=None, help='torch threads')
    parser.add_argument(
        '--out', default=str(ROOT / 'benchmarks' / 'results' / f'{NAME}.json')
    )
    args = parser.parse_args(argv)
    rows = []
    for split, heuristics, merge in CASES:
        kwargs = dict(
            split=split,
            heuristics=heuristics,
            merge=merge,
            num_neg=args.num_neg,
            device=args.device,
        )
        res = run_case(
            f'benchmarks.{NAME}:setup',
            kwargs,
            repeat=args.repeat,
            threads=args.threads,
            reset_peak=True,
        )
        row = dict(split=split, heuristics=heuristics, merge=merge)
        row.update(num_neg=args.num_neg, raw=res)
        if 'error' in res:
            row['s'] = 'error: ' + res['error'][:60]
        else:
            row.update(positives=res['positives'], s=res['seconds'])
            row['peak MB'] = res['peak_rss_mb']
        rows.append(row)
        print(markdown_table(rows[-1:], COLUMNS).splitlines()[-1], flush=True)
    finish(NAME, args, rows, COLUMNS)


if __name__ == '__main__':
    main()
