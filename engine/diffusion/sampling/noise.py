"""Seeded noise, ComfyUI-exact: initial latent noise, the per-step noise of ancestral samplers and
the Brownian-tree noise of SDE samplers (sampling.md §3).

All generators are private `torch.Generator` objects (never the global one); a CPU Mersenne
Twister seeded with `seed` gives the same stream as ComfyUI's `torch.manual_seed(seed)`.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

from .brownian import BrownianTree

NoiseSampler = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _cpu_generator(seed: int, what: str) -> torch.Generator:
    try:
        return torch.Generator(device="cpu").manual_seed(int(seed))
    except (RuntimeError, ValueError, OverflowError) as e:
        raise ValueError(f"{what}: seed {seed} does not fit the CPU generator (0 .. 2**64-1): {e}") from e


def prepare_noise(latent: torch.Tensor, seed: int, batch_index: Sequence[int] | None = None) -> torch.Tensor:
    """Initial noise for a latent batch, drawn on CPU in the latent's dtype.

    With batch_index, one [1,C,h,w] draw is made for every k = 0..max(batch_index) in order and
    rows are picked in batch_index order, so image k of a batch can be regenerated alone.
    """
    gen = _cpu_generator(seed, "prepare_noise")
    shape = list(latent.shape)
    if batch_index is None:
        return torch.randn(shape, dtype=latent.dtype, layout=latent.layout, generator=gen, device="cpu")
    wanted = [int(i) for i in batch_index]
    if any(i < 0 for i in wanted):
        raise ValueError(f"prepare_noise: batch_index must be non-negative, got {wanted}")
    wanted_set = set(wanted)
    rows: dict[int, torch.Tensor] = {}
    for k in range(max(wanted) + 1):
        draw = torch.randn([1] + shape[1:], dtype=latent.dtype, layout=latent.layout, generator=gen, device="cpu")
        if k in wanted_set:
            rows[k] = draw
    return torch.cat([rows[i] for i in wanted], dim=0)


def default_noise_sampler(x: torch.Tensor, seed: int | None = None) -> NoiseSampler:
    """Fresh x-shaped normal noise per call; seeded with seed+1 on CPU, with seed on other devices."""
    if seed is None:
        gen = None
    else:
        s = seed + 1 if x.device.type == "cpu" else seed
        try:
            gen = torch.Generator(device=x.device).manual_seed(int(s))
        except (RuntimeError, ValueError, OverflowError) as e:
            raise ValueError(f"ancestral noise: seed {seed} (+1 on CPU) does not fit the generator: {e}") from e

    def sample(sigma, sigma_next) -> torch.Tensor:
        return torch.randn(x.size(), dtype=x.dtype, layout=x.layout, device=x.device, generator=gen)
    return sample


class BrownianTreeNoiseSampler:
    """Noise from a Brownian tree on [min nonzero sigma, max sigma], seeded with `seed`.

    The tree (brownian.BrownianTree) is bit-identical to the torchsde.BrownianTree ComfyUI uses.
    A draw for sigma -> sigma_next is (W(sigma_next) - W(sigma)) / sqrt(|sigma_next - sigma|), so
    the same seed gives consistent noise whatever the step count. cpu=True builds the tree on CPU
    (the plain samplers); cpu=False on x's device (the *_gpu variants).
    """

    def __init__(self, x: torch.Tensor, sigma_min, sigma_max, seed: int | None = None, cpu: bool = True) -> None:
        t0, t1 = torch.as_tensor(sigma_min), torch.as_tensor(sigma_max)
        self.sign = 1
        if not t0 < t1:
            t0, t1, self.sign = t1, t0, -1
        self.cpu = cpu
        if seed is None:
            seed = int(torch.randint(0, 2 ** 63 - 1, ()).item())
        w0 = torch.zeros_like(x)
        if cpu:
            t0, w0, t1 = t0.detach().cpu(), w0.detach().cpu(), t1.detach().cpu()
        self.tree = BrownianTree(t0, w0, t1, entropy=seed)

    def __call__(self, sigma, sigma_next) -> torch.Tensor:
        a, b = torch.as_tensor(sigma), torch.as_tensor(sigma_next)
        lo, hi, sign = (a, b, 1) if a < b else (b, a, -1)
        device, dtype = lo.device, lo.dtype
        if self.cpu:
            lo, hi = lo.detach().cpu().float(), hi.detach().cpu().float()
        w = self.tree(lo, hi)
        w = w.to(device=device, dtype=dtype) * (self.sign * sign)
        return w / (b - a).abs().sqrt()


def brownian_noise_sampler(x: torch.Tensor, sigmas: torch.Tensor, seed: int | None, cpu: bool = True) -> BrownianTreeNoiseSampler:
    """The tree ComfyUI's SDE samplers build: from the smallest nonzero sigma to the largest."""
    return BrownianTreeNoiseSampler(x, sigmas[sigmas > 0].min(), sigmas.max(), seed=seed, cpu=cpu)
