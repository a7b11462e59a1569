r"""Build ``gvae_ext/datasets/cora.npz`` from the raw Planetoid Cora files.

The raw files (``ind.cora.x``, ``allx``, ``tx``, ``y``, ``ally``, ``ty``,
``graph``, ``test.index``) are copied into a temporary ``Cora/raw/`` folder and
loaded offline with PyG's ``Planetoid``, so the shipped graph is exactly the
one PyG builds. The script then checks that the written file decodes back to
that graph. Nothing is downloaded.

Usage::

    python3 scripts/build_cora.py [--shared DIR] [--out PATH]
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gvae_ext.datasets.cora import decode_cora, encode_cora  # noqa: E402
from gvae_ext.datasets.loaders import planetoid_raw_files  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--shared',
        type=Path,
        default=REPO.parent / 'shared' / 'data' / 'planetoid',
        help='folder holding the raw ind.cora.* files '
        '(default: <repo>/../shared/data/planetoid)',
    )
    parser.add_argument(
        '--out',
        type=Path,
        default=REPO / 'gvae_ext' / 'datasets' / 'cora.npz',
        help='file to write (default: gvae_ext/datasets/cora.npz)',
    )
    args = parser.parse_args(argv)

    from torch_geometric.datasets import Planetoid

    names = planetoid_raw_files('Cora')
    missing = [n for n in names if not (args.shared / n).is_file()]
    if missing:
        parser.error(f'{args.shared} lacks the raw files: {", ".join(missing)}')
    with tempfile.TemporaryDirectory() as root:
        raw = Path(root) / 'Cora' / 'raw'
        raw.mkdir(parents=True)
        for name in names:
            shutil.copyfile(args.shared / name, raw / name)
        data = Planetoid(root, 'Cora')[0]

    np.savez_compressed(args.out, **encode_cora(data))
    with np.load(args.out) as arrays:
        back = decode_cora(arrays)
    for key in ('x', 'edge_index', 'y', 'train_mask', 'val_mask', 'test_mask'):
        if not torch.equal(back[key], data[key]):
            raise SystemExit(f'round trip failed for {key!r}')
    print(
        f'wrote {args.out} ({args.out.stat().st_size / 1024:.1f} KiB): '
        f'{data.num_nodes} nodes, {data.edge_index.size(1)} directed edges, '
        f'{data.x.size(1)} features, {int(data.y.max()) + 1} classes'
    )


if __name__ == '__main__':
    main()
