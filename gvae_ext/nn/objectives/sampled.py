r"""The sampled objective (private; re-exported by :mod:`gvae_ext.nn.objectives`).

The training positives and as many sampled negatives, :math:`O(E)` (PyG's
:meth:`~torch_geometric.nn.GAE.recon_loss`), with a fused autograd node for the
inner-product decoder.
"""

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

from gvae_ext._cache import TensorCache
from gvae_ext._checks import check_positive_int
from gvae_ext.nn.decoders import (
    InnerProductDecoder,
    PairIndex,
    inner_product,
    pair_index,
)

_CACHE = TensorCache(maxsize=8)

#: The losses of the sampled objective: binary cross-entropy (PyG's) or the
#: Bayesian personalised ranking loss (:func:`ranking_recon_loss`).
PAIR_LOSSES = ('bce', 'bpr')


def check_pair_loss(value, name: str = 'pair_loss') -> str:
    r"""Return :obj:`value` if it is one of :data:`PAIR_LOSSES`, else raise."""
    if not isinstance(value, str) or value not in PAIR_LOSSES:
        raise ValueError(f"'{name}' must be one of {PAIR_LOSSES} (got {value!r})")
    return value


def sampled_recon_loss(pos_logits: Tensor, neg_logits: Tensor) -> Tensor:
    r"""Binary cross-entropy of positive and negative pair logits.

    .. math::
        \mathcal{L} = -\frac{1}{|P|}\sum_{(i,j) \in P} \log\sigma(x_{ij})
        - \frac{1}{|N|}\sum_{(i,j) \in N} \log(1 - \sigma(x_{ij}))

    computed with :func:`torch.nn.functional.logsigmoid` (no epsilon).
    """
    return -F.logsigmoid(pos_logits).mean() - F.logsigmoid(-neg_logits).mean()


def ranking_recon_loss(pos_logits: Tensor, neg_logits: Tensor) -> Tensor:
    r"""Bayesian personalised ranking loss of negative against positive logits.

    Each negative :math:`j` is paired with the positive :math:`j \bmod |P|`
    (Rendle et al., 2009):

    .. math::
        \mathcal{L} = \frac{1}{|N|}\sum_{j} \log\left(1 +
        e^{x_{n_j} - x_{p_{j \bmod |P|}}}\right)

    Only differences of logits enter, so the loss ranks the positives above
    the negatives and leaves the logits' offset free: :math:`\sigma(x)` of a
    model trained this way is a score, not a calibrated probability.

    Args:
        pos_logits (torch.Tensor): :obj:`[P]` logits of the positive pairs.
        neg_logits (torch.Tensor): :obj:`[k P]` logits of the negatives, a
            positive number :math:`k` of them per positive.
    """
    if pos_logits.dim() != 1 or neg_logits.dim() != 1:
        raise ValueError(
            "'pos_logits' and 'neg_logits' must be 1-D (got shapes "
            f'{tuple(pos_logits.shape)} and {tuple(neg_logits.shape)})'
        )
    num_pos, num_neg = pos_logits.numel(), neg_logits.numel()
    if num_pos == 0 or num_neg % num_pos or num_neg == 0:
        raise ValueError(
            "'neg_logits' must hold a positive multiple of the positives' count "
            f'(got {num_neg} negatives for {num_pos} positives)'
        )
    pos = pos_logits.repeat(num_neg // num_pos)
    return F.softplus(neg_logits - pos).mean()


def positive_pair_index(edge_index: Tensor, num_nodes: int) -> PairIndex:
    r"""The :class:`PairIndex` used to score the training positives.

    When :obj:`edge_index` lists every undirected edge exactly twice, once in
    each direction (PyG's training edges), and has no self-loops, only the
    :obj:`i < j` half is kept: both directions have the same logit, so the
    mean loss over the half and its gradient equal those over all columns.
    """
    row, col = edge_index.long()
    ids = row * num_nodes + col
    sorted_ids = torch.unique(ids)
    if sorted_ids.numel() == ids.numel() and not bool((row == col).any()):
        if torch.equal(sorted_ids, torch.unique(col * num_nodes + row)):
            keep = row < col
            return pair_index(torch.stack([row[keep], col[keep]]), num_nodes)
    return pair_index(edge_index, num_nodes)


def _cached_positive_index(pos_edge_index: Tensor, num_nodes: int) -> PairIndex:
    return _CACHE.get(
        pos_edge_index,
        ('pairs', num_nodes),
        lambda: positive_pair_index(pos_edge_index, num_nodes),
    )


def pair_logits(
    decoder: torch.nn.Module, z: Tensor, pos_edge_index: Tensor, neg_edge_index: Tensor
) -> Tuple[Tensor, Tensor]:
    r"""Unchecked logits of the positive and the negative pairs.

    With an :class:`InnerProductDecoder` the positives' :class:`PairIndex`
    (:func:`positive_pair_index`, possibly only one direction of each edge) is
    cached per :obj:`pos_edge_index`; use the result through means only.
    """
    if isinstance(decoder, InnerProductDecoder):
        n = z.size(0)
        index = _cached_positive_index(pos_edge_index, n)
        return inner_product(z, pos_edge_index, index), inner_product(z, neg_edge_index)
    return (
        decoder(z, pos_edge_index, sigmoid=False),
        decoder(z, neg_edge_index, sigmoid=False),
    )


# Elements of the [chunk, d] temporaries of the fused sampled objective.
PAIR_CHUNK_ELEMENTS = 2**22


class _InnerProductBCE(torch.autograd.Function):
    r"""The sampled objective of an inner-product decoder in one autograd node.

    The forward scores the pairs chunk by chunk and, when :obj:`z` needs a gradient,
    accumulates it right away (positives through one CSR product of the cached
    :class:`PairIndex`, negatives by scatter-add), so no :obj:`[num_pairs, d]`
    tensor outlives a chunk and nothing is gathered twice. Not twice differentiable.
    """

    @staticmethod
    def forward(ctx, z: Tensor, pos: PairIndex, neg: Tensor, chunk: int) -> Tensor:
        want = ctx.needs_input_grad[0]
        n, num_pos, num_neg = z.size(0), pos.row.numel(), neg.size(1)
        grad = torch.zeros(z.shape, dtype=z.dtype, device=z.device) if want else None
        pos_sum, neg_sum = z.new_zeros(()), z.new_zeros(())
        ones = z.new_ones(z.size(1))  # row sums as a matrix-vector product
        pos_grad = z.new_empty(num_pos) if want else None
        for start in range(0, num_pos, chunk):
            part = slice(start, start + chunk)
            zr = z.index_select(0, pos.row[part])
            logit = zr.mul_(z.index_select(0, pos.col[part])) @ ones
            pos_sum += F.logsigmoid(logit).sum()
            if want:  # d(-log sigmoid(x))/dx = sigmoid(x) - 1
                pos_grad[part] = torch.sigmoid(logit).sub_(1.0).div_(num_pos)
        neg_row, neg_col = neg[0], neg[1]
        for start in range(0, num_neg, chunk):
            part = slice(start, start + chunk)
            row, col = neg_row[part], neg_col[part]
            zr, zc = z.index_select(0, row), z.index_select(0, col)
            logit = (zr * zc) @ ones
            neg_sum += F.logsigmoid(-logit).sum()
            if want:  # d(-log(1 - sigmoid(x)))/dx = sigmoid(x)
                g = torch.sigmoid(logit).div_(num_neg).unsqueeze(-1)
                grad.index_add_(0, row, zc.mul_(g))
                grad.index_add_(0, col, zr.mul_(g))
        if want:
            grad += pos.gradient_matrix(pos_grad, n) @ z
            ctx.save_for_backward(grad)
        return -(pos_sum / num_pos) - (neg_sum / num_neg)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):
        return ctx.saved_tensors[0] * grad_out, None, None, None


def sampled_objective(
    decoder: torch.nn.Module,
    z: Tensor,
    pos_edge_index: Tensor,
    neg_edge_index: Tensor,
    *,
    chunk_size: Optional[int] = None,
    pair_loss: str = 'bce',
) -> Tensor:
    r"""Unchecked :func:`sampled_recon_loss` of :obj:`decoder`'s logits for the positive and negative pairs.

    With :obj:`pair_loss='bpr'` it is :func:`ranking_recon_loss` of the
    logits instead (negative :math:`j` against positive :math:`j \bmod |P|`,
    through the decoder on the pairs as given). For the cross-entropy and an
    :class:`InnerProductDecoder` the whole loss is one fused autograd node
    with the positives' :class:`PairIndex` cached per :obj:`pos_edge_index`
    (:func:`positive_pair_index`), evaluated :obj:`chunk_size` pairs at a time
    (default: :obj:`PAIR_CHUNK_ELEMENTS // channels`; not twice differentiable);
    other decoders go through :func:`pair_logits`.
    """
    if check_pair_loss(pair_loss) == 'bpr':
        return ranking_recon_loss(
            decoder(z, pos_edge_index, sigmoid=False),
            decoder(z, neg_edge_index, sigmoid=False),
        )
    if isinstance(decoder, InnerProductDecoder):
        if chunk_size is None:
            chunk_size = max(1, PAIR_CHUNK_ELEMENTS // max(1, z.size(1)))
        chunk_size = check_positive_int(chunk_size, 'chunk_size')
        n = z.size(0)
        index = _cached_positive_index(pos_edge_index, n)
        return _InnerProductBCE.apply(z, index, neg_edge_index.long(), chunk_size)
    return sampled_recon_loss(*pair_logits(decoder, z, pos_edge_index, neg_edge_index))


__all__ = [
    'PAIR_CHUNK_ELEMENTS',
    'PAIR_LOSSES',
    'check_pair_loss',
    'sampled_recon_loss',
    'ranking_recon_loss',
    'positive_pair_index',
    'pair_logits',
    'sampled_objective',
]
