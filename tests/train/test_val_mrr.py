"""Model selection by validation HeaRT MRR (``FitConfig(selection='val_mrr')``)."""

# ruff: noqa: D103 -- test functions are named for what they check.

import json
from types import SimpleNamespace

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.cli import main
from gvae_ext.link import heart_ranks, split_edges
from gvae_ext.train import FitConfig, fit
from gvae_ext.train._heart_val import VAL_NEGATIVES, HeartValidation
from gvae_ext.train.loop import _best, _train_candidate


def _sbm(n_per: int = 40, blocks: int = 4, seed: int = 0) -> Data:
    # Dense blocks, sparse between them: a graph with something to learn.
    g = torch.Generator().manual_seed(seed)
    n = n_per * blocks
    block = torch.arange(n) // n_per
    p = torch.where(block[:, None] == block[None, :], 0.25, 0.02)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    edge_index = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    x = torch.nn.functional.one_hot(block, blocks).float()
    x = x + 0.5 * torch.randn(n, blocks, generator=g)
    return Data(x=x, edge_index=edge_index, num_nodes=n)


def _config(**kw) -> FitConfig:
    kw = {**dict(epochs=12, hidden_channels=16, out_channels=8, num_threads=1), **kw}
    return FitConfig.from_preset('tuned', **kw)


def test_the_reported_epoch_is_the_best_validation_mrr_and_its_weights():
    data = _sbm()
    result = fit(data, _config(selection='val_mrr'))
    mrrs = result.history['val_mrr']
    assert len(mrrs) == 12 == len(result.history['val_auc'])
    best = max(range(12), key=lambda i: (mrrs[i], -i))  # the first maximum
    assert result.history['reported_epoch'] == [best + 1]
    assert result.metrics['val_mrr'] == pytest.approx(mrrs[best], abs=1e-12)
    # the returned weights are that epoch's: their own MRR, recomputed
    check = HeartValidation(result.split, data.num_nodes, data.x, 0 + 5)
    model = result.model.eval()
    z = model.encode(data.x, result.split.train_pos_edge_index)
    assert check(model, z) == pytest.approx(result.metrics['val_mrr'], abs=1e-12)
    # the curve is not flat, so the choice was a real one
    assert max(mrrs) > min(mrrs)


def test_val_mrr_trains_exactly_as_val_auc():
    # The negatives use their own generator: training is untouched.
    data = _sbm(seed=1)
    a = fit(data, _config(selection='val_auc'))
    b = fit(data, _config(selection='val_mrr'))
    assert a.history['loss'] == b.history['loss']
    assert a.history['val_auc'] == b.history['val_auc']
    assert 'val_mrr' not in a.history and 'val_mrr' not in a.metrics


def test_the_global_rng_is_neither_used_nor_reseeded():
    data = _sbm(seed=2)
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    fit(data, _config(selection='val_mrr', epochs=2))
    assert torch.equal(before, torch.random.get_rng_state())


def test_the_mrr_is_the_heart_rank_mrr_of_the_decoder_scores():
    data = _sbm(seed=3)
    split = split_edges(data.edge_index, data.num_nodes, generator=torch.Generator())
    val = HeartValidation(split, data.num_nodes, data.x, seed=7)
    z = torch.randn(data.num_nodes, 8, generator=torch.Generator().manual_seed(0))
    model = SimpleNamespace(decoder=lambda z, e, sigmoid: (z[e[0]] * z[e[1]]).sum(-1))
    pos = (z[val.pos[0]] * z[val.pos[1]]).sum(-1)
    neg = (z[val.neg[0]] * z[val.neg[1]]).sum(-1).view(pos.numel(), -1)
    expected = (1 / heart_ranks(pos, neg)).mean().item()
    assert val(model, z) == pytest.approx(expected, abs=1e-12)


def _pairs(edge_index):
    return {tuple(p) for p in edge_index.t().tolist()}


@pytest.mark.parametrize('n_per', [40, 6])
def test_the_negatives_are_heart_negatives_of_the_training_graph(n_per):
    data = _sbm(n_per=n_per, seed=4)
    split = split_edges(
        data.edge_index, data.num_nodes, num_val=10, generator=torch.Generator()
    )
    val = HeartValidation(split, data.num_nodes, None, seed=0)
    num_pos = val.pos.size(1)
    assert val.neg.size(1) == num_pos * val.num_neg
    assert 2 <= val.num_neg <= VAL_NEGATIVES
    if n_per == 6:  # 24 nodes: too few for 50 per side, capped
        assert val.num_neg < VAL_NEGATIVES
    known = _pairs(split.train_pos_edge_index) | _pairs(val.pos)
    for a, b in val.neg.t().tolist():
        assert a != b
        assert (a, b) not in known and (b, a) not in known
    # each negative keeps one end of its positive
    neg = val.neg.view(2, num_pos, val.num_neg)
    pos = val.pos.unsqueeze(-1)
    assert bool(((neg[0] == pos[0]) | (neg[1] == pos[1])).all())


def test_the_same_seed_gives_the_same_negatives():
    data = _sbm(seed=5)
    split = split_edges(data.edge_index, data.num_nodes, generator=torch.Generator())
    a = HeartValidation(split, data.num_nodes, data.x, seed=3)
    b = HeartValidation(split, data.num_nodes, data.x, seed=3)
    assert torch.equal(a.neg, b.neg)


def test_mini_batches_and_several_processes_are_refused():
    data = _sbm(seed=6)
    with pytest.raises(ValueError, match="'selection' 'val_mrr' needs full-batch"):
        fit(data, _config(selection='val_mrr', batch_size=32))
    replica = SimpleNamespace(world_size=2, device=lambda config: torch.device('cpu'))
    with pytest.raises(ValueError, match="'selection' 'val_mrr' runs in one process"):
        _train_candidate(data, _config(selection='val_mrr'), None, replica, False)


def test_a_node_linked_to_every_other_node_is_refused():
    # A hub linked to all 12 others and three leaf pairs; no test edges, so
    # the hub, an end of some of the 10 validation edges, has no non-neighbour.
    n = 13
    pairs = [(0, i) for i in range(1, n)] + [(1, 2), (3, 4), (5, 6)]
    edge_index = torch.tensor(pairs).t()
    edge_index = torch.cat([edge_index, edge_index.flip(0)], 1)
    split = split_edges(
        edge_index, n, num_val=10, num_test=0, generator=torch.Generator()
    )
    assert bool((split.val_pos_edge_index == 0).any())
    with pytest.raises(ValueError, match="selection 'val_mrr' needs a non-neighbour"):
        HeartValidation(split, n, None, seed=0)
    empty = split._replace(val_pos_edge_label_index=split.val_pos_edge_index[:, :0])
    with pytest.raises(ValueError, match="selection 'val_mrr' needs validation edges"):
        HeartValidation(empty, n, None, seed=0)


def test_candidates_are_compared_by_their_selection_score():
    def result(auc, mrr=None):
        metrics = dict(val_auc=auc) if mrr is None else dict(val_auc=auc, val_mrr=mrr)
        return SimpleNamespace(metrics=metrics)

    assert _best([result(0.9, 0.1), result(0.8, 0.2)]) == 1
    assert _best([result(0.9), result(0.8)]) == 0


def test_cli_fit_selection_val_mrr(tmp_path, capsys):
    edges = _sbm(seed=7).edge_index
    path = tmp_path / 'g.txt'
    path.write_text(''.join(f'{a} {b}\n' for a, b in edges.t().tolist() if a < b))
    out = tmp_path / 'run.json'
    argv = [
        'fit',
        '--dataset',
        f'edgelist:{path}',
        '--preset',
        'tuned',
        '--epochs',
        '3',
    ]
    assert main([*argv, '--selection', 'val_mrr', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert result['config']['selection'] == 'val_mrr'
    assert len(result['history']['val_mrr']) == 3
    assert result['val_mrr'] == pytest.approx(max(result['history']['val_mrr']))
    assert f'HeaRT MRR {result["val_mrr"]:.4f};' in capsys.readouterr().out


def test_bench_row_suffix_mrr_selects_by_validation_heart_mrr():
    from gvae_ext.report import bench

    data = _sbm(seed=8)
    run = bench.run_one(data, 'sbm', 'gae@paper:mrr', 0, protocols=('random', 'heart'))
    plain = bench.run_one(data, 'sbm', 'gae@paper', 0, protocols=('random', 'heart'))
    assert 0 < run['val_mrr'] <= 1 and 'val_mrr' not in plain
    # paper keeps the last epoch; ':mrr' the best validation MRR, so they differ
    assert run['test_auc'] != plain['test_auc']
    key = bench.run_key('sbm', 'gae@paper:mrr', 0)
    assert key['config']['selection'] == 'val_mrr'
    assert bench.run_key('sbm', 'gae@paper', 0)['config']['selection'] == 'last'


def test_paired_runs_script_splits_rows_that_hold_a_colon(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / 'scripts' / 'paired_runs.py'
    spec = importlib.util.spec_from_file_location('paired_runs', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    runs = {'vgae': {}, 'vgae:mrr': {}, 'ra': {}}
    assert module.split_pair('vgae:mrr:vgae', runs) == ('vgae:mrr', 'vgae')
    assert module.split_pair('vgae:vgae:mrr', runs) == ('vgae', 'vgae:mrr')
    assert module.split_pair('ra:vgae', runs) == ('ra', 'vgae')
    assert module.split_pair('x:y', runs) == ('x', 'y')  # reported as missing
    folder = tmp_path / 'out'
    (folder / 'runs').mkdir(parents=True)
    for row, seed, auc in [('vgae', 0, 0.9), ('vgae', 1, 0.8), ('vgae:mrr', 0, 0.7)]:
        run = dict(dataset='d', row=row, seed=seed, test_auc=auc)
        (folder / 'runs' / f'{row.replace(":", "_")}{seed}.json').write_text(
            json.dumps(run)
        )
    (folder / 'runs' / 'vgae_mrr1.json').write_text(
        json.dumps(dict(dataset='d', row='vgae:mrr', seed=1, test_auc=0.9))
    )
    module.main([str(folder), 'vgae:mrr:vgae'])
    out = capsys.readouterr().out
    assert 'vgae:mrr − vgae: test_auc -5.00 ± 15.00 (1/2)' in out
