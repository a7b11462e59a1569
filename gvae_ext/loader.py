r"""Mini-batch training through PyG's :class:`~torch_geometric.loader.LinkNeighborLoader`.

The PyG-native way to train on batches of edges with their k-hop
neighbourhoods: :func:`link_neighbor_loader` builds the loader over the
training pairs (with PyG's binary negative sampling, one random pair per
positive), and :func:`loader_epoch` trains a :class:`~gvae_ext.GAE` /
:class:`~gvae_ext.VGAE` on its batches -- each batch is encoded on its
sampled subgraph (``batch.edge_index``, normalised within the subgraph as
PyG's ``GCNConv`` would) with the features of ``batch.n_id``, and the loss is
the sampled reconstruction loss of ``batch.edge_label_index`` plus, for a
VGAE, :math:`\frac{1}{N}` times the mean KL of the batch's pair endpoints.

PyG's loader needs a sampling backend (``pyg-lib`` or ``torch-sparse``,
:func:`~gvae_ext.minibatch.pyg_sampling_available`) and runs on the CPU; its
negatives are uniformly random pairs, which may (rarely) be edges. Without a
backend, use :func:`gvae_ext.minibatch.minibatch_epoch` with the own
:class:`~gvae_ext.sampler.NeighborSampler` (same objective, exact
non-edge negatives). ``FitConfig(sampler='loader')`` selects this path in
:func:`gvae_ext.train.fit`.
"""

from typing import Optional, Sequence

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_positive_int
from gvae_ext.minibatch import pyg_sampling_available, subgraph_features
from gvae_ext.sampler import check_num_neighbors


def link_neighbor_loader(
    edge_index: Tensor,
    num_nodes: int,
    pairs: Tensor,
    *,
    batch_size: int,
    num_neighbors: Sequence[int] = (10, 10),
    shuffle: bool = True,
):
    r"""A :class:`~torch_geometric.loader.LinkNeighborLoader` over the
    positive training :obj:`pairs` of the message-passing graph
    :obj:`edge_index`, with one random negative per positive
    (:obj:`neg_sampling='binary'`).

    Args:
        edge_index (LongTensor): The message-passing graph, :obj:`[2, E]`.
        num_nodes (int): The number of nodes.
        pairs (LongTensor): The positive training pairs, :obj:`[2, P]`.
        batch_size (int): Positive pairs per batch.
        num_neighbors (sequence of int, optional): Fan-out per hop (:obj:`-1`:
            all neighbours). (default: :obj:`(10, 10)`)
        shuffle (bool, optional): Shuffle the pairs every epoch.
            (default: :obj:`True`)

    Raises:
        ValueError: If PyG has no sampling backend installed.
    """
    if not pyg_sampling_available():
        raise ValueError(
            "PyG's LinkNeighborLoader needs pyg-lib or torch-sparse; use the own "
            "sampler (sampler='own') instead (got neither installed)"
        )
    num_nodes = check_edge_index(edge_index, num_nodes, name='edge_index')
    check_edge_index(pairs, num_nodes, name='pairs', allow_empty=False)
    batch_size = check_positive_int(batch_size, 'batch_size')
    fanouts = [int(k) for k in check_num_neighbors(num_neighbors)]
    from torch_geometric.data import Data
    from torch_geometric.loader import LinkNeighborLoader

    data = Data(edge_index=edge_index.cpu(), num_nodes=num_nodes)
    return LinkNeighborLoader(
        data,
        num_neighbors=fanouts,
        edge_label_index=pairs.cpu(),
        neg_sampling='binary',
        batch_size=batch_size,
        shuffle=shuffle,
    )


def loader_epoch(
    model: torch.nn.Module,
    x: Optional[Tensor],
    loader,
    optimizer: torch.optim.Optimizer,
    *,
    num_nodes: int,
    variational: Optional[bool] = None,
) -> float:
    r"""One epoch over the batches of :obj:`loader` (module docstring);
    returns the mean batch loss, weighted by the number of labelled pairs.

    Args:
        model (torch.nn.Module): A GAE or VGAE whose encoder takes
            :obj:`(x, edge_index)`.
        x (torch.Tensor, optional): Node features :obj:`[N, F]` (dense or
            sparse) or :obj:`None` for identity features.
        loader (LinkNeighborLoader): From :func:`link_neighbor_loader` (or any
            loader yielding batches with :obj:`n_id`, :obj:`edge_index`,
            :obj:`edge_label_index` and 0/1 :obj:`edge_label`).
        optimizer (torch.optim.Optimizer): Stepped once per batch.
        num_nodes (int): :math:`N` of the whole graph (the KL scale).
        variational (bool, optional): Add the KL term. (default: whether the
            model has :obj:`kl_loss`)
    """
    num_nodes = check_positive_int(num_nodes, 'num_nodes')
    if variational is None:
        variational = callable(getattr(model, 'kl_loss', None))
    device = next(model.parameters()).device
    model.train()
    total, count = torch.zeros((), device=device), 0
    for batch in loader:
        node = batch.n_id.to(device)
        label = batch.edge_label.to(device)
        pairs = batch.edge_label_index.to(device)
        pos, neg = pairs[:, label == 1], pairs[:, label == 0]
        if pos.size(1) == 0 or neg.size(1) == 0:
            raise ValueError(
                "'loader' batches must hold positive and negative pairs "
                f'(got {pos.size(1)} and {neg.size(1)})'
            )
        optimizer.zero_grad()
        z = model.encode(
            subgraph_features(x, node, num_nodes), batch.edge_index.to(device)
        )
        loss = model.recon_loss(z, pos, neg)
        if variational:
            ends = torch.unique(pairs)
            mu, logstd = model.__mu__[ends], model.__logstd__[ends]
            loss = loss + model.kl_loss(mu, logstd) / num_nodes
        loss.backward()
        optimizer.step()
        total += loss.detach() * pairs.size(1)  # no host sync per batch
        count += pairs.size(1)
    return float(total) / max(count, 1)


__all__ = ['link_neighbor_loader', 'loader_epoch']
