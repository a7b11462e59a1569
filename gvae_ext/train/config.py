r"""Training configurations: :class:`FitConfig`.

A config starts from a named preset (:mod:`gvae_ext.train.presets`:
``'paper'``, ``'tuned'``, ``'masked'``, the default ``'auto'``, and the
ablations); the preset sets the fields in :data:`PRESET_FIELDS`, and
:class:`FitConfig` records the preset it starts from and, in
``overrides``, which of those fields it changes.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

from gvae_ext._checks import check_device
from gvae_ext.nn import MAX_DENSE_NODES
from gvae_ext.train import _config_rules as rules
from gvae_ext.train._config_rules import ACTIVATIONS as ACTIVATIONS
from gvae_ext.train._config_rules import DECODERS as DECODERS
from gvae_ext.train._config_rules import MASK_KINDS as MASK_KINDS
from gvae_ext.train._config_rules import MODELS as MODELS
from gvae_ext.train._config_rules import NORMS as NORMS
from gvae_ext.train._config_rules import RECONS as RECONS
from gvae_ext.train._config_rules import SAMPLERS as SAMPLERS
from gvae_ext.train._config_rules import SELECTIONS as SELECTIONS
from gvae_ext.train.presets import (  # noqa: F401  (part of the config API)
    DEFAULT_PRESET,
    PRESET_FIELDS,
    PRESETS,
    default_threads,
)

# Ensemble member k trains with seed + k * this (mod 2**63): far apart, so that
# members of fits with neighbouring seeds never share a seed.
MEMBER_SEED_STRIDE = 0x9E3779B97F4A7C15 % 2**63


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
    epochs. :obj:`overrides` lists the preset fields you set -- passed to
    the constructor or :meth:`from_preset`, or assigned later, even to the
    preset's own value -- and those whose value differs from the preset's
    (``('epochs',)`` there), so a saved config says which preset it starts
    from and which fields were chosen by hand; the ``'auto'`` preset never
    changes them. A copy (:func:`dataclasses.replace`, or a config read back
    from its ``dict``) passes :obj:`overrides` on and keeps them.

    Args:
        model (str, optional): One of :data:`MODELS`. (default: :obj:`'vgae'`)
        preset (str, optional): A key of :data:`PRESETS`.
            (default: :data:`DEFAULT_PRESET`)
        seed (int, optional): Seeds the split, the weights and all sampling,
            in ``[0, 2**63)``. (default: :obj:`0`)
        epochs, lr, hidden_channels, out_channels, dropout, input_dropout,
            edge_mask, objective, selection (optional): :obj:`None` takes the
            preset's value (see :data:`PRESETS`). ``selection`` is one of
            :data:`SELECTIONS`: the ``'last'`` epoch, the best validation AUC
            (``'val_auc'``), or the best validation HeaRT MRR (``'val_mrr'``:
            each validation edge ranked against its own 100 hard negatives of
            the training graph, as HeaRT selects its models; full batch, one
            process).
        norm, act, out_act (optional): The encoder's normalisation
            (:data:`NORMS`), activation (:data:`ACTIVATIONS`) and whether the
            output is normalised and activated too (see
            :class:`~gvae_ext.GCNEncoder`); :obj:`None` takes the preset's.
        decoder (str, optional): :obj:`'inner'` (the inner product) or
            :obj:`'mlp'` (:class:`~gvae_ext.nn.MLPDecoder`, sampled objective
            only); :obj:`None` takes the preset's.
        weight_decay (float, optional): Adam's L2 penalty.
        hard_negatives (float, optional): Share of the sampled objective's
            training negatives replaced by two-hop non-edges
            (:mod:`gvae_ext.train._hard`); full-batch sampled objective only.
        hard_weight (float, optional): Weight :math:`\lambda` of a second
            sampled reconstruction term whose negatives are all two-hop
            non-edges (the uniform negatives stay): the loss is
            :math:`L(\text{pos}, \text{uniform}) + \lambda
            L(\text{pos}, \text{two-hop})`; full-batch sampled objective only.
        degree_weight (float, optional): Weight of the degree-regression side
            loss (an MLP head predicts each node's log-degree in the training
            graph from its embedding; training only, not saved).
        mask_kind (str, optional): :obj:`'edge'` or :obj:`'path'` masking
            with :obj:`edge_mask` > 0 (:mod:`gvae_ext.train._masking`).
        recon (str, optional): Reconstruct :obj:`'all'` training pairs or
            only the :obj:`'masked'` ones.
        ensemble (int, optional): Train this many members on the same split
            (member ``k`` seeded by :meth:`member_seed`) and return their
            ensemble: one (V)GAE whose embedding is the members' scaled
            concatenation, so its inner product is the mean of their logits
            (:mod:`gvae_ext.nn.ensemble`); each member keeps its own
            best-validation epoch. :obj:`1` trains one model.
        num_layers (int, optional): The encoder's GCN layers: :obj:`2`
            (Kipf & Welling's) or :obj:`1`, where the heads propagate the
            features once (:class:`~gvae_ext.GCNEncoder`'s ``num_layers``);
            :obj:`None` takes the preset's.
        dense_weighting (str, optional): How the ``'dense'`` objective weighs
            its pairs: Kipf's :obj:`'balanced'` or :obj:`'uniform'` (every
            pair alike, as the HeaRT benchmark's GAE; ``'dense'`` objective
            only); :obj:`None` takes the preset's.
        pair_loss (str, optional): The loss of the ``'sampled'`` objective:
            :obj:`'bce'` (binary cross-entropy) or :obj:`'bpr'` (each negative
            ranked against a positive,
            :func:`~gvae_ext.nn.objectives.ranking_recon_loss`; ``'sampled'``
            objective only); :obj:`None` takes the preset's.
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
        patience (int, optional): Stop training once the selection's score
            (validation AUC, or HeaRT MRR with ``'val_mrr'``) has not improved
            for this many epochs; the kept epoch is the best one seen. Not
            with ``selection='last'`` (an adaptive preset's candidates that
            keep the last epoch train all their epochs) nor with several
            processes. :obj:`None` trains all :obj:`epochs`.
            (default: :obj:`None`)
        overrides (tuple of str, optional): Computed (see above); pass it
            only to copy a config. (default: :obj:`None`)
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
    hard_negatives: Optional[float] = None
    hard_weight: Optional[float] = None
    mask_kind: Optional[str] = None
    recon: Optional[str] = None
    ensemble: Optional[int] = None
    num_layers: Optional[int] = None
    dense_weighting: Optional[str] = None
    pair_loss: Optional[str] = None
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
    patience: Optional[int] = None
    overrides: Optional[tuple[str, ...]] = None

    def __post_init__(self) -> None:
        rules.check_preset(self.preset)
        if isinstance(self.num_neighbors, list):  # e.g. read back from JSON
            object.__setattr__(self, 'num_neighbors', tuple(self.num_neighbors))
        # The fields set by hand: those passed, or a copy's recorded ones.
        passed = self.overrides
        filled = set()
        for name, value in PRESETS[self.preset].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
                filled.add(name)
        # A preset's masked-only reconstruction and degree loss need the
        # full-batch sampled objective: when the user picks another objective,
        # no masking or mini-batches, the preset's own value gives way.
        if 'recon' in filled and self.recon == 'masked' and not rules.masked_ok(self):
            object.__setattr__(self, 'recon', 'all')
        if 'degree_weight' in filled and self.batch_size:
            object.__setattr__(self, 'degree_weight', 0.0)
        if passed is None:
            given = set(PRESET_FIELDS) - filled
        elif isinstance(passed, (tuple, list)):
            given = set(passed) & set(PRESET_FIELDS)
        else:
            raise ValueError(
                f"'overrides' must be a tuple of field names or None (got {passed!r})"
            )
        object.__setattr__(self, '_given', given)
        object.__setattr__(self, '_ready', True)
        self._record_overrides()

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if self.__dict__.get('_ready') and (name == 'preset' or name in PRESET_FIELDS):
            if name != 'preset':
                self._given.add(name)
            self._record_overrides()

    def _record_overrides(self) -> None:
        base = PRESETS.get(self.preset) if isinstance(self.preset, str) else None
        if base is not None:  # else validate() rejects the preset
            changed = tuple(
                n
                for n in PRESET_FIELDS
                if n in self._given or getattr(self, n) != base[n]
            )
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
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f'{unknown[0]!r} is not a FitConfig field; the fields are '
                f'{sorted(known - {"preset", "overrides"})} (got {unknown[0]}='
                f'{overrides[unknown[0]]!r})'
            )
        config = cls(
            preset=preset, **{k: v for k, v in overrides.items() if v is not None}
        )
        config.validate()
        return config

    def validate(self) -> None:
        r"""Raise :class:`ValueError` naming the first invalid field.

        The message ends with the value it holds, ``(got X)``.
        """
        rules.check_preset(self.preset)
        rules.check_choices(self)
        rules.check_numbers(self)
        rules.check_minibatch(self)
        check_device(self.device)

    def member_seed(self, k: int) -> int:
        r"""The seed of ensemble member :obj:`k` (member 0 has :obj:`seed`)."""
        return (self.seed + k * MEMBER_SEED_STRIDE) % 2**63

    @property
    def variational(self) -> bool:
        r"""Whether :obj:`model` is a VGAE (it has a KL term)."""
        return self.model.startswith('vgae')
