r"""Readers for numeric tables stored as ``.npy`` or ``.csv`` files."""

import csv
import os
from typing import Optional

import numpy as np
import torch
from torch import Tensor


def _number(cell: str) -> Optional[float]:
    try:
        return float(cell)
    except ValueError:
        return None


def _read_csv(path: str) -> np.ndarray:
    rows = []
    header_seen = False
    with open(path, newline='') as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            if not row or all(not cell.strip() for cell in row):
                continue
            values = [_number(cell) for cell in row]
            if None in values:
                if not rows and not header_seen and all(v is None for v in values):
                    header_seen = True  # an all-text first row is a header
                    continue
                raise ValueError(
                    f"CSV file '{path}' has a non-numeric value on line {line_no} "
                    '(only a first row of text only is read as a header) '
                    f'(got {row!r})'
                )
            rows.append(values)
            if len(rows[-1]) != len(rows[0]):
                raise ValueError(
                    f"CSV file '{path}' has {len(rows[0])} columns but line "
                    f'{line_no} has {len(rows[-1])} (got a ragged table)'
                )
    if not rows:
        return np.zeros((0, 0))
    return np.asarray(rows, dtype=np.float64)


def read_table(path, kind: Optional[str] = None) -> Tensor:
    r"""Read a 2-D numeric table from ``.npy`` or ``.csv`` as float32.

    ``kind`` is ``'npy'`` or ``'csv'`` (default: from the file name).
    """
    name = os.fspath(path)
    kind = kind or os.path.splitext(name)[1].lstrip('.').lower()
    if kind not in ('npy', 'csv'):
        raise ValueError(f"'path' must be a .npy or .csv file (got {name!r})")
    try:
        if kind == 'npy':
            arr = np.load(name, allow_pickle=False)
        else:
            arr = _read_csv(name)
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise ValueError(
            f"table '{name}' could not be read (got {type(err).__name__}: {err})"
        ) from None
    except ValueError as err:
        if kind == 'csv':
            raise
        raise ValueError(
            f"table '{name}' is not a readable .npy file (got {err})"
        ) from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"table '{name}' must be a non-empty 2-D array [rows, columns] "
            f'(got shape {tuple(arr.shape)})'
        )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"table '{name}' must be numeric (got dtype {arr.dtype})")
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        raise ValueError(
            f"table '{name}' must contain only finite values (got NaN or inf)"
        )
    with np.errstate(over='ignore'):
        x = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    if not bool(torch.isfinite(x).all()):
        big = float(np.abs(arr.astype(np.float64)).max())
        raise ValueError(
            f"table '{name}' has values beyond the float32 range (3.4e38) that "
            f'the model computes in (got a largest magnitude of {big:.3g})'
        )
    return x


__all__ = ['read_table']
