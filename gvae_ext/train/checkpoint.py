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

from gvae_ext.train._run import build_model
from gvae_ext.train.config import FitConfig

FORMAT = 'gvae_ext.graph/1'


def save(
    path: Union[str, os.PathLike],
    model: torch.nn.Module,
    config: FitConfig,
    in_channels: int,
) -> None:
    r"""Write ``model`` (built from ``config``) to ``path``."""
    payload = dict(
        format=FORMAT,
        config=dataclasses.asdict(config),
        in_channels=int(in_channels),
        state_dict={k: v.detach().cpu() for k, v in model.state_dict().items()},
    )
    torch.save(payload, path)


def load(path: Union[str, os.PathLike], map_location: str = 'cpu') -> torch.nn.Module:
    r"""Restore a model written by :func:`save` (in eval mode)."""
    if not os.path.isfile(path):
        raise ValueError(f"'path' does not name a checkpoint file (got {str(path)!r})")
    payload = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(payload, dict) or payload.get('format') != FORMAT:
        raise ValueError(
            f"'path' is not a gvae_ext graph checkpoint (got {str(path)!r})"
        )
    config = FitConfig(**payload['config'])
    config.device = str(map_location)
    model = build_model(config, payload['in_channels'])
    model.load_state_dict(payload['state_dict'])
    return model.eval()
