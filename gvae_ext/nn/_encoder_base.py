r"""The shared base of the node encoders in :mod:`gvae_ext.nn.encoders`.

The first layer's product with the (possibly sparse, possibly absent) features,
the output heads, dropout, optional normalisation, the cache and :obj:`__repr__`.
"""

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter

from gvae_ext._cache import TensorCache
from gvae_ext._checks import check_positive_int, check_tensor
from gvae_ext.sparse import (
    Adj,
    SparseOperator,
    adjacency_operator,
    feature_operator,
    spmm,
)

NORMS = ('batch', 'layer')
ACTIVATIONS = ('relu', 'elu')


def _choice(value, name: str, options) -> Optional[str]:
    if value is not None and value not in options:
        raise ValueError(f"'{name}' must be one of {options} or None (got {value!r})")
    return value


def _norm(kind: Optional[str], channels: int) -> Optional[torch.nn.Module]:
    if kind is None:
        return None
    if kind == 'batch':
        return torch.nn.BatchNorm1d(channels)
    return torch.nn.LayerNorm(channels)


def _check_dropout(dropout: float) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
        raise ValueError(f"'dropout' must be a float in [0, 1) (got {dropout!r})")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"'dropout' must be a float in [0, 1) (got {dropout})")
    return float(dropout)


class _Encoder(torch.nn.Module):
    r"""Shared parts.

    The first layer's product with the (possibly sparse, possibly absent) features,
    dropout, the cache and :obj:`__repr__`.
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        out_channels: int,
        heads: Tuple[str, ...],
        dropout: float,
        bias: bool,
        input_dropout: Optional[float] = None,
        norm: Optional[str] = None,
        act: str = 'relu',
        out_act: bool = False,
        num_layers: int = 2,
    ):
        super().__init__()
        if type(num_layers) is not int or num_layers not in (1, 2):  # not bool/float
            raise ValueError(f"'num_layers' must be 1 or 2 (got {num_layers!r})")
        self.num_layers = int(num_layers)
        self.norm = _choice(norm, 'norm', NORMS)
        if act not in ACTIVATIONS:
            raise ValueError(f"'act' must be one of {ACTIVATIONS} (got {act!r})")
        self.act = act
        self.out_act = bool(out_act)
        self.in_channels = check_positive_int(in_channels, 'in_channels')
        self.hidden_channels = check_positive_int(hidden_channels, 'hidden_channels')
        self.out_channels = check_positive_int(out_channels, 'out_channels')
        self.dropout = _check_dropout(dropout)
        self.input_dropout = (
            self.dropout if input_dropout is None else _check_dropout(input_dropout)
        )
        self.heads = heads
        # With one layer the heads read the features directly: no hidden layer.
        two = self.num_layers == 2
        self.weight1 = (
            Parameter(torch.empty(self.in_channels, self.hidden_channels))
            if two
            else None
        )
        self.bias1 = (
            Parameter(torch.empty(self.hidden_channels)) if bias and two else None
        )
        head_in = self.hidden_channels if two else self.in_channels
        for head in heads:
            weight = Parameter(torch.empty(head_in, self.out_channels))
            self.register_parameter(f'weight_{head}', weight)
            b = Parameter(torch.empty(self.out_channels)) if bias else None
            self.register_parameter(f'bias_{head}', b)
        # Normalisation (optional) and activation after the hidden layer and,
        # with out_act, after the first head (z, or mu).
        self.norm1 = _norm(self.norm, self.hidden_channels) if two else None
        self.norm_out = _norm(self.norm, self.out_channels) if self.out_act else None
        self._cache = TensorCache(maxsize=6)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        r"""Glorot-uniform weights and zero biases."""
        for name, param in self.named_parameters(recurse=False):
            if name.startswith('weight'):
                torch.nn.init.xavier_uniform_(param)
            else:
                torch.nn.init.zeros_(param)
        for norm in (self.norm1, self.norm_out):
            if norm is not None:
                norm.reset_parameters()

    def _activate(self, h: Tensor, norm: Optional[torch.nn.Module]) -> Tensor:
        if norm is not None:
            h = norm(h)
        return F.elu(h) if self.act == 'elu' else h.relu()

    def _num_nodes(self, x: Optional[Tensor]) -> int:
        if x is None:
            return self.in_channels
        check_tensor(x, 'x')
        if x.dim() != 2:
            raise ValueError(
                f"'x' must be 2-D [num_nodes, in_channels] (got shape {tuple(x.shape)})"
            )
        if x.size(0) == 0:
            raise ValueError("'x' must hold at least one node (got 0 rows)")
        if x.size(1) != self.in_channels:
            raise ValueError(
                f"'x' must have in_channels={self.in_channels} columns "
                f'(got {x.size(1)})'
            )
        dtype = self._input_weight().dtype
        autocast = torch.is_autocast_enabled(x.device.type)
        if x.is_floating_point() and x.dtype != dtype and not autocast:
            raise ValueError(
                f"'x' must have the dtype of the encoder's weights ({dtype}); "
                f'convert it with x.to({dtype}) or the model with '
                f'.to(x.dtype) (got {x.dtype})'
            )
        return x.size(0)

    def _input_weight(self) -> Tensor:
        # The weight that multiplies the features: W_0, or the first head's.
        return (
            self.weight1
            if self.weight1 is not None
            else getattr(self, f'weight_{self.heads[0]}')
        )

    def _first_layer(
        self, x: Optional[Tensor], num_nodes: int, weight: Optional[Tensor] = None
    ) -> Tensor:
        r"""Dropout on the input, then :math:`X W` (:math:`W_0` by default)."""
        weight = self.weight1 if weight is None else weight
        p = self.input_dropout if self.training else 0.0
        if x is None:
            if p > 0:  # dropping entries of I drops rows of W_0
                keep = torch.ones(
                    num_nodes, 1, device=weight.device, dtype=weight.dtype
                )
                weight = weight * F.dropout(keep, p)
            return weight
        x = feature_operator(x, num_nodes, self._cache)
        if isinstance(x, SparseOperator):
            if p > 0:
                x = x.with_values(F.dropout(x.matrix.values(), p))
            return x.matmul(weight)
        return F.dropout(x, p, self.training) @ weight

    def _head_weights(self, first_only: bool) -> Tuple[Tuple[str, ...], Tensor]:
        heads = self.heads[:1] if first_only else self.heads
        weights = [getattr(self, f'weight_{head}') for head in heads]
        return heads, weights[0] if len(weights) == 1 else torch.cat(weights, dim=1)

    def _layers(
        self, x: Optional[Tensor], num_nodes: int, adj, first_only: bool = False
    ) -> Tuple[Tensor, ...]:
        r"""The heads, through the hidden layer or (one layer) from the features.

        Each layer multiplies by :obj:`adj` when one is given (the GCN) and
        not otherwise (the MLP).
        """
        heads, weight = self._head_weights(first_only)
        if self.num_layers == 1:
            return self._finish(self._first_layer(x, num_nodes, weight), adj, heads)
        h = self._propagate(adj, self._first_layer(x, num_nodes))
        if self.bias1 is not None:
            h = h + self.bias1
        h = F.dropout(self._activate(h, self.norm1), self.dropout, self.training)
        return self._finish(h @ weight, adj, heads)

    @staticmethod
    def _propagate(adj, h: Tensor) -> Tensor:
        return h if adj is None else spmm(adj, h)

    def _finish(self, out: Tensor, adj, heads) -> Tuple[Tensor, ...]:
        out = self._propagate(adj, out)
        outs = out.split(self.out_channels, dim=1)
        biases = [getattr(self, f'bias_{head}') for head in heads]
        outs = [o if b is None else o + b for o, b in zip(outs, biases)]
        if self.out_act:
            outs[0] = self._activate(outs[0], self.norm_out)
        return tuple(outs)

    def _gcn(
        self, x: Optional[Tensor], edge_index: Adj, first_only: bool = False
    ) -> Tuple[Tensor, ...]:
        r"""The GCN heads of :meth:`_layers` on the normalised adjacency."""
        num_nodes = self._num_nodes(x)
        adj = self._adjacency(x, edge_index, num_nodes)
        return self._layers(x, num_nodes, adj, first_only)

    def _adjacency(self, x: Optional[Tensor], edge_index: Adj, num_nodes: int):
        try:
            return adjacency_operator(edge_index, num_nodes, self._cache)
        except ValueError as error:
            if x is not None:
                raise
            raise ValueError(
                f'{error}; with x=None (identity features) the graph has '
                f'in_channels={self.in_channels} nodes: build the encoder with '
                'in_channels=num_nodes'
            ) from None

    def _repr_args(self) -> str:
        out = f'{self.in_channels}, {self.hidden_channels}, {self.out_channels}'
        if self.num_layers != 2:
            out += f', num_layers={self.num_layers}'
        if self.dropout > 0:
            out += f', dropout={self.dropout}'
        if self.input_dropout != self.dropout:
            out += f', input_dropout={self.input_dropout}'
        if self.bias1 is not None:
            out += ', bias=True'
        if self.norm is not None:
            out += f', norm={self.norm!r}'
        if self.act != 'relu':
            out += f', act={self.act!r}'
        if self.out_act:
            out += ', out_act=True'
        return out

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self._repr_args()})'
