r"""Pieces shared by the ``gvae-ext`` subcommands (private).

* :class:`Parser` -- an :class:`argparse.ArgumentParser` whose errors raise
  :class:`UsageError`, so :func:`gvae_ext.cli.main` prints every failure as
  one line ``gvae-ext CMD: error: ...`` and returns 2;
* :func:`check_outputs` -- every output path of a command checked (and its
  folder created) before any work starts;
* :func:`resolve_progress` -- whether a run draws progress bars.
"""

import argparse
import os
import sys
from typing import Optional

from gvae_ext._io import check_output_path, require_package


class UsageError(Exception):
    r"""A command-line error, reported as ``PROG: error: MESSAGE``.

    Args:
        prog (str): The (sub)command, e.g. ``'gvae-ext fit'``.
        message (str): What went wrong.
    """

    def __init__(self, prog: str, message: str):
        super().__init__(message)
        self.prog = prog


class Parser(argparse.ArgumentParser):
    r"""An argument parser whose errors raise :class:`UsageError`.

    argparse would print the usage and exit; ``--help`` still exits.
    """

    def error(self, message: str):  # noqa: D102 (argparse's hook)
        raise UsageError(self.prog, message)


def positive_int(text: str) -> int:
    r"""An argparse ``type`` for a positive integer.

    Args:
        text (str): The option's value.

    Returns:
        The integer.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be a positive integer (got {text!r})')
    return value


def resolve_progress(flag: Optional[bool]) -> bool:
    r"""Whether to draw progress bars.

    ``--progress``/``--no-progress`` when given, else only when standard
    error is a terminal.

    Args:
        flag (bool, optional): The parsed ``progress`` option.

    Returns:
        The setting.
    """
    if flag is not None:
        return flag
    return bool(getattr(sys.stderr, 'isatty', lambda: False)())


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    r"""Add the ``--progress``/``--no-progress`` pair (``dest='progress'``).

    Args:
        parser (argparse.ArgumentParser): The subcommand's parser.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--progress',
        dest='progress',
        action='store_true',
        default=None,
        help='draw progress bars even when stderr is not a terminal',
    )
    group.add_argument(
        '--no-progress',
        dest='progress',
        action='store_false',
        default=None,
        help='never draw progress bars (default: draw them on a terminal only)',
    )


# Each command's output options: (attribute, flag, 'file' or 'dir').
OUTPUTS: dict[str, list[tuple[str, str, str]]] = {
    'fit': [
        ('json', '--json', 'file'),
        ('save', '--save', 'file'),
        ('embeddings', '--embeddings', 'file'),
        ('plots', '--plots', 'dir'),
    ],
    'score': [('out', '--out', 'file')],
    'bench': [('out', '--out', 'dir')],
}


def embedding_ids_path(path: str) -> str:
    r"""Where ``--embeddings PATH.npy`` writes its node ids: ``PATH.ids.txt``.

    Args:
        path (str): The ``.npy`` path.

    Returns:
        The ids path.
    """
    return path[: -len('.npy')] + '.ids.txt'


def check_outputs(args: argparse.Namespace) -> None:
    r"""Check every output path of ``args.command`` before any work starts.

    The same rules hold for every flag: a file option must not name a
    directory (nor end in a path separator), its missing parent folders are
    created, and the folder must be writable; a directory option must not
    name a file, and is created when missing. Two options may not name the
    same file. ``--embeddings`` must end in ``.npy`` (NumPy would silently
    append it otherwise) and also writes ``PATH.ids.txt``; ``--plots`` needs
    matplotlib.

    Args:
        args (argparse.Namespace): The parsed command line.

    Raises:
        ValueError: Naming the flag and the path, ``(got ...)``.
    """
    seen: dict[str, str] = {}
    for attr, flag, kind in OUTPUTS.get(args.command, []):
        path = getattr(args, attr, None)
        if path is None:
            continue
        if kind == 'dir':
            check_output_path(path, flag, kind='dir')
            continue
        paths = [path]
        if attr == 'embeddings':
            check_output_path(path, flag, suffix='.npy')
            paths.append(embedding_ids_path(path))
        for one in paths:
            check_output_path(one, flag)
            key = os.path.realpath(one)
            if key in seen:
                raise ValueError(
                    f"'{seen[key]}' and '{flag}' must name different files "
                    f'(got {one!r} for both)'
                )
            seen[key] = flag
    if getattr(args, 'plots', None) is not None:
        require_package('matplotlib', '--plots', pip="'gvae_ext[plot]'")
