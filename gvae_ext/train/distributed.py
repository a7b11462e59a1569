r"""Data-parallel training of the graph autoencoders with :mod:`torch.distributed`.

Every process (rank) holds the whole graph and a replica of the model, runs
the full-batch encoder, and computes the sampled reconstruction loss on its
own shard of the training positive pairs with its own negatives. The
gradients are averaged over the ranks with one ``all_reduce`` per parameter,
so the replicas stay identical. Evaluation is split the same way: every
rank scores its shard of the validation/test pairs and the scores are
gathered (:func:`gather_shards`) before the metrics are computed; rank 0
records the history and returns the :class:`~gvae_ext.train.FitResult`.
The backend is ``gloo`` on CPU and ``nccl`` on CUDA (one GPU per rank,
``cuda:LOCAL_RANK``).

Launch with ``torchrun`` (loopback only here)::

    GLOO_SOCKET_IFNAME=lo python -m torch.distributed.run --nproc_per_node=2 \
        --master_addr=127.0.0.1 --master_port=29511 \
        -m gvae_ext fit --epochs 200 --json result.json

Without ``torchrun`` (no ``WORLD_SIZE`` in the environment, or a world of
one), :func:`fit_distributed` is :func:`gvae_ext.train.fit`.

The encoder's work is repeated on every rank (the graph is not partitioned);
what is split is the pair scoring, the negative sampling and their backward.
"""

import os
from typing import Mapping, NamedTuple, Optional, Sequence

import torch
import torch.distributed as dist
from torch import Tensor
from torch_geometric.data import Data

from gvae_ext._checks import check_positive_int, check_tensor
from gvae_ext._io import write_json
from gvae_ext.link import EdgeSplit, link_auc_ap
from gvae_ext.train.config import FitConfig
from gvae_ext.train.loop import FitResult, fit, run_training
from gvae_ext.train.replica import Replica, check_finite, embedding


class DistEnv(NamedTuple):
    r"""The process's place in the job, as ``torchrun`` exports it."""

    rank: int
    world_size: int
    local_rank: int


def dist_env(environ: Optional[Mapping[str, str]] = None) -> Optional[DistEnv]:
    r"""Read ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` as ``torchrun`` sets them.

    Returns :obj:`None` when ``WORLD_SIZE`` is not set.

    Args:
        environ (Mapping[str, str], optional): The environment.
            (default: :obj:`os.environ`)
    """
    environ = os.environ if environ is None else environ
    if 'WORLD_SIZE' not in environ:
        return None
    values = {}
    for name in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        text = environ.get(name, '0')
        try:
            values[name] = int(text)
        except ValueError:
            raise ValueError(
                f"'{name}' must be an integer in the environment (got {text!r})"
            ) from None
    world = values['WORLD_SIZE']
    if world < 1 or not 0 <= values['RANK'] < world or values['LOCAL_RANK'] < 0:
        raise ValueError(
            "'RANK' must be in [0, WORLD_SIZE) and 'LOCAL_RANK' non-negative "
            f'(got RANK={values["RANK"]}, WORLD_SIZE={world}, '
            f'LOCAL_RANK={values["LOCAL_RANK"]})'
        )
    return DistEnv(values['RANK'], world, values['LOCAL_RANK'])


def shard_pairs(pairs: Tensor, rank: int, world_size: int) -> Tensor:
    r"""The columns :obj:`rank`, :obj:`rank + world_size`, ... of :obj:`pairs`.

    The shards of all ranks partition the columns and differ in size by at
    most one.

    Args:
        pairs (LongTensor): The pairs, :obj:`[2, num_pairs]`.
        rank (int): This shard, in :obj:`[0, world_size)`.
        world_size (int): The number of shards.
    """
    check_tensor(pairs, 'pairs')
    if pairs.dim() != 2 or pairs.size(0) != 2:
        raise ValueError(f"'pairs' must have shape [2, num_pairs] (got {pairs.shape})")
    world_size = check_positive_int(world_size, 'world_size')
    rank = check_positive_int(rank, 'rank', allow_zero=True)
    if rank >= world_size:
        raise ValueError(f"'rank' must be below 'world_size'={world_size} (got {rank})")
    if pairs.size(1) < world_size:
        raise ValueError(
            f"'pairs' must have at least 'world_size'={world_size} columns "
            f'(got {pairs.size(1)})'
        )
    return pairs[:, rank::world_size]


def average_gradients(parameters: Sequence[torch.nn.Parameter], world_size: int):
    r"""All-reduce and average the gradients of :obj:`parameters` in place.

    A missing gradient counts as zero on that rank.
    """
    for p in parameters:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
        p.grad.div_(world_size)


def fit_distributed(
    data: Data,
    config: Optional[FitConfig] = None,
    *,
    split: Optional[EdgeSplit] = None,
    out: Optional[str] = None,
    progress: bool = False,
) -> Optional[FitResult]:
    r"""Train like :func:`~gvae_ext.train.fit`, data-parallel under ``torchrun``.

    The process group is initialised from the environment (``gloo`` on CPU,
    ``nccl`` when :obj:`config.device` is CUDA) unless it already is, and
    destroyed at the end if this call created it. All ranks split the edges
    and initialise the model with :obj:`config.seed` (rank 0's parameters are
    then broadcast); rank :obj:`r` reconstructs the training pairs
    :func:`shard_pairs` gives it, with negatives from its own random stream
    (seeded :obj:`config.seed + r`), its reconstruction loss weighted by its
    share of the pairs so that the averaged gradient is that of the full
    objective. Edge masking draws the same message-passing graph on all
    ranks. Only the :obj:`'sampled'` objective is sharded.

    Args:
        data (torch_geometric.data.Data): The graph, as for :func:`fit`.
        config (FitConfig, optional): The run's settings.
            (default: :obj:`FitConfig.from_preset()`)
        split (EdgeSplit, optional): A precomputed split (the same on every
            rank). (default: :obj:`None`)
        out (str, optional): Rank 0 writes :meth:`FitResult.to_dict` there as
            JSON. (default: :obj:`None`)
        progress (bool, optional): Passed to :func:`fit` when not running
            under ``torchrun``. (default: :obj:`False`)

    Returns:
        The :class:`~gvae_ext.train.FitResult` on rank 0 (its timings hold
        :obj:`world_size`), :obj:`None` on the other ranks.
    """
    config = config or FitConfig.from_preset()
    config.validate()
    env = dist_env()
    if env is None or env.world_size == 1:
        result = fit(data, config, split=split, progress=progress)
        _write(result, out)
        return result
    if config.objective != 'sampled':
        raise ValueError(
            "'config.objective' must be 'sampled' for data-parallel training "
            f'(got {config.objective!r})'
        )
    replica = _RankReplica(env)
    device = replica.device(config)
    if device.type == 'cuda':
        torch.cuda.set_device(device)
    created = not dist.is_initialized()
    if created:
        backend = 'nccl' if device.type == 'cuda' else 'gloo'
        dist.init_process_group(backend=backend)
    try:
        result = run_training(
            data, config, split=split, progress=progress, replica=replica
        )
    finally:
        if created:
            dist.destroy_process_group()
    if result is not None:
        _write(result, out)
    return result


def _score(model: torch.nn.Module, z: Tensor, pairs: Tensor) -> Tensor:
    if pairs.size(1) == 0:
        return z.new_empty(0)
    return model.decoder(z, pairs, sigmoid=False)


def gather_shards(scores: Tensor, total: int, world_size: int) -> Tensor:
    r"""All-gather each rank's :func:`shard_pairs` scores.

    The shards of a
    :obj:`total`-column tensor are gathered into one tensor of :obj:`total` scores,
    shard by shard (the order within a metric's input does not matter).
    Collective: every rank of the default process group must call it.
    """
    sizes = [len(range(r, total, world_size)) for r in range(world_size)]
    padded = scores.new_zeros(max(sizes))
    padded[: scores.numel()] = scores
    parts = [torch.empty_like(padded) for _ in range(world_size)]
    dist.all_gather(parts, padded)
    return torch.cat([part[:size] for part, size in zip(parts, sizes)])


def _write(result: FitResult, out: Optional[str]) -> None:
    if out is not None:
        write_json(out, result.to_dict())


class _RankReplica(Replica):
    r"""One rank of a ``torchrun`` job.

    Rank 0's initial weights are
    broadcast, the rank reconstructs its :func:`shard_pairs` (its negatives,
    epsilon and dropout seeded with ``seed + rank``), gradients and the
    reported loss are averaged over the ranks.
    """

    def __init__(self, env: DistEnv):
        self.env = env
        self.rank = env.rank
        self.world_size = env.world_size

    def device(self, config: FitConfig) -> torch.device:
        device = torch.device(config.device)
        if device.type == 'cuda':
            device = torch.device('cuda', self.env.local_rank)
        return device

    def setup(self, model: torch.nn.Module, train_pairs: Tensor, seed: int):
        for p in model.parameters():
            dist.broadcast(p.data, src=0)
        torch.random.manual_seed(seed + self.rank)  # within fit's forked RNG
        return self.shard(train_pairs)

    def shard(self, pairs: Tensor):
        r"""This rank's :func:`shard_pairs` of ``pairs`` and its loss weight.

        The average over ranks of ``world * (|shard| / |pairs|) * mean_shard``
        is the mean over all pairs.
        """
        shard = shard_pairs(pairs, self.rank, self.world_size)
        return shard, self.world_size * shard.size(1) / pairs.size(1)

    def sync_gradients(self, params) -> None:
        average_gradients(params, self.world_size)

    def mean_loss(self, loss: Tensor) -> float:
        value = loss.detach().clone()
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        return value.item() / self.world_size

    def share_state(self, model: torch.nn.Module) -> None:
        for t in model.state_dict().values():
            dist.broadcast(t, src=0)

    @torch.no_grad()
    def evaluate(
        self, model, x, edge_index, pos: Tensor, neg: Tensor, *, embed_only=False
    ):
        r"""Score ``pos`` and ``neg`` across the ranks.

        Every rank encodes (the weights are identical) and scores its
        :func:`shard_pairs` of ``pos`` and ``neg``; the scores are gathered
        so that every rank computes the metrics of all the pairs.
        """
        model.eval()
        z = embedding(model, x, edge_index, embed_only)
        check_finite(z)
        scores = [
            gather_shards(
                _score(model, z, shard_pairs(pairs, self.rank, self.world_size)),
                pairs.size(1),
                self.world_size,
            )
            for pairs in (pos, neg)
        ]
        auc, ap = link_auc_ap(*scores)
        return float(auc), float(ap), z


__all__ = [
    'DistEnv',
    'dist_env',
    'shard_pairs',
    'average_gradients',
    'gather_shards',
    'fit_distributed',
]
