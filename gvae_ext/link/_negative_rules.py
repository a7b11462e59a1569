r"""PyG's argument rules shared by the negative samplers of :mod:`gvae_ext.link`.

The :obj:`method` names, the :obj:`num_neg_samples` count rule, the pair
space a call samples from, and PyG's two-direction undirected layout.
"""

import math
import warnings
from numbers import Integral
from typing import Union

import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int

METHODS = ('sparse', 'dense')
Count = Union[int, float, None]


def check_method(method) -> None:
    r"""Raise unless :obj:`method` is one of PyG's :data:`METHODS`."""
    if method not in METHODS:
        raise ValueError(f"'method' must be 'sparse' or 'dense' (got {method!r})")


def resolve_count(num_neg_samples: Count, num_edges: int) -> int:
    r"""PyG's count rule.

    :obj:`None` is :obj:`num_edges`, a float :math:`r` is :math:`\lfloor r \cdot
    \text{num\_edges} \rfloor`, an int is a count.
    """
    if num_neg_samples is None:
        return num_edges
    if isinstance(num_neg_samples, float):
        if not (math.isfinite(num_neg_samples) and num_neg_samples >= 0):
            raise ValueError(
                "'num_neg_samples' must be a non-negative integer or ratio "
                f'(got {num_neg_samples})'
            )
        return int(num_neg_samples * num_edges)
    if isinstance(num_neg_samples, Integral):
        return check_positive_int(num_neg_samples, 'num_neg_samples', allow_zero=True)
    raise ValueError(
        "'num_neg_samples' must be a non-negative integer or ratio "
        f'(got {num_neg_samples!r})'
    )


def num_columns(edge_index: Tensor) -> int:
    r"""The number of pairs of a (possibly empty, possibly 1-D) edge index."""
    return edge_index.size(1) if edge_index.dim() == 2 else 0


def kind(bipartite: bool, force_undirected: bool) -> str:
    r"""The pair space: :obj:`'bipartite'`, :obj:`'undirected'` or :obj:`'directed'`."""
    if bipartite:
        if force_undirected:
            warnings.warn(
                "'force_undirected' is ignored for bipartite graphs (as in PyG)",
                stacklevel=3,
            )
        return 'bipartite'
    return 'undirected' if force_undirected else 'directed'


def both_directions(pairs: Tensor) -> Tensor:
    r"""PyG's undirected output: the pairs, then the same pairs reversed."""
    return torch.cat([pairs, pairs.flip(0)], dim=1)
