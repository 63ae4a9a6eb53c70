"""Sampling tests run single-threaded: their tensors are tiny, and on a shared 2-core machine
torch's thread pool costs far more than it gains (a tiny UNet forward: 20 ms vs 430 ms)."""
import pytest
import torch


@pytest.fixture(scope="package", autouse=True)
def single_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
