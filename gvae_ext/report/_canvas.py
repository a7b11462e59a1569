r"""The Agg canvas and the atomic save the plots of :mod:`gvae_ext.report` share."""

import os
from pathlib import Path
from typing import Union

from gvae_ext._io import atomic_write

PathLike = Union[str, 'os.PathLike[str]']

_MISSING = "plotting requires 'matplotlib' (pip install gvae_ext[plot])"


def _figure(width: float, height: float, ncols: int = 1):
    r"""A new Agg-backed figure and its axes (raises ImportError without mpl)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    fig = Figure(figsize=(width, height), dpi=110, layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def _save(fig, path: PathLike) -> Path:
    r"""Write the figure atomically; the format follows the suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip('.').lower() or 'png'
    atomic_write(path, lambda f: fig.savefig(f, format=fmt))
    return path
