r"""Negative sampling: gvae_ext against ``torch_geometric.utils.negative_sampling``.

Both draw as many negative pairs as the graph has ``edge_index`` columns (the
default of both functions). Every case runs in its own process (see
``benchmarks/_common.py``); the table gives seconds, peak RSS and whether the
returned count was exactly the requested one.

Usage::

    python3 benchmarks/negative_sampling.py                 # 1e4, 1e5, 1e6 nodes
    python3 benchmarks/negative_sampling.py --sizes 1e3,1e4 # quick
    python3 benchmarks/negative_sampling.py --device cuda --out results.json
"""

import sys
from pathlib import Path

if __package__ in (None, ''):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import finish, graph_parser, run_grid  # noqa: E402

NAME = 'negative_sampling'
COLUMNS = [
    'nodes',
    'graph',
    'edges',
    'ours s',
    'PyG s',
    'speed-up',
    'ours peak MB',
    'PyG peak MB',
    'start MB',
    'ours exact',
    'PyG returned/requested',
]


def setup(path: str, method: str, device: str, seed: int = 0):
    r"""Load the graph and return the timed call (runs in the worker)."""
    import random

    import torch

    data = torch.load(path)
    edge_index, num_nodes = data['edge_index'].to(device), data['num_nodes']
    if method == 'gvae_ext':
        from gvae_ext.link.negative import negative_sampling

        generator = torch.Generator(device=device).manual_seed(seed)

        def call(ei):
            return negative_sampling(ei, num_nodes, generator=generator)
    else:
        from torch_geometric.utils import negative_sampling

        random.seed(seed)
        torch.manual_seed(seed)

        def call(ei):
            return negative_sampling(ei, num_nodes)

    call(edge_index[:, :100])  # warm-up: lazy imports, thread pools

    def run():
        out = call(edge_index)
        if device == 'cuda':
            torch.cuda.synchronize()
        return dict(requested=edge_index.size(1), returned=out.size(1))

    return run


def make_row(size, kind, res):
    ours, pyg = res['gvae_ext'], res['pyg']
    row = dict(nodes=size, graph=kind)
    for key, value in (('ours', ours), ('PyG', pyg)):
        if 'error' in value:
            row[f'{key} s'] = 'error: ' + value['error'][:60]
            continue
        row[f'{key} s'] = value['seconds']
        row[f'{key} peak MB'] = value['peak_rss_mb']
        row['edges'] = value['requested']
    if 'error' not in ours:
        row['start MB'] = ours['start_rss_mb']
        row['ours exact'] = ours['returned'] == ours['requested']
    if 'error' not in pyg:
        row['PyG returned/requested'] = f'{pyg["returned"]}/{pyg["requested"]}'
    if 'error' not in ours and 'error' not in pyg:
        row['speed-up'] = f'{pyg["seconds"] / ours["seconds"]:.1f}x'
    return row


def main(argv=None) -> None:
    args = graph_parser(__doc__.splitlines()[0], NAME).parse_args(argv)
    target = f'benchmarks.{NAME}:setup'
    rows = run_grid(target, ('gvae_ext', 'pyg'), args, make_row, COLUMNS)
    finish(NAME, args, rows, COLUMNS)


if __name__ == '__main__':
    main()
