r"""Models: GCN/MLP encoders, the inner-product decoder, GAE/VGAE and DenseVAE."""

from gvae_ext.nn._fastgae import degree_biased_sample, fastgae_recon_loss
from gvae_ext.nn.autoencoder import GAE, VGAE
from gvae_ext.nn.decoders import InnerProductDecoder
from gvae_ext.nn.dense_vae import DenseVAE, ELBOTerms
from gvae_ext.nn.encoders import GCNEncoder, MLPEncoder, VariationalGCNEncoder

__all__ = [
    'GAE',
    'VGAE',
    'DenseVAE',
    'ELBOTerms',
    'GCNEncoder',
    'VariationalGCNEncoder',
    'MLPEncoder',
    'InnerProductDecoder',
    'degree_biased_sample',
    'fastgae_recon_loss',
]
