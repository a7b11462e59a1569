r"""Mini-batch training on the batches of PyG's ``LinkNeighborLoader``.

:func:`loader_epoch` is one epoch over the batches of PyG's
:class:`~torch_geometric.loader.LinkNeighborLoader`
(:func:`~gvae_ext.sampling.link_neighbor_loader`, one random pair per
positive, which may rarely be an edge): each batch is encoded on its sampled
subgraph (``batch.edge_index``, normalised within the subgraph as PyG's
``GCNConv`` would) with the features of ``batch.n_id``, and the KL term is
:math:`\frac{1}{N}` times the mean KL of the batch's pair endpoints.

It is the loader counterpart of :func:`gvae_ext.train.minibatch.minibatch_epoch`.
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_positive_int
from gvae_ext.sampling import subgraph_features


def _is_edge(pairs: Tensor, edge_ids: Tensor, num_nodes: int) -> Tensor:
    r"""Which columns of :obj:`pairs` are in the sorted pair ids :obj:`edge_ids`."""
    if edge_ids.numel() == 0:
        return torch.zeros(pairs.size(1), dtype=torch.bool, device=pairs.device)
    ids = pairs[0].long() * num_nodes + pairs[1].long()
    at = torch.searchsorted(edge_ids, ids).clamp_(max=edge_ids.numel() - 1)
    return edge_ids[at] == ids


def loader_epoch(
    model: torch.nn.Module,
    x: Optional[Tensor],
    loader,
    optimizer: torch.optim.Optimizer,
    *,
    num_nodes: int,
    variational: Optional[bool] = None,
    neg_edge_index: Optional[Tensor] = None,
) -> float:
    r"""One epoch over the batches of :obj:`loader` (module docstring).

    Returns the mean batch loss, weighted by the number of labelled pairs.

    PyG's binary negatives are uniformly random pairs, which can be edges;
    with :obj:`neg_edge_index` (the training edges, both directions) those
    that are edges in either direction are dropped from the batch's loss.

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
        neg_edge_index (LongTensor, optional): Edges that are never used as
            negatives, :obj:`[2, E]`. (default: :obj:`None`)
    """
    num_nodes = check_positive_int(num_nodes, 'num_nodes')
    edge_ids = None
    if neg_edge_index is not None:
        check_edge_index(neg_edge_index, num_nodes, name='neg_edge_index')
        row, col = neg_edge_index.long()
        edge_ids = torch.unique(
            torch.cat([row * num_nodes + col, col * num_nodes + row])
        )
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
        if edge_ids is not None:
            neg = neg[:, ~_is_edge(neg, edge_ids.to(device), num_nodes)]
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


__all__ = ['loader_epoch']
