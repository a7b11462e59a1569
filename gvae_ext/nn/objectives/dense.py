r"""Reconstruction objectives of graph auto-encoders, computed from logits.

* :func:`sampled_recon_loss` -- the positives and as many sampled negatives,
  :math:`O(E)` (PyG's :meth:`~torch_geometric.nn.GAE.recon_loss`).
* :func:`dense_recon_loss` -- Kipf and Welling's full-adjacency weighted
  cross-entropy (`tkipf/gae <https://github.com/tkipf/gae>`_, ``train.py``
  and ``optimizer.py``), evaluated in row chunks in
  :math:`O(N d + \text{chunk} \cdot N)` memory; with
  ``weighting='uniform'`` every pair weighs the same (the plain mean
  cross-entropy the HeaRT benchmark's GAE trains with).
"""

from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from gvae_ext._cache import TensorCache
from gvae_ext._checks import check_edge_index, check_positive_int
from gvae_ext.nn.decoders import (
    InnerProductDecoder,
    check_embedding,
)

# Logit-matrix elements held at once by the chunked dense objective.
DENSE_CHUNK_ELEMENTS = 2**20
_CACHE = TensorCache(maxsize=8)
# How the dense objective weighs its pairs: Kipf's 'balanced' (the positives
# up-weighted to the mass of the non-edges) or 'uniform' (every pair alike).
DENSE_WEIGHTINGS = ('balanced', 'uniform')


class DenseTargets(NamedTuple):
    r"""The targets of the dense objective for one training graph.

    Attributes:
        index (LongTensor): The positive pairs of :math:`A + I`,
            :obj:`[2, num_edges + num_nodes]` (each pair once).
        pos_weight (float): :math:`(N^2 - \Sigma A) / \Sigma A` (Kipf's
            ``'balanced'`` weighting), or :math:`1` (``'uniform'``).
        norm (float): :math:`N^2 / (2 (N^2 - \Sigma A))`, or :math:`1`.
        num_nodes (int): :math:`N`.
    """

    index: Tensor
    pos_weight: float
    norm: float
    num_nodes: int


def check_weighting(weighting, name: str = 'weighting') -> str:
    r"""Return :obj:`weighting` if it is one of :data:`DENSE_WEIGHTINGS`."""
    if not isinstance(weighting, str) or weighting not in DENSE_WEIGHTINGS:
        raise ValueError(
            f"'{name}' must be one of {DENSE_WEIGHTINGS} (got {weighting!r})"
        )
    return weighting


def dense_targets(
    edge_index: Tensor, num_nodes: int, weighting: str = 'balanced'
) -> DenseTargets:
    r"""Build the targets :math:`A + I` and the weights of the dense objective.

    :math:`\Sigma A` is the number of distinct off-diagonal entries of
    :obj:`edge_index` (both directions of an undirected edge count, as in
    the symmetric :obj:`adj_train` of the original; duplicates and
    self-loops are ignored). :obj:`weighting` is Kipf's ``'balanced'``
    (the default) or ``'uniform'`` (see :class:`DenseTargets`). Cached per
    :obj:`edge_index` tensor.
    """
    check_weighting(weighting)

    def build() -> DenseTargets:
        check_edge_index(edge_index, num_nodes, name='pos_edge_index')
        row, col = edge_index.long()
        keep = row != col
        ids = torch.unique(row[keep] * num_nodes + col[keep])
        num_pos = ids.numel()
        if num_pos == 0:
            raise ValueError(
                "'pos_edge_index' must contain at least one edge that is not a "
                'self-loop for the dense objective (got 0)'
            )
        return targets_from_pairs(
            ids // num_nodes, ids % num_nodes, num_nodes, weighting
        )

    return _CACHE.get(edge_index, ('dense', num_nodes, weighting), build)


def targets_from_pairs(
    row: Tensor, col: Tensor, num_nodes: int, weighting: str = 'balanced'
) -> DenseTargets:
    r"""The :class:`DenseTargets` of :math:`A + I` for the *distinct*.

    Off-diagonal pairs :obj:`(row, col)` of :math:`A` (unchecked). Without any pair
    the ``'balanced'`` weights are those of :math:`\Sigma A = 1`.
    """
    num_pos, total = row.numel(), num_nodes * num_nodes
    nodes = torch.arange(num_nodes, device=row.device)
    index = torch.stack([torch.cat([row, nodes]), torch.cat([col, nodes])])
    if check_weighting(weighting) == 'uniform':
        return DenseTargets(index, pos_weight=1.0, norm=1.0, num_nodes=num_nodes)
    return DenseTargets(
        index=index,
        pos_weight=(total - num_pos) / max(num_pos, 1),
        norm=total / (2.0 * (total - num_pos)),
        num_nodes=num_nodes,
    )


class _GramSoftplusSum(torch.autograd.Function):
    r""":math:`\sum_{ij} \mathrm{softplus}(\mathbf{z}_i^\top\mathbf{z}_j)` over the upper block triangle.

    The sum runs over the upper block triangle of the symmetric Gram matrix, one row
    chunk at a time; the backward recomputes each block and applies
    :math:`\partial/\partial Z = 2\,\sigma(Z Z^\top) Z`.
    """

    @staticmethod
    def forward(ctx, z: Tensor, chunk: int) -> Tensor:
        ctx.save_for_backward(z)
        ctx.chunk = chunk
        total = z.new_zeros(())
        for start in range(0, z.size(0), chunk):
            # rows [start, stop) against columns [start, N): the square
            # diagonal block once, the pairs beyond it twice (symmetry)
            block = F.softplus(z[start : start + chunk] @ z[start:].t())
            total += block.sum() + block[:, chunk:].sum()
        return total

    @staticmethod
    def backward(ctx, grad: Tensor):
        (z,) = ctx.saved_tensors
        chunk = ctx.chunk
        out = torch.zeros_like(z)
        for start in range(0, z.size(0), chunk):
            stop = start + chunk
            rows, cols = z[start:stop], z[start:]
            sig = torch.sigmoid(rows @ cols.t())
            out[start:stop] += sig @ cols
            out[stop:] += sig[:, chunk:].t() @ rows
        return out * (2 * grad), None


def dense_recon_loss(
    z: Tensor, targets: DenseTargets, *, chunk_size: Optional[int] = None
) -> Tensor:
    r"""Kipf and Welling's full-adjacency objective for an inner-product decoder.

    With logits :math:`X = Z Z^\top` and target :math:`T = A + I`:

    .. math::
        \mathcal{L} = \frac{\mathrm{norm}}{N^2} \sum_{i,j}
        \Big[w\, T_{ij} \log(1 + e^{-X_{ij}})
        + (1 - T_{ij}) \log(1 + e^{X_{ij}})\Big],
        \quad w = \mathrm{pos\_weight}

    i.e. :obj:`norm * binary_cross_entropy_with_logits(X, T, pos_weight=w)`
    (with the ``'uniform'`` targets :math:`w = \mathrm{norm} = 1`: the plain
    mean cross-entropy).
    It is split into :math:`\sum_{ij} \mathrm{softplus}(X_{ij})` over all
    pairs -- evaluated on the upper block triangle of the symmetric
    :math:`X`, :obj:`chunk_size` rows at a time, with a custom backward --
    plus a correction over the :math:`O(E + N)` positives, so no
    :math:`N \times N` matrix is stored.

    Args:
        z (torch.Tensor): The embeddings, :obj:`[num_nodes, channels]`.
        targets (DenseTargets): From :func:`dense_targets`.
        chunk_size (int, optional): Rows of :math:`X` per chunk.
            (default: :obj:`DENSE_CHUNK_ELEMENTS // num_nodes`)
    """
    n = targets.num_nodes
    if chunk_size is None:
        chunk_size = max(1, DENSE_CHUNK_ELEMENTS // n)
    chunk_size = check_positive_int(chunk_size, 'chunk_size')
    everything = _GramSoftplusSum.apply(z, chunk_size)
    row, col = targets.index
    pos = (z[row] * z[col]).sum(dim=-1)
    correction = (targets.pos_weight * F.softplus(-pos) - F.softplus(pos)).sum()
    return targets.norm * (everything + correction) / (n * n)


def dense_recon_loss_from_logits(logits: Tensor, targets: DenseTargets) -> Tensor:
    r"""The same objective from a full :obj:`[N, N]` logit matrix (for decoders other than the inner product).

    :math:`O(N^2)` memory.
    """
    target = torch.zeros_like(logits)
    target[targets.index[0], targets.index[1]] = 1.0
    weight = logits.new_tensor(targets.pos_weight)
    loss = F.binary_cross_entropy_with_logits(logits, target, pos_weight=weight)
    return targets.norm * loss


def dense_objective(
    decoder: torch.nn.Module,
    z: Tensor,
    pos_edge_index: Tensor,
    *,
    max_dense_nodes: int,
    chunk_size: Optional[int] = None,
    weighting: str = 'balanced',
) -> Tensor:
    r"""The dense objective for any decoder.

    Chunked (:func:`dense_recon_loss`) for an :class:`InnerProductDecoder`, through
    :obj:`decoder.forward_all` otherwise. Refuses graphs with more than
    :obj:`max_dense_nodes` nodes. :obj:`weighting` is one of
    :data:`DENSE_WEIGHTINGS` (:func:`dense_targets`).
    """
    check_embedding(z)
    num_nodes = z.size(0)
    if num_nodes > max_dense_nodes:
        raise ValueError(
            f"'z' has more nodes than 'max_dense_nodes'={max_dense_nodes} "
            f"allows for the O(N^2) dense objective; raise 'max_dense_nodes' "
            f"or use objective='sampled' (got {num_nodes})"
        )
    targets = dense_targets(pos_edge_index, num_nodes, weighting)
    if isinstance(decoder, InnerProductDecoder):
        return dense_recon_loss(z, targets, chunk_size=chunk_size)
    if not hasattr(decoder, 'forward_all'):
        raise ValueError(
            "'decoder' must be an InnerProductDecoder or have 'forward_all' "
            f'for the dense objective (got {type(decoder).__name__})'
        )
    return dense_recon_loss_from_logits(decoder.forward_all(z, sigmoid=False), targets)


__all__ = [
    'DENSE_CHUNK_ELEMENTS',
    'DenseTargets',
    'dense_targets',
    'targets_from_pairs',
    'dense_recon_loss',
    'dense_recon_loss_from_logits',
    'dense_objective',
]
