"""The ``gvae-ext`` outputs never overwrite the run's inputs; bench's lists.

Run in-process with ``main`` on a 20-node edge list and a small table.
"""

# ruff: noqa: D103 -- test functions are named for what they check.

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gvae_ext.cli import main

EDGES = [(i, (i + 1) % 20) for i in range(20)] + [(i, i + 5) for i in range(0, 15, 2)]


@pytest.fixture
def graph(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / 'g.txt'
    path.write_text(''.join(f'{u} {v}\n' for u, v in EDGES))
    return path


@pytest.fixture
def table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    np.save(tmp_path / 'd.npy', rng.random((40, 6), dtype=np.float32))
    argv = ['fit', '--model', 'vae', '--dataset', 'npy:d.npy', '--epochs', '1']
    assert main([*argv, '--save', 'vae.pt', '--no-progress']) == 0
    return tmp_path


def _fails(capsys, argv, message, *untouched):
    before = [p.read_bytes() for p in untouched]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f'gvae-ext {argv[0]}: error: {message}\n'
    assert [p.read_bytes() for p in untouched] == before


FIT = ['fit', '--dataset', 'edgelist:g.txt', '--model', 'gae', '--epochs', '2']


@pytest.mark.parametrize(
    'extra, message',
    [
        (
            ['--json', 'g.txt'],
            "'--json' would overwrite the input file g.txt of '--dataset' "
            '(got --json g.txt)',
        ),
        (
            ['--save', './sub/../g.txt'],
            "'--save' would overwrite the input file g.txt of '--dataset' "
            '(got --save ./sub/../g.txt)',
        ),
        (
            ['--json', 'out.json', '--embeddings', 'g.npy', '--save', 'g.txt'],
            "'--save' would overwrite the input file g.txt of '--dataset' "
            '(got --save g.txt)',
        ),
    ],
)
def test_fit_output_naming_the_edge_list_fails(graph, capsys, extra, message):
    _fails(capsys, [*FIT, *extra], message, graph)
    assert not os.path.exists('out.json') and not os.path.exists('g.npy')


def test_fit_output_through_a_link_fails(graph, capsys):
    os.symlink('g.txt', 'soft.txt')
    os.link('g.txt', 'hard.txt')
    for name in ('soft.txt', 'hard.txt'):
        _fails(
            capsys,
            [*FIT, '--json', name],
            "'--json' would overwrite the input file g.txt of '--dataset' "
            f'(got --json {name})',
            graph,
        )


def test_fit_embedding_ids_and_features_are_inputs_too(graph, tmp_path, capsys):
    ids = tmp_path / 'e.ids.txt'
    ids.write_text(graph.read_text())
    _fails(
        capsys,
        [*FIT[:2], 'edgelist:e.ids.txt', *FIT[3:], '--embeddings', 'e.npy'],
        "'--embeddings' would overwrite the input file e.ids.txt of '--dataset', "
        'which it writes as e.ids.txt (got --embeddings e.npy)',
        ids,
    )
    features = tmp_path / 'x.npy'
    np.save(features, np.eye(20, dtype=np.float32))
    _fails(
        capsys,
        [*FIT, '--features', 'x.npy', '--embeddings', 'x.npy'],
        "'--embeddings' would overwrite the input file x.npy of '--features' "
        '(got --embeddings x.npy)',
        features,
    )


def test_fit_plots_folder_holding_the_input_fails(tmp_path, graph, capsys):
    (tmp_path / 'pl').mkdir()
    inside = tmp_path / 'pl' / 'latent.png'
    inside.write_text(graph.read_text())
    _fails(
        capsys,
        [*FIT[:2], 'edgelist:pl/latent.png', *FIT[3:], '--plots', 'pl'],
        "'--plots' would overwrite the input file pl/latent.png of '--dataset', "
        'which it writes as pl/latent.png (got --plots pl)',
        inside,
    )


def test_fit_distinct_outputs_still_work(graph, tmp_path, capsys):
    before = graph.read_bytes()
    argv = [*FIT, '--json', 'out/g.txt', '--save', 'm.pt', '--embeddings', 'z.npy']
    assert main(argv) == 0
    assert graph.read_bytes() == before
    with open(tmp_path / 'out' / 'g.txt') as f:
        assert json.load(f)['dataset'] == 'edgelist:g.txt'
    assert np.load(tmp_path / 'z.npy').shape[0] == 20
    assert (tmp_path / 'z.ids.txt').read_text().split() == [str(i) for i in range(20)]
    assert (tmp_path / 'm.pt').is_file()


def test_fit_vae_save_over_its_table_fails(table, capsys):
    _fails(
        capsys,
        ['fit', '--model', 'vae', '--dataset', 'npy:d.npy', '--save', 'd.npy'],
        "'--save' would overwrite the input file d.npy of '--dataset' "
        '(got --save d.npy)',
        table / 'd.npy',
    )


@pytest.mark.parametrize(
    'dataset, out, message',
    [
        (
            'npy:d.npy',
            'vae.pt',
            "'--out' would overwrite the input file vae.pt of 'checkpoint' "
            '(got --out vae.pt)',
        ),
        (
            'npy:d.npy',
            'd.npy',
            "'--out' would overwrite the input file d.npy of '--dataset' "
            '(got --out d.npy)',
        ),
        (
            'd.npy',
            './d.npy',
            "'--out' would overwrite the input file d.npy of '--dataset' "
            '(got --out ./d.npy)',
        ),
    ],
)
def test_score_output_naming_an_input_fails(table, capsys, dataset, out, message):
    argv = ['score', 'vae.pt', '--dataset', dataset, '--out', out]
    _fails(capsys, argv, message, table / 'vae.pt', table / 'd.npy')


def test_score_distinct_output_still_works(table, capsys):
    before = (table / 'vae.pt').read_bytes()
    assert main(['score', 'vae.pt', '--dataset', 'npy:d.npy', '--out', 's.csv']) == 0
    lines = (table / 's.csv').read_text().splitlines()
    assert lines[0] == 'index,score' and len(lines) == 41
    assert (table / 'vae.pt').read_bytes() == before


def test_audit_json_over_its_input_fails(graph, tmp_path, capsys):
    _fails(
        capsys,
        ['audit', '--dataset', 'edgelist:g.txt', '--json', 'g.txt'],
        "'--json' would overwrite the input file g.txt of '--dataset' "
        '(got --json g.txt)',
        graph,
    )
    (tmp_path / 'sp').mkdir()
    train = tmp_path / 'sp' / 'train.txt'
    train.write_text('0 1\n')
    _fails(
        capsys,
        ['audit', '--files', 'sp', '--json', os.path.join('sp', 'train.txt')],
        "'--json' would overwrite the input file sp/train.txt of '--files' "
        '(got --json sp/train.txt)',
        train,
    )


BENCH = ['bench', '--datasets', 'edgelist:g.txt', '--models', 'cn', '--no-progress']


@pytest.mark.parametrize(
    'inside, message',
    [
        (
            'results.md',
            "'--out' would overwrite the input file res/results.md of "
            "'--datasets', which it writes as res/results.md (got --out res)",
        ),
        (
            'runs/g.txt',
            "'--out' would overwrite the input file res/runs/g.txt of "
            "'--datasets', which lies in the folder res/runs/ it writes "
            '(got --out res)',
        ),
    ],
)
def test_bench_out_folder_holding_the_input_fails(graph, capsys, inside, message):
    path = graph.parent / 'res' / inside
    path.parent.mkdir(parents=True)
    path.write_text(graph.read_text())
    argv = ['bench', '--datasets', f'edgelist:res/{inside}', '--models', 'cn']
    _fails(capsys, [*argv, '--seeds', '0', '--out', 'res'], message, path)


@pytest.mark.parametrize(
    'extra, message',
    [
        (['--seeds', '0,0'], "'--seeds' lists seed 0 twice (got '0,0')"),
        (['--seeds', '0-3,2'], "'--seeds' lists seed 2 twice (got '0-3,2')"),
        (
            ['--models', 'cn,aa, cn', '--seeds', '0'],
            "'--models' lists 'cn' twice (got 'cn,aa, cn')",
        ),
        (
            ['--datasets', 'edgelist:g.txt,edgelist:g.txt', '--seeds', '0'],
            "'--datasets' lists 'edgelist:g.txt' twice "
            "(got 'edgelist:g.txt,edgelist:g.txt')",
        ),
        (
            ['--seeds', '0-999999999'],
            "'--seeds' may hold at most 10000 seeds (got '0-999999999': at least "
            '1000000000 seeds)',
        ),
        (
            ['--seeds', '99999999999999999999999'],
            "'--seeds' must be an integer in [0, 2**63) (got 99999999999999999999999)",
        ),
        (
            ['--seeds', '1,9223372036854775808'],
            "'--seeds' must be an integer in [0, 2**63) (got 9223372036854775808)",
        ),
    ],
)
def test_bench_rejects_repeated_and_bad_entries(graph, capsys, extra, message):
    _fails(capsys, [*BENCH, *extra, '--out', 'res'], message, graph)
    assert not os.path.exists('res')


def test_bench_graph_too_small_for_a_split(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'one.txt').write_text('0 1\n')
    argv = ['bench', '--datasets', 'edgelist:one.txt', '--models', 'cn']
    _fails(
        capsys,
        [*argv, '--seeds', '0', '--no-progress'],
        "the dataset 'edgelist:one.txt' has too few edges for a val split: "
        "'num_val'=0.05 of its 1 undirected edges leaves no val pair; use a "
        'larger graph (got 0 val pairs)',
    )


def test_bench_distinct_entries_count_each_run_once(graph, tmp_path, capsys):
    assert main([*BENCH[:4], 'cn,aa', *BENCH[5:], '--seeds', '0-2,5']) == 0
    with open(tmp_path / 'bench_out' / 'results.json') as f:
        summary = json.load(f)
    assert sorted((e['row'], e['runs']) for e in summary) == [('aa', 4), ('cn', 4)]


def test_cli_warnings_are_one_line(tmp_path):
    # An edge list with a self-loop: the loader warns; the CLI prints the
    # warning as one line (no file:line, no source line), then the error.
    graph = tmp_path / 'loop.txt'
    graph.write_text('0 1\n1 2\n2 2\n2 0\n')
    argv = ['fit', '--dataset', f'edgelist:{graph}', '--epochs', '2']
    done = subprocess.run(
        [sys.executable, '-m', 'gvae_ext', *argv],
        capture_output=True,
        text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'),
    )
    lines = done.stderr.splitlines()
    assert done.returncode == 2
    assert lines[0] == (
        f'gvae-ext fit: warning: {graph}: dropped 1 self-loop(s) (first: line 3)'
    )
    assert len(lines) == 2 and lines[1].startswith('gvae-ext fit: error: ')


def test_fit_bad_dataset_names_the_option(capsys):
    assert main(['fit', '--dataset', 'foo']) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("gvae-ext fit: error: '--dataset' must be 'cora'")
    assert err[0].endswith("(got 'foo')")
