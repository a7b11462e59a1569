r"""Helpers shared by the benchmark scripts.

Each measured case runs in a fresh Python process, so its peak resident
memory (``resource.getrusage(...).ru_maxrss``) belongs to that case alone:

* :func:`run_case` calls ``module:function(**kwargs)`` in a subprocess. The
  function does its setup (load data, build objects) and returns a
  zero-argument callable; the worker records the peak RSS of the setup,
  optionally resets the high-water mark (``reset_peak``), times the callable
  (best of ``repeat`` runs) and returns the callable's result dict together
  with ``seconds``, ``setup_rss_mb``, ``start_rss_mb`` (the RSS just before
  the first call), ``peak_rss_mb``, ``peak_reset`` and ``peak_cuda_mb`` when
  CUDA was used.
* :func:`markdown_table`, :func:`write_json`, :func:`machine_info` and
  :func:`parse_sizes` format and store the results.
* :func:`graph_parser`, :func:`run_grid` and :func:`finish` are the driver
  of a side-by-side comparison over graph sizes and kinds.
* :func:`random_graph` builds the undirected test graphs (uniform random
  pairs or Chung-Lu with power-law weights); :func:`save_graph` stores one
  for the worker processes to load.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
_MARK = '__BENCH_RESULT__'


def _rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> Optional[float]:
    try:  # Linux: resident pages are the second field of statm
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
    except (OSError, ValueError):
        return None


def _reset_peak() -> bool:
    # Linux: writing 5 to clear_refs resets the high-water mark, so the peak
    # seen after the call is that of the call (inputs included), not of the
    # setup (e.g. a transient copy while loading the data).
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def _worker() -> None:
    spec = json.loads(sys.stdin.read())
    module, name = spec['target'].split(':')
    if spec['threads']:
        import torch

        torch.set_num_threads(spec['threads'])
    func = getattr(__import__(module, fromlist=[name]), name)
    run: Callable[[], Dict[str, Any]] = func(**spec['kwargs'])
    setup_rss = _rss_mb()
    peak_reset = spec.get('reset_peak', False) and _reset_peak()
    start_rss = _current_rss_mb()
    best, info = float('inf'), {}
    for _ in range(spec['repeat']):
        start = time.perf_counter()
        info = run()
        best = min(best, time.perf_counter() - start)
    out = dict(info, seconds=best, setup_rss_mb=setup_rss, peak_rss_mb=_rss_mb())
    out.update(peak_reset=peak_reset, start_rss_mb=start_rss)
    torch = sys.modules.get('torch')
    if torch is not None and torch.cuda.is_initialized():
        out['peak_cuda_mb'] = torch.cuda.max_memory_allocated() / 2**20
    print(_MARK + json.dumps(out), flush=True)


def run_case(
    target: str,
    kwargs: Dict[str, Any],
    *,
    repeat: int = 1,
    threads: Optional[int] = None,
    reset_peak: bool = False,
    timeout: Optional[float] = None,
) -> Dict[str, Any]:
    r"""Run ``target`` (``'module:function'``) in a fresh process; see above.

    ``threads`` sets :func:`torch.set_num_threads` in the worker first (the
    default keeps torch's own choice). With ``reset_peak`` the high-water
    mark is reset after the setup where Linux allows it, so ``peak_rss_mb``
    is the peak of the timed calls alone (inputs included); otherwise it is
    the peak of the whole process.

    A failing case returns ``{'error': <last line of stderr>}`` instead of
    raising, so one failure does not stop a whole benchmark table.
    """
    spec = dict(target=target, kwargs=kwargs, repeat=repeat, threads=threads)
    spec = json.dumps(dict(spec, reset_peak=reset_peak))
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]),
    )
    code = 'from benchmarks._common import _worker; _worker()'
    try:
        proc = subprocess.run(
            [sys.executable, '-c', code],
            input=spec,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {'error': f'timed out after {timeout} s'}
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK) :])
    lines = proc.stderr.strip().splitlines() or ['no output']
    return {'error': lines[-1]}


def random_graph(kind: str, num_nodes: int, avg_degree: float, seed: int = 0):
    r"""An undirected graph as a coalesced ``edge_index`` with both directions.

    ``num_nodes * avg_degree / 2`` distinct pairs without self-loops, with
    endpoints drawn uniformly (``'uniform'``) or with probability proportional
    to the Chung-Lu weights ``(i + 1) ** (-1 / (gamma - 1))``, ``gamma = 2.5``
    (``'powerlaw'``).
    """
    import torch

    if kind not in ('uniform', 'powerlaw'):
        raise ValueError(f"'kind' must be 'uniform' or 'powerlaw' (got {kind!r})")
    g = torch.Generator().manual_seed(seed)
    target = int(num_nodes * avg_degree / 2)
    weights = torch.arange(1, num_nodes + 1, dtype=torch.float64) ** (-1 / 1.5)
    cdf = torch.cumsum(weights, 0)
    cdf /= cdf[-1].clone()
    ids = torch.empty(0, dtype=torch.long)
    while ids.numel() < target:
        size = int(1.2 * (target - ids.numel())) + 16
        if kind == 'uniform':
            u, v = torch.randint(0, num_nodes, (2, size), generator=g)
        else:
            u, v = torch.searchsorted(
                cdf, torch.rand(2, size, generator=g, dtype=torch.float64)
            )
            u, v = u.clamp(max=num_nodes - 1), v.clamp(max=num_nodes - 1)
        keep = u != v
        u, v = u[keep], v[keep]
        new = torch.minimum(u, v) * num_nodes + torch.maximum(u, v)
        ids = torch.unique(torch.cat([ids, new]))
    ids = ids[torch.randperm(ids.numel(), generator=g)[:target]]
    row, col = ids // num_nodes, ids % num_nodes
    # Coalesced (sorted by row, then column), as PyG datasets and
    # `to_undirected` return their graphs.
    both = torch.cat([row * num_nodes + col, col * num_nodes + row]).sort().values
    return torch.stack([both // num_nodes, both % num_nodes])


def save_graph(
    directory, kind: str, num_nodes: int, avg_degree: float, seed: int = 0
) -> str:
    r"""Build :func:`random_graph` once and save it for the worker processes."""
    import torch

    path = Path(directory) / f'{kind}_{num_nodes}_{avg_degree:g}_{seed}.pt'
    if not path.exists():
        edge_index = random_graph(kind, num_nodes, avg_degree, seed)
        torch.save(dict(edge_index=edge_index, num_nodes=num_nodes), path)
    return str(path)


def parse_sizes(text: str) -> List[int]:
    r"""``'1e4,1e5'`` -> ``[10000, 100000]``."""
    return [int(float(part)) for part in text.split(',') if part.strip()]


def markdown_table(rows: Sequence[Dict[str, Any]], columns: Sequence[str]) -> str:
    r"""A Markdown table of ``rows`` (dicts) restricted to ``columns``."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f'{value:.3g}' if abs(value) < 1000 else f'{value:.0f}'
        return '' if value is None else str(value)

    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    lines += [
        '| ' + ' | '.join(cell(row.get(c)) for c in columns) + ' |' for row in rows
    ]
    return '\n'.join(lines)


def machine_info() -> Dict[str, Any]:
    r"""What the numbers were measured on."""
    import torch

    info = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        load_average=os.getloadavg(),
        platform=platform.platform(),
        cuda=torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    )
    try:
        import torch_geometric

        info['torch_geometric'] = torch_geometric.__version__
    except ImportError:  # pragma: no cover
        pass
    return info


def write_json(path: Path, payload: Dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + '\n')


def graph_parser(description: str, name: str) -> argparse.ArgumentParser:
    r"""The command line shared by the graph benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--sizes', default='1e4,1e5,1e6', help='numbers of nodes')
    parser.add_argument('--graphs', default='uniform,powerlaw')
    parser.add_argument('--degree', type=float, default=10.0, help='average degree')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeat', type=int, default=1, help='best of N calls')
    parser.add_argument('--threads', type=int, default=None, help='torch threads')
    parser.add_argument(
        '--out', default=str(ROOT / 'benchmarks' / 'results' / f'{name}.json')
    )
    return parser


def run_grid(
    target: str,
    methods: Sequence[str],
    args: argparse.Namespace,
    make_row: Callable[[int, str, Dict[str, Dict[str, Any]]], Dict[str, Any]],
    columns: Sequence[str],
) -> List[Dict[str, Any]]:
    r"""Run every method on every (size, graph kind), one process per case.

    ``target`` is called as ``target(path=..., method=..., device=...)``;
    ``make_row(size, kind, results_by_method)`` builds a table row, which is
    printed as soon as it is ready.
    """
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in parse_sizes(args.sizes):
            for kind in args.graphs.split(','):
                path = save_graph(tmp, kind, size, args.degree)
                results = {
                    method: run_case(
                        target,
                        dict(path=path, method=method, device=args.device),
                        repeat=args.repeat,
                        threads=args.threads,
                        reset_peak=True,
                    )
                    for method in methods
                }
                rows.append(dict(make_row(size, kind, results), raw=results))
                print(markdown_table(rows[-1:], columns).splitlines()[-1], flush=True)
    return rows


def finish(name: str, args: argparse.Namespace, rows, columns: Sequence[str]) -> None:
    r"""Print the final table and write the JSON file."""
    print()
    print(markdown_table(rows, columns))
    command = ' '.join(['python3'] + sys.argv)
    payload = dict(benchmark=name, command=command, args=vars(args))
    write_json(args.out, dict(payload, machine=machine_info(), rows=rows))
    print(f'\nwrote {args.out}')
