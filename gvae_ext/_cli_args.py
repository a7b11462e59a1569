r"""The ``gvae-ext`` argument parser: every subcommand's options (private).

The options of ``fit`` that a preset sets (``--epochs``, ``--lr``,
``--hidden-channels``, ...) default to :obj:`None`, meaning "the preset's
value"; any value given overrides the preset.
"""

import argparse

from gvae_ext._cli_audit import add_audit_parser
from gvae_ext._cli_common import Parser, add_progress_options, positive_int
from gvae_ext.link.blend import BLEND_HEURISTICS
from gvae_ext.nn import OBJECTIVES
from gvae_ext.nn.objectives import DENSE_WEIGHTINGS, PAIR_LOSSES
from gvae_ext.train.config import (
    ACTIVATIONS,
    DECODERS,
    DEFAULT_PRESET,
    MASK_KINDS,
    MODELS,
    NORMS,
    PRESETS,
    RECONS,
    SAMPLERS,
    SELECTIONS,
)


def _add_knobs(p: argparse.ArgumentParser) -> None:
    r"""The options that override the preset."""
    pre = '(default: from --preset)'
    p.add_argument(
        '--preset',
        default=None,
        choices=list(PRESETS),
        metavar='NAME',
        help=f'named training configuration, one of {", ".join(PRESETS)}; '
        f'`gvae-ext presets` lists their values (default: {DEFAULT_PRESET})',
    )
    p.add_argument('--epochs', type=int, default=None, help=f'training epochs {pre}')
    p.add_argument('--lr', type=float, default=None, help=f'Adam learning rate {pre}')
    p.add_argument(
        '--hidden-channels', type=int, default=None, help=f'encoder hidden width {pre}'
    )
    p.add_argument(
        '--out-channels', type=int, default=None, help=f'embedding size {pre}'
    )
    p.add_argument(
        '--dropout', type=float, default=None, help=f'dropout between layers {pre}'
    )
    p.add_argument(
        '--input-dropout',
        type=float,
        default=None,
        help=f'dropout on the input features {pre}',
    )
    p.add_argument(
        '--edge-mask',
        type=float,
        default=None,
        help='share of training edges hidden from the encoder each epoch '
        f'(the loss still reconstructs them) {pre}',
    )
    p.add_argument(
        '--objective',
        default=None,
        choices=OBJECTIVES,
        help=f'reconstruction objective {pre}',
    )
    p.add_argument(
        '--selection',
        default=None,
        choices=SELECTIONS,
        help="model kept: the 'last' epoch's, the best 'val_auc' one, or the one "
        f"with the best validation HeaRT MRR ('val_mrr') {pre}",
    )
    _add_model_knobs(p, pre)


def _add_model_knobs(p: argparse.ArgumentParser, pre: str) -> None:
    r"""The model and objective options of the masked autoencoder."""
    p.add_argument(
        '--decoder',
        default=None,
        choices=DECODERS,
        help="pair decoder: the 'inner' product or a learned 'mlp' on z_u * z_v "
        f'(sampled objective only) {pre}',
    )
    p.add_argument(
        '--norm', default=None, choices=NORMS, help=f'encoder normalisation {pre}'
    )
    p.add_argument(
        '--act', default=None, choices=ACTIVATIONS, help=f'encoder activation {pre}'
    )
    for flag, legal, text in (
        ('--mask-kind', MASK_KINDS, "mask single 'edge's or random-walk 'path's"),
        ('--recon', RECONS, "reconstruct 'all' training pairs or only the 'masked' ones"),
        ('--dense-weighting', DENSE_WEIGHTINGS, "how the dense objective weighs its pairs: "
         "Kipf's 'balanced' or 'uniform' (every pair alike, as the HeaRT benchmark's GAE)"),
        ('--pair-loss', PAIR_LOSSES, "the sampled objective's loss: binary cross-entropy "
         "('bce') or each negative ranked against a positive ('bpr')"),
    ):  # fmt: skip
        p.add_argument(flag, default=None, choices=legal, help=f'{text} {pre}')
    for flag, kind, text in (
        ('--weight-decay', float, 'Adam weight decay'),
        ('--hard-negatives', float, 'share of training negatives drawn as two-hop non-edges'),
        ('--hard-weight', float, 'weight of an extra loss term against two-hop non-edges'),
        ('--degree-weight', float, 'weight of the degree-regression side loss'),
        ('--ensemble', int, 'train K members on the split and return their ensemble'),
        ('--num-layers', int, 'encoder GCN layers: 2, or 1 (the heads read the features)'),
    ):  # fmt: skip
        p.add_argument(flag, type=kind, default=None, help=f'{text} {pre}')


def _add_graph_options(p: argparse.ArgumentParser) -> None:
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
        '--blend',
        default=None,
        choices=BLEND_HEURISTICS,
        help='also report the trained model blended with this heuristic on the '
        'training graph, its weight chosen on the validation pairs (the JSON '
        "gets 'blend'; the model itself is unchanged)",
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
        choices=SAMPLERS,
        help="neighbourhood sampler with --batch-size: 'own', PyG's sampler "
        "('pyg'), PyG's LinkNeighborLoader ('loader') or 'auto' (default)",
    )
    p.add_argument(
        '--iw-samples',
        type=int,
        default=0,
        help='importance samples for the test log-likelihood (vae; default: 0)',
    )


def _add_outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument('--json', default=None, metavar='PATH', help='write results as JSON')
    p.add_argument('--save', default=None, metavar='PATH', help='write a checkpoint')
    p.add_argument(
        '--embeddings',
        default=None,
        metavar='PATH.npy',
        help='write the node embeddings (mu) as .npy, and the original node id '
        'of each row, one per line, to PATH.ids.txt (graphs)',
    )
    p.add_argument(
        '--plots', default=None, metavar='DIR', help='write plots to DIR (matplotlib)'
    )
    add_progress_options(p)


def add_fit_parser(sub) -> None:
    r"""Add the ``fit`` subcommand to ``sub``.

    Args:
        sub: The parent parser's subparsers action.
    """
    p = sub.add_parser(
        'fit',
        help='train a model on one dataset and print test metrics',
        description='Train a GAE/VGAE (graphs) or a DenseVAE (tables, images) '
        'and report held-out metrics. Options given override the preset.',
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
        choices=MODELS + ('vae',),
        help=f'{" | ".join(MODELS)} (graphs) or vae (DenseVAE) (default: vgae)',
    )
    p.add_argument(
        '--seed', type=int, default=0, help='seeds the split, weights and sampling '
        '(default: 0)',
    )  # fmt: skip
    p.add_argument('--device', default='cpu', help='cpu | cuda | cuda:N (default: cpu)')
    p.add_argument(
        '--threads',
        type=positive_int,
        default=None,
        metavar='N',
        help='CPU threads for the run (default: 1 on graphs under 1000 nodes, '
        "else the idle CPUs at the start, at most PyTorch's setting, lowered "
        'if the epochs slow down; 1 for vae)',
    )
    p.add_argument(
        '--patience',
        type=positive_int,
        default=None,
        metavar='N',
        help='stop once the selection score (validation AUC, or HeaRT MRR with '
        '--selection val_mrr) has not improved for N epochs (default: train '
        'all epochs)',
    )
    _add_knobs(p)
    _add_graph_options(p)
    _add_outputs(p)


def _add_score_parser(sub) -> None:
    p = sub.add_parser('score', help='per-sample anomaly scores of a saved DenseVAE')
    p.add_argument(
        'checkpoint', help='a checkpoint written by `fit --model vae --save`'
    )
    p.add_argument(
        '--dataset', required=True, help='digits | mnist | npy:PATH | csv:PATH'
    )
    p.add_argument('--root', default=None, help='data folder for mnist')
    p.add_argument(
        '--out', default=None, metavar='PATH.csv', help='write index,score rows here'
    )
    p.add_argument('--device', default='cpu', help='cpu | cuda | cuda:N (default: cpu)')


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
        help='comma-separated rows: sc, deepwalk, the heuristics cn, aa, ra, '
        'ppr, and MODEL[*][@PRESET][:mrr][+HEURISTIC] (:mrr keeps the epoch '
        'with the best validation HeaRT MRR; +ra, +aa or +cn blends the '
        'model with that heuristic, its weight chosen on validation pairs) '
        '(default: the rows of Table 1 plus the default preset)',
    )
    p.add_argument('--seeds', default='0-9', help="e.g. '0-9' or '0,1,2'")
    p.add_argument(
        '--protocol',
        default='random',
        help='comma-separated evaluation protocols: random (AUC/AP against '
        'random non-edges), heart (MRR and Hits@K against HeaRT hard '
        'negatives), ogb (OGB Hits@K and MRR) (default: random)',
    )
    p.add_argument('--root', default=None, help='data folder for planetoid:NAME')
    p.add_argument(
        '--out', default='bench_out', metavar='DIR', help='(default: bench_out)'
    )
    p.add_argument('--device', default='cpu', help='cpu | cuda | cuda:N (default: cpu)')
    add_progress_options(p)


def _add_presets_parser(sub) -> None:
    sub.add_parser(
        'presets',
        help='list the training presets and their values',
        description='Every preset `gvae-ext fit --preset NAME` takes, with the '
        'values it sets; options given to fit override them.',
    )


def build_parser() -> Parser:
    r"""The ``gvae-ext`` argument parser.

    Returns:
        The parser; its errors raise
        :class:`~gvae_ext._cli_common.UsageError`.
    """
    parser = Parser(
        prog='gvae-ext',
        description='Graph and dense variational autoencoders for PyTorch Geometric.',
    )
    sub = parser.add_subparsers(dest='command', required=True)
    add_fit_parser(sub)
    _add_bench_parser(sub)
    _add_score_parser(sub)
    _add_presets_parser(sub)
    add_audit_parser(sub)
    return parser
