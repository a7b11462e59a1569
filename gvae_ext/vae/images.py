r"""Image grids written as greyscale PNG without any plotting library.

A tiny PNG encoder (:func:`write_png`, in :mod:`gvae_ext.vae._png`) keeps
the DenseVAE plots free of the optional matplotlib dependency; the files open in any viewer. Titles and row labels are drawn
with the built-in bitmap font of :mod:`gvae_ext.vae._font`.
"""

import os
from collections.abc import Sequence
from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int, check_tensor
from gvae_ext.vae._font import GLYPH_HEIGHT, render_text
from gvae_ext.vae._png import write_png

# Pixels around a label or title, before scaling.
_MARGIN = 2


# The files the image-grid writer puts into its folder.
IMAGE_FILES = dict(reconstructions='reconstructions.png', samples='samples.png')


def make_grid(
    images: Tensor,
    image_shape: tuple[int, int],
    nrow: int = 10,
    padding: int = 1,
    scale: int = 1,
    pad_value: float = 0.5,
) -> Tensor:
    r"""Tile ``images`` into one image, each pixel repeated ``scale`` times in both directions.

    ``images`` is ``[N, H * W]`` or ``[N, H, W]`` with values in ``[0, 1]``; the
    result is ``[rows * (H + p) + p, nrow * (W + p) + p]``.

    Args:
        images (torch.Tensor): The images, row-major.
        image_shape (Tuple[int, int]): ``(H, W)``.
        nrow (int, optional): Images per grid row. (default: :obj:`10`)
        padding (int, optional): Pixels between images (before scaling).
            (default: :obj:`1`)
        scale (int, optional): Nearest-neighbour upscaling. (default: :obj:`1`)
        pad_value (float, optional): Grey level of the padding.
            (default: :obj:`0.5`)
    """
    check_tensor(images, 'images')
    height, width = (check_positive_int(s, 'image_shape') for s in image_shape)
    nrow = check_positive_int(nrow, 'nrow')
    padding = check_positive_int(padding, 'padding', allow_zero=True)
    scale = check_positive_int(scale, 'scale')
    if images.dim() < 2 or images.size(0) == 0 or images[0].numel() != height * width:
        raise ValueError(
            f"'images' must be a non-empty [N, {height * width}] or "
            f'[N, {height}, {width}] tensor (got shape {tuple(images.shape)})'
        )
    images = images.detach().float().reshape(-1, height, width).clamp(0, 1)
    num = images.size(0)
    rows = (num + nrow - 1) // nrow
    cols = min(num, nrow)
    grid = torch.full(
        (rows * (height + padding) + padding, cols * (width + padding) + padding),
        float(pad_value),
        device=images.device,
    )
    for i in range(num):
        top = padding + (i // nrow) * (height + padding)
        left = padding + (i % nrow) * (width + padding)
        grid[top : top + height, left : left + width] = images[i]
    if scale > 1:
        grid = grid.repeat_interleave(scale, 0).repeat_interleave(scale, 1)
    return grid


def _paste(canvas: Tensor, ink: Tensor, top: int, left: int) -> None:
    # Dark text on the light band: ink 1.0 becomes grey level 0.0.
    height, width = ink.shape
    region = canvas[top : top + height, left : left + width]
    region.copy_(torch.minimum(region, 1.0 - ink))


def label_grid(
    grid: Tensor,
    image_rows: Sequence[tuple[int, int]],
    title: Optional[str] = None,
    row_labels: Optional[Sequence[str]] = None,
) -> Tensor:
    r"""Add a title band above :obj:`grid` and a label band to its left.

    Args:
        grid (torch.Tensor): The ``[H, W]`` grid, values in ``[0, 1]``.
        image_rows (list of (int, int)): The first and one-past-last pixel
            row of each row of images in :obj:`grid`.
        title (str, optional): Drawn above the grid. (default: :obj:`None`)
        row_labels (list of str, optional): Drawn left of the rows of images,
            vertically centred; used in turn, repeating when there are more
            rows than labels. (default: :obj:`None`)

    Returns:
        The labelled image: white bands, black text, the grid unchanged.

    Raises:
        ValueError: For text the font cannot draw, an empty
            :obj:`row_labels`, or image rows less than 7 pixels tall.
    """
    if row_labels is not None and (isinstance(row_labels, str) or not row_labels):
        raise ValueError(
            f"'row_labels' must be a non-empty list of strings (got {row_labels!r})"
        )
    tallest = min((end - start for start, end in image_rows), default=0)
    if row_labels is not None and tallest < GLYPH_HEIGHT:
        raise ValueError(
            "'row_labels' need rows of images at least 7 pixels tall; raise "
            f"'scale' (got {tallest} pixels)"
        )
    # Twice the font size where the rows of images leave room for it.
    text_scale = 2 if tallest >= 2 * GLYPH_HEIGHT + 2 or row_labels is None else 1
    margin = _MARGIN * text_scale
    labels = [render_text(t, text_scale, 'row_labels') for t in row_labels or []]
    heading = render_text(title, text_scale, 'title') if title is not None else None
    band = max((t.size(1) for t in labels), default=-margin) + 2 * margin
    top = heading.size(0) + 2 * margin if heading is not None else 0
    width = max(band + grid.size(1), heading.size(1) + 2 * margin if top else 0)
    canvas = torch.ones(top + grid.size(0), width, device=grid.device)
    canvas[top:, band : band + grid.size(1)] = grid
    if heading is not None:
        _paste(canvas, heading.to(grid.device), margin, margin)
    for i, (start, end) in enumerate(image_rows if labels else []):
        text = labels[i % len(labels)].to(grid.device)
        _paste(canvas, text, top + (start + end - text.size(0)) // 2, margin)
    return canvas


def save_image_grid(
    path,
    images: Tensor,
    image_shape: Sequence[int],
    nrow: int = 10,
    scale: int = 4,
    title: Optional[str] = None,
    row_labels: Optional[Sequence[str]] = None,
) -> str:
    r"""Write :func:`make_grid` of :obj:`images` to :obj:`path` as PNG.

    With an optional title and row labels (see :func:`label_grid`).

    Args:
        path (str): The file to write (atomically).
        images (torch.Tensor): ``[N, H * W]`` or ``[N, H, W]``, values in
            ``[0, 1]``.
        image_shape (Tuple[int, int]): ``(H, W)``.
        nrow (int, optional): Images per grid row. (default: :obj:`10`)
        scale (int, optional): Nearest-neighbour upscaling. (default: :obj:`4`)
        title (str, optional): Drawn above the grid. (default: :obj:`None`)
        row_labels (list of str, optional): One label per row of images,
            repeating, e.g. :obj:`['original', 'reconstruction']`.
            (default: :obj:`None`)

    Returns:
        :obj:`path` as a string.
    """
    height = check_positive_int(tuple(image_shape)[0], 'image_shape')
    grid = make_grid(images, tuple(image_shape), nrow=nrow, scale=scale)
    if title is not None or row_labels is not None:
        rows = (images.size(0) + nrow - 1) // nrow
        # make_grid's padding is 1 pixel before scaling.
        image_rows = [
            ((1 + r * (height + 1)) * scale, (1 + r * (height + 1) + height) * scale)
            for r in range(rows)
        ]
        grid = label_grid(grid, image_rows, title, row_labels)
    write_png(path, grid)
    return os.fspath(path)


def interleave_rows(originals: Tensor, reconstructions: Tensor, nrow: int) -> Tensor:
    r"""Stack ``nrow`` originals, then their ``nrow`` reconstructions, and so on.

    So that a grid with ``nrow`` columns shows each pair one above the other.
    """
    if originals.shape != reconstructions.shape:
        raise ValueError(
            "'originals' and 'reconstructions' must have the same shape "
            f'(got {tuple(originals.shape)} and {tuple(reconstructions.shape)})'
        )
    nrow = check_positive_int(nrow, 'nrow')
    if originals.size(0) % nrow != 0:
        raise ValueError(
            f"'originals' must hold a multiple of 'nrow'={nrow} images "
            f'(got {originals.size(0)})'
        )
    blocks = []
    for start in range(0, originals.size(0), nrow):
        blocks.append(originals[start : start + nrow])
        blocks.append(reconstructions[start : start + nrow])
    return torch.cat(blocks, dim=0)


def save_vae_plots(
    model,
    x: Tensor,
    image_shape: Optional[Sequence[int]],
    folder,
    generator: Optional[torch.Generator] = None,
    nrow: int = 10,
) -> list[str]:
    r"""Write ``reconstructions.png`` and ``samples.png`` to ``folder``, each with a title.

    ``reconstructions.png`` holds up to 4 rows of originals from ``x``, each over
    its reconstruction at :math:`z = \mu`, the rows labelled ``ORIGINAL`` and
    ``RECONSTRUCTION``; ``samples.png`` holds ``nrow x nrow`` decoder means of prior
    draws.

    Tabular data (``image_shape=None``) gets no plots; the written paths are
    returned.
    """
    if image_shape is None:
        return []
    os.makedirs(os.fspath(folder), exist_ok=True)
    paths = []
    count = min(4 * nrow, x.size(0) // nrow * nrow)
    with torch.no_grad():
        if count > 0:
            pairs = interleave_rows(x[:count], model.reconstruct(x[:count]), nrow)
            path = os.path.join(folder, IMAGE_FILES['reconstructions'])
            paths.append(
                save_image_grid(
                    path,
                    pairs,
                    image_shape,
                    nrow,
                    title='originals and reconstructions (z = mu)',
                    row_labels=['original', 'reconstruction'],
                )
            )
        samples = model.sample(nrow * nrow, generator)
        path = os.path.join(folder, IMAGE_FILES['samples'])
        paths.append(
            save_image_grid(
                path,
                samples,
                image_shape,
                nrow,
                title='samples: decoder means, z ~ N(0, I)',
                row_labels=['sample'],
            )
        )
    return paths


__all__ = [
    'write_png',
    'make_grid',
    'save_image_grid',
    'render_text',
    'label_grid',
    'interleave_rows',
    'save_vae_plots',
]
