r"""The figures of :mod:`gvae_ext.report` (matplotlib imported lazily)."""

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional, Union

import torch
from torch import Tensor

from gvae_ext._checks import check_generator, check_tensor
from gvae_ext._io import atomic_write
from gvae_ext.link.metrics import link_auc_ap
from gvae_ext.report.curves import pr_curve_points, roc_curve_points

PathLike = Union[str, 'os.PathLike[str]']

_MISSING = "plotting requires 'matplotlib' (pip install gvae_ext[plot])"
_METHODS = ('pca', 'tsne')


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


def plot_roc_pr(
    pos_pred: Tensor,
    neg_pred: Tensor,
    path: PathLike,
    title: Optional[str] = None,
    split: str = 'test',
) -> Path:
    r"""Draw the ROC and precision-recall curves side by side.

    The legends carry the ROC AUC and the average precision
    (:func:`gvae_ext.link.metrics.link_auc_ap`); both panel titles and the
    figure title name the set the scores come from (:obj:`split`).

    Args:
        pos_pred (torch.Tensor): Scores (logits or probabilities) of the
            positive test pairs :obj:`[num_pos]`.
        neg_pred (torch.Tensor): Scores of the negative test pairs
            :obj:`[num_neg]`.
        path (str or os.PathLike): The image file to write (the format
            follows the suffix, e.g. :obj:`.png`).
        title (str, optional): A title over both panels.
            (default: :obj:`'Link prediction, <split> set (...)'`)
        split (str, optional): The set the pairs come from, e.g.
            :obj:`'test'` or :obj:`'validation'`. (default: :obj:`'test'`)

    :rtype: :class:`pathlib.Path`
    """
    if not isinstance(split, str) or not split:
        raise ValueError(f"'split' must be a non-empty string (got {split!r})")
    auc, ap = (float(v) for v in link_auc_ap(pos_pred, neg_pred))
    fpr, tpr = (t.cpu().numpy() for t in roc_curve_points(pos_pred, neg_pred))
    precision, recall = (t.cpu().numpy() for t in pr_curve_points(pos_pred, neg_pred))
    base = pos_pred.numel() / (pos_pred.numel() + neg_pred.numel())

    fig, (ax_roc, ax_pr) = _figure(10.0, 4.4, ncols=2)
    ax_roc.plot(fpr, tpr, color='C0', lw=1.8, label=f'model (AUC = {auc:.4f})')
    ax_roc.plot([0, 1], [0, 1], color='grey', ls='--', lw=1, label='random (0.5)')
    ax_roc.set(xlabel='False positive rate', ylabel='True positive rate')
    ax_roc.set_title(f'ROC curve ({split} set)')
    ax_pr.step(
        recall,
        precision,
        where='post',
        color='C1',
        lw=1.8,
        label=f'model (AP = {ap:.4f})',
    )
    ax_pr.axhline(base, color='grey', ls='--', lw=1, label=f'random ({base:.2f})')
    ax_pr.set(xlabel='Recall', ylabel='Precision')
    ax_pr.set_title(f'Precision-recall curve ({split} set)')
    for ax in (ax_roc, ax_pr):
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.grid(alpha=0.3)
        ax.legend(loc='lower right' if ax is ax_roc else 'lower left')
    n_pos, n_neg = pos_pred.numel(), neg_pred.numel()
    default = f'Link prediction, {split} set ({n_pos} positive, {n_neg} negative pairs)'
    fig.suptitle(title or default)
    return _save(fig, path)


def _history_column(history: Mapping[str, Sequence[float]], key: str, length: int):
    values = [float(v) for v in history[key]]
    if len(values) != length:
        raise ValueError(
            f"'history' entries must all have the length of 'epoch' ({length}) "
            f'(got {len(values)} values for {key!r})'
        )
    return values


def _history_columns(history: Mapping[str, Sequence[float]]):
    r"""Validate a fit history; return ``(epoch, loss, {val_key: values})``."""
    if not isinstance(history, Mapping):
        raise TypeError(
            f"'history' must be a dict of lists (got {type(history).__name__})"
        )
    if 'loss' not in history or len(history['loss']) == 0:
        raise ValueError(
            f"'history' must hold a non-empty 'loss' list (got keys {sorted(history)})"
        )
    length = len(history['loss'])
    if 'epoch' in history:
        epoch = [float(e) for e in history['epoch']]
        length = len(epoch)
    else:
        epoch = [float(e) for e in range(1, length + 1)]
    loss = _history_column(history, 'loss', length)
    val = {
        k: _history_column(history, k, length)
        for k in ('val_auc', 'val_ap')
        if k in history
    }
    return epoch, loss, val


def plot_training_curves(
    history: Mapping[str, Sequence[float]],
    path: PathLike,
    reported_epoch: Optional[int] = None,
) -> Path:
    r"""Draw the training loss and the validation AUC/AP per epoch.

    A dashed vertical line in both panels marks :obj:`reported_epoch`, the
    epoch of the model whose test metrics are reported (the last epoch, or
    the best validation epoch under model selection).

    Args:
        history (dict): Lists keyed :obj:`'loss'` (required), :obj:`'epoch'`
            (default: :obj:`1, 2, ...`), :obj:`'val_auc'` and
            :obj:`'val_ap'` (each optional; NaN entries are left as gaps),
            all of one length -- the :obj:`history` of a fit result.
        path (str or os.PathLike): The image file to write.
        reported_epoch (int, optional): The epoch of the reported model; it
            must be one of the history's epochs. (default: :obj:`None`, no
            mark)

    :rtype: :class:`pathlib.Path`
    """
    epoch, loss, val = _history_columns(history)
    if reported_epoch is not None and (
        isinstance(reported_epoch, bool) or float(reported_epoch) not in epoch
    ):
        raise ValueError(
            f"'reported_epoch' must be one of the history's epochs "
            f'{int(epoch[0])}..{int(epoch[-1])} (got {reported_epoch!r})'
        )

    fig, (ax_loss, ax_val) = _figure(10.0, 4.0, ncols=2)
    ax_loss.plot(epoch, loss, color='C3', lw=1.5, label='training loss')
    ax_loss.set(xlabel='Epoch', ylabel='Loss')
    ax_loss.set_title('Training loss')
    labels = {'val_auc': 'validation AUC', 'val_ap': 'validation AP'}
    for i, (key, values) in enumerate(val.items()):
        finite = [v for v in values if v == v]
        best = f', best {max(finite):.4f}' if finite else ''
        ax_val.plot(epoch, values, color=f'C{i}', lw=1.5, label=labels[key] + best)
    ax_val.set(xlabel='Epoch', ylabel='Score')
    ax_val.set_title('Validation metrics')
    if not val:
        ax_val.text(0.5, 0.5, 'no validation metrics', ha='center', va='center')
    for ax in (ax_loss, ax_val):
        if reported_epoch is not None:
            ax.axvline(
                float(reported_epoch),
                color='black',
                ls='--',
                lw=1,
                label=f'reported model (epoch {int(reported_epoch)})',
            )
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(loc='best')
    fig.suptitle('Training curves')
    return _save(fig, path)


def _project(
    z: Tensor, method: str, generator: Optional[torch.Generator]
) -> tuple[Tensor, tuple[str, str]]:
    r"""2-D coordinates of the rows of ``z`` and the two axis labels."""
    z = z.detach().double()
    if method == 'pca':
        z = z - z.mean(0, keepdim=True)
        # Top-2 eigenvectors of the d x d scatter matrix: exact and seed-free.
        value, vec = torch.linalg.eigh(z.t() @ z)
        value = value.clamp(min=0)
        share = (value[[-1, -2]] / value.sum().clamp(min=1e-300)).tolist()
        vec = vec[:, [-1, -2]]
        # Fixed signs: the largest-magnitude loading of each axis is positive.
        size = vec.abs()
        top = size >= (1 - 1e-4) * size.max(0, keepdim=True).values
        pivot = top.to(torch.uint8).argmax(0)  # first (near-)maximal entry
        vec = vec * torch.sign(vec[pivot, torch.arange(2, device=vec.device)])
        names = tuple(
            f'PC {i + 1} ({100 * r:.1f}% of variance)' for i, r in enumerate(share)
        )
        return z @ vec, names
    try:
        from sklearn.manifold import TSNE
    except ImportError as exc:  # pragma: no cover - sklearn is a dependency
        raise ImportError("method='tsne' requires 'scikit-learn'") from exc
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    perplexity = min(30.0, max(1.0, (z.size(0) - 1) / 3))
    tsne = TSNE(2, perplexity=perplexity, init='pca', random_state=seed)
    xy = torch.from_numpy(tsne.fit_transform(z.cpu().numpy()))
    return xy, ('t-SNE 1', 't-SNE 2')


def plot_latent(
    z: Tensor,
    path: PathLike,
    labels: Optional[Tensor] = None,
    method: str = 'pca',
    *,
    generator: Optional[torch.Generator] = None,
) -> Path:
    r"""Scatter a 2-D projection of the latent space, coloured by label.

    Args:
        z (torch.Tensor): Node embeddings :obj:`[num_nodes, dim]`,
            :obj:`dim >= 2`.
        path (str or os.PathLike): The image file to write.
        labels (torch.Tensor, optional): One label per node
            :obj:`[num_nodes]`; integer labels get one colour each, float
            labels a colour bar. (default: :obj:`None`)
        method (str, optional): :obj:`'pca'` (exact, seed-free) or
            :obj:`'tsne'` (scikit-learn's t-SNE, seeded from
            :obj:`generator`). (default: :obj:`'pca'`)
        generator (torch.Generator, optional): Seeds t-SNE.
            (default: :obj:`None`)

    :rtype: :class:`pathlib.Path`
    """
    check_tensor(z, 'z')
    check_generator(generator)
    if method not in _METHODS:
        raise ValueError(f"'method' must be one of {_METHODS} (got {method!r})")
    if z.dim() != 2 or z.size(0) < 2 or z.size(1) < 2:
        raise ValueError(
            f"'z' must be 2-D [num_nodes, dim] with at least 2 nodes and 2 "
            f'dimensions (got shape {tuple(z.shape)})'
        )
    if not torch.is_floating_point(z) or not bool(torch.isfinite(z).all()):
        raise ValueError(
            f"'z' must hold finite floating-point values (got dtype {z.dtype})"
        )
    if labels is not None:
        check_tensor(labels, 'labels')
        if labels.dim() != 1 or labels.numel() != z.size(0):
            raise ValueError(
                f"'labels' must be 1-D with one entry per row of 'z' ({z.size(0)}) "
                f'(got shape {tuple(labels.shape)})'
            )
    xy, (x_label, y_label) = _project(z, method, generator)
    xy = xy.cpu().numpy()

    fig, (ax,) = _figure(6.4, 5.6)
    size = max(3.0, min(20.0, 10000.0 / xy.shape[0]))
    if labels is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=size, color='C0', alpha=0.7, lw=0)
    elif torch.is_floating_point(labels):
        points = ax.scatter(
            xy[:, 0], xy[:, 1], s=size, c=labels.cpu().numpy(), cmap='viridis', lw=0
        )
        fig.colorbar(points, ax=ax, label='label')
    else:
        values = labels.cpu()
        classes = torch.unique(values).tolist()
        for i, cls in enumerate(classes):
            mask = (values == cls).numpy()
            colour = f'C{i % 10}' if len(classes) <= 10 else _tab20(i)
            ax.scatter(
                xy[mask, 0],
                xy[mask, 1],
                s=size,
                color=colour,
                alpha=0.8,
                lw=0,
                label=str(cls),
            )
        if len(classes) <= 20:
            ax.legend(
                title='label',
                markerscale=max(1.0, 12.0 / size),
                fontsize=8,
                loc='center left',
                bbox_to_anchor=(1.0, 0.5),
            )
    ax.set(xlabel=x_label, ylabel=y_label)
    name = 'PCA' if method == 'pca' else 't-SNE'
    ax.set_title(f'Latent space ({name}, {z.size(0)} nodes, dim {z.size(1)})')
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _tab20(i: int):
    from matplotlib import colormaps

    return colormaps['tab20'](i % 20)


def save_all_plots(
    out_dir: PathLike,
    *,
    pos_pred: Optional[Tensor] = None,
    neg_pred: Optional[Tensor] = None,
    history: Optional[Mapping[str, Sequence[float]]] = None,
    z: Optional[Tensor] = None,
    labels: Optional[Tensor] = None,
    reported_epoch: Optional[int] = None,
) -> list[Path]:
    r"""Write ``roc_pr.png``, ``training.png`` and ``latent.png`` to a folder.

    Used by ``gvae-ext fit --plots DIR``. A plot whose inputs are :obj:`None`
    is skipped; ``out_dir`` is created when missing.

    Args:
        out_dir (str or os.PathLike): The folder to write to.
        pos_pred (torch.Tensor, optional): Positive *test* scores
            :obj:`[num_pos]`, for :func:`plot_roc_pr` (titled as the test
            set). (default: :obj:`None`)
        neg_pred (torch.Tensor, optional): Negative test scores
            :obj:`[num_neg]`. (default: :obj:`None`)
        history (dict, optional): Per-epoch lists, for
            :func:`plot_training_curves`. (default: :obj:`None`)
        z (torch.Tensor, optional): Node embeddings, for :func:`plot_latent`.
            (default: :obj:`None`)
        labels (torch.Tensor, optional): Node labels colouring the latent
            plot. (default: :obj:`None`)
        reported_epoch (int, optional): The epoch of the reported model,
            marked on the training curves. (default: :obj:`None`)

    Returns:
        The paths written, in the order above.

    :rtype: list of :class:`pathlib.Path`
    """
    if (pos_pred is None) != (neg_pred is None):
        raise ValueError(
            "'pos_pred' and 'neg_pred' must be given together "
            f'(got pos_pred={"None" if pos_pred is None else "a tensor"}, '
            f'neg_pred={"None" if neg_pred is None else "a tensor"})'
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    if pos_pred is not None:
        paths.append(plot_roc_pr(pos_pred, neg_pred, out_dir / 'roc_pr.png'))
    if history is not None:
        paths.append(
            plot_training_curves(history, out_dir / 'training.png', reported_epoch)
        )
    if z is not None:
        paths.append(plot_latent(z, out_dir / 'latent.png', labels=labels))
    return paths
