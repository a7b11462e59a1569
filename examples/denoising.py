r"""Denoising 8x8 digits with a DenseVAE.

Trains a :class:`~gvae_ext.vae.model.DenseVAE` on scikit-learn's digits
(offline), adds Gaussian noise to the held-out test digits (clamped back to
``[0, 1]``), and reconstructs them from :math:`z = \mu`: the decoder can only
produce digit-like images, so most of the noise is removed. Prints the mean
squared error to the clean digits before and after, and optionally writes a
PNG grid (rows of clean, noisy and denoised digits).

    python examples/denoising.py --epochs 100 --noise 0.3 --out denoising.png
"""

import argparse

import torch

from gvae_ext.vae.data import load_digits_data
from gvae_ext.vae.images import save_image_grid
from gvae_ext.vae.model import DenseVAE
from gvae_ext.vae.train import train_dense_vae


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--noise', type=float, default=0.3, help='noise std')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None, metavar='PATH.png')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)

    torch.set_num_threads(1)  # a small network: one thread is the fastest
    data = load_digits_data()
    torch.manual_seed(args.seed)
    model = DenseVAE(64, (256, 128), 20)
    train_dense_vae(
        model,
        data.train,
        epochs=args.epochs,
        generator=torch.Generator().manual_seed(args.seed),
        progress=not args.no_progress,
    )

    clean = data.test
    gen = torch.Generator().manual_seed(args.seed + 1)
    noisy = (clean + args.noise * torch.randn(clean.shape, generator=gen)).clamp(0, 1)
    with torch.no_grad():
        denoised = model.reconstruct(noisy)
        recon = model.reconstruct(clean)
    mse = {
        'noisy': float(((noisy - clean) ** 2).mean()),
        'denoised': float(((denoised - clean) ** 2).mean()),
        'clean_reconstruction': float(((recon - clean) ** 2).mean()),
    }
    print(
        f'noise std {args.noise}: pixel MSE to the clean digits '
        f'{mse["noisy"]:.4f} (noisy) -> {mse["denoised"]:.4f} (denoised); '
        f'reconstructing the clean digits: {mse["clean_reconstruction"]:.4f}'
    )
    if args.out:
        rows = torch.cat([clean[:10], noisy[:10], denoised[:10]])
        save_image_grid(
            args.out,
            rows,
            data.image_shape,
            nrow=10,
            scale=4,
            title='denoising',
            row_labels=['clean', 'noisy', 'denoised'],
        )
        print(f'grid (clean / noisy / denoised) written to {args.out}')
    return mse


if __name__ == '__main__':
    main()
