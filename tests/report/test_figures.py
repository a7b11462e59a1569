import importlib.util
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gvae_ext.link.metrics import link_auc_ap
from gvae_ext.report import (
    plot_latent,
    plot_roc_pr,
    plot_training_curves,
    pr_curve_points,
    roc_curve_points,
    save_all_plots,
)
from gvae_ext.report.latent import _project
from tests.conftest import DEVICES

needs_mpl = pytest.mark.skipif(
    importlib.util.find_spec('matplotlib') is None, reason='needs matplotlib'
)

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def _is_png(path) -> bool:
    with open(path, 'rb') as f:
        head = f.read(24)
    # Signature, then the IHDR chunk whose width/height must be non-zero.
    width = int.from_bytes(head[16:20], 'big')
    height = int.from_bytes(head[20:24], 'big')
    return head[:8] == PNG_MAGIC and head[12:16] == b'IHDR' and width > 0 and height > 0


def _history(n=5):
    return {
        'epoch': list(range(1, n + 1)),
        'loss': [1.0 / e for e in range(1, n + 1)],
        'val_auc': [0.5 + 0.05 * e for e in range(n)],
        'val_ap': [0.55 + 0.05 * e for e in range(n)],
    }


# ----------------------------------------------------------------- curves


@pytest.mark.parametrize('device', DEVICES)
def test_roc_curve_points_hand_computed(device):
    # Sorted: 0.9(+) 0.4(+,-) 0.1(-); thresholds 0.9, 0.4, 0.1.
    pos = torch.tensor([0.9, 0.4], device=device)
    neg = torch.tensor([0.4, 0.1], device=device)
    fpr, tpr = roc_curve_points(pos, neg)
    assert fpr.device.type == device and fpr.dtype == torch.float64
    assert fpr.tolist() == [0.0, 0.0, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 1.0, 1.0]


def test_pr_curve_points_hand_computed():
    pos = torch.tensor([0.9, 0.4])
    neg = torch.tensor([0.4, 0.1])
    precision, recall = pr_curve_points(pos, neg)
    assert recall.tolist() == [0.0, 0.5, 1.0, 1.0]
    assert torch.allclose(
        precision, torch.tensor([1.0, 1.0, 2 / 3, 0.5], dtype=torch.float64)
    )


def test_curve_points_perfect_and_reversed():
    fpr, tpr = roc_curve_points(torch.tensor([3.0, 2.0]), torch.tensor([1.0]))
    assert fpr.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 1.0, 1.0]
    fpr, tpr = roc_curve_points(torch.tensor([0]), torch.tensor([5, 4]))
    assert fpr.tolist() == [0.0, 0.5, 1.0, 1.0]
    assert tpr.tolist() == [0.0, 0.0, 0.0, 1.0]
    precision, recall = pr_curve_points(torch.tensor([0]), torch.tensor([5, 4]))
    assert precision.tolist() == [1.0, 0.0, 0.0, 1 / 3]
    assert recall.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_curve_points_all_tied():
    fpr, tpr = roc_curve_points(torch.ones(3), torch.ones(1))
    assert fpr.tolist() == [0.0, 1.0] and tpr.tolist() == [0.0, 1.0]
    precision, recall = pr_curve_points(torch.ones(3), torch.ones(1))
    assert precision.tolist() == [1.0, 0.75] and recall.tolist() == [0.0, 1.0]


def test_curve_points_do_not_modify_inputs():
    pos, neg = torch.tensor([0.2, 0.9]), torch.tensor([0.5, 0.1])
    pos_copy, neg_copy = pos.clone(), neg.clone()
    roc_curve_points(pos, neg)
    pr_curve_points(pos, neg)
    assert torch.equal(pos, pos_copy) and torch.equal(neg, neg_copy)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-4, 4), min_size=1, max_size=12),
    st.lists(st.integers(-4, 4), min_size=1, max_size=12),
)
def test_curve_points_match_auc_ap(pos, neg):
    # Small integer scores force many ties.
    pos, neg = torch.tensor(pos).float(), torch.tensor(neg).float()
    auc, ap = link_auc_ap(pos, neg)
    fpr, tpr = roc_curve_points(pos, neg)
    precision, recall = pr_curve_points(pos, neg)
    assert torch.all(fpr[1:] >= fpr[:-1]) and torch.all(tpr[1:] >= tpr[:-1])
    assert fpr[-1] == 1 and tpr[-1] == 1
    assert torch.isclose(torch.trapezoid(tpr, fpr), auc.double())
    assert torch.isclose(((recall[1:] - recall[:-1]) * precision[1:]).sum(), ap)


@pytest.mark.parametrize(
    'pos, neg, match',
    [
        (torch.tensor([]), torch.tensor([0.1]), "'pos_pred' must hold at least one"),
        (torch.tensor([0.1]), torch.tensor([]), "'neg_pred' must hold at least one"),
        (torch.ones(2, 2), torch.tensor([0.1]), "'pos_pred' must be 1-D"),
        (torch.tensor([float('nan')]), torch.tensor([0.1]), "'pos_pred' contains NaN"),
    ],
    ids=['empty-pos', 'empty-neg', '2d', 'nan'],
)
def test_curve_points_bad_input(pos, neg, match):
    with pytest.raises(ValueError, match=match):
        roc_curve_points(pos, neg)
    with pytest.raises(ValueError, match=match):
        pr_curve_points(pos, neg)


# ------------------------------------------------------------------ files


@needs_mpl
def test_plot_roc_pr_writes_png(tmp_path):
    gen = torch.Generator().manual_seed(0)
    pos = torch.randn(50, generator=gen) + 1.0
    neg = torch.randn(60, generator=gen)
    path = plot_roc_pr(pos, neg, tmp_path / 'sub' / 'roc.png', title='test')
    assert path == tmp_path / 'sub' / 'roc.png' and _is_png(path)


@needs_mpl
def test_plot_training_curves_writes_png(tmp_path):
    history = _history()
    history['val_auc'][0] = float('nan')
    snapshot = {k: list(v) for k, v in history.items()}
    path = plot_training_curves(history, str(tmp_path / 'train.png'))
    assert _is_png(path)
    assert history == snapshot
    # Loss only, no epoch column.
    assert _is_png(plot_training_curves({'loss': [3.0, 2.0]}, tmp_path / 'l.png'))


@pytest.mark.parametrize(
    'history, match',
    [
        ({'epoch': [1]}, "'history' must hold a non-empty 'loss'"),
        ({'loss': []}, "'history' must hold a non-empty 'loss'"),
        ({'epoch': [1, 2], 'loss': [1.0]}, "'history' entries must all have"),
        ({'loss': [1.0, 2.0], 'val_ap': [0.5]}, "'history' entries must all have"),
    ],
)
def test_plot_training_curves_bad_history(tmp_path, history, match):
    with pytest.raises(ValueError, match=match):
        plot_training_curves(history, tmp_path / 'x.png')
    assert not (tmp_path / 'x.png').exists()


def test_plot_training_curves_not_a_dict(tmp_path):
    with pytest.raises(TypeError, match="'history' must be a dict"):
        plot_training_curves([1.0, 2.0], tmp_path / 'x.png')


@needs_mpl
@pytest.mark.parametrize(
    'labels',
    [None, 'int', 'float', 'many'],
)
def test_plot_latent_writes_png(tmp_path, labels):
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(40, 4, generator=gen)
    if labels == 'int':
        labels = torch.arange(40) % 3
    elif labels == 'float':
        labels = torch.rand(40, generator=gen)
    elif labels == 'many':
        labels = torch.arange(40) % 25
    z_copy = z.clone()
    path = plot_latent(z, tmp_path / 'latent.png', labels=labels)
    assert _is_png(path) and torch.equal(z, z_copy)


@needs_mpl
def test_plot_latent_tsne(tmp_path):
    pytest.importorskip('sklearn')
    z = torch.randn(30, 3, generator=torch.Generator().manual_seed(2))
    gen = torch.Generator().manual_seed(0)
    path = plot_latent(
        z, tmp_path / 't.png', torch.arange(30) % 2, 'tsne', generator=gen
    )
    assert _is_png(path)


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(z=torch.randn(5)), "'z' must be 2-D"),
        (dict(z=torch.randn(5, 1)), "'z' must be 2-D"),
        (dict(z=torch.randn(1, 3)), "'z' must be 2-D"),
        (dict(z=torch.full((3, 2), float('nan'))), "'z' must hold finite"),
        (dict(z=torch.ones(3, 2, dtype=torch.long)), "'z' must hold finite"),
        (dict(z=torch.randn(3, 2), labels=torch.zeros(4)), "'labels' must be 1-D"),
        (dict(z=torch.randn(3, 2), method='umap'), "'method' must be one of"),
    ],
    ids=['1d', 'dim1', 'one-node', 'nan', 'int', 'labels', 'method'],
)
def test_plot_latent_bad_input(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_latent(path=tmp_path / 'x.png', **kwargs)


def test_plot_latent_pca_is_exact_projection():
    # Points on a line along (1, 1, 0) project onto PC 1 with PC 2 == 0.
    t = torch.linspace(-1, 1, 7)
    z = torch.stack([t, t, torch.zeros(7)], 1)
    xy, names = _project(z, 'pca', None)
    assert torch.allclose(xy[:, 0], t.double() * 2**0.5, atol=1e-6)
    assert torch.allclose(xy[:, 1], torch.zeros(7, dtype=torch.float64), atol=1e-6)
    assert names == ('PC 1 (100.0% of variance)', 'PC 2 (0.0% of variance)')


@needs_mpl
def test_save_all_plots(tmp_path):
    gen = torch.Generator().manual_seed(3)
    out = tmp_path / 'plots'
    paths = save_all_plots(
        out,
        pos_pred=torch.randn(20, generator=gen) + 1,
        neg_pred=torch.randn(20, generator=gen),
        history=_history(),
        z=torch.randn(20, 3, generator=gen),
        labels=torch.arange(20) % 4,
    )
    assert [p.name for p in paths] == ['roc_pr.png', 'training.png', 'latent.png']
    assert all(p.parent == out and _is_png(p) for p in paths)
    assert save_all_plots(tmp_path / 'none') == []


def _capture(monkeypatch):
    """Keep every figure the plotting functions save, to inspect its texts."""
    from gvae_ext.report import figures

    saved = []
    real = figures._save

    def keep(fig, path):
        saved.append(fig)
        return real(fig, path)

    monkeypatch.setattr(figures, '_save', keep)
    return saved


@needs_mpl
def test_plot_roc_pr_names_the_test_set(tmp_path, monkeypatch):
    """Every title says which set the curves show."""
    saved = _capture(monkeypatch)
    plot_roc_pr(torch.tensor([2.0, 1.0]), torch.tensor([0.0]), tmp_path / 'a.png')
    plot_roc_pr(
        torch.tensor([2.0]), torch.tensor([0.0]), tmp_path / 'b.png', split='val'
    )
    (fig, fig_val) = saved
    assert [ax.get_title() for ax in fig.axes] == [
        'ROC curve (test set)',
        'Precision-recall curve (test set)',
    ]
    assert fig._suptitle.get_text() == (
        'Link prediction, test set (2 positive, 1 negative pairs)'
    )
    assert fig_val.axes[0].get_title() == 'ROC curve (val set)'


@needs_mpl
def test_plot_training_curves_marks_the_reported_epoch(tmp_path, monkeypatch):
    """The reported model's epoch is marked, not only the best validation."""
    saved = _capture(monkeypatch)
    plot_training_curves(_history(5), tmp_path / 't.png', reported_epoch=3)
    for ax in saved[0].axes:
        (mark,) = [ln for ln in ax.lines if ln.get_label().startswith('reported')]
        assert mark.get_label() == 'reported model (epoch 3)'
        assert list(mark.get_xdata()) == [3.0, 3.0]
    with pytest.raises(
        ValueError, match=r"'reported_epoch' must be one of .*\(got 9\)"
    ):
        plot_training_curves(_history(5), tmp_path / 'u.png', reported_epoch=9)
    assert not (tmp_path / 'u.png').exists()


@needs_mpl
def test_failed_plot_keeps_the_previous_file(tmp_path, monkeypatch):
    """A figure that fails while saving leaves the old image in place."""
    from matplotlib.figure import Figure

    path = tmp_path / 'roc.png'
    path.write_bytes(b'old image')

    def broken(self, f, **kwargs):
        f.write(b'half an image')
        raise OSError('disk full')

    monkeypatch.setattr(Figure, 'savefig', broken)
    with pytest.raises(OSError, match='disk full'):
        plot_roc_pr(torch.tensor([1.0]), torch.tensor([0.0]), path)
    assert path.read_bytes() == b'old image'
    assert [p.name for p in tmp_path.iterdir()] == ['roc.png']


def test_save_all_plots_needs_both_scores(tmp_path):
    with pytest.raises(ValueError, match="'pos_pred' and 'neg_pred' must be given"):
        save_all_plots(tmp_path, pos_pred=torch.ones(2))


@pytest.mark.parametrize(
    'call',
    [
        lambda p: plot_roc_pr(torch.ones(2), torch.zeros(2), p),
        lambda p: plot_training_curves({'loss': [1.0]}, p),
        lambda p: plot_latent(torch.randn(4, 2), p),
    ],
    ids=['roc_pr', 'training', 'latent'],
)
def test_plot_without_matplotlib(monkeypatch, tmp_path, call):
    for name in list(sys.modules):
        if name == 'matplotlib' or name.startswith('matplotlib.'):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, 'matplotlib', None)
    msg = r"plotting requires 'matplotlib' \(pip install gvae_ext\[plot\]\)"
    with pytest.raises(ImportError, match=msg):
        call(tmp_path / 'x.png')
    assert not (tmp_path / 'x.png').exists()
