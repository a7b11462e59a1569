r"""The ROC/PR and training-curve figures of :mod:`gvae_ext.report`, and all plots at once.

matplotlib is imported lazily; the latent scatter is in :mod:`gvae_ext.report.latent`.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

from torch import Tensor

from gvae_ext.link.metrics import link_auc_ap
from gvae_ext.report._canvas import PathLike, _figure, _save
from gvae_ext.report.curves import pr_curve_points, roc_curve_points
from gvae_ext.report.latent import plot_latent

# The files save_all_plots writes into its folder.
PLOT_FILES = dict(roc_pr='roc_pr.png', training='training.png', latent='latent.png')


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
        paths.append(plot_roc_pr(pos_pred, neg_pred, out_dir / PLOT_FILES['roc_pr']))
    if history is not None:
        paths.append(
            plot_training_curves(
                history, out_dir / PLOT_FILES['training'], reported_epoch
            )
        )
    if z is not None:
        paths.append(plot_latent(z, out_dir / PLOT_FILES['latent'], labels=labels))
    return paths
