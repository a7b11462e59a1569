r"""The rows of a benchmark: parsing a row name and turning it into a pair scorer.

A row is ``sc``, ``deepwalk``, a heuristic (``cn``, ``aa``, ``ra``, ``ppr``)
or ``MODEL[*][@PRESET][:mrr][+HEURISTIC]`` (see :mod:`gvae_ext.report.bench`); private,
re-exported by :mod:`gvae_ext.report.bench`.
"""

import re
from typing import Sequence

from gvae_ext._checks import check_seed
from gvae_ext.baselines import BASELINES as _BASELINE_FUNCTIONS
from gvae_ext.link.blend import BLEND_HEURISTICS, blend_split
from gvae_ext.link.split import check_held_out
from gvae_ext.report.protocols import HEURISTICS, heuristic_scorer

BASELINES = tuple(_BASELINE_FUNCTIONS)
TABLE1_ROWS = (
    'sc',
    'deepwalk',
    'gae*@paper',
    'vgae*@paper',
    'gae@paper',
    'vgae@paper',
    'vgae_mlp@paper',
)
_ROW = re.compile(
    r'^(?P<model>[a-z_]+)(?P<star>\*)?(?:@(?P<preset>[a-z0-9_]+))?'
    r'(?P<mrr>:mrr)?(?:\+(?P<blend>[a-z]+))?$'
)


MAX_SEEDS = 10000
_SEEDS_PART = re.compile(r'([0-9]+)(?:-([0-9]+))?')


def _seed(digits: str, name: str) -> int:
    # 2**63 - 1 has 19 digits: a longer number is out of range, and int()
    # of a few thousand digits would fail with an unrelated message.
    if len(digits.lstrip('0')) > 19:
        shown = (
            digits if len(digits) <= 40 else f'{digits[:20]}... ({len(digits)} digits)'
        )
        raise ValueError(f"'{name}' must be an integer in [0, 2**63) (got {shown})")
    return check_seed(int(digits), name)


def parse_seeds(text: str, name: str = 'seeds') -> list[int]:
    r"""``'0-9'`` -> ``[0, ..., 9]``; ``'0,3,5'`` -> ``[0, 3, 5]``.

    Every seed must lie in ``[0, 2**63)`` and appear once, and the list may
    hold at most :data:`MAX_SEEDS` seeds; a range is checked before it is
    expanded.

    Args:
        text (str): Comma-separated seeds and ascending ranges ``LO-HI``.
        name (str, optional): The option named in errors, e.g.
            :obj:`'--seeds'`. (default: :obj:`'seeds'`)

    Returns:
        The seeds, in the order given.

    Raises:
        ValueError: Naming :obj:`name` and the text for a malformed part, a
            descending range, a seed out of range, a repeated seed or more
            than :data:`MAX_SEEDS` seeds.
    """
    seeds: list[int] = []
    seen: set[int] = set()
    for part in str(text).split(','):
        part = part.strip()
        m = _SEEDS_PART.fullmatch(part)
        if not m:
            raise ValueError(f"'{name}' must look like 0-9 or 0,1,2 (got {text!r})")
        lo = _seed(m.group(1), name)
        hi = lo if m.group(2) is None else _seed(m.group(2), name)
        if hi < lo:
            raise ValueError(f"'{name}' range must be ascending (got {part!r})")
        count = len(seeds) + hi - lo + 1
        if count > MAX_SEEDS:
            raise ValueError(
                f"'{name}' may hold at most {MAX_SEEDS} seeds (got {text!r}: "
                f'at least {count} seeds)'
            )
        for seed in range(lo, hi + 1):
            if seed in seen:
                raise ValueError(f"'{name}' lists seed {seed} twice (got {text!r})")
            seen.add(seed)
            seeds.append(seed)
    return seeds


# The shares of a seeded split (those of :func:`gvae_ext.link.split_edges`).
NUM_VAL, NUM_TEST = 0.05, 0.1


def check_split(data, dataset: str, split, official: bool) -> None:
    r"""Raise ``fit``'s message for an empty val/test split, naming ``dataset``."""
    edges = data.edge_index.size(1) // 2
    subject = f'the dataset {dataset!r}'
    check_held_out(split, subject, edges, (NUM_VAL, NUM_TEST), official)


def check_unique(values: Sequence, name: str, got) -> None:
    r"""Raise when a value appears twice in :obj:`values`.

    A repeated dataset, row or seed would be run and counted twice, which
    shrinks the spread of the summary without adding information.

    Args:
        values (sequence): The names or seeds.
        name (str): The argument named in the error, e.g. :obj:`'--models'`.
        got: What the user gave, shown as ``(got ...)``.

    Raises:
        ValueError: Naming :obj:`name` and the first repeated value.
    """
    seen = set()
    for value in values:
        if value in seen:
            raise ValueError(f"'{name}' lists {value!r} twice (got {got!r})")
        seen.add(value)


def check_seeds(seeds: list) -> None:
    r"""Check a list of seeds for :func:`~gvae_ext.report.bench.run_grid`.

    At most :data:`MAX_SEEDS`, each a valid seed, none twice.
    """
    if len(seeds) > MAX_SEEDS:
        raise ValueError(
            f"'seeds' may hold at most {MAX_SEEDS} seeds (got {len(seeds)} seeds)"
        )
    for seed in seeds:
        check_seed(seed, 'seeds')
    check_unique(seeds, 'seeds', seeds)


def parse_row(row: str) -> dict[str, object]:
    r"""Split a row name into ``model``, ``featureless``, ``preset``, ``selection`` and ``blend``.

    ``selection`` is :obj:`'val_mrr'` for a ``:mrr`` suffix (the epoch with
    the best validation HeaRT MRR, ``FitConfig.selection``), else
    :obj:`None` (the preset's). ``blend`` is the heuristic of a
    ``+HEURISTIC`` suffix (:func:`~gvae_ext.link.blend_heuristic`), or
    :obj:`None`.
    """
    from gvae_ext.train import DEFAULT_PRESET, MODELS, PRESETS

    if row in BASELINES or row in HEURISTICS:
        return dict(
            model=row, featureless=True, preset=None, selection=None, blend=None
        )
    m = _ROW.match(row)
    if not m or m.group('model') not in MODELS:
        raise ValueError(
            f"'models' entry must be one of {BASELINES + tuple(HEURISTICS)} or "
            'MODEL[*][@PRESET][:mrr][+HEURISTIC] '
            f'with MODEL in {MODELS} (got {row!r})'
        )
    preset = m.group('preset') or DEFAULT_PRESET
    if preset not in PRESETS:
        raise ValueError(f"'models' entry {row!r} names an unknown preset {preset!r}")
    blend = m.group('blend')
    if blend is not None and blend not in BLEND_HEURISTICS:
        raise ValueError(
            f"'models' entry {row!r} blends with an unknown heuristic {blend!r} "
            f'(one of {BLEND_HEURISTICS})'
        )
    return dict(
        model=m.group('model'),
        featureless=bool(m.group('star')),
        preset=preset,
        selection='val_mrr' if m.group('mrr') else None,
        blend=blend,
    )


def row_config(spec: dict, seed: int, device: str):
    r"""The :class:`~gvae_ext.train.FitConfig` of a model row (:func:`parse_row`)."""
    from gvae_ext.train import FitConfig

    extra = {} if spec.get('selection') is None else dict(selection=spec['selection'])
    return FitConfig.from_preset(
        spec['preset'], model=spec['model'], seed=seed, device=device, **extra
    )


def row_scorer(data, split, spec: dict, seed: int, device: str):
    r"""The row's pair scorer and its validation metrics."""
    from gvae_ext.baselines import baseline_embedding, score_pairs
    from gvae_ext.datasets import featureless
    from gvae_ext.train import fit

    model = spec['model']
    if model in HEURISTICS:
        return heuristic_scorer(model, split), {}
    if model in BASELINES:
        z = baseline_embedding(model, split, data.num_nodes, seed)
        return (lambda pairs: score_pairs(z, pairs)), {}
    config = row_config(spec, seed, device)
    graph = featureless(data) if spec['featureless'] else data
    result = fit(graph, config, split=split)
    net, z = result.model.eval(), result.embeddings
    keys = ('val_auc', 'val_ap', 'val_mrr')
    val = {k: result.metrics[k] for k in keys if k in result.metrics}
    score = lambda pairs: net.decoder(z, pairs, sigmoid=False)  # noqa: E731
    if spec.get('blend') is None:
        return score, val
    blend = blend_split(score, split, data.num_nodes, heuristic=spec['blend'])
    w = blend.weight
    info = dict(heuristic=blend.heuristic, weight=w, scale=blend.scale)
    return blend, dict(val_auc=blend.val_auc[w], val_ap=blend.val_ap[w], blend=info)


__all__ = [
    'NUM_VAL',
    'NUM_TEST',
    'check_seeds',
    'check_split',
    'check_unique',
    'BASELINES',
    'MAX_SEEDS',
    'TABLE1_ROWS',
    'parse_seeds',
    'parse_row',
    'row_scorer',
]
