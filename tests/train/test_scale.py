r"""Scaling checks: the sampled objective never materialises an N x N tensor,
and chunked evaluation paths give the values of the unchunked ones."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gvae_ext.link import _ranking
from gvae_ext.link.metrics import link_auc_ap
from gvae_ext.nn.decoders import InnerProductDecoder, inner_product, pair_index
from gvae_ext.nn.objectives import (
    dense_recon_loss,
    dense_recon_loss_from_logits,
    dense_targets,
)
from tests.conftest import DEVICES

ROOT = Path(__file__).resolve().parents[1]

# Runs in a fresh interpreter whose address space is capped at 3 GiB: one
# float32 N x N tensor for N = 200k would take 160 GB (and even a single
# 200k x 2k block would take 1.6 GB on top of torch), so any O(N^2)
# allocation fails with a MemoryError / RuntimeError.
_SCRIPT = textwrap.dedent(
    """
    import resource
    cap = 3 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import torch
    from torch_geometric.data import Data
    from gvae_ext.train import FitConfig, fit

    torch.set_num_threads(1)
    n, g = 200_000, torch.Generator().manual_seed(0)
    row, col = torch.randint(0, n, (2, 2 * n), generator=g)
    keep = row != col
    lo = torch.minimum(row[keep], col[keep])
    hi = torch.maximum(row[keep], col[keep])
    ids = torch.unique(lo * n + hi)
    lo, hi = ids // n, ids % n
    edge_index = torch.cat([torch.stack([lo, hi]), torch.stack([hi, lo])], 1)
    data = Data(x=torch.randn(n, 16, generator=g), edge_index=edge_index)
    data.num_nodes = n
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    config = FitConfig(
        model='vgae', epochs=2, hidden_channels=16, out_channels=8,
        objective='sampled', edge_mask=0.5,
    )
    result = fit(data, config)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert tuple(result.embeddings.shape) == (n, 8)
    assert len(result.history['loss']) == 2
    print('RESULT', edge_index.size(1), before, after, result.metrics['test_auc'])
    """
)


def test_sampled_fit_large_graph_memory_capped():
    proc = subprocess.run(
        [sys.executable, '-c', _SCRIPT],
        cwd=ROOT,
        env={'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1', 'PATH': ''},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT')][-1]
    _, num_edges, before, after, auc = line.split()
    n = 200_000
    assert 3.5 * n < int(num_edges) <= 4 * n  # average degree ~4
    growth = int(after) - int(before)
    # Far below one N x N float32 matrix (1.6e11 bytes): under 1 GiB.
    assert growth < 2**30, f'peak RSS grew by {growth / 2**20:.0f} MiB'
    assert 0.0 <= float(auc) <= 1.0


def _graph(num_nodes: int, seed: int, device: str = 'cpu'):
    g = torch.Generator().manual_seed(seed)
    row, col = torch.randint(0, num_nodes, (2, 3 * num_nodes), generator=g)
    keep = row != col
    edge_index = torch.stack([row[keep], col[keep]])
    edge_index = torch.cat([edge_index, edge_index.flip(0)], 1)
    z = torch.randn(num_nodes, 5, generator=g, dtype=torch.float64)
    return z.to(device), edge_index.to(device)


@settings(max_examples=20, deadline=None)
@given(
    num_nodes=st.integers(2, 40),
    chunk=st.integers(1, 50),
    seed=st.integers(0, 2**16),
)
def test_score_chunked_equals_forward(num_nodes, chunk, seed):
    z, edge_index = _graph(num_nodes, seed)
    decoder = InnerProductDecoder()
    for sigmoid in (True, False):
        full = decoder(z, edge_index, sigmoid=sigmoid)
        chunked = decoder.score(z, edge_index, sigmoid=sigmoid, chunk_size=chunk)
        torch.testing.assert_close(chunked, full, rtol=0, atol=0)


@settings(max_examples=20, deadline=None)
@given(
    num_nodes=st.integers(1, 40),
    chunk=st.integers(1, 50),
    seed=st.integers(0, 2**16),
)
def test_score_chunks_equals_forward_all(num_nodes, chunk, seed):
    z, _ = _graph(num_nodes, seed)
    decoder = InnerProductDecoder()
    full = decoder.forward_all(z, sigmoid=False)
    blocks = list(decoder.score_chunks(z, sigmoid=False, chunk_size=chunk))
    assert [start for start, _ in blocks] == list(range(0, num_nodes, chunk))
    torch.testing.assert_close(torch.cat([b for _, b in blocks]), full)


@pytest.mark.parametrize('device', DEVICES)
def test_score_chunks_exact_small(device):
    z = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], device=device)
    blocks = list(InnerProductDecoder().score_chunks(z, sigmoid=False, chunk_size=2))
    assert blocks[0][0] == 0 and blocks[1][0] == 2
    expected = [[1.0, 0.0, 1.0], [0.0, 4.0, 2.0], [1.0, 2.0, 2.0]]
    expected = torch.tensor(expected, device=device)
    torch.testing.assert_close(torch.cat([blocks[0][1], blocks[1][1]]), expected)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('chunk', [1, 3, 7, 30, 1000])
def test_dense_loss_chunked_equals_full_matrix(chunk, device):
    z, edge_index = _graph(30, seed=chunk, device=device)
    targets = dense_targets(edge_index, 30)
    z1 = z.clone().requires_grad_()
    z2 = z.clone().requires_grad_()
    chunked = dense_recon_loss(z1, targets, chunk_size=chunk)
    full = dense_recon_loss_from_logits(z2 @ z2.t(), targets)
    torch.testing.assert_close(chunked, full)
    chunked.backward()
    full.backward()
    torch.testing.assert_close(z1.grad, z2.grad)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('seed', [0, 1])
def test_pair_index_equals_plain_inner_product(seed, device):
    z, edge_index = _graph(25, seed, device)
    z1 = z.clone().requires_grad_()
    z2 = z.clone().requires_grad_()
    indexed = inner_product(z1, edge_index, pair_index(edge_index, 25))
    plain = inner_product(z2, edge_index)
    torch.testing.assert_close(indexed, plain)
    weights = torch.linspace(-1, 1, plain.numel(), dtype=plain.dtype, device=device)
    (indexed * weights).sum().backward()
    (plain * weights).sum().backward()
    torch.testing.assert_close(z1.grad, z2.grad)


@pytest.mark.parametrize('block', [1, 5, 64])
def test_link_metrics_blocked_equals_one_block(monkeypatch, block):
    g = torch.Generator().manual_seed(block)
    # integer scores give many ties across block boundaries
    pos = torch.randint(0, 20, (300,), generator=g).double()
    neg = torch.randint(0, 15, (500,), generator=g).double()
    one_auc, one_ap = link_auc_ap(pos, neg)
    monkeypatch.setattr(_ranking, '_CPU_CHUNK', block)
    auc, ap = link_auc_ap(pos, neg)
    torch.testing.assert_close(auc, one_auc)
    torch.testing.assert_close(ap, one_ap)


def test_chunk_size_errors():
    z, edge_index = _graph(5, seed=0)
    decoder = InnerProductDecoder()
    with pytest.raises(ValueError, match="'chunk_size'"):
        decoder.score(z, edge_index, chunk_size=0)
    with pytest.raises(ValueError, match="'chunk_size'"):
        list(decoder.score_chunks(z, chunk_size=-1))
    with pytest.raises(ValueError, match="'chunk_size'"):
        dense_recon_loss(z, dense_targets(edge_index, 5), chunk_size=0)
