r"""Every checkpoint the package reads (private; re-exported by :mod:`gvae_ext._io`).

Checkpoints are read with :func:`load_torch`, which always uses
``weights_only=True``, so nothing is unpickled; :func:`load_checkpoint` adds
the format check and the rebuild of the stored object, with the same
:class:`ValueError` for every way a file can be unusable.
"""

import os
from typing import Any, Callable, Union

PathLike = Union[str, 'os.PathLike[str]']


def load_torch(path: PathLike, name: str, what: str, map_location: Any = 'cpu') -> dict:
    r"""Read a checkpoint dict with ``torch.load(..., weights_only=True)``.

    Args:
        path (str or os.PathLike): The checkpoint file.
        name (str): The argument named in errors, e.g. :obj:`'path'`.
        what (str): The checkpoint kind named in errors, e.g.
            :obj:`'graph'`.
        map_location (str or torch.device, optional): Where tensors go.
            (default: :obj:`'cpu'`)

    Returns:
        The stored dict.

    Raises:
        ValueError: For a :obj:`map_location` that is not a device of this
            machine (named :obj:`'map_location'`), a missing file, or one
            that is empty, truncated, not a torch file, or holds anything but
            a dict.
    """
    import torch

    from gvae_ext._checks import check_device

    # Before the file: a device this machine lacks is the caller's mistake,
    # not a damaged file.
    map_location = check_device(map_location, 'map_location')
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"'{name}' must be a file path (got {type(path).__name__})")
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"'{name}' does not name a checkpoint file (got {path!r})")
    got = None
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception:  # zip, pickle and torch errors alike: none is the user's
        empty = os.path.getsize(path) == 0
        got = 'an empty file' if empty else 'a truncated or foreign file'
    else:
        if not isinstance(payload, dict):
            got = f'a stored {type(payload).__name__}, not a dict'
    if got is not None:
        raise ValueError(
            f"'{name}' {path!r} is not a valid gvae_ext {what} checkpoint (got {got})"
        )
    return payload


def load_checkpoint(
    path: PathLike,
    name: str,
    what: str,
    format: str,
    build: Callable[[dict], Any],
    map_location: Any = 'cpu',
) -> Any:
    r"""Read a gvae_ext checkpoint of :obj:`format` and rebuild its object.

    The file is read by :func:`load_torch` (``weights_only=True``); its
    ``'format'`` entry must equal :obj:`format`, and :obj:`build` turns the
    stored dict into the object (a model, or a tuple with one). :obj:`build`
    runs on a fork of the global CPU random generator, so a model's random
    initialisation (overwritten by the stored weights) leaves the caller's
    generator as it was.

    Args:
        path (str or os.PathLike): The checkpoint file.
        name (str): The argument named in errors, e.g. :obj:`'path'`.
        what (str): The checkpoint kind named in errors, e.g.
            :obj:`'graph'`.
        format (str): The expected ``'format'`` entry, e.g.
            :obj:`'gvae_ext.dense_vae/1'`.
        build (Callable[[dict], Any]): Rebuilds the object from the stored
            dict; a :class:`KeyError`, :class:`TypeError`,
            :class:`ValueError` or :class:`RuntimeError` it raises means
            missing or mismatched entries.
        map_location (str or torch.device, optional): Where tensors go.
            (default: :obj:`'cpu'`)

    Returns:
        What :obj:`build` returns.

    Raises:
        ValueError: For a :obj:`map_location` or file :func:`load_torch`
            rejects, another format, or entries :obj:`build` cannot use.
    """
    import torch

    payload = load_torch(path, name, what, map_location)
    invalid = f"'{name}' {os.fspath(path)!r} is not a valid gvae_ext {what} checkpoint"
    if payload.get('format') != format:
        raise ValueError(f'{invalid} (got format {payload.get("format")!r})')
    try:
        with torch.random.fork_rng(devices=[]):
            return build(payload)
    except (KeyError, TypeError, ValueError, RuntimeError):
        raise ValueError(f'{invalid} (got missing or mismatched entries)') from None


__all__ = ['load_torch', 'load_checkpoint']
