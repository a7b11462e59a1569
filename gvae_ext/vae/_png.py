r"""A tiny PNG encoder: 8-bit greyscale, one ``IDAT`` chunk, ``zlib`` from the standard library.

Public as :func:`gvae_ext.vae.images.write_png`; written atomically.
"""

import struct
import zlib

import torch
from torch import Tensor

from gvae_ext._checks import check_tensor
from gvae_ext._io import atomic_write

_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', crc)


def write_png(path, image: Tensor) -> None:
    r"""Write a ``[H, W]`` image to ``path`` as 8-bit greyscale PNG.

    Args:
        path (str): The file to write.
        image (torch.Tensor): ``uint8`` values, or floats in ``[0, 1]``
            (clamped, then scaled to 0..255).
    """
    check_tensor(image, 'image')
    if image.dim() != 2 or image.numel() == 0:
        raise ValueError(
            f"'image' must be a non-empty 2-D [H, W] tensor (got shape "
            f'{tuple(image.shape)})'
        )
    if image.dtype != torch.uint8:
        if not torch.is_floating_point(image):
            raise ValueError(
                f"'image' must be uint8 or floating point (got dtype {image.dtype})"
            )
        if not bool(torch.isfinite(image).all()):
            raise ValueError("'image' must contain only finite values (got NaN or inf)")
        image = (image.clamp(0, 1) * 255).round().to(torch.uint8)
    height, width = image.shape
    pixels = image.detach().cpu().numpy()
    # Each scanline starts with filter type 0 (none).
    raw = b''.join(b'\x00' + pixels[r].tobytes() for r in range(height))
    header = struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0)
    png = b''.join(
        [
            _PNG_SIGNATURE,
            _chunk(b'IHDR', header),
            _chunk(b'IDAT', zlib.compress(raw, 9)),
            _chunk(b'IEND', b''),
        ]
    )
    atomic_write(path, lambda f: f.write(png))


__all__ = ['write_png']
