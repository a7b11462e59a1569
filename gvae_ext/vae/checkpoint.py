r"""Checkpoints for :class:`~gvae_ext.vae.model.DenseVAE`.

A checkpoint is a :func:`torch.save` file holding the model's constructor
arguments (:attr:`DenseVAE.hparams`), its ``state_dict`` (on CPU) and a
JSON-style ``config`` dict (the training run, plus whatever is needed to
prepare new data: for tables the train ``feature_mean``/``feature_std``).
It is read back with ``weights_only=True``, so loading runs no pickled code.
"""

from typing import Any, Optional

from gvae_ext._checks import check_device
from gvae_ext._io import load_checkpoint, plain_value, save_torch
from gvae_ext.vae.model import DenseVAE

FORMAT = 'gvae_ext.dense_vae/1'


def save_dense_vae(
    model: DenseVAE, path, config: Optional[dict[str, Any]] = None
) -> str:
    r"""Write ``model`` and ``config`` to ``path`` atomically.

    A failed write leaves an older file at ``path`` intact.

    Args:
        model (DenseVAE): The model.
        path (str): The file to write (its folder is created).
        config (dict, optional): Plain values (numbers, strings, lists,
            tuples, dicts, :obj:`None`) stored alongside; paths are stored as
            strings, NumPy scalars and arrays as Python numbers and lists.
            (default: :obj:`None`)

    Returns:
        ``path`` as a string.

    Raises:
        ValueError: When ``config`` holds a value a checkpoint cannot store
            (the message names its key); nothing is written then.
    """
    if not isinstance(model, DenseVAE):
        raise TypeError(f"'model' must be a DenseVAE (got {type(model).__name__})")
    if config is not None and not isinstance(config, dict):
        raise ValueError(
            f"'config' must be a dict or None (got {type(config).__name__})"
        )
    payload = dict(
        format=FORMAT,
        hparams=plain_value(model.hparams, 'model'),
        config=plain_value(dict(config or {}), 'config'),
        state_dict={k: v.detach().cpu() for k, v in model.state_dict().items()},
    )
    return save_torch(path, payload)


def read_dense_vae(path, map_location='cpu') -> tuple[DenseVAE, dict[str, Any]]:
    r"""Read a checkpoint written by :func:`save_dense_vae`.

    The file is read with ``weights_only=True``, so loading runs no pickled
    code.

    Args:
        path (str or os.PathLike): The checkpoint file.
        map_location (str or torch.device, optional): The model's device.
            (default: :obj:`'cpu'`)

    Returns:
        ``(model, config)``: the model in evaluation mode and the stored
        config dict.

    Raises:
        ValueError: When :obj:`map_location` is not a device of this machine,
            or :obj:`path` is missing, empty, truncated or not a gvae_ext
            DenseVAE checkpoint.
    """

    def build(payload: dict) -> tuple[DenseVAE, dict[str, Any]]:
        hparams = dict(payload['hparams'])
        if 'latent_channels' in hparams:  # written by gvae_ext 0.1
            hparams['out_channels'] = hparams.pop('latent_channels')
        model = DenseVAE(**hparams)
        model.load_state_dict(payload['state_dict'])
        return model, dict(payload['config'])

    device = check_device(map_location, 'map_location')
    model, config = load_checkpoint(
        path, 'checkpoint', 'DenseVAE', FORMAT, build, device
    )
    return model.to(device).eval(), config


def load_dense_vae(path, map_location='cpu') -> DenseVAE:
    r"""The model of a checkpoint written by :func:`save_dense_vae`.

    Args:
        path (str or os.PathLike): The checkpoint file.
        map_location (str or torch.device, optional): The model's device.
            (default: :obj:`'cpu'`)

    Returns:
        The model in evaluation mode; its outputs equal the saved model's.
    """
    return read_dense_vae(path, map_location)[0]


__all__ = ['FORMAT', 'save_dense_vae', 'read_dense_vae', 'load_dense_vae']
