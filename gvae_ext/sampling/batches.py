r"""Shuffled column batches of node pairs, for mini-batch link training."""

from typing import Iterator, Optional

import torch
from torch import Tensor

from gvae_ext._checks import check_edge_index, check_generator
from gvae_ext._checks import check_positive_int as _check_int


def link_batches(
    pairs: Tensor,
    batch_size: int,
    *,
    shuffle: bool = True,
    generator: Optional[torch.Generator] = None,
) -> Iterator[Tensor]:
    r"""Iterate over column batches of :obj:`pairs` (the last may be smaller).

    Args:
        pairs (LongTensor): The pairs, :obj:`[2, num_pairs]`.
        batch_size (int): Columns per batch.
        shuffle (bool, optional): Visit the columns in a random order.
            (default: :obj:`True`)
        generator (torch.Generator, optional): The random generator of the
            shuffle, on the device of :obj:`pairs`. (default: :obj:`None`)

    Examples:
        >>> pairs = torch.tensor([[0, 1, 2], [1, 2, 3]])
        >>> [b.tolist() for b in link_batches(pairs, 2, shuffle=False)]
        [[[0, 1], [1, 2]], [[2], [3]]]
    """
    check_edge_index(pairs, name='pairs')
    batch_size = _check_int(batch_size, 'batch_size')
    generator = check_generator(generator, device=pairs.device, of='the graph')
    num = pairs.size(1)
    perm = None
    if shuffle:
        perm = torch.randperm(num, generator=generator, device=pairs.device)

    def batches() -> Iterator[Tensor]:
        for begin in range(0, num, batch_size):
            if perm is None:
                yield pairs[:, begin : begin + batch_size]
            else:
                yield pairs[:, perm[begin : begin + batch_size]]

    return batches()


__all__ = ['link_batches']
