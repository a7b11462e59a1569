r"""Training configurations: :class:`FitConfig`.

A config starts from a named preset (:mod:`gvae_ext.train.presets`:
``'paper'``, ``'tuned'``, ``'masked'``, the default ``'auto'``, and the
ablations); the preset sets the fields in :data:`PRESET_FIELDS`, and
:class:`FitConfig` records the preset it starts from and, in
``overrides``, which of those fields it changes.
"""

import math
from dataclasses import dataclass
from typing import Any, Optional

from gvae_ext._checks import (
    check_device,
    check_fraction_or_count,
    check_seed,
)
from gvae_ext.nn import MAX_DENSE_NODES, OBJECTIVES
from gvae_ext.nn.objectives import check_alpha
from gvae_ext.sampling import BACKENDS, check_num_neighbors
from gvae_ext.train.presets import (  # noqa: F401  (part of the config API)
    DEFAULT_PRESET,
    PRESET_FIELDS,
    PRESETS,
    default_threads,
)

MODELS = ('vgae', 'gae', 'vgae_mlp', 'gae_mlp')
SELECTIONS = ('last', 'val_auc')
NORMS = ('none', 'layer', 'batch')
ACTIVATIONS = ('relu', 'elu')
DECODERS = ('inner', 'mlp')
MASK_KINDS = ('edge', 'path')
RECONS = ('all', 'masked')


@dataclass
class FitConfig:
    r"""Everything that determines a training run (``--json``, checkpoints).

    **Presets.** The fields a preset sets (:data:`PRESET_FIELDS`: ``epochs``,
    ``lr``, ``hidden_channels``, ``out_channels``, ``dropout``,
    ``input_dropout``, ``edge_mask``, ``objective``, ``selection`` and the
    model options ``norm`` ... ``recon``) default
    to :obj:`None`, which takes the value of :obj:`preset`. So
    ``FitConfig()`` holds exactly the default preset
    (:data:`DEFAULT_PRESET`, equal to ``FitConfig.from_preset()``), and
    ``FitConfig(preset='paper', epochs=3)`` holds the paper's values with 3
    epochs. :obj:`overrides` lists the preset fields whose value differs
    from the preset's (``('epochs',)`` there). It is recomputed from the
    values whenever :obj:`preset` or a preset field is set, and a value
    passed for it is ignored, so a saved config always says which preset it
    starts from and where it departs from it.

    Args:
        model (str, optional): One of :data:`MODELS`. (default: :obj:`'vgae'`)
        preset (str, optional): A key of :data:`PRESETS`.
            (default: :data:`DEFAULT_PRESET`)
        seed (int, optional): Seeds the split, the weights and all sampling,
            in ``[0, 2**63)``. (default: :obj:`0`)
        epochs, lr, hidden_channels, out_channels, dropout, input_dropout,
            edge_mask, objective, selection (optional): :obj:`None` takes the
            preset's value (see :data:`PRESETS`).
        norm, act, out_act (optional): The encoder's normalisation
            (:data:`NORMS`), activation (:data:`ACTIVATIONS`) and whether the
            output is normalised and activated too (see
            :class:`~gvae_ext.GCNEncoder`); :obj:`None` takes the preset's.
        decoder (str, optional): :obj:`'inner'` (the inner product) or
            :obj:`'mlp'` (:class:`~gvae_ext.nn.MLPDecoder`, sampled objective
            only); :obj:`None` takes the preset's.
        weight_decay (float, optional): Adam's L2 penalty.
        degree_weight (float, optional): Weight of the degree-regression side
            loss (an MLP head predicts each node's log-degree in the training
            graph from its embedding; training only, not saved).
        mask_kind (str, optional): :obj:`'edge'` or :obj:`'path'` masking
            with :obj:`edge_mask` > 0 (:mod:`gvae_ext.train._masking`).
        recon (str, optional): Reconstruct :obj:`'all'` training pairs or
            only the :obj:`'masked'` ones.
        num_val (float or int, optional): Validation edges, a ratio or a
            count. (default: :obj:`0.05`)
        num_test (float or int, optional): Test edges, a ratio or a count.
            (default: :obj:`0.1`)
        batch_size (int, optional): Training pairs per step on sampled
            neighbourhoods; :obj:`0` trains full batch. (default: :obj:`0`)
        num_neighbors (tuple of int, optional): The fan-out per GCN layer
            with :obj:`batch_size`. (default: :obj:`(10, 10)`)
        sampler (str, optional): One of :data:`SAMPLERS`.
            (default: :obj:`'auto'`)
        device (str, optional): Where to train. (default: :obj:`'cpu'`)
        max_dense_nodes (int, optional): The largest graph the dense
            objective accepts. (default: :data:`MAX_DENSE_NODES`)
        fastgae_nodes (int, optional): Nodes sampled per epoch by the
            ``'fastgae'`` objective. (default: :obj:`2048`)
        fastgae_alpha (float, optional): Degree exponent of that sample.
            (default: :obj:`1.0`)
        num_threads (int, optional): CPU threads for the run; :obj:`None`
            takes :func:`default_threads`. (default: :obj:`None`)
        overrides (tuple of str): Set from the values (see above).
    """

    model: str = 'vgae'
    preset: str = DEFAULT_PRESET
    seed: int = 0
    epochs: Optional[int] = None
    lr: Optional[float] = None
    hidden_channels: Optional[int] = None
    out_channels: Optional[int] = None
    dropout: Optional[float] = None
    input_dropout: Optional[float] = None
    edge_mask: Optional[float] = None
    objective: Optional[str] = None
    selection: Optional[str] = None
    norm: Optional[str] = None
    act: Optional[str] = None
    out_act: Optional[bool] = None
    decoder: Optional[str] = None
    weight_decay: Optional[float] = None
    degree_weight: Optional[float] = None
    mask_kind: Optional[str] = None
    recon: Optional[str] = None
    num_val: float = 0.05
    num_test: float = 0.1
    batch_size: int = 0
    num_neighbors: tuple[int, ...] = (10, 10)
    sampler: str = 'auto'
    device: str = 'cpu'
    max_dense_nodes: int = MAX_DENSE_NODES
    fastgae_nodes: int = 2048
    fastgae_alpha: float = 1.0
    num_threads: Optional[int] = None
    overrides: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_preset(self.preset)
        filled = set()
        for name, value in PRESETS[self.preset].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
                filled.add(name)
        # A preset's masked-only reconstruction and degree loss need the
        # full-batch sampled objective: when the user picks another objective,
        # no masking or mini-batches, the preset's own value gives way.
        if 'recon' in filled and self.recon == 'masked' and not _masked_ok(self):
            object.__setattr__(self, 'recon', 'all')
        if 'degree_weight' in filled and self.batch_size:
            object.__setattr__(self, 'degree_weight', 0.0)
        object.__setattr__(self, '_ready', True)
        self._record_overrides()

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if self.__dict__.get('_ready') and (name == 'preset' or name in PRESET_FIELDS):
            self._record_overrides()

    def _record_overrides(self) -> None:
        base = PRESETS.get(self.preset) if isinstance(self.preset, str) else None
        if base is not None:  # else validate() rejects the preset
            changed = tuple(n for n in PRESET_FIELDS if getattr(self, n) != base[n])
            object.__setattr__(self, 'overrides', changed)

    @classmethod
    def from_preset(cls, preset: str = DEFAULT_PRESET, **overrides) -> 'FitConfig':
        r"""Build a validated config from a named preset and ``overrides``.

        Args:
            preset (str, optional): A key of :data:`PRESETS`.
                (default: :data:`DEFAULT_PRESET`)
            **overrides: Field values; entries whose value is :obj:`None`
                are ignored (the preset's or the field's default stays).

        Returns:
            The :class:`FitConfig`, with ``overrides`` naming the preset
            fields changed.
        """
        config = cls(
            preset=preset, **{k: v for k, v in overrides.items() if v is not None}
        )
        config.validate()
        return config

    def validate(self) -> None:
        r"""Raise :class:`ValueError` naming the first invalid field.

        The message ends with the value it holds, ``(got X)``.
        """
        _check_preset(self.preset)
        _check_choices(self)
        _check_numbers(self)
        _check_minibatch(self)
        check_device(self.device)

    @property
    def variational(self) -> bool:
        r"""Whether :obj:`model` is a VGAE (it has a KL term)."""
        return self.model.startswith('vgae')


def _check_preset(preset) -> None:
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError(f"'preset' must be one of {sorted(PRESETS)} (got {preset!r})")


def _check_choices(config: FitConfig) -> None:
    for name, legal in (
        ('model', MODELS),
        ('objective', OBJECTIVES),
        ('selection', SELECTIONS),
        ('norm', NORMS),
        ('act', ACTIVATIONS),
        ('decoder', DECODERS),
        ('mask_kind', MASK_KINDS),
        ('recon', RECONS),
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
    if config.degree_weight and config.batch_size:
        raise ValueError(
            "'degree_weight' > 0 needs full-batch training "
            f'(got batch_size={config.batch_size})'
        )
    if config.recon == 'masked' and not _masked_ok(config):
        raise ValueError(
            "'recon' 'masked' needs edge_mask > 0, the 'sampled' objective and "
            f'full-batch training (got edge_mask={config.edge_mask}, objective='
            f'{config.objective!r}, batch_size={config.batch_size})'
        )


def _masked_ok(config: FitConfig) -> bool:
    return (
        _is_number(config.edge_mask)
        and config.edge_mask > 0
        and config.objective == 'sampled'
        and not config.batch_size
    )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_numbers(config: FitConfig) -> None:
    r"""Validate the numeric fields; ``bool`` is never taken for a number."""
    check_seed(config.seed)
    for name in (
        'epochs',
        'hidden_channels',
        'out_channels',
        'max_dense_nodes',
        'fastgae_nodes',
    ):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"'{name}' must be a positive integer (got {value!r})")
    lr = config.lr
    if not (_is_number(lr) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"'lr' must be a positive finite number (got {lr!r})")
    for name in ('dropout', 'input_dropout', 'edge_mask'):
        value = getattr(config, name)
        if not (_is_number(value) and 0.0 <= value < 1.0):
            raise ValueError(f"'{name}' must be in [0, 1) (got {value!r})")
    for name in ('weight_decay', 'degree_weight'):
        value = getattr(config, name)
        if not (_is_number(value) and math.isfinite(value) and value >= 0):
            raise ValueError(
                f"'{name}' must be a non-negative finite number (got {value!r})"
            )
    for name in ('num_val', 'num_test'):
        # total=1 only resolves a ratio; the split checks it against the graph.
        check_fraction_or_count(getattr(config, name), name, total=1)
    check_alpha(config.fastgae_alpha, 'fastgae_alpha')  # as the model checks it
    threads = config.num_threads
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise ValueError(f"'num_threads' must be a positive integer (got {threads!r})")


# The own or PyG's neighbour sampler, or PyG's LinkNeighborLoader.
SAMPLERS = BACKENDS + ('loader',)


def _check_minibatch(config: FitConfig) -> None:
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
