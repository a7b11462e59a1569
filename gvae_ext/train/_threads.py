r"""How many CPU threads a fit can use: idle CPUs, quotas, and a slowdown guard.

A graph fit's kernels are small enough that a second thread only pays when
it gets a core of its own: on an idle 2-core machine two threads train Cora
about 1.3x faster than one, but with one busy neighbour they are about 2.7x
*slower* (every parallel region waits for the preempted thread;
``docs/benchmarks_threads.md``). So the count follows the CPUs that are idle
when the fit starts (:func:`idle_cpus`, sampled from ``/proc/stat`` over
:data:`PROBE_SECONDS`), capped by the process's CPU quota
(:func:`cpu_quota`) and by PyTorch's own setting, and :class:`ThreadGuard`
lowers it while training if the epochs slow down (a job that started later).
Where ``/proc/stat`` cannot be read the caller keeps its fixed rule.
"""

import math
import os
import statistics
import time
from typing import Callable, Optional

import torch

#: Seconds over which :func:`idle_cpus` samples the CPU counters.
PROBE_SECONDS = 0.1
#: A CPU counts as free when this share of it is idle (``floor(idle + 0.2)``).
_ROUND_UP = 0.2


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding='ascii') as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _cpu_counters(
    text: str, allowed: Optional[set]
) -> Optional[dict[int, tuple[int, int]]]:
    # /proc/stat lines `cpuN user nice system idle iowait irq softirq steal ...`:
    # (idle + iowait, total) per CPU, for the CPUs this process may run on.
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts or not parts[0].startswith('cpu') or parts[0] == 'cpu':
            continue
        try:
            cpu = int(parts[0][3:])
            ticks = [int(v) for v in parts[1:9]]
        except ValueError:
            return None
        if len(ticks) < 4 or (allowed is not None and cpu not in allowed):
            continue
        # guest time is already counted in user time; fields 1-8 are disjoint
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        out[cpu] = (idle, sum(ticks))
    return out or None


def _allowed_cpus() -> Optional[set]:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def idle_cpus(
    seconds: float = PROBE_SECONDS,
    *,
    stat_path: str = '/proc/stat',
    allowed: Optional[set] = None,
) -> Optional[float]:
    r"""The number of idle CPUs this process may run on, over ``seconds``.

    The sum over the allowed CPUs (:func:`os.sched_getaffinity`) of the share
    of ``seconds`` each spent idle (``idle`` + ``iowait`` in ``/proc/stat``;
    time stolen by a hypervisor counts as busy). Linux only.

    Args:
        seconds (float, optional): The sampling window; the call sleeps this
            long. (default: :data:`PROBE_SECONDS`)
        stat_path (str, optional): The file read. (default: ``'/proc/stat'``)
        allowed (set of int, optional): The CPUs counted; by default this
            process's affinity.

    Returns:
        The idle CPUs as a float, or :obj:`None` where the counters cannot be
        read (not Linux) or did not advance.
    """
    if allowed is None:
        allowed = _allowed_cpus()

    def sample():
        text = _read(stat_path)
        return None if text is None else _cpu_counters(text, allowed)

    before = sample()
    if before is None:
        return None
    time.sleep(seconds)
    after = sample()
    if after is None:
        return None
    idle = 0.0
    for cpu, (idle0, total0) in before.items():
        if cpu not in after:
            continue
        d_idle, d_total = after[cpu][0] - idle0, after[cpu][1] - total0
        if d_total <= 0:
            # a tick-less window: no evidence either way for this CPU
            return None
        idle += min(1.0, max(0.0, d_idle / d_total))
    return idle


def _quota_at(folder: str, v2: bool) -> Optional[float]:
    if v2:
        text = _read(os.path.join(folder, 'cpu.max'))
        if text is None:
            return None
        quota, period = (text.split() + ['', ''])[:2]
    else:
        quota = (_read(os.path.join(folder, 'cpu.cfs_quota_us')) or '').strip()
        period = (_read(os.path.join(folder, 'cpu.cfs_period_us')) or '').strip()
    try:
        q, p = int(quota), int(period)
    except ValueError:  # 'max', missing files
        return None
    return q / p if q > 0 and p > 0 else None


def _cgroup_paths(text: Optional[str]) -> tuple[str, str]:
    # /proc/self/cgroup: `0::/path` (v2) and `N:cpu,cpuacct:/path` (v1).
    v2 = v1 = '/'
    for line in (text or '').splitlines():
        parts = line.split(':', 2)
        if len(parts) != 3:
            continue
        if parts[0] == '0' and parts[1] == '':
            v2 = parts[2] or '/'
        elif 'cpu' in parts[1].split(','):
            v1 = parts[2] or '/'
    return v2, v1


def cpu_quota(
    root: str = '/sys/fs/cgroup', proc_cgroup: str = '/proc/self/cgroup'
) -> Optional[float]:
    r"""The CPUs a cgroup quota grants this process (``1.5`` = 150%), or :obj:`None`.

    The smallest quota of this process's cgroup and its ancestors (the path
    from :obj:`proc_cgroup`): cgroup v2's ``cpu.max`` (``"150000 100000"``)
    under :obj:`root`, else cgroup v1's ``cpu.cfs_quota_us`` /
    ``cpu.cfs_period_us`` under ``root/cpu``. :obj:`None` when there is no
    quota or nothing can be read.
    """
    v2_path, v1_path = _cgroup_paths(_read(proc_cgroup))
    found = []
    for base, path, v2 in (
        (root, v2_path, True),
        (os.path.join(root, 'cpu'), v1_path, False),
    ):
        parts = [p for p in path.split('/') if p and p != '..']
        for depth in range(len(parts), -1, -1):
            quota = _quota_at(os.path.join(base, *parts[:depth]), v2)
            if quota is not None:
                found.append(quota)
    return min(found) if found else None


def free_threads(
    limit: int,
    idle: Optional[float],
    quota: Optional[float] = None,
) -> int:
    r"""Threads for a run: the idle CPUs, at most ``limit`` and the quota, at least 1."""
    count = limit
    if quota is not None:
        count = min(count, max(1, math.floor(quota)))
    if idle is not None:
        count = min(count, math.floor(idle + _ROUND_UP))
    return max(1, count)


class ThreadGuard:
    r"""Lowers the torch thread count when a fit's epochs slow down.

    Another job that takes a core while a multi-threaded fit runs makes every
    parallel region wait for the preempted thread, so an epoch becomes two to
    three times slower (Cora, two threads, one busy neighbour: 73 ms against
    28-44 ms on an idle machine). After :data:`WARMUP` epochs of each
    training run (:meth:`start`), the guard tracks the median of the last
    :data:`WINDOW` epoch times and the lowest such median so far; when all of
    the last :data:`WINDOW` epochs take more than :data:`SLOWDOWN` times that
    lowest median, it samples the idle CPUs again, sets
    ``min(threads - 1, free threads)`` (at least 1) and starts over. Medians
    and a whole window of slow epochs keep an idle machine's jitter (single
    epochs up to 1.5x the median) from triggering it. It never raises the
    count; the caller restores its own setting after the fit.

    Args:
        threads (int, optional): The count the run started with.
        active (bool): Whether to act (:obj:`False` when the user chose the
            count, or on a GPU).
        probe (callable, optional): Returns the idle CPUs; by default
            :func:`idle_cpus`.
    """

    WINDOW = 5
    SLOWDOWN = 1.75
    WARMUP = 2

    def __init__(
        self,
        threads: Optional[int],
        active: bool,
        probe: Optional[Callable[[], Optional[float]]] = None,
    ):
        self.threads = threads
        self.active = bool(active) and threads is not None and threads > 1
        self.probe = probe
        #: ``[epoch, threads]`` for every change, epochs counted per run.
        self.steps: list[list[int]] = []
        self.start()

    def start(self) -> None:
        r"""Forget the epoch times (a new training run: another cost per epoch)."""
        self._epoch = 0
        self._restart()

    def _restart(self) -> None:
        self._seen = 0
        self._recent: list[float] = []
        self._best = math.inf

    def observe(self, seconds: float) -> None:
        r"""Record one epoch's training time; may lower the thread count."""
        self._epoch += 1
        if not self.active:
            return
        self._seen += 1
        if self._seen <= self.WARMUP:
            return
        self._recent = (self._recent + [seconds])[-self.WINDOW :]
        if len(self._recent) < self.WINDOW:
            return
        if min(self._recent) <= self.SLOWDOWN * self._best:
            self._best = min(self._best, statistics.median(self._recent))
            return
        probe = idle_cpus if self.probe is None else self.probe
        new = free_threads(self.threads - 1, probe(), cpu_quota())
        torch.set_num_threads(new)
        self.threads = new
        self.steps.append([self._epoch, new])
        self.active = new > 1
        self._restart()


__all__ = ['PROBE_SECONDS', 'idle_cpus', 'cpu_quota', 'free_threads', 'ThreadGuard']
