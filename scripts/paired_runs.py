r"""Paired per-seed differences between rows of one ``gvae-ext bench`` folder.

For every pair ``A:B`` the script takes the seeds both rows ran (the same
split and HeaRT negatives for a seed) and prints, per metric, the mean of
A − B (x100), its standard error and on how many seeds A is ahead; for
blended rows (``MODEL+ra``) also the weights chosen.

    python3 scripts/paired_runs.py blend_out 'vgae+ra:vgae,vgae+ra:ra'
    python3 scripts/paired_runs.py mrr_out 'vgae:mrr:vgae,vgae:mrr:ra'
"""

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

# random, then HeaRT's MRR and Hits@K, then OGB's MRR
METRICS = ('test_auc', 'test_ap', 'heart_mrr')
METRICS += tuple(f'heart_hits@{k}' for k in (10, 50, 100)) + ('ogb_mrr',)


def read_runs(folder: Path) -> dict:
    r"""``{row: {seed: run}}`` from ``folder/runs/*.json`` (one dataset)."""
    runs: dict = {}
    for path in sorted((folder / 'runs').glob('*.json')):
        run = json.loads(path.read_text())
        runs.setdefault(run['dataset'], {}).setdefault(run['row'], {})[run['seed']] = (
            run
        )
    if len(runs) != 1:
        raise SystemExit(
            f'{folder}: expected the runs of one dataset, found {sorted(runs)}'
        )
    return next(iter(runs.values()))


def paired(a: dict, b: dict, metric: str) -> str:
    r"""``mean ± s.e. (ahead/n)`` of a − b over their common seeds, x100."""
    seeds = sorted(s for s in set(a) & set(b) if metric in a[s] and metric in b[s])
    diff = [100 * (a[s][metric] - b[s][metric]) for s in seeds]
    if len(diff) < 2:
        return '—'
    se = statistics.stdev(diff) / math.sqrt(len(diff))
    ahead = sum(d > 0 for d in diff)
    return f'{statistics.fmean(diff):+.2f} ± {se:.2f} ({ahead}/{len(diff)})'


def split_pair(pair: str, runs: dict) -> tuple:
    r"""``'A:B'`` -> ``(A, B)``; a row may hold ``:`` itself (``vgae:mrr``),
    so the split that names two rows of ``runs`` wins (else the first ``:``)."""
    parts = pair.split(':')
    cuts = [(':'.join(parts[:i]), ':'.join(parts[i:])) for i in range(1, len(parts))]
    known = [c for c in cuts if c[0] in runs and c[1] in runs]
    return (known or cuts or [(pair, '')])[0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folder', type=Path, help='a gvae-ext bench --out folder')
    parser.add_argument('pairs', help="comma-separated A:B rows, e.g. 'vgae+ra:vgae'")
    args = parser.parse_args(argv)
    runs = read_runs(args.folder)
    for pair in args.pairs.split(','):
        a, b = split_pair(pair, runs)
        missing = [r for r in (a, b) if r not in runs]
        if missing:
            raise SystemExit(
                f'no runs of {missing} in {args.folder} (rows: {sorted(runs)})'
            )
        cells = [f'{m} {paired(runs[a], runs[b], m)}' for m in METRICS]
        print(f'{a} − {b}: ' + '; '.join(cells))
    for row, by_seed in sorted(runs.items()):
        weights = [r['blend']['weight'] for r in by_seed.values() if 'blend' in r]
        if weights:
            print(f'{row}: weights chosen {sorted(weights)}')


if __name__ == '__main__':
    sys.exit(main())
