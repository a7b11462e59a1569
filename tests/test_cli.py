"""Tests for the ``gvae-ext`` command line (run in-process with ``main``)."""

# ruff: noqa: D103 -- test functions are named for what they check.

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import gvae_ext.train
from gvae_ext.cli import build_parser, main
from gvae_ext.train.config import PRESET_FIELDS, PRESETS


def _fit(tmp_path, *extra):
    out = tmp_path / 'run.json'
    argv = ['fit', '--dataset', 'cora', '--epochs', '2', '--json', str(out), *extra]
    assert main(argv) == 0
    with open(out) as f:
        return json.load(f)


def test_fit_json_keys_and_ranges(tmp_path, capsys):
    result = _fit(tmp_path, '--model', 'vgae', '--seed', '1')
    for key in ('test_auc', 'test_ap', 'val_auc', 'val_ap'):
        assert 0.0 <= result[key] <= 1.0
    assert result['config']['model'] == 'vgae'
    assert result['config']['seed'] == 1
    assert result['config']['epochs'] == 2
    assert result['timings']['median_epoch_seconds'] > 0
    assert result['timings']['total_seconds'] > 0
    assert 'test AUC' in capsys.readouterr().out


def test_fit_blend_reports_the_blended_model_beside_the_model(tmp_path, capsys):
    result = _fit(tmp_path, '--model', 'gae', '--blend', 'cn')
    blend = result['blend']
    assert blend['heuristic'] == 'cn' and blend['weight'] >= 0
    assert blend['val_auc'] >= result['val_auc'] - 1e-12  # weight 0 is a candidate
    for key in ('test_auc', 'test_ap', 'val_ap'):
        assert 0.0 <= blend[key] <= 1.0
    plain = _fit(tmp_path, '--model', 'gae')  # the model itself is unchanged
    assert plain['test_auc'] == result['test_auc'] and 'blend' not in plain
    assert 'blended with cn' in capsys.readouterr().out


def test_fit_same_seed_same_result(tmp_path):
    a = _fit(tmp_path, '--model', 'gae', '--seed', '3')
    b = _fit(tmp_path, '--model', 'gae', '--seed', '3')
    assert a['test_auc'] == b['test_auc'] and a['test_ap'] == b['test_ap']
    assert a['history']['loss'] == b['history']['loss']


def test_fit_save_load_and_embeddings(tmp_path):
    from gvae_ext.datasets import load_cora
    from gvae_ext.train.checkpoint import load

    # Missing folders are created, the same way for every output.
    ckpt = tmp_path / 'missing' / 'sub' / 'm.pt'
    emb = tmp_path / 'other' / 'z.npy'
    result = _fit(
        tmp_path, '--model', 'vgae', '--save', str(ckpt), '--embeddings', str(emb)
    )
    z = np.load(emb)
    data = load_cora()
    assert z.shape == (data.num_nodes, result['config']['out_channels'])
    ids = (tmp_path / 'other' / 'z.ids.txt').read_text().split()
    assert ids == [str(i) for i in range(data.num_nodes)]  # Cora keeps its ids
    model = load(str(ckpt))
    # The saved embeddings are mu on the training graph; recompute them from
    # the restored model on the same split.
    from gvae_ext.link.split import split_edges

    split = split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(0)
    )
    with torch.no_grad():
        again = model.encode(data.x, split.train_pos_edge_index)
    assert torch.equal(again, torch.from_numpy(z))


def test_fit_save_writes_the_candidate_auto_chose(tmp_path):
    # On a tiny graph `auto` trains the paper protocol as an ensemble: the
    # checkpoint must hold that model's config, not the masked default's.
    import networkx as nx

    from gvae_ext.datasets import featureless, read_edgelist
    from gvae_ext.link.split import split_edges
    from gvae_ext.train.checkpoint import load

    graph = tmp_path / 'karate.txt'
    graph.write_text(''.join(f'{u} {v}\n' for u, v in nx.karate_club_graph().edges()))
    ckpt, emb, out = tmp_path / 'm.pt', tmp_path / 'z.npy', tmp_path / 'run.json'
    argv = ['fit', '--dataset', f'edgelist:{graph}', '--model', 'gae', '--seed', '2']
    argv += ['--save', str(ckpt), '--embeddings', str(emb), '--json', str(out)]
    assert main(argv) == 0
    result = json.loads(out.read_text())
    assert result['auto']['chosen'] == 'paper'
    assert result['config']['preset'] == 'paper' and result['config']['ensemble'] == 5
    model = load(str(ckpt))
    assert len(model.encoder.members) == 5
    data = featureless(read_edgelist(graph))
    split = split_edges(
        data.edge_index, data.num_nodes, generator=torch.Generator().manual_seed(2)
    )
    with torch.no_grad():
        again = model.encode(data.x, split.train_pos_edge_index)
    assert torch.equal(again, torch.from_numpy(np.load(emb)))


def test_fit_knobs_override_the_preset(tmp_path):
    knobs = dict(
        hidden_channels=8, out_channels=4, dropout=0.1, input_dropout=0.2,
        edge_mask=0.3, lr=0.02, objective='sampled', selection='val_auc',
    )  # fmt: skip
    argv = [a for k, v in knobs.items() for a in ('--' + k.replace('_', '-'), str(v))]
    result = _fit(tmp_path, '--preset', 'paper', '--model', 'gae', *argv)
    config = result['config']
    assert {k: config[k] for k in knobs} == knobs
    assert config['preset'] == 'paper' and config['model'] == 'gae'
    # --epochs 2 and every knob differ from 'paper' (in PRESET_FIELDS order).
    assert config['overrides'] == [f for f in PRESET_FIELDS if f in {*knobs, 'epochs'}]
    # the suite runs torch with one thread (conftest), which caps the count
    assert result['timings']['num_threads'] == 1
    assert result['timings']['thread_steps'] == []


def test_fit_help_documents_every_option():
    sub = build_parser()._subparsers._group_actions[0].choices
    for name, parser in sub.items():
        for action in parser._actions:
            assert action.help, f'{name} {action.option_strings} has no help'
    text = sub['fit'].format_help()
    assert all(name in text for name in PRESETS)


def test_presets_command_prints_every_preset(capsys):
    assert main(['presets']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ['preset', *PRESET_FIELDS]
    rows = {line.split()[0].rstrip('*'): line.split()[1:] for line in lines[1:-1]}
    assert set(rows) == set(PRESETS)
    for name, values in PRESETS.items():
        assert rows[name] == [str(values[f]) for f in PRESET_FIELDS]


@pytest.fixture
def fake_fit(monkeypatch):
    r"""Replace training by a stub that records what it was called with."""
    calls = []

    def fit_distributed(data, config, split=None, progress=False):
        calls.append(
            dict(config=config, progress=progress, threads=torch.get_num_threads())
        )
        return None  # what a torchrun rank other than 0 gets: no report

    monkeypatch.setattr(gvae_ext.train, 'fit_distributed', fit_distributed)
    return calls


def test_progress_only_on_a_terminal(fake_fit, monkeypatch):
    assert main(['fit']) == 0
    assert main(['fit', '--progress']) == 0
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True, raising=False)
    assert main(['fit']) == 0
    assert main(['fit', '--no-progress']) == 0
    assert [c['progress'] for c in fake_fit] == [False, True, True, False]
    assert main(['fit', '--progress', '--no-progress']) == 2


def test_threads_default_and_user_value(fake_fit):
    before = torch.get_num_threads()
    assert main(['fit']) == 0
    assert main(['fit', '--threads', '3']) == 0
    # The run picks the count (tests/train/test_loop.py): None = by the graph.
    assert [c['config'].num_threads for c in fake_fit] == [None, 3]
    assert torch.get_num_threads() == before


@pytest.fixture
def no_training(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError('training started before the error')

    monkeypatch.setattr(gvae_ext.train, 'fit_distributed', fail)


def _errors(tmp_path):
    file = tmp_path / 'file.txt'
    file.write_text('x')
    return [
        (['fit', '--device', 'banana'], "'device' must be a torch device"),
        (['fit', '--seed', '9' * 20], "'seed' must be an integer in [0, 2**63)"),
        (['fit', '--seed', '1.5'], "argument --seed: invalid int value: '1.5'"),
        (['fit', '--json', str(tmp_path)], "'--json' must be a file path, not a dir"),
        (['fit', '--save', f'{file}/m.pt'], f"({str(file)!r} is a file)"),
        (['fit', '--plots', str(file)], "'--plots' must be a directory, not a file"),
        (['fit', '--embeddings', str(tmp_path)], "'--embeddings' must end with .npy"),
        (['fit', '--embeddings', str(file)], "'--embeddings' must end with .npy"),
        (['fit', '--lr', '-1'], "'lr' must be a positive finite number (got -1.0)"),
        (['fit', '--epochs', '0'], "'epochs' must be a positive integer (got 0)"),
        (['fit', '--num-layers', '3'], "'num_layers' must be 1 or 2 (got 3)"),
        (['fit', '--preset', 'nope'], "argument --preset: invalid choice: 'nope'"),
        (['fit', '--threads', '0'], "argument --threads: must be a positive integer"),
        (['fit', '--dropout', 'x'], "argument --dropout: invalid float value: 'x'"),
        (['fit', '--bogus'], 'unrecognized arguments: --bogus'),
        (['fit', '--model', 'nope'], "argument --model: invalid choice: 'nope'"),
        (['fit', '--dataset', 'nope'], 'nope'),
        (['fit', '--dataset', 'edgelist:/no/such/file'], "'/no/such/file'"),
        (['fit', '--dataset', 'digits', '--model', 'vgae'], "'--model vae' goes"),
        (['fit', '--model', 'vae', '--dataset', 'digits', '--edge-mask', '0.5'],
         "'--edge-mask' applies to graph models only"),
        (['fit', '--model', 'vae', '--dataset', 'digits', '--blend', 'ra'],
         "'--blend' applies to graph models only"),
        (['fit', '--blend', 'ppr'], "argument --blend: invalid choice: 'ppr'"),
        (['fit', '--json', str(file), '--save', str(file)], 'different files'),
        (['fit', '--json', str(tmp_path / 'z.ids.txt'), '--embeddings',
          str(tmp_path / 'z.npy')], 'different files'),
        (['score', str(file), '--dataset', 'digits', '--out', str(tmp_path)],
         "'--out' must be a file path, not a directory"),
        (['score', str(tmp_path / 'none.pt'), '--dataset', 'digits'],
         "'checkpoint' must be an existing file"),
        (['score', str(file), '--dataset', 'digits', '--device', 'banana'],
         "'device' must be a torch device"),
        (['bench', '--out', str(file)], "'--out' must be a directory, not a file"),
        (['bench', '--models', 'foo', '--seeds', '0'], "'models'"),
        ([], 'the following arguments are required: command'),
    ]  # fmt: skip


def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, no_training):
    for argv, match in _errors(tmp_path):
        assert main(argv) == 2, argv
        captured = capsys.readouterr()
        err = captured.err.strip()
        command = f'gvae-ext {argv[0]}' if argv else 'gvae-ext'
        assert err.startswith(f'{command}: error: '), (argv, err)
        assert '\n' not in err and 'Traceback' not in err, argv
        assert match in err, (argv, err)
        assert captured.out == '', argv


def test_plots_without_matplotlib(tmp_path, capsys, monkeypatch, no_training):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == 'matplotlib' or name.startswith('matplotlib.'):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setitem(sys.modules, 'matplotlib', None)
    monkeypatch.setattr(builtins, '__import__', fake_import)
    assert main(['fit', '--plots', str(tmp_path / 'p')]) == 2
    assert (
        "'--plots' needs the optional package 'matplotlib'" in capsys.readouterr().err
    )


def test_output_folders_created_before_training(tmp_path, fake_fit):
    outputs = dict(json='a/r.json', save='b/c/m.pt', embeddings='d/z.npy', plots='e/f')
    argv = [a for k, v in outputs.items() for a in (f'--{k}', str(tmp_path / v))]
    assert main(['fit', *argv]) == 0  # the stub trains nothing and writes nothing
    for path in ('a', 'b/c', 'd', 'e/f'):
        assert (tmp_path / path).is_dir(), path
    assert sorted(p.name for p in tmp_path.rglob('*') if p.is_file()) == []


def test_embeddings_keep_string_node_ids(tmp_path):
    from gvae_ext.datasets import read_edgelist

    ring = [f'n{i} n{(i + 1) % 40}' for i in range(40)]
    chords = [f'n{i} n{(i + 7) % 40}' for i in range(40)]
    path = tmp_path / 'g.txt'
    path.write_text('\n'.join(ring + chords) + '\n')
    emb = tmp_path / 'out' / 'z.npy'
    argv = ['--dataset', f'edgelist:{path}', '--embeddings', str(emb)]
    _fit(tmp_path, *argv, '--hidden-channels', '8', '--out-channels', '4')
    ids = (tmp_path / 'out' / 'z.ids.txt').read_text().splitlines()
    assert ids == read_edgelist(path).node_ids
    assert np.load(emb).shape == (40, 4)


def test_module_entry_point_help():
    out = subprocess.run(
        [sys.executable, '-m', 'gvae_ext', '--help'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert 'fit' in out.stdout and 'bench' in out.stdout


@pytest.mark.slow
def test_fit_under_torchrun_two_processes(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    out = tmp_path / 'ddp.json'
    env = dict(os.environ, GLOO_SOCKET_IFNAME='lo', OMP_NUM_THREADS='1')
    cmd = [
        sys.executable,
        '-m',
        'torch.distributed.run',
        '--nproc_per_node=2',
        '--master_addr=127.0.0.1',
        f'--master_port={port}',
        '-m',
        'gvae_ext',
        'fit',
        '--epochs',
        '5',
        '--no-progress',
        '--json',
        str(out),
    ]
    subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=300)
    with open(out) as f:
        result = json.load(f)
    assert result['timings']['world_size'] == 2
    assert 0.5 < result['test_auc'] <= 1.0


def test_model_knobs_reach_the_config(fake_fit):
    args = ['fit', '--decoder', 'mlp', '--norm', 'layer', '--act', 'relu']
    args += ['--mask-kind', 'path', '--recon', 'all', '--weight-decay', '0.001']
    args += ['--degree-weight', '0']
    assert main(args) == 0
    config = fake_fit[0]['config']
    assert (config.decoder, config.norm, config.act) == ('mlp', 'layer', 'relu')
    assert (config.mask_kind, config.recon) == ('path', 'all')
    assert (config.weight_decay, config.degree_weight) == (0.001, 0.0)
    assert set(config.overrides) >= {'decoder', 'norm', 'act', 'mask_kind', 'recon'}


def test_fit_learned_decoder_chooses_its_encoder(tmp_path):
    result = _fit(tmp_path, '--model', 'gae', '--decoder', 'mlp')
    auto = result['auto']
    assert [c['name'] for c in auto['candidates']] == ['masked_mlp', 'one_layer_mlp']
    layers = 1 if auto['chosen'] == 'one_layer_mlp' else 2
    # the JSON's config is the chosen candidate's; --epochs 2 (by hand) stays
    assert (result['config']['num_layers'], result['config']['epochs']) == (layers, 2)
    two = _fit(tmp_path, '--model', 'gae', '--decoder', 'mlp', '--num-layers', '2')
    assert two['config']['num_layers'] == 2 and len(two['auto']['candidates']) == 1
