r"""Write docs/api.md from the docstrings of ``gvae_ext.__all__``.

Usage: ``python3 scripts/gen_api_docs.py [--out docs/api.md]``.
"""

import argparse
import inspect
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

import gvae_ext  # noqa: E402

SECTIONS = [
    (
        'Data',
        [
            'load_cora',
            'load_dataset',
            'load_planetoid',
            'read_edgelist',
            'load_ogbl',
            'load_networkx',
            'from_data',
            'featureless',
            'identity_features',
        ],
    ),
    (
        'Link prediction',
        [
            'split_edges',
            'EdgeSplit',
            'LinkSplit',
            'negative_sampling',
            'structured_negative_sampling',
            'structured_negative_sampling_feasible',
            'batched_negative_sampling',
            'fast_negative_sampling',
            'roc_auc_score',
            'average_precision_score',
            'link_auc_ap',
            'hits_at_k',
            'mrr',
            'UndefinedMetricWarning',
            'Evaluator',
        ],
    ),
    (
        'Evaluation beyond random negatives',
        [
            'common_neighbors',
            'adamic_adar',
            'resource_allocation',
            'personalized_pagerank',
            'hard_negatives',
            'heart_metrics',
            'blend_heuristic',
            'audit_split',
            'AuditReport',
        ],
    ),
    (
        'Models',
        [
            'GAE',
            'VGAE',
            'GCNEncoder',
            'VariationalGCNEncoder',
            'MLPEncoder',
            'InnerProductDecoder',
            'MLPDecoder',
            'normalized_adjacency',
            'degree_biased_sample',
            'fastgae_recon_loss',
        ],
    ),
    (
        'Training',
        ['fit', 'fit_distributed', 'FitConfig', 'FitResult', 'save', 'load'],
    ),
    (
        'The dense VAE',
        [
            'DenseVAE',
            'ELBOTerms',
            'fit_dense_vae',
            'load_vae_dataset',
            'save_dense_vae',
            'load_dense_vae',
        ],
    ),
]


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return '(...)'


def render() -> str:
    out = [
        '# API reference',
        '',
        'Generated from the docstrings by `python3 scripts/gen_api_docs.py`; '
        'everything below is importable from `gvae_ext`. The dense-VAE pipeline '
        'lives in `gvae_ext.vae` (see docs/dense_vae.md).',
        '',
    ]
    listed = set()
    for title, names in SECTIONS:
        out += [f'## {title}', '']
        for name in names:
            if name not in gvae_ext.__all__:
                continue
            obj = getattr(gvae_ext, name)
            listed.add(name)
            kind = 'class' if inspect.isclass(obj) else 'def'
            out += [
                f'### `{name}`',
                '',
                '```python',
                f'{kind} {name}{_signature(obj)}',
                '```',
                '',
            ]
            doc = inspect.getdoc(obj) or ''
            out += [doc, '']
    missing = [n for n in gvae_ext.__all__ if n not in listed and n != '__version__']
    if missing:
        raise SystemExit(f'not documented in SECTIONS: {missing}')
    return '\n'.join(out).rstrip() + '\n'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--out', default=os.path.join('docs', 'api.md'))
    args = parser.parse_args()
    with open(args.out, 'w') as f:
        f.write(render())
    print(f'written: {args.out}')


if __name__ == '__main__':
    main()
