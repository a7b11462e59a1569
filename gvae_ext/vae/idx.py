r"""A reader for the IDX format of the MNIST files (`LeCun et al.

<http://yann.lecun.com/exdb/mnist/>`_).

An IDX file is a 4-byte magic number -- two zero bytes, a type byte
(``0x08`` uint8, ``0x09`` int8, ``0x0B`` int16, ``0x0C`` int32, ``0x0D``
float32, ``0x0E`` float64) and the number of dimensions -- then one
big-endian uint32 per dimension, then the values, big-endian, row-major.
"""

import gzip
import os
import struct
import zlib

import numpy as np
import torch
from torch import Tensor

# IDX type byte -> (big-endian numpy dtype, torch dtype).
IDX_TYPES = {
    0x08: ('u1', torch.uint8),
    0x09: ('i1', torch.int8),
    0x0B: ('>i2', torch.int16),
    0x0C: ('>i4', torch.int32),
    0x0D: ('>f4', torch.float32),
    0x0E: ('>f8', torch.float64),
}


def read_idx(path) -> Tensor:
    r"""Read one IDX file (gzipped or not; detected from its first bytes).

    Checks the magic number (two zero bytes, a known type byte, at least one
    dimension) and that the payload holds exactly ``prod(dims)`` values.
    Raises :class:`ValueError` naming the file when it cannot be read, is not
    valid gzip, has a wrong magic number, is truncated or has trailing bytes.

    :rtype: :class:`torch.Tensor` with the file's dims and dtype
    """
    name = os.fspath(path)
    try:
        with open(name, 'rb') as f:
            raw = f.read()
    except OSError as err:
        raise ValueError(
            f"IDX file '{name}' could not be read (got {type(err).__name__}: "
            f'{err.strerror or err})'
        ) from None
    if raw[:2] == b'\x1f\x8b':
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(
                f"IDX file '{name}' is not valid gzip (got {err})"
            ) from None
    if len(raw) < 4:
        raise ValueError(
            f"IDX file '{name}' is truncated: no 4-byte header (got {len(raw)} bytes)"
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES or raw[3] == 0:
        raise ValueError(
            f"IDX file '{name}' has a wrong magic number (got 0x{raw[:4].hex()})"
        )
    ndim = raw[3]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise ValueError(
            f"IDX file '{name}' is truncated inside its {ndim} dimensions "
            f'(got {len(raw)} bytes)'
        )
    dims = struct.unpack(f'>{ndim}I', raw[4:start])
    np_dtype, torch_dtype = IDX_TYPES[raw[2]]
    count = int(np.prod(dims, dtype=np.int64))
    expected = count * np.dtype(np_dtype).itemsize
    if len(raw) - start != expected:
        what = 'truncated' if len(raw) - start < expected else 'longer than its dims'
        raise ValueError(
            f"IDX file '{name}' is {what}: dims {list(dims)} need {expected} "
            f'data bytes (got {len(raw) - start})'
        )
    arr = np.frombuffer(raw, dtype=np_dtype, count=count, offset=start)
    arr = arr.astype(np.dtype(np_dtype).newbyteorder('='))
    return torch.from_numpy(arr.reshape(dims))


__all__ = ['IDX_TYPES', 'read_idx']
