r"""Checkpoints for the graph autoencoders trained by :func:`gvae_ext.fit`.

A checkpoint holds the run's :class:`~gvae_ext.train.FitConfig`, the number
of input channels and the model's ``state_dict``; :func:`load` rebuilds the
same architecture and restores the weights, so ``load(path).encode(x,
edge_index)`` in eval mode gives exactly the outputs of the saved model.
"""

import dataclasses
import os
from typing import Union

import torch

from gvae_ext._checks import check_device
from gvae_ext._io import load_checkpoint, plain_value, save_torch
from gvae_ext.train._build import build_model
from gvae_ext.train.config import FitConfig

FORMAT = 'gvae_ext.graph/1'


def save(
    path: Union[str, os.PathLike],
    model: torch.nn.Module,
    config: FitConfig,
    in_channels: int,
) -> None:
    r"""Write :obj:`model` (built from :obj:`config`) to :obj:`path`.

    The file is written atomically (:func:`gvae_ext._io.save_torch`): a
    failed write leaves an older checkpoint at :obj:`path` intact.

    Args:
        path (str or os.PathLike): The checkpoint file; its folder is created.
        model (torch.nn.Module): The trained model.
        config (FitConfig): The configuration the model was built from: a
            :func:`~gvae_ext.fit` result's :obj:`result.config` (under the
            ``'auto'`` preset the chosen candidate's config, which may be
            another preset or an ensemble), not the config passed to it.
        in_channels (int): The number of input features.

    Raises:
        ValueError: When a :obj:`config` field holds a value a checkpoint
            cannot store (Paths and NumPy numbers are stored as strings and
            Python numbers); nothing is written then.
    """
    if not isinstance(config, FitConfig):
        raise ValueError(f"'config' must be a FitConfig (got {type(config).__name__})")
    payload = dict(
        format=FORMAT,
        config=plain_value(dataclasses.asdict(config), 'config'),
        in_channels=int(in_channels),
        state_dict={k: v.detach().cpu() for k, v in model.state_dict().items()},
    )
    save_torch(path, payload)  # checks that load() can read it back


def load(path: Union[str, os.PathLike], map_location: str = 'cpu') -> torch.nn.Module:
    r"""Restore a model written by :func:`save`, in evaluation mode.

    The file is read with ``weights_only=True``, so loading runs no pickled
    code.

    Args:
        path (str or os.PathLike): The checkpoint file.
        map_location (str or torch.device, optional): The device of the
            restored model. (default: :obj:`'cpu'`)

    Returns:
        The model; :obj:`load(path).encode(x, edge_index)` gives the saved
        model's outputs.

    Raises:
        ValueError: When :obj:`map_location` is not a device of this machine,
            or :obj:`path` is missing, empty, truncated or not a gvae_ext
            graph checkpoint.
    """

    def build(payload: dict) -> torch.nn.Module:
        config = FitConfig(**payload['config'])
        config.device = str(device)
        model = build_model(config, payload['in_channels'])
        model.load_state_dict(payload['state_dict'])
        return model

    device = check_device(map_location, 'map_location')
    model = load_checkpoint(path, 'path', 'graph', FORMAT, build, device)
    return model.to(device).eval()
