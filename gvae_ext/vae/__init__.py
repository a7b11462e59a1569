r"""The dense VAE (:class:`DenseVAE`) and its whole pipeline.

Data, training, evaluation, scores, image grids and checkpoints.
"""

from gvae_ext.vae.checkpoint import load_dense_vae, read_dense_vae, save_dense_vae
from gvae_ext.vae.data import (
    VAEData,
    load_digits_data,
    load_mnist,
    load_table,
    load_vae_dataset,
)
from gvae_ext.vae.evaluate import evaluate_dense_vae, iw_log_likelihood
from gvae_ext.vae.idx import read_idx
from gvae_ext.vae.images import make_grid, save_image_grid, write_png
from gvae_ext.vae.model import LIKELIHOODS, DenseVAE, ELBOTerms
from gvae_ext.vae.score import anomaly_scores, score_dense_vae
from gvae_ext.vae.tables import read_table
from gvae_ext.vae.train import fit_dense_vae, train_dense_vae

__all__ = [
    'DenseVAE',
    'ELBOTerms',
    'LIKELIHOODS',
    'VAEData',
    'load_digits_data',
    'load_mnist',
    'load_table',
    'load_vae_dataset',
    'read_idx',
    'read_table',
    'train_dense_vae',
    'fit_dense_vae',
    'evaluate_dense_vae',
    'iw_log_likelihood',
    'save_dense_vae',
    'load_dense_vae',
    'read_dense_vae',
    'anomaly_scores',
    'score_dense_vae',
    'make_grid',
    'save_image_grid',
    'write_png',
]
