r"""The latent-space scatter plot of :mod:`gvae_ext.report` (PCA or t-SNE)."""

from pathlib import Path
from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_generator, check_tensor
from gvae_ext.report._canvas import PathLike, _figure, _save

_METHODS = ('pca', 'tsne')


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
