r"""Plain checkpoint contents (private).

:func:`plain_value` turns a config into values that
``torch.load(weights_only=True)`` reads back; :func:`load_error` picks the
line of a ``torch.load`` error that says what was refused.
"""

import os
from typing import Any

_PLAIN = (str, int, float, complex, bool, type(None))


def plain_value(value: Any, name: str, key: str = '') -> Any:
    r"""A copy of :obj:`value` that ``torch.load(weights_only=True)`` reads back.

    Strings, numbers, booleans, :obj:`None` and tensors are kept; dicts,
    lists and tuples are copied with their items made plain (a tuple stays a
    tuple); :class:`os.PathLike` becomes :obj:`str`, a NumPy scalar its
    Python number (:meth:`item`) and a NumPy array a nested list.

    Args:
        value (Any): The value, e.g. a checkpoint's config dict.
        name (str): The argument named in errors, e.g. :obj:`'config'`.
        key (str, optional): Where :obj:`value` sits inside :obj:`name`,
            for the error. (default: :obj:`''`)

    Returns:
        The plain copy.

    Raises:
        ValueError: Naming :obj:`name` and the key of the first value that
            cannot be made plain.
    """
    import numpy as np
    import torch

    if type(value) in _PLAIN or isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (np.generic, np.ndarray)):
        return plain_value(
            value.item() if value.ndim == 0 else value.tolist(), name, key
        )
    if isinstance(value, str):  # subclasses such as str enums: the plain value
        return str.__str__(value)
    if isinstance(value, (int, float)):  # bool cannot be subclassed
        return int(value) if isinstance(value, int) else float(value)
    if isinstance(value, os.PathLike):
        return plain_value(os.fspath(value), name, key)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            plain_key = k
            if isinstance(k, (np.generic, os.PathLike, str, int, float)):
                plain_key = plain_value(k, name, key)
            if type(plain_key) not in _PLAIN:
                raise ValueError(
                    f"'{name}' keys must be strings or numbers "
                    f'(got a key of type {type(k).__name__} in {key or name!r})'
                )
            out[plain_key] = plain_value(v, name, f'{key}.{k}' if key else str(k))
        return out
    if isinstance(value, (list, tuple)):
        items = [
            plain_value(v, name, f'{key}[{i}]' if key else f'[{i}]')
            for i, v in enumerate(value)
        ]
        return tuple(items) if isinstance(value, tuple) else items
    where = f'entry {key!r}' if key else 'value'
    raise ValueError(
        f"'{name}' {where} must be a plain value (number, string, bool, None, "
        f'list, tuple, dict or tensor) that a checkpoint can store '
        f'(got {type(value).__name__}: {_short_repr(value)})'
    )


def _short_repr(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f'<{type(value).__name__}>'
    return text if len(text) <= limit else text[: limit - 3] + '...'


def load_error(err: BaseException) -> str:
    r"""The line of a ``torch.load`` error that says what was refused."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    for line in lines:
        for marker in ('Unsupported global', 'Unsupported operand'):
            if marker in line:  # drop torch's hint to allowlist the global
                return line[line.index(marker) :].split('. Please')[0]
    return lines[0] if lines else type(err).__name__


__all__ = ['plain_value', 'load_error']
