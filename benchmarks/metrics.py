r"""ROC AUC + AP together: gvae_ext against scikit-learn (and torchmetrics).

Scores are float32 with about 50% positives: ``'random'`` draws Gaussian
scores (positives shifted by 0.5), ``'tied'`` draws integer scores in
``[0, 1000)`` (heavy ties). Every case runs in its own process (see
``benchmarks/_common.py``) and reports the best of ``--repeat`` calls and
the peak resident memory above what the data itself takes ("extra MB"):

* ``link_auc_ap``: :func:`gvae_ext.link.metrics.link_auc_ap` on the positive
  and negative scores (one sort for both metrics, what ``GAE.test`` uses);
* ``auc+ap``: :func:`~gvae_ext.link.metrics.roc_auc_score` plus
  :func:`~gvae_ext.link.metrics.average_precision_score` on ``(pred, target)``
  (two calls);
* ``sklearn``: ``sklearn.metrics.roc_auc_score`` plus
  ``average_precision_score`` (the inputs' ``.cpu().numpy()`` included);
* ``torchmetrics``: ``binary_auroc`` plus ``binary_average_precision``, when
  installed.

Usage::

    python3 benchmarks/metrics.py                      # 1e6 and 1e7 scores
    python3 benchmarks/metrics.py --sizes 1e5 --repeat 1
    python3 benchmarks/metrics.py --device cuda --out results.json
"""

import argparse
import importlib.util
import sys
from pathlib import Path

if __package__ in (None, ''):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import (  # noqa: E402
    ROOT,
    machine_info,
    markdown_table,
    parse_sizes,
    run_case,
    write_json,
)

NAME = 'metrics'
METHODS = ['link_auc_ap', 'auc+ap', 'sklearn', 'torchmetrics']
COLUMNS = [
    'scores',
    'variant',
    'link_auc_ap s',
    'auc+ap s',
    'sklearn s',
    'torchmetrics s',
    'sklearn / link_auc_ap',
    'sklearn / auc+ap',
    'max |diff| vs sklearn',
    'link_auc_ap extra MB',
    'sklearn extra MB',
]


def make_data(size: int, variant: str, device: str, seed: int = 0):
    r"""Float32 scores and bool labels (about half positive)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    target = torch.rand(size, generator=g) < 0.5
    if variant == 'random':
        pred = torch.randn(size, generator=g) + 0.5 * target
    elif variant == 'tied':
        pred = torch.randint(0, 1000, (size,), generator=g).float() + 50 * target
    else:
        raise ValueError(f"'variant' must be 'random' or 'tied' (got {variant!r})")
    return pred.to(device), target.to(device)


def setup(size: int, variant: str, method: str, device: str):
    r"""Build the data and return the timed call (runs in the worker)."""
    import torch

    pred, target = make_data(size, variant, device)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)

    if method == 'link_auc_ap':
        from gvae_ext.link.metrics import link_auc_ap

        pos, neg = pred[target], pred[~target]

        def call():
            auc, ap = link_auc_ap(pos, neg)
            return dict(auc=float(auc), ap=float(ap))

    elif method == 'auc+ap':
        from gvae_ext.link.metrics import average_precision_score, roc_auc_score

        def call():
            auc = roc_auc_score(pred, target)
            ap = average_precision_score(pred, target)
            return dict(auc=float(auc), ap=float(ap))

    elif method == 'sklearn':
        from sklearn import metrics

        def call():
            y, s = target.cpu().numpy(), pred.cpu().numpy()
            return dict(
                auc=float(metrics.roc_auc_score(y, s)),
                ap=float(metrics.average_precision_score(y, s)),
            )

    elif method == 'torchmetrics':
        from torchmetrics.functional.classification import (
            binary_auroc,
            binary_average_precision,
        )

        label = target.long()

        def call():
            auc = binary_auroc(pred, label)
            ap = binary_average_precision(pred, label)
            sync()
            return dict(auc=float(auc), ap=float(ap))

    else:
        raise ValueError(f'unknown method {method!r}')
    return call


def _ratio(results, num: str, den: str):
    a, b = results[num].get('seconds'), results[den].get('seconds')
    return a / b if a and b else None


def _extra_mb(result):
    # Peak RSS above the RSS after building the data.
    if 'peak_rss_mb' not in result:
        return None
    return result['peak_rss_mb'] - result['setup_rss_mb']


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='1e6,1e7', help='numbers of scores')
    parser.add_argument('--variants', default='random,tied')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeat', type=int, default=3, help='best of N calls')
    parser.add_argument('--threads', type=int, default=None, help='torch threads')
    parser.add_argument(
        '--out', default=str(ROOT / 'benchmarks' / 'results' / f'{NAME}.json')
    )
    args = parser.parse_args(argv)
    have_tm = importlib.util.find_spec('torchmetrics') is not None
    rows = []
    for size in parse_sizes(args.sizes):
        for variant in args.variants.split(','):
            results = {}
            for method in METHODS:
                if method == 'torchmetrics' and not have_tm:
                    results[method] = {'error': 'not installed'}
                    continue
                results[method] = run_case(
                    'benchmarks.metrics:setup',
                    dict(size=size, variant=variant, method=method, device=args.device),
                    repeat=args.repeat,
                    threads=args.threads,
                )
            ref = results['sklearn']
            diffs = [
                abs(r[m] - ref[m])
                for r in results.values()
                if 'auc' in r and 'auc' in ref
                for m in ('auc', 'ap')
            ]
            row = {
                'scores': f'{size:.0e}',
                'variant': variant,
                'sklearn / link_auc_ap': _ratio(results, 'sklearn', 'link_auc_ap'),
                'sklearn / auc+ap': _ratio(results, 'sklearn', 'auc+ap'),
                'max |diff| vs sklearn': max(diffs) if diffs else None,
                'link_auc_ap extra MB': _extra_mb(results['link_auc_ap']),
                'sklearn extra MB': _extra_mb(results['sklearn']),
                'raw': results,
            }
            for method in METHODS:
                res = results[method]
                row[f'{method} s'] = res.get('seconds', res.get('error'))
            rows.append(row)
            print(markdown_table(rows[-1:], COLUMNS).splitlines()[-1], flush=True)
    print()
    print(markdown_table(rows, COLUMNS))
    payload = dict(benchmark=NAME, command=' '.join(sys.argv), args=vars(args))
    write_json(args.out, dict(payload, machine=machine_info(), rows=rows))
    print(f'\nwrote {args.out}')


if __name__ == '__main__':
    main()
