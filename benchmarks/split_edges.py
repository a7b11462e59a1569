r"""Edge splits: gvae_ext ``LinkSplit`` against PyG's ``RandomLinkSplit``.

Both use ``num_val=0.05, num_test=0.1, is_undirected=True`` with training
negatives (``add_negative_train_samples=True``, the default of both) and
``split_labels=True`` for PyG. Every case runs in its own process (see
``benchmarks/_common.py``); the table gives seconds, peak RSS, whether every
positive and negative count came out exact and how many validation/test
negative pairs repeat another one (in either orientation).

Usage::

    python3 benchmarks/split_edges.py                 # 1e4, 1e5, 1e6 nodes
    python3 benchmarks/split_edges.py --sizes 1e3,1e4 # quick
    python3 benchmarks/split_edges.py --device cuda --out results.json
"""

import sys
from pathlib import Path

if __package__ in (None, ''):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import finish, graph_parser, run_grid  # noqa: E402

NAME = 'split_edges'
COLUMNS = [
    'nodes',
    'graph',
    'pairs',
    'ours s',
    'PyG s',
    'speed-up',
    'ours peak MB',
    'PyG peak MB',
    'start MB',
    'ours exact',
    'PyG exact',
    'ours repeated negs',
    'PyG repeated negs',
]


def _summary(train, val, test, num_nodes: int, num_pairs: int):
    import torch

    counts = dict(
        val_pos=val.pos_edge_label_index.size(1),
        val_neg=val.neg_edge_label_index.size(1),
        test_pos=test.pos_edge_label_index.size(1),
        test_neg=test.neg_edge_label_index.size(1),
        train_pos=train.pos_edge_label_index.size(1),
        train_neg=train.neg_edge_label_index.size(1),
    )
    want_val, want_test = int(0.05 * num_pairs), int(0.1 * num_pairs)
    exact = counts['val_pos'] == counts['val_neg'] == want_val
    exact &= counts['test_pos'] == counts['test_neg'] == want_test
    exact &= counts['train_pos'] == counts['train_neg']
    neg = torch.cat([val.neg_edge_label_index, test.neg_edge_label_index], 1)
    ids = torch.minimum(neg[0], neg[1]) * num_nodes + torch.maximum(neg[0], neg[1])
    repeated = ids.numel() - torch.unique(ids).numel()
    return dict(counts, exact=bool(exact), repeated_negatives=repeated)


def setup(path: str, method: str, device: str, seed: int = 0):
    r"""Load the graph and return the timed call (runs in the worker)."""
    import random

    import torch
    from torch_geometric.data import Data

    raw = torch.load(path)
    data = Data(edge_index=raw['edge_index'].to(device), num_nodes=raw['num_nodes'])
    if method == 'gvae_ext':
        from gvae_ext.link.split import LinkSplit

        transform = LinkSplit(num_val=0.05, num_test=0.1, is_undirected=True, seed=seed)
    else:
        from torch_geometric.transforms import RandomLinkSplit

        random.seed(seed)
        torch.manual_seed(seed)
        transform = RandomLinkSplit(
            num_val=0.05, num_test=0.1, is_undirected=True, split_labels=True
        )
    small = Data(edge_index=data.edge_index[:, :200], num_nodes=data.num_nodes)
    transform(small)  # warm-up: lazy imports, thread pools

    def run():
        out = transform(data)
        if device == 'cuda':
            torch.cuda.synchronize()
        num_pairs = data.edge_index.size(1) // 2
        return dict(_summary(*out, data.num_nodes, num_pairs), pairs=num_pairs)

    return run


def make_row(size, kind, res):
    ours, pyg = res['gvae_ext'], res['pyg']
    row = dict(nodes=size, graph=kind)
    for key, value in (('ours', ours), ('PyG', pyg)):
        if 'error' in value:
            row[f'{key} s'] = 'error: ' + value['error'][:60]
            continue
        row[f'{key} s'] = value['seconds']
        row[f'{key} peak MB'] = value['peak_rss_mb']
        row[f'{key} exact'] = value['exact']
        row[f'{key} repeated negs'] = value['repeated_negatives']
        row['pairs'] = value['pairs']
    if 'error' not in ours:
        row['start MB'] = ours['start_rss_mb']
    if 'error' not in ours and 'error' not in pyg:
        row['speed-up'] = f'{pyg["seconds"] / ours["seconds"]:.1f}x'
    return row


def main(argv=None) -> None:
    args = graph_parser(__doc__.splitlines()[0], NAME).parse_args(argv)
    target = f'benchmarks.{NAME}:setup'
    rows = run_grid(target, ('gvae_ext', 'pyg'), args, make_row, COLUMNS)
    finish(NAME, args, rows, COLUMNS)


if __name__ == '__main__':
    main()
