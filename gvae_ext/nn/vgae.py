r"""The variational graph auto-encoder :class:`VGAE` (private; re-exported by :mod:`gvae_ext.nn`)."""

from typing import Callable, Optional

from torch import Tensor

from gvae_ext.nn.gae import GAE
from gvae_ext.variational import kl_normal, reparameterize


class VGAE(GAE):
    r"""The variational graph auto-encoder.

    The encoder returns :obj:`(mu, logstd)` with :obj:`logstd` =
    :math:`\log\sigma` (standard deviation, see :mod:`gvae_ext.variational`).
    :meth:`encode` stores them as :obj:`model.mu` and :obj:`model.logstd`
    (also readable as PyG's :obj:`__mu__`/:obj:`__logstd__`) and returns
    :math:`\mathbf{z} = \boldsymbol{\mu} + \sigma \odot \epsilon` in training
    mode, :math:`\boldsymbol{\mu}` in eval mode. :meth:`kl_loss` called
    without arguments reads the stored values; pass them explicitly to avoid
    the hidden state. Arguments as in :class:`GAE`.
    """

    def __init__(self, encoder: Callable, decoder: Optional[Callable] = None, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.mu: Optional[Tensor] = None
        self.logstd: Optional[Tensor] = None

    def __getstate__(self):
        # The last encode's outputs are not model state (and, being non-leaf
        # tensors, would break copy.deepcopy and pickling).
        state = dict(self.__dict__)
        state['mu'] = state['logstd'] = None
        return state

    @property
    def __mu__(self) -> Optional[Tensor]:
        return self.mu

    @property
    def __logstd__(self) -> Optional[Tensor]:
        return self.logstd

    def reparametrize(self, mu: Tensor, logstd: Tensor) -> Tensor:
        r""":math:`\boldsymbol{\mu} + \exp(\mathrm{logstd}) \odot \epsilon` in training mode.

        :obj:`mu` in eval mode (PyG's spelling).
        """
        if not self.training:
            return mu
        return reparameterize(mu, logstd, self._generator(mu.device))

    reparameterize = reparametrize

    def encode(self, *args, **kwargs) -> Tensor:
        r"""Run the encoder, store :obj:`mu` and :obj:`logstd` and return a sample :obj:`z`.

        In eval mode the sample is :obj:`mu`.
        """
        out = self.encoder(*args, **kwargs)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise ValueError(
                "'encoder' of a VGAE must return a pair (mu, logstd) "
                f'(got {type(out).__name__})'
            )
        self.mu, self.logstd = out
        return self.reparametrize(self.mu, self.logstd)

    def kl_loss(
        self, mu: Optional[Tensor] = None, logstd: Optional[Tensor] = None
    ) -> Tensor:
        r""":math:`\mathrm{KL}(q(\mathbf{z}) \,\|\, \mathcal{N}(0, I))` per node.

        Averaged over the nodes (:func:`gvae_ext.variational.kl_normal`).

        Args:
            mu (torch.Tensor, optional): The means. (default: the :obj:`mu`
                stored by the last :meth:`encode`)
            logstd (torch.Tensor, optional): :math:`\log\sigma`. (default: the
                :obj:`logstd` stored by the last :meth:`encode`)
        """
        mu = self.mu if mu is None else mu
        logstd = self.logstd if logstd is None else logstd
        if mu is None or logstd is None:
            raise ValueError(
                "'mu' and 'logstd' must be passed or set by calling 'encode' "
                'first (got None)'
            )
        return kl_normal(mu, logstd, reduction='mean')

    def loss(
        self,
        z: Tensor,
        pos_edge_index: Tensor,
        neg_edge_index: Optional[Tensor] = None,
        *,
        objective: Optional[str] = None,
        mu: Optional[Tensor] = None,
        logstd: Optional[Tensor] = None,
    ) -> Tensor:
        r"""Reconstruction loss plus :math:`\frac{1}{N}` :meth:`kl_loss`.

        As in the original and in PyG's example, for every objective (with
        :obj:`'fastgae'` too the KL is averaged over all :math:`N` nodes and
        divided by :math:`N`, not by the sample size). :obj:`mu` and
        :obj:`logstd` default to those stored by :meth:`encode`.
        """
        recon = super().loss(z, pos_edge_index, neg_edge_index, objective=objective)
        return recon + self.kl_loss(mu, logstd) / z.size(0)


__all__ = ['VGAE']
