r"""The ``gvae-ext`` command line.

``gvae-ext fit``   train one model on one dataset and print test metrics;
``gvae-ext bench`` a multi-seed grid of methods, written as Markdown/CSV/JSON;
``gvae-ext score`` per-sample anomaly scores of a saved DenseVAE.
"""

import argparse
import sys
from typing import List, Optional

from gvae_ext._io import write_json

VAE_DATASETS = ('digits', 'mnist')
VAE_PREFIXES = ('npy:', 'csv:')


def _is_vae_dataset(spec: str) -> bool:
    return spec in VAE_DATASETS or spec.startswith(VAE_PREFIXES)


def _add_fit_parser(sub) -> None:
    p = sub.add_parser(
        'fit',
        help='train a model on one dataset and print test metrics',
        description='Train a GAE/VGAE (graphs) or a DenseVAE (tables, images) '
        'and report held-out metrics.',
    )
    p.add_argument(
        '--dataset',
        default='cora',
        help='cora | planetoid:NAME | edgelist:PATH (graphs); '
        'digits | mnist | npy:PATH | csv:PATH (DenseVAE) (default: cora)',
    )
    p.add_argument(
        '--model',
        default='vgae',
        help='vgae | gae | vgae_mlp | gae_mlp | vae (default: vgae)',
    )
    p.add_argument('--preset', default=None, help='named training configuration')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--epochs', type=int, default=None)
    p.add_argument('--lr', type=float, default=None)
    p.add_argument('--device', default='cpu', help='cpu | cuda (default: cpu)')
    p.add_argument(
        '--root', default=None, help='data folder for planetoid:NAME and mnist'
    )
    p.add_argument(
        '--features',
        default=None,
        help='a .npy feature matrix for edgelist:PATH (rows = node ids)',
    )
    p.add_argument(
        '--featureless',
        action='store_true',
        help='ignore node features and use identity features (GAE*/VGAE*)',
    )
    p.add_argument(
        '--objective',
        default=None,
        choices=['dense', 'sampled', 'fastgae'],
        help='reconstruction objective (graphs)',
    )
    p.add_argument(
        '--fastgae-nodes',
        type=int,
        default=None,
        help='nodes sampled per epoch by --objective fastgae (default: 2048)',
    )
    p.add_argument(
        '--fastgae-alpha',
        type=float,
        default=None,
        help='degree exponent of the fastgae node sample (default: 1.0)',
    )
    p.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='mini-batch size: samples (vae, default 128) or training pairs per '
        'step on sampled neighbourhoods (graphs, default 0 = full batch)',
    )
    p.add_argument(
        '--num-neighbors',
        default=None,
        metavar='K1,K2',
        help="fan-out per GCN layer with --batch-size; 'all' (or -1, written "
        '--num-neighbors=-1,5) takes every neighbour (default: 10,10)',
    )
    p.add_argument(
        '--sampler',
        default=None,
        choices=('auto', 'own', 'pyg', 'loader'),
        help="neighbourhood sampler with --batch-size: 'own', PyG's sampler "
        "('pyg'), PyG's LinkNeighborLoader ('loader') or 'auto' (default)",
    )
    p.add_argument(
        '--iw-samples',
        type=int,
        default=0,
        help='importance samples for the test log-likelihood (vae)',
    )
    p.add_argument('--json', default=None, metavar='PATH', help='write results as JSON')
    p.add_argument('--save', default=None, metavar='PATH', help='write a checkpoint')
    p.add_argument(
        '--embeddings',
        default=None,
        metavar='PATH.npy',
        help='write the node embeddings (mu) as .npy (graphs)',
    )
    p.add_argument('--plots', default=None, metavar='DIR', help='write plots to DIR')
    p.add_argument('--no-progress', action='store_true', help='hide the progress bar')


def _add_score_parser(sub) -> None:
    p = sub.add_parser('score', help='per-sample anomaly scores of a saved DenseVAE')
    p.add_argument(
        'checkpoint', help='a checkpoint written by `fit --model vae --save`'
    )
    p.add_argument(
        '--dataset', required=True, help='digits | mnist | npy:PATH | csv:PATH'
    )
    p.add_argument('--root', default=None)
    p.add_argument('--out', default=None, metavar='PATH.csv', help='CSV to write')
    p.add_argument('--device', default='cpu')


def _add_bench_parser(sub) -> None:
    p = sub.add_parser(
        'bench',
        help='run a datasets x methods x seeds grid and write result tables',
        description="Reproduce Kipf & Welling's Table 1 (and our improved rows). "
        'Finished runs are kept under OUT/runs/, so an interrupted bench resumes.',
    )
    p.add_argument('--datasets', default='cora', help='comma-separated dataset specs')
    p.add_argument(
        '--models',
        default=None,
        help='comma-separated rows: sc, deepwalk, MODEL[*][@PRESET] '
        '(default: the rows of Table 1 plus the default preset)',
    )
    p.add_argument('--seeds', default='0-9', help="e.g. '0-9' or '0,1,2'")
    p.add_argument('--root', default=None, help='data folder for planetoid:NAME')
    p.add_argument('--out', default='bench_out', metavar='DIR')
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-progress', action='store_true')


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='gvae-ext',
        description='Graph and dense variational autoencoders for PyTorch Geometric.',
    )
    sub = parser.add_subparsers(dest='command', required=True)
    _add_fit_parser(sub)
    _add_bench_parser(sub)
    _add_score_parser(sub)
    return parser


def _fanouts(text: Optional[str]) -> Optional[List[int]]:
    if text is None:
        return None
    try:  # 'all' (= -1) avoids argparse reading '-1,5' as an option
        return [-1 if p.strip() == 'all' else int(p) for p in text.split(',')]
    except ValueError:
        raise ValueError(
            "'--num-neighbors' must be comma-separated integers or 'all' "
            f'(got {text!r})'
        ) from None


def _fit_graph(args) -> dict:
    import numpy as np

    from gvae_ext.datasets import featureless, load_dataset
    from gvae_ext.train import FitConfig, fit_distributed, save

    config = FitConfig.from_preset(
        args.preset or FitConfig.preset,
        model=args.model,
        seed=args.seed,
        epochs=args.epochs,
        lr=args.lr,
        objective=args.objective,
        fastgae_nodes=args.fastgae_nodes,
        fastgae_alpha=args.fastgae_alpha,
        device=args.device,
        batch_size=args.batch_size,
        num_neighbors=_fanouts(args.num_neighbors),
        sampler=args.sampler,
    )
    data = load_dataset(args.dataset, root=args.root, features=args.features)
    if args.featureless or getattr(data, 'x', None) is None:
        data = featureless(data)
    # Plain `fit` in one process; data-parallel under torchrun, where only
    # rank 0 gets a result and reports.
    result = fit_distributed(data, config, progress=not args.no_progress)
    if result is None:
        return None
    summary = result.to_dict()
    summary['dataset'] = args.dataset
    summary['num_nodes'] = int(data.num_nodes)
    if args.save:
        save(args.save, result.model, config, data.x.size(1))
    if args.embeddings:
        np.save(args.embeddings, result.embeddings.cpu().numpy())
    if args.plots:
        import torch

        from gvae_ext.report import save_all_plots

        model = result.model
        z = result.embeddings
        split = result.split
        with torch.no_grad():
            pos = model.decode(z, split.test_pos_edge_index, sigmoid=False)
            neg = model.decode(z, split.test_neg_edge_index, sigmoid=False)
        summary['plots'] = [
            str(p)
            for p in save_all_plots(
                args.plots,
                pos_pred=pos,
                neg_pred=neg,
                history=result.history,
                z=z,
                labels=getattr(data, 'y', None),
            )
        ]
    print(
        f'{args.model} on {args.dataset} (seed {args.seed}): '
        f'test AUC {result.metrics["test_auc"]:.4f}  AP {result.metrics["test_ap"]:.4f}  '
        f'(val AUC {result.metrics["val_auc"]:.4f}  AP {result.metrics["val_ap"]:.4f}; '
        f'{result.timings["total_seconds"]:.1f} s, '
        f'{1000 * result.timings["median_epoch_seconds"]:.1f} ms/epoch)'
    )
    return summary


def _fit_vae(args) -> dict:
    from gvae_ext.vae.train import fit_dense_vae

    summary = fit_dense_vae(
        args.dataset,
        root=args.root,
        seed=args.seed,
        epochs=args.epochs,
        batch_size=args.batch_size or 128,
        lr=args.lr or 1e-3,
        device=args.device,
        iw_samples=args.iw_samples,
        plots_dir=args.plots,
        save_path=args.save,
        progress=not args.no_progress,
    )
    line = (
        f'vae on {args.dataset} (seed {args.seed}): test -ELBO '
        f'{summary["test_nelbo"]:.3f} nats/sample '
        f'(recon {summary["test_recon"]:.3f}, KL {summary["test_kl"]:.3f})'
    )
    if 'test_iw_ll' in summary:
        line += f'; IW log-likelihood {summary["test_iw_ll"]:.3f}'
    print(line)
    return summary


def _cmd_fit(args) -> int:
    if args.model == 'vae' or _is_vae_dataset(args.dataset):
        if args.model != 'vae' or not _is_vae_dataset(args.dataset):
            raise ValueError(
                "'--model vae' goes with the datasets digits, mnist, npy:PATH or "
                f'csv:PATH (got --model {args.model!r} --dataset {args.dataset!r})'
            )
        summary = _fit_vae(args)
    else:
        summary = _fit_graph(args)
        if summary is None:  # a torchrun rank other than 0
            return 0
    if args.json:
        write_json(args.json, summary)
    return 0


def _cmd_bench(args) -> int:
    from gvae_ext.report import bench
    from gvae_ext.train import DEFAULT_PRESET

    if args.models:
        rows = [r.strip() for r in args.models.split(',') if r.strip()]
    else:
        rows = list(bench.TABLE1_ROWS)
        if DEFAULT_PRESET != 'paper':
            rows += [f'gae@{DEFAULT_PRESET}', f'vgae@{DEFAULT_PRESET}']
    datasets = [d.strip() for d in args.datasets.split(',') if d.strip()]
    results = bench.run_grid(
        datasets,
        rows,
        bench.parse_seeds(args.seeds),
        args.out,
        root=args.root,
        device=args.device,
        progress=not args.no_progress,
    )
    summary = bench.summarize(results)
    paths = bench.write_reports(summary, args.out)
    print(bench.to_markdown(summary), end='')
    print(f'written: {paths["md"]}, {paths["csv"]}, {paths["json"]}')
    return 0


def _cmd_score(args) -> int:
    from gvae_ext.vae.score import score_dense_vae

    scores = score_dense_vae(
        args.checkpoint,
        args.dataset,
        root=args.root,
        out_csv=args.out,
        device=args.device,
    )
    print(
        f'scored {scores.numel()} samples; mean {float(scores.mean()):.3f}'
        + (f'; written to {args.out}' if args.out else '')
    )
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == 'fit':
            return _cmd_fit(args)
        if args.command == 'bench':
            return _cmd_bench(args)
        return _cmd_score(args)
    except ValueError as err:
        print(f'gvae-ext {args.command}: error: {err}', file=sys.stderr)
        return 2


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit(main())
