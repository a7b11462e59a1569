r"""Datasets for :class:`~gvae_ext.vae.model.DenseVAE`: digits, MNIST, tables.

Every loader returns a :class:`VAEData` with float32 ``train``/``test``
matrices ``[num_samples, num_features]``. Specs accepted by
:func:`load_vae_dataset`:

* ``'digits'`` -- scikit-learn's bundled 8x8 digits (offline), pixels / 16 in
  ``[0, 1]``; a fixed 20% test split drawn with :data:`SPLIT_SEED`, which does
  not depend on the training seed, so every run is scored on the same rows.
* ``'mnist'`` -- the four MNIST IDX files (plain or ``.gz``) in ``root``
  (or ``root/MNIST/raw``), pixels / 255; the official 10k test set.
* ``'npy:PATH'`` / ``'csv:PATH'`` -- a numeric table (CSV with an optional
  header row), split 80/20 like digits. Under the Gaussian likelihood (the
  default for tables) each column is standardised with the *train* mean and
  standard deviation (a constant column gets scale 1); the statistics are kept
  in :attr:`VAEData.mean`/:attr:`VAEData.std` and in checkpoints.
"""

import os
from dataclasses import dataclass
from typing import Optional, Tuple

import torch
from torch import Tensor

from gvae_ext._checks import check_samples
from gvae_ext.vae.idx import read_idx
from gvae_ext.vae.model import LIKELIHOODS
from gvae_ext.vae.tables import read_table

SPLIT_SEED = 12345
TEST_FRACTION = 0.2
MIN_TABLE_ROWS = 5
MNIST_FILES = (
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
)


@dataclass
class VAEData:
    r"""A train/test pair of data matrices and how to model them."""

    name: str
    train: Tensor
    test: Tensor
    likelihood: str
    image_shape: Optional[Tuple[int, int]] = None
    train_labels: Optional[Tensor] = None
    test_labels: Optional[Tensor] = None
    mean: Optional[Tensor] = None
    std: Optional[Tensor] = None

    @property
    def num_features(self) -> int:
        r"""The number of columns of the data."""
        return self.train.size(1)


def split_rows(
    num_rows: int, test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED
) -> Tuple[Tensor, Tensor]:
    r"""A seeded random ``(train_index, test_index)`` partition of the rows.

    The test part has ``max(1, round(test_fraction * num_rows))`` rows.
    """
    num_test = max(1, int(round(test_fraction * num_rows)))
    perm = torch.randperm(num_rows, generator=torch.Generator().manual_seed(seed))
    return perm[num_test:], perm[:num_test]


def load_digits_data() -> VAEData:
    r"""scikit-learn's 8x8 digits in ``[0, 1]`` with the fixed 20% test split."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32) / 16.0
    y = torch.tensor(bunch.target, dtype=torch.long)
    train, test = split_rows(x.size(0))
    return VAEData('digits', x[train], x[test], 'bernoulli', (8, 8), y[train], y[test])


def _find_mnist_file(root: str, fname: str) -> str:
    for folder in (root, os.path.join(root, 'MNIST', 'raw')):
        for candidate in (fname, fname + '.gz'):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
    raise ValueError(
        f"'root' has no MNIST file {fname}[.gz] (looked in {root!r} and "
        f'its MNIST/raw) (got root={root!r})'
    )


def load_mnist(root) -> VAEData:
    r"""MNIST from the four IDX files in ``root``; pixels scaled to ``[0, 1]``."""
    if root is None:
        raise ValueError("'root' must name the folder with the MNIST files (got None)")
    root = os.fspath(root)
    parts = []
    for images_name, labels_name in (MNIST_FILES[:2], MNIST_FILES[2:]):
        images_path = _find_mnist_file(root, images_name)
        labels_path = _find_mnist_file(root, labels_name)
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.dtype != torch.uint8 or images.dim() != 3:
            raise ValueError(
                f"IDX file '{images_path}' must hold uint8 images [N, H, W] "
                f'(got {images.dtype} with shape {tuple(images.shape)})'
            )
        if labels.dtype != torch.uint8 or labels.dim() != 1:
            raise ValueError(
                f"IDX file '{labels_path}' must hold uint8 labels [N] "
                f'(got {labels.dtype} with shape {tuple(labels.shape)})'
            )
        if labels.numel() != images.size(0):
            raise ValueError(
                f"IDX files '{images_path}' and '{labels_path}' disagree on the "
                f'number of samples (got {images.size(0)} and {labels.numel()})'
            )
        parts.append((images, labels.long()))
    (train, train_y), (test, test_y) = parts
    if train.shape[1:] != test.shape[1:]:
        raise ValueError(
            f'MNIST train and test images differ in size (got '
            f'{tuple(train.shape[1:])} and {tuple(test.shape[1:])})'
        )
    shape = (train.size(1), train.size(2))
    return VAEData(
        'mnist',
        train.flatten(1).float() / 255.0,
        test.flatten(1).float() / 255.0,
        'bernoulli',
        shape,
        train_y,
        test_y,
    )


def standardize(x: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    r"""``(x - mean) / std`` column-wise (out of place)."""
    return (x - mean) / std


def load_table(
    path, kind: Optional[str] = None, likelihood: str = 'gaussian'
) -> VAEData:
    r"""A table split 80/20 with :data:`SPLIT_SEED`.

    Standardised with the train statistics under the Gaussian likelihood, checked to
    lie in ``[0, 1]`` (and left as is) under the Bernoulli one.
    """
    if likelihood not in LIKELIHOODS:
        raise ValueError(
            f"'likelihood' must be one of {LIKELIHOODS} (got {likelihood!r})"
        )
    name = os.fspath(path)
    x = read_table(name, kind)
    if x.size(0) < MIN_TABLE_ROWS:
        raise ValueError(
            f"table '{name}' needs at least {MIN_TABLE_ROWS} rows (got {x.size(0)})"
        )
    train_idx, test_idx = split_rows(x.size(0))
    train, test = x[train_idx], x[test_idx]
    mean = std = None
    if likelihood == 'gaussian':
        mean = train.mean(dim=0)
        std = train.std(dim=0, unbiased=False)
        std = torch.where(std > 1e-12, std, torch.ones_like(std))
        train, test = standardize(train, mean, std), standardize(test, mean, std)
    else:
        check_samples(x, x.size(1), unit_interval=True, name=name)
    return VAEData(os.path.basename(name), train, test, likelihood, mean=mean, std=std)


def load_vae_dataset(spec: str, root=None, likelihood: Optional[str] = None) -> VAEData:
    r"""Load ``'digits'``, ``'mnist'`` (with ``root``), ``'npy:PATH'`` or ``'csv:PATH'``.

    Args:
        spec (str): The dataset.
        root (str, optional): The MNIST folder. (default: :obj:`None`)
        likelihood (str, optional): Overrides the dataset's default likelihood
            (Bernoulli for images, Gaussian for tables); images are never
            standardised. (default: :obj:`None`)
    """
    if likelihood is not None and likelihood not in LIKELIHOODS:
        raise ValueError(
            f"'likelihood' must be one of {LIKELIHOODS} or None (got {likelihood!r})"
        )
    if not isinstance(spec, str):
        raise ValueError(f"'dataset' must be a string (got {spec!r})")
    if spec == 'digits':
        data = load_digits_data()
    elif spec == 'mnist':
        data = load_mnist(root)
    elif spec.startswith(('npy:', 'csv:')) and len(spec) > 4:
        return load_table(spec[4:], spec[:3], likelihood or 'gaussian')
    else:
        raise ValueError(
            "'dataset' must be 'digits', 'mnist', 'npy:PATH' or 'csv:PATH' "
            f'(got {spec!r})'
        )
    if likelihood is not None:
        data.likelihood = likelihood
    return data


__all__ = [
    'SPLIT_SEED',
    'VAEData',
    'split_rows',
    'load_digits_data',
    'read_idx',
    'load_mnist',
    'read_table',
    'standardize',
    'load_table',
    'load_vae_dataset',
]
