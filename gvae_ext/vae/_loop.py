r"""The mini-batch training loop of :class:`~gvae_ext.vae.model.DenseVAE`.

:func:`train_dense_vae` (public as :func:`gvae_ext.vae.train.train_dense_vae`)
trains with Adam and keeps the weights of the best validation negative ELBO.
"""

import contextlib
import copy
import math
from collections.abc import Iterator
from typing import Any, Optional

import torch
from torch import Tensor
from tqdm.auto import tqdm

from gvae_ext._checks import check_generator, check_positive_int
from gvae_ext.vae.evaluate import evaluate_dense_vae
from gvae_ext.vae.model import DenseVAE


def _check_lr(lr) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"'lr' must be a positive number (got {lr!r})")
    if not math.isfinite(lr):
        raise ValueError(f"'lr' must be finite (got {lr!r})")
    return float(lr)


def _eval_generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


@contextlib.contextmanager
def _private_global_rng(device: torch.device, seed: int) -> Iterator[None]:
    r"""Run the body on a fork of the global generator(s), seeded with ``seed``.

    Dropout draws from the global generator of the data's device, not from
    an explicit one: the fork makes it depend on ``seed`` only, and leaves
    the caller's global state (CPU, and the CUDA device trained on) as it was.
    """
    devices = []
    if device.type == 'cuda':
        index = (
            device.index if device.index is not None else torch.cuda.current_device()
        )
        devices = [index]
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        for index in devices:
            torch.cuda.default_generators[index].manual_seed(seed)
        yield


def train_dense_vae(
    model: DenseVAE,
    train: Tensor,
    val: Optional[Tensor] = None,
    *,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    generator: Optional[torch.Generator] = None,
    eval_every: int = 5,
    eval_samples: int = 8,
    progress: bool = False,
) -> dict[str, Any]:
    r"""Train ``model`` in place with Adam on mini-batches of ``train``.

    With ``val``, the validation negative ELBO is computed every
    ``eval_every`` epochs and after the last one (the same noise each time),
    and the best weights are restored at the end; otherwise the last weights
    are kept. ``generator`` (on the data's device) drives the shuffling and
    the latent noise, and seeds a private fork of the global generator for
    dropout: with a ``generator`` the result depends on it alone and the
    caller's global random state is left as it was (with :obj:`None`, every
    draw comes from, and advances, the global generator). Returns
    ``{'history', 'best_epoch', 'val_nelbo'}``; the model is left in
    evaluation mode.
    """
    train = model.check_input(train, 'train')
    if train.size(0) == 0:
        raise ValueError("'train' must hold at least one sample (got 0 rows)")
    if val is not None:
        val = model.check_input(val, 'val')
    epochs = check_positive_int(epochs, 'epochs')
    batch_size = check_positive_int(batch_size, 'batch_size')
    eval_every = check_positive_int(eval_every, 'eval_every')
    lr = _check_lr(lr)
    device = train.device
    generator = check_generator(generator, device=device, of="'train'")
    val_seed = int(torch.randint(2**62, (1,), generator=generator, device=device))
    # Dropout's stream: another one than the validation noise's (val_seed).
    rng = (
        contextlib.nullcontext()
        if generator is None
        else _private_global_rng(device, (val_seed + 1) % 2**62)
    )
    with rng:
        return _train(
            model, train, val, epochs=epochs, batch_size=batch_size, lr=lr,
            generator=generator, eval_every=eval_every, eval_samples=eval_samples,
            progress=progress, val_seed=val_seed,
        )  # fmt: skip


def _train(
    model: DenseVAE,
    train: Tensor,
    val: Optional[Tensor],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    generator: Optional[torch.Generator],
    eval_every: int,
    eval_samples: int,
    progress: bool,
    val_seed: int,
) -> dict[str, Any]:
    r"""The loop of :func:`train_dense_vae` on checked arguments."""
    device = train.device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history, best, best_epoch, best_state = [], math.inf, -1, None
    bar = tqdm(
        range(1, epochs + 1), desc='DenseVAE', unit='epoch', disable=not progress
    )
    for epoch in bar:
        model.train()
        perm = torch.randperm(train.size(0), generator=generator, device=device)
        total = torch.zeros((), device=device)
        for start in range(0, train.size(0), batch_size):
            xb = train[perm[start : start + batch_size]]
            loss = model.loss(xb, generator=generator, validate_args=False).nelbo
            optimizer.zero_grad()
            loss.mean().backward()
            optimizer.step()
            total += loss.detach().sum()
        row = dict(epoch=epoch, train_nelbo=float(total) / train.size(0))
        if val is not None and (epoch % eval_every == 0 or epoch == epochs):
            gen = _eval_generator(device, val_seed)
            row['val_nelbo'] = evaluate_dense_vae(
                model, val, num_samples=eval_samples, generator=gen
            )['nelbo']
            if row['val_nelbo'] < best:
                best, best_epoch = row['val_nelbo'], epoch
                best_state = copy.deepcopy(model.state_dict())
        history.append(row)
        bar.set_postfix({k: f'{v:.3f}' for k, v in row.items() if k != 'epoch'})
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        best_epoch = epochs
    model.eval()
    return dict(
        history=history,
        best_epoch=best_epoch,
        val_nelbo=None if best_state is None else best,
    )
