"""'auto' under HeaRT's selection: the HeaRT benchmark's GAE as a second candidate."""

# ruff: noqa: D103 -- test functions are named for what they check.

import pytest
import torch
from torch_geometric.data import Data

import gvae_ext.train._heart_rule as heart_rule
from gvae_ext import featureless, load_cora, split_edges
from gvae_ext.train import PRESETS, FitConfig, fit
from gvae_ext.train.auto import MIN_VAL_PAIRS, plan


def _blocks(n_per: int = 50, blocks: int = 4, p_in: float = 0.25) -> Data:
    # Dense blocks with noisy block features: enough validation pairs.
    g = torch.Generator().manual_seed(0)
    n = n_per * blocks
    block = torch.arange(n) // n_per
    p = torch.where(block[:, None] == block[None, :], p_in, 0.01)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    x = torch.nn.functional.one_hot(block, blocks).float()
    x = x + 0.5 * torch.randn(n, blocks, generator=g)
    ei = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    return Data(x=x, edge_index=ei, num_nodes=n)


@pytest.mark.parametrize('model', ['vgae', 'gae'])
def test_val_mrr_alone_adds_the_heart_candidate(model):
    chosen = plan(
        FitConfig.from_preset(model=model, selection='val_mrr', seed=3), load_cora()
    )
    assert chosen.names == ['masked', 'heart']
    masked, heart = chosen.configs
    assert masked.preset == 'auto' and masked.selection == 'val_mrr'
    assert heart.preset == 'heart' and (heart.model, heart.seed) == (model, 3)
    assert (heart.dense_weighting, heart.selection) == ('uniform', 'val_mrr')
    assert chosen.rules[-1] == heart_rule.HEART_RULE
    # patience (not a preset field) reaches the candidate too
    patient = FitConfig.from_preset(selection='val_mrr', patience=20)
    assert plan(patient, load_cora()).configs[1].patience == 20


def test_the_rule_needs_val_mrr_alone_one_model_and_features(monkeypatch):
    cora = load_cora()
    for config, data in [
        (FitConfig.from_preset(), cora),  # selection by validation AUC
        (FitConfig.from_preset(selection='val_mrr', epochs=100), cora),  # a field set
        (FitConfig.from_preset('ensemble', selection='val_mrr'), cora),  # three members
        (FitConfig.from_preset(selection='val_mrr', model='vgae_mlp'), cora),
        (FitConfig.from_preset(selection='val_mrr'), featureless(cora)),
    ]:
        assert 'heart' not in plan(config, data).names
    # too many nodes for the O(N^2) objective
    monkeypatch.setattr(heart_rule, 'HEART_NODES', 2000)
    assert 'heart' not in plan(FitConfig.from_preset(selection='val_mrr'), cora).names


def test_the_rule_needs_enough_validation_pairs():
    sparse = _blocks(p_in=0.05)
    pairs = sparse.edge_index.size(1) // 2
    assert round(0.05 * pairs) < MIN_VAL_PAIRS
    assert 'heart' not in plan(FitConfig.from_preset(selection='val_mrr'), sparse).names
    assert 'heart' in plan(FitConfig.from_preset(selection='val_mrr'), _blocks()).names


def test_fit_keeps_the_better_validation_mrr_and_records_both(monkeypatch):
    # short schedules, still the presets' own values (not overrides)
    monkeypatch.setitem(PRESETS['auto'], 'epochs', 8)
    monkeypatch.setitem(PRESETS['heart'], 'epochs', 8)
    data = _blocks()
    result = fit(
        data, FitConfig.from_preset(model='gae', selection='val_mrr', num_threads=1)
    )
    candidates = result.auto['candidates']
    assert [c['name'] for c in candidates] == ['masked', 'heart']
    assert all({'val_auc', 'val_ap', 'val_mrr'} <= set(c) for c in candidates)
    # heart is kept only when it leads by Z_MARGIN paired standard errors
    margin = result.auto['margin']
    mrrs = [c['val_mrr'] for c in candidates]
    assert margin['mrr_diff'] == pytest.approx(mrrs[1] - mrrs[0], abs=1e-9)
    wins = margin['mrr_diff'] > heart_rule.Z_MARGIN * margin['se'] > 0
    assert result.auto['chosen'] == ('heart' if wins else 'masked')
    best = candidates[1 if wins else 0]
    assert result.metrics['val_mrr'] == best['val_mrr']
    assert result.config.preset == ('heart' if wins else 'auto')


def test_heart_choice_needs_a_clear_paired_margin():
    from types import SimpleNamespace

    data = _blocks()
    split = split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(0)
    )
    config = FitConfig.from_preset(model='gae', selection='val_mrr')
    val = heart_rule.HeartValidation(split, data.num_nodes, data.x, config.seed + 5)
    truth = torch.zeros(data.num_nodes, data.num_nodes)
    truth[split.val_pos_edge_index[0], split.val_pos_edge_index[1]] = 1

    class Oracle(torch.nn.Module):  # scores a pair by a fixed matrix
        def __init__(self, scores):
            super().__init__()
            self.decoder = lambda z, pairs, sigmoid=False: scores[pairs[0], pairs[1]]

    noise = torch.rand(
        data.num_nodes, data.num_nodes, generator=torch.Generator().manual_seed(1)
    )
    good, bad = Oracle(truth + 0.01 * noise), Oracle(noise)

    def result(model):
        return SimpleNamespace(model=model, embeddings=data.x, config=config)

    z = data.x
    assert val.reciprocal_ranks(good, z).mean() == pytest.approx(1.0)
    assert float(val.reciprocal_ranks(bad, z).mean()) == pytest.approx(val(bad, z))
    assert heart_rule.heart_choice([result(bad), result(good)], split, data)[0] == 1
    assert heart_rule.heart_choice([result(good), result(bad)], split, data)[0] == 0
    # the same model twice: no margin, the masked model stays
    choice, margin = heart_rule.heart_choice([result(bad), result(bad)], split, data)
    assert choice == 0 and margin['mrr_diff'] == 0.0


def test_cli_says_what_auto_chose_and_by_which_score(tmp_path, monkeypatch, capsys):
    import json

    import numpy as np

    from gvae_ext.cli import main

    monkeypatch.setitem(PRESETS['auto'], 'epochs', 8)
    monkeypatch.setitem(PRESETS['heart'], 'epochs', 8)
    data = _blocks()
    graph, feats, out = tmp_path / 'g.txt', tmp_path / 'x.npy', tmp_path / 'run.json'
    row, col = data.edge_index[:, data.edge_index[0] < data.edge_index[1]]
    graph.write_text(''.join(f'{u} {v}\n' for u, v in zip(row.tolist(), col.tolist())))
    np.save(feats, data.x.numpy())
    argv = ['fit', '--dataset', f'edgelist:{graph}', '--features', str(feats)]
    argv += [
        '--model',
        'gae',
        '--selection',
        'val_mrr',
        '--threads',
        '1',
        '--json',
        str(out),
    ]
    assert main(argv) == 0
    auto = json.loads(out.read_text())['auto']
    said = [
        line for line in capsys.readouterr().out.splitlines() if 'auto chose' in line
    ]
    scores = ', '.join(f'{c["name"]} {c["val_mrr"]:.4f}' for c in auto['candidates'])
    assert said == [f'auto chose {auto["chosen"]} by validation HeaRT MRR ({scores})']
