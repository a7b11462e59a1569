r"""The rows of a benchmark: parsing a row name and turning it into a pair scorer.

A row is ``sc``, ``deepwalk``, a heuristic (``cn``, ``aa``, ``ra``, ``ppr``)
or ``MODEL[*][@PRESET]`` (see :mod:`gvae_ext.report.bench`); private,
re-exported by :mod:`gvae_ext.report.bench`.
"""

import re

from gvae_ext.baselines import BASELINES as _BASELINE_FUNCTIONS
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
_ROW = re.compile(r'^(?P<model>[a-z_]+)(?P<star>\*)?(?:@(?P<preset>[a-z0-9_]+))?$')


def parse_seeds(text: str) -> list[int]:
    r"""``'0-9'`` -> ``[0, ..., 9]``; ``'0,3,5'`` -> ``[0, 3, 5]``."""
    seeds: list[int] = []
    for part in str(text).split(','):
        part = part.strip()
        m = re.fullmatch(r'(\d+)-(\d+)', part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if hi < lo:
                raise ValueError(f"'seeds' range must be ascending (got {part!r})")
            seeds.extend(range(lo, hi + 1))
        elif part.isdigit():
            seeds.append(int(part))
        else:
            raise ValueError(f"'seeds' must look like 0-9 or 0,1,2 (got {text!r})")
    return seeds


def parse_row(row: str) -> dict[str, object]:
    r"""Split a row name into ``model``, ``featureless`` and ``preset``."""
    from gvae_ext.train import DEFAULT_PRESET, MODELS, PRESETS

    if row in BASELINES or row in HEURISTICS:
        return dict(model=row, featureless=True, preset=None)
    m = _ROW.match(row)
    if not m or m.group('model') not in MODELS:
        raise ValueError(
            f"'models' entry must be one of {BASELINES + tuple(HEURISTICS)} or "
            'MODEL[*][@PRESET] '
            f'with MODEL in {MODELS} (got {row!r})'
        )
    preset = m.group('preset') or DEFAULT_PRESET
    if preset not in PRESETS:
        raise ValueError(f"'models' entry {row!r} names an unknown preset {preset!r}")
    return dict(
        model=m.group('model'), featureless=bool(m.group('star')), preset=preset
    )


def row_scorer(data, split, spec: dict, seed: int, device: str):
    r"""The row's pair scorer and its validation metrics."""
    from gvae_ext.baselines import baseline_embedding, score_pairs
    from gvae_ext.datasets import featureless
    from gvae_ext.train import FitConfig, fit

    model = spec['model']
    if model in HEURISTICS:
        return heuristic_scorer(model, split), {}
    if model in BASELINES:
        z = baseline_embedding(model, split, data.num_nodes, seed)
        return (lambda pairs: score_pairs(z, pairs)), {}
    config = FitConfig.from_preset(
        spec['preset'], model=model, seed=seed, device=device
    )
    graph = featureless(data) if spec['featureless'] else data
    result = fit(graph, config, split=split)
    net, z = result.model.eval(), result.embeddings
    val = {k: result.metrics[k] for k in ('val_auc', 'val_ap')}
    return (lambda pairs: net.decoder(z, pairs, sigmoid=False)), val


__all__ = ['BASELINES', 'TABLE1_ROWS', 'parse_seeds', 'parse_row', 'row_scorer']
