"""The automatic CPU thread count: idle CPUs, quotas and the slowdown guard."""

import os

import pytest
import torch

from gvae_ext import fit
from gvae_ext.train import presets
from gvae_ext.train._threads import ThreadGuard, cpu_quota, free_threads, idle_cpus
from gvae_ext.train.config import FitConfig, default_threads

_STAT = 'cpu  40 0 10 150 0 0 0 0 0 0\n{}intr 1 2 3\nctxt 9\n'


def _stat(path, cpus):
    # cpus: {cpu: (busy ticks, idle ticks, steal ticks)}
    lines = ''.join(
        f'cpu{c} {b} 0 0 {i} 0 0 0 {s} 0 0\n' for c, (b, i, s) in cpus.items()
    )
    path.write_text(_STAT.format(lines))


class _Ticking:
    r"""A /proc/stat that advances between the two reads of idle_cpus."""

    def __init__(self, path, before, after):
        self.path, self.after = path, after
        _stat(path, before)

    def sleep(self, seconds):
        _stat(self.path, self.after)


@pytest.mark.parametrize(
    'after, allowed, expected',
    [
        ({0: (10, 10, 0), 1: (10, 10, 0)}, None, 2.0),  # both idle
        ({0: (20, 0, 0), 1: (10, 10, 0)}, None, 1.0),  # cpu0 busy
        ({0: (15, 5, 0), 1: (10, 10, 0)}, None, 1.5),  # cpu0 half busy
        ({0: (10, 10, 10), 1: (10, 10, 0)}, None, 1.5),  # stolen time is busy
        ({0: (10, 10, 0), 1: (10, 10, 0)}, {1}, 1.0),  # affinity: cpu1 only
    ],
)
def test_idle_cpus_from_proc_stat(tmp_path, monkeypatch, after, allowed, expected):
    from gvae_ext.train import _threads

    path = tmp_path / 'stat'
    fake = _Ticking(path, {0: (10, 0, 0), 1: (10, 0, 0)}, after)
    monkeypatch.setattr(_threads.time, 'sleep', fake.sleep)
    got = idle_cpus(stat_path=str(path), allowed=allowed)
    assert got == pytest.approx(expected)


def test_idle_cpus_unreadable_or_still(tmp_path, monkeypatch):
    from gvae_ext.train import _threads

    assert idle_cpus(0, stat_path=str(tmp_path / 'missing')) is None
    path = tmp_path / 'stat'
    path.write_text('cpu0 a b c d\n')
    assert idle_cpus(0, stat_path=str(path)) is None
    # counters that did not advance say nothing
    fake = _Ticking(path, {0: (10, 0, 0)}, {0: (10, 0, 0)})
    monkeypatch.setattr(_threads.time, 'sleep', fake.sleep)
    assert idle_cpus(stat_path=str(path), allowed={0}) is None


def test_idle_cpus_on_this_machine():
    idle = idle_cpus(0.05)
    if idle is None:
        pytest.skip('no /proc/stat here')
    assert 0.0 <= idle <= os.cpu_count()


@pytest.mark.parametrize(
    'files, expected',
    [
        ({'cpu.max': '150000 100000\n'}, 1.5),
        ({'cpu.max': 'max 100000\n'}, None),
        (
            {'cpu/cpu.cfs_quota_us': '200000\n', 'cpu/cpu.cfs_period_us': '100000\n'},
            2.0,
        ),
        ({'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n'}, None),
        ({}, None),
    ],
)
def test_cpu_quota(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cpu_quota(str(tmp_path), str(tmp_path / 'no_proc_cgroup')) == expected


def test_cpu_quota_follows_the_process_cgroup(tmp_path):
    proc = tmp_path / 'proc_cgroup'
    root = tmp_path / 'fs'
    (root / 'user.slice' / 'job').mkdir(parents=True)
    (root / 'user.slice' / 'cpu.max').write_text('300000 100000\n')
    (root / 'user.slice' / 'job' / 'cpu.max').write_text('max 100000\n')
    proc.write_text('0::/user.slice/job\n')
    assert cpu_quota(str(root), str(proc)) == 3.0  # the parent's quota binds
    (root / 'user.slice' / 'job' / 'cpu.max').write_text('50000 100000\n')
    assert cpu_quota(str(root), str(proc)) == 0.5  # the smallest one
    v1 = root / 'cpu' / 'docker' / 'abc'
    v1.mkdir(parents=True)
    (v1 / 'cpu.cfs_quota_us').write_text('200000\n')
    (v1 / 'cpu.cfs_period_us').write_text('100000\n')
    proc.write_text('4:cpu,cpuacct:/docker/abc\n')
    assert cpu_quota(str(root), str(proc)) == 2.0
    proc.write_text('garbage\n')
    assert cpu_quota(str(root), str(proc)) is None


@pytest.mark.parametrize(
    'limit, idle, quota, expected',
    [
        (2, 2.0, None, 2),
        (2, 1.85, None, 2),  # a CPU counts from 80% idle
        (2, 1.7, None, 1),
        (2, 0.0, None, 1),  # never below one
        (16, 15.9, 4.0, 4),  # the quota caps
        (16, 15.9, 0.5, 1),
        (4, None, None, 4),  # unknown idle: the limit
        (2, 8.0, None, 2),  # never above PyTorch's setting
    ],
)
def test_free_threads(limit, idle, quota, expected):
    assert free_threads(limit, idle, quota) == expected


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_default_threads_follows_idle_cpus(two_threads, monkeypatch):
    monkeypatch.setattr(presets, 'cpu_quota', lambda: None)
    assert default_threads(2708, 10556, probe=lambda: 2.0) == 2
    assert default_threads(2708, 10556, probe=lambda: 1.0) == 1  # a busy core
    assert default_threads(10**6, 10**7, probe=lambda: 1.9) == 2
    monkeypatch.setattr(presets, 'cpu_quota', lambda: 1.0)
    assert default_threads(2708, 10556, probe=lambda: 2.0) == 1


def test_default_threads_without_a_measure(two_threads):
    assert default_threads(2708, 10556, probe=lambda: None) == 1
    assert default_threads(50_000, 10, probe=lambda: None) is None
    assert default_threads(10_000, 500_000, probe=lambda: None) is None


def test_default_threads_measures_only_when_it_matters(two_threads):
    def probe():
        raise AssertionError('probed')

    assert default_threads(999, 10**6, probe=probe) == 1  # a small graph
    torch.set_num_threads(1)
    assert default_threads(2708, 10556, probe=probe) == 1  # one thread allowed


def _feed(guard, times):
    for t in times:
        guard.observe(t)


def test_guard_keeps_the_count_through_jitter(two_threads):
    guard = ThreadGuard(2, active=True, probe=lambda: 2.0)
    # an idle machine: 28-44 ms epochs with single spikes up to 1.5x the median
    _feed(guard, [0.06, 0.04] + [0.03, 0.044, 0.028, 0.05, 0.033] * 40)
    assert guard.steps == [] and torch.get_num_threads() == 2


def test_guard_lowers_the_count_when_epochs_slow_down(two_threads):
    probes = []
    guard = ThreadGuard(2, active=True, probe=lambda: probes.append(1) or 1.0)
    _feed(guard, [0.06, 0.04] + [0.03] * 10 + [0.075] * 4)
    assert guard.steps == [] and probes == []  # four slow epochs are not enough
    guard.observe(0.075)
    assert guard.steps == [[17, 1]] and probes == [1]
    assert torch.get_num_threads() == 1 and not guard.active
    _feed(guard, [0.5] * 20)  # at one thread there is nothing left to lower
    assert guard.steps == [[17, 1]]


def test_guard_steps_down_from_many_threads(two_threads, monkeypatch):
    from gvae_ext.train import _threads

    monkeypatch.setattr(_threads, 'cpu_quota', lambda: None)
    guard = ThreadGuard(8, active=True, probe=lambda: 7.9)
    _feed(guard, [0.1] * 10 + [0.3] * 5)
    assert guard.steps == [[15, 7]] and guard.active  # at most one fewer
    guard.start()  # a new run: its own warm-up and baseline
    _feed(guard, [0.3] * 10)
    assert guard.steps == [[15, 7]]


def test_guard_inactive(two_threads):
    for guard in (ThreadGuard(2, active=False), ThreadGuard(1, active=True)):
        _feed(guard, [0.01] * 10 + [1.0] * 10)
        assert guard.steps == []
    assert torch.get_num_threads() == 2


def _graph(n, seed=0):
    from torch_geometric.data import Data
    from torch_geometric.utils import to_undirected

    g = torch.Generator().manual_seed(seed)
    ring = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    extra = torch.randint(n, (2, 2 * n), generator=g)
    edge_index = to_undirected(torch.cat([ring, extra], 1), num_nodes=n)
    x = torch.randn(n, 8, generator=g)
    return Data(x=x, edge_index=edge_index, num_nodes=n)


def test_fit_takes_idle_cpus_and_restores_the_setting(two_threads, monkeypatch):
    monkeypatch.setattr(presets, 'cpu_quota', lambda: None)
    config = FitConfig.from_preset(epochs=1, hidden_channels=8, out_channels=4)
    data = _graph(1200)
    monkeypatch.setattr(presets, 'idle_cpus', lambda: 2.0)
    result = fit(data, config)
    assert result.timings['num_threads'] == 2 and result.timings['thread_steps'] == []
    monkeypatch.setattr(presets, 'idle_cpus', lambda: 1.0)
    assert fit(data, config).timings['num_threads'] == 1
    assert torch.get_num_threads() == 2


def test_fit_lowers_the_count_when_epochs_slow(two_threads, monkeypatch):
    from gvae_ext.train import _threads

    monkeypatch.setattr(presets, 'idle_cpus', lambda: 2.0)  # two at the start
    monkeypatch.setattr(presets, 'cpu_quota', lambda: None)
    monkeypatch.setattr(_threads, 'idle_cpus', lambda: 1.0)  # one when it slows
    # every full window counts as slow: the first one lowers the count
    monkeypatch.setattr(ThreadGuard, 'SLOWDOWN', -1.0)
    config = FitConfig.from_preset(epochs=9, hidden_channels=8, out_channels=4)
    result = fit(_graph(1200), config)
    assert result.timings['num_threads'] == 2
    assert result.timings['thread_steps'] == [[7, 1]]  # 2 warm-up + 5 slow epochs
    assert torch.get_num_threads() == 2  # the caller's setting is back
    user = fit(_graph(1200), FitConfig.from_preset(epochs=9, num_threads=2))
    assert user.timings['thread_steps'] == []  # a count the user chose stays
