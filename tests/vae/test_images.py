import struct
import zlib

import pytest
import torch

from gvae_ext.vae.images import (
    interleave_rows,
    label_grid,
    make_grid,
    render_text,
    save_image_grid,
    save_vae_plots,
    write_png,
)
from gvae_ext.vae.model import DenseVAE


def _read_png(path):
    # A minimal decoder for what write_png produces: checks every chunk's CRC.
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack('>I', data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack('>I', data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        pos += 12 + length
    width, height, depth, color = struct.unpack('>IIBB', chunks[b'IHDR'][:10])
    assert (depth, color) == (8, 0) and b'IEND' in chunks
    raw = zlib.decompress(chunks[b'IDAT'])
    rows = []
    for r in range(height):
        line = raw[r * (width + 1) : (r + 1) * (width + 1)]
        assert line[0] == 0
        rows.append(list(line[1:]))
    return rows


def test_write_png_uint8(tmp_path):
    image = torch.tensor([[0, 10, 255], [7, 8, 9]], dtype=torch.uint8)
    write_png(tmp_path / 'a.png', image)
    assert _read_png(tmp_path / 'a.png') == [[0, 10, 255], [7, 8, 9]]


def test_write_png_float_scaled_and_clamped(tmp_path):
    image = torch.tensor([[0.0, 0.5, 1.0, 2.0, -1.0]])
    write_png(tmp_path / 'f.png', image)
    assert _read_png(tmp_path / 'f.png') == [[0, 128, 255, 255, 0]]


def test_make_grid_layout():
    images = torch.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.25, 0.5, 0.75], [1, 0, 0, 1]])
    grid = make_grid(images, (2, 2), nrow=2, padding=1, pad_value=0.5)
    assert grid.shape == (7, 7)
    assert grid[1:3, 1:3].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert grid[1:3, 4:6].tolist() == [[0.0, 0.25], [0.5, 0.75]]
    assert grid[4:6, 1:3].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert grid[0].tolist() == [0.5] * 7 and grid[4:6, 4:6].tolist() == [[0.5] * 2] * 2
    scaled = make_grid(images, (2, 2), nrow=2, scale=3)
    assert scaled.shape == (21, 21) and torch.equal(scaled[::3, ::3], grid)
    single_row = make_grid(images[:1], (2, 2), nrow=10, padding=0)
    assert single_row.shape == (2, 2)


def test_interleave_rows():
    a = torch.arange(4).view(4, 1)
    b = -a
    assert interleave_rows(a, b, 2).view(-1).tolist() == [0, 1, 0, -1, 2, 3, -2, -3]


def test_save_image_grid_and_vae_plots(tmp_path):
    path = save_image_grid(
        tmp_path / 'g.png', torch.rand(3, 4), (2, 2), nrow=3, scale=1
    )
    assert len(_read_png(path)) == 4 and len(_read_png(path)[0]) == 10
    model = DenseVAE(4, 3, 2).eval()
    paths = save_vae_plots(model, torch.rand(25, 4), (2, 2), tmp_path / 'p', nrow=5)
    assert [p.rsplit('/', 1)[1] for p in paths] == [
        'reconstructions.png',
        'samples.png',
    ]
    # 20 originals + 20 reconstructions = 8 grid rows of 5 images, 3 pixels
    # each, under a title band of 7 + 2 * 2 pixels (rows of 8 pixels get the
    # font at scale 1); the 38-character title is wider than the labels
    # ('RECONSTRUCTION', 14 * 6 - 1 + 2 * 2) and the grid together.
    recon = _read_png(paths[0])
    assert len(recon) == 4 * (8 * 3 + 1) + 11
    assert len(recon[0]) == 38 * 6 - 1 + 2 * 2 > 87 + 4 * (5 * 3 + 1)
    samples = _read_png(paths[1])
    assert len(samples) == 4 * (5 * 3 + 1) + 11
    assert save_vae_plots(model, torch.rand(5, 4), None, tmp_path / 'q') == []


def test_render_text_glyphs():
    i = render_text('I')
    assert i.tolist() == [
        [0, 1, 1, 1, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 1, 1, 1, 0],
    ]
    two = render_text('IL', scale=2)
    # Two glyphs, a one-pixel gap between them, everything doubled.
    assert two.shape == (14, 22) and torch.equal(two[::2, :10:2], i)
    assert torch.equal(two[:, 10:12], torch.zeros(14, 2))
    assert torch.equal(render_text('noisy'), render_text('NOISY'))
    assert not torch.equal(render_text('CLEAN'), render_text('CLEAR'))


def _band(rows, top, bottom, right):
    return [row[:right] for row in rows[top:bottom]]


def test_save_image_grid_labels_rows_and_title(tmp_path):
    images = torch.rand(30, 4)  # 3 rows of 10 images, 2x2 pixels each
    labels = ['clean', 'noisy', 'denoised']
    path = save_image_grid(
        tmp_path / 'd.png', images, (2, 2), nrow=10, scale=8, title='denoising',
        row_labels=labels,
    )  # fmt: skip
    rows = _read_png(path)
    grid = make_grid(images, (2, 2), nrow=10, scale=8)
    # Rows of 16 pixels take the font at scale 2: margin 4, title band 22.
    top, band = 7 * 2 + 2 * 4, (8 * 6 - 1) * 2 + 2 * 4
    assert len(rows) == top + grid.size(0) and len(rows[0]) == band + grid.size(1)
    # The grid itself is unchanged, right of the label band.
    expected = (grid * 255).round().to(torch.uint8).tolist()
    assert [r[band:] for r in rows[top:]] == expected
    # The title band has ink (0) and spells the title.
    title = torch.tensor(_band(rows, 4, 4 + 14, 4 + 9 * 12 - 2))[:, 4:]
    assert torch.equal(title == 0, render_text('DENOISING', 2).bool())
    # Each row of images has its own label, centred on it.
    drawn = []
    for r, label in enumerate(labels):
        start = top + (1 + r * 3) * 8
        text = torch.tensor(_band(rows, start + 1, start + 15, band)) == 0
        ink = render_text(label, 2).bool()
        assert text.any() and torch.equal(text[:, 4 : 4 + ink.size(1)], ink)
        drawn.append(text)
    assert not torch.equal(drawn[0], drawn[1]) and not torch.equal(drawn[1], drawn[2])


def test_label_grid_repeats_labels():
    grid = torch.zeros(40, 10)
    rows = [(0, 10), (10, 20), (20, 30), (30, 40)]
    out = label_grid(grid, rows, row_labels=['a', 'b'])
    band = out[:, : out.size(1) - 10]
    assert torch.equal(band[0:10], band[20:30]) and torch.equal(
        band[10:20], band[30:40]
    )
    assert not torch.equal(band[0:10], band[10:20])
    assert torch.equal(out[:, -10:], grid)


def test_image_errors(tmp_path):
    with pytest.raises(ValueError, match=r"'image' must be a non-empty 2-D \[H, W\]"):
        write_png(tmp_path / 'x.png', torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="'image' must be uint8 or floating point"):
        write_png(tmp_path / 'x.png', torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="'image' must contain only finite"):
        write_png(tmp_path / 'x.png', torch.tensor([[float('nan')]]))
    with pytest.raises(TypeError, match="'image' must be a torch.Tensor"):
        write_png(tmp_path / 'x.png', [[0]])
    with pytest.raises(ValueError, match=r"'images' must be a non-empty \[N, 4\]"):
        make_grid(torch.rand(3, 5), (2, 2))
    with pytest.raises(ValueError, match="'nrow' must be a positive integer"):
        make_grid(torch.rand(3, 4), (2, 2), nrow=0)
    with pytest.raises(ValueError, match="'image_shape' must be a positive integer"):
        make_grid(torch.rand(3, 4), (0, 4))
    with pytest.raises(ValueError, match="'originals' and 'reconstructions' must"):
        interleave_rows(torch.rand(2, 4), torch.rand(3, 4), 2)
    with pytest.raises(ValueError, match="'originals' must hold a multiple"):
        interleave_rows(torch.rand(3, 4), torch.rand(3, 4), 2)
    with pytest.raises(ValueError, match="'title' holds '@', which the built-in"):
        save_image_grid(tmp_path / 'x.png', torch.rand(2, 4), (2, 2), title='a@b')
    with pytest.raises(ValueError, match="'row_labels' need rows of images at least"):
        save_image_grid(tmp_path / 'x.png', torch.rand(2, 4), (2, 2), scale=1,
                        row_labels=['a'])  # fmt: skip
    with pytest.raises(ValueError, match="'row_labels' must be a non-empty list"):
        save_image_grid(tmp_path / 'x.png', torch.rand(2, 4), (2, 2), row_labels='ab')
    with pytest.raises(ValueError, match="'text' must be a non-empty string"):
        render_text('')
    assert not (tmp_path / 'x.png').exists()
