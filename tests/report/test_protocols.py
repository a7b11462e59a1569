"""bench --protocol: random, HeaRT and OGB metrics for every row."""

import pytest
import torch

from gvae_ext.cli import main
from gvae_ext.datasets import load_cora
from gvae_ext.link import heart_metrics, hits_at_k, link_auc_ap, split_edges
from gvae_ext.report import bench
from gvae_ext.report.protocols import (
    HeartCache,
    check_protocols,
    evaluate,
    heuristic_scorer,
)


@pytest.fixture(scope='module')
def cora_split():
    data = load_cora()
    split = split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(0)
    )
    return data, split


def test_check_protocols():
    assert check_protocols(['heart', 'random', 'heart']) == ('heart', 'random')
    for bad in ([], ['auc'], None):
        with pytest.raises(ValueError, match="'protocol' must be one or more of"):
            check_protocols(bad)


def test_evaluate_matches_the_metric_functions(cora_split):
    data, split = cora_split
    score = heuristic_scorer('ra', split)
    heart = HeartCache(num_neg=50)
    out = evaluate(
        score, split, ('random', 'heart', 'ogb'), seed=0, heart=heart, heart_key=0
    )
    pos = score(split.test_pos_edge_label_index)
    auc, ap = link_auc_ap(pos, score(split.test_neg_edge_label_index))
    assert out['test_auc'] == float(auc) and out['test_ap'] == float(ap)
    neg = heart.negatives(0, split, 0)
    assert neg.shape == (split.test_pos_edge_label_index.size(1), 50, 2)
    expected = heart_metrics(pos, score(neg.reshape(-1, 2).t()).view(neg.shape[:2]))
    assert out['heart_mrr'] == expected['mrr']
    assert out['heart_hits@10'] == expected['hits@10']
    shared = score(split.test_neg_edge_label_index)
    assert out['ogb_hits@50'] == float(hits_at_k(pos, shared, 50))
    assert 0 < out['ogb_mrr'] <= 1
    # the same seed gives the same negatives, hence the same numbers
    again = evaluate(score, split, ('heart', 'ogb'), seed=0, heart=HeartCache(50))
    assert again['heart_mrr'] == out['heart_mrr']
    assert again['ogb_mrr'] == out['ogb_mrr']


def test_a_perfect_scorer_gets_full_marks(cora_split):
    _, split = cora_split
    positives = {tuple(p) for p in split.test_pos_edge_label_index.t().tolist()}

    def oracle(pairs):
        return torch.tensor(
            [1.0 if tuple(p) in positives else 0.0 for p in pairs.t().tolist()]
        )

    out = evaluate(oracle, split, ('random', 'heart'), seed=1, heart=HeartCache(20))
    assert out['test_auc'] == 1.0 and out['test_ap'] == 1.0
    assert out['heart_mrr'] == 1.0 and out['heart_hits@1'] == 1.0


def test_run_one_and_table_with_every_protocol(cora_split):
    data, _ = cora_split
    heart = HeartCache(num_neg=20)
    runs = [
        bench.run_one(data, 'cora', row, 0, protocols=('random', 'heart'), heart=heart)
        for row in ('cn', 'ra')
    ]
    assert {'test_auc', 'val_auc', 'heart_mrr', 'heart_hits@100'} <= set(runs[0])
    assert runs[0]['heart_mrr'] != runs[1]['heart_mrr']
    table = bench.to_markdown(bench.summarize(runs))
    assert '| HeaRT MRR |' in table and 'OGB' not in table
    key = bench.run_key('cora', 'ra', 0, protocols=('heart',))
    assert key['protocols'] == ['heart']
    assert key != bench.run_key('cora', 'ra', 0, protocols=('random',))


def test_cli_bench_protocol_option(tmp_path, capsys):
    out = tmp_path / 'b'
    code = main(
        [
            'bench',
            '--datasets',
            'cora',
            '--models',
            'cn',
            '--seeds',
            '0',
            '--protocol',
            'random,ogb',
            '--out',
            str(out),
            '--no-progress',
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert 'OGB H@50' in text and 'HeaRT' not in text
    assert main(['bench', '--protocol', 'auc', '--out', str(out)]) == 2
    assert "'protocol' must be one or more of" in capsys.readouterr().err


def test_heart_on_a_small_graph_takes_the_negatives_it_has():
    import networkx as nx

    from gvae_ext import load_networkx, split_edges
    from gvae_ext.report.protocols import HeartCache

    data = load_networkx(nx.karate_club_graph())
    split = split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(0)
    )
    with pytest.warns(UserWarning, match=r'HeaRT: 32 negatives per test edge instead'):
        neg = HeartCache().negatives('k', split, seed=0)
    assert neg.shape == (split.test_pos_edge_label_index.size(1), 32, 2)
    # never a true edge (training, validation or test) nor a self-loop
    true = torch.cat(
        [
            split.edge_index,
            split.val_pos_edge_label_index,
            split.test_pos_edge_label_index,
        ],
        1,
    )
    pairs = neg.reshape(-1, 2)
    keys = set(map(tuple, true.t().tolist())) | set(
        map(tuple, true.flip(0).t().tolist())
    )
    assert not any(tuple(p) in keys for p in pairs.tolist())
    assert bool((pairs[:, 0] != pairs[:, 1]).all())


def test_heart_refuses_a_graph_with_a_node_linked_to_all():
    from gvae_ext import split_edges
    from gvae_ext.report.protocols import HeartCache

    leaves = torch.arange(1, 200)
    star = torch.stack([torch.zeros_like(leaves), leaves])
    star = torch.cat([star, star.flip(0)], 1)
    split = split_edges(star, 200, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r'node 0 is linked to every other node'):
        HeartCache().negatives('s', split, seed=0)
