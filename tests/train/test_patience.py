"""Early stopping: ``FitConfig(patience=N)`` / ``gvae-ext fit --patience N``."""

# ruff: noqa: D103 -- test functions are named for what they check.

import json
from types import SimpleNamespace

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.cli import main
from gvae_ext.train import FitConfig, fit
from gvae_ext.train.loop import _train_candidate


def _graph(seed: int = 0) -> Data:
    g = torch.Generator().manual_seed(seed)
    n, blocks = 120, 4
    block = torch.arange(n) // (n // blocks)
    p = torch.where(block[:, None] == block[None, :], 0.3, 0.02)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    edge_index = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    x = torch.nn.functional.one_hot(block, blocks).float()
    return Data(x=x + torch.randn(n, blocks, generator=g), edge_index=edge_index)


def _config(**kw) -> FitConfig:
    base = dict(epochs=60, hidden_channels=16, out_channels=8, num_threads=1)
    return FitConfig.from_preset(
        'tuned', **{**base, **kw, 'selection': kw.get('selection', 'val_auc')}
    )


@pytest.mark.parametrize('selection', ['val_auc', 'val_mrr'])
def test_stops_patience_epochs_after_the_best_and_keeps_it(selection):
    data = _graph()
    full = fit(data, _config(selection=selection))
    key = 'val_auc' if selection == 'val_auc' else 'val_mrr'
    scores = full.history[key]
    patience = 3
    # where the rule stops on the full run's curve, and the best epoch before
    best, best_epoch, stop = -1.0, 0, len(scores)
    for epoch, score in enumerate(scores, 1):
        if score > best:
            best, best_epoch = score, epoch
        if epoch - best_epoch >= patience:
            stop = epoch
            break
    assert stop < len(scores), 'the curve never stalls: no stop to test'
    early = fit(data, _config(selection=selection, patience=patience))
    assert early.timings['epochs_run'] == stop == len(early.history['loss'])
    assert early.timings['epochs'] == 60 and full.timings['epochs_run'] == 60
    # the same run up to the stop, and the best epoch seen so far kept
    assert early.history['loss'] == full.history['loss'][:stop]
    assert early.history['reported_epoch'] == [best_epoch]
    assert early.metrics[key] == pytest.approx(best, abs=1e-12)


def test_without_patience_every_epoch_runs():
    result = fit(_graph(1), _config(epochs=5))
    assert result.timings['epochs_run'] == 5 and result.config.patience is None


@pytest.mark.parametrize('bad', [0, -2, 1.5, True, '3'])
def test_bad_patience_is_refused(bad):
    with pytest.raises(ValueError, match="'patience' must be a positive integer"):
        _config(patience=bad).validate()


def test_patience_needs_a_selection():
    with pytest.raises(ValueError, match="'patience' needs a selection"):
        FitConfig.from_preset('paper', patience=5).validate()
    # the adaptive default: candidates that keep the last epoch train them all
    FitConfig(patience=5).validate()


def test_patience_is_refused_with_several_processes():
    replica = SimpleNamespace(world_size=2, device=lambda config: torch.device('cpu'))
    with pytest.raises(ValueError, match="'patience' stops one process"):
        _train_candidate(_graph(2), _config(patience=5), None, replica, False)


def test_cli_fit_patience(tmp_path, capsys):
    out = tmp_path / 'run.json'
    argv = ['fit', '--dataset', 'cora', '--preset', 'tuned', '--epochs', '40']
    argv += ['--selection', 'val_auc', '--patience', '1', '--json', str(out)]
    assert main(argv) == 0
    result = json.loads(out.read_text())
    assert result['config']['patience'] == 1
    assert result['timings']['epochs_run'] == len(result['history']['loss']) < 40
    assert main(['fit', '--dataset', 'cora', '--patience', '0']) == 2
    assert '--patience' in capsys.readouterr().err
