r"""The ``gvae-ext`` command line.

``gvae-ext fit``     train one model on one dataset and print test metrics;
``gvae-ext bench``   a multi-seed grid of methods, written as Markdown/CSV/JSON;
``gvae-ext score``   per-sample anomaly scores of a saved DenseVAE;
``gvae-ext presets`` the named training presets and their values;
``gvae-ext audit``   the leakage audit of a link split (exit 1 on a leak).

Every failure (a bad option, an invalid value, an unusable output path, an
unreadable input) ends in one line ``gvae-ext CMD: error: ...`` on standard
error and exit status 2, before any training starts where it can be
checked up front.
"""

import contextlib
import os
import sys
import warnings
from typing import Optional

from gvae_ext._cli_args import build_parser
from gvae_ext._cli_audit import cmd_audit
from gvae_ext._cli_common import (
    UsageError,
    check_outputs,
    resolve_progress,
)
from gvae_ext._cli_fit import cmd_fit
from gvae_ext.train.config import (
    DEFAULT_PRESET,
    PRESET_FIELDS,
    PRESETS,
    check_device,
)


def presets_table() -> str:
    r"""The presets as an aligned text table, one row per preset.

    Returns:
        The table; the default preset is marked with ``*``.
    """
    header = ['preset', *PRESET_FIELDS]
    rows = [
        [
            name + ('*' if name == DEFAULT_PRESET else ''),
            *(str(values[f]) for f in PRESET_FIELDS),
        ]
        for name, values in PRESETS.items()
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        '  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
        for r in [header, *rows]
    ]
    return '\n'.join(lines) + f'\n* the default preset ({DEFAULT_PRESET})\n'


def _cmd_presets(args) -> int:
    print(presets_table(), end='')
    return 0


def _cmd_bench(args) -> int:
    from gvae_ext.report import bench

    check_device(args.device)
    if args.models:
        rows = [r.strip() for r in args.models.split(',') if r.strip()]
    else:
        rows = list(bench.TABLE1_ROWS)
        if DEFAULT_PRESET != 'paper':
            rows += [f'gae@{DEFAULT_PRESET}', f'vgae@{DEFAULT_PRESET}']
    datasets = [d.strip() for d in args.datasets.split(',') if d.strip()]
    for flag, names, text in (
        ('--datasets', datasets, args.datasets),
        ('--models', rows, args.models),
    ):
        if not names:
            raise ValueError(f"'{flag}' must name at least one entry (got {text!r})")
        bench.check_unique(names, flag, text)
    seeds = bench.parse_seeds(args.seeds, '--seeds')
    for row in rows:
        bench.parse_row(row)  # a bad row fails before the grid starts
    protocols = bench.check_protocols(
        [p.strip() for p in args.protocol.split(',') if p.strip()]
    )
    check_outputs(args)
    results = bench.run_grid(
        datasets,
        rows,
        seeds,
        args.out,
        root=args.root,
        device=args.device,
        progress=resolve_progress(args.progress),
        protocols=protocols,
    )
    summary = bench.summarize(results)
    paths = bench.write_reports(summary, args.out)
    print(bench.to_markdown(summary), end='')
    print(f'written: {paths["md"]}, {paths["csv"]}, {paths["json"]}')
    return 0


def _cmd_audit(args) -> int:
    check_outputs(args)  # --json must not be one of the audited files
    return cmd_audit(args)


def _cmd_score(args) -> int:
    from gvae_ext.vae.score import score_dense_vae

    check_device(args.device)
    if not os.path.isfile(args.checkpoint):
        raise ValueError(
            f"'checkpoint' must be an existing file (got {args.checkpoint!r})"
        )
    check_outputs(args)
    scores = score_dense_vae(
        args.checkpoint,
        args.dataset,
        root=args.root,
        out_csv=args.out,
        device=args.device,
    )
    print(
        f'scored {scores.numel()} samples; mean {float(scores.mean()):.3f}'
        + (f'; written to {args.out}' if args.out else '')
    )
    return 0


__all__ = ['build_parser', 'main', 'presets_table']

COMMANDS = {
    'fit': cmd_fit,
    'audit': _cmd_audit,
    'bench': _cmd_bench,
    'score': _cmd_score,
    'presets': _cmd_presets,
}


@contextlib.contextmanager
def _one_line_warnings(prog: str):
    r"""Print warnings as one line ``PROG: warning: ...`` (no source line)."""
    before = warnings.formatwarning

    def one_line(message, category, filename, lineno, line=None):
        return f'{prog}: warning: {" ".join(str(message).split())}\n'

    warnings.formatwarning = one_line
    try:
        yield
    finally:
        warnings.formatwarning = before


def main(argv: Optional[list[str]] = None) -> int:
    r"""Run the ``gvae-ext`` command line.

    Args:
        argv (list of str, optional): The arguments after the program name.
            (default: :obj:`None`, :obj:`sys.argv[1:]`)

    Returns:
        The exit status: :obj:`0`, or :obj:`2` after printing one line
        ``gvae-ext CMD: error: ...`` to standard error.
    """
    prog = 'gvae-ext'
    try:
        args, extra = build_parser().parse_known_args(argv)
        prog = f'gvae-ext {args.command}'
        if extra:  # reported by the subcommand, not by 'gvae-ext'
            raise UsageError(prog, f'unrecognized arguments: {" ".join(extra)}')
        with _one_line_warnings(prog):
            return COMMANDS[args.command](args)
    except UsageError as err:
        prog, message = err.prog, str(err)
    except (ValueError, OSError, ImportError) as err:
        message = str(err)
    message = ' '.join(message.split())  # one line, whatever the source
    print(f'{prog}: error: {message}', file=sys.stderr)
    return 2


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit(main())
