r"""Time one VGAE training epoch on Cora: gvae_ext vs PyG's example.

One epoch = ``zero_grad`` + encoder forward + reconstruction loss + KL/N +
backward + Adam step, on the training edges of an 85/5/10 split. Every model
is a 2-layer GCN encoder 1433 -> 32 -> 16 (mu and logstd heads) on the same
data; PyG's is the one of ``examples/autoencoder.py``
(``torch_geometric.nn.VGAE`` with ``GCNConv`` layers, loss
``recon_loss(z, train_pos_edge_index) + (1 / N) * kl_loss()``). The models
are timed in interleaved rounds so that a drift in machine load hits all of
them alike; the median epoch time is reported.

Run from the repository root::

    python3 benchmarks/epoch.py --epochs 100 --threads 2

Cora is read offline from ``--planetoid-dir`` (the ``ind.cora.*`` files).
"""

import argparse
import glob
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import gvae_ext.typing  # noqa: E402
from gvae_ext.link.split import split_edges  # noqa: E402
from gvae_ext.nn import VGAE  # noqa: E402
from gvae_ext.nn.encoders import VariationalGCNEncoder  # noqa: E402

warnings.filterwarnings('ignore', message='Sparse CSR tensor support')


def load_cora(planetoid_dir: str):
    from torch_geometric.datasets import Planetoid

    root = tempfile.mkdtemp()
    raw = os.path.join(root, 'Cora', 'raw')
    os.makedirs(raw)
    files = glob.glob(os.path.join(planetoid_dir, 'ind.cora.*'))
    if not files:
        raise SystemExit(f'no ind.cora.* files in {planetoid_dir}')
    for path in files:
        shutil.copy(path, raw)
    try:
        return Planetoid(root, 'Cora')[0]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def pyg_model(in_channels: int, cached: bool):
    from torch_geometric.nn import VGAE as PygVGAE
    from torch_geometric.nn import GCNConv

    class Encoder(torch.nn.Module):  # as in PyG's examples/autoencoder.py
        def __init__(self):
            super().__init__()
            self.conv1 = GCNConv(in_channels, 32, cached=cached)
            self.conv_mu = GCNConv(32, 16, cached=cached)
            self.conv_logstd = GCNConv(32, 16, cached=cached)

        def forward(self, x, edge_index):
            x = self.conv1(x, edge_index).relu()
            return self.conv_mu(x, edge_index), self.conv_logstd(x, edge_index)

    return PygVGAE(Encoder())


MODELS = {
    # name: (objective, builder)
    'PyG VGAE (GCNConv)': ('sampled', 'pyg'),
    'PyG VGAE (GCNConv, cached=True)': ('sampled', 'pyg-cached'),
    'gvae_ext VGAE': ('sampled', 'fast'),
    "gvae_ext VGAE (neg_sampling='exact')": ('sampled', 'exact'),
    'gvae_ext VGAE (dense objective)': ('dense', 'fast'),
}
BASELINE = 'PyG VGAE (GCNConv)'


def make_step(kind: str, objective: str, x, train_pos):
    r"""One training epoch of the model :obj:`kind` as a closure."""
    n = x.size(0)
    torch.manual_seed(0)
    if kind.startswith('pyg'):
        model = pyg_model(x.size(1), cached=kind == 'pyg-cached')
    else:
        model = VGAE(VariationalGCNEncoder(x.size(1), 32, 16), neg_sampling=kind)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        z = model.encode(x, train_pos)
        if kind.startswith('pyg'):  # PyG's example loss, unchanged
            loss = model.recon_loss(z, train_pos) + (1 / n) * model.kl_loss()
        else:
            loss = model.loss(z, train_pos, objective=objective)
        loss.backward()
        opt.step()

    return step


def _child(conn, data_path: str, name: str, threads, warmup: int) -> None:
    r"""Serve one model in its own process: its own heap and caches."""
    warnings.filterwarnings('ignore', message='Sparse CSR tensor support')
    if threads:
        torch.set_num_threads(threads)
    data = torch.load(data_path)
    objective, kind = MODELS[name]
    step = make_step(kind, objective, data['x'], data['train_pos'])
    for _ in range(warmup):
        step()
    conn.send('ready')
    while True:
        count = conn.recv()
        if count is None:
            break
        out = []
        for _ in range(count):
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            out.append((time.perf_counter() - start, time.process_time() - start_cpu))
        conn.send(out)
    conn.close()


def time_models(data_path: str, args) -> dict:
    r"""Wall-clock and CPU seconds per epoch of every model, each in its own
    process, run in interleaved rounds so load drift hits all alike."""
    ctx = mp.get_context('spawn')
    workers = {}
    for name in MODELS:
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_child, args=(child, data_path, name, args.threads, args.warmup)
        )
        proc.start()
        workers[name] = (proc, parent)
        parent.recv()  # set up and warmed up before the next one starts
    times = {name: ([], []) for name in MODELS}
    per_round = max(1, args.epochs // args.rounds)
    try:
        for _ in range(args.rounds):
            for name, (_, conn) in workers.items():
                conn.send(per_round)
                for wall, cpu in conn.recv():
                    times[name][0].append(wall)
                    times[name][1].append(cpu)
    finally:
        for proc, conn in workers.values():
            conn.send(None)
            proc.join()
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--planetoid-dir', default='/work/shared/data/planetoid')
    parser.add_argument('--out', default='benchmarks/results/epoch.json')
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_cora(args.planetoid_dir)
    split = split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(0)
    )
    train_pos = split.train_pos_edge_index
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, 'cora.pt')
        torch.save({'x': data.x, 'train_pos': train_pos}, data_path)
        times = time_models(data_path, args)
    load_after = os.getloadavg()

    base_wall, base_cpu = (statistics.median(v) for v in times['PyG VGAE (GCNConv)'])
    rows = []
    for name, (wall, cpu) in times.items():
        q = statistics.quantiles(wall, n=4)
        rows.append(
            dict(
                model=name,
                objective=MODELS[name][0],
                median_ms=statistics.median(wall) * 1e3,
                q1_ms=q[0] * 1e3,
                q3_ms=q[2] * 1e3,
                median_cpu_ms=statistics.median(cpu) * 1e3,
                epochs=len(wall),
                speedup_vs_pyg=base_wall / statistics.median(wall),
                cpu_speedup_vs_pyg=base_cpu / statistics.median(cpu),
            )
        )
    print(
        f'Cora: {data.num_nodes} nodes, {train_pos.size(1)} training edges '
        f'(both directions); torch threads: {torch.get_num_threads()}; '
        f'load average {load_before[0]:.1f} -> {load_after[0]:.1f}'
    )
    print(
        '| model | objective | wall ms / epoch (median) | wall IQR | '
        'CPU ms / epoch | speed-up vs PyG (wall) | (CPU) |'
    )
    print('|---|---|---:|---:|---:|---:|---:|')
    for r in rows:
        print(
            f'| {r["model"]} | {r["objective"]} | {r["median_ms"]:.2f} | '
            f'{r["q1_ms"]:.2f}-{r["q3_ms"]:.2f} | {r["median_cpu_ms"]:.2f} | '
            f'{r["speedup_vs_pyg"]:.1f}x | {r["cpu_speedup_vs_pyg"]:.1f}x |'
        )
    result = dict(
        benchmark='vgae_epoch_cora',
        rows=rows,
        num_nodes=data.num_nodes,
        num_train_edges=train_pos.size(1),
        epochs_per_model=args.epochs,
        warmup=args.warmup,
        rounds=args.rounds,
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        cpu_count=os.cpu_count(),
        torch_sparse=gvae_ext.typing.WITH_TORCH_SPARSE,
        loadavg_before=load_before,
        loadavg_after=load_after,
        platform=platform.platform(),
    )
    os.makedirs(os.path.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
