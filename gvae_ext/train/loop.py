r"""The training loop behind ``gvae-ext fit`` for the graph autoencoders.

:func:`fit` takes a PyG :class:`~torch_geometric.data.Data`, splits its edges
with :func:`~gvae_ext.split_edges`, trains a :class:`~gvae_ext.GAE` or
:class:`~gvae_ext.VGAE` and evaluates on the held-out positives and
negatives. Every piece is also usable on its own.

The presets and :class:`~gvae_ext.train.FitConfig` live in
:mod:`gvae_ext.train.config`.
"""

import copy
import dataclasses
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import torch
from torch import Tensor
from torch_geometric.data import Data

from gvae_ext._checks import check_edge_index, check_features
from gvae_ext.datasets import check_data
from gvae_ext.link import EdgeSplit, split_edges
from gvae_ext.nn import GAE, VGAE, GCNEncoder, MLPEncoder, VariationalGCNEncoder
from gvae_ext.train.config import FitConfig
from gvae_ext.train.minibatch import MiniBatchTrainer


@dataclass
class FitResult:
    r"""What :func:`fit` returns."""

    model: torch.nn.Module
    config: FitConfig
    split: EdgeSplit
    metrics: Dict[str, float]
    history: Dict[str, List[float]]
    timings: Dict[str, float]
    embeddings: Tensor = field(repr=False)

    def to_dict(self) -> Dict[str, Any]:
        r"""A JSON-ready summary: top-level metrics, the config and timings."""
        out: Dict[str, Any] = dict(self.metrics)
        out['config'] = dataclasses.asdict(self.config)
        out['timings'] = dict(self.timings)
        out['history'] = {k: list(v) for k, v in self.history.items()}
        return out


def build_model(config: FitConfig, in_channels: int) -> torch.nn.Module:
    r"""The (V)GAE that ``config`` describes, for ``in_channels`` input features."""
    config.validate()
    sizes = dict(
        in_channels=in_channels,
        hidden_channels=config.hidden_channels,
        out_channels=config.out_channels,
    )
    drop = dict(dropout=config.dropout, input_dropout=config.input_dropout)
    if config.model.endswith('_mlp'):
        encoder = MLPEncoder(**sizes, variational=config.variational, **drop)
    elif config.variational:
        encoder = VariationalGCNEncoder(**sizes, **drop)
    else:
        encoder = GCNEncoder(**sizes, **drop)
    cls = VGAE if config.variational else GAE
    return cls(
        encoder,
        objective=config.objective,
        max_dense_nodes=config.max_dense_nodes,
        fastgae_nodes=config.fastgae_nodes,
        fastgae_alpha=config.fastgae_alpha,
    )


def _features(data: Data) -> Optional[Tensor]:
    x = getattr(data, 'x', None)
    if x is not None:
        check_features(x, data.num_nodes, name='data.x')
    return x


def _in_channels(x: Optional[Tensor], num_nodes: int) -> int:
    return num_nodes if x is None else x.size(1)


def _undirected_pairs(edge_index: Tensor) -> Tensor:
    r"""One column per undirected pair (``row < col``) of a symmetric graph."""
    return edge_index[:, edge_index[0] < edge_index[1]]


def _mask_edges(pairs: Tensor, rate: float, generator: torch.Generator) -> Tensor:
    r"""Keep each undirected pair with probability ``1 - rate``; return the
    kept pairs in both directions (the epoch's message-passing graph)."""
    keep = torch.rand(pairs.size(1), generator=generator, device=pairs.device) >= rate
    kept = pairs[:, keep]
    return torch.cat([kept, kept.flip(0)], dim=1)


@torch.no_grad()
def evaluate(model, x, edge_index, pos: Tensor, neg: Tensor):
    r"""``(auc, ap, z)`` of ``model`` on the pairs ``pos`` / ``neg``, scored
    with the deterministic embedding (``mu`` for a VGAE)."""
    model.eval()
    z = model.encode(x, edge_index)
    auc, ap = model.test(z, pos, neg)
    return auc, ap, z


def fit(
    data: Data,
    config: Optional[FitConfig] = None,
    *,
    split: Optional[EdgeSplit] = None,
    progress: bool = False,
) -> FitResult:
    r"""Split ``data``'s edges, train the configured autoencoder and evaluate it.

    Args:
        data (torch_geometric.data.Data): The graph (``edge_index`` with both
            directions of each undirected edge; ``x`` optional -- without it
            identity features are used).
        config (FitConfig, optional): The run's settings.
            (default: :obj:`FitConfig.from_preset()`)
        split (EdgeSplit, optional): A precomputed split; by default
            :func:`~gvae_ext.split_edges` with ``config.seed``.
        progress (bool, optional): Show a progress bar with the loss and the
            validation AUC. (default: :obj:`False`)
    """
    return run_training(data, config, split=split, progress=progress)


class Replica:
    r"""How one process takes part in training. This base class is the
    single-process case (it does all the work); :mod:`gvae_ext.train.distributed`
    subclasses it for the ranks of a ``torchrun`` job."""

    rank = 0
    world_size = 1

    def device(self, config: 'FitConfig') -> torch.device:
        return torch.device(config.device)

    def setup(self, model: torch.nn.Module, train_pairs: Tensor, seed: int):
        r"""Return the pairs this process reconstructs and the weight of its
        mean reconstruction loss."""
        return train_pairs, 1.0

    def sync_gradients(self, params: List[torch.nn.Parameter]) -> None:
        pass

    def share_state(self, model: torch.nn.Module) -> None:
        r"""Make every rank hold rank 0's final weights (e.g. after model
        selection, which only rank 0 tracks)."""

    def mean_loss(self, loss: Tensor) -> float:
        return loss.detach().item()

    def evaluate(self, model, x, edge_index, pos: Tensor, neg: Tensor):
        r"""``(auc, ap, z)`` on ``pos`` / ``neg`` (called on every rank)."""
        return evaluate(model, x, edge_index, pos, neg)


def _objective(model, config, z, train_edges, target, weight: float) -> Tensor:
    if config.objective != 'sampled':
        # Kipf's weighted BCE over the full adjacency ('dense') or over the
        # subgraph of a degree-biased node sample ('fastgae'; the sample is
        # drawn from the global RNG seeded with config.seed) (+ KL/N).
        return model.loss(z, train_edges)
    # The sampled objective on this process's pairs (+ KL/N for a VGAE).
    loss = weight * model.recon_loss(z, target)
    if config.variational:
        loss = loss + model.kl_loss() / z.size(0)
    return loss


def run_training(
    data: Data,
    config: Optional['FitConfig'] = None,
    *,
    split: Optional[EdgeSplit] = None,
    progress: bool = False,
    replica: Optional[Replica] = None,
) -> Optional['FitResult']:
    r"""The loop behind :func:`fit`, run by one :class:`Replica`; returns
    the result on rank 0 and :obj:`None` on the other ranks."""
    replica = replica or Replica()
    config = config or FitConfig.from_preset()
    config.validate()
    check_data(data)
    num_nodes = check_edge_index(
        data.edge_index, data.num_nodes, name='data.edge_index'
    )
    x = _features(data)
    device = replica.device(config)

    torch.manual_seed(config.seed)
    if split is None:
        gen = torch.Generator().manual_seed(config.seed)
        split = split_edges(
            data.edge_index,
            num_nodes,
            num_val=config.num_val,
            num_test=config.num_test,
            generator=gen,
        )
    split = EdgeSplit(*[t.to(device) if isinstance(t, Tensor) else t for t in split])
    x = x.to(device) if x is not None else None
    train_edges = split.train_pos_edge_index
    # The loss reconstructs each training pair once (the decoder is symmetric).
    train_pairs = _undirected_pairs(train_edges)
    # On the data's device: no host round trip for the epoch's edge mask.
    mask_gen = torch.Generator(device=device).manual_seed(config.seed + 1)
    minibatch = None
    if config.batch_size > 0:  # sampled neighbourhoods (gvae_ext.train.minibatch)
        minibatch = MiniBatchTrainer(
            config, x, train_edges, train_pairs, world_size=replica.world_size
        )

    model = build_model(config, _in_channels(x, num_nodes)).to(device)
    target, weight = replica.setup(model, train_pairs, config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    params = [p for p in model.parameters() if p.requires_grad]
    lead = replica.rank == 0

    history: Dict[str, List[float]] = {
        'epoch': [],
        'loss': [],
        'val_auc': [],
        'val_ap': [],
    }
    epoch_times: List[float] = []
    best_state, best_auc = None, -math.inf
    bar = _progress(config.epochs, progress and lead)
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        graph = train_edges
        if config.edge_mask > 0:
            graph = _mask_edges(train_pairs, config.edge_mask, mask_gen)
        if minibatch is not None:
            loss_value = minibatch.epoch(model, optimizer, graph, num_nodes)
        else:
            optimizer.zero_grad()
            z = model.encode(x, graph)
            loss = _objective(model, config, z, train_edges, target, weight)
            loss.backward()
            replica.sync_gradients(params)
            optimizer.step()
            loss_value = replica.mean_loss(loss)
        _sync(device)
        epoch_times.append(time.perf_counter() - t0)
        val_auc, val_ap, _ = replica.evaluate(
            model, x, train_edges, split.val_pos_edge_index, split.val_neg_edge_index
        )
        if not lead:
            continue
        history['epoch'].append(epoch)
        history['loss'].append(loss_value)
        history['val_auc'].append(val_auc)
        history['val_ap'].append(val_ap)
        if config.selection == 'val_auc' and val_auc > best_auc:
            best_auc = val_auc
            best_state = copy.deepcopy(model.state_dict())
        if bar is not None:
            bar.set_postfix(loss=f'{loss_value:.4f}', val_auc=f'{val_auc:.4f}')
            bar.update(1)
    if bar is not None:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    replica.share_state(model)

    val_auc, val_ap, _ = replica.evaluate(
        model, x, train_edges, split.val_pos_edge_index, split.val_neg_edge_index
    )
    test_auc, test_ap, z = replica.evaluate(
        model, x, train_edges, split.test_pos_edge_index, split.test_neg_edge_index
    )
    if not lead:
        return None
    total = time.perf_counter() - start
    metrics = dict(test_auc=test_auc, test_ap=test_ap, val_auc=val_auc, val_ap=val_ap)
    timings = dict(
        median_epoch_seconds=statistics.median(epoch_times),
        total_seconds=total,
        epochs=config.epochs,
        world_size=replica.world_size,
    )
    return FitResult(model, config, split, metrics, history, timings, z.detach())


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc='fit', unit='epoch', leave=False)


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
