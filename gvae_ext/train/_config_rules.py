r"""The legal values of :class:`~gvae_ext.train.config.FitConfig`'s fields, and their checks.

Public through :mod:`gvae_ext.train.config`; each check raises
:class:`ValueError` naming the field.
"""

import math

from gvae_ext._checks import check_fraction_or_count, check_seed
from gvae_ext.nn import OBJECTIVES
from gvae_ext.nn.objectives import DENSE_WEIGHTINGS, PAIR_LOSSES, check_alpha
from gvae_ext.sampling import BACKENDS, check_num_neighbors
from gvae_ext.train.presets import ADAPTIVE_PRESETS, PRESETS

MODELS = ('vgae', 'gae', 'vgae_mlp', 'gae_mlp')
SELECTIONS = ('last', 'val_auc', 'val_mrr')
NORMS = ('none', 'layer', 'batch')
ACTIVATIONS = ('relu', 'elu')
DECODERS = ('inner', 'mlp')
MASK_KINDS = ('edge', 'path')
RECONS = ('all', 'masked')
# The own or PyG's neighbour sampler, or PyG's LinkNeighborLoader.
SAMPLERS = BACKENDS + ('loader',)


def check_preset(preset) -> None:
    r"""Raise unless :obj:`preset` names a preset."""
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError(f"'preset' must be one of {sorted(PRESETS)} (got {preset!r})")


def check_choices(config) -> None:
    r"""Validate the fields that take one of a few names, and their combinations."""
    for name, legal in (
        ('model', MODELS),
        ('objective', OBJECTIVES),
        ('selection', SELECTIONS),
        ('norm', NORMS),
        ('act', ACTIVATIONS),
        ('decoder', DECODERS),
        ('mask_kind', MASK_KINDS),
        ('recon', RECONS),
        ('dense_weighting', DENSE_WEIGHTINGS),
        ('pair_loss', PAIR_LOSSES),
    ):
        value = getattr(config, name)
        if not isinstance(value, str) or value not in legal:
            raise ValueError(f"'{name}' must be one of {legal} (got {value!r})")
    if not isinstance(config.out_act, bool):
        raise ValueError(f"'out_act' must be a bool (got {config.out_act!r})")
    if config.decoder == 'mlp' and config.objective != 'sampled':
        raise ValueError(
            f"'decoder' 'mlp' needs the 'sampled' objective (got {config.objective!r})"
        )
    if config.dense_weighting != 'balanced' and config.objective != 'dense':
        raise ValueError(
            f"'dense_weighting' {config.dense_weighting!r} needs the 'dense' "
            f'objective (got {config.objective!r})'
        )
    if config.pair_loss != 'bce' and config.objective != 'sampled':
        raise ValueError(
            f"'pair_loss' {config.pair_loss!r} needs the 'sampled' objective "
            f'(got {config.objective!r})'
        )
    if config.selection == 'val_mrr' and config.batch_size:
        raise ValueError(
            "'selection' 'val_mrr' needs full-batch training "
            f'(got batch_size={config.batch_size})'
        )
    if config.degree_weight and config.batch_size:
        raise ValueError(
            "'degree_weight' > 0 needs full-batch training "
            f'(got batch_size={config.batch_size})'
        )
    if config.recon == 'masked' and not masked_ok(config):
        raise ValueError(
            "'recon' 'masked' needs edge_mask > 0, the 'sampled' objective and "
            f'full-batch training (got edge_mask={config.edge_mask}, objective='
            f'{config.objective!r}, batch_size={config.batch_size})'
        )


def masked_ok(config) -> bool:
    r"""Whether the config can reconstruct only the masked edges."""
    return (
        _is_number(config.edge_mask)
        and config.edge_mask > 0
        and config.objective == 'sampled'
        and not config.batch_size
    )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_numbers(config) -> None:
    r"""Validate the numeric fields; ``bool`` is never taken for a number."""
    check_seed(config.seed)
    for name in (
        'epochs',
        'hidden_channels',
        'out_channels',
        'max_dense_nodes',
        'fastgae_nodes',
        'ensemble',
    ):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"'{name}' must be a positive integer (got {value!r})")
    layers = config.num_layers
    if type(layers) is not int or layers not in (1, 2):  # not bool/float
        raise ValueError(f"'num_layers' must be 1 or 2 (got {layers!r})")
    lr = config.lr
    if not (_is_number(lr) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"'lr' must be a positive finite number (got {lr!r})")
    for name in ('dropout', 'input_dropout', 'edge_mask'):
        value = getattr(config, name)
        if not (_is_number(value) and 0.0 <= value < 1.0):
            raise ValueError(f"'{name}' must be in [0, 1) (got {value!r})")
    hard = config.hard_negatives
    if not (_is_number(hard) and 0.0 <= hard <= 1.0):
        raise ValueError(f"'hard_negatives' must be in [0, 1] (got {hard!r})")
    for name in ('weight_decay', 'degree_weight', 'hard_weight'):
        value = getattr(config, name)
        if not (_is_number(value) and math.isfinite(value) and value >= 0):
            raise ValueError(
                f"'{name}' must be a non-negative finite number (got {value!r})"
            )
    for name in ('hard_negatives', 'hard_weight'):
        if getattr(config, name) and (
            config.objective != 'sampled' or config.batch_size
        ):
            raise ValueError(
                f"'{name}' > 0 needs the full-batch 'sampled' objective (got "
                f'objective={config.objective!r}, batch_size={config.batch_size})'
            )
    for name in ('num_val', 'num_test'):
        # total=1 only resolves a ratio; the split checks it against the graph.
        check_fraction_or_count(getattr(config, name), name, total=1)
    check_alpha(config.fastgae_alpha, 'fastgae_alpha')  # as the model checks it
    check_patience(config)
    threads = config.num_threads
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise ValueError(f"'num_threads' must be a positive integer (got {threads!r})")


def check_patience(config) -> None:
    r"""Validate ``patience``: :obj:`None` or a positive integer, with a selection."""
    patience = config.patience
    if patience is None:
        return
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(
            f"'patience' must be a positive integer or None (got {patience!r})"
        )
    adaptive = config.preset in ADAPTIVE_PRESETS  # candidates may keep 'last'
    if config.selection == 'last' and not adaptive:
        raise ValueError(
            "'patience' needs a selection by validation ('val_auc' or 'val_mrr'), "
            "not 'last' (got selection='last')"
        )


def check_minibatch(config) -> None:
    r"""Validate the mini-batch fields (:mod:`gvae_ext.train.minibatch`)."""
    size = config.batch_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(
            "'batch_size' must be a non-negative integer, 0 for full batch "
            f'(got {size!r})'
        )
    hops = check_num_neighbors(config.num_neighbors)
    if len(hops) != 2:
        raise ValueError(
            "'num_neighbors' must give one fan-out per GCN layer (2) "
            f'(got {list(hops)})'
        )
    if config.sampler not in SAMPLERS:
        raise ValueError(
            f"'sampler' must be one of {SAMPLERS} (got {config.sampler!r})"
        )
    if size > 0 and config.objective != 'sampled':
        raise ValueError(
            f"'batch_size' > 0 needs the 'sampled' objective (got {config.objective!r})"
        )
