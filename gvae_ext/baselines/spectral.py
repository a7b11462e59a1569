r"""Spectral embedding, the "spectral clustering.

SC)" baseline of `"Variational Graph Auto-Encoders" <https://arxiv.org/abs/1611.07308>`_
(after Tang and Liu, `"Leveraging social media networks for classification"
<https://doi.org/10.1007/s10618-010-0210-x>`_.
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int
from gvae_ext.baselines._graph import check_inputs, connected_components, undirected
from gvae_ext.sparse import normalized_adjacency

# Graphs up to this many nodes are decomposed densely (exact and fast).
DENSE_MAX_NODES = 1024
# The embedding size when none is given (the paper's 128), capped at num_nodes.
DEFAULT_DIM = 128
# Power steps between two re-orthonormalisations of the block.
_QR_EVERY = 4


def _components_weights(row: Tensor, col: Tensor, num_nodes: int, dtype):
    r"""Component ids and the entries of the eigenvalue-1 eigenvectors.

    The leading eigenvalue of :math:`\hat{A}` on every connected component
    :math:`c` is 1, with eigenvector :math:`\hat{D}^{1/2} \mathbf{1}_c /
    \sqrt{\mathrm{vol}(c)}`; ``weight[i]`` is node ``i``'s entry in its own
    component's vector.
    """
    comp = connected_components(row, col, num_nodes)
    num_comp = int(comp.max()) + 1
    deg = (torch.bincount(row, minlength=num_nodes) + 1).to(dtype)
    vol = torch.zeros(num_comp, dtype=dtype, device=row.device).index_add_(0, comp, deg)
    return comp, num_comp, (deg / vol[comp]).sqrt()


def _column_signs(vector: Tensor) -> Tensor:
    r"""Signs making each column's largest-magnitude entry positive.

    Entries within a relative ``1e-4`` of the largest count as tied, and the
    first of them decides, so rounding noise never flips a column.
    """
    size = vector.abs()
    top = size >= (1 - 1e-4) * size.max(0, keepdim=True).values
    pivot = top.to(torch.uint8).argmax(0)  # first maximal entry
    return torch.sign(vector[pivot, torch.arange(vector.size(1), device=vector.device)])


def _deflate(x: Tensor, comp: Tensor, num_comp: int, weight: Tensor) -> Tensor:
    r"""Project the columns of ``x`` off the component indicators."""
    coef = x.new_zeros(num_comp, x.size(1)).index_add_(0, comp, weight[:, None] * x)
    return x - weight[:, None] * coef[comp]


def _dense_eigh(adj: Tensor, comp: Tensor, num_comp: int, weight: Tensor):
    dense = adj.to_dense().double()
    indicator = torch.zeros_like(dense[:, :num_comp])
    indicator[torch.arange(dense.size(0), device=dense.device), comp] = weight.double()
    # The component space has eigenvalue 1; move it to -2, below the
    # spectrum of A_hat (which lies in [-1, 1]), so it is never selected.
    dense = dense - 3.0 * indicator @ indicator.t()
    value, vector = torch.linalg.eigh(dense)
    return value.flip(0), vector.flip(1)


def _subspace_iteration(
    adj: Tensor,
    comp: Tensor,
    num_comp: int,
    weight: Tensor,
    size: int,
    num_iters: int,
    generator: Optional[torch.Generator],
):
    num_nodes = adj.size(0)
    block = torch.randn(
        num_nodes, size, generator=generator, device=weight.device, dtype=weight.dtype
    )
    block = torch.linalg.qr(_deflate(block, comp, num_comp, weight))[0]
    for step in range(1, num_iters + 1):
        block = _deflate(adj @ block, comp, num_comp, weight)
        if step % _QR_EVERY == 0 or step == num_iters:
            block = torch.linalg.qr(block)[0]
    # Rayleigh-Ritz on the converged block.
    small = block.t() @ (adj @ block)
    value, vector = torch.linalg.eigh(0.5 * (small + small.t()))
    return value.flip(0), block @ vector.flip(1)


def spectral_embedding(
    edge_index: Tensor,
    num_nodes: int,
    dim: Optional[int] = None,
    *,
    num_iters: int = 40,
    oversample: Optional[int] = None,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Spectral node embedding of a graph for link prediction.

    The graph is read as simple and undirected (see :mod:`gvae_ext.baselines`)
    and normalised as in GCN, :math:`\hat{A} = \hat{D}^{-1/2}(A + I)
    \hat{D}^{-1/2}`. The embedding holds the :obj:`dim` leading
    eigenvectors :math:`u_k` of :math:`\hat{A}` (the smallest of the
    normalised Laplacian), each scaled by its eigenvalue :math:`\lambda_k`:

    .. math::
        \mathbf{z}_i = (\lambda_1 u_{1i}, \dots, \lambda_d u_{di}),
        \qquad \mathbf{z}_i^\top \mathbf{z}_j = \sum_{k \le d}
        \lambda_k^2 u_{ki} u_{kj} \approx (\hat{A}^2)_{ij},

    so inner products approximate two-step propagation. The trivial
    eigenvectors (:math:`\lambda = 1`, one per connected component,
    constant up to degree within it) carry no information and are skipped;
    when a graph has fewer than :obj:`dim` other eigenvectors the remaining
    columns are zero. Isolated nodes get zero rows.

    Graphs of at most :obj:`DENSE_MAX_NODES` nodes are decomposed exactly
    (:func:`torch.linalg.eigh`); larger ones by block power (subspace)
    iteration with :obj:`dim + oversample` vectors, restarted off the
    trivial eigenvectors at every step, and a final Rayleigh-Ritz step --
    :math:`O(\text{num\_iters} \cdot (E + N (\text{dim} + \text{oversample})^2))`
    time, never an :math:`N \times N` matrix. Each column's sign is fixed
    (its largest-magnitude entry is positive), so the result depends on the
    seed only through the convergence of the iteration. Runs on the device
    of :obj:`edge_index`.

    Args:
        edge_index (LongTensor): The (training) edges :obj:`[2, num_edges]`.
        num_nodes (int): The number of nodes.
        dim (int, optional): The embedding size, at most :obj:`num_nodes`;
            by default :obj:`DEFAULT_DIM` (128), or :obj:`num_nodes` for a
            smaller graph. (default: :obj:`None`)
        num_iters (int, optional): Power steps of the iterative solver.
            (default: :obj:`40`)
        oversample (int, optional): Extra vectors of the iterative solver,
            which speed up its convergence. (default: :obj:`dim`)
        generator (torch.Generator, optional): Draws the starting block of
            the iterative solver. (default: :obj:`None`)

    :rtype: :class:`torch.Tensor` of shape :obj:`[num_nodes, dim]`
        (default dtype)

    Examples:
        >>> edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
        >>> spectral_embedding(edge_index, 4, dim=2).shape
        torch.Size([4, 2])
    """
    default_dim = dim is None
    num_nodes, dim = check_inputs(
        edge_index, num_nodes, DEFAULT_DIM if default_dim else dim, generator
    )
    if default_dim:
        dim = min(dim, num_nodes)
    elif dim > num_nodes:
        raise ValueError(f"'dim' must be at most 'num_nodes' ({num_nodes}) (got {dim})")
    num_iters = check_positive_int(num_iters, 'num_iters')
    oversample = dim if oversample is None else oversample
    oversample = check_positive_int(oversample, 'oversample', allow_zero=True)
    device = edge_index.device
    dtype = torch.get_default_dtype()
    out = torch.zeros(num_nodes, dim, dtype=dtype, device=device)

    row, col = undirected(edge_index, num_nodes)
    comp, num_comp, weight = _components_weights(row, col, num_nodes, dtype)
    # Eigenvectors left once the component indicators are taken out.
    free = num_nodes - num_comp
    k = min(dim, free)
    if k == 0:
        return out
    adj = normalized_adjacency(torch.stack([row, col]), num_nodes, dtype=dtype)
    size = min(k + oversample, free)
    if num_nodes <= DENSE_MAX_NODES or 2 * size >= free:
        value, vector = _dense_eigh(adj, comp, num_comp, weight)
    else:
        value, vector = _subspace_iteration(
            adj, comp, num_comp, weight, size, num_iters, generator
        )
    value, vector = value[:k], vector[:, :k]
    sign = _column_signs(vector)
    out[:, :k] = (vector * (sign * value)).to(dtype)
    # Exact zeros for isolated nodes (numerically tiny already).
    out[weight == 1] = 0
    return out
