r"""``auto`` under HeaRT's selection on graphs it was not built on.

For each graph of ``scripts/eval_suite.py`` named and each seed: the seeded
85/5/10 split; ``fit`` with ``selection='val_mrr'`` alone (``auto`` trains the
masked model and ``'heart'`` and keeps ``'heart'`` only by a clear margin:
``gvae_ext.train._heart_rule``); the candidate it did not keep, trained alone
on the same split (the masked one with the epochs ``auto`` gives it, so that
it is the same model); and resource allocation. Each is scored under the
random and HeaRT protocols of ``gvae-ext bench``. Prints one JSON line per
run and a summary per graph.

    python3 scripts/heart_rule.py --graphs geo_feat,sbm_feat,plc_noise,bow --seeds 0-4
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_suite import GRAPHS  # noqa: E402
from paired_runs import paired  # noqa: E402

from gvae_ext import FitConfig, fit, split_edges  # noqa: E402
from gvae_ext.report._rows import heuristic_scorer  # noqa: E402
from gvae_ext.report.bench import parse_seeds  # noqa: E402
from gvae_ext.report.protocols import HeartCache, evaluate  # noqa: E402
from gvae_ext.train.auto import plan  # noqa: E402

KEYS = ('test_auc', 'test_ap', 'heart_mrr', 'heart_hits@10')


def _scores(score, split, seed, heart, x) -> dict:
    r = evaluate(
        score, split, ('random', 'heart'), seed=seed, heart=heart, heart_key=seed, x=x
    )
    return {k: float(r[k]) for k in KEYS}


def _model_scores(result, split, seed, heart, x) -> dict:
    net, z = result.model.eval(), result.embeddings
    return _scores(lambda p: net.decoder(z, p, sigmoid=False), split, seed, heart, x)


def run(graph: str, seed: int, model: str, heart: HeartCache) -> dict:
    data = GRAPHS[graph]()
    gen = torch.Generator().manual_seed(seed)
    split = split_edges(data.edge_index, data.num_nodes, generator=gen)
    base = dict(model=model, seed=seed, num_threads=1)
    config = FitConfig.from_preset(selection='val_mrr', **base)
    rule = fit(data, config, split=split)
    out = dict(graph=graph, seed=seed, auto=rule.auto)
    chosen = rule.auto['chosen'] if rule.auto else 'masked'
    out[chosen] = out['rule'] = _model_scores(rule, split, seed, heart, data.x)
    names = [c['name'] for c in rule.auto['candidates']] if rule.auto else []
    if 'heart' in names:  # the candidate not kept, the same model trained alone
        if chosen == 'heart':
            epochs = plan(config, data).configs[0].epochs  # what auto gave it
            masked = dict(selection='val_mrr', epochs=epochs)
            other = fit(data, FitConfig.from_preset(**masked, **base), split=split)
        else:
            other = fit(data, FitConfig.from_preset('heart', **base), split=split)
        out['heart' if chosen == 'masked' else 'masked'] = _model_scores(
            other, split, seed, heart, data.x
        )
    out['ra'] = _scores(heuristic_scorer('ra', split), split, seed, heart, data.x)
    return out


def _paired(rows, a: str, b: str, key: str) -> str:
    # paired_runs.paired takes {seed: run} per side
    runs = [{r['seed']: r[name] for r in rows if name in r} for name in (a, b)]
    return paired(*runs, key)


def summary(rows) -> str:
    chosen = [r['auto']['chosen'] if r['auto'] else 'masked' for r in rows]
    lines = [
        f'{rows[0]["graph"]}: heart kept on {chosen.count("heart")} of {len(rows)} seeds'
    ]
    for name in ('rule', 'masked', 'heart', 'ra'):
        have = [r[name] for r in rows if name in r]
        if len(have) == len(rows):
            cells = ', '.join(
                f'{k} {100 * statistics.fmean(h[k] for h in have):.1f}' for k in KEYS
            )
            lines.append(f'  {name}: {cells}')
    for a, b in (('rule', 'masked'), ('rule', 'ra')):
        cells = ', '.join(
            f'{k} {_paired(rows, a, b, k)}' for k in ('test_auc', 'heart_mrr')
        )
        lines.append(f'  {a} - {b}: {cells}')
    return '\n'.join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--graphs', default='geo_feat,sbm_feat,plc_noise,bow')
    parser.add_argument('--seeds', default='0-4')
    parser.add_argument('--model', default='gae', choices=('gae', 'vgae'))
    args = parser.parse_args(argv)
    unknown = [g for g in args.graphs.split(',') if g not in GRAPHS]
    if unknown:
        parser.error(f'unknown graph {unknown[0]!r} (choose from {sorted(GRAPHS)})')
    torch.set_num_threads(1)
    for graph in args.graphs.split(','):
        heart, rows = HeartCache(), []
        for seed in parse_seeds(args.seeds):
            rows.append(run(graph, seed, args.model, heart))
            print(json.dumps(rows[-1]), flush=True)
        print(summary(rows), flush=True)


if __name__ == '__main__':
    main()
