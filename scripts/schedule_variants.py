r"""Schedule variants of the default on Cora, paired on one training run.

For each seed: the seeded 85/5/10 split and the default (``auto``) config
with ``--epochs``, ``--lr`` and ``--hard-weight``; the model is trained once,
and besides the raw weights it keeps exponential moving averages of them
(``--decays``, BN buffers included). Each variant reports its own
best-validation epoch, the test AUC/AP there and the HeaRT MRR / Hits@10 of
``gvae-ext bench --protocol heart``. The EMA copies do not touch the
training trajectory, so the rows of one run are paired exactly.

    python3 scripts/schedule_variants.py --seeds 0-2
    python3 scripts/schedule_variants.py --seeds 0-2 --decays '' --epochs 600
    python3 scripts/schedule_variants.py --seeds 0-2 --decays '' --set degree_weight=0
"""

import argparse
import copy
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gvae_ext import FitConfig, load_cora, split_edges  # noqa: E402
from gvae_ext._io import write_json  # noqa: E402
from gvae_ext.report.bench import parse_seeds  # noqa: E402
from gvae_ext.report.protocols import HeartCache, evaluate  # noqa: E402
from gvae_ext.train import DEFAULT_PRESET  # noqa: E402
from gvae_ext.train._run import _Run  # noqa: E402
from gvae_ext.train.auto import plan  # noqa: E402
from gvae_ext.train.replica import Replica  # noqa: E402


def _update(ema: dict, state: dict, decay: float) -> None:
    for key, value in state.items():
        if value.is_floating_point():
            ema[key].mul_(decay).add_(value, alpha=1 - decay)
        else:
            ema[key].copy_(value)


def run_seed(data, heart, seed: int, args, decays) -> dict:
    split = split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(seed)
    )
    config = FitConfig.from_preset(
        DEFAULT_PRESET, model=args.model, seed=seed, epochs=args.epochs,
        lr=args.lr, hard_weight=args.hard_weight, **args.set,
    )  # fmt: skip
    config = plan(config, data).configs[0]
    rows = {}
    with torch.random.fork_rng():
        torch.random.manual_seed(seed)
        run = _Run(data, config, split, Replica())
        emas = {d: copy.deepcopy(run.model.state_dict()) for d in decays}
        best = {k: (-1.0, None, 0) for k in ['raw', *decays]}
        shadow = copy.deepcopy(run.model)
        for epoch in range(1, config.epochs + 1):
            run.epoch()
            state = run.model.state_dict()
            val = run.evaluate('val')[0]
            if val > best['raw'][0]:
                best['raw'] = (val, copy.deepcopy(state), epoch)
            for d in decays:
                _update(emas[d], state, d)
                shadow.load_state_dict(emas[d])
                val = run.evaluate('val', shadow)[0]
                if val > best[d][0]:
                    best[d] = (val, copy.deepcopy(emas[d]), epoch)
        for key, (val, state, epoch) in best.items():
            shadow.load_state_dict(state)
            z = run.evaluate('test', shadow)[2]
            r = evaluate(
                lambda p, net=shadow, z=z: net.decoder(z, p, sigmoid=False),
                split, ('random', 'heart'), seed=seed, heart=heart,
                heart_key=seed, x=data.x,
            )  # fmt: skip
            rows[str(key)] = dict(
                test_auc=r['test_auc'], test_ap=r['test_ap'],
                heart_mrr=r['heart_mrr'], heart_hits10=r['heart_hits@10'],
                val_auc=val, epoch=epoch,
            )  # fmt: skip
    return rows


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', default='0-2')
    parser.add_argument('--model', default='vgae')
    parser.add_argument('--epochs', type=int, default=300)
    parser.add_argument('--lr', type=float, default=0.01)
    parser.add_argument('--hard-weight', type=float, default=0.0)
    parser.add_argument('--decays', default='0.9,0.95,0.98')
    parser.add_argument(
        '--set', default=[], action='append', metavar='FIELD=VALUE',
        help='another FitConfig field, e.g. --set degree_weight=0',
    )  # fmt: skip
    parser.add_argument('--out', default=None, metavar='PATH.json')
    args = parser.parse_args(argv)
    args.set = {k: _value(v) for k, v in (item.split('=', 1) for item in args.set)}
    torch.set_num_threads(1)
    decays = [float(d) for d in args.decays.split(',') if d]
    data, heart = load_cora(), HeartCache()
    report: dict = {}
    for seed in parse_seeds(args.seeds):
        rows = run_seed(data, heart, seed, args, decays)
        for key, row in rows.items():
            report.setdefault(key, []).append(dict(row, seed=seed))
        cells = {
            k: f'{100 * r["test_auc"]:.2f}/{100 * r["test_ap"]:.2f}'
            for k, r in rows.items()
        }
        print(f'seed {seed}: {cells}', flush=True)
    for key, rows in report.items():
        keys = ('test_auc', 'test_ap', 'heart_mrr', 'heart_hits10')
        cells = [f'{k} {100 * statistics.fmean(r[k] for r in rows):.2f}' for k in keys]
        print(f'{key}: ' + ', '.join(cells))
    if args.out:
        write_json(args.out, report)


if __name__ == '__main__':
    main()
