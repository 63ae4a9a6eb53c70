"""Our Brownian tree against torchsde.BrownianTree (the tree ComfyUI's SDE samplers use): every
increment must be bit-identical (torch.equal), whatever the query order, cache evictions, shape,
dtype or device; and the SDE samplers must give exactly what they give on torchsde's tree."""
from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
import torch

torchsde = pytest.importorskip("torchsde")  # the oracle; the engine itself no longer needs it

from engine.diffusion.sampling import noise as noise_module  # noqa: E402
from engine.diffusion.sampling.brownian import BrownianTree, TreeSeeds  # noqa: E402
from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete  # noqa: E402
from engine.diffusion.sampling.samplers import get_sampler  # noqa: E402
from engine.diffusion.sampling.schedules import calculate_sigmas  # noqa: E402

from .helpers import analytic_denoiser  # noqa: E402

SEEDS = [0, 1, 2 ** 31, 2 ** 63 - 1]
SHAPES = [(1,), (1, 4, 8, 8), (3, 4, 8, 8)]
SDE_SAMPLERS = ["dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun",
                "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu"]
MS = ModelSamplingDiscrete("eps")


def reference(t0, w0, t1, seed):
    return torchsde.BrownianTree(t0, w0, t1, entropy=seed)


def oracle_call(tree, ta, tb=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchsde warns on clamped end points and point queries
        return tree(ta, tb)


def sampler_queries(sigmas: torch.Tensor) -> list[tuple[float, float]]:
    """What the SDE samplers ask the tree for on descending sigmas: (sigma_next, sigma) per step as
    float32, plus dpmpp_sde's (sigma_mid, sigma) half steps; the last step (to 0) draws nothing."""
    s = sigmas.float()
    out = []
    for i in range(len(s) - 1):
        if float(s[i + 1]) == 0:
            continue
        mid = (s[i] * s[i + 1]).sqrt()
        out += [(float(mid), float(s[i])), (float(s[i + 1]), float(s[i]))]
    return out


def assert_same_increments(mine: BrownianTree, ref, queries):
    for ta, tb in queries:
        a, b = mine(ta, tb), oracle_call(ref, ta, tb)
        assert a.dtype == b.dtype and a.device == b.device and a.shape == b.shape
        assert torch.equal(a, b), f"increment over [{ta!r}, {tb!r}] differs by {(a - b).abs().max().item()}"


def test_node_seeds_are_numpy_seedsequence_words():
    for entropy in [0, 1, 5, 2 ** 31, 2 ** 32, 2 ** 63 - 1, 2 ** 64 - 1, 12345678901234567890123, 2 ** 800 + 7]:
        seeds = TreeSeeds(entropy, 24)
        assert seeds.root_seed == np.random.SeedSequence(entropy, pool_size=24).generate_state(3)[0]
        for key, depth in [(0, 0), (0, 1), (1, 1), (5, 3), (2 ** 24 - 1, 24), (2 ** 32, 33), (2 ** 40 + 3, 41),
                           (2 ** 70 + 12345, 71)]:
            expected = np.random.SeedSequence(entropy, spawn_key=(key, depth), pool_size=24).generate_state(4)[0]
            assert seeds.node_seed(key, depth) == expected, (entropy, key, depth)
    small_pool = np.random.SeedSequence(7, spawn_key=(3, 2), pool_size=4).generate_state(4)[0]
    assert TreeSeeds(7, 4).node_seed(3, 2) == small_pool


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sampler_order_queries_bit_identical(seed, shape, dtype):
    for scheduler, steps in [("karras", 20), ("normal", 7), ("exponential", 3)]:
        sigmas = calculate_sigmas(MS, scheduler, steps)
        t0, t1 = sigmas[sigmas > 0].min(), sigmas.max()
        w0 = torch.zeros(shape, dtype=dtype)
        assert_same_increments(BrownianTree(t0, w0, t1, entropy=seed), reference(t0, w0, t1, seed),
                               sampler_queries(sigmas))


@pytest.mark.parametrize("scheduler", ["karras", "normal", "exponential"])
@pytest.mark.parametrize("steps", [1, 2, 5, 13, 60])
def test_schedules_and_step_counts_bit_identical(scheduler, steps):
    sigmas = calculate_sigmas(MS, scheduler, steps)
    t0, t1 = sigmas[sigmas > 0].min(), sigmas.max()
    w0 = torch.zeros(1, 4, 4, 4)
    seed = 1000 + steps
    queries = sampler_queries(sigmas)
    assert queries or steps == 1
    assert_same_increments(BrownianTree(t0, w0, t1, entropy=seed), reference(t0, w0, t1, seed), queries)


@pytest.mark.parametrize("seed", [0, 2 ** 31, 2 ** 63 - 1])
def test_random_order_repeats_and_edges_bit_identical(seed):
    rng = random.Random(seed)
    t0, t1 = torch.tensor(0.0291675), torch.tensor(14.614642)
    lo, hi = float(t0), float(t1)
    points = [lo + rng.random() * (hi - lo) for _ in range(25)]
    points += [lo, hi, round(lo, 6), round(hi, 6), lo - 1e-3, hi + 0.5, lo + 1e-9, hi - 1e-9, 1.0, 2.5]
    queries = [tuple(sorted((rng.choice(points), rng.choice(points)))) for _ in range(80)]
    queries += queries[:10] + [(p, p) for p in points[:3]] + [(lo, hi), (lo - 5, hi + 5), (hi, hi + 1), (lo - 1, lo)]
    rng.shuffle(queries)
    w0 = torch.zeros(2, 3)
    assert_same_increments(BrownianTree(t0, w0, t1, entropy=seed), reference(t0, w0, t1, seed), queries)


def test_equal_times_give_zeros_and_close_times_round_to_zeros():
    tree = BrownianTree(0.5, torch.zeros(2, 2), 3.0, entropy=3)
    assert torch.equal(tree(1.25, 1.25), torch.zeros(2, 2))
    assert torch.equal(tree(-4.0, 0.1), torch.zeros(2, 2))  # both clamped to t0
    assert torch.equal(tree(1.0, 1.0 + 2e-7), torch.zeros(2, 2))  # the same point after rounding to 1e-6
    assert not torch.equal(tree(1.0, 1.0 + 2e-6), torch.zeros(2, 2))


@pytest.mark.parametrize("entries", [3, 7, 40])
def test_bit_identical_after_evictions(entries):
    sigmas = calculate_sigmas(MS, "karras", 30)
    t0, t1 = sigmas[sigmas > 0].min(), sigmas.max()
    w0 = torch.zeros(1, 4, 4, 4)
    queries = sampler_queries(sigmas)
    queries += list(reversed(queries)) + queries[::3]  # come back to evicted parts of the tree
    mine = BrownianTree(t0, w0, t1, entropy=77, cache_entries=entries)
    assert_same_increments(mine, reference(t0, w0, t1, 77), queries)
    assert len(mine._values) <= entries
    assert mine.cached_bytes <= entries * w0.numel() * w0.element_size()


def test_each_split_draws_its_noise_once():
    sigmas = calculate_sigmas(MS, "karras", 40)
    t0, t1 = sigmas[sigmas > 0].min(), sigmas.max()
    tree = BrownianTree(t0, torch.zeros(1, 4, 4, 4), t1, entropy=5)
    seen = []
    node_seed = tree._seeds.node_seed
    tree._seeds.node_seed = lambda key, depth: seen.append((key, depth)) or node_seed(key, depth)
    queries = sampler_queries(sigmas)
    for ta, tb in queries:
        tree(ta, tb)
    assert len(seen) == len(set(seen)) == tree.randn_calls
    # torchsde draws once per child and again after its 45-entry cache forgets: far more
    assert 10 * len(queries) < len(seen) < 30 * len(queries)


def test_default_cache_is_bounded():
    sigmas = calculate_sigmas(MS, "karras", 200)
    t0, t1 = sigmas[sigmas > 0].min(), sigmas.max()
    w0 = torch.zeros(1, 4, 8, 8)
    tree = BrownianTree(t0, w0, t1, entropy=1, cache_bytes=0)
    for ta, tb in sampler_queries(sigmas):
        tree(ta, tb)
    assert len(tree._values) == tree._max_entries < 200
    small = BrownianTree(t0, w0, t1, entropy=1, cache_bytes=2 ** 20)
    assert small._max_entries * w0.numel() * 4 <= 2 ** 20


def test_point_queries_and_returned_tensors_are_fresh():
    w0 = torch.full((3,), 2.0)
    mine, ref = BrownianTree(0.0, w0, 1.0, entropy=9), reference(0.0, w0, 1.0, 9)
    for t in [0.25, 1.0, 0.6, 0.0]:
        assert torch.equal(mine(t), oracle_call(ref, t))
    a = mine(0.1, 0.9)
    expected = a.clone()
    a.mul_(100)
    assert torch.equal(mine(0.1, 0.9), expected)
    whole = mine(0.0, 1.0)  # the root value itself
    whole.zero_()
    assert torch.equal(mine(0.0, 1.0), oracle_call(ref, 0.0, 1.0))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_dtypes_on_cpu_bit_identical(dtype):
    sigmas = calculate_sigmas(MS, "karras", 10)
    t0, t1 = sigmas[sigmas > 0].min(), sigmas.max()
    w0 = torch.zeros(1, 4, 8, 8, dtype=dtype)
    assert_same_increments(BrownianTree(t0, w0, t1, entropy=4), reference(t0, w0, t1, 4), sampler_queries(sigmas))


def test_bad_inputs_name_the_problem():
    w0 = torch.zeros(2)
    with pytest.raises(ValueError, match="t0=2.0 must not exceed t1=1.0"):
        BrownianTree(2.0, w0, 1.0, entropy=0)
    with pytest.raises(ValueError, match="seed.*non-negative"):
        BrownianTree(0.0, w0, 1.0, entropy=-1)
    with pytest.raises(TypeError, match="seed.*integer"):
        BrownianTree(0.0, w0, 1.0, entropy=1.5)
    with pytest.raises(ValueError, match="w0"):
        BrownianTree(0.0, torch.zeros(2, dtype=torch.int64), 1.0, entropy=0)
    with pytest.raises(ValueError, match="ta <= tb"):
        BrownianTree(0.0, w0, 1.0, entropy=0)(0.7, 0.2)


def run_with_tree(name: str, tree_class, x, sigmas, seed, monkeypatch):
    monkeypatch.setattr(noise_module, "BrownianTree", tree_class)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_sampler(name).function(analytic_denoiser(), x.clone(), sigmas, extra_args={"seed": seed})


@pytest.mark.parametrize("name", SDE_SAMPLERS)
def test_sde_samplers_give_exactly_what_torchsde_gives(name, monkeypatch):
    sigmas = calculate_sigmas(MS, "karras", 12)
    x = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(0)) * sigmas[0]
    for seed in (0, 2 ** 63 - 1):
        ours = run_with_tree(name, BrownianTree, x, sigmas, seed, monkeypatch)
        theirs = run_with_tree(name, torchsde.BrownianTree, x, sigmas, seed, monkeypatch)
        assert torch.equal(ours, theirs), (name, seed)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_cuda_tree_bit_identical(dtype):
    sigmas = calculate_sigmas(MS, "karras", 20)
    t0, t1 = sigmas[sigmas > 0].min().cuda(), sigmas.max().cuda()
    w0 = torch.zeros(2, 4, 16, 16, dtype=dtype, device="cuda")
    queries = sampler_queries(sigmas)
    queries += list(reversed(queries))
    mine = BrownianTree(t0, w0, t1, entropy=2 ** 63 - 1, cache_entries=20)
    assert mine(queries[0][0], queries[0][1]).device.type == "cuda"
    assert_same_increments(mine, reference(t0, w0, t1, 2 ** 63 - 1), queries)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ["dpmpp_sde_gpu", "dpmpp_2m_sde_gpu", "dpmpp_3m_sde_gpu", "dpmpp_2m_sde"])
def test_sde_samplers_on_cuda_give_exactly_what_torchsde_gives(name, monkeypatch):
    sigmas = calculate_sigmas(MS, "karras", 12).cuda()
    x = torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(0)).cuda() * sigmas[0]
    ours = run_with_tree(name, BrownianTree, x, sigmas, 42, monkeypatch)
    theirs = run_with_tree(name, torchsde.BrownianTree, x, sigmas, 42, monkeypatch)
    assert ours.device.type == "cuda"
    assert torch.equal(ours, theirs), name


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_inference_mode_on_either_side(dtype):
    w0 = torch.zeros(2, 4, dtype=dtype)
    ref = reference(0.1, w0, 2.0, 8)
    queries = [(0.3, 1.7), (0.2, 0.3), (1.1, 1.9)]
    with torch.inference_mode():
        made_inside = BrownianTree(0.1, w0, 2.0, entropy=8)
        assert torch.equal(made_inside(0.5, 1.5), oracle_call(ref, 0.5, 1.5))
    assert_same_increments(made_inside, ref, queries)  # queried outside inference mode
    made_outside = BrownianTree(0.1, w0, 2.0, entropy=8)
    with torch.inference_mode():
        assert_same_increments(made_outside, ref, queries)
