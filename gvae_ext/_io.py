r"""Every file the package writes, and every checkpoint it reads (private).

Writes are atomic: the content goes to a temporary file in the target's own
folder (same file system), is flushed to disk, and is then moved over the
target with :func:`os.replace`. A failure part-way (a full disk, a killed
process, an exception in the writer) therefore leaves the previous file, if
any, exactly as it was, and the temporary file is removed.

Output paths are checked with :func:`check_output_path` *before* any work
starts, so a long run does not end on an unwritable path. Checkpoints are
read with :func:`load_torch` (in :mod:`gvae_ext._io_load`), which always uses
``weights_only=True``.
"""

import contextlib
import importlib
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any, Callable, Optional, Union

from gvae_ext._io_load import load_checkpoint, load_torch
from gvae_ext._plain import load_error as _load_error
from gvae_ext._plain import plain_value

PathLike = Union[str, 'os.PathLike[str]']
_KINDS = ('file', 'dir')


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once: os.umask can only be read by setting it, which is not thread-safe.
_FILE_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = 'w', **kwargs) -> Iterator[IO]:
    r"""Open a temporary file next to :obj:`path` for an atomic write.

    On a clean exit the temporary file replaces :obj:`path`; on an exception
    it is deleted and :obj:`path` is left untouched.

    Args:
        path (str or os.PathLike): The file to write. Its folder must exist
            (see :func:`check_output_path`).
        mode (str, optional): :obj:`'w'` (text) or :obj:`'wb'` (binary).
            (default: :obj:`'w'`)
        **kwargs: Passed to :func:`open` (e.g. :obj:`encoding`,
            :obj:`newline`).

    Yields:
        The open file object.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f"'mode' must be 'w' or 'wb' (got {mode!r})")
    path = os.fspath(path)
    folder, base = os.path.split(os.path.abspath(path))
    suffix = os.path.splitext(base)[1]
    fd, tmp = tempfile.mkstemp(prefix=f'.{base}.', suffix='.tmp' + suffix, dir=folder)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _FILE_MODE)  # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(
    path: PathLike, writer: Callable[[IO[bytes]], Any], *, binary: bool = True
) -> str:
    r"""Write :obj:`path` atomically by calling :obj:`writer` on a file.

    :obj:`writer` gets the open temporary file of :func:`atomic_open`.

    Args:
        path (str or os.PathLike): The file to write.
        writer (callable): Called once with the open file object, e.g.
            :obj:`lambda f: torch.save(obj, f)`.
        binary (bool, optional): Open the file in binary mode.
            (default: :obj:`True`)

    Returns:
        :obj:`path` as a string.

    Examples:
        >>> atomic_write('/tmp/x.bin', lambda f: f.write(b'data'))
        '/tmp/x.bin'
    """
    if not callable(writer):
        raise ValueError(f"'writer' must be callable (got {type(writer).__name__})")
    kwargs = {} if binary else {'encoding': 'utf-8'}
    with atomic_open(path, 'wb' if binary else 'w', **kwargs) as f:
        writer(f)
    return os.fspath(path)


def write_text(path: PathLike, text: str, *, newline: Optional[str] = None) -> str:
    r"""Write the string :obj:`text` to :obj:`path` atomically (UTF-8).

    Args:
        path (str or os.PathLike): The file; its folder is created.
        text (str): The content.
        newline (str, optional): As for :func:`open`. (default: :obj:`None`)

    Returns:
        :obj:`path` as a string.
    """
    _make_parent(path)
    with atomic_open(path, 'w', encoding='utf-8', newline=newline) as f:
        f.write(text)
    return os.fspath(path)


def write_json(path: PathLike, payload: Any, *, indent: int = 2) -> str:
    r"""Write :obj:`payload` as indented JSON to :obj:`path` atomically.

    Values JSON does not know are written as strings.

    Args:
        path (str or os.PathLike): The file; its folder is created.
        payload (Any): A JSON-style value (dict, list, numbers, strings).
        indent (int, optional): The indentation. (default: :obj:`2`)

    Returns:
        :obj:`path` as a string.
    """
    text = json.dumps(payload, indent=indent, default=str)
    return write_text(path, text + '\n')


def save_torch(path: PathLike, obj: Any, name: str = 'path') -> str:
    r"""Write :obj:`obj` with :func:`torch.save` to :obj:`path` atomically.

    The content is serialised in memory and read back with
    ``torch.load(weights_only=True)`` first: content that the package's own
    loaders would refuse raises :class:`ValueError`, and nothing is written
    (an older file at :obj:`path` stays as it was).

    Args:
        path (str or os.PathLike): The file; its folder is created.
        obj (Any): What to save (for checkpoints: a dict of plain values and
            tensors, see :func:`plain_value`).
        name (str, optional): The argument named in errors.
            (default: :obj:`'path'`)

    Returns:
        :obj:`path` as a string.

    Raises:
        ValueError: When :obj:`obj` would not load back with
            ``weights_only=True``.
    """
    import torch

    # Serialise in memory first: a failing disk then raises OSError from the
    # plain write below, not a RuntimeError from inside torch's zip writer.
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    try:
        torch.load(io.BytesIO(buffer.getvalue()), map_location='cpu', weights_only=True)
    except Exception as err:  # pickle and torch errors alike
        raise ValueError(
            f"'{name}' {os.fspath(path)!r} was not written: the checkpoint would "
            f'not load back with weights_only=True (got {_load_error(err)})'
        ) from None
    _make_parent(path)
    return atomic_write(path, lambda f: f.write(buffer.getbuffer()))


def save_npy(path: PathLike, array: Any) -> str:
    r"""Write a numeric array to :obj:`path` as ``.npy`` atomically.

    The array is never pickled (``allow_pickle=False``).

    Args:
        path (str or os.PathLike): The file; its folder is created.
        array (numpy.ndarray or torch.Tensor): A numeric array of any shape,
            e.g. embeddings :obj:`[num_nodes, out_channels]` (a tensor may
            be on any device).

    Returns:
        :obj:`path` as a string.
    """
    import numpy as np

    if hasattr(array, 'detach'):
        array = array.detach().cpu().numpy()
    array = np.asarray(array)
    if array.dtype.kind not in 'biuf':
        raise ValueError(f"'array' must be numeric (got dtype {array.dtype})")
    _make_parent(path)
    return atomic_write(path, lambda f: np.save(f, array, allow_pickle=False))


def _make_parent(path: PathLike) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)


def check_output_path(
    path: PathLike,
    name: str,
    *,
    kind: str = 'file',
    suffix: Union[None, str, Sequence[str]] = None,
) -> str:
    r"""Check an output path before any work starts, and create its folders.

    For :obj:`kind='file'` the missing parent folders are created, and the
    path must not be an existing folder; for :obj:`kind='dir'` the folder
    itself is created, and the path must not be an existing file. Either way
    the folder written into must be writable.

    Args:
        path (str or os.PathLike): The output path.
        name (str): The option or argument named in errors, e.g.
            :obj:`'--json'`.
        kind (str, optional): :obj:`'file'` or :obj:`'dir'`.
            (default: :obj:`'file'`)
        suffix (str or list of str, optional): Accepted file name endings
            (case-insensitive), e.g. :obj:`'.pt'`. (default: :obj:`None`)

    Returns:
        :obj:`path` as a string.

    Raises:
        ValueError: Naming :obj:`name` when the path cannot be written.
    """
    if kind not in _KINDS:
        raise ValueError(f"'kind' must be one of {_KINDS} (got {kind!r})")
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise ValueError(f"'{name}' must be a non-empty path (got {path!r})")
    path = os.fspath(path)
    if suffix is not None:
        endings = (suffix,) if isinstance(suffix, str) else tuple(suffix)
        if not path.lower().endswith(tuple(s.lower() for s in endings)):
            raise ValueError(
                f"'{name}' must end with {' or '.join(endings)} (got {path!r})"
            )
    if kind == 'file' and (os.path.isdir(path) or path.endswith(('/', os.sep))):
        raise ValueError(
            f"'{name}' must be a file path, not a directory (got {path!r})"
        )
    if kind == 'dir' and os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"'{name}' must be a directory, not a file (got {path!r})")
    folder = path if kind == 'dir' else os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        blocker = folder
        while blocker and not os.path.exists(blocker):
            blocker = os.path.dirname(blocker)
        reason = f'{blocker!r} is a file' if os.path.isfile(blocker) else err.strerror
        raise ValueError(
            f"'{name}' needs the folder {folder!r}, which cannot be created "
            f'({reason}) (got {path!r})'
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(
            f"'{name}': the folder {folder!r} is not writable (got {path!r})"
        )
    if kind == 'file' and os.path.exists(path) and not os.access(path, os.W_OK):
        raise ValueError(f"'{name}' names a file that is not writable (got {path!r})")
    return path


def require_package(name: str, flag: str, *, pip: Optional[str] = None) -> Any:
    r"""Import the optional package :obj:`name` needed by :obj:`flag`.

    A missing package raises :class:`ValueError` with the install hint.

    Args:
        name (str): The module, e.g. :obj:`'matplotlib'`.
        flag (str): The option that needs it, e.g. :obj:`'--plots'`.
        pip (str, optional): What to ``pip install``. (default: :obj:`name`)

    Returns:
        The imported module.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ValueError(
            f"'{flag}' needs the optional package '{name}': pip install "
            f'{pip or name} (got no module named {name!r})'
        ) from None


__all__ = [
    'atomic_open',
    'atomic_write',
    'write_text',
    'write_json',
    'save_torch',
    'plain_value',
    'save_npy',
    'check_output_path',
    'require_package',
    'load_torch',
    'load_checkpoint',
]
