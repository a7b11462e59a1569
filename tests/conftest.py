import pytest
import torch

import gvae_ext.typing

CUDA = torch.cuda.is_available()

# One intra-op thread: the tests' tensors are small (threads only add
# overhead), and a core busy with another job would otherwise stall every
# parallel region. Subprocess tests set OMP_NUM_THREADS=1 themselves.
torch.set_num_threads(1)

# Parametrise a test over every available device: ``@pytest.mark.parametrize('device', DEVICES)``.
DEVICES = [
    'cpu',
    pytest.param(
        'cuda',
        marks=[pytest.mark.cuda, pytest.mark.skipif(not CUDA, reason='needs CUDA')],
    ),
]


@pytest.fixture
def no_torch_sparse(monkeypatch):
    r"""Force the pure ``torch.sparse`` fallback even where torch-sparse is installed."""
    monkeypatch.setattr(gvae_ext.typing, 'WITH_TORCH_SPARSE', False)
    yield


def pytest_report_header(config):
    return (
        f'torch {torch.__version__}, cuda available: {CUDA}, '
        f'torch_sparse: {gvae_ext.typing.WITH_TORCH_SPARSE}'
    )


def bad_devices():
    r"""``(device, message)`` pairs that a device check must refuse here."""
    if torch.cuda.is_available():
        missing = f'cuda:{torch.cuda.device_count()}'
        return [('bogus', 'must be a torch device'), (missing, 'must name one of')]
    return [
        ('bogus', "must be a torch device such as 'cpu' or 'cuda:0'"),
        ('cuda', 'needs CUDA, which is not available'),
    ]
