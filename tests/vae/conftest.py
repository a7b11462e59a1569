import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny MLPs: intra-op threads only add sync overhead (large on busy cores).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
