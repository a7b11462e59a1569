r"""The graph auto-encoder :class:`GAE` (private; re-exported by :mod:`gvae_ext.nn`)."""

from typing import Callable, Optional

import torch
from torch import Tensor

from gvae_ext._checks import (
    all_finite,
    check_edge_index,
    check_generator,
    check_positive_int,
)
from gvae_ext.link.metrics import link_auc_ap
from gvae_ext.link.negative import negative_sampling
from gvae_ext.link.train_negatives import sample_free_pairs
from gvae_ext.nn.decoders import InnerProductDecoder, check_embedding
from gvae_ext.nn.objectives import (
    check_alpha,
    check_pair_loss,
    check_weighting,
    dense_objective,
    fastgae_recon_loss,
    sampled_objective,
)

OBJECTIVES = ('sampled', 'dense', 'fastgae')
NEG_SAMPLING = ('fast', 'exact')
MAX_DENSE_NODES = 30_000


def _reset(value) -> None:
    # PyG's rule: call `reset_parameters` where it exists, else recurse into
    # a module's children; plain callables (e.g. a lambda) have nothing.
    if hasattr(value, 'reset_parameters'):
        value.reset_parameters()
    elif isinstance(value, torch.nn.Module):
        for child in value.children():
            _reset(child)


def _check_callable(value, name: str):
    if not callable(value):
        raise TypeError(f"'{name}' must be callable (got {type(value).__name__})")
    return value


def _choice(value, name: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"'{name}' must be one of {options} (got {value!r})")
    return value


class GAE(torch.nn.Module):
    r"""The graph auto-encoder.

    As in PyG, the encoder and the decoder may be any callables (a
    :class:`torch.nn.Module` or e.g. :obj:`lambda x: x`); only modules
    register parameters.

    Args:
        encoder (torch.nn.Module or callable): Maps :obj:`(x, edge_index)`
            (or whatever :meth:`encode` is called with) to :obj:`z`.
        decoder (torch.nn.Module or callable, optional): Maps :obj:`(z,
            edge_index, sigmoid)` to pair scores.
            (default: :class:`InnerProductDecoder`)
        objective (str, optional): The reconstruction objective of
            :meth:`loss`: :obj:`'sampled'` (:meth:`recon_loss`),
            :obj:`'dense'` (:meth:`dense_recon_loss`) or :obj:`'fastgae'`
            (:meth:`fastgae_recon_loss`). (default: :obj:`'sampled'`)
        max_dense_nodes (int, optional): The largest graph the :math:`O(N^2)`
            dense objective accepts. (default: :obj:`30000`)
        neg_sampling (str, optional): How :meth:`recon_loss` draws negatives
            when none are given: :obj:`'fast'` (i.i.d. uniform non-edges, may
            repeat; :func:`~gvae_ext.nn.objectives.fast_negative_sampling`) or
            :obj:`'exact'` (distinct pairs,
            :func:`gvae_ext.link.negative.negative_sampling`).
            (default: :obj:`'fast'`)
        generator (torch.Generator, optional): The random generator of the
            negative sampling and the FastGAE node sample (and of
            :math:`\epsilon` in :class:`VGAE`), on
            the device of the data; settable later as :obj:`model.generator`.
            (default: :obj:`None`)
        fastgae_nodes (int, optional): The nodes sampled per step by
            :obj:`'fastgae'`. (default: :obj:`2048`)
        fastgae_alpha (float, optional): Its degree exponent :math:`\alpha`.
            (default: :obj:`1.0`)
        dense_weighting (str, optional): How :meth:`dense_recon_loss` weighs
            the pairs: Kipf's :obj:`'balanced'` or :obj:`'uniform'` (every
            pair alike, as the HeaRT benchmark's GAE;
            :func:`~gvae_ext.nn.objectives.dense_targets`).
            (default: :obj:`'balanced'`)
        pair_loss (str, optional): The loss of :meth:`recon_loss`:
            :obj:`'bce'` (binary cross-entropy, PyG's) or :obj:`'bpr'` (each
            negative ranked against a positive,
            :func:`~gvae_ext.nn.objectives.ranking_recon_loss`).
            (default: :obj:`'bce'`)
    """

    def __init__(
        self,
        encoder: Callable,
        decoder: Optional[Callable] = None,
        *,
        objective: str = 'sampled',
        max_dense_nodes: int = MAX_DENSE_NODES,
        neg_sampling: str = 'fast',
        generator: Optional[torch.Generator] = None,
        fastgae_nodes: int = 2048,
        fastgae_alpha: float = 1.0,
        dense_weighting: str = 'balanced',
        pair_loss: str = 'bce',
    ):
        super().__init__()
        self.encoder = _check_callable(encoder, 'encoder')
        if decoder is None:
            decoder = InnerProductDecoder()
        self.decoder = _check_callable(decoder, 'decoder')
        self.objective = _choice(objective, 'objective', OBJECTIVES)
        self.max_dense_nodes = check_positive_int(max_dense_nodes, 'max_dense_nodes')
        self.neg_sampling = _choice(neg_sampling, 'neg_sampling', NEG_SAMPLING)
        self.fastgae_nodes = check_positive_int(fastgae_nodes, 'fastgae_nodes')
        self.fastgae_alpha = check_alpha(fastgae_alpha, 'fastgae_alpha')
        self.dense_weighting = check_weighting(dense_weighting, 'dense_weighting')
        self.pair_loss = check_pair_loss(pair_loss)
        self.generator = check_generator(generator)
        GAE.reset_parameters(self)

    def reset_parameters(self) -> None:
        r"""Reset the encoder and the decoder.

        Calls their :meth:`reset_parameters` or, failing that, their
        children's; callables that are not modules are left alone.
        """
        _reset(self.encoder)
        _reset(self.decoder)

    def forward(self, *args, **kwargs):
        r"""Alias for :meth:`encode`."""
        return self.encode(*args, **kwargs)

    def encode(self, *args, **kwargs) -> Tensor:
        r"""Run the encoder."""
        return self.encoder(*args, **kwargs)

    def decode(self, *args, **kwargs) -> Tensor:
        r"""Run the decoder."""
        return self.decoder(*args, **kwargs)

    def _check_pairs(self, z: Tensor, edge_index, name: str) -> None:
        check_embedding(z)
        if isinstance(self.decoder, InnerProductDecoder):
            self.decoder.check_edge_index(z, edge_index, name)  # cached per tensor
        else:
            check_edge_index(edge_index, z.size(0), name=name)
        if edge_index.size(1) == 0:
            raise ValueError(f"'{name}' must contain at least one pair (got 0)")

    def _generator(self, device: torch.device) -> Optional[torch.Generator]:
        g = check_generator(self.generator)
        if g is not None and g.device.type != device.type:
            raise ValueError(
                f"'generator' must be on the device of the data ({device}) "
                f'(got {g.device})'
            )
        return g

    def negative_sampling(
        self, pos_edge_index: Tensor, num_nodes: int, num_neg_samples: int
    ) -> Tensor:
        r"""Draw training negatives the way :obj:`neg_sampling` says."""
        g = self._generator(pos_edge_index.device)
        if self.neg_sampling == 'fast':
            return sample_free_pairs(
                pos_edge_index, num_nodes, num_neg_samples, g, name='pos_edge_index'
            )
        return negative_sampling(
            pos_edge_index, num_nodes, num_neg_samples, generator=g
        )

    def recon_loss(
        self, z: Tensor, pos_edge_index: Tensor, neg_edge_index: Optional[Tensor] = None
    ) -> Tensor:
        r"""The sampled objective (PyG's).

        Binary cross-entropy of the positive pairs and of as many negatives,
        from logits; with :obj:`pair_loss='bpr'`, the ranking loss of each
        negative :math:`j` against positive :math:`j \bmod E`
        (:func:`~gvae_ext.nn.objectives.ranking_recon_loss`), which needs a
        multiple of :obj:`E` negatives.

        Args:
            z (torch.Tensor): The embeddings, :obj:`[num_nodes, channels]`.
            pos_edge_index (LongTensor): The positive pairs, :obj:`[2, E]`.
            neg_edge_index (LongTensor, optional): The negative pairs; when
                :obj:`None`, :obj:`E` are drawn with :meth:`negative_sampling`.
                (default: :obj:`None`)
        """
        self._check_pairs(z, pos_edge_index, 'pos_edge_index')
        pair_loss = check_pair_loss(self.pair_loss)
        if neg_edge_index is None:
            neg_edge_index = self.negative_sampling(
                pos_edge_index, z.size(0), pos_edge_index.size(1)
            )
        else:
            self._check_pairs(z, neg_edge_index, 'neg_edge_index')
            num_pos, num_neg = pos_edge_index.size(1), neg_edge_index.size(1)
            if pair_loss == 'bpr' and num_neg % num_pos:
                raise ValueError(
                    "'neg_edge_index' must hold a multiple of the positives' "
                    f"count for pair_loss 'bpr' (got {num_neg} negatives for "
                    f'{num_pos} positives)'
                )
        return sampled_objective(
            self.decoder, z, pos_edge_index, neg_edge_index, pair_loss=pair_loss
        )

    def dense_recon_loss(
        self, z: Tensor, pos_edge_index: Tensor, *, chunk_size: Optional[int] = None
    ) -> Tensor:
        r"""Kipf and Welling's full-adjacency objective (:func:`~gvae_ext.nn.objectives.dense_recon_loss`).

        Weighted cross-entropy over all :math:`N^2` pairs against :math:`A + I`,
        with :math:`A` the training edges :obj:`pos_edge_index` (both
        directions), the pairs weighted as :obj:`dense_weighting` says.

        Raises:
            ValueError: If :obj:`z` has more than :obj:`max_dense_nodes` rows.
        """
        return dense_objective(
            self.decoder,
            z,
            pos_edge_index,
            max_dense_nodes=self.max_dense_nodes,
            chunk_size=chunk_size,
            weighting=check_weighting(self.dense_weighting, 'dense_weighting'),
        )

    def fastgae_recon_loss(
        self,
        z: Tensor,
        pos_edge_index: Tensor,
        *,
        num_samples: Optional[int] = None,
        alpha: Optional[float] = None,
    ) -> Tensor:
        r"""FastGAE's objective (:func:`~gvae_ext.nn.objectives.fastgae.fastgae_recon_loss`).

        The dense objective on the subgraph induced by :obj:`num_samples` nodes
        drawn with probability :math:`\propto \deg^\alpha` (:obj:`generator`).
        :obj:`num_samples` and :obj:`alpha` default to :obj:`fastgae_nodes` and
        :obj:`fastgae_alpha`; with :obj:`num_samples >= N` it equals
        :meth:`dense_recon_loss`.
        """
        return fastgae_recon_loss(
            self.decoder,
            z,
            pos_edge_index,
            self.fastgae_nodes if num_samples is None else num_samples,
            self.fastgae_alpha if alpha is None else alpha,
            generator=self._generator(pos_edge_index.device),
        )

    def loss(
        self,
        z: Tensor,
        pos_edge_index: Tensor,
        neg_edge_index: Optional[Tensor] = None,
        *,
        objective: Optional[str] = None,
    ) -> Tensor:
        r"""The full training objective.

        The reconstruction loss of :obj:`objective` (:obj:`neg_edge_index` is
        used by :obj:`'sampled'` only). :class:`VGAE` adds
        :math:`\mathrm{KL}/N`.

        Args:
            z (torch.Tensor): The embeddings from :meth:`encode`.
            pos_edge_index (LongTensor): The training edges.
            neg_edge_index (LongTensor, optional): Negatives for
                :obj:`'sampled'`. (default: :obj:`None`)
            objective (str, optional): One of :obj:`OBJECTIVES`.
                (default: the model's :obj:`objective`)
        """
        objective = _choice(objective or self.objective, 'objective', OBJECTIVES)
        if objective == 'dense':
            return self.dense_recon_loss(z, pos_edge_index)
        if objective == 'fastgae':
            return self.fastgae_recon_loss(z, pos_edge_index)
        return self.recon_loss(z, pos_edge_index, neg_edge_index)

    @torch.no_grad()
    def test(
        self, z: Tensor, pos_edge_index: Tensor, neg_edge_index: Tensor
    ) -> tuple[float, float]:
        r"""ROC-AUC and average precision of the decoder's scores for the positive and negative pairs.

        The scores for :obj:`pos_edge_index` against :obj:`neg_edge_index` are
        computed in torch on :obj:`z`'s device
        (:func:`gvae_ext.link.metrics.link_auc_ap`, ties counted
        :math:`\frac12`). Scores are logits: the ranking equals that of the
        probabilities without ties from saturated sigmoids.

        :rtype: :obj:`(auc, ap)` as Python floats
        """
        self._check_pairs(z, pos_edge_index, 'pos_edge_index')
        self._check_pairs(z, neg_edge_index, 'neg_edge_index')
        if not all_finite(z):
            bad = int((~torch.isfinite(z)).any(1).sum())
            raise ValueError(
                f"'z' must be finite to be scored (got NaN or inf in {bad} of "
                f'its {z.size(0)} rows)'
            )
        pos = self.decoder(z, pos_edge_index, sigmoid=False)
        neg = self.decoder(z, neg_edge_index, sigmoid=False)
        auc, ap = link_auc_ap(pos, neg)
        return float(auc), float(ap)

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(encoder={self.encoder}, '
            f'decoder={self.decoder}, objective={self.objective!r})'
        )


__all__ = ['GAE', 'OBJECTIVES', 'NEG_SAMPLING', 'MAX_DENSE_NODES']
