r"""Pair heuristics: gvae_ext against the obvious scipy.sparse formulation.

Both score the same pairs -- as many as the graph has nodes, half of them
edges and half uniformly random pairs -- with common neighbours (CN),
Adamic-Adar (AA) and resource allocation (RA). scipy builds the symmetric
0/1 adjacency ``A`` (no self-loops) and computes
``A[a].multiply(A[b]).sum(1)`` (CN) or ``A[a].multiply(A[b]) @ w`` with
``w = 1 / log(deg)`` (AA) or ``1 / deg`` (RA); gvae_ext's functions take
``edge_index`` and the pairs. Both timings include building the adjacency
from ``edge_index``. Every case runs in its own process (see
``benchmarks/_common.py``); the table gives the seconds of each call, the
peak RSS and whether the two results agree (CN exactly, AA/RA to 1e-12
relative).

Usage::

    python3 benchmarks/heuristics.py                  # 1e4, 1e5, 1e6 nodes
    python3 benchmarks/heuristics.py --sizes 1e3,1e4  # quick
    python3 benchmarks/heuristics.py --device cuda    # gvae_ext on CUDA
"""

import sys
import time
from pathlib import Path

if __package__ in (None, ''):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import finish, graph_parser, run_grid  # noqa: E402

NAME = 'heuristics'
HEURISTICS = ('cn', 'aa', 'ra')
COLUMNS = ['nodes', 'graph', 'edges', 'pairs']
for _h in HEURISTICS:
    COLUMNS += [f'{_h} ours s', f'{_h} scipy s']
COLUMNS += ['ours peak MB', 'scipy peak MB', 'equal']


def _pairs(edge_index, num_nodes: int, seed: int):
    import torch

    g = torch.Generator().manual_seed(seed)
    half = num_nodes // 2
    edges = edge_index[:, torch.randperm(edge_index.size(1), generator=g)[:half]]
    rand = torch.randint(0, num_nodes, (2, num_nodes - half), generator=g)
    return torch.cat([edges, rand], dim=1)


def _scipy_scores(edge_index, pairs, num_nodes: int, heuristic: str):
    import numpy as np
    import scipy.sparse as sp

    row, col = edge_index
    keep = row != col
    row, col = row[keep], col[keep]
    ones = np.ones(2 * row.size)
    a = sp.csr_matrix(
        (ones, (np.concatenate([row, col]), np.concatenate([col, row]))),
        shape=(num_nodes, num_nodes),
    )
    a.sum_duplicates()
    a.data[:] = 1.0
    both = a[pairs[0]].multiply(a[pairs[1]])
    if heuristic == 'cn':
        return np.asarray(both.sum(1)).ravel()
    deg = np.diff(a.indptr).astype(np.float64)
    with np.errstate(divide='ignore'):
        w = 1.0 / (np.log(deg) if heuristic == 'aa' else deg)
    w[~np.isfinite(w)] = 0.0
    return both @ w


def setup(path: str, method: str, device: str, seed: int = 0):
    r"""Load the graph and return the timed call (runs in the worker)."""
    import numpy as np
    import torch

    data = torch.load(path)
    edge_index, num_nodes = data['edge_index'], data['num_nodes']
    pairs = _pairs(edge_index, num_nodes, seed)
    library, heuristic = method.split('-')
    if library == 'gvae_ext':
        from gvae_ext.link import heuristics

        func = {
            'cn': heuristics.common_neighbors,
            'aa': heuristics.adamic_adar,
            'ra': heuristics.resource_allocation,
        }[heuristic]
        edge_index, pairs = edge_index.to(device), pairs.to(device)
        func(edge_index[:, :100], pairs[:, :100], num_nodes)  # warm-up

        def call():
            out = func(edge_index, pairs, num_nodes)
            if device == 'cuda':
                torch.cuda.synchronize()
            return out.cpu().numpy()
    else:
        ei, pr = edge_index.numpy(), pairs.numpy()
        _scipy_scores(ei[:, :100], pr[:, :100], num_nodes, heuristic)  # warm-up

        def call():
            return _scipy_scores(ei, pr, num_nodes, heuristic)

    def run():
        start = time.perf_counter()
        out = call()
        elapsed = time.perf_counter() - start
        np.save(f'{path}.{method}.npy', out)
        return dict(
            compute_s=elapsed, edges=edge_index.size(1), pairs=pairs.size(1), path=path
        )

    return run


def _agree(path: str, heuristic: str) -> str:
    import numpy as np

    try:
        ours = np.load(f'{path}.gvae_ext-{heuristic}.npy')
        ref = np.load(f'{path}.scipy-{heuristic}.npy')
    except OSError:
        return 'n/a'
    if heuristic == 'cn':
        return 'yes' if np.array_equal(ours, ref) else 'NO'
    scale = np.maximum(np.abs(ref), 1e-300)
    return 'yes' if float(np.max(np.abs(ours - ref) / scale)) <= 1e-12 else 'NO'


def make_row(size, kind, res):
    r"""One table row from the results of every method on one graph."""
    row = dict(nodes=size, graph=kind)
    peaks = {'ours': [], 'scipy': []}
    path = None
    for h in HEURISTICS:
        for key, lib in (('ours', 'gvae_ext'), ('scipy', 'scipy')):
            value = res[f'{lib}-{h}']
            if 'error' in value:
                row[f'{h} {key} s'] = 'error: ' + value['error'][:60]
                continue
            row[f'{h} {key} s'] = value['compute_s']
            row.update(edges=value['edges'], pairs=value['pairs'])
            peaks[key].append(value['peak_rss_mb'])
            path = value['path']
    row['ours peak MB'] = max(peaks['ours'], default=None)
    row['scipy peak MB'] = max(peaks['scipy'], default=None)
    if path is not None:
        row['equal'] = ','.join(f'{h}:{_agree(path, h)}' for h in HEURISTICS)
    return row


def main(argv=None) -> None:
    r"""Run the grid, print the table and write the JSON file."""
    args = graph_parser(__doc__.splitlines()[0], NAME).parse_args(argv)
    target = f'benchmarks.{NAME}:setup'
    methods = [f'{lib}-{h}' for h in HEURISTICS for lib in ('gvae_ext', 'scipy')]
    rows = run_grid(target, methods, args, make_row, COLUMNS)
    finish(NAME, args, rows, COLUMNS)


if __name__ == '__main__':
    main()
