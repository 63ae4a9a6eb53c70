"""DeviceManager: dtype policy per flag, device choice, LRU offload bookkeeping, load cache."""
from __future__ import annotations

import gc

import pytest
import torch

from engine.diffusion.device import DeviceManager, module_bytes, read_cpu_flags

BF16, FP16, FP32 = torch.bfloat16, torch.float16, torch.float32


def _dtypes(dm: DeviceManager) -> tuple:
    return dm.unet_dtype(), dm.vae_dtype(), dm.text_dtype()


@pytest.mark.parametrize("flags,kwargs,expect", [
    ({"avx512_bf16"}, {}, (BF16, BF16, BF16)),
    ({"amx_bf16", "avx512f"}, {}, (BF16, BF16, BF16)),
    ({"avx2", "avx512f"}, {}, (FP32, FP32, FP32)),          # no native bf16 matrix units
    ({"avx512_bf16"}, {"force_fp32": True}, (FP32, FP32, FP32)),
    ({"avx512_bf16"}, {"fp32_vae": True}, (BF16, FP32, BF16)),
    ({"avx2"}, {"bf16_unet": True}, (BF16, FP32, FP32)),
    ({"avx2"}, {"force_fp16": True}, (FP16, FP16, FP16)),
    ({"avx512_bf16"}, {"force_fp32": True, "bf16_unet": True}, (FP32, FP32, FP32)),
])
def test_cpu_dtype_policy(flags, kwargs, expect):
    dm = DeviceManager(cpu=True, cpu_flags=flags, **kwargs)
    assert dm.compute_device == torch.device("cpu")
    assert _dtypes(dm) == expect


def test_cuda_dtype_policy_without_a_gpu(monkeypatch):
    """The CUDA branch of the policy: fp16 UNet/text, bf16 VAE where the card has bf16, else fp32."""
    dm = DeviceManager(device="cuda", cpu_flags=())
    monkeypatch.setattr(dm, "cuda_bf16_supported", lambda: True)
    assert _dtypes(dm) == (FP16, BF16, FP16)
    monkeypatch.setattr(dm, "cuda_bf16_supported", lambda: False)
    assert _dtypes(dm) == (FP16, FP32, FP16)
    dm.force_fp32 = True
    assert _dtypes(dm) == (FP32, FP32, FP32)
    dm.force_fp32, dm.bf16_unet = False, True
    assert dm.unet_dtype() == BF16


def test_cpu_flag_forces_cpu_and_flags_are_read_from_cpuinfo(tmp_path):
    assert DeviceManager(cpu=True).compute_device.type == "cpu"
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 amx_tile\n\n")
    flags = read_cpu_flags(str(info))
    assert "avx512_bf16" in flags and "sse2" in flags
    assert read_cpu_flags(str(tmp_path / "absent")) == frozenset()


def test_this_machine_flags_match_cpuinfo():
    dm = DeviceManager(cpu=True)
    text = open("/proc/cpuinfo").read() if __import__("os").path.exists("/proc/cpuinfo") else ""
    native = " avx512_bf16" in text or " amx_bf16" in text
    assert dm.cpu_native_bf16() == native
    assert dm.unet_dtype() == (BF16 if native else FP32)


class _Handle:
    def __init__(self, module, hook=None):
        self.module, self.hook = module, hook

    def device_modules(self):
        return [(self.module, self.hook)]


def test_lru_offload_keeps_within_budget_in_use_order():
    mods = [torch.nn.Linear(64, 64) for _ in range(3)]
    size = module_bytes(mods[0])
    moved = []
    dm = DeviceManager(cpu=True, vram_budget=2 * size)
    hs = [_Handle(m, lambda mod: moved.append(mod)) for m in mods]
    dm.load(hs[0])
    dm.load(hs[1])
    assert dm.is_loaded(mods[0]) and dm.is_loaded(mods[1]) and dm.loaded_bytes() == 2 * size
    dm.load(hs[0])            # touch 0: now 1 is least recently used
    dm.load(hs[2])
    assert not dm.is_loaded(mods[1]) and dm.is_loaded(mods[0]) and dm.is_loaded(mods[2])
    assert moved == [mods[1]]   # its hook ran (patches restored) before it was offloaded
    assert dm.loaded_bytes() <= 2 * size
    dm.unload_all()
    assert dm.loaded_bytes() == 0 and not any(dm.is_loaded(m) for m in mods)


def test_dead_modules_leave_the_books():
    dm = DeviceManager(cpu=True)
    m = torch.nn.Linear(8, 8)
    dm.load_module(m)
    assert dm.loaded_bytes() == module_bytes(m)
    del m
    gc.collect()
    assert dm.loaded_bytes() == 0


def test_cache_shares_live_objects_and_forgets_dead_ones(tmp_path):
    dm = DeviceManager(cpu=True)
    f = tmp_path / "w.bin"
    f.write_bytes(b"x" * 10)
    built = []

    class Rec:
        pass

    def build():
        built.append(1)
        return Rec()
    a = dm.cached(dm.file_key(str(f), "unet"), build)
    b = dm.cached(dm.file_key(str(f), "unet"), build)
    assert a is b and len(built) == 1
    # another path to the same file (symlink) is the same key
    link = tmp_path / "link.bin"
    link.symlink_to(f)
    assert dm.cached(dm.file_key(str(link), "unet"), build) is a
    del a, b
    gc.collect()
    dm.cached(dm.file_key(str(f), "unet"), build)
    assert len(built) == 2
