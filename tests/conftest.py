"""Shared pytest fixtures."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
GOLDEN = os.path.join(SHARED, "reference", "golden")


@pytest.fixture
def one_torch_thread():
    """torch.set_num_threads(1) for the test (tiny tensors: threads only add overhead), restored after."""
    import torch
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
