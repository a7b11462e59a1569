import json
import math

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
        model='vgae', featureless=True, preset='paper'
    )
    assert bench.parse_row('gae')['featureless'] is False
    assert bench.parse_row('vgae@ablate_lr01')['preset'] == 'ablate_lr01'
    for bad in ('foo', 'vgae@nope', 'vgae**'):
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

    def fake_run_one(data, dataset, row, seed, device='cpu'):
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
    monkeypatch.setattr('gvae_ext.datasets.load_dataset', lambda spec, root=None: None)
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
