"""ComfyUI precision / memory flags: DeviceManager dtypes and devices, the loaded modules' real
parameter dtypes, fp8 weight storage (cast per layer), LoRA/LyCORIS on fp8 weights, VRAM modes.

Tolerances of the fp8 UNet against the fp32 model (relative L2 error of the whole output,
||fp8 - fp32|| / ||fp32||): e4m3fn keeps 3 mantissa bits (up to 6.25 % per weight) and the tiny
model's ~0.02-scale weights partly fall below its smallest normal (2^-6) where the relative
error grows: measured 0.10, bound 0.2; e5m2 keeps 2 mantissa bits: measured 0.19, bound 0.35.
The exact check is against an fp32 UNet holding the fp8 values: the per-layer cast must give
that model's output (float32 sums in another order only: atol 1e-5).
"""
from __future__ import annotations

import logging
import os
import zlib

import pytest
import torch
from safetensors.torch import load_file, save_file

import main as cli
from engine.diffusion.checkpoint import load_checkpoint, load_unet
from engine.diffusion.device import DeviceManager, module_bytes
from engine.diffusion.lora import clip_key_map, convert_lora, unet_key_map
from engine.diffusion.manual_cast import (CastConv2d, CastLinear, seed_for_key, stochastic_round,
                                          store_weights)
from engine.diffusion.models.unet import UNetModel
from engine.diffusion.patching import DiffPatch
from tests.tinymodels import tiny_models  # noqa: F401  (pytest fixture)

BF16, FP16, FP32, FP64 = torch.bfloat16, torch.float16, torch.float32, torch.float64
E4M3, E5M2 = torch.float8_e4m3fn, torch.float8_e5m2
TARGET = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"
CONV = "input_blocks.1.0.in_layers.2.weight"


def _dm(**kw) -> DeviceManager:
    """A CPU manager without native bf16 (fp32 default), so results do not depend on this machine."""
    kw.setdefault("cpu", True)
    return DeviceManager(cpu_flags=kw.pop("cpu_flags", ()), **kw)


def _inputs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(2, 4, 8, 8, generator=g), torch.tensor([5, 900]), torch.randn(2, 77, 32, generator=g)


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def _param_dtypes(module: torch.nn.Module) -> set:
    return {p.dtype for p in module.parameters()}


def _bytes_of(module: torch.nn.Module) -> dict:
    return {k: v.detach().clone().view(torch.uint8) if v.element_size() == 1 else v.detach().clone()
            for k, v in module.state_dict().items()}


def _same_bytes(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def ckpt(tiny_models):
    return tiny_models.checkpoint("sd1")


@pytest.fixture(scope="module")
def fp32_sd1(ckpt):
    return load_checkpoint(ckpt, _dm(force_fp32=True))


# ----------------------------------------------------------------------------- dtype policy
@pytest.mark.parametrize("kw,storage,compute", [
    ({}, FP32, FP32),
    ({"fp16_unet": True}, FP16, FP16),
    ({"bf16_unet": True}, BF16, BF16),
    ({"fp64_unet": True}, FP64, FP64),
    ({"fp32_unet": True, "force_fp16": True}, FP32, FP32),        # a UNet flag beats --force-fp16
    ({"force_fp16": True}, FP16, FP16),
    ({"force_fp32": True, "fp16_unet": True}, FP16, FP32),        # stored fp16, computed fp32 (manual cast)
    ({"force_fp32": True, "bf16_unet": True}, BF16, FP32),
    ({"fp8_e4m3fn_unet": True}, E4M3, FP32),                      # fp8 computes in the flag-free dtype
    ({"fp8_e4m3fn_unet": True, "force_fp16": True}, E4M3, FP16),
    ({"fp8_e4m3fn_unet": True, "cpu_flags": {"avx512_bf16"}}, E4M3, BF16),
    ({"fp8_e5m2_unet": True, "force_fp32": True}, E5M2, FP32),
])
def test_unet_flags_give_storage_and_compute_dtypes_and_the_loaded_parameters(ckpt, kw, storage, compute):
    dm = _dm(**kw)
    assert (dm.unet_storage_dtype(), dm.unet_dtype()) == (storage, compute)
    model, _, _ = load_checkpoint(ckpt, dm, output_clip=False, output_vae=False)
    assert _param_dtypes(model.unet) == {storage}
    assert model.storage_dtype == storage and model.dtype == compute and model.unet.dtype == compute
    out = model.apply_model(*_inputs())
    assert out.dtype == FP32 and torch.isfinite(out).all()


def test_unetloader_weight_dtype_wins_over_the_flags():
    dm = _dm(fp16_unet=True, force_fp32=True)
    assert dm.unet_storage_dtype(E5M2) == E5M2 and dm.unet_dtype(E5M2) == FP32
    assert _dm(force_fp16=True).unet_dtype(E4M3) == FP16


@pytest.mark.parametrize("kw,storage,compute", [
    ({}, FP32, FP32),
    ({"fp8_e4m3fn_text_enc": True}, E4M3, FP32),
    ({"fp8_e5m2_text_enc": True, "force_fp16": True}, E5M2, FP16),
    ({"fp16_text_enc": True}, FP16, FP16),
    ({"fp16_text_enc": True, "force_fp32": True}, FP16, FP32),
    ({"bf16_text_enc": True}, BF16, BF16),
    ({"fp32_text_enc": True, "force_fp16": True}, FP32, FP32),
    ({"force_fp16": True}, FP16, FP16),
])
def test_text_encoder_flags_and_the_loaded_encoder(ckpt, fp32_sd1, kw, storage, compute):
    dm = _dm(**kw)
    assert (dm.text_storage_dtype(), dm.text_dtype()) == (storage, compute)
    _, clip, _ = load_checkpoint(ckpt, dm, output_vae=False)
    assert _param_dtypes(clip.modules["clip_l"]) == {storage}
    cond = clip.encode("a photo of a cat")[0][0]
    ref = fp32_sd1[1].encode("a photo of a cat")[0][0]
    assert cond.dtype == FP32 and cond.shape == ref.shape
    # fp8 (3 or 2 mantissa bits) is coarse; the half types are close
    assert _rel(cond, ref) < {E4M3: 0.2, E5M2: 0.35}.get(storage, 0.02)


@pytest.mark.parametrize("kw,dtype", [
    ({}, FP32),
    ({"fp16_vae": True, "force_fp32": True}, FP16),     # a VAE flag beats the force flags
    ({"bf16_vae": True}, BF16),
    ({"fp32_vae": True, "force_fp16": True}, FP32),
    ({"cpu_vae": True, "force_fp16": True}, FP32),       # the VAE on the CPU runs fp32
    ({"cpu_vae": True, "bf16_vae": True}, BF16),
    ({"force_fp16": True}, FP16),
])
def test_vae_flags(ckpt, kw, dtype):
    dm = _dm(**kw)
    assert dm.vae_dtype() == dtype
    _, _, vae = load_checkpoint(ckpt, dm, output_clip=False)
    assert _param_dtypes(vae.vae) == {dtype} and vae.dtype == dtype
    img = vae.decode(torch.randn(1, 4, 4, 4, generator=torch.Generator().manual_seed(0)))
    assert img.shape == (1, 32, 32, 3) and img.dtype == FP32


def test_cpu_vae_runs_the_vae_on_the_cpu_while_the_unet_uses_the_compute_device(ckpt):
    """The meta device stands in for a GPU: whatever is loaded there loses its values, so only placement
    is checked for the UNet while the VAE really decodes on the CPU."""
    dm = _dm(cpu=False, device="meta", cpu_vae=True)
    assert dm.vae_device == torch.device("cpu") and dm.vae_dtype() == FP32
    model, _, vae = load_checkpoint(ckpt, dm, output_clip=False)
    img = vae.decode(torch.randn(1, 4, 4, 4, generator=torch.Generator().manual_seed(0)))
    assert img.shape == (1, 32, 32, 3) and torch.isfinite(img).all()
    assert {p.device.type for p in vae.vae.parameters()} == {"cpu"} and not dm.is_loaded(vae.vae)
    dm.load(model)
    assert {p.device.type for p in model.unet.parameters()} == {"meta"} and dm.is_loaded(model.unet)
    assert {p.device.type for p in vae.vae.parameters()} == {"cpu"}
    no_flag = _dm(cpu=False, device="meta")
    assert no_flag.vae_device == torch.device("meta")


# ----------------------------------------------------------------------------- fp8 UNet
@pytest.mark.parametrize("flag,dtype,bound", [("fp8_e4m3fn_unet", E4M3, 0.2), ("fp8_e5m2_unet", E5M2, 0.35)])
def test_fp8_unet_stores_fp8_computes_fp32_and_halves_fp16_memory(ckpt, fp32_sd1, flag, dtype, bound):
    fp8, _, _ = load_checkpoint(ckpt, _dm(force_fp32=True, **{flag: True}), output_clip=False, output_vae=False)
    fp16, _, _ = load_checkpoint(ckpt, _dm(force_fp16=True), output_clip=False, output_vae=False)
    assert _param_dtypes(fp8.unet) == {dtype} and fp8.dtype == FP32
    assert isinstance(fp8.unet.get_submodule(TARGET.rsplit(".", 1)[0]), CastLinear)
    assert isinstance(fp8.unet.get_submodule(CONV.rsplit(".", 1)[0]), CastConv2d)
    assert module_bytes(fp8.unet) * 2 == module_bytes(fp16.unet)
    x, t, ctx = _inputs()
    got = fp8.apply_model(x, t, ctx)
    want = fp32_sd1[0].apply_model(x, t, ctx)
    assert _rel(got, want) < bound and not torch.equal(got, want)
    # exactly: an fp32 UNet holding the fp8 values
    ref = UNetModel(fp8.unet.config)
    ref.load_state_dict({k: v.float() for k, v in fp8.unet.state_dict().items()})
    with torch.no_grad():
        exact = ref(x, t.float(), ctx)
    assert torch.allclose(got, exact, atol=1e-5, rtol=0)


def test_load_cache_key_carries_the_storage_dtype(tiny_models, tmp_path):
    sd = load_file(tiny_models.checkpoint("sd1"))
    path = str(tmp_path / "unet.safetensors")
    save_file({k[len("model.diffusion_model."):]: v for k, v in sd.items()
               if k.startswith("model.diffusion_model.")}, path)
    dm = _dm(force_fp32=True)
    a = load_unet(path, dm)
    b = load_unet(path, dm, weight_dtype=E4M3)
    c = load_unet(path, dm, weight_dtype=E4M3)
    d = load_unet(path, dm, weight_dtype=E5M2)
    assert a.unet is not b.unet and b.unet is c.unet and d.unet not in (a.unet, b.unet)
    assert (a.storage_dtype, b.storage_dtype, d.storage_dtype) == (FP32, E4M3, E5M2)
    assert a.dtype == b.dtype == d.dtype == FP32


def test_force_channels_last_lays_out_the_unet_channels_last(ckpt, fp32_sd1):
    dm = _dm(force_fp32=True, force_channels_last=True)
    model, _, _ = load_checkpoint(ckpt, dm, output_clip=False, output_vae=False)
    convs = [m.weight for m in model.unet.modules() if isinstance(m, torch.nn.Conv2d) and m.weight.shape[-1] > 1]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)
    assert not all(w.is_contiguous(memory_format=torch.channels_last) for w in
                   (m.weight for m in fp32_sd1[0].unet.modules() if isinstance(m, torch.nn.Conv2d)
                    and m.weight.shape[-1] > 1))
    x, t, ctx = _inputs()
    assert torch.allclose(model.apply_model(x, t, ctx), fp32_sd1[0].apply_model(x, t, ctx), atol=1e-5)
    fp8, _, _ = load_checkpoint(ckpt, _dm(force_fp32=True, force_channels_last=True, fp8_e4m3fn_unet=True),
                                output_clip=False, output_vae=False)
    conv = fp8.unet.get_submodule(CONV.rsplit(".", 1)[0]).weight
    assert conv.dtype == E4M3 and conv.is_contiguous(memory_format=torch.channels_last)
    assert torch.isfinite(fp8.apply_model(x, t, ctx)).all()


# ----------------------------------------------------------------------------- LoRA on fp8
def _maps(model, clip):
    return unet_key_map(model.patch_keys(), model.unet.config.num_res_blocks), clip_key_map(clip.patch_keys())


def test_lora_on_fp8_unet_changes_output_and_unpatch_restores_the_fp8_bytes(ckpt, tiny_models, fp32_sd1):
    model, clip, _ = load_checkpoint(ckpt, _dm(force_fp32=True, fp8_e4m3fn_unet=True), output_vae=False)
    before = _bytes_of(model.unet)
    mp, _, unmatched = convert_lora(load_file(tiny_models.lora("kohya", "sd1")), *_maps(model, clip))
    assert unmatched == [] and TARGET in mp
    lora = model.clone()
    lora.add_patches(mp, 1.0)
    x, t, ctx = _inputs(1)
    base = model.apply_model(x, t, ctx)
    out = lora.apply_model(x, t, ctx)
    assert not torch.allclose(out, base, atol=1e-4)
    assert _same_bytes(_bytes_of(model.unet), before)           # originals back, bit for bit
    assert torch.equal(model.apply_model(x, t, ctx), base)
    # the patched weight while in use: fp8, the seeded stochastic rounding of the fp32 sum
    with lora.patcher.use() as m:
        patched = m.get_parameter(TARGET).data.clone()
    orig = model.unet.get_parameter(TARGET).data
    assert patched.dtype == E4M3
    w32 = orig.float() + mp[TARGET].delta(orig.float())
    expect = stochastic_round(w32, E4M3, seed_for_key("diffusion_model." + TARGET))
    assert torch.equal(patched.view(torch.uint8), expect.view(torch.uint8))
    assert not torch.equal(patched.view(torch.uint8), orig.view(torch.uint8))
    # close to the same LoRA on the fp32 model (fp8 rounding of weights and patched weights)
    ref = fp32_sd1[0].clone()
    ref.add_patches(convert_lora(load_file(tiny_models.lora("kohya", "sd1")), *_maps(*fp32_sd1[:2]))[0], 1.0)
    assert _rel(out, ref.apply_model(x, t, ctx)) < 0.2
    # a second clone rounds the same way (seeded), so the result is reproducible
    again = model.clone()
    again.add_patches(mp, 1.0)
    assert torch.equal(again.apply_model(x, t, ctx), out)


def test_lycoris_and_diff_patches_on_fp8_text_encoder_and_unet(ckpt):
    from engine.diffusion.lycoris import LohaPatch
    model, clip, _ = load_checkpoint(ckpt, _dm(force_fp32=True, fp8_e5m2_unet=True, fp8_e5m2_text_enc=True),
                                     output_vae=False)
    ff = "input_blocks.1.1.transformer_blocks.0.ff.net.0.proj.weight"
    out_f, in_f = model.unet.get_parameter(ff).shape
    g = torch.Generator().manual_seed(3)
    r = lambda *s: torch.randn(*s, generator=g) * 0.3  # noqa: E731
    before = _bytes_of(model.unet)
    h = model.clone()
    h.add_patches({ff: LohaPatch(r(out_f, 2), r(2, in_f), r(out_f, 2), r(2, in_f), alpha=2.0),
                   CONV: DiffPatch(r(*model.unet.get_parameter(CONV).shape))}, 1.0)
    x, t, ctx = _inputs(2)
    assert not torch.allclose(h.apply_model(x, t, ctx), model.apply_model(x, t, ctx), atol=1e-4)
    assert _same_bytes(_bytes_of(model.unet), before)
    # CLIP: the patched fp8 text encoder changes the conditioning and restores its bytes
    key = next(k for k in clip.patch_keys() if k.endswith("layers.0.self_attn.q_proj.weight"))
    enc = clip.modules["clip_l"]
    clip_before = _bytes_of(enc)
    c2 = clip.clone()
    c2.add_patches({key: DiffPatch(r(*enc.transformer.get_parameter(key.partition(".")[2]).shape))}, 1.0)
    assert not torch.allclose(c2.encode("a cat")[0][0], clip.encode("a cat")[0][0], atol=1e-4)
    assert _same_bytes(_bytes_of(enc), clip_before)
    assert {p.dtype for p in enc.parameters()} == {E5M2}


def test_stochastic_rounding_is_seeded_unbiased_and_exact_on_fp8_values():
    # a value a quarter of the way between two e4m3 neighbours (1.0 and 1.125) rounds up 1/4 of the time
    v = torch.full((4096,), 1.03125)
    r = stochastic_round(v, E4M3, seed=7).float()
    assert set(r.unique().tolist()) == {1.0, 1.125}
    assert abs(float((r == 1.125).float().mean()) - 0.25) < 0.03
    assert abs(float(r.mean()) - 1.03125) < 0.005
    assert torch.equal(stochastic_round(v, E4M3, seed=7).view(torch.uint8), r.to(E4M3).view(torch.uint8))
    assert not torch.equal(stochastic_round(v, E4M3, seed=8).view(torch.uint8), r.to(E4M3).view(torch.uint8))
    # values already in fp8 (normal and subnormal) are kept exactly; out-of-range ones saturate
    exact = torch.tensor([0.0, -0.5, 2 ** -9, 448.0, -3.5, 1.75])
    assert torch.equal(stochastic_round(exact, E4M3, seed=1).float(), exact)
    assert stochastic_round(torch.tensor([1e4, -1e4]), E4M3, 0).float().tolist() == [448.0, -448.0]
    assert stochastic_round(torch.tensor([1e6]), E5M2, 0).float().tolist() == [57344.0]
    assert stochastic_round(torch.tensor([1.5]), FP16, 0).dtype == FP16


def _crc32_bitwise(text: str) -> int:
    crc = 0xFFFFFFFF
    for ch in text:
        crc ^= ord(ch)
        for _ in range(8):
            crc = (crc >> 1) ^ 0xEDB88320 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def test_rounding_seed_is_the_crc32_of_the_comfyui_weight_name():
    for key in ("diffusion_model." + TARGET, "clip_l.transformer.text_model.encoder.layers.0.mlp.fc1.weight"):
        assert seed_for_key(key) == _crc32_bitwise(key) == zlib.crc32(key.encode())


def test_store_weights_keeps_non_layer_parameters_in_the_compute_dtype():
    class Odd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 4)
            self.scale = torch.nn.Parameter(torch.ones(4))

        def forward(self, x):
            return self.lin(x) * self.scale
    m = store_weights(Odd(), E4M3, FP32)
    assert m.lin.weight.dtype == E4M3 and m.lin.bias.dtype == E4M3 and m.scale.dtype == FP32
    assert m(torch.randn(2, 4)).dtype == FP32


# ----------------------------------------------------------------------------- UNETLoader
def test_unetloader_fp8_weight_dtypes(tiny_models, tmp_path, caplog):
    from engine.graph.context import NodeContext
    from engine.graph.paths import FolderPaths
    from nodes._common import NodeInputError
    from nodes.loaders import UNETLoader
    paths = FolderPaths(str(tmp_path))
    folder = paths.folder("diffusion_models")[0]
    os.makedirs(folder, exist_ok=True)
    sd = load_file(tiny_models.checkpoint("sd1"))
    save_file({k[len("model.diffusion_model."):]: v for k, v in sd.items() if k.startswith("model.diffusion_model.")},
              os.path.join(folder, "u.safetensors"))

    class Loader(UNETLoader):
        CONTEXT = NodeContext(paths=paths, device=_dm(force_fp32=True))
    with caplog.at_level(logging.DEBUG):
        got = {w: Loader().load_unet("u.safetensors", w)[0]
               for w in ("default", "fp8_e4m3fn", "fp8_e4m3fn_fast", "fp8_e5m2")}
    assert "not implemented" not in caplog.text
    assert {w: h.storage_dtype for w, h in got.items()} == {
        "default": FP32, "fp8_e4m3fn": E4M3, "fp8_e4m3fn_fast": E4M3, "fp8_e5m2": E5M2}
    assert _param_dtypes(got["fp8_e5m2"].unet) == {E5M2} and got["fp8_e5m2"].dtype == FP32
    assert got["fp8_e4m3fn"].unet is got["fp8_e4m3fn_fast"].unet
    x, t, ctx = _inputs()
    assert _rel(got["fp8_e4m3fn"].apply_model(x, t, ctx), got["default"].apply_model(x, t, ctx)) < 0.2
    with pytest.raises(NodeInputError, match="UNETLoader.*weight_dtype"):
        Loader().load_unet("u.safetensors", "fp4")


# ----------------------------------------------------------------------------- memory options
class _GpuLike(DeviceManager):
    """Policy of a GPU compute device with the moves of a CPU one (nothing really moves)."""
    vram_active = True


class _H:
    def __init__(self, *modules):
        self.modules = modules

    def device_modules(self):
        return [(m, None) for m in self.modules]


def test_reserve_vram_and_highvram_budgets(monkeypatch):
    assert _dm(vram_budget=4 << 30, reserve_vram=1.5).device_budget() == int(2.5 * (1 << 30))
    assert _dm(vram_budget=1 << 30, reserve_vram=3).device_budget() == 0
    assert _dm().device_budget() is None   # CPU: unlimited
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda dev=None: (3 << 30, 10 << 30))
    gib = 1 << 30

    def cuda(**kw):
        return DeviceManager(device="cuda", cpu_flags=(), **kw).device_budget()
    assert cuda() == 8 * gib                                 # 20 % (>= 1 GiB) kept for activations
    assert cuda(reserve_vram=1) == 7 * gib
    assert cuda(vram_mode="high") == 10 * gib - 400 * 2**20  # ComfyUI's default reserve only
    assert cuda(vram_mode="gpu_only", reserve_vram=1) == 9 * gib
    assert cuda(vram_mode="low") == 8 * gib
    assert cuda(vram_mode="none") == 0
    with pytest.raises(ValueError, match="vram_mode"):
        DeviceManager(cpu=True, vram_mode="huge")
    with pytest.raises(ValueError, match="reserve_vram"):
        DeviceManager(cpu=True, reserve_vram=-1)


@pytest.mark.parametrize("kw,evicts,offloads", [
    ({}, False, False),
    ({"vram_mode": "high"}, False, False),
    ({"vram_mode": "low"}, False, False),
    ({"disable_smart_memory": True}, False, True),
    ({"vram_mode": "none"}, True, True),            # budget 0: loading one evicts the others
])
def test_vram_modes_and_smart_memory(kw, evicts, offloads, caplog):
    dm = _GpuLike(cpu=True, cpu_flags=(), vram_budget=1 << 30, **kw)
    a, b, c = (torch.nn.Linear(8, 8) for _ in range(3))
    dm.load(_H(a, b))                     # one handle's modules never evict each other
    assert dm.is_loaded(a) and dm.is_loaded(b)
    with caplog.at_level(logging.WARNING):
        dm.load(_H(c))
    assert dm.is_loaded(c) and (dm.is_loaded(a), dm.is_loaded(b)) == (not evicts, not evicts)
    assert "exceeds the device budget" not in caplog.text   # --novram's budget of 0 is meant
    dm.after_prompt()
    assert dm.is_loaded(c) == (not offloads)
    assert dm.text_device == (torch.device("cpu") if kw.get("vram_mode") in ("low", "none") else dm.compute_device)


def test_vram_options_do_nothing_on_a_cpu_compute_device():
    dm = _dm(disable_smart_memory=True, vram_mode="none")
    assert not dm.offloads_after_prompt and dm.device_budget() is None
    a, b = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)
    dm.load(_H(a))
    dm.load(_H(b))
    dm.after_prompt()
    assert dm.is_loaded(a) and dm.is_loaded(b) and dm.text_device == torch.device("cpu")


def test_lowvram_runs_text_encoders_on_the_cpu_in_fp32(ckpt, fp32_sd1):
    """A meta compute device stands in for a GPU: the text encoder must never be moved there."""
    dm = _dm(cpu=False, device="meta", vram_mode="low", force_fp16=True)
    assert dm.text_device == torch.device("cpu") and dm.text_dtype() == FP32 and dm.unet_dtype() == FP16
    _, clip, _ = load_checkpoint(ckpt, dm, output_vae=False)
    cond = clip.encode("a photo of a cat")[0][0]
    assert {p.device.type for p in clip.modules["clip_l"].parameters()} == {"cpu"}
    assert torch.allclose(cond, fp32_sd1[1].encode("a photo of a cat")[0][0], atol=1e-5)


def test_worker_offloads_after_each_prompt_with_disable_smart_memory():
    from engine.server.worker import Worker
    calls = []

    class _DM:
        def after_prompt(self):
            calls.append("after")
    w = Worker.__new__(Worker)
    w.device_manager = _DM()
    w._after_prompt()
    assert calls == ["after"]
    w.device_manager = None
    w._after_prompt()   # no manager: nothing to do


# ----------------------------------------------------------------------------- main.py
def test_main_flags_reach_the_device_manager():
    args = cli.build_parser().parse_args([
        "--cpu", "--fp8_e4m3fn-unet", "--fp16-text-enc", "--bf16-vae", "--cpu-vae", "--force-channels-last",
        "--reserve-vram", "1.5", "--novram", "--disable-smart-memory", "--force-fp32"])
    dm = cli.build_device(args)
    assert dm.compute_device == torch.device("cpu")
    assert (dm.unet_storage_dtype(), dm.unet_dtype()) == (E4M3, FP32)
    assert (dm.text_storage_dtype(), dm.text_dtype()) == (FP16, FP32)
    assert dm.vae_dtype() == BF16 and dm.vae_device == torch.device("cpu")
    assert dm.force_channels_last and dm.reserve_vram == 1.5 and dm.vram_mode == "none"
    assert dm.disable_smart_memory
    for flag, mode in (("--gpu-only", "gpu_only"), ("--highvram", "high"), ("--normalvram", "normal"),
                       ("--lowvram", "low")):
        assert cli.build_device(cli.build_parser().parse_args([flag])).vram_mode == mode
    for pair in (["--fp16-unet", "--bf16-unet"], ["--fp16-vae", "--bf16-vae"], ["--lowvram", "--highvram"],
                 ["--fp8_e4m3fn-text-enc", "--fp32-text-enc"], ["--force-fp32", "--force-fp16"]):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(pair)


def test_deterministic_flag_turns_on_torch_deterministic_algorithms():
    was, was_warn = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        cli.build_device(cli.build_parser().parse_args(["--cpu"]))
        assert torch.are_deterministic_algorithms_enabled() == was
        cli.build_device(cli.build_parser().parse_args(["--cpu", "--deterministic"]))
        assert torch.are_deterministic_algorithms_enabled() and torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(was, warn_only=was_warn)


def test_compat_model_management_follows_the_flags(tmp_path):
    import engine.compat
    from engine.graph.paths import FolderPaths
    engine.compat.install(FolderPaths(str(tmp_path)),
                          _dm(fp8_e5m2_unet=True, fp8_e4m3fn_text_enc=True, cpu_vae=True, force_fp32=True,
                              force_channels_last=True, disable_smart_memory=True))
    try:
        import comfy.model_management as mm
        assert mm.unet_dtype() == E5M2 and mm.unet_manual_cast(E5M2, torch.device("cpu")) == FP32
        assert mm.unet_manual_cast(FP32, torch.device("cpu")) is None
        assert mm.text_encoder_dtype() == E4M3 and mm.vae_device() == torch.device("cpu")
        assert mm.vae_dtype() == FP32 and mm.force_channels_last() and mm.DISABLE_SMART_MEMORY
        assert not mm.supports_fp8_compute()
    finally:
        engine.compat.uninstall()


# ----------------------------------------------------------------------------- CUDA
@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fp8_unet_and_cpu_vae_on_cuda(ckpt, fp32_sd1):
    dm = DeviceManager(fp8_e4m3fn_unet=True, cpu_vae=True, force_fp32=True)
    model, _, vae = load_checkpoint(ckpt, dm, output_clip=False)
    x, t, ctx = _inputs()
    out = model.apply_model(x, t, ctx)
    assert model.unet.get_parameter(TARGET).device.type == "cuda" and model.storage_dtype == E4M3
    # TF32 may be on for the fp32 matmuls: the fp8 bound dominates
    assert _rel(out, fp32_sd1[0].apply_model(x, t, ctx)) < 0.2
    img = vae.decode(torch.randn(1, 4, 4, 4))
    assert img.shape == (1, 32, 32, 3) and vae.vae.quant_conv.weight.device.type == "cpu"
    assert not dm.is_loaded(vae.vae)
