r"""The evaluation suite of issue 12: the default against the paper preset and
against PyG's own autoencoder example, on graphs the default was not tuned on.

Every graph is split by :func:`gvae_ext.split_edges` with the seed (85/5/10),
so for one seed the three methods see the same split; every seed is its own
split and initialisation. For each graph the script prints test AUC / AP
(x100, mean ± std over seeds) and the paired per-seed differences
default − paper and default − PyG-example (mean ± standard error, and on how
many seeds the default is ahead).

Methods:

* ``default`` -- ``gvae-ext fit`` with no preset (whatever
  :data:`gvae_ext.train.DEFAULT_PRESET` resolves to for the graph);
* ``paper`` -- ``--preset paper`` (Kipf & Welling's protocol);
* ``masked5`` (on request) -- the ``masked`` preset (as ``auto`` adapts it:
  dropout 0.2 for a VGAE) as an ensemble of five, the alternative to the
  paper ensemble that ``auto`` trains on graphs with too few validation
  pairs; a third table compares it with the default;
* ``pyg`` -- PyG 2.8's ``examples/autoencoder.py`` model and loop with PyG's
  own classes (``torch_geometric.nn.GAE/VGAE`` around two or three
  ``GCNConv`` layers 2·16 -> 16, row-normalised features, Adam lr 0.01, 400
  epochs, ``recon_loss`` + ``kl_loss()/N``, the last epoch's model), trained
  on the same split.

Graphs (nothing is downloaded): ``cora`` and ``cora*`` (featureless), the
networkx built-ins ``karate``, ``lesmis``, ``florentine``, ``davis``, five
small featureless networkx graphs of 60-150 nodes (``plc_100`` Holme-Kim,
``ws_120`` Watts-Strogatz, ``rpg_90`` three planted blocks, ``ba_150``
Barabási-Albert, ``caveman_60`` relaxed caveman), and
synthetic graphs: ``sbm_feat`` (stochastic block model, features = noisy
block indicators), ``sbm`` (the same graph featureless), ``geo_feat``
(random geometric graph, features = the coordinates plus noise), ``er_noise``
(Erdős–Rényi with uninformative random features), two featureless graphs of
2000 nodes: ``plc`` (Holme–Kim power-law graph with clustering) and
``sbm_2k`` (four blocks of 500), ``plc_noise`` (``plc`` with 16
uninformative random features), two featureless co-authorship graphs (papers
as cliques of their authors, authors in groups of power-law sizes):
``collab_3k`` (2168 nodes with an edge) and ``collab_8k`` (5786), and
``bow``, a citation-like graph of 3000 nodes with binary bag-of-words
features (a degree-corrected block model over six topics, ~18 words per node
from the topic's word distribution). ``--edgelists DIR`` adds
every ``DIR/*.txt`` (e.g. from ``scripts/real_graphs.py build``).

``--before PATH.json`` (an ``--out`` of an earlier run, the same seeds)
takes the methods not run now from that file and prints one more table: the
default of now against the saved default, paired per seed.

``--blend ra`` (or ``aa``, ``cn``) also scores the default's trained model
blended with that heuristic (:func:`gvae_ext.link.blend_heuristic`, the
weight chosen on the split's validation pairs) and prints a second table:
the blend against the default alone (the same trained model, paired) and
against the paper preset and PyG's example.

Usage::

    python3 scripts/eval_suite.py --graphs karate,lesmis --seeds 0-9 \
        --model vgae --out docs/results/suite_vgae.json
"""

import argparse
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gvae_ext  # noqa: E402
from gvae_ext._io import write_json  # noqa: E402
from gvae_ext.link import blend_split  # noqa: E402
from gvae_ext.report.bench import parse_seeds  # noqa: E402
from gvae_ext.train.auto import VARIATIONAL_DROPOUT  # noqa: E402

METHODS = ('default', 'paper', 'pyg')
#: Methods run on request only (``--methods``), compared with the default.
EXTRA_METHODS = ('masked5',)


def _networkx(name: str):
    import networkx as nx

    graph = {
        'karate': nx.karate_club_graph,
        'lesmis': nx.les_miserables_graph,
        'florentine': nx.florentine_families_graph,
        'davis': nx.davis_southern_women_graph,
    }[name]()
    return gvae_ext.load_networkx(nx.convert_node_labels_to_integers(graph))


def _sbm(features: bool, size: int = 60):
    import networkx as nx

    # the expected degree (about 11) does not depend on the block size
    sizes = [size] * 5
    p_in, p_out = 0.12 * (60 / size), 0.01 * (60 / size)
    graph = nx.stochastic_block_model(sizes, _probs(len(sizes), p_in, p_out), seed=7)
    g = torch.Generator().manual_seed(7)
    block = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    x = torch.nn.functional.one_hot(block, len(sizes)).float()
    x = x + 0.8 * torch.randn(x.shape, generator=g)
    return gvae_ext.load_networkx(graph, features=x if features else None)


def _heterophilous(name: str):
    import networkx as nx

    if name == 'star':  # a hub and 199 leaves
        return gvae_ext.load_networkx(nx.star_graph(199))
    # users and items: 60 users, each linked to 12 of 40 items
    rng = random.Random(29)
    graph = nx.Graph()
    graph.add_nodes_from(range(100))
    for user in range(60):
        graph.add_edges_from((user, 60 + item) for item in rng.sample(range(40), 12))
    return gvae_ext.load_networkx(graph)


def _probs(k: int, p_in: float, p_out: float):
    return [[p_in if i == j else p_out for j in range(k)] for i in range(k)]


def _geometric(num_nodes: int = 300, radius: float = 0.11):
    import networkx as nx

    graph = nx.random_geometric_graph(num_nodes, radius, seed=3)
    pos = torch.tensor([graph.nodes[i]['pos'] for i in range(num_nodes)])
    g = torch.Generator().manual_seed(3)
    x = torch.cat([pos, torch.randn(num_nodes, 6, generator=g)], 1)
    return gvae_ext.load_networkx(graph, features=x)


def _erdos_renyi():
    import networkx as nx

    graph = nx.gnp_random_graph(300, 0.03, seed=5)
    g = torch.Generator().manual_seed(5)
    return gvae_ext.load_networkx(graph, features=torch.randn(300, 16, generator=g))


def _small_synthetic(name: str):
    r"""Five small featureless graphs of 60-150 nodes, added after the
    small-graph rule was written, to check it on graphs it was not chosen on
    (each has fewer than 50 validation pairs at 5%)."""
    import networkx as nx

    graph = {
        'plc_100': lambda: nx.powerlaw_cluster_graph(100, 2, 0.5, seed=3),
        'ws_120': lambda: nx.connected_watts_strogatz_graph(120, 4, 0.1, seed=4),
        'rpg_90': lambda: nx.random_partition_graph([30] * 3, 0.25, 0.02, seed=5),
        'ba_150': lambda: nx.barabasi_albert_graph(150, 2, seed=6),
        'caveman_60': lambda: nx.relaxed_caveman_graph(10, 6, 0.15, seed=7),
    }[name]()
    return gvae_ext.load_networkx(nx.convert_node_labels_to_integers(nx.Graph(graph)))


def _mid_sized(name: str):
    import networkx as nx

    if name.startswith('plc'):  # clustered, heavy-tailed degrees (Holme-Kim)
        graph = nx.powerlaw_cluster_graph(2000, 3, 0.3, seed=11)
    else:  # 'sbm_2k': four communities of 500
        graph = nx.stochastic_block_model([500] * 4, _probs(4, 0.012, 0.001), seed=13)
    x = None
    if name == 'plc_noise':  # the same graph with 16 uninformative features
        x = torch.randn(2000, 16, generator=torch.Generator().manual_seed(11))
    return gvae_ext.load_networkx(nx.Graph(graph), features=x)


def _collaboration(num_authors: int, seed: int):
    r"""A featureless co-authorship graph: authors in groups of power-law
    sizes write papers with 1-8 authors, mostly from one group, chosen in
    proportion to their earlier papers (+1); every paper links all its
    authors (a clique), as in the co-authorship graphs of SNAP/arXiv."""
    import networkx as nx

    rng = random.Random(seed)
    groups, start = [], 0
    while start < num_authors:
        size = min(num_authors - start, max(5, int(8 * rng.paretovariate(1.3))))
        groups.append(list(range(start, start + size)))
        start += size
    papers = [1] * num_authors
    graph = nx.Graph()
    graph.add_nodes_from(range(num_authors))
    for _ in range(int(1.4 * num_authors)):
        group = rng.choices(groups, weights=[len(g) for g in groups])[0]
        team = set()
        for _ in range(min(8, 1 + int(rng.expovariate(0.6)))):
            pool = group if rng.random() < 0.9 else rng.choice(groups)
            team.add(rng.choices(pool, weights=[papers[a] for a in pool])[0])
        for a in team:
            papers[a] += 1
        graph.add_edges_from((a, b) for a in team for b in team if a < b)
    graph.remove_nodes_from([v for v in list(graph) if graph.degree(v) == 0])
    return gvae_ext.load_networkx(nx.convert_node_labels_to_integers(graph))


def _bag_of_words(num_nodes: int = 3000, topics: int = 6, vocab: int = 800):
    r"""A citation-like graph with bag-of-words features: a degree-corrected
    block model over topics (85% of a node's links within its topic, power-law
    propensities), each node a binary bag of about 18 words drawn from its
    topic's word distribution (Cora's documents average 18 words)."""
    g = torch.Generator().manual_seed(23)
    topic = torch.randint(topics, (num_nodes,), generator=g)
    words = torch.distributions.Dirichlet(torch.full((vocab,), 0.05))
    with torch.random.fork_rng():
        torch.manual_seed(23)
        dist = 0.5 * words.sample((topics,)) + 0.5 / vocab  # shared background
    draws = torch.multinomial(dist[topic], 18, replacement=True, generator=g)
    x = torch.zeros(num_nodes, vocab).scatter_(1, draws, 1.0)
    weight = torch.rand(num_nodes, generator=g).pow(-1 / 1.5).clamp(max=40)
    num_edges = 2 * num_nodes
    src = torch.multinomial(weight, num_edges, replacement=True, generator=g)
    same = torch.rand(num_edges, generator=g) < 0.85
    dst = torch.empty_like(src)
    for t in range(topics):
        members = (topic == t).nonzero().view(-1)
        pick = same & (topic[src] == t)
        draw = torch.multinomial(weight[members], int(pick.sum()), True, generator=g)
        dst[pick] = members[draw]
    other = ~same
    dst[other] = torch.multinomial(weight, int(other.sum()), True, generator=g)
    keep = src != dst
    ei = torch.stack([src[keep], dst[keep]])
    ei = torch.unique(torch.cat([ei, ei.flip(0)], 1), dim=1)
    from torch_geometric.data import Data

    return Data(x=x, edge_index=ei, num_nodes=num_nodes)


GRAPHS: Dict[str, Callable] = {
    'cora': gvae_ext.load_cora,
    'cora*': lambda: gvae_ext.featureless(gvae_ext.load_cora()),
    'karate': lambda: _networkx('karate'),
    'lesmis': lambda: _networkx('lesmis'),
    'florentine': lambda: _networkx('florentine'),
    'davis': lambda: _networkx('davis'),
    'plc_100': lambda: _small_synthetic('plc_100'),
    'ws_120': lambda: _small_synthetic('ws_120'),
    'rpg_90': lambda: _small_synthetic('rpg_90'),
    'ba_150': lambda: _small_synthetic('ba_150'),
    'caveman_60': lambda: _small_synthetic('caveman_60'),
    'sbm_feat': lambda: _sbm(True),
    'sbm': lambda: _sbm(False),
    'geo_feat': _geometric,
    'geo_2k': lambda: _geometric(2000, 0.042),
    'star': lambda: _heterophilous('star'),
    'bipartite': lambda: _heterophilous('bipartite'),
    'sbm_feat_2k': lambda: _sbm(True, 400),
    'er_noise': _erdos_renyi,
    'plc': lambda: _mid_sized('plc'),
    'plc_noise': lambda: _mid_sized('plc_noise'),
    'sbm_2k': lambda: _mid_sized('sbm_2k'),
    'collab_3k': lambda: _collaboration(3000, 17),
    'collab_8k': lambda: _collaboration(8000, 19),
    'bow': _bag_of_words,
}


def run_pyg_example(data, split, seed: int, variational: bool) -> Dict[str, float]:
    r"""PyG's autoencoder example (its classes, its loop) on ``split``."""
    from torch_geometric.nn import GAE, VGAE, GCNConv

    x = data.x.to_dense() if data.x.layout != torch.strided else data.x
    x = x.float()
    x = x - x.min()  # T.NormalizeFeatures
    x = x / x.sum(1, keepdim=True).clamp(min=1)

    class Encoder(torch.nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv1 = GCNConv(cin, 2 * cout)
            self.conv2 = GCNConv(2 * cout, cout)
            self.conv3 = GCNConv(2 * cout, cout) if variational else None

        def forward(self, x, edge_index):
            h = self.conv1(x, edge_index).relu()
            if self.conv3 is None:
                return self.conv2(h, edge_index)
            return self.conv2(h, edge_index), self.conv3(h, edge_index)

    # PyG samples its negatives with Python's `random` too: seed both, restore.
    state = random.getstate()
    random.seed(seed)
    with torch.random.fork_rng():
        torch.random.manual_seed(seed)
        encoder = Encoder(x.size(1), 16)
        model = VGAE(encoder) if variational else GAE(encoder)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        train = split.train_pos_edge_index
        pos = train[:, train[0] < train[1]]
        for _ in range(400):
            model.train()
            optimizer.zero_grad()
            z = model.encode(x, train)
            loss = model.recon_loss(z, pos)
            if variational:
                loss = loss + model.kl_loss() / data.num_nodes
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            z = model.encode(x, train)
            auc, ap = model.test(
                z, split.test_pos_edge_index, split.test_neg_edge_index
            )
    random.setstate(state)
    return {'test_auc': float(auc), 'test_ap': float(ap)}


def _blend(data, split, result, heuristic: str) -> Dict[str, float]:
    net, z = result.model.eval(), result.embeddings
    with torch.no_grad():
        blend = blend_split(
            lambda p: net.decoder(z, p, sigmoid=False),
            split,
            data.num_nodes,
            heuristic=heuristic,
        )
        auc, ap = gvae_ext.link_auc_ap(
            blend(split.test_pos_edge_label_index),
            blend(split.test_neg_edge_label_index),
        )
    return {
        'blend_auc': float(auc),
        'blend_ap': float(ap),
        'blend_weight': blend.weight,
    }


def run_one(
    data, method: str, model: str, seed: int, blend: str = ''
) -> Dict[str, float]:
    config = None
    if method == 'paper':
        config = gvae_ext.FitConfig.from_preset('paper', model=model, seed=seed)
    elif method == 'default':
        config = gvae_ext.FitConfig.from_preset(model=model, seed=seed)
    elif method == 'masked5':  # the masked model as an ensemble of five
        extra = {'dropout': VARIATIONAL_DROPOUT} if model == 'vgae' else {}
        config = gvae_ext.FitConfig.from_preset(
            'masked', model=model, seed=seed, ensemble=5, **extra
        )
    split = gvae_ext.split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(seed)
    )
    start = time.perf_counter()
    if method == 'pyg':
        metrics = run_pyg_example(data, split, seed, model == 'vgae')
    else:
        result = gvae_ext.fit(data, config, split=split)
        metrics = dict(result.metrics)
        if blend and method == 'default':
            metrics.update(_blend(data, split, result, blend))
    metrics['seconds'] = time.perf_counter() - start
    return metrics


def _mean_std(values: List[float]) -> str:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{100 * statistics.fmean(values):.1f} ± {100 * std:.1f}'


def _paired(a: List[float], b: List[float]) -> str:
    diff = [x - y for x, y in zip(a, b)]
    se = statistics.stdev(diff) / math.sqrt(len(diff)) if len(diff) > 1 else 0.0
    ahead = sum(d > 0 for d in diff)
    return f'{100 * statistics.fmean(diff):+.1f} ± {100 * se:.1f} ({ahead}/{len(diff)})'


def _against_peers(auc, ap, runs, peers=('paper', 'pyg')) -> List[str]:
    # Paired AUC / AP differences of one column against each peer's runs.
    cells = []
    for peer in peers:
        if auc and runs.get(peer):
            other = runs[peer]
            cells.append(
                f'{_paired(auc, [r["test_auc"] for r in other])} / '
                f'{_paired(ap, [r["test_ap"] for r in other])}'
            )
        else:
            cells.append('—')
    return cells


def table(results: Dict[str, Dict[str, List[Dict[str, float]]]]) -> str:
    lines = [
        '| graph | default AUC / AP | paper AUC / AP | PyG example AUC / AP '
        '| Δ default − paper AUC / AP | Δ default − PyG AUC / AP |',
        '|---|---|---|---|---|---|',
    ]
    for graph, runs in results.items():
        cells = [graph]
        col = {
            m: {k: [r[k] for r in runs[m]] for k in ('test_auc', 'test_ap')}
            for m in METHODS
            if m in runs
        }
        for m in METHODS:
            if m in col:
                cells.append(
                    f'{_mean_std(col[m]["test_auc"])} / {_mean_std(col[m]["test_ap"])}'
                )
            else:
                cells.append('—')
        default = col.get('default', {})
        cells += _against_peers(default.get('test_auc'), default.get('test_ap'), runs)
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def extra_table(results: Dict[str, Dict[str, List[Dict[str, float]]]]) -> str:
    r"""Each on-request method against the default, paired per seed."""
    lines = [
        '| graph | method | AUC / AP | Δ method − default AUC / AP |',
        '|---|---|---|---|',
    ]
    for graph, runs in results.items():
        for m in EXTRA_METHODS:
            if not runs.get(m) or not runs.get('default'):
                continue
            auc, ap = ([r[k] for r in runs[m]] for k in ('test_auc', 'test_ap'))
            (paired,) = _against_peers(auc, ap, runs, peers=('default',))
            lines.append(
                f'| {graph} | {m} | {_mean_std(auc)} / {_mean_std(ap)} | {paired} |'
            )
    return '\n'.join(lines) + '\n'


def blend_table(results: Dict[str, Dict[str, List[Dict[str, float]]]]) -> str:
    r"""The blended default against the default alone and the two peers."""
    lines = [
        '| graph | default AUC / AP | blended AUC / AP | weights | '
        'Δ blended − default AUC / AP | Δ blended − paper | Δ blended − PyG |',
        '|---|---|---|---|---|---|---|',
    ]
    for graph, runs in results.items():
        rows = runs.get('default', [])
        if not rows or 'blend_auc' not in rows[0]:
            continue
        get = {
            k: [r[k] for r in rows]
            for k in ('test_auc', 'test_ap', 'blend_auc', 'blend_ap')
        }
        weights = sorted({r['blend_weight'] for r in rows})
        cells = [
            graph,
            f'{_mean_std(get["test_auc"])} / {_mean_std(get["test_ap"])}',
            f'{_mean_std(get["blend_auc"])} / {_mean_std(get["blend_ap"])}',
            f'{weights[0]:g}–{weights[-1]:g}',
            f'{_paired(get["blend_auc"], get["test_auc"])} / '
            f'{_paired(get["blend_ap"], get["test_ap"])}',
        ]
        cells += _against_peers(get['blend_auc'], get['blend_ap'], runs)
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def merge_before(results, before) -> str:
    r"""Fill the methods not run now from a saved result; the default against it.

    For each graph of both, the saved runs of a method that :obj:`results`
    lacks are taken over (the same graphs and seeds: the paired columns stay
    paired), and the table returned pairs the default of now with the saved
    default, seed by seed (e.g. after a change of ``auto``).
    """
    lines = [
        '| graph | default AUC / AP | before AUC / AP | Δ default − before AUC / AP |',
        '|---|---|---|---|',
    ]
    for graph, runs in results.items():
        saved = before.get(graph, {})
        seeds = max(len(rows) for rows in runs.values())
        for method, rows in saved.items():
            if not runs.get(method) and len(rows) == seeds:  # else not paired
                runs[method] = rows
        now, then = runs.get('default'), saved.get('default')
        if not now or not then or len(now) != len(then):
            continue
        auc, ap = ([r[k] for r in now] for k in ('test_auc', 'test_ap'))
        (paired,) = _against_peers(auc, ap, {'before': then}, peers=('before',))
        old = ([r[k] for r in then] for k in ('test_auc', 'test_ap'))
        lines.append(
            f'| {graph} | {_mean_std(auc)} / {_mean_std(ap)} | '
            + ' / '.join(_mean_std(v) for v in old)
            + f' | {paired} |'
        )
    return '\n'.join(lines) + '\n'


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--graphs', default=','.join(GRAPHS))
    parser.add_argument('--methods', default=','.join(METHODS))
    parser.add_argument('--model', default='vgae', choices=('vgae', 'gae'))
    parser.add_argument('--seeds', default='0-9')
    parser.add_argument('--edgelists', default=None, metavar='DIR')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--out', default=None, metavar='PATH.json')
    parser.add_argument('--blend', default='', choices=('', 'ra', 'aa', 'cn'))
    parser.add_argument('--before', default=None, metavar='PATH.json')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    graphs = {g: GRAPHS[g] for g in args.graphs.split(',') if g}
    if args.edgelists:
        for path in sorted(Path(args.edgelists).glob('*.txt')):
            if not path.name.endswith('.nodes.txt'):
                graphs[path.stem] = lambda p=path: gvae_ext.read_edgelist(p)
    methods = [m for m in args.methods.split(',') if m]
    unknown = [m for m in methods if m not in METHODS + EXTRA_METHODS]
    if unknown:
        parser.error(
            f'--methods: unknown {", ".join(unknown)} '
            f'(choose from {", ".join(METHODS + EXTRA_METHODS)})'
        )
    results: Dict[str, Dict[str, List[Dict[str, float]]]] = {}
    for name, load in graphs.items():
        data = load()
        results[name] = {m: [] for m in methods}
        for seed in parse_seeds(args.seeds):
            for method in methods:
                metrics = run_one(data, method, args.model, seed, args.blend)
                results[name][method].append(metrics)
                extra = ''
                if 'blend_auc' in metrics:
                    extra = (
                        f' blended AUC {metrics["blend_auc"]:.4f} AP '
                        f'{metrics["blend_ap"]:.4f} (weight {metrics["blend_weight"]:g})'
                    )
                print(
                    f'{name} seed {seed} {method}: AUC {metrics["test_auc"]:.4f} '
                    f'AP {metrics["test_ap"]:.4f}{extra} ({metrics["seconds"]:.1f} s)',
                    flush=True,
                )
        if args.out:
            write_json(args.out, results)
    before = ''
    if args.before:  # a saved result (--out) of the same graphs and seeds
        with open(args.before) as f:
            before = merge_before(results, json.load(f))
    print(table(results))
    if before:
        print(before)
    if any(m in EXTRA_METHODS for m in methods):
        print(extra_table(results))
    if args.blend:
        print(blend_table(results))


if __name__ == '__main__':
    main()
