r"""``gvae-ext fit``: its options and the command (private).

A graph run builds a :class:`~gvae_ext.train.FitConfig` from ``--preset``
with every knob given on the command line overriding the preset (the JSON
records the preset and the overridden fields); a DenseVAE run
(``--model vae``) passes its options to
:func:`~gvae_ext.vae.train.fit_dense_vae`. Options, config and output paths
are all checked before any data is loaded or any training starts.
"""

import argparse
from typing import Any, Optional

from gvae_ext._checks import check_seed
from gvae_ext._cli_common import (
    check_outputs,
    embedding_ids_path,
    resolve_progress,
)
from gvae_ext._io import write_json
from gvae_ext.train.config import DEFAULT_PRESET, FitConfig, check_device

VAE_DATASETS = ('digits', 'mnist')
VAE_PREFIXES = ('npy:', 'csv:')

# Options (attribute, flag) that only graph models take.
GRAPH_ONLY = [
    (name, '--' + name.replace('_', '-'))
    for name in (
        'preset', 'hidden_channels', 'out_channels', 'dropout', 'input_dropout',
        'edge_mask', 'objective', 'selection', 'fastgae_nodes', 'fastgae_alpha',
        'num_neighbors', 'sampler', 'features', 'embeddings', 'decoder', 'norm',
        'act', 'mask_kind', 'recon', 'weight_decay', 'degree_weight',
        'hard_negatives', 'hard_weight', 'ensemble', 'num_layers', 'blend',
        'patience', 'dense_weighting', 'pair_loss',
    )
]  # fmt: skip


def _is_vae_dataset(spec: str) -> bool:
    return spec in VAE_DATASETS or spec.startswith(VAE_PREFIXES)


def _fanouts(text: Optional[str]) -> Optional[list[int]]:
    if text is None:
        return None
    try:  # 'all' (= -1) avoids argparse reading '-1,5' as an option
        return [-1 if p.strip() == 'all' else int(p) for p in text.split(',')]
    except ValueError:
        raise ValueError(
            "'--num-neighbors' must be comma-separated integers or 'all' "
            f'(got {text!r})'
        ) from None


def graph_config(args: argparse.Namespace) -> FitConfig:
    r"""The validated :class:`FitConfig` of a graph ``fit`` command line.

    Args:
        args (argparse.Namespace): The parsed ``fit`` options.

    Returns:
        The config: ``--preset`` with every option given overriding it.
    """
    if args.iw_samples:
        raise ValueError(
            f"'--iw-samples' applies to --model vae only (got {args.iw_samples})"
        )
    return FitConfig.from_preset(
        args.preset or DEFAULT_PRESET,
        model=args.model,
        seed=args.seed,
        epochs=args.epochs,
        lr=args.lr,
        hidden_channels=args.hidden_channels,
        out_channels=args.out_channels,
        dropout=args.dropout,
        input_dropout=args.input_dropout,
        edge_mask=args.edge_mask,
        objective=args.objective,
        selection=args.selection,
        decoder=args.decoder,
        norm=args.norm,
        act=args.act,
        mask_kind=args.mask_kind,
        recon=args.recon,
        weight_decay=args.weight_decay,
        degree_weight=args.degree_weight,
        hard_negatives=args.hard_negatives,
        hard_weight=args.hard_weight,
        ensemble=args.ensemble,
        num_layers=args.num_layers,
        dense_weighting=args.dense_weighting,
        pair_loss=args.pair_loss,
        fastgae_nodes=args.fastgae_nodes,
        fastgae_alpha=args.fastgae_alpha,
        device=args.device,
        batch_size=args.batch_size,
        num_neighbors=_fanouts(args.num_neighbors),
        sampler=args.sampler,
        num_threads=args.threads,
        patience=args.patience,
    )


def write_embeddings(path: str, z, data) -> None:
    r"""Write ``z`` to ``path`` and the node id of each row beside it.

    ``PATH.npy`` gets the matrix, ``PATH.ids.txt`` one id per line: the
    original ids of a renumbered edge list (``data.node_ids``, strings or
    integers) when set, else ``0, ..., N-1``.

    Args:
        path (str): A path ending in ``.npy``.
        z (torch.Tensor): The ``[num_nodes, out_channels]`` embeddings.
        data (torch_geometric.data.Data): The graph they embed.
    """
    from gvae_ext._io import save_npy, write_text

    save_npy(path, z.detach().cpu())
    ids = getattr(data, 'node_ids', None)
    if ids is None:
        ids = range(z.size(0))
    elif hasattr(ids, 'tolist'):
        ids = ids.tolist()
    write_text(embedding_ids_path(path), ''.join(f'{i}\n' for i in ids))


def _plots(args, result, data) -> list[str]:
    import torch

    from gvae_ext.report import save_all_plots

    model, z, split = result.model, result.embeddings, result.split
    with torch.no_grad():
        pos = model.decode(z, split.test_pos_edge_index, sigmoid=False)
        neg = model.decode(z, split.test_neg_edge_index, sigmoid=False)
    paths = save_all_plots(
        args.plots,
        pos_pred=pos,
        neg_pred=neg,
        history=result.history,
        z=z,
        labels=getattr(data, 'y', None),
        reported_epoch=result.history['reported_epoch'][0],
    )
    return [str(p) for p in paths]


def _blend(result, data, heuristic: str) -> dict[str, Any]:
    # The trained model's scores blended with a heuristic (gvae_ext.link.blend).
    import torch

    from gvae_ext.link import blend_split, link_auc_ap

    model, z, split = result.model, result.embeddings, result.split
    with torch.no_grad():
        blend = blend_split(
            lambda p: model.decoder(z, p, sigmoid=False),
            split,
            int(data.num_nodes),
            heuristic=heuristic,
        )
        auc, ap = link_auc_ap(
            blend(split.test_pos_edge_label_index),
            blend(split.test_neg_edge_label_index),
        )
    w = blend.weight
    return dict(
        heuristic=heuristic,
        weight=w,
        scale=blend.scale,
        val_auc=blend.val_auc[w],
        val_ap=blend.val_ap[w],
        test_auc=float(auc),
        test_ap=float(ap),
    )


def _fit_graph(args, config: FitConfig) -> Optional[dict[str, Any]]:
    from gvae_ext.datasets import featureless, load_graph
    from gvae_ext.link import EdgeSplit
    from gvae_ext.train import fit_distributed, save

    data, official = load_graph(
        args.dataset, root=args.root, features=args.features, name='--dataset'
    )
    split = None if official is None else EdgeSplit.from_official(official)
    if args.featureless or getattr(data, 'x', None) is None:
        data = featureless(data)
    # Plain `fit` in one process; data-parallel under torchrun, where only
    # rank 0 gets a result and reports. The run picks its thread count
    # (config.num_threads, else default_threads of the graph).
    result = fit_distributed(
        data, config, split=split, progress=resolve_progress(args.progress)
    )
    if result is None:
        return None
    summary = result.to_dict()
    summary.update(dataset=args.dataset, num_nodes=int(data.num_nodes))
    if args.save:
        # the config the model was built from (auto may choose another candidate)
        save(args.save, result.model, result.config, data.x.size(1))
    if args.embeddings:
        write_embeddings(args.embeddings, result.embeddings, data)
    if args.plots:
        summary['plots'] = _plots(args, result, data)
    m, t = result.metrics, result.timings
    mrr = f'  HeaRT MRR {m["val_mrr"]:.4f}' if 'val_mrr' in m else ''
    print(
        f'{args.model} on {args.dataset} (seed {args.seed}): '
        f'test AUC {m["test_auc"]:.4f}  AP {m["test_ap"]:.4f}  '
        f'(val AUC {m["val_auc"]:.4f}  AP {m["val_ap"]:.4f}{mrr}; '
        f'{t["total_seconds"]:.1f} s, {1000 * t["median_epoch_seconds"]:.1f} ms/epoch)'
    )
    if result.auto and len(result.auto['candidates']) > 1:  # say what auto chose
        from gvae_ext.train.loop import selection_key

        key = selection_key(m)
        scores = ', '.join(
            f'{c["name"]} {c[key]:.4f}' for c in result.auto['candidates']
        )
        label = 'HeaRT MRR' if key == 'val_mrr' else 'AUC'
        print(f'auto chose {result.auto["chosen"]} by validation {label} ({scores})')
    if args.blend:
        b = summary['blend'] = _blend(result, data, args.blend)
        print(
            f'blended with {args.blend} (weight {b["weight"]:g}, chosen on the '
            f'validation pairs): test AUC {b["test_auc"]:.4f}  AP {b["test_ap"]:.4f}  '
            f'(val AUC {b["val_auc"]:.4f}  AP {b["val_ap"]:.4f})'
        )
    return summary


def _check_vae_args(args) -> None:
    if args.model != 'vae' or not _is_vae_dataset(args.dataset):
        raise ValueError(
            "'--model vae' goes with the datasets digits, mnist, npy:PATH or "
            f'csv:PATH (got --model {args.model!r} --dataset {args.dataset!r})'
        )
    for attr, flag in GRAPH_ONLY:
        if getattr(args, attr) is not None:
            raise ValueError(
                f"'{flag}' applies to graph models only (got {flag} "
                f'{getattr(args, attr)!r} with --model vae)'
            )
    if args.featureless:
        raise ValueError("'--featureless' applies to graph models only (got it)")
    check_seed(args.seed)
    check_device(args.device)


def _fit_vae(args) -> dict[str, Any]:
    from gvae_ext.vae.train import fit_dense_vae

    extra = {} if args.threads is None else {'num_threads': args.threads}
    summary = fit_dense_vae(
        args.dataset,
        root=args.root,
        seed=args.seed,
        epochs=args.epochs,
        batch_size=128 if args.batch_size is None else args.batch_size,
        lr=1e-3 if args.lr is None else args.lr,
        device=args.device,
        iw_samples=args.iw_samples,
        plots_dir=args.plots,
        save_path=args.save,
        progress=resolve_progress(args.progress),
        **extra,
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


def cmd_fit(args: argparse.Namespace) -> int:
    r"""Run ``gvae-ext fit``.

    Args:
        args (argparse.Namespace): The parsed ``fit`` options.

    Returns:
        The exit status, :obj:`0`.
    """
    if args.model == 'vae' or _is_vae_dataset(args.dataset):
        _check_vae_args(args)
        check_outputs(args)
        summary = _fit_vae(args)
    else:
        config = graph_config(args)
        check_outputs(args)
        summary = _fit_graph(args, config)
        if summary is None:  # a torchrun rank other than 0
            return 0
    if args.json:
        write_json(args.json, summary)
    return 0
