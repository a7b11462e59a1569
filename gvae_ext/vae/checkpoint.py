r"""Checkpoints for :class:`~gvae_ext.vae.model.DenseVAE`.

A checkpoint is a :func:`torch.save` file holding the model's constructor
arguments (:attr:`DenseVAE.hparams`), its ``state_dict`` (on CPU) and a
JSON-style ``config`` dict (the training run, plus whatever is needed to
prepare new data: for tables the train ``feature_mean``/``feature_std``).
It is read back with ``weights_only=True``, so loading runs no pickled code.
"""

import os
from typing import Any, Dict, Optional, Tuple

import torch

from gvae_ext.vae.model import DenseVAE

FORMAT = 'gvae_ext.dense_vae/1'


def save_dense_vae(
    model: DenseVAE, path, config: Optional[Dict[str, Any]] = None
) -> str:
    r"""Write ``model`` and ``config`` to ``path``; return ``path``.

    Args:
        model (DenseVAE): The model.
        path (str): The file to write (its folder is created).
        config (dict, optional): Plain values (numbers, strings, lists,
            dicts, :obj:`None`) stored alongside. (default: :obj:`None`)
    """
    if not isinstance(model, DenseVAE):
        raise TypeError(f"'model' must be a DenseVAE (got {type(model).__name__})")
    if config is not None and not isinstance(config, dict):
        raise ValueError(
            f"'config' must be a dict or None (got {type(config).__name__})"
        )
    name = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(name))
    os.makedirs(folder, exist_ok=True)
    payload = dict(
        format=FORMAT,
        hparams=model.hparams,
        config=dict(config or {}),
        state_dict={k: v.detach().cpu() for k, v in model.state_dict().items()},
    )
    torch.save(payload, name)
    return name


def read_dense_vae(path, map_location='cpu') -> Tuple[DenseVAE, Dict[str, Any]]:
    r"""Return ``(model, config)`` from a checkpoint written by
    :func:`save_dense_vae`; the model is in evaluation mode on
    ``map_location``."""
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise ValueError(f"'checkpoint' does not name a file (got {name!r})")
    try:
        payload = torch.load(name, map_location=map_location, weights_only=True)
    except Exception as err:  # pickle, zip and torch errors alike
        raise ValueError(
            f"'checkpoint' {name!r} could not be read (got {type(err).__name__})"
        ) from None
    if not isinstance(payload, dict) or payload.get('format') != FORMAT:
        raise ValueError(
            f"'checkpoint' is not a gvae_ext DenseVAE checkpoint (got {name!r})"
        )
    model = DenseVAE(**payload['hparams'])
    model.load_state_dict(payload['state_dict'])
    return model.to(map_location).eval(), payload['config']


def load_dense_vae(path, map_location='cpu') -> DenseVAE:
    r"""The model of a checkpoint written by :func:`save_dense_vae`, in
    evaluation mode; its outputs equal those of the saved model."""
    return read_dense_vae(path, map_location)[0]


__all__ = ['FORMAT', 'save_dense_vae', 'read_dense_vae', 'load_dense_vae']
