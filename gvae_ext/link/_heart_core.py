r"""The per-chunk machinery behind :func:`~gvae_ext.link.heart.hard_negatives`.

For a chunk of positives, every fixed endpoint gets one dense row of
candidate scores per heuristic (``[rows, N]``), the rows are turned into
competition ranks among the eligible candidates, merged, and the best
candidates are taken with :func:`torch.topk` after a random tie-break.
"""

import torch
from torch import Tensor

from gvae_ext.link import _adjacency as adjacency


def score_rows(ctx, name: str, fixed: Tensor, num_tail: int) -> Tensor:
    r"""Score heuristic ``name`` of every candidate, ``[len(fixed), N]``.

    Rows below ``num_tail`` score the pairs ``(fixed, c)``, the others the
    pairs ``(c, fixed)``.
    """
    adj = ctx['adj']
    if name in ('cn', 'aa', 'ra'):  # symmetric
        return adjacency.two_hop_rows(adj, fixed, adjacency.node_weight(adj, name))
    if name == 'cosine':
        return ctx['feats'].against_all(fixed).t()
    rows = adjacency.ppr_columns(adj, fixed, ctx['alpha'], ctx['tol']).t()
    nodes = torch.arange(adj.num_nodes, device=fixed.device)
    head = fixed[num_tail:].unsqueeze(1)
    rows[num_tail:] = adjacency.reverse_ppr(adj, rows[num_tail:], head, nodes)
    return rows


def eligible_mask(excluded: adjacency.Adjacency, fixed: Tensor) -> Tensor:
    r"""Mask the candidates of every row, ``[len(fixed), N]``.

    ``False`` at the node itself and at its excluded neighbours.
    """
    n = excluded.num_nodes
    mask = torch.ones(fixed.numel() * n, dtype=torch.bool, device=fixed.device)
    owner, nbr = adjacency.expand_rows(excluded, fixed, excluded.deg[fixed])
    mask[owner * n + nbr] = False
    mask[torch.arange(fixed.numel(), device=fixed.device) * n + fixed] = False
    return mask.view(fixed.numel(), n)


def competition_ranks(score: Tensor, eligible: Tensor) -> Tensor:
    r"""Rank the eligible candidates of every row by decreasing score.

    Competition ranks (the number of strictly higher eligible scores); ``N``
    where the score is not positive (the heuristic says nothing there).
    """
    n = score.size(1)
    score = torch.where(eligible, score, float('-inf'))
    ordered = torch.sort(score, dim=1).values
    rank = n - torch.searchsorted(ordered, score, right=True)
    return torch.where(eligible & (score > 0), rank, n)


def select_candidates(
    ranks: list[Tensor], eligible: Tensor, merge: str, sizes, generator
) -> tuple[Tensor, Tensor]:
    stack = torch.stack(ranks).to(torch.float64)
    merged = stack.amin(0) if merge == 'min' else stack.sum(0)
    # A uniform tie-break: equal merged ranks (and every candidate no
    # heuristic scores) come in random order.
    noise = torch.rand(merged.shape, generator=generator, device=merged.device)
    key = torch.where(eligible, merged + noise.to(torch.float64), float('inf'))
    half = eligible.size(0) // 2
    tail = torch.topk(key[:half], sizes[0], dim=1, largest=False).indices
    head = torch.topk(key[half:], sizes[1], dim=1, largest=False).indices
    return tail, head


def check_room(eligible: Tensor, sizes, pos: Tensor) -> None:
    half = eligible.size(0) // 2
    room = eligible.sum(1)
    need = torch.tensor(sizes, device=room.device).repeat_interleave(half)
    short = (room < need).nonzero().view(-1)
    if short.numel():
        i = int(short[0])
        u, v = pos[:, i % half].tolist()
        raise ValueError(
            f"'num_neg' asks for {int(need[i])} negatives per side, but positive "
            f'({u}, {v}) has only {int(room[i])} eligible candidates '
            f'(got num_neg={sum(sizes)})'
        )


def chunk_negatives(ctx, chunk: Tensor, generator) -> Tensor:
    r"""The negatives ``[C, K, 2]`` of the positives ``chunk`` (``[2, C]``)."""
    fixed = torch.cat([chunk[0], chunk[1]])
    sizes = ctx['sizes']
    eligible = eligible_mask(ctx['excluded'], fixed)
    check_room(eligible, sizes, chunk)
    ranks = [
        competition_ranks(score_rows(ctx, h, fixed, chunk.size(1)), eligible)
        for h in ctx['names']
    ]
    tail, head = select_candidates(ranks, eligible, ctx['merge'], sizes, generator)
    a, b = chunk.unsqueeze(2)
    return torch.cat(
        [
            torch.stack([a.expand_as(tail), tail], -1),
            torch.stack([head, b.expand_as(head)], -1),
        ],
        dim=1,
    )
