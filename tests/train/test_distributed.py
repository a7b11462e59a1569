import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Data

from gvae_ext.train import FitConfig, fit
from gvae_ext.train.distributed import (
    DistEnv,
    average_gradients,
    dist_env,
    fit_distributed,
    shard_pairs,
)

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _small_graph() -> Data:
    g = torch.Generator().manual_seed(0)
    n = 60
    row, col = torch.randint(0, n, (2, 240), generator=g)
    keep = row < col
    ids = torch.unique(row[keep] * n + col[keep])
    row, col = ids // n, ids % n
    edge_index = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    return Data(x=torch.randn(n, 8, generator=g), edge_index=edge_index, num_nodes=n)


def test_dist_env_reads_torchrun_variables():
    assert dist_env({}) is None
    env = {'RANK': '1', 'WORLD_SIZE': '2', 'LOCAL_RANK': '1'}
    assert dist_env(env) == DistEnv(rank=1, world_size=2, local_rank=1)
    assert dist_env({'WORLD_SIZE': '1'}) == DistEnv(0, 1, 0)


@pytest.mark.parametrize(
    'env',
    [
        {'WORLD_SIZE': 'two'},
        {'WORLD_SIZE': '2', 'RANK': '2'},
        {'WORLD_SIZE': '0'},
        {'WORLD_SIZE': '2', 'RANK': '0', 'LOCAL_RANK': '-1'},
    ],
)
def test_dist_env_errors(env):
    with pytest.raises(ValueError, match=r"'(RANK|WORLD_SIZE)'.*\(got "):
        dist_env(env)


def test_shard_pairs_exact():
    pairs = torch.tensor([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    assert shard_pairs(pairs, 0, 2).tolist() == [[0, 2, 4], [5, 7, 9]]
    assert shard_pairs(pairs, 1, 2).tolist() == [[1, 3], [6, 8]]
    assert torch.equal(shard_pairs(pairs, 0, 1), pairs)


@settings(max_examples=25, deadline=None)
@given(num_pairs=st.integers(1, 60), world=st.integers(1, 8))
def test_shard_pairs_partition(num_pairs, world):
    pairs = torch.stack([torch.arange(num_pairs), torch.arange(num_pairs) + 100])
    if num_pairs < world:
        with pytest.raises(ValueError, match="'pairs' must have at least"):
            shard_pairs(pairs, 0, world)
        return
    shards = [shard_pairs(pairs, r, world) for r in range(world)]
    sizes = [s.size(1) for s in shards]
    assert sum(sizes) == num_pairs and max(sizes) - min(sizes) <= 1
    merged = torch.cat(shards, 1)
    assert sorted(merged[0].tolist()) == list(range(num_pairs))
    assert torch.equal(merged[1] - merged[0], torch.full((num_pairs,), 100))


def test_shard_pairs_errors():
    pairs = torch.zeros(2, 4, dtype=torch.long)
    with pytest.raises(ValueError, match=r"'rank' must be below .*\(got 2\)"):
        shard_pairs(pairs, 2, 2)
    with pytest.raises(ValueError, match="'rank'"):
        shard_pairs(pairs, -1, 2)
    with pytest.raises(ValueError, match="'world_size'"):
        shard_pairs(pairs, 0, 0)
    with pytest.raises(ValueError, match="'pairs' must have shape"):
        shard_pairs(torch.zeros(3, 4, dtype=torch.long), 0, 1)
    with pytest.raises(TypeError, match="'pairs'"):
        shard_pairs([[0], [1]], 0, 1)


def test_average_gradients_single_process_group():
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{_free_port()}', rank=0, world_size=1
    )
    try:
        a = torch.nn.Parameter(torch.ones(3))
        b = torch.nn.Parameter(torch.ones(2))  # no gradient: becomes zeros
        a.grad = torch.tensor([2.0, 4.0, 6.0])
        average_gradients([a, b], world_size=2)
        assert a.grad.tolist() == [1.0, 2.0, 3.0]
        assert b.grad.tolist() == [0.0, 0.0]
    finally:
        dist.destroy_process_group()


def test_fit_distributed_falls_back_to_fit(monkeypatch, tmp_path):
    monkeypatch.delenv('WORLD_SIZE', raising=False)
    data = _small_graph()
    config = FitConfig(epochs=3, hidden_channels=8, out_channels=4, objective='sampled')
    out = tmp_path / 'r.json'
    result = fit_distributed(data, config, out=str(out))
    expected = fit(data, config)
    assert result.metrics == expected.metrics
    assert result.timings['world_size'] == 1
    assert json.loads(out.read_text())['test_auc'] == expected.metrics['test_auc']


def test_fit_distributed_dense_objective_error(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '2')
    monkeypatch.setenv('RANK', '0')
    config = FitConfig(preset='paper', epochs=1)
    with pytest.raises(ValueError, match=r"'config.objective' .*\(got 'dense'\)"):
        fit_distributed(_small_graph(), config)


def _run(args, tmp_path, name):
    out = tmp_path / f'{name}.json'
    env = dict(os.environ, PYTHONPATH=str(ROOT), GLOO_SOCKET_IFNAME='lo')
    env['OMP_NUM_THREADS'] = '1'
    for key in ('WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'):
        env.pop(key, None)
    # 'tuned' (last epoch, no selection): the comparison tests the sharding,
    # not the noise of a per-epoch validation pick.
    module = ['-m', 'gvae_ext', 'fit', '--preset', 'tuned', '--epochs', '40']
    module += ['--json', str(out)]
    module += ['--no-progress']
    proc = subprocess.run(
        [sys.executable, *args, *module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_fit_distributed_two_processes_cora(tmp_path):
    torchrun = [
        '-m',
        'torch.distributed.run',
        '--nproc_per_node=2',
        '--master_addr=127.0.0.1',
        f'--master_port={_free_port()}',
    ]
    two = _run(torchrun, tmp_path, 'two')
    one = _run([], tmp_path, 'one')
    assert two['timings']['world_size'] == 2
    assert one['timings']['world_size'] == 1
    assert two['config'] == one['config']
    assert len(two['history']['loss']) == 40
    assert two['test_auc'] > 0.85 and one['test_auc'] > 0.85
    assert abs(two['test_auc'] - one['test_auc']) < 0.02


def _gather_worker(rank, world, port, queue):
    from gvae_ext.train.distributed import gather_shards

    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world
    )
    try:
        scores = torch.arange(7, dtype=torch.float) * 10
        mine = shard_pairs(torch.stack([scores, scores]), rank, world)[0]
        queue.put((rank, gather_shards(mine, 7, world).tolist()))
    finally:
        dist.destroy_process_group()


def test_gather_shards_two_processes():
    ctx = torch.multiprocessing.get_context('spawn')
    queue = ctx.Queue()
    port = _free_port()
    procs = [
        ctx.Process(target=_gather_worker, args=(r, 2, port, queue)) for r in range(2)
    ]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    # rank 0 holds columns 0, 2, 4, 6 and rank 1 columns 1, 3, 5
    assert results[0] == results[1] == [0.0, 20.0, 40.0, 60.0, 10.0, 30.0, 50.0]
