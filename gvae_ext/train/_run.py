r"""One training run's pieces (private to :mod:`gvae_ext.train`).

The
model a :class:`~gvae_ext.train.FitConfig` describes, the split and
features, one epoch, the history and the model selection.
"""

import contextlib
import copy
import math
from typing import Dict, Iterator, List, Optional

import torch
from torch import Tensor
from torch_geometric.data import Data

from gvae_ext._checks import check_edge_index, check_features
from gvae_ext.datasets import check_data
from gvae_ext.link import EdgeSplit, fast_negative_sampling, split_edges
from gvae_ext.link.split import check_held_out
from gvae_ext.train._build import build_model
from gvae_ext.train._hard import TwoHopNegatives
from gvae_ext.train._heart_val import HeartValidation
from gvae_ext.train._masking import EdgeMasker
from gvae_ext.train.config import FitConfig
from gvae_ext.train.minibatch import MiniBatchTrainer


def _in_channels(x: Optional[Tensor], num_nodes: int) -> int:
    return num_nodes if x is None else x.size(1)


def _undirected_pairs(edge_index: Tensor) -> Tensor:
    r"""One column per undirected pair (``row < col``) of a symmetric graph."""
    return edge_index[:, edge_index[0] < edge_index[1]]


def _degree_head(config: FitConfig) -> Optional[torch.nn.Module]:
    if config.degree_weight == 0:
        return None
    return torch.nn.Sequential(
        torch.nn.Linear(config.out_channels, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, 1),
    )


def _objective(
    model, config, z, train_edges, target, weight, neg_gen, hard=None
) -> Tensor:
    if config.objective != 'sampled':
        # Kipf's weighted BCE over the full adjacency ('dense') or over the
        # subgraph of a degree-biased node sample ('fastgae') (+ KL/N); both
        # take every training edge in both directions as a positive.
        return model.loss(z, train_edges)
    # The sampled objective on this process's pairs (+ KL/N for a VGAE). The
    # negatives avoid every training edge in both directions: `target` holds
    # one direction of each pair only, so it cannot be what they avoid.
    neg = fast_negative_sampling(
        train_edges, z.size(0), target.size(1), generator=neg_gen
    )
    if config.hard_negatives > 0:  # a share of two-hop non-edges (never training edges)
        neg = hard(target, neg, config.hard_negatives, neg_gen)
    loss = weight * model.recon_loss(z, target, neg)
    if config.hard_weight > 0:  # + a term against two-hop non-edges only
        two_hop = fast_negative_sampling(
            train_edges, z.size(0), target.size(1), generator=neg_gen
        )
        two_hop = hard(target, two_hop, 1.0, neg_gen)
        loss = loss + config.hard_weight * weight * model.recon_loss(z, target, two_hop)
    if config.variational:
        loss = loss + model.kl_loss() / z.size(0)
    return loss


def _check_config(config) -> FitConfig:
    if config is None:
        config = FitConfig.from_preset()
    if not isinstance(config, FitConfig):
        raise ValueError(
            "'config' must be a FitConfig, e.g. FitConfig.from_preset(epochs=50) "
            f'(got {type(config).__name__})'
        )
    config.validate()
    return config


def _features(data: Data) -> Optional[Tensor]:
    x = getattr(data, 'x', None)
    if x is None:
        return None
    check_features(x, data.num_nodes, name='data.x')
    if x.dtype != torch.get_default_dtype():
        # The model's weights are in the default dtype (float32 usually):
        # float64 or integer features are cast (a copy; data.x is untouched).
        x = x.to(torch.get_default_dtype())
    return x


def _split(data: Data, config: FitConfig, num_nodes: int, split, device):
    if split is None:
        gen = torch.Generator().manual_seed(config.seed)
        split = split_edges(
            data.edge_index,
            num_nodes,
            num_val=config.num_val,
            num_test=config.num_test,
            generator=gen,
        )
    for name in ('val', 'test'):
        pos = getattr(split, f'{name}_pos_edge_index')
        fraction = getattr(config, f'num_{name}')
        if pos.size(1) == 0 and fraction == 0:
            raise ValueError(
                f"'num_{name}' must be positive for fit: it needs "
                f'{name} pairs to evaluate on (got {fraction})'
            )
    shares = (config.num_val, config.num_test)
    num_edges = data.edge_index.size(1) // 2
    check_held_out(split, "'data.edge_index'", num_edges, shares)
    return EdgeSplit(*[t.to(device) if isinstance(t, Tensor) else t for t in split])


class _Recorder:
    r"""The history, the model selection and the reported epoch of a run."""

    def __init__(self, config: FitConfig):
        self.config = config
        self.history: Dict[str, List[float]] = {
            'epoch': [],
            'loss': [],
            'val_auc': [],
            'val_ap': [],
        }
        if config.selection == 'val_mrr':
            self.history['val_mrr'] = []
        self.best_state, self.best_score, self.best_epoch = None, -math.inf, 0

    def diverged(self, epoch: int, loss: float):
        raise ValueError(
            f'training diverged at epoch {epoch}: the loss is {loss} (or the '
            f"weights are no longer finite); lower 'lr' (got lr={self.config.lr})"
        )

    def record(self, model, epoch: int, loss: float, val_auc, val_ap, val_mrr=None):
        values = (epoch, loss, val_auc, val_ap, val_mrr)
        for key, value in zip(self.history, values):
            self.history[key].append(value)
        # the score of the selection: validation AUC, or HeaRT MRR (val_mrr)
        score = val_mrr if self.config.selection == 'val_mrr' else val_auc
        if self.config.selection != 'last' and score > self.best_score:
            self.best_score, self.best_epoch = score, epoch
            self.best_state = copy.deepcopy(model.state_dict())

    def exhausted(self, epoch: int) -> bool:
        r"""Whether ``patience`` epochs passed without a better selection score."""
        patience = self.config.patience
        tracked = self.config.selection != 'last'
        return patience is not None and tracked and epoch - self.best_epoch >= patience

    def reported_epoch(self) -> int:
        if self.best_state is not None:
            return self.best_epoch
        return self.history['epoch'][-1] if self.history['epoch'] else 0


class _Run:
    r"""The state of one training run (the pieces of :func:`run_training`)."""

    def __init__(self, data, config, split, replica):
        self.config, self.replica = config, replica
        check_data(data)
        self.num_nodes = check_edge_index(
            data.edge_index, data.num_nodes, name='data.edge_index'
        )
        self.device = replica.device(config)
        self.split = _split(data, config, self.num_nodes, split, self.device)
        x = _features(data)
        self.x = x.to(self.device) if x is not None else None
        self.train_edges = self.split.train_pos_edge_index
        # The loss reconstructs each training pair once (the decoder is symmetric).
        self.train_pairs = _undirected_pairs(self.train_edges)
        seed = config.seed
        # Own generators on the data's device: the edge mask and the negatives.
        self.mask_gen = torch.Generator(device=self.device).manual_seed(seed + 1)
        self.neg_gen = torch.Generator(device=self.device).manual_seed(seed + 3)
        self.minibatch = None
        if config.batch_size > 0:  # sampled neighbourhoods (gvae_ext.train.minibatch)
            self.minibatch = MiniBatchTrainer(
                config,
                self.x,
                self.train_edges,
                self.train_pairs,
                world_size=replica.world_size,
            )
        self.hard = None
        if config.hard_negatives > 0 or config.hard_weight > 0:
            self.hard = TwoHopNegatives(self.train_edges, self.num_nodes)
        self.masker = None
        if config.edge_mask > 0:
            self.masker = EdgeMasker(
                self.train_pairs, self.num_nodes, config.mask_kind, config.edge_mask
            )
        self.heart_val = None  # selection by validation HeaRT MRR (one process)
        if config.selection == 'val_mrr':
            self.heart_val = HeartValidation(
                self.split, self.num_nodes, self.x, seed + 5
            )
        self.in_channels = in_channels = _in_channels(self.x, self.num_nodes)
        self.model = build_model(config, in_channels).to(self.device)
        self.target, self.weight = replica.setup(self.model, self.train_pairs, seed)
        modules = [self.model]
        self.degree_head = _degree_head(config)
        if self.degree_head is not None:
            self.degree_head.to(self.device)
            modules.append(self.degree_head)
            degree = torch.bincount(self.train_edges[0], minlength=self.num_nodes)
            self.log_degree = torch.log1p(degree.to(torch.get_default_dtype()))
        self.params = [p for m in modules for p in m.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(
            self.params, lr=config.lr, weight_decay=config.weight_decay
        )

    def epoch(self) -> float:
        model, config = self.model, self.config
        model.train()
        graph, target, weight = self.train_edges, self.target, self.weight
        if self.masker is not None:
            graph, masked = self.masker(self.mask_gen)
            if config.recon == 'masked' and masked.size(1) > 0:
                target, weight = self.replica.shard(masked)
        if self.minibatch is not None:
            return self.minibatch.epoch(model, self.optimizer, graph, self.num_nodes)
        self.optimizer.zero_grad()
        z = model.encode(self.x, graph)
        loss = _objective(
            model,
            config,
            z,
            self.train_edges,
            target,
            weight,
            self.neg_gen,
            self.hard,
        )
        if self.degree_head is not None:
            predicted = self.degree_head(z).view(-1)
            error = torch.nn.functional.mse_loss(predicted, self.log_degree)
            loss = loss + config.degree_weight * error
        loss.backward()
        self.replica.sync_gradients(self.params)
        self.optimizer.step()
        return self.replica.mean_loss(loss)

    def final_metrics(self, model: Optional[torch.nn.Module] = None):
        r"""``(metrics, z)``: validation and test scores of the trained model."""
        val_auc, val_ap, val_mrr = self.validate(model, embed_only=False)
        test_auc, test_ap, z = self.evaluate('test', model)
        metrics = dict(
            test_auc=test_auc, test_ap=test_ap, val_auc=val_auc, val_ap=val_ap
        )
        if val_mrr is not None:
            metrics['val_mrr'] = val_mrr
        return metrics, z

    def validate(self, model: Optional[torch.nn.Module] = None, embed_only=True):
        r"""Validation ``(auc, ap, mrr)``; ``mrr`` (HeaRT) only for ``val_mrr``."""
        model = self.model if model is None else model
        auc, ap, z = self.evaluate('val', model, embed_only=embed_only)
        if self.heart_val is None:
            return auc, ap, None
        return auc, ap, self.heart_val(model, z)

    def evaluate(
        self, name: str, model: Optional[torch.nn.Module] = None, embed_only=False
    ):
        pos = getattr(self.split, f'{name}_pos_edge_index')
        neg = getattr(self.split, f'{name}_neg_edge_index')
        model = self.model if model is None else model
        return self.replica.evaluate(
            model, self.x, self.train_edges, pos, neg, embed_only=embed_only
        )


@contextlib.contextmanager
def num_threads(threads: Optional[int]) -> Iterator[None]:
    r"""Run the block with ``threads`` torch intra-op threads.

    :obj:`None` keeps the current setting; the previous setting is
    restored afterwards.
    """
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
