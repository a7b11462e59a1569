r"""The node-sampled dense objective of `"FastGAE.

Scalable graph autoencoders with stochastic subgraph decoding"
<https://arxiv.org/abs/2002.01910>`_ (Salha et al., Neural Networks 2021).

Each step draws :math:`n` distinct nodes :math:`S` with probabilities
proportional to :math:`\deg(i)^\alpha` (:func:`degree_biased_sample`) and
evaluates Kipf and Welling's weighted cross-entropy
(:func:`~gvae_ext.nn.objectives.dense_recon_loss`) on the subgraph induced
by :math:`S` only: logits :math:`Z_S Z_S^\top` against :math:`(A + I)_{SS}`,
with :math:`\mathrm{pos\_weight}` and :math:`\mathrm{norm}` computed on that
:math:`n \times n` subgraph (:func:`fastgae_recon_loss`). The encoder still
runs on the whole graph; only the decoder is subsampled. A step costs
:math:`O(n^2 d + E)` time and :math:`O(n d + E + N)` memory
(:math:`O(n^2)` for a decoder without a chunked path), never :math:`O(N^2)`.
"""

import math
from typing import Optional

import torch
from torch import Tensor

from gvae_ext._cache import TensorCache
from gvae_ext._checks import check_edge_index, check_generator, check_positive_int
from gvae_ext.nn.decoders import InnerProductDecoder, check_embedding
from gvae_ext.nn.objectives.dense import (
    DenseTargets,
    dense_objective,
    dense_recon_loss,
    dense_recon_loss_from_logits,
    targets_from_pairs,
)

# Degree given to nodes without edges, so that they can still be drawn once
# the nodes with edges are (nearly) exhausted; see degree_biased_sample.
DEGREE_FLOOR = 1e-3
_CACHE = TensorCache(maxsize=4)
_INNER_PRODUCT = InnerProductDecoder()


def check_alpha(alpha, name: str = 'alpha') -> float:
    r"""Return :obj:`alpha` as a float if it is a finite number :math:`\ge 0`."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
        raise ValueError(f"'{name}' must be a number (got {alpha!r})")
    if not (math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"'{name}' must be finite and non-negative (got {alpha!r})")
    return float(alpha)


def _graph(edge_index: Tensor, num_nodes: int, name: str = 'edge_index'):
    r"""The distinct off-diagonal entries :obj:`(row, col)` of :obj:`edge_index` and the node degrees.

    The degrees are float64; both are cached per tensor.
    """

    def build():
        check_edge_index(edge_index, num_nodes, name=name)
        row, col = edge_index.long()
        keep = row != col
        ids = torch.unique(row[keep] * num_nodes + col[keep])
        row, col = ids // num_nodes, ids % num_nodes
        deg = torch.bincount(row, minlength=num_nodes)
        deg = (deg + torch.bincount(col, minlength=num_nodes)).double() / 2
        return row, col, deg

    return _CACHE.get(edge_index, ('fastgae', num_nodes), build)


def degree_biased_sample(
    edge_index: Tensor,
    num_nodes: int,
    num_samples: int,
    alpha: float = 1.0,
    *,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Draw :obj:`num_samples` distinct nodes.

    Node :math:`i` with probability proportional to :math:`\deg(i)^\alpha` at each
    successive draw (FastGAE's node sampling: :obj:`alpha=0` is uniform,
    :obj:`alpha=1` their best setting).

    :math:`\deg(i)` is the mean of the in- and out-degree over the distinct
    off-diagonal entries of :obj:`edge_index` -- the degree of an undirected
    graph listing both directions; duplicates and self-loops are ignored.
    Nodes without edges count as having degree :obj:`DEGREE_FLOOR`
    (:math:`10^{-3}`): for :math:`\alpha > 0` they are practically never
    drawn while nodes with edges remain (as in the paper, where their weight
    is 0), yet a sample larger than the number of nodes with edges is still
    possible. The draw uses exponential keys
    :math:`E_i / w_i` and keeps the :obj:`num_samples` smallest -- the
    scheme of :func:`torch.multinomial` without replacement, without its
    :math:`2^{24}`-category limit. Degrees are cached per
    :obj:`edge_index` tensor.

    Args:
        edge_index (LongTensor): The graph, :obj:`[2, num_edges]`.
        num_nodes (int): The number of nodes :math:`N`.
        num_samples (int): How many nodes to draw, at most :obj:`num_nodes`.
        alpha (float, optional): The exponent :math:`\alpha \ge 0`.
            (default: :obj:`1.0`)
        generator (torch.Generator, optional): On the device of
            :obj:`edge_index`. (default: :obj:`None`)

    :rtype: :class:`LongTensor` of :obj:`num_samples` node ids in increasing
        order, on the device of :obj:`edge_index`
    """
    num_nodes = check_positive_int(num_nodes, 'num_nodes')
    num_samples = check_positive_int(num_samples, 'num_samples')
    if num_samples > num_nodes:
        raise ValueError(
            f"'num_samples' must be at most 'num_nodes'={num_nodes} (got {num_samples})"
        )
    alpha = check_alpha(alpha)
    _, _, deg = _graph(edge_index, num_nodes)
    generator = check_generator(generator, device=deg.device)
    # Exponential-race keys E / w with w = deg**alpha, compared in log space
    # (log E - alpha * log deg): the same order, without deg**alpha
    # overflowing to inf for a large alpha.
    log_weight = alpha * deg.clamp(min=DEGREE_FLOOR).log()
    draws = torch.empty_like(log_weight).exponential_(generator=generator)
    keys = draws.log() - log_weight
    return keys.topk(num_samples, largest=False, sorted=False).indices.sort().values


def induced_targets(edge_index: Tensor, num_nodes: int, sample: Tensor) -> DenseTargets:
    r"""The dense targets :math:`(A + I)_{SS}` of the subgraph induced by the nodes :obj:`sample`.

    The distinct nodes :obj:`sample` are relabelled :obj:`0 .. n - 1` in the order
    of :obj:`sample`, with :math:`\mathrm{pos\_weight} = (n^2 - \Sigma A_{SS}) /
    \Sigma A_{SS}` and :math:`\mathrm{norm} = n^2 / (2 (n^2 - \Sigma A_{SS}))`
    (:class:`~gvae_ext.nn.objectives.DenseTargets`). A subgraph without edges gets
    the weights of :math:`\Sigma A_{SS} = 1` (its only positives are the diagonal).
    """
    row, col, _ = _graph(edge_index, num_nodes)
    n = sample.numel()
    new_id = torch.full((num_nodes,), -1, dtype=torch.long, device=sample.device)
    new_id[sample] = torch.arange(n, device=sample.device)
    row, col = new_id[row], new_id[col]
    keep = (row >= 0) & (col >= 0)
    return targets_from_pairs(row[keep], col[keep], n)


def fastgae_recon_loss(
    decoder: Optional[torch.nn.Module],
    z: Tensor,
    pos_edge_index: Tensor,
    num_samples: int,
    alpha: float = 1.0,
    *,
    generator: Optional[torch.Generator] = None,
    chunk_size: Optional[int] = None,
) -> Tensor:
    r"""FastGAE's objective.

    The dense objective on the subgraph induced by a :func:`degree_biased_sample` of
    :obj:`num_samples` nodes.

    .. math::
        \mathcal{L} = \frac{\mathrm{norm}_S}{n^2} \sum_{i, j \in S}
        \Big[w_S\, T_{ij} \log(1 + e^{-X_{ij}})
        + (1 - T_{ij}) \log(1 + e^{X_{ij}})\Big],
        \quad T = A + I,\; X = Z Z^\top

    with :math:`w_S, \mathrm{norm}_S` from :func:`induced_targets`. Only the
    rows :obj:`z[S]` receive a gradient. With :obj:`num_samples >= N` every
    node is taken and the result is exactly
    :func:`~gvae_ext.nn.objectives.dense_objective` (no random draw).

    Args:
        decoder (torch.nn.Module, optional): :obj:`None` or an
            :class:`InnerProductDecoder` for the chunked path, otherwise a
            decoder with :obj:`forward_all(z, sigmoid=False)`.
        z (torch.Tensor): The embeddings of all nodes, :obj:`[N, channels]`.
        pos_edge_index (LongTensor): The training edges (both directions).
        num_samples (int): The sample size :math:`n`.
        alpha (float, optional): The degree exponent. (default: :obj:`1.0`)
        generator (torch.Generator, optional): For the node sample.
            (default: :obj:`None`)
        chunk_size (int, optional): Rows per chunk of the inner-product path.
            (default: as :func:`~gvae_ext.nn.objectives.dense_recon_loss`)
    """
    decoder = _INNER_PRODUCT if decoder is None else decoder
    check_embedding(z)
    num_samples = check_positive_int(num_samples, 'num_samples')
    alpha = check_alpha(alpha)
    n = z.size(0)
    if num_samples >= n:
        return dense_objective(
            decoder, z, pos_edge_index, max_dense_nodes=n, chunk_size=chunk_size
        )
    is_inner = isinstance(decoder, InnerProductDecoder)
    if not is_inner and not hasattr(decoder, 'forward_all'):
        raise ValueError(
            "'decoder' must be an InnerProductDecoder or have 'forward_all' "
            f'for the fastgae objective (got {type(decoder).__name__})'
        )
    if _graph(pos_edge_index, n, 'pos_edge_index')[0].numel() == 0:
        raise ValueError(
            "'pos_edge_index' must contain at least one edge that is not a "
            'self-loop for the fastgae objective (got 0)'
        )
    sample = degree_biased_sample(
        pos_edge_index, n, num_samples, alpha, generator=generator
    )
    targets = induced_targets(pos_edge_index, n, sample)
    z_s = z[sample]
    if is_inner:
        return dense_recon_loss(z_s, targets, chunk_size=chunk_size)
    logits = decoder.forward_all(z_s, sigmoid=False)
    return dense_recon_loss_from_logits(logits, targets)


__all__ = [
    'DEGREE_FLOOR',
    'check_alpha',
    'degree_biased_sample',
    'induced_targets',
    'fastgae_recon_loss',
]
