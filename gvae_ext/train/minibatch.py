r"""Mini-batch training of the graph autoencoders on sampled neighbourhoods.

For graphs whose full-batch activations do not fit, :func:`minibatch_epoch`
trains on batches of positive training pairs. For each batch it

1. draws as many negatives, uniform non-edges of the training graph
   (:func:`~gvae_ext.link.fast_negative_sampling`, i.i.d. like the
   full-batch sampled objective, or distinct pairs with
   :obj:`neg_sampling='exact'`),
2. takes the endpoints of both as the seed nodes and samples their k-hop
   neighbourhood (one hop per GCN layer) with a :class:`KHopSampler`,
3. encodes the subgraph with the sampled propagation matrix
   (:func:`~gvae_ext.sampling.neighbor.sampled_gcn_adjacency`: the full graph's degrees,
   an unbiased estimate of the full-batch propagation; exact with fan-out
   :obj:`-1`) and the features of its nodes (for identity features,
   :obj:`x=None`, the one-hot rows of the subgraph's nodes, so the first
   layer reads the rows of :math:`W_0` it needs),
4. minimises the sampled reconstruction loss of the batch plus, for a VGAE,
   :math:`\frac{1}{N}` times the mean KL of the seeds.

The KL scaling keeps the full-batch objective of :func:`gvae_ext.train.fit`
(mean reconstruction loss :math:`+ \frac{1}{N}` mean KL over all :math:`N`
nodes, as in Kipf's code and PyG's example): the mean over the seeds
estimates the mean over all nodes, and :math:`N` stays the full graph's
size, not the subgraph's. Only the seeds' :obj:`mu`/:obj:`logstd` enter
it: the outer hops' rows see only part of their neighbourhood.

Sampling backends (:func:`make_sampler`): :obj:`'own'` is
:class:`gvae_ext.sampling.KHopSampler` (torch-native, CPU and CUDA,
seeded by :obj:`generator`); :obj:`'pyg'` is PyG's
:class:`torch_geometric.sampler.NeighborSampler`, the sampling engine of
:class:`~torch_geometric.loader.LinkNeighborLoader` (CPU; needs ``pyg-lib``
or ``torch-sparse``; draws from torch's global RNG, so
:func:`torch.manual_seed` rather than :obj:`generator` makes it
reproducible). :obj:`'auto'` takes PyG's where its backend is installed and
the graph is on the CPU, and ours otherwise. Both feed the same batches,
negatives and propagation matrix, so they differ only in which neighbours
are drawn.

:func:`loader_epoch` (:mod:`gvae_ext.train.loader`) is the same epoch
over the batches of PyG's :class:`~torch_geometric.loader.LinkNeighborLoader`.
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import (
    check_edge_index,
    check_generator,
    check_positive_int,
)
from gvae_ext.link import fast_negative_sampling, negative_sampling
from gvae_ext.nn import NEG_SAMPLING
from gvae_ext.sampling import (
    KHopSampler,
    link_batches,
    link_neighbor_loader,
    make_sampler,
    prepare_features,
    subgraph_features,
)
from gvae_ext.train.loader import loader_epoch


def _negatives(edge_index, num_nodes: int, count: int, how: str, generator):
    if how == 'fast':
        return fast_negative_sampling(edge_index, num_nodes, count, generator=generator)
    return negative_sampling(edge_index, num_nodes, count, generator=generator)


def minibatch_epoch(
    model: torch.nn.Module,
    x: Optional[Tensor],
    sampler: KHopSampler,
    pairs: Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    batch_size: int,
    variational: Optional[bool] = None,
    generator: Optional[torch.Generator] = None,
    neg_sampling: str = 'fast',
    neg_edge_index: Optional[Tensor] = None,
) -> float:
    r"""One epoch of mini-batch training (module docstring).

    Returns the mean batch loss, weighted by the batch sizes.

    Args:
        model (torch.nn.Module): A :class:`~gvae_ext.nn.GAE` or
            :class:`~gvae_ext.nn.VGAE` (or PyG's) whose encoder
            accepts a sparse adjacency (as :mod:`gvae_ext.nn.encoders` do).
        x (torch.Tensor, optional): Node features :obj:`[N, F]` (dense or
            sparse), or :obj:`None` for identity features.
        sampler (KHopSampler): The sampler of the message-passing graph
            (:func:`make_sampler`); one hop per GCN layer.
        pairs (LongTensor): The positive training pairs, :obj:`[2, P]`.
        optimizer (torch.optim.Optimizer): Stepped once per batch.
        batch_size (int): Positive pairs per batch.
        variational (bool, optional): Add the KL term. (default: whether the
            model has :obj:`kl_loss`)
        generator (torch.Generator, optional): Drives the shuffle, the
            negatives and the own sampler, on the device of :obj:`pairs`.
            (default: :obj:`None`)
        neg_sampling (str, optional): :obj:`'fast'` (i.i.d. uniform
            non-edges) or :obj:`'exact'` (distinct non-edges per batch).
            (default: :obj:`'fast'`)
        neg_edge_index (LongTensor, optional): The edges negatives avoid.
            (default: :obj:`sampler.edge_index`)
    """
    if not isinstance(sampler, KHopSampler):
        raise TypeError(
            f"'sampler' must be a KHopSampler (got {type(sampler).__name__})"
        )
    num_nodes = sampler.num_nodes
    check_edge_index(pairs, num_nodes, name='pairs', allow_empty=False)
    batch_size = check_positive_int(batch_size, 'batch_size')
    if neg_sampling not in NEG_SAMPLING:
        raise ValueError(
            f"'neg_sampling' must be one of {NEG_SAMPLING} (got {neg_sampling!r})"
        )
    generator = check_generator(generator, device=pairs.device, of='the graph')
    x = prepare_features(x, num_nodes)
    if variational is None:
        variational = callable(getattr(model, 'kl_loss', None))
    avoid = sampler.edge_index if neg_edge_index is None else neg_edge_index
    dtype = next(model.parameters()).dtype
    model.train()
    total = torch.zeros((), device=pairs.device)
    for pos in link_batches(pairs, batch_size, generator=generator):
        count = pos.size(1)
        neg = _negatives(avoid, num_nodes, count, neg_sampling, generator)
        seeds, local = torch.unique(torch.cat([pos, neg], 1), return_inverse=True)
        sub = sampler.sample(seeds, generator=generator)
        adj = sampler.gcn_adjacency(sub, dtype)
        optimizer.zero_grad()
        z = model.encode(subgraph_features(x, sub.node, num_nodes), adj)
        seeds_z = z[: sub.num_seeds]
        loss = model.recon_loss(seeds_z, local[:, :count], local[:, count:])
        if variational:
            mu = model.__mu__[: sub.num_seeds]
            logstd = model.__logstd__[: sub.num_seeds]
            loss = loss + model.kl_loss(mu, logstd) / num_nodes
        loss.backward()
        optimizer.step()
        total += loss.detach() * count
    return float(total) / pairs.size(1)


class MiniBatchTrainer:
    r"""The mini-batch epochs of a run with :obj:`batch_size > 0`.

    Used by :func:`gvae_ext.train.loop.run_training` for a
    :class:`~gvae_ext.train.FitConfig` with :obj:`batch_size > 0`.

    The sampler is built once, or every epoch when the epoch's
    message-passing graph changes (edge masking); negatives avoid all
    training edges; one generator on the data's device, seeded with
    :obj:`config.seed + 2`, drives the batches, negatives and own sampler.
    """

    def __init__(self, config, x, train_edges, train_pairs, *, world_size: int = 1):
        if config.objective != 'sampled':
            raise ValueError(
                "'batch_size' > 0 needs the 'sampled' objective "
                f'(got {config.objective!r})'
            )
        if world_size > 1:
            raise ValueError(
                "'batch_size' > 0 is not supported with several processes "
                f'(got world_size={world_size})'
            )
        self.config = config
        self.x = prepare_features(x, x.size(0)) if x is not None else None
        self.train_edges = train_edges
        self.train_pairs = train_pairs
        self.generator = torch.Generator(device=train_edges.device)
        self.generator.manual_seed(config.seed + 2)
        self._graph, self._sampler = None, None

    def _build(self, graph: Tensor, num_nodes: int):
        r"""The sampler (or PyG loader) of the message-passing graph."""
        config = self.config
        if config.sampler == 'loader':  # PyG's LinkNeighborLoader
            return link_neighbor_loader(
                graph,
                num_nodes,
                self.train_pairs,
                batch_size=config.batch_size,
                num_neighbors=config.num_neighbors,
            )
        return make_sampler(
            graph, num_nodes, config.num_neighbors, backend=config.sampler
        )

    def epoch(self, model, optimizer, graph: Tensor, num_nodes: int) -> float:
        r"""Train one epoch with :obj:`graph` as the message-passing graph."""
        if graph is not self._graph:
            self._graph, self._sampler = graph, self._build(graph, num_nodes)
        config = self.config
        if config.sampler == 'loader':
            return loader_epoch(
                model,
                self.x,
                self._sampler,
                optimizer,
                num_nodes=num_nodes,
                variational=config.variational,
                neg_edge_index=self.train_edges,
            )
        return minibatch_epoch(
            model,
            self.x,
            self._sampler,
            self.train_pairs,
            optimizer,
            batch_size=config.batch_size,
            variational=config.variational,
            generator=self.generator,
            neg_edge_index=self.train_edges,
        )


__all__ = [
    'minibatch_epoch',
    'loader_epoch',
    'MiniBatchTrainer',
]
