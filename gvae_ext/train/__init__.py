r"""The training stage of the graph autoencoders.

* :mod:`~gvae_ext.train.config` -- :class:`FitConfig` and the named presets;
* :mod:`~gvae_ext.train.loop` -- :func:`fit`, the loop behind it and
  :class:`FitResult`;
* :mod:`~gvae_ext.train.minibatch` -- the mini-batch epochs (own sampler,
  PyG's sampler or PyG's ``LinkNeighborLoader``);
* :mod:`~gvae_ext.train.distributed` -- data-parallel training under
  ``torchrun`` (:func:`fit_distributed`);
* :mod:`~gvae_ext.train.checkpoint` -- :func:`save` and :func:`load`.
"""

from gvae_ext.train._build import build_model
from gvae_ext.train.checkpoint import load, save
from gvae_ext.train.config import (
    DEFAULT_PRESET,
    MODELS,
    PRESETS,
    SAMPLERS,
    SELECTIONS,
    FitConfig,
)
from gvae_ext.train.distributed import fit_distributed
from gvae_ext.train.loop import FitResult, fit
from gvae_ext.train.minibatch import MiniBatchTrainer, loader_epoch, minibatch_epoch
from gvae_ext.train.replica import Replica, evaluate

__all__ = [
    'FitConfig',
    'PRESETS',
    'DEFAULT_PRESET',
    'MODELS',
    'SAMPLERS',
    'SELECTIONS',
    'fit',
    'FitResult',
    'build_model',
    'evaluate',
    'Replica',
    'fit_distributed',
    'save',
    'load',
    'minibatch_epoch',
    'loader_epoch',
    'MiniBatchTrainer',
]
