import csv
import json
import math
import os

import pytest

from gvae_ext.report import bench


def test_parse_seeds():
    assert bench.parse_seeds('0-3') == [0, 1, 2, 3]
    assert bench.parse_seeds('0,5, 7') == [0, 5, 7]
    assert bench.parse_seeds('1-2,9') == [1, 2, 9]
    for bad in ('a', '3-1', '1-', ''):
        with pytest.raises(ValueError, match="'seeds'"):
            bench.parse_seeds(bad)


def test_parse_row():
    assert bench.parse_row('sc')['model'] == 'sc'
    assert bench.parse_row('vgae*@paper') == dict(
        model='vgae', featureless=True, preset='paper', selection=None, blend=None
    )
    assert bench.parse_row('vgae@ensemble:mrr+ra') == dict(
        model='vgae', featureless=False, preset='ensemble', selection='val_mrr',
        blend='ra',
    )  # fmt: skip
    assert bench.parse_row('gae:mrr')['selection'] == 'val_mrr'
    assert bench.parse_row('gae')['featureless'] is False
    assert bench.parse_row('vgae@ablate_lr01')['preset'] == 'ablate_lr01'
    for bad in (
        'foo',
        'vgae@nope',
        'vgae**',
        'vgae+',
        'vgae+ra+ra',
        'vgae:auc',
        'vgae+ra:mrr',
    ):
        with pytest.raises(ValueError, match="'models'"):
            bench.parse_row(bad)


def test_summarize_mean_std_and_paper_column():
    runs = [
        dict(
            dataset='cora',
            row='vgae@paper',
            seed=s,
            seconds=1.0,
            test_auc=a,
            test_ap=a,
            val_auc=a,
            val_ap=a,
        )
        for s, a in enumerate([0.90, 0.92])
    ]
    (entry,) = bench.summarize(runs)
    assert entry['test_auc'] == pytest.approx(91.0)
    assert entry['test_auc_std'] == pytest.approx(math.sqrt(2) * 1.0)
    assert (entry['paper_auc'], entry['paper_ap']) == (91.4, 92.6)
    assert '91.0 ± 1.4' in bench.to_markdown([entry])


def test_grid_resumes_without_redoing_runs(tmp_path, monkeypatch):
    calls = []

    def fake_run_one(data, dataset, row, seed, device='cpu', **kwargs):
        calls.append((dataset, row, seed))
        return dict(
            dataset=dataset,
            row=row,
            seed=seed,
            seconds=0.0,
            test_auc=0.5,
            test_ap=0.5,
            val_auc=0.5,
            val_ap=0.5,
        )

    monkeypatch.setattr(bench, 'run_one', fake_run_one)
    monkeypatch.setattr('gvae_ext.datasets.load_graph', lambda spec, **kw: (None, None))
    out = str(tmp_path)
    bench.run_grid(['cora'], ['gae@paper'], [0, 1], out, progress=False)
    assert len(calls) == 2
    # A finished run on disk is not redone; a new seed is.
    results = bench.run_grid(['cora'], ['gae@paper'], [0, 1, 2], out, progress=False)
    assert len(calls) == 3 and calls[-1] == ('cora', 'gae@paper', 2)
    assert [r['seed'] for r in results] == [0, 1, 2]
    paths = bench.write_reports(bench.summarize(results), out)
    with open(paths['json']) as f:
        assert json.load(f)[0]['runs'] == 3


def _fake_runs(monkeypatch):
    calls = []

    def fake_run_one(data, dataset, row, seed, device='cpu', **kwargs):
        calls.append((dataset, row, seed))
        metrics = dict(test_auc=0.5, test_ap=0.5, val_auc=0.5, val_ap=0.5)
        return dict(dataset=dataset, row=row, seed=seed, seconds=0.0, **metrics)

    monkeypatch.setattr(bench, 'run_one', fake_run_one)
    monkeypatch.setattr('gvae_ext.datasets.load_graph', lambda spec, **kw: (None, None))
    return calls


def test_grid_reruns_when_the_input_file_or_root_changes(tmp_path, monkeypatch):
    """The resume key covers the edge list's content and the data root."""
    calls = _fake_runs(monkeypatch)
    graph = tmp_path / 'g.txt'
    graph.write_text('0 1\n1 2\n')
    spec, out = f'edgelist:{graph}', str(tmp_path / 'out')
    bench.run_grid([spec], ['sc'], [0], out, progress=False)
    bench.run_grid([spec], ['sc'], [0], out, progress=False)
    assert len(calls) == 1
    graph.write_text('0 1\n1 2\n2 3\n')  # same name, new content
    bench.run_grid([spec], ['sc'], [0], out, progress=False)
    assert len(calls) == 2
    bench.run_grid(['cora'], ['sc'], [0], out, progress=False)
    bench.run_grid(['cora'], ['sc'], [0], out, root=str(tmp_path), progress=False)
    assert len(calls) == 4
    assert len(os.listdir(os.path.join(out, 'runs'))) == 4


def test_run_files_of_similar_specs_do_not_collide(tmp_path, monkeypatch):
    """'sub/g.txt' and 'sub_g.txt' are two runs in two files."""
    calls = _fake_runs(monkeypatch)
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'g.txt').write_text('0 1\n')
    (tmp_path / 'sub_g.txt').write_text('0 1\n')
    specs = [f'edgelist:{tmp_path}/sub/g.txt', f'edgelist:{tmp_path}/sub_g.txt']
    out = str(tmp_path / 'out')
    results = bench.run_grid(specs, ['sc'], [0], out, progress=False)
    assert len(calls) == 2 and [r['dataset'] for r in results] == specs
    assert len(os.listdir(os.path.join(out, 'runs'))) == 2
    assert len(bench.run_grid(specs, ['sc'], [0], out, progress=False)) == 2
    assert len(calls) == 2


def test_corrupt_run_file_is_named_and_rerun(tmp_path, monkeypatch):
    """A damaged run file gives a warning naming it, then the run is redone."""
    calls = _fake_runs(monkeypatch)
    out = str(tmp_path)
    bench.run_grid(['cora'], ['sc'], [0], out, progress=False)
    (name,) = os.listdir(tmp_path / 'runs')
    (tmp_path / 'runs' / name).write_text('{"dataset": "cora", "ro')
    with pytest.warns(UserWarning, match=f'run file .*{name} is not readable'):
        results = bench.run_grid(['cora'], ['sc'], [0], out, progress=False)
    assert len(calls) == 2 and results[0]['test_auc'] == 0.5
    with open(tmp_path / 'runs' / name) as f:
        assert json.load(f)['key']['row'] == 'sc'  # rewritten whole


@pytest.mark.parametrize('name', ['datasets', 'rows'])
def test_empty_grid_raises_before_touching_results(tmp_path, monkeypatch, name):
    """`--datasets ,` or `--models ,` leave the old results alone."""
    calls = _fake_runs(monkeypatch)
    (tmp_path / 'results.csv').write_text('old')
    args = dict(datasets=['cora'], rows=['sc'])
    args[name] = []
    with pytest.raises(ValueError, match=f"'{name}' must hold at least one"):
        bench.run_grid(args['datasets'], args['rows'], [0], str(tmp_path))
    with pytest.raises(ValueError, match="'summary' must hold at least one"):
        bench.write_reports([], str(tmp_path))
    assert calls == [] and (tmp_path / 'results.csv').read_text() == 'old'
    assert not (tmp_path / 'runs').exists()


@pytest.mark.parametrize('flag', ['--datasets', '--models'])
def test_cli_empty_grid_names_the_flag(tmp_path, capsys, flag):
    from gvae_ext.cli import main

    (tmp_path / 'results.csv').write_text('old')
    assert main(['bench', flag, ',', '--out', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"'{flag}' must name at least one entry (got ',')" in err
    assert (tmp_path / 'results.csv').read_text() == 'old'


@pytest.mark.parametrize(
    'text, message',
    [
        ('0,0', "'seeds' lists seed 0 twice (got '0,0')"),
        ('0-3,2', "'seeds' lists seed 2 twice (got '0-3,2')"),
        ('5,1-5', "'seeds' lists seed 5 twice (got '5,1-5')"),
        (
            '0-10000',
            "'seeds' may hold at most 10000 seeds (got '0-10000': at least "
            '10001 seeds)',
        ),
        (
            '0-9999,10000',
            "'seeds' may hold at most 10000 seeds (got '0-9999,10000': at least "
            '10001 seeds)',
        ),
        (
            '9223372036854775808',
            "'seeds' must be an integer in [0, 2**63) (got 9223372036854775808)",
        ),
        (
            '0-' + '9' * 5000,
            "'seeds' must be an integer in [0, 2**63) (got 99999999999999999999... "
            '(5000 digits))',
        ),
        ('\u0663', "'seeds' must look like 0-9 or 0,1,2 (got '\u0663')"),
    ],
)
def test_parse_seeds_rejects_repeats_huge_lists_and_big_seeds(text, message):
    with pytest.raises(ValueError) as err:
        bench.parse_seeds(text)
    assert str(err.value) == message


def test_parse_seeds_bounds_and_names_the_option():
    assert bench.MAX_SEEDS == 10000
    assert bench.parse_seeds('0-9999') == list(range(10000))
    assert bench.parse_seeds('9223372036854775807') == [2**63 - 1]
    assert bench.parse_seeds('007,8') == [7, 8]
    with pytest.raises(ValueError) as err:
        bench.parse_seeds('1,1', '--seeds')
    assert str(err.value) == "'--seeds' lists seed 1 twice (got '1,1')"


@pytest.mark.parametrize(
    'datasets, rows, seeds, message',
    [
        (
            ['cora', 'cora'],
            ['sc'],
            [0],
            "'datasets' lists 'cora' twice (got ['cora', 'cora'])",
        ),
        (
            ['cora'],
            ['sc', 'cn', 'sc'],
            [0],
            "'rows' lists 'sc' twice (got ['sc', 'cn', 'sc'])",
        ),
        (['cora'], ['sc'], [1, 2, 1], "'seeds' lists 1 twice (got [1, 2, 1])"),
        (
            ['cora'],
            ['sc'],
            [2**63],
            f"'seeds' must be an integer in [0, 2**63) (got {2**63})",
        ),
        (['cora'], ['sc'], [-1], "'seeds' must be an integer in [0, 2**63) (got -1)"),
        (
            ['cora'],
            ['sc'],
            range(10001),
            "'seeds' may hold at most 10000 seeds (got 10001 seeds)",
        ),
    ],
)
def test_grid_rejects_repeated_entries_and_bad_seeds(
    tmp_path, monkeypatch, datasets, rows, seeds, message
):
    calls = _fake_runs(monkeypatch)
    with pytest.raises(ValueError) as err:
        bench.run_grid(datasets, rows, seeds, str(tmp_path), progress=False)
    assert str(err.value) == message
    assert calls == [] and not (tmp_path / 'runs').exists()


def test_run_one_on_a_graph_too_small_for_a_split_names_the_dataset():
    import torch
    from torch_geometric.data import Data

    one = Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=2)
    with pytest.raises(ValueError) as err:
        bench.run_one(one, 'edgelist:one.txt', 'cn', 0)
    assert str(err.value) == (
        "the dataset 'edgelist:one.txt' has too few edges for a val split: "
        "'num_val'=0.05 of its 1 undirected edges leaves no val pair; use a "
        'larger graph (got 0 val pairs)'
    )


def test_reports_hold_rows_whose_metrics_differ(tmp_path):
    # A MODEL:mrr row has val_mrr, the others not: every column is written.
    def run(row, seed, **extra):
        metrics = dict(test_auc=0.9, test_ap=0.9, val_auc=0.9, val_ap=0.9, **extra)
        return dict(dataset='cora', row=row, seed=seed, seconds=1.0, **metrics)

    runs = [run('ra', 0), run('ra', 1), run('vgae:mrr', 0, val_mrr=0.2)]
    runs.append(run('vgae:mrr', 1, val_mrr=0.3))
    paths = bench.write_reports(bench.summarize(runs), str(tmp_path))
    with open(paths['csv'], newline='') as f:
        rows = list(csv.DictReader(f))
    assert [r['row'] for r in rows] == ['ra', 'vgae:mrr']
    assert rows[0]['val_mrr'] == '' and float(rows[1]['val_mrr']) == pytest.approx(25.0)
    with open(paths['json']) as f:
        assert 'val_mrr' not in json.load(f)[0]
