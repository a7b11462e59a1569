import struct
import zlib

import pytest
import torch

from gvae_ext.vae.images import (
    interleave_rows,
    make_grid,
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
    # 20 originals + 20 reconstructions = 8 grid rows of 5 images, 3 pixels each.
    assert len(_read_png(paths[0])) == 4 * (8 * 3 + 1)
    assert save_vae_plots(model, torch.rand(5, 4), None, tmp_path / 'q') == []


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
