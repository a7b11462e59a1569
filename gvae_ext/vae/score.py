r"""Anomaly scores from a trained :class:`~gvae_ext.vae.model.DenseVAE`.

The score of a sample is its negative ELBO in nats (higher = less like the
training data), with the reconstruction term taken at :math:`\mathbf{z} =
\mu` so that the ranking carries no Monte-Carlo noise (see
:meth:`DenseVAE.anomaly_score`).
"""

import os
from typing import Optional, Union

import torch
from torch import Tensor

from gvae_ext._checks import check_device, check_positive_int
from gvae_ext._io import write_text
from gvae_ext.vae.checkpoint import read_dense_vae
from gvae_ext.vae.data import load_vae_dataset, read_table, standardize
from gvae_ext.vae.model import DenseVAE


@torch.no_grad()
def anomaly_scores(
    model: DenseVAE,
    x: Tensor,
    *,
    num_samples: int = 0,
    batch_size: int = 4096,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    r"""Per-sample negative ELBO of ``x`` ``[N, in_channels]`` in evaluation mode, in row batches.

    The model's mode is restored.

    Args:
        model (DenseVAE): A trained model.
        x (torch.Tensor): The samples, prepared like the training data.
        num_samples (int, optional): ``0`` scores at :math:`z = \mu`; ``k > 0``
            averages ``k`` sampled reconstructions. (default: :obj:`0`)
        batch_size (int, optional): Rows per pass. (default: :obj:`4096`)
        generator (torch.Generator, optional): Noise for ``num_samples > 0``.
            (default: :obj:`None`)

    :rtype: :class:`torch.Tensor` of shape ``[N]`` on ``x``'s device
    """
    if not isinstance(model, DenseVAE):
        raise TypeError(f"'model' must be a DenseVAE (got {type(model).__name__})")
    x = model.check_input(x)
    batch_size = check_positive_int(batch_size, 'batch_size')
    was_training = model.training
    model.eval()
    try:
        parts = [
            model.anomaly_score(x[i : i + batch_size], num_samples, generator)
            for i in range(0, x.size(0), batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(parts) if parts else x.new_zeros(0)


def _table_kind(spec: str) -> Optional[str]:
    if spec.startswith(('npy:', 'csv:')):
        return spec[:3]
    ext = os.path.splitext(spec)[1].lower()
    return ext[1:] if ext in ('.npy', '.csv') else None


def score_dense_vae(
    checkpoint,
    dataset_or_path: str,
    *,
    root: Optional[str] = None,
    out_csv: Optional[str] = None,
    device: Union[str, torch.device] = 'cpu',
) -> Tensor:
    r"""Score data with a checkpoint written by ``gvae-ext fit --model vae --save`` (``gvae-ext score``).

    * ``'digits'`` / ``'mnist'`` (with ``root``) -- the dataset's held-out
      test rows.
    * ``'npy:PATH'`` / ``'csv:PATH'`` or a path ending in ``.npy``/``.csv`` --
      every row of the file, standardised with the training statistics stored
      in the checkpoint when the model was trained on a table.

    Args:
        checkpoint (str): The checkpoint file.
        dataset_or_path (str): What to score (see above).
        root (str, optional): The MNIST folder. (default: :obj:`None`)
        out_csv (str, optional): Write ``index,score`` rows here
            (atomically). (default: :obj:`None`)
        device (str, optional): Where to compute. (default: :obj:`'cpu'`)

    :rtype: :class:`torch.Tensor` ``[N]`` (on ``device``)

    Raises:
        ValueError: For an unreadable table, the wrong number of columns, or
            rows whose score is not finite (values so far from the training
            data that float32 overflows); nothing is written then.
    """
    if not isinstance(dataset_or_path, str):
        raise ValueError(
            f"'dataset_or_path' must be a string (got {dataset_or_path!r})"
        )
    device = check_device(device, 'device')
    model, config = read_dense_vae(checkpoint, map_location=device)
    kind = _table_kind(dataset_or_path)
    if kind is None:
        x = load_vae_dataset(dataset_or_path, root=root).test
    else:
        path = dataset_or_path[4:] if dataset_or_path[3:4] == ':' else dataset_or_path
        x = read_table(path, kind)
        if config.get('feature_mean') is not None:
            mean = torch.tensor(config['feature_mean'], dtype=x.dtype)
            std = torch.tensor(config['feature_std'], dtype=x.dtype)
            if mean.numel() != x.size(1):
                raise ValueError(
                    f"'dataset_or_path' must have {mean.numel()} columns like the "
                    f'training table (got {x.size(1)})'
                )
            x = standardize(x, mean, std)
    if x.size(1) != model.in_channels:
        raise ValueError(
            f"'dataset_or_path' must have {model.in_channels} features per row "
            f'for this checkpoint (got {x.size(1)})'
        )
    x = model.check_input(x.to(device), 'dataset_or_path')
    scores = anomaly_scores(model, x)
    bad = torch.nonzero(~torch.isfinite(scores)).flatten()
    if bad.numel():
        raise ValueError(
            f"'dataset_or_path' rows give non-finite scores: their values are too "
            f'far from the training data for float32 (got {bad.numel()} of '
            f'{scores.numel()} rows, first row {int(bad[0])}, largest |value| '
            f'{float(x.abs().max()):.3g} after standardising)'
        )
    if out_csv:
        lines = [f'{i},{value!r}\n' for i, value in enumerate(scores.tolist())]
        write_text(out_csv, 'index,score\n' + ''.join(lines))
    return scores


__all__ = ['anomaly_scores', 'score_dense_vae']
