"""The 'heart' preset (the HeaRT benchmark's GAE) and FitConfig.dense_weighting."""

# ruff: noqa: D103 -- test functions are named for what they check.

import pytest
import torch
from torch_geometric.data import Data

from gvae_ext.cli import main
from gvae_ext.nn.objectives import dense_recon_loss, dense_targets
from gvae_ext.train import PRESETS, FitConfig, fit, load, save


def _blocks(seed: int = 0) -> Data:
    # Two dense blocks with noisy block features: something to rank.
    g = torch.Generator().manual_seed(seed)
    n = 60
    block = torch.arange(n) // 30
    p = torch.where(block[:, None] == block[None, :], 0.3, 0.03)
    upper = torch.triu(torch.rand(n, n, generator=g) < p, diagonal=1)
    row, col = upper.nonzero().t()
    x = torch.nn.functional.one_hot(block, 2).float() + 0.5 * torch.randn(
        n, 2, generator=g
    )
    edge_index = torch.cat([torch.stack([row, col]), torch.stack([col, row])], 1)
    return Data(x=x, edge_index=edge_index, num_nodes=n)


def test_heart_preset_is_the_heart_benchmark_gae():
    c = FitConfig.from_preset('heart', model='gae')
    assert (c.num_layers, c.out_channels, c.objective) == (1, 256, 'dense')
    assert (c.dense_weighting, c.selection) == ('uniform', 'val_mrr')
    assert (c.lr, c.weight_decay, c.dropout, c.input_dropout) == (0.01, 1e-7, 0.0, 0.0)
    assert (c.edge_mask, c.norm, c.out_act, c.decoder) == (0.0, 'none', False, 'inner')
    # every other preset keeps Kipf's weighting
    assert {p['dense_weighting'] for k, p in PRESETS.items() if k != 'heart'} == {
        'balanced'
    }


def test_fit_trains_on_the_uniform_objective_and_keeps_it(tmp_path):
    data = _blocks()
    config = FitConfig.from_preset(
        'heart', model='gae', epochs=6, out_channels=8, num_threads=1
    )
    result = fit(data, config)
    model = result.model
    assert model.dense_weighting == 'uniform'
    mrrs = result.history['val_mrr']
    best = max(range(6), key=lambda i: (mrrs[i], -i))
    assert result.history['reported_epoch'] == [best + 1]
    # seeded, and the weighting changes what is trained
    again = fit(data, config)
    assert again.history['loss'] == result.history['loss']
    balanced = fit(data, FitConfig.from_preset(
        'heart', model='gae', epochs=6, out_channels=8, num_threads=1,
        dense_weighting='balanced',
    ))  # fmt: skip
    assert balanced.history['loss'][0] != pytest.approx(result.history['loss'][0])
    # a checkpoint rebuilds the model with its weighting
    path = tmp_path / 'heart.pt'
    save(path, model, result.config, data.x.size(1))
    restored = load(path)
    assert restored.dense_weighting == 'uniform'
    z = restored.encode(data.x, result.split.train_pos_edge_index)
    expected = dense_recon_loss(
        z, dense_targets(result.split.train_pos_edge_index, 60, 'uniform')
    )
    assert torch.allclose(restored.loss(z, result.split.train_pos_edge_index), expected)


@pytest.mark.parametrize(
    'change, message',
    [
        (
            dict(dense_weighting='uniform'),
            "'dense_weighting' 'uniform' needs the 'dense'",
        ),
        (
            dict(dense_weighting='none', objective='dense'),
            "'dense_weighting' must be one of",
        ),
        (
            dict(dense_weighting='uniform', objective='fastgae'),
            "needs the 'dense' objective",
        ),
    ],
)
def test_config_refuses_bad_weighting(change, message):
    with pytest.raises(ValueError, match=message):
        FitConfig.from_preset(**change)


def test_cli_refuses_uniform_without_dense_in_one_line(capsys):
    assert main(['fit', '--dense-weighting', 'uniform', '--epochs', '1']) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].endswith(
        "'dense_weighting' 'uniform' needs the 'dense' objective (got 'sampled')"
    )
    assert not any('Traceback' in line for line in lines)
