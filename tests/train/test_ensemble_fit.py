"""fit(..., ensemble=K): K members on one split, returned as one autoencoder."""

import json
import subprocess
import sys

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.link import link_auc_ap
from gvae_ext.train import FitConfig, fit
from gvae_ext.train.checkpoint import load, save
from gvae_ext.train.loop import _train_candidate
from gvae_ext.train.replica import Replica


def _graph(n: int = 60, p: float = 0.15) -> Data:
    g = torch.Generator().manual_seed(0)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    x = torch.randn(n, 6, generator=g)
    ei = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    return Data(x=x, edge_index=ei, num_nodes=n)


def _config(**kw) -> FitConfig:
    values = dict(model='gae', epochs=6, hidden_channels=16, out_channels=8, seed=3)
    values.update(kw)
    return FitConfig.from_preset('masked', **values)


@pytest.mark.parametrize('model', ['gae', 'vgae'])
def test_ensemble_members_train_as_alone_and_scores_are_their_mean(model):
    data = _graph()
    config = _config(model=model, ensemble=3)
    result = fit(data, config)
    members = result.members
    assert [m['seed'] for m in members] == [config.member_seed(k) for k in range(3)]
    assert len({m['seed'] for m in members}) == 3 and members[0]['seed'] == 3
    # member k is exactly the single fit with its seed, on the same split
    for k in (0, 2):
        alone = fit(
            data, _config(model=model, seed=members[k]['seed']), split=result.split
        )
        assert alone.metrics['val_auc'] == members[k]['val_auc']
    # member 0 also uses the ensemble's split: the single fit of the same seed
    assert fit(data, _config(model=model)).split.test_pos_edge_index.equal(
        result.split.test_pos_edge_index
    )
    # the reported metrics are those of the mean of the members' logits
    enc = result.model.encoder
    enc.eval()
    with torch.no_grad():
        zs = [m(data.x, result.split.train_pos_edge_index) for m in enc.members]
        zs = [z[0] if isinstance(z, tuple) else z for z in zs]

        def score(pairs):
            return torch.stack([(z[pairs[0]] * z[pairs[1]]).sum(-1) for z in zs]).mean(
                0
            )

        pos, neg = result.split.test_pos_edge_index, result.split.test_neg_edge_index
        auc, ap = link_auc_ap(score(pos), score(neg))
    assert result.metrics['test_auc'] == pytest.approx(float(auc), abs=1e-6)
    assert result.metrics['test_ap'] == pytest.approx(float(ap), abs=1e-6)
    assert result.embeddings.shape == (60, 24)
    assert (
        json.loads(json.dumps(result.to_dict()))['members'][1]['seed']
        == members[1]['seed']
    )


def test_ensemble_checkpoint_round_trip(tmp_path):
    data = _graph()
    result = fit(data, _config(ensemble=2, decoder='mlp'))
    path = tmp_path / 'ens.pt'
    save(path, result.model, result.config, 6)
    model = load(path)
    result.model.eval()
    with torch.no_grad():
        ei = result.split.train_pos_edge_index
        pairs = result.split.test_pos_edge_index
        a = result.model.decode(result.model.encode(data.x, ei), pairs)
        b = model.decode(model.encode(data.x, ei), pairs)
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize('value', [0, -1, 1.5, True, '2'])
def test_config_rejects_a_bad_ensemble(value):
    with pytest.raises(ValueError, match="'ensemble' must be a positive integer"):
        FitConfig.from_preset(ensemble=value)


def test_ensemble_refuses_several_processes():
    class TwoRanks(Replica):
        world_size = 2

    with pytest.raises(ValueError, match="'ensemble' > 1 trains in one process"):
        _train_candidate(_graph(), _config(ensemble=2), None, TwoRanks(), False)


def test_ensemble_preset_and_cli_flag(tmp_path):
    assert FitConfig.from_preset('ensemble').ensemble == 3
    out = tmp_path / 'fit.json'
    edges = tmp_path / 'g.txt'
    ei = _graph().edge_index
    edges.write_text(
        ''.join(f'{a} {b}\n' for a, b in ei[:, ei[0] < ei[1]].t().tolist())
    )
    cmd = [
        sys.executable, '-m', 'gvae_ext.cli', 'fit', '--dataset', f'edgelist:{edges}',
        '--model', 'gae', '--epochs', '3', '--ensemble', '2', '--json', str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report['config']['ensemble'] == 2 and len(report['members']) == 2
    bad = subprocess.run(cmd[:-2] + ['--ensemble', '0'], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "'ensemble' must be a positive integer" in bad.stderr
    assert bad.stderr.count('\n') == 1
