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

from gvae_ext._io import load_checkpoint, save_torch
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
    """
    payload = dict(
        format=FORMAT,
        config=dataclasses.asdict(config),
        in_channels=int(in_channels),
        state_dict={k: v.detach().cpu() for k, v in model.state_dict().items()},
    )
    save_torch(path, payload)


def load(path: Union[str, os.PathLike], map_location: str = 'cpu') -> torch.nn.Module:
    r"""Restore a model written by :func:`save`, in evaluation mode.

    The file is read with ``weights_only=True``, so loading runs no pickled
    code.

    Args:
        path (str or os.PathLike): The checkpoint file.
        map_location (str, optional): The device of the restored model.
            (default: :obj:`'cpu'`)

    Returns:
        The model; :obj:`load(path).encode(x, edge_index)` gives the saved
        model's outputs.

    Raises:
        ValueError: When :obj:`path` is missing, empty, truncated or not a
            gvae_ext graph checkpoint.
    """

    def build(payload: dict) -> torch.nn.Module:
        config = FitConfig(**payload['config'])
        config.device = str(map_location)
        model = build_model(config, payload['in_channels'])
        model.load_state_dict(payload['state_dict'])
        return model

    return load_checkpoint(path, 'path', 'graph', FORMAT, build, map_location).eval()
