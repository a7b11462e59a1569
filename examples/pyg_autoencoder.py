r"""PyG's own autoencoder-example loop, run with gvae_ext's GAE/VGAE.

The loop below is the one written for ``torch_geometric.nn.GAE/VGAE``
(RandomLinkSplit output, a GCNConv encoder, ``recon_loss`` + ``(1/N) kl_loss()``,
``test(z, pos, neg)``); only the import of the model class changes.
``--peer pyg`` runs the very same loop with PyG's classes for comparison.

    python3 examples/pyg_autoencoder.py --variational --epochs 400 --seeds 0-2
    python3 examples/pyg_autoencoder.py --variational --epochs 400 --seeds 0-2 --peer pyg
"""

import argparse
import statistics

import torch
import torch_geometric.transforms as T
from torch_geometric.nn import GCNConv

import gvae_ext
from gvae_ext.report.bench import parse_seeds


class GCNEncoder(torch.nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = GCNConv(in_channels, 2 * out_channels)
        self.conv2 = GCNConv(2 * out_channels, out_channels)

    def forward(self, x, edge_index):
        return self.conv2(self.conv1(x, edge_index).relu(), edge_index)


class VariationalGCNEncoder(torch.nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = GCNConv(in_channels, 2 * out_channels)
        self.conv_mu = GCNConv(2 * out_channels, out_channels)
        self.conv_logstd = GCNConv(2 * out_channels, out_channels)

    def forward(self, x, edge_index):
        x = self.conv1(x, edge_index).relu()
        return self.conv_mu(x, edge_index), self.conv_logstd(x, edge_index)


def run(seed, variational, epochs, peer='gvae_ext', verbose=False):
    if peer == 'pyg':
        from torch_geometric.nn import GAE, VGAE
    else:
        from gvae_ext import GAE, VGAE
    torch.manual_seed(seed)
    transform = T.Compose(
        [
            T.NormalizeFeatures(),
            T.RandomLinkSplit(
                num_val=0.05,
                num_test=0.1,
                is_undirected=True,
                split_labels=True,
                add_negative_train_samples=False,
            ),
        ]
    )
    train_data, val_data, test_data = transform(gvae_ext.load_cora())
    in_channels, out_channels = train_data.num_features, 16
    if variational:
        model = VGAE(VariationalGCNEncoder(in_channels, out_channels))
    else:
        model = GAE(GCNEncoder(in_channels, out_channels))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    def train():
        model.train()
        optimizer.zero_grad()
        z = model.encode(train_data.x, train_data.edge_index)
        loss = model.recon_loss(z, train_data.pos_edge_label_index)
        if variational:
            loss = loss + (1 / train_data.num_nodes) * model.kl_loss()
        loss.backward()
        optimizer.step()
        return loss.item()

    @torch.no_grad()
    def test(data):
        model.eval()
        z = model.encode(data.x, data.edge_index)
        return model.test(z, data.pos_edge_label_index, data.neg_edge_label_index)

    for epoch in range(1, epochs + 1):
        loss = train()
        if verbose and epoch % 50 == 0:
            auc, ap = test(val_data)
            print(
                f'Epoch: {epoch:03d}, loss {loss:.4f}, val AUC: {auc:.4f}, AP: {ap:.4f}'
            )
    return test(test_data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--variational', action='store_true')
    parser.add_argument('--epochs', type=int, default=400)
    parser.add_argument('--seeds', default='0')
    parser.add_argument('--peer', choices=['gvae_ext', 'pyg'], default='gvae_ext')
    args = parser.parse_args()
    aucs, aps = [], []
    for seed in parse_seeds(args.seeds):
        auc, ap = run(seed, args.variational, args.epochs, args.peer)
        aucs.append(auc)
        aps.append(ap)
        print(f'seed {seed}: test AUC {auc:.4f}  AP {ap:.4f}')
    print(
        f'{args.peer} mean over {len(aucs)} seeds: AUC {statistics.fmean(aucs):.4f}  '
        f'AP {statistics.fmean(aps):.4f}'
    )


if __name__ == '__main__':
    main()
