r"""Plots of link-prediction results: ROC/PR curves, training curves, latents.

:mod:`matplotlib` is an optional dependency (``pip install gvae_ext[plot]``)
imported only inside the plotting functions, which raise
:class:`ImportError` without it. Figures are drawn on an Agg canvas
(:class:`matplotlib.backends.backend_agg.FigureCanvasAgg`) without
:mod:`matplotlib.pyplot`, so no global backend is switched and no window is
ever opened. Each function writes one file and returns its path. The curve
points (:func:`roc_curve_points`, :func:`pr_curve_points`) are computed in
torch and need no matplotlib.
"""

from gvae_ext.report.curves import pr_curve_points, roc_curve_points
from gvae_ext.report.figures import plot_roc_pr, plot_training_curves, save_all_plots
from gvae_ext.report.latent import plot_latent

__all__ = [
    'plot_latent',
    'plot_roc_pr',
    'plot_training_curves',
    'pr_curve_points',
    'roc_curve_points',
    'save_all_plots',
]
