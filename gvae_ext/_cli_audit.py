r"""``gvae-ext audit``: the leakage audit of a link split (private).

Three sources of a split:

* ``--split gvae`` (default): :func:`gvae_ext.split_edges` of ``--dataset``
  with ``--seed``;
* ``--split pyg``: PyG's ``RandomLinkSplit(num_val=0.05, num_test=0.1,
  is_undirected=True, split_labels=True)`` of ``--dataset`` (torch's and
  Python's RNGs seeded with ``--seed`` and restored afterwards), to check
  PyG's own output;
* ``--files DIR``: edge-list files (one pair ``u v`` per line) named
  ``train.txt`` (message-passing edges), ``train_neg.txt``, ``val_pos.txt``,
  ``val_neg.txt``, ``test_pos.txt``, ``test_neg.txt`` (any subset), and
  optionally ``graph.txt`` (the full graph).

The report lists every finding with counts and example pairs; the exit
status is 1 when anything leaks, else 0 (2 for bad input).
"""

import argparse
import os
import random
import re

import torch

from gvae_ext._checks import check_seed

FILES = {
    'train.txt': 'train_pos_edge_index',
    'train_neg.txt': 'train_neg_edge_index',
    'val_pos.txt': 'val_pos_edge_index',
    'val_neg.txt': 'val_neg_edge_index',
    'test_pos.txt': 'test_pos_edge_index',
    'test_neg.txt': 'test_neg_edge_index',
}
GRAPH_FILE = 'graph.txt'  # the full graph, optional


def add_audit_parser(sub) -> None:
    r"""Add the ``audit`` subcommand to :obj:`sub`.

    Args:
        sub: The subparsers object of the ``gvae-ext`` parser.
    """
    p = sub.add_parser(
        'audit',
        help='check a link split for leakage (exit 1 when anything leaks)',
        description=__doc__.split('\n\n')[1],
    )
    p.add_argument('--dataset', default='cora', help='dataset spec (default: cora)')
    p.add_argument('--root', default=None, help='data folder for planetoid:NAME')
    p.add_argument(
        '--split',
        default='gvae',
        choices=('gvae', 'pyg'),
        help="whose split of --dataset to audit: gvae_ext's split_edges or "
        "PyG's RandomLinkSplit (default: gvae)",
    )
    p.add_argument('--seed', type=int, default=0, help='seed of the split (default: 0)')
    p.add_argument(
        '--files',
        default=None,
        metavar='DIR',
        help='audit edge-list files in DIR instead: ' + ', '.join(FILES),
    )
    p.add_argument('--json', default=None, metavar='PATH', help='write the report')


# A node id: ASCII digits only (str.isdigit would accept '²').
_ID = re.compile(r'[0-9]+', re.ASCII)
_MAX_ID = 2**63 - 1


def _parse_line(fields: list, number: int, path: str, line: str) -> tuple:
    if len(fields) < 2 or not all(_ID.fullmatch(t) for t in fields[:2]):
        raise ValueError(
            f"'--files' line {number} of {path!r} must be two node ids "
            f'(got {line.strip()!r})'
        )
    pair = (int(fields[0]), int(fields[1]))
    for token, value in zip(fields, pair):
        if value > _MAX_ID:
            raise ValueError(
                f"'--files' line {number} of {path!r}: node id {token} is out "
                f'of the int64 range [0, 2**63) (got {line.strip()!r})'
            )
    return pair


def _read_pairs(path: str) -> torch.Tensor:
    pairs = []
    # 'utf-8-sig' drops a byte-order mark, which would stick to the first id.
    with open(path, encoding='utf-8-sig') as f:
        try:
            for number, line in enumerate(f, 1):
                fields = line.split('#', 1)[0].replace(',', ' ').split()
                if fields:
                    pairs.append(_parse_line(fields, number, path, line))
        except UnicodeDecodeError as err:
            raise ValueError(
                f"'--files' file {path!r} must be UTF-8 text (got {err.reason})"
            ) from err
    return torch.tensor(pairs, dtype=torch.long).view(-1, 2).t()


def _from_files(folder: str):
    if not os.path.isdir(folder):
        raise ValueError(f"'--files' must be a folder (got {folder!r})")
    parts = {
        key: _read_pairs(os.path.join(folder, name))
        for name, key in FILES.items()
        if os.path.isfile(os.path.join(folder, name))
    }
    if not parts:
        raise ValueError(
            f"'--files' folder holds none of {list(FILES)} (got {folder!r})"
        )
    graph = os.path.join(folder, GRAPH_FILE)
    return parts, _read_pairs(graph) if os.path.isfile(graph) else None


def _pyg_split(data, seed: int):
    import torch_geometric.transforms as T
    from torch_geometric.data import Data

    transform = T.RandomLinkSplit(
        num_val=0.05, num_test=0.1, is_undirected=True, split_labels=True
    )
    # PyG draws its negatives with Python's `random` as well as torch's RNG:
    # both are seeded for the split and restored afterwards.
    state = random.getstate()
    try:
        random.seed(seed)
        with torch.random.fork_rng():
            torch.random.manual_seed(seed)
            graph = Data(edge_index=data.edge_index, num_nodes=data.num_nodes)
            return transform(graph)
    finally:
        random.setstate(state)


def audit_report(args: argparse.Namespace):
    r"""The :class:`~gvae_ext.link.AuditReport` the arguments ask for.

    Args:
        args (argparse.Namespace): The parsed ``audit`` command line.

    Returns:
        The report.
    """
    from gvae_ext.datasets import load_dataset
    from gvae_ext.link import audit_split, split_edges

    check_seed(args.seed)
    if args.files is not None:
        parts, graph = _from_files(args.files)
        return audit_split(parts, graph)
    data = load_dataset(args.dataset, root=args.root)
    if args.split == 'pyg':
        split = _pyg_split(data, args.seed)
    else:
        gen = torch.Generator().manual_seed(args.seed)
        split = split_edges(data.edge_index, data.num_nodes, generator=gen)
    return audit_split(split, data.edge_index, num_nodes=int(data.num_nodes))


def cmd_audit(args: argparse.Namespace) -> int:
    r"""Run ``gvae-ext audit``: print the report, exit 1 on any leak.

    Args:
        args (argparse.Namespace): The parsed command line.

    Returns:
        :obj:`0` for a clean split, :obj:`1` when anything leaks.
    """
    from gvae_ext._io import check_output_path, write_json

    if args.json is not None:
        check_output_path(args.json, '--json')
    report = audit_report(args)
    print(report)
    if args.json is not None:
        write_json(args.json, report.to_dict())
    return 0 if report.ok else 1
