r"""Training epochs on large synthetic graphs: gvae_ext's VGAE against PyG's example.

``default`` times one epoch of the default ``gvae-ext fit`` instead: the
``'auto'`` preset as it resolves for the graph (GCN 32 -> 16 above 1e5
nodes, batch norm, ELU, 70% of the pairs masked and reconstructed, the
degree side loss), VGAE.

One epoch = ``zero_grad`` + encoder forward + sampled reconstruction loss +
KL/N + backward + Adam step, with every edge of the graph as a training edge
(no split: only the epoch cost is measured). Both models are 2-layer GCN
encoders 64 -> 32 -> 16 (mu and logstd heads) on 64 random features:

* ``gvae_ext``: :class:`gvae_ext.nn.VGAE` with
  :class:`~gvae_ext.nn.encoders.VariationalGCNEncoder`,
  ``model.loss(z, edge_index)`` (objective ``'sampled'``).
* ``pyg`` / ``pyg-cached``: ``torch_geometric.nn.VGAE`` with ``GCNConv``
  layers as in PyG's ``examples/autoencoder.py`` (``cached=False`` /
  ``cached=True``), loss ``recon_loss(z, edge_index) + (1 / N) * kl_loss()``.

Graphs are Chung-Lu power-law graphs (``benchmarks/_common.py``). Each case
runs in a fresh process: one warm-up epoch during the setup (lazy imports,
cached normalisation), then the best of ``--repeat`` timed epochs. ``peak
MB`` is the peak RSS of the whole process (setup and warm-up epoch
included); ``train MB`` is the peak of the timed epochs alone (the high-water
mark is reset after the setup; inputs included).

With ``--batch-size B`` one more case, ``minibatch:B:K1,K2:M``, trains the
same VGAE with :func:`gvae_ext.train.minibatch.minibatch_epoch` (own sampler,
fan-outs ``--num-neighbors K1,K2``, default 10,10) on ``--max-batches M``
batches of B undirected training pairs (default 5; a fixed random subset of
the pairs); its s/epoch is the time of those batches scaled to all pairs (an
estimate), its MB columns are measured as for the other cases.

Usage::

    python3 benchmarks/scale.py --sizes 1e5 --threads 1
    python3 benchmarks/scale.py --sizes 1e5,1e6 --threads 1 --repeat 3
    python3 benchmarks/scale.py --device cuda --sizes 1e6
    python3 benchmarks/scale.py --sizes 1e6 --methods gvae_ext --batch-size 2048
"""

import sys
from pathlib import Path

if __package__ in (None, ''):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import finish, graph_parser, run_grid  # noqa: E402

NAME = 'scale'
METHODS = ('gvae_ext', 'default', 'pyg', 'pyg-cached')
FEATURES, HIDDEN, LATENT = 64, 32, 16
COLUMNS = [
    'nodes',
    'graph',
    'edges',
    'ours s/epoch',
    'PyG s/epoch',
    'PyG cached s/epoch',
    'speed-up',
    'default s/epoch',
    'default speed-up',
    'default width',
    'ours peak MB',
    'default peak MB',
    'PyG peak MB',
    'PyG cached peak MB',
    'ours train MB',
    'PyG train MB',
]
LABELS = {
    'gvae_ext': 'ours',
    'default': 'default',
    'pyg': 'PyG',
    'pyg-cached': 'PyG cached',
}
MB_COLUMNS = ['mini-batch s/epoch (est.)', 'mini-batch peak MB', 'mini-batch train MB']


def _pyg_model(cached: bool):
    import torch
    from torch_geometric.nn import VGAE, GCNConv

    class Encoder(torch.nn.Module):  # the encoder of PyG's autoencoder example
        def __init__(self):
            super().__init__()
            self.conv1 = GCNConv(FEATURES, HIDDEN, cached=cached)
            self.conv_mu = GCNConv(HIDDEN, LATENT, cached=cached)
            self.conv_logstd = GCNConv(HIDDEN, LATENT, cached=cached)

        def forward(self, x, edge_index):
            x = self.conv1(x, edge_index).relu()
            return self.conv_mu(x, edge_index), self.conv_logstd(x, edge_index)

    return VGAE(Encoder())


def setup(path: str, method: str, device: str, seed: int = 0):
    r"""Load the graph, build the model, run a warm-up epoch and return the
    timed epoch (runs in the worker process)."""
    import warnings

    import torch

    warnings.filterwarnings('ignore', message='Sparse CSR tensor support')
    data = torch.load(path)
    edge_index, n = data['edge_index'].to(device), data['num_nodes']
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, FEATURES, generator=g).to(device)
    torch.manual_seed(seed)
    if method == 'gvae_ext':
        from gvae_ext.nn import VGAE
        from gvae_ext.nn.encoders import VariationalGCNEncoder

        model = VGAE(VariationalGCNEncoder(FEATURES, HIDDEN, LATENT))
    elif method in ('pyg', 'pyg-cached'):
        model = _pyg_model(cached=method == 'pyg-cached')
    elif method == 'default':
        return _default_setup(edge_index, n, x, device)
    elif method.startswith('minibatch:'):
        return _minibatch_setup(edge_index, n, x, method, device, seed)
    else:
        raise ValueError(f"'method' must be one of {METHODS} (got {method!r})")
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    def epoch():
        optimizer.zero_grad()
        z = model.encode(x, edge_index)
        if method == 'gvae_ext':
            loss = model.loss(z, edge_index)
        else:  # PyG's example loss, unchanged
            loss = model.recon_loss(z, edge_index) + (1 / n) * model.kl_loss()
        loss.backward()
        optimizer.step()
        if device == 'cuda':
            torch.cuda.synchronize()
        return dict(edges=edge_index.size(1), loss=float(loss))

    epoch()  # warm-up
    return epoch


def _default_setup(edge_index, n, x, device):
    r"""One epoch of the default ``gvae-ext fit`` (the ``'auto'`` preset as
    it resolves for this graph, VGAE), every edge a training edge."""
    import torch
    from torch_geometric.data import Data

    from gvae_ext.link import EdgeSplit
    from gvae_ext.train import FitConfig
    from gvae_ext.train._run import _Run
    from gvae_ext.train.auto import plan
    from gvae_ext.train.replica import Replica

    data = Data(edge_index=edge_index, x=x, num_nodes=n)
    config = plan(FitConfig(model='vgae', device=device), data).configs[0]
    pairs = edge_index[:, edge_index[0] < edge_index[1]]
    few = pairs[:, :2]  # held-out pairs are not used by an epoch
    split = EdgeSplit(edge_index, few, few.flip(0), few, few.flip(0), n, pairs)
    run = _Run(data, config, split, Replica())

    def epoch():
        loss = run.epoch()
        if device == 'cuda':
            torch.cuda.synchronize()
        width = f'{config.hidden_channels}-{config.out_channels}'
        return dict(edges=edge_index.size(1), loss=loss, width=width)

    epoch()  # warm-up
    return epoch


def _minibatch_setup(edge_index, n, x, method, device, seed):
    import torch

    from gvae_ext.nn import VGAE
    from gvae_ext.nn.encoders import VariationalGCNEncoder
    from gvae_ext.sampling.neighbor import KHopSampler
    from gvae_ext.train.minibatch import minibatch_epoch

    _, batch_size, fanouts, max_batches = method.split(':')
    batch_size, max_batches = int(batch_size), int(max_batches)
    fanouts = [int(k) for k in fanouts.split(',')]
    model = VGAE(VariationalGCNEncoder(FEATURES, HIDDEN, LATENT)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    sampler = KHopSampler(edge_index, n, fanouts)
    pairs = edge_index[:, edge_index[0] < edge_index[1]]
    gen = torch.Generator(device=device).manual_seed(seed)
    keep = torch.randperm(pairs.size(1), generator=gen, device=pairs.device)
    subset = pairs[:, keep[: batch_size * max_batches]]

    def epoch():
        loss = minibatch_epoch(
            model, x, sampler, subset, optimizer, batch_size=batch_size, generator=gen
        )
        if device == 'cuda':
            torch.cuda.synchronize()
        return dict(
            edges=edge_index.size(1), loss=loss, scale=pairs.size(1) / subset.size(1)
        )

    epoch()  # warm-up
    return epoch


def make_row(size, kind, res):
    row = dict(nodes=size, graph=kind)
    for method, label in LABELS.items():
        value = res.get(method)
        if value is None:
            continue
        if 'error' in value:
            row[f'{label} s/epoch'] = 'error: ' + value['error'][:60]
            continue
        row['edges'] = value['edges']
        row[f'{label} s/epoch'] = value['seconds']
        row[f'{label} peak MB'] = max(value['setup_rss_mb'], value['peak_rss_mb'])
        row[f'{label} train MB'] = value['peak_rss_mb']
    for method, value in res.items():
        if not method.startswith('minibatch:'):
            continue
        if 'error' in value:
            row[MB_COLUMNS[0]] = 'error: ' + value['error'][:60]
            continue
        row['edges'] = value['edges']
        row[MB_COLUMNS[0]] = value['seconds'] * value['scale']
        row[MB_COLUMNS[1]] = max(value['setup_rss_mb'], value['peak_rss_mb'])
        row[MB_COLUMNS[2]] = value['peak_rss_mb']
    ours, pyg = res.get('gvae_ext', {}), res.get('pyg', {})
    if 'seconds' in ours and 'seconds' in pyg:
        row['speed-up'] = f'{pyg["seconds"] / ours["seconds"]:.1f}x'
    default = res.get('default', {})
    if 'seconds' in default and 'seconds' in pyg:
        row['default speed-up'] = f'{pyg["seconds"] / default["seconds"]:.1f}x'
    if 'width' in default:
        row['default width'] = default['width']
    return row


def main(argv=None) -> None:
    parser = graph_parser(__doc__.splitlines()[0], NAME)
    parser.set_defaults(sizes='1e5,1e6', graphs='powerlaw', repeat=3)
    parser.add_argument(
        '--methods', default=','.join(METHODS), help=f'subset of {METHODS}'
    )
    parser.add_argument(
        '--batch-size', type=int, default=0, help='add a mini-batch case (0: none)'
    )
    parser.add_argument('--num-neighbors', default='10,10', help='its fan-outs')
    parser.add_argument('--max-batches', type=int, default=5, help='its timed batches')
    args = parser.parse_args(argv)
    methods = [m for m in args.methods.split(',') if m]
    for method in methods:
        if method not in METHODS:
            parser.error(f"'--methods' must be a subset of {METHODS} (got {method!r})")
    columns = COLUMNS
    if args.batch_size > 0:
        spec = (args.batch_size, args.num_neighbors, args.max_batches)
        methods.append('minibatch:{}:{}:{}'.format(*spec))
        columns = COLUMNS + MB_COLUMNS
    target = f'benchmarks.{NAME}:setup'
    rows = run_grid(target, methods, args, make_row, columns)
    finish(NAME, args, rows, columns)


if __name__ == '__main__':
    main()
