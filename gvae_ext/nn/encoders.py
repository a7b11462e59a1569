r"""GCN encoders of `"Variational Graph Auto-Encoders" <https://arxiv.org/abs/1611.07308>`_ (Kipf and Welling, 2016), and an MLP baseline.

.. math::
    \mathbf{H} = \mathrm{ReLU}(\hat{A} \mathbf{X} \mathbf{W}_0), \qquad
    \boldsymbol{\mu} = \hat{A} \mathbf{H} \mathbf{W}_\mu, \qquad
    \log \boldsymbol{\sigma} = \hat{A} \mathbf{H} \mathbf{W}_\sigma

with :math:`\hat{A} = D^{-1/2}(A + I)D^{-1/2}` built once per graph and cached
(:mod:`gvae_ext.sparse`). Every encoder takes :obj:`forward(x, edge_index)`:

* :obj:`x` is a dense or sparse :obj:`[num_nodes, in_channels]` matrix, or
  :obj:`None` for identity features (the featureless GAE*/VGAE*, with
  :obj:`in_channels = num_nodes`: :math:`\hat{A} I W_0 = \hat{A} W_0`). Sparse
  features, and dense ones that are mostly zeros, are multiplied sparsely.
* :obj:`edge_index` is a :obj:`[2, num_edges]` edge list or an already
  normalised adjacency (torch sparse tensor, :class:`torch_sparse.SparseTensor`
  or :class:`gvae_ext.sparse.SparseOperator`), used as it is.

Gradients do not flow into :obj:`x` unless :obj:`x` requires grad (then it is
multiplied densely).
"""

from typing import Optional, Tuple, Union

from torch import Tensor

from gvae_ext.nn._encoder_base import ACTIVATIONS as ACTIVATIONS
from gvae_ext.nn._encoder_base import NORMS as NORMS
from gvae_ext.nn._encoder_base import _Encoder
from gvae_ext.sparse import Adj


class _GCNEncoder(_Encoder):
    r"""The constructor both GCN encoders share; :attr:`HEADS` names the outputs."""

    HEADS: Tuple[str, ...] = ()

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int = 32,
        out_channels: int = 16,
        *,
        dropout: float = 0.0,
        bias: bool = False,
        input_dropout: Optional[float] = None,
        norm: Optional[str] = None,
        act: str = 'relu',
        out_act: bool = False,
        num_layers: int = 2,
    ):
        super().__init__(
            in_channels,
            hidden_channels,
            out_channels,
            self.HEADS,
            dropout,
            bias,
            input_dropout,
            norm,
            act,
            out_act,
            num_layers,
        )

    def embed(self, x: Optional[Tensor], edge_index: Adj) -> Tensor:
        r"""The first head alone: :obj:`z`, or a VGAE's :obj:`mu`.

        In eval mode, what evaluation scores (equal to :meth:`forward`'s first
        output up to float rounding); the variational encoder's :obj:`logstd`
        head is not computed. In training mode dropout applies as in
        :meth:`forward`. Arguments as in :meth:`forward`.

        Returns:
            torch.Tensor: :obj:`[N, out_channels]`.
        """
        return self._gcn(x, edge_index, first_only=True)[0]


class GCNEncoder(_GCNEncoder):
    r"""The two-layer GCN encoder of the (non-variational) graph auto-encoder.

    .. math::
        \mathbf{Z} = \hat{A}\,\mathrm{ReLU}(\hat{A}\mathbf{X}\mathbf{W}_0)\,
        \mathbf{W}_1

    Weights are Glorot-uniform, without biases by default (as the original).

    Args:
        in_channels (int): Input features per node (:obj:`num_nodes` for
            identity features, :obj:`x=None`).
        hidden_channels (int, optional): Size of the hidden layer.
            (default: :obj:`32`)
        out_channels (int, optional): Size of the embedding.
            (default: :obj:`16`)
        dropout (float, optional): Dropout on the input of each layer during
            training. (default: :obj:`0.0`)
        input_dropout (float, optional): A different dropout rate for the
            node features (the first layer's input); :obj:`None` uses
            :obj:`dropout`. (default: :obj:`None`)
        bias (bool, optional): Add a learnable bias after each propagation.
            (default: :obj:`False`)
        norm (str, optional): :obj:`'layer'` or :obj:`'batch'` normalisation
            before each activation, or :obj:`None`. (default: :obj:`None`)
        act (str, optional): The activation, :obj:`'relu'` or :obj:`'elu'`.
            (default: :obj:`'relu'`)
        out_act (bool, optional): Normalise and activate the output
            (:obj:`z`, or :obj:`mu` of a VGAE) as well, as MaskGAE does.
            (default: :obj:`False`)
        num_layers (int, optional): :obj:`2` (the GCN above) or :obj:`1`:
            no hidden layer, the heads propagate the features once,
            :math:`\mathbf{Z} = \hat{A}\mathbf{X}\mathbf{W}` (normalised and
            activated with :obj:`out_act`; MaskGAE's link-prediction encoder),
            and :obj:`hidden_channels` is unused. (default: :obj:`2`)

    Shapes:
        - **input:** :obj:`x` :obj:`[num_nodes, in_channels]` or :obj:`None`,
          :obj:`edge_index` :obj:`[2, num_edges]` or an adjacency
          :obj:`[num_nodes, num_nodes]`
        - **output:** :obj:`z` :obj:`[num_nodes, out_channels]`
    """

    HEADS = ('z',)

    def forward(self, x: Optional[Tensor], edge_index: Adj) -> Tensor:
        r"""Encode the nodes.

        Args:
            x (torch.Tensor, optional): Node features :obj:`[N, in_channels]`,
                dense or sparse, or :obj:`None` for identity features.
            edge_index (torch.Tensor or SparseTensor): The graph, :obj:`[2, E]`.

        Returns:
            torch.Tensor: The embeddings :obj:`z`, :obj:`[N, out_channels]`.
        """
        return self._gcn(x, edge_index)[0]


class VariationalGCNEncoder(_GCNEncoder):
    r"""The GCN encoder of the variational graph auto-encoder.

    A shared first layer and two heads, :math:`\boldsymbol{\mu}` and
    :math:`\log\boldsymbol{\sigma}` (the log of the standard deviation, see
    :mod:`gvae_ext.variational`). Arguments as in :class:`GCNEncoder`.

    Shapes:
        - **output:** :obj:`(mu, logstd)`, each :obj:`[num_nodes, out_channels]`
    """

    HEADS = ('mu', 'logstd')

    def forward(self, x: Optional[Tensor], edge_index: Adj) -> Tuple[Tensor, Tensor]:
        r"""Encode the nodes into the parameters of :math:`q(\mathbf{z})`.

        Args:
            x (torch.Tensor, optional): Node features :obj:`[N, in_channels]`,
                dense or sparse, or :obj:`None` for identity features.
            edge_index (torch.Tensor or SparseTensor): The graph, :obj:`[2, E]`.

        Returns:
            (torch.Tensor, torch.Tensor): :obj:`mu` and :obj:`logstd`, each
            :obj:`[N, out_channels]`.
        """
        mu, logstd = self._gcn(x, edge_index)
        return mu, logstd


class MLPEncoder(_Encoder):
    r"""A graph-free two-layer MLP encoder.

    A baseline that sees only the node features (it accepts and ignores
    :obj:`edge_index`).

    .. math::
        \mathbf{H} = \mathrm{ReLU}(\mathbf{X}\mathbf{W}_0), \qquad
        \boldsymbol{\mu} = \mathbf{H}\mathbf{W}_\mu, \quad
        \log\boldsymbol{\sigma} = \mathbf{H}\mathbf{W}_\sigma

    Args:
        in_channels (int): Input features per node.
        hidden_channels (int, optional): Size of the hidden layer.
            (default: :obj:`32`)
        out_channels (int, optional): Size of the embedding.
            (default: :obj:`16`)
        variational (bool, optional): Return :obj:`(mu, logstd)` rather than
            :obj:`z`. (default: :obj:`True`)
        dropout (float, optional): Dropout on the input of each layer during
            training. (default: :obj:`0.0`)
        input_dropout (float, optional): A different dropout rate for the
            node features; :obj:`None` uses :obj:`dropout`. (default: :obj:`None`)
        norm (str, optional): As in :class:`GCNEncoder`. (default: :obj:`None`)
        act (str, optional): As in :class:`GCNEncoder`. (default: :obj:`'relu'`)
        out_act (bool, optional): As in :class:`GCNEncoder`.
            (default: :obj:`False`)
        num_layers (int, optional): As in :class:`GCNEncoder` (:obj:`1`: one
            linear map of the features per head). (default: :obj:`2`)
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int = 32,
        out_channels: int = 16,
        *,
        variational: bool = True,
        dropout: float = 0.0,
        input_dropout: Optional[float] = None,
        norm: Optional[str] = None,
        act: str = 'relu',
        out_act: bool = False,
        num_layers: int = 2,
    ):
        heads = ('mu', 'logstd') if variational else ('z',)
        super().__init__(
            in_channels,
            hidden_channels,
            out_channels,
            heads,
            dropout,
            False,
            input_dropout,
            norm,
            act,
            out_act,
            num_layers,
        )
        self.variational = bool(variational)

    def forward(
        self, x: Optional[Tensor], edge_index: Optional[Adj] = None
    ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        r"""Encode the nodes from their features alone.

        Args:
            x (torch.Tensor, optional): Node features :obj:`[N, in_channels]`,
                dense or sparse, or :obj:`None` for identity features.
            edge_index (torch.Tensor or SparseTensor, optional): Accepted and
                ignored. (default: :obj:`None`)

        Returns:
            torch.Tensor or (torch.Tensor, torch.Tensor): :obj:`z`, or
            :obj:`(mu, logstd)` when :obj:`variational`, each
            :obj:`[N, out_channels]`.
        """
        out = self._layers(x, self._num_nodes(x), None)
        return out if self.variational else out[0]

    def _repr_args(self) -> str:
        return super()._repr_args() + f', variational={self.variational}'


__all__ = ['GCNEncoder', 'VariationalGCNEncoder', 'MLPEncoder']
