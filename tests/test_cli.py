import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from gvae_ext.cli import main


def _fit(tmp_path, *extra):
    out = tmp_path / 'run.json'
    argv = [
        'fit',
        '--dataset',
        'cora',
        '--epochs',
        '3',
        '--no-progress',
        '--json',
        str(out),
        *extra,
    ]
    assert main(argv) == 0
    with open(out) as f:
        return json.load(f)


def test_fit_json_keys_and_ranges(tmp_path, capsys):
    result = _fit(tmp_path, '--model', 'vgae', '--seed', '1')
    for key in ('test_auc', 'test_ap', 'val_auc', 'val_ap'):
        assert 0.0 <= result[key] <= 1.0
    assert result['config']['model'] == 'vgae'
    assert result['config']['seed'] == 1
    assert result['config']['epochs'] == 3
    assert result['timings']['median_epoch_seconds'] > 0
    assert result['timings']['total_seconds'] > 0
    assert 'test AUC' in capsys.readouterr().out


def test_fit_same_seed_same_result(tmp_path):
    a = _fit(tmp_path, '--model', 'gae', '--seed', '3')
    b = _fit(tmp_path, '--model', 'gae', '--seed', '3')
    assert a['test_auc'] == b['test_auc'] and a['test_ap'] == b['test_ap']
    assert a['history']['loss'] == b['history']['loss']


def test_fit_save_load_and_embeddings(tmp_path):
    from gvae_ext.datasets import load_cora
    from gvae_ext.train.checkpoint import load

    ckpt, emb = tmp_path / 'model.pt', tmp_path / 'z.npy'
    result = _fit(
        tmp_path, '--model', 'vgae', '--save', str(ckpt), '--embeddings', str(emb)
    )
    z = np.load(emb)
    data = load_cora()
    assert z.shape == (data.num_nodes, result['config']['out_channels'])
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


@pytest.mark.parametrize(
    'argv, match',
    [
        (['fit', '--model', 'nope'], "'model'"),
        (['fit', '--dataset', 'nope'], 'nope'),
        (['fit', '--dataset', 'digits', '--model', 'vgae'], "'--model vae'"),
        (['fit', '--epochs', '0'], "'epochs'"),
        (['bench', '--models', 'foo', '--seeds', '0'], "'models'"),
    ],
    ids=['model', 'dataset', 'vae-mismatch', 'epochs', 'bench-row'],
)
def test_cli_errors_exit_2(argv, match, capsys):
    assert main([*argv, '--no-progress']) == 2
    assert match in capsys.readouterr().err


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
