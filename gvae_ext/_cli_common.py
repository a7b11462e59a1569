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
    'audit': [('json', '--json', 'file')],
}


def dir_files(flag: str) -> tuple[str, ...]:
    r"""The files a directory option writes inside its folder.

    A trailing ``'/'`` stands for a whole subfolder the command owns. The
    names come from the writers (imported here, when a run checks them).
    """
    if flag == '--plots':
        from gvae_ext.report.figures import PLOT_FILES
        from gvae_ext.vae.images import IMAGE_FILES

        return (*PLOT_FILES.values(), *IMAGE_FILES.values())
    if flag == '--out':
        from gvae_ext.report._runs import RUNS_DIR
        from gvae_ext.report.tables import RESULT_FILES

        return (*RESULT_FILES.values(), RUNS_DIR + '/')
    return ()


# Dataset kinds whose spec names a file: 'KIND:PATH'.
_FILE_KINDS = ('edgelist', 'npy', 'csv')


def embedding_ids_path(path: str) -> str:
    r"""Where ``--embeddings PATH.npy`` writes its node ids: ``PATH.ids.txt``.

    Args:
        path (str): The ``.npy`` path.

    Returns:
        The ids path.
    """
    return path[: -len('.npy')] + '.ids.txt'


def _dataset_file(spec: str, bare_tables: bool = False) -> Optional[str]:
    kind, sep, arg = spec.partition(':')
    if sep and kind.strip().lower() in _FILE_KINDS and arg:
        return arg
    if bare_tables and spec.lower().endswith(('.npy', '.csv')):
        return spec  # `score` also takes a plain table path
    return None


def input_files(args: argparse.Namespace) -> list[tuple[str, str]]:
    r"""The input files a command line reads, as ``(option, path)`` pairs.

    The file of an ``edgelist:``, ``npy:`` or ``csv:`` dataset (or a plain
    ``.npy``/``.csv`` path given to ``score``), ``--features``, the
    checkpoint of ``score`` and the split files of ``audit --files DIR``;
    the data folder of ``--root`` is not looked into.

    Args:
        args (argparse.Namespace): The parsed command line.

    Returns:
        The pairs, in the order of the options.
    """
    command = args.command
    files: list[tuple[str, object]] = []
    if command == 'score':
        files.append(('checkpoint', args.checkpoint))
    if command == 'bench':
        specs = [d.strip() for d in str(args.datasets).split(',')]
        files += [('--datasets', f) for f in map(_dataset_file, specs) if f]
    elif command == 'audit' and getattr(args, 'files', None) is not None:
        from gvae_ext._cli_audit import FILES, GRAPH_FILE

        names = [*FILES, GRAPH_FILE]
        files += [('--files', os.path.join(args.files, n)) for n in names]
    elif isinstance(getattr(args, 'dataset', None), str):
        path = _dataset_file(args.dataset, bare_tables=command == 'score')
        if path:
            files.append(('--dataset', path))
    if getattr(args, 'features', None) is not None:
        files.append(('--features', args.features))
    return [
        (flag, os.fspath(path))
        for flag, path in files
        if isinstance(path, (str, os.PathLike)) and os.fspath(path)
    ]


def _same_file(a: str, b: str) -> bool:
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)  # also through links
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(
        os.path.realpath(b)
    )


def _check_not_inputs(
    flag: str, path: str, targets: list[str], inputs: list[tuple[str, str]]
) -> None:
    # Raise when a file `flag path` writes (`targets`) is one of the inputs.
    for in_flag, in_path in inputs:
        for target in targets:
            if target.endswith('/'):  # a subfolder the command writes into
                folder = os.path.realpath(target)
                hit = os.path.realpath(in_path).startswith(folder + os.sep)
                where = f', which lies in the folder {target} it writes'
            else:
                hit = _same_file(target, in_path)
                where = f', which it writes as {target}' if target != path else ''
            if hit:
                raise ValueError(
                    f"'{flag}' would overwrite the input file {in_path} of "
                    f"'{in_flag}'{where} (got {flag} {path})"
                )


def check_outputs(args: argparse.Namespace) -> None:
    r"""Check every output path of ``args.command`` before any work starts.

    The same rules hold for every flag: a file option must not name a
    directory (nor end in a path separator), its missing parent folders are
    created, and the folder must be writable; a directory option must not
    name a file, and is created when missing. Two options may not name the
    same file, and no option may name (nor, for a folder, write over) an
    input file of the run (:func:`input_files`; compared as resolved paths,
    and with :func:`os.path.samefile` when both exist), so a run never
    overwrites its own input. ``--embeddings`` must end in ``.npy`` (NumPy
    would silently append it otherwise) and also writes ``PATH.ids.txt``;
    ``--plots`` needs matplotlib.

    Args:
        args (argparse.Namespace): The parsed command line.

    Raises:
        ValueError: Naming the flag and the path, ``(got ...)``.
    """
    outputs = []
    for attr, flag, kind in OUTPUTS.get(args.command, []):
        path = getattr(args, attr, None)
        if path is not None:
            outputs.append((attr, flag, kind, path))
    inputs = input_files(args)
    for attr, flag, kind, path in outputs:  # before any folder is created
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            continue  # check_output_path names it below
        path = os.fspath(path)
        targets = [path]
        if kind == 'dir':
            targets = [os.path.join(path, name) for name in dir_files(flag)]
        elif attr == 'embeddings' and path.lower().endswith('.npy'):
            targets.append(embedding_ids_path(path))
        _check_not_inputs(flag, path, targets, inputs)
    seen: dict[str, str] = {}
    for attr, flag, kind, path in outputs:
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
