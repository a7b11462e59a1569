r"""Wall time of a default ``gvae-ext fit`` by torch thread count, on an idle
machine and with busy neighbours (issue 12: "fast on a busy machine too").

Each cell runs ``python3 -m gvae_ext fit --dataset D --threads T`` in a fresh
process (``--threads auto`` lets gvae_ext choose from the graph) while
``--busy`` other processes spin on the CPU (each a tight pure-Python loop,
like another user's single-threaded job), and records the fit's own
``total_seconds`` (training and evaluation, without start-up) and the process
wall time. The same seed gives the same metrics whatever the thread count.

    python3 benchmarks/threads.py --datasets cora,karate --busy 0,1,2 --repeats 2

``--busy-after S`` starts the neighbours S seconds after each fit process
(a job that arrives while the fit trains).
"""

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._common import machine_info, write_json  # noqa: E402


def _spin(stop) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def _dataset_args(name: str, tmp: Path):
    if name == 'karate':  # a 34-node graph written as an edge list
        import networkx as nx

        path = tmp / 'karate.txt'
        path.write_text(
            ''.join(f'{u} {v}\n' for u, v in nx.karate_club_graph().edges())
        )
        return ['--dataset', f'edgelist:{path}']
    return ['--dataset', name]


def run_fit(dataset_args, threads: str, seed: int, tmp: Path):
    out = tmp / 'fit.json'
    env = dict(os.environ)
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env.pop(key, None)
    cmd = [sys.executable, '-m', 'gvae_ext', 'fit', *dataset_args]
    cmd += ['--seed', str(seed), '--json', str(out), '--no-progress']
    if threads != 'auto':
        cmd += ['--threads', threads]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.strip().splitlines()[-1])
    result = json.loads(out.read_text())
    return dict(
        fit_seconds=result['timings']['total_seconds'],
        wall_seconds=wall,
        test_auc=result['test_auc'],
        threads_used=result['timings'].get('num_threads'),
        thread_steps=result['timings'].get('thread_steps', []),
    )


@contextlib.contextmanager
def neighbours(busy: int, after: float):
    r"""``busy`` spinning processes for the block, started ``after`` seconds in."""
    stop = mp.Event()
    spinners = [mp.Process(target=_spin, args=(stop,)) for _ in range(busy)]

    def start():
        for p in spinners:
            p.start()

    timer = threading.Timer(after, start)
    if busy:
        if after > 0:
            timer.start()
        else:
            start()
    try:
        yield
    finally:
        timer.cancel()
        stop.set()
        for p in spinners:
            if p.pid is not None:
                p.join()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--datasets', default='cora,karate')
    parser.add_argument('--threads', default='1,2,auto')
    parser.add_argument('--busy', default='0,1,2', help='busy neighbour processes')
    parser.add_argument(
        '--busy-after',
        type=float,
        default=0.0,
        help='seconds after each fit process starts before the neighbours do '
        '(default: 0, they run from before the start)',
    )
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--out', default=str(ROOT / 'benchmarks/results/threads.json'))
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for dataset in args.datasets.split(','):
            dargs = _dataset_args(dataset, tmp)
            for busy in [int(b) for b in args.busy.split(',')]:
                for threads in args.threads.split(','):
                    runs = []
                    for _ in range(args.repeats):
                        with neighbours(busy, args.busy_after):
                            runs.append(run_fit(dargs, threads, 0, tmp))
                    row = dict(
                        dataset=dataset,
                        busy=busy,
                        busy_after=args.busy_after,
                        threads=threads,
                        threads_used=runs[0]['threads_used'],
                        thread_steps=runs[0]['thread_steps'],
                        fit_seconds=statistics.median(r['fit_seconds'] for r in runs),
                        wall_seconds=statistics.median(r['wall_seconds'] for r in runs),
                        test_auc=runs[0]['test_auc'],
                    )
                    rows.append(row)
                    print(
                        f'{dataset:8s} busy={busy} threads={threads:4s} '
                        f'(used {row["threads_used"]}, steps {row["thread_steps"]}): '
                        f'fit {row["fit_seconds"]:6.2f} s, process '
                        f'{row["wall_seconds"]:6.2f} s, AUC {row["test_auc"]:.4f}',
                        flush=True,
                    )
    write_json(Path(args.out), {'machine': machine_info(), 'rows': rows})


if __name__ == '__main__':
    main()
