r"""The model a :class:`~gvae_ext.train.FitConfig` describes (private to :mod:`gvae_ext.train`).

:func:`build_model` builds a fresh (V)GAE, or the ensemble of ``config.ensemble``
members; :func:`assemble` puts trained members into one ensemble model.
"""

import dataclasses

import torch

from gvae_ext.nn import (
    GAE,
    VGAE,
    GCNEncoder,
    MLPDecoder,
    MLPEncoder,
    VariationalGCNEncoder,
)
from gvae_ext.nn.ensemble import EnsembleDecoder, EnsembleEncoder
from gvae_ext.train.config import FitConfig


def build_model(config: FitConfig, in_channels: int) -> torch.nn.Module:
    r"""The (V)GAE that ``config`` describes, for ``in_channels`` input features.

    With ``config.ensemble`` :math:`K > 1`, one (V)GAE over :math:`K` member
    encoders (and MLP decoders) (:mod:`gvae_ext.nn.ensemble`).
    """
    config.validate()
    if config.ensemble > 1:
        return _ensemble_model(config, in_channels)
    sizes = dict(
        in_channels=in_channels,
        hidden_channels=config.hidden_channels,
        out_channels=config.out_channels,
    )
    drop = dict(
        dropout=config.dropout,
        input_dropout=config.input_dropout,
        norm=None if config.norm == 'none' else config.norm,
        act=config.act,
        out_act=config.out_act,
        num_layers=config.num_layers,
    )
    if config.model.endswith('_mlp'):
        encoder = MLPEncoder(**sizes, variational=config.variational, **drop)
    elif config.variational:
        encoder = VariationalGCNEncoder(**sizes, **drop)
    else:
        encoder = GCNEncoder(**sizes, **drop)
    decoder = MLPDecoder(config.out_channels) if config.decoder == 'mlp' else None
    return _autoencoder(config, encoder, decoder)


def _autoencoder(config: FitConfig, encoder, decoder) -> torch.nn.Module:
    cls = VGAE if config.variational else GAE
    return cls(
        encoder,
        decoder,
        objective=config.objective,
        max_dense_nodes=config.max_dense_nodes,
        fastgae_nodes=config.fastgae_nodes,
        fastgae_alpha=config.fastgae_alpha,
        dense_weighting=config.dense_weighting,
        pair_loss=config.pair_loss,
    )


def _ensemble_model(config: FitConfig, in_channels: int) -> torch.nn.Module:
    single = dataclasses.replace(config, ensemble=1)
    members = [build_model(single, in_channels) for _ in range(config.ensemble)]
    decoder = None
    if config.decoder == 'mlp':
        decoder = EnsembleDecoder([m.decoder for m in members])
    return _autoencoder(config, EnsembleEncoder([m.encoder for m in members]), decoder)


def assemble(config: FitConfig, models, in_channels: int) -> torch.nn.Module:
    r"""The ensemble (``config.ensemble`` members) of the trained ``models``."""
    model = build_model(config, in_channels)
    for k, member in enumerate(models):
        model.encoder.members[k].load_state_dict(member.encoder.state_dict())
        if config.decoder == 'mlp':
            model.decoder.members[k].load_state_dict(member.decoder.state_dict())
    return model.to(next(models[0].parameters()).device)


__all__ = ['build_model', 'assemble']
