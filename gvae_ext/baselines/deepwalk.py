r"""DeepWalk, the random-walk baseline of `"Variational Graph Auto-Encoders" <https://arxiv.org/abs/1611.07308>`_.

`"DeepWalk: Online Learning of Social Representations"
<https://arxiv.org/abs/1403.6652>`_ with skip-gram and negative sampling (`"Distributed
Representations of Words and Phrases" <https://arxiv.org/abs/1310.4546>`_), written in
plain torch.
"""

from typing import Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_generator, check_positive_int
from gvae_ext.baselines._graph import check_inputs, undirected
from gvae_ext.sparse.csr import crow_indices

# Positive pairs that share one draw of negatives (a batched matmul instead
# of a gather per pair; each pair still sees `num_negatives` negatives).
NEGATIVE_GROUP = 16
_READOUTS = ('sum', 'input')


def random_walks(
    edge_index: Tensor,
    num_nodes: int,
    walk_length: int = 80,
    walks_per_node: int = 10,
    *,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Uniform random walks on a graph read as simple and undirected.

    Every node with at least one neighbour starts :obj:`walks_per_node`
    walks (all nodes once, then all again, ...); each step moves to a
    uniformly chosen neighbour. Isolated nodes start no walk. All walks
    advance together, one vectorised step at a time, on a CSR adjacency on
    the device of :obj:`edge_index`.

    Args:
        edge_index (LongTensor): The edges :obj:`[2, num_edges]`.
        num_nodes (int): The number of nodes.
        walk_length (int, optional): Nodes per walk, the start included.
            (default: :obj:`80`)
        walks_per_node (int, optional): Walks started at each node.
            (default: :obj:`10`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    :rtype: :class:`LongTensor` of shape
        :obj:`[walks_per_node * num_non_isolated_nodes, walk_length]`

    Examples:
        >>> edge_index = torch.tensor([[0, 1], [1, 2]])
        >>> random_walks(edge_index, 4, walk_length=3, walks_per_node=2).shape
        torch.Size([6, 3])
    """
    num_nodes, _ = check_inputs(edge_index, num_nodes, 1, generator)
    walk_length = check_positive_int(walk_length, 'walk_length')
    walks_per_node = check_positive_int(walks_per_node, 'walks_per_node')
    row, col = undirected(edge_index, num_nodes)
    return _walks(row, col, num_nodes, walk_length, walks_per_node, generator)


def _walks(row, col, num_nodes, walk_length, walks_per_node, generator) -> Tensor:
    rowptr = crow_indices(row, num_nodes)
    deg = rowptr[1:] - rowptr[:-1]
    start = torch.nonzero(deg > 0).view(-1).repeat(walks_per_node)
    walks = start.new_empty(start.numel(), walk_length)
    walks[:, 0] = current = start
    for step in range(1, walk_length):
        draw = torch.rand(current.numel(), generator=generator, device=row.device)
        d = deg[current]
        offset = torch.minimum((draw * d).long(), d - 1)
        current = col[rowptr[current] + offset]
        walks[:, step] = current
    return walks


def _contexts(token: Tensor, walk_length: int, window_size: int, generator):
    r"""One context position per token: word2vec's dynamic window.

    The radius :math:`b` is uniform in :math:`1..\text{window}`; the context
    is uniform among the positions within :math:`b` of the token, inside its
    walk (never the token itself).
    """
    pos = token % walk_length
    radius = torch.randint(
        1, window_size + 1, token.shape, generator=generator, device=token.device
    )
    left = torch.minimum(radius, pos)
    right = torch.minimum(radius, walk_length - 1 - pos)
    draw = torch.rand(token.shape, generator=generator, device=token.device)
    pick = torch.minimum((draw * (left + right)).long(), left + right - 1)
    return token + torch.where(pick < left, pick - left, pick - left + 1)


def _sgns_step(emb, ctx, center, context, cdf, num_negatives, lr, group, generator):
    r"""One SGD step of skip-gram with negative sampling (manual gradients).

    Loss per pair :math:`-\log\sigma(u_c^\top v_o) - \sum_k
    \log\sigma(-u_c^\top v_{n_k})`; the update is the summed per-pair
    gradient scaled by ``lr``, as in word2vec. Consecutive runs of ``group``
    pairs share their negatives (``center.numel()`` must be a multiple).
    """
    num, dim = center.numel(), emb.size(1)
    u, v = emb[center], ctx[context]
    grad_pos = torch.sigmoid((u * v).sum(-1, keepdim=True)) - 1.0
    draw = torch.rand(num // group, num_negatives, generator=generator, device=u.device)
    negative = torch.searchsorted(cdf, draw).clamp_(max=cdf.numel() - 1)
    v_neg = ctx[negative]  # [groups, K, dim]
    u_grouped = u.view(-1, group, dim)
    grad_neg = torch.sigmoid(torch.bmm(u_grouped, v_neg.transpose(1, 2)))
    grad_u = grad_pos * v + torch.bmm(grad_neg, v_neg).view(num, dim)
    ctx.index_add_(0, context, grad_pos * u, alpha=-lr)
    update = torch.bmm(grad_neg.transpose(1, 2), u_grouped).view(-1, dim)
    ctx.index_add_(0, negative.view(-1), update, alpha=-lr)
    emb.index_add_(0, center, grad_u, alpha=-lr)


def deepwalk_embedding(
    edge_index: Tensor,
    num_nodes: int,
    dim: int = 128,
    *,
    walk_length: int = 80,
    walks_per_node: int = 10,
    window_size: int = 10,
    num_negatives: int = 5,
    epochs: int = 1,
    lr: float = 0.025,
    batch_size: int = 8192,
    readout: str = 'sum',
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""DeepWalk node embedding: random walks and skip-gram.

    Walks come from :func:`random_walks`. Skip-gram with negative sampling
    then learns an input vector :math:`u_i` and a context vector
    :math:`v_i` per node. An epoch visits every walk position (token) once,
    in random order, in batches of :obj:`batch_size`; each token is paired
    with one context drawn from word2vec's dynamic window (radius uniform in
    :math:`1..\text{window\_size}`) and :obj:`num_negatives` negatives drawn
    from the walk-frequency distribution raised to :math:`3/4`. Training is
    plain SGD with word2vec's learning rate, decayed linearly to
    :math:`10^{-4}` of :obj:`lr`, and hand-written gradients; runs on the
    device of :obj:`edge_index` (bitwise reproducible on CPU; CUDA's atomic
    additions may differ in the last bits).

    The embedding is :math:`u_i + v_i` (:obj:`readout='sum'`; the "w + c"
    readout of `Levy et al. (2015) <https://aclanthology.org/Q15-1016/>`_,
    so that :math:`\mathbf{z}_i^\top \mathbf{z}_j` includes the trained
    pair term :math:`u_i^\top v_j + v_i^\top u_j`) or DeepWalk's own
    :math:`u_i` (:obj:`readout='input'`). Isolated nodes get zero rows.
    Memory is :math:`O(N \cdot \text{walks\_per\_node} \cdot
    \text{walk\_length})` for the walks.

    Args:
        edge_index (LongTensor): The (training) edges :obj:`[2, num_edges]`.
        num_nodes (int): The number of nodes.
        dim (int, optional): The embedding size. (default: :obj:`128`)
        walk_length (int, optional): Nodes per walk. (default: :obj:`80`)
        walks_per_node (int, optional): Walks per node. (default: :obj:`10`)
        window_size (int, optional): The largest context offset.
            (default: :obj:`10`)
        num_negatives (int, optional): Negatives per positive pair.
            (default: :obj:`5`)
        epochs (int, optional): Passes over the tokens. (default: :obj:`1`)
        lr (float, optional): The initial SGD learning rate.
            (default: :obj:`0.025`)
        batch_size (int, optional): Tokens per SGD step.
            (default: :obj:`8192`)
        readout (str, optional): :obj:`'sum'` or :obj:`'input'`.
            (default: :obj:`'sum'`)
        generator (torch.Generator, optional): The random generator, on the
            device of :obj:`edge_index`. (default: :obj:`None`)

    :rtype: :class:`torch.Tensor` of shape :obj:`[num_nodes, dim]`
        (default dtype)

    Examples:
        >>> edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
        >>> deepwalk_embedding(edge_index, 4, dim=8, walk_length=10).shape
        torch.Size([4, 8])
    """
    num_nodes, dim = check_inputs(edge_index, num_nodes, dim, generator)
    walk_length = check_positive_int(walk_length, 'walk_length')
    if walk_length < 2:
        raise ValueError(
            f"'walk_length' must be at least 2 to give context pairs (got {walk_length})"
        )
    walks_per_node = check_positive_int(walks_per_node, 'walks_per_node')
    window_size = check_positive_int(window_size, 'window_size')
    num_negatives = check_positive_int(num_negatives, 'num_negatives')
    epochs = check_positive_int(epochs, 'epochs')
    batch_size = check_positive_int(batch_size, 'batch_size')
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"'lr' must be a positive number (got {lr!r})")
    if readout not in _READOUTS:
        raise ValueError(f"'readout' must be one of {_READOUTS} (got {readout!r})")
    check_generator(generator, device=edge_index.device)

    device, dtype = edge_index.device, torch.get_default_dtype()
    emb = torch.zeros(num_nodes, dim, dtype=dtype, device=device)
    row, col = undirected(edge_index, num_nodes)
    if row.numel() == 0:
        return emb
    walks = _walks(row, col, num_nodes, walk_length, walks_per_node, generator)
    tokens = walks.view(-1)
    count = torch.bincount(tokens, minlength=num_nodes).to(torch.float64)
    noise = count.pow(0.75)
    cdf = torch.cumsum(noise / noise.sum(), 0).to(dtype)

    emb.uniform_(-0.5 / dim, 0.5 / dim, generator=generator)
    ctx = torch.zeros_like(emb)
    steps = epochs * -(-tokens.numel() // batch_size)
    step = 0
    for _ in range(epochs):
        order = torch.randperm(tokens.numel(), generator=generator, device=device)
        for batch in order.split(batch_size):
            rate = lr * max(1e-4, 1.0 - step / steps)
            context = _contexts(batch, walk_length, window_size, generator)
            center, context = tokens[batch], tokens[context]
            # Whole groups, then the remainder as one smaller group.
            cut = batch.numel() // NEGATIVE_GROUP * NEGATIVE_GROUP
            for part, group in ((slice(0, cut), NEGATIVE_GROUP), (slice(cut, None), 0)):
                size = center[part].numel()
                if size > 0:
                    _sgns_step(
                        emb,
                        ctx,
                        center[part],
                        context[part],
                        cdf,
                        num_negatives,
                        rate,
                        group or size,
                        generator,
                    )
            step += 1
    out = emb + ctx if readout == 'sum' else emb
    # Nodes no walk visits (the isolated ones) keep no random initial value.
    return out.masked_fill_((count == 0).view(-1, 1), 0.0)
