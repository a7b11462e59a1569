r"""The default VGAE with a share of two-hop training negatives, under HeaRT.

For each seed: the seeded 85/5/10 split, ``fit`` with the default preset and
``hard_negatives=SHARE``, then random-negative AUC/AP and the HeaRT metrics
of ``gvae-ext bench --protocol heart`` (500 hard negatives per positive).

    python3 scripts/hard_negatives.py --shares 0,0.2,0.5,1 --seeds 0-2
"""

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gvae_ext import FitConfig, fit, load_cora, split_edges  # noqa: E402
from gvae_ext.report.bench import parse_seeds  # noqa: E402
from gvae_ext.report.protocols import HeartCache, evaluate  # noqa: E402

KEYS = ('test_auc', 'test_ap', 'heart_mrr', 'heart_hits@10', 'heart_hits@50')


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shares', default='0,0.2,0.5')
    parser.add_argument('--seeds', default='0-2')
    parser.add_argument('--model', default='vgae')
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data, heart = load_cora(), HeartCache()
    for share in [float(s) for s in args.shares.split(',')]:
        rows = []
        for seed in parse_seeds(args.seeds):
            gen = torch.Generator().manual_seed(seed)
            split = split_edges(data.edge_index, data.num_nodes, generator=gen)
            config = FitConfig(model=args.model, seed=seed, hard_negatives=share)
            result = fit(data, config, split=split)
            net, z = result.model.eval(), result.embeddings
            rows.append(
                evaluate(
                    lambda p, net=net, z=z: net.decoder(z, p, sigmoid=False),
                    split,
                    ('random', 'heart'),
                    seed=seed,
                    heart=heart,
                    heart_key=seed,
                    x=data.x,
                )
            )
        means = {k: round(100 * statistics.fmean(r[k] for r in rows), 1) for k in KEYS}
        print(f'hard_negatives={share}: {means}', flush=True)


if __name__ == '__main__':
    main()
