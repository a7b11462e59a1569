r"""The inner-product decoder of `"Variational Graph Auto-Encoders" <https://arxiv.org/abs/1611.07308>`_, with PyG's method names."""

from collections.abc import Iterator

import torch
from torch import Tensor

from gvae_ext._cache import TensorCache
from gvae_ext._checks import check_edge_index, check_positive_int
from gvae_ext.nn._pair_dot import PairIndex, check_embedding, inner_product, pair_index

DEFAULT_CHUNK_SIZE = 2**16


class InnerProductDecoder(torch.nn.Module):
    r"""The inner-product decoder.

    .. math::
        p(A_{ij} = 1 \mid \mathbf{z}_i, \mathbf{z}_j) =
        \sigma(\mathbf{z}_i^\top \mathbf{z}_j)

    Node indices are validated against :obj:`z.size(0)` once per
    :obj:`edge_index` tensor (and in-place version), so scoring the same
    edges every epoch costs no extra host synchronisation.
    """

    def __init__(self):
        super().__init__()
        self._checked = TensorCache(maxsize=8)

    def check_edge_index(self, z: Tensor, edge_index: Tensor, name: str = 'edge_index'):
        r"""Validate :obj:`z` and :obj:`edge_index` (cached per tensor)."""
        check_embedding(z)
        num_nodes = z.size(0)
        self._checked.get(
            edge_index,
            (name, num_nodes),
            lambda: check_edge_index(edge_index, num_nodes, name=name),
        )

    def forward(self, z: Tensor, edge_index: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Score the pairs of :obj:`edge_index`.

        Args:
            z (torch.Tensor): The embeddings, :obj:`[num_nodes, channels]`.
            edge_index (LongTensor): The pairs, :obj:`[2, num_pairs]`.
            sigmoid (bool, optional): Return probabilities rather than logits.
                (default: :obj:`True`)

        :rtype: :class:`torch.Tensor` of shape :obj:`[num_pairs]`
        """
        self.check_edge_index(z, edge_index)
        value = inner_product(z, edge_index)
        return torch.sigmoid(value) if sigmoid else value

    def forward_all(self, z: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Score all :math:`N^2` pairs: :math:`\sigma(\mathbf{Z}\mathbf{Z}^\top)`.

        Needs :math:`O(N^2)` memory; see :meth:`score_chunks` for large graphs.

        :rtype: :class:`torch.Tensor` of shape :obj:`[num_nodes, num_nodes]`
        """
        check_embedding(z)
        adj = z @ z.t()
        return torch.sigmoid(adj) if sigmoid else adj

    def score(
        self,
        z: Tensor,
        edge_index: Tensor,
        *,
        sigmoid: bool = True,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Tensor:
        r"""Score many pairs, :obj:`chunk_size` pairs at a time.

        Same values as :meth:`forward`, but the gathered embeddings take
        :math:`O(\text{chunk\_size} \cdot d)` memory instead of
        :math:`O(\text{num\_pairs} \cdot d)` (the result itself is
        :obj:`[num_pairs]`). Meant for evaluation, e.g. under
        :func:`torch.no_grad`.

        Args:
            z (torch.Tensor): The embeddings, :obj:`[num_nodes, channels]`.
            edge_index (LongTensor): The pairs, :obj:`[2, num_pairs]`.
            sigmoid (bool, optional): Return probabilities rather than logits.
                (default: :obj:`True`)
            chunk_size (int, optional): Pairs per chunk.
                (default: :obj:`65536`)
        """
        chunk_size = check_positive_int(chunk_size, 'chunk_size')
        self.check_edge_index(z, edge_index)
        out = torch.cat(
            [inner_product(z, part) for part in edge_index.split(chunk_size, dim=1)]
            or [z.new_empty(0)]
        )
        return torch.sigmoid(out) if sigmoid else out

    def score_chunks(
        self, z: Tensor, *, sigmoid: bool = True, chunk_size: int = 1024
    ) -> Iterator[tuple[int, Tensor]]:
        r"""Yield :obj:`(start, block)` with :obj:`block` the rows :obj:`start:start + chunk_size`.

        The blocks are the rows of :meth:`forward_all`, so every pair can be
        visited in :math:`O(\text{chunk\_size} \cdot N)` memory.

        Args:
            z (torch.Tensor): The embeddings, :obj:`[num_nodes, channels]`.
            sigmoid (bool, optional): Return probabilities rather than logits.
                (default: :obj:`True`)
            chunk_size (int, optional): Rows per block. (default: :obj:`1024`)
        """
        chunk_size = check_positive_int(chunk_size, 'chunk_size')
        check_embedding(z)
        for start in range(0, z.size(0), chunk_size):
            block = z[start : start + chunk_size] @ z.t()
            yield start, torch.sigmoid(block) if sigmoid else block

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'


class MLPDecoder(torch.nn.Module):
    r"""A learned pair decoder (opt-in; MaskGAE's edge decoder): an MLP on the elementwise product of the two embeddings.

    .. math::
        p(A_{ij} = 1 \mid \mathbf{z}_i, \mathbf{z}_j) =
        \sigma\big(\mathrm{MLP}(\mathbf{z}_i \odot \mathbf{z}_j)\big)

    The score is symmetric in :math:`i, j`, like the inner product (which is
    the MLP that sums the product's entries).

    Args:
        in_channels (int): The embedding size.
        hidden_channels (int, optional): The hidden layer's size.
            (default: :obj:`64`)
        dropout (float, optional): Dropout before each layer during training.
            (default: :obj:`0.2`)
    """

    def __init__(
        self, in_channels: int, hidden_channels: int = 64, dropout: float = 0.2
    ):
        super().__init__()
        self.in_channels = check_positive_int(in_channels, 'in_channels')
        self.hidden_channels = check_positive_int(hidden_channels, 'hidden_channels')
        if isinstance(dropout, bool) or not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"'dropout' must be a float in [0, 1) (got {dropout!r})")
        self.dropout = float(dropout)
        self.lin1 = torch.nn.Linear(self.in_channels, self.hidden_channels)
        self.lin2 = torch.nn.Linear(self.hidden_channels, 1)

    def reset_parameters(self) -> None:
        r"""Reset both layers."""
        self.lin1.reset_parameters()
        self.lin2.reset_parameters()

    def _logits(self, h: Tensor) -> Tensor:
        p = self.dropout if self.training else 0.0
        h = torch.nn.functional.dropout(h, p, self.training)
        h = self.lin1(h).relu()
        return self.lin2(torch.nn.functional.dropout(h, p, self.training)).view(-1)

    def forward(self, z: Tensor, edge_index: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Score the pairs :obj:`edge_index`.

        Args:
            z (torch.Tensor): The embeddings, :obj:`[num_nodes, in_channels]`.
            edge_index (LongTensor): The pairs, :obj:`[2, num_pairs]`.
            sigmoid (bool, optional): Return probabilities rather than
                logits. (default: :obj:`True`)

        Returns:
            torch.Tensor: The :obj:`[num_pairs]` scores.
        """
        check_embedding(z)
        check_edge_index(edge_index, z.size(0), name='edge_index')
        out = self._logits(z[edge_index[0]] * z[edge_index[1]])
        return torch.sigmoid(out) if sigmoid else out

    def forward_all(self, z: Tensor, sigmoid: bool = True) -> Tensor:
        r"""Score all :math:`N^2` pairs (:math:`O(N^2 \cdot d)` memory).

        Args:
            z (torch.Tensor): The embeddings, :obj:`[num_nodes, in_channels]`.
            sigmoid (bool, optional): Return probabilities. (default: :obj:`True`)

        Returns:
            torch.Tensor: The :obj:`[num_nodes, num_nodes]` scores.
        """
        check_embedding(z)
        n = z.size(0)
        out = self._logits((z.unsqueeze(1) * z.unsqueeze(0)).view(n * n, -1))
        out = out.view(n, n)
        return torch.sigmoid(out) if sigmoid else out

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}({self.in_channels}, '
            f'{self.hidden_channels}, dropout={self.dropout})'
        )


__all__ = [
    'InnerProductDecoder',
    'MLPDecoder',
    'PairIndex',
    'check_embedding',
    'inner_product',
    'pair_index',
]
