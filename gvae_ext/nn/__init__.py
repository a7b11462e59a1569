r"""Graph autoencoder models.

GCN/MLP encoders, decoders, GAE and VGAE, and their reconstruction objectives
(:mod:`gvae_ext.nn.objectives`).
"""

from gvae_ext.nn.decoders import InnerProductDecoder, MLPDecoder
from gvae_ext.nn.encoders import GCNEncoder, MLPEncoder, VariationalGCNEncoder
from gvae_ext.nn.ensemble import EnsembleDecoder, EnsembleEncoder
from gvae_ext.nn.gae import GAE, MAX_DENSE_NODES, NEG_SAMPLING, OBJECTIVES
from gvae_ext.nn.objectives import degree_biased_sample, fastgae_recon_loss
from gvae_ext.nn.vgae import VGAE

__all__ = [
    'GAE',
    'VGAE',
    'GCNEncoder',
    'VariationalGCNEncoder',
    'MLPEncoder',
    'InnerProductDecoder',
    'MLPDecoder',
    'EnsembleEncoder',
    'EnsembleDecoder',
    'degree_biased_sample',
    'fastgae_recon_loss',
    'OBJECTIVES',
    'NEG_SAMPLING',
    'MAX_DENSE_NODES',
]
