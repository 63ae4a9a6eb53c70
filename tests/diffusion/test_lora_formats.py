"""The remaining LoRA formats ComfyUI applies: OFT, BOFT, GLoRA and PEFT-style DoRA.

Each formula is checked against a computation written out here: dense block-diagonal and permutation
matrices with an explicit matrix inverse for the orthogonal adapters, broadcast sums for GLoRA, sums of
squares for the DoRA norms.  Where peft has the same definition the result is also checked against peft:
its OFT (peft rotates the *input* channels with ``(I - Q)(I + Q)^-1``, which is the transpose of
LyCORIS' output-channel rotation, so ours is applied to ``Wᵀ``) and its DoRA merge.  peft's BOFT
(half-skew ``(B - Bᵀ)/2``, its own butterfly permutation matrices, input side, a learned ``boft_s``)
and peft's GLoRA (the paper's A/B/C/D/E support tensors) are different parameterisations from the
LyCORIS files ComfyUI reads, so those two follow LyCORIS / ComfyUI and the references below only.
"""
from __future__ import annotations

import itertools
import logging

import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.diffusion.checkpoint import load_checkpoint
from engine.diffusion.device import DeviceManager
from engine.diffusion.lora import LoraPatch, clip_key_map, convert_lora, unet_key_map
from engine.diffusion.lycoris import DoraPatch, GloraPatch
from engine.diffusion.oft import BoftPatch, OftPatch, cayley
from engine.diffusion.patching import Patcher
from tests.tinymodels import tiny_models  # noqa: F401

torch.set_num_threads(2)

TO_K = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"            # [32, 32] linear
FF = "input_blocks.1.1.transformer_blocks.0.ff.net.0.proj.weight"          # [256, 32] linear
CONV = "input_blocks.1.0.in_layers.2.weight"                                # [32, 32, 3, 3]
CONV_UP = "input_blocks.3.0.in_layers.2.weight"                             # [64, 32, 3, 3]
PROJ_IN = "input_blocks.1.1.proj_in.weight"                                 # [32, 32, 1, 1]
TO_K_DIFFUSERS = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k"
FF_DIFFUSERS = "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj"


def _kohya(ldm_key: str) -> str:
    return "lora_unet_" + ldm_key[: -len(".weight")].replace(".", "_")


@pytest.fixture(scope="module")
def sd1(tiny_models):
    return load_checkpoint(tiny_models.checkpoint("sd1"), DeviceManager(cpu=True, force_fp32=True))


def _maps(model, clip):
    return unet_key_map(model.patch_keys(), model.unet.config.num_res_blocks), clip_key_map(clip.patch_keys())


_SEEDS = itertools.count(1)  # each call draws new numbers, the same ones every run


def _rand(*shape: int, scale: float = 0.3) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(next(_SEEDS))) * scale


def _patched(weight: torch.Tensor, adapters: list[tuple[object, float]]) -> torch.Tensor:
    """The weight a Patcher gives for a module holding ``weight``, as the LoRA node adds patches."""
    mod = torch.nn.Module()
    mod.w = torch.nn.Parameter(weight.clone(), requires_grad=False)
    p = Patcher(mod)
    for adapter, s in adapters:
        assert p.add_patches({"w": adapter}, s) == []
    with p.use() as m:
        got = m.w.detach().clone()
    assert torch.equal(mod.w, weight)  # the original is back, bit for bit
    return got


# ------------------------------------------------------------------ independent references
def _cayley_ref(blocks: torch.Tensor, constraint: float | None) -> torch.Tensor:
    """(I + Q) @ inverse(I - Q) per block with an explicit inverse; Q scaled down to ``constraint``."""
    q = blocks - blocks.transpose(-1, -2)
    if constraint:
        n = float((q * q).sum().sqrt()) + 1e-8
        if n > constraint:
            q = q * (constraint / n)
    eye = torch.eye(q.shape[-1], dtype=torch.float64)
    q = q.double()
    flat = q.reshape(-1, *q.shape[-2:])
    r = torch.stack([(eye + x) @ torch.inverse(eye - x) for x in flat])
    return r.reshape(q.shape).float()


def _block_diag(blocks: torch.Tensor) -> torch.Tensor:
    k, b, _ = blocks.shape
    out = torch.zeros(k * b, k * b)
    for j in range(k):
        out[j * b:(j + 1) * b, j * b:(j + 1) * b] = blocks[j]
    return out


def _oft_ref(w: torch.Tensor, blocks: torch.Tensor, strength: float, constraint: float | None = None,
             rescale: torch.Tensor | None = None) -> torch.Tensor:
    """ComfyUI at strength s: W + s · (rescale · (I + s(R - I))ᵀ W − W) with R block-diagonal."""
    r = _block_diag(_cayley_ref(blocks, constraint))
    eye = torch.eye(r.shape[0])
    rs = eye + strength * (r - eye)
    flat = w.reshape(w.shape[0], -1)
    rotated = (rs.t() @ flat).reshape(w.shape)
    if rescale is not None:
        rotated = rotated * rescale
    return w + strength * (rotated - w)


def _butterfly_perm(out_c: int, stride: int) -> list[int]:
    """Row order of one butterfly factor: rows ``stride`` apart sit next to each other in a block."""
    return [g * 2 * stride + h * stride + t for g in range(out_c // (2 * stride))
            for t in range(stride) for h in range(2)]


def _boft_ref(w: torch.Tensor, blocks: torch.Tensor, strength: float, constraint: float | None = None,
              rescale: torch.Tensor | None = None) -> torch.Tensor:
    """Dense product of Pᵢᵀ · blockdiag(Rᵢ(s)) · Pᵢ over the factors, then rescale; W + s · (that − W)."""
    m, k, b, _ = blocks.shape
    out_c = w.shape[0]
    r = _cayley_ref(blocks, constraint)
    eye_b = torch.eye(b)
    total = torch.eye(out_c)
    for i in range(m):
        perm = torch.zeros(out_c, out_c)
        for p, row in enumerate(_butterfly_perm(out_c, 2 ** i * b // 2)):
            perm[p, row] = 1.0
        bd = _block_diag(torch.stack([strength * r[i, j] + (1 - strength) * eye_b for j in range(k)]))
        total = perm.t() @ bd @ perm @ total
    rotated = (total @ w.reshape(out_c, -1)).reshape(w.shape)
    if rescale is not None:
        rotated = rotated * rescale
    return w + strength * (rotated - w)


def _mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a [m, r] @ b [r, n] as a broadcast sum."""
    return (a[:, :, None] * b[None, :, :]).sum(1)


def _glora_new_ref(w, a1, a2, b1, b2, scale):
    """W ·_in (a1 a2) + b1 b2: every kernel tap's input vector is multiplied by A = a1 @ a2."""
    a = _mm(a1.reshape(a1.shape[0], -1), a2.reshape(a2.shape[0], -1))       # [in, in]
    wa = (w.unsqueeze(2) * a.reshape(1, *a.shape, *[1] * (w.dim() - 2))).sum(1)
    bb = _mm(b1.reshape(b1.shape[0], -1), b2.reshape(b2.shape[0], -1)).reshape(w.shape)
    return (wa + bb) * scale


def _glora_old_ref(w, a1, a2, b1, b2, scale):
    flat = w.reshape(w.shape[0], -1)
    return ((_mm(b2, b1) + _mm(_mm(flat, a2), a1)).reshape(w.shape)) * scale


# ------------------------------------------------------------------ Cayley
def test_cayley_is_orthogonal_and_the_explicit_inverse_form():
    blocks = _rand(5, 4, 4, scale=0.5)
    r = cayley(blocks)
    assert torch.allclose(r, _cayley_ref(blocks, None), atol=1e-5)
    assert torch.allclose(r @ r.transpose(1, 2), torch.eye(4).expand(5, 4, 4), atol=1e-5)
    # the constraint bounds the norm of all Q together: a tight one pulls R towards I, a loose one changes nothing
    tight = cayley(blocks, 0.05)
    assert torch.allclose(tight, _cayley_ref(blocks, 0.05), atol=1e-5)
    assert (tight - torch.eye(4)).abs().max() < (r - torch.eye(4)).abs().max() / 4
    assert torch.allclose(cayley(blocks, 1e4), r, atol=0)


# ------------------------------------------------------------------ OFT
@pytest.mark.parametrize("strength", [1.0, 0.5])
@pytest.mark.parametrize("alpha", [None, 1e3, 0.2])
@pytest.mark.parametrize("layer,blocks_shape", [(FF, (64, 4, 4)), (CONV_UP, (16, 4, 4))])
def test_oft_from_a_file_rotates_output_blocks(sd1, layer, blocks_shape, alpha, strength):
    model, clip, _ = sd1
    w = model.unet.get_parameter(layer).detach()
    stem = _kohya(layer)
    blocks = _rand(*blocks_shape, scale=0.2)
    sd = {f"{stem}.oft_blocks": blocks}
    if alpha is not None:
        sd[f"{stem}.alpha"] = torch.tensor(alpha)
    mp, cp, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == [] and cp == {} and isinstance(mp[layer], OftPatch)
    got = _patched(w, [(mp[layer], strength)])
    assert torch.allclose(got, _oft_ref(w, blocks, strength, alpha), atol=1e-5)
    if strength == 1.0:
        # an orthogonal map of the output channels keeps every column's norm
        flat, flat_w = got.reshape(w.shape[0], -1), w.reshape(w.shape[0], -1)
        assert torch.allclose(flat.norm(dim=0), flat_w.norm(dim=0), atol=1e-4)
        assert not torch.allclose(got, w, atol=1e-3)


def test_oft_strength_is_comfyui_square_rule_and_rescale_is_applied(sd1):
    model, clip, _ = sd1
    w = model.unet.get_parameter(FF).detach()
    blocks = _rand(64, 4, 4, scale=0.2)
    oft = OftPatch(blocks, name="x")
    full = oft.delta(w)  # (Rᵀ − I) W
    # ComfyUI scales (R − I) by s and then the change by s again: W + s² (Rᵀ − I) W, not W + s (Rᵀ − I) W
    for s in (0.5, -0.7, 2.0):
        assert torch.allclose(_patched(w, [(oft, s)]), w + s * s * full, atol=1e-5), s
    assert not torch.allclose(_patched(w, [(oft, 0.5)]), w + 0.5 * full, atol=1e-4)
    # rescale [out, 1] multiplies the rotated weight per output channel (LyCORIS; ComfyUI's OFT drops it)
    rescale = _rand(256, 1).abs() + 0.5
    stem = _kohya(FF)
    sd = {f"{stem}.oft_blocks": blocks, f"{stem}.rescale": rescale}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == []
    for s in (1.0, 0.5):
        assert torch.allclose(_patched(w, [(mp[FF], s)]), _oft_ref(w, blocks, s, None, rescale), atol=1e-5)


def test_oft_matches_peft_on_the_transposed_weight():
    peft = pytest.importorskip("peft")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = torch.nn.Module()
        net.lin = torch.nn.Linear(12, 8)
        net = peft.inject_adapter_in_model(peft.OFTConfig(r=0, oft_block_size=4, target_modules=["lin"],
                                                          use_cayley_neumann=False), net)
    rot = net.lin.oft_R["default"]
    vec = _rand(*rot.weight.shape, scale=0.4)
    with torch.no_grad():
        rot.weight.copy_(vec)
    w = net.lin.get_base_layer().weight.detach().clone()
    net.lin.merge()
    merged = net.lin.get_base_layer().weight.detach()
    # peft's skew matrix holds vec above the diagonal; LyCORIS' oft_blocks B give Q = B − Bᵀ
    rows, cols = torch.triu_indices(4, 4, 1)
    blocks = torch.zeros(vec.shape[0], 4, 4)
    blocks[:, rows, cols] = vec
    ours = w.t() + OftPatch(blocks).delta(w.t())
    assert torch.allclose(ours.t(), merged, atol=1e-5)


# ------------------------------------------------------------------ BOFT
@pytest.mark.parametrize("strength", [1.0, 0.5])
@pytest.mark.parametrize("alpha", [None, 0.3])
@pytest.mark.parametrize("layer,blocks_shape", [(FF, (3, 64, 4, 4)), (CONV_UP, (2, 16, 4, 4)), (TO_K, (2, 4, 8, 8))])
def test_boft_from_a_file_is_the_dense_butterfly_product(sd1, layer, blocks_shape, alpha, strength):
    model, clip, _ = sd1
    w = model.unet.get_parameter(layer).detach()
    stem = _kohya(layer)
    blocks = _rand(*blocks_shape, scale=0.2)
    sd = {f"{stem}.oft_blocks": blocks}
    if alpha is not None:
        sd[f"{stem}.alpha"] = torch.tensor(alpha)
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == [] and isinstance(mp[layer], BoftPatch)
    got = _patched(w, [(mp[layer], strength)])
    assert torch.allclose(got, _boft_ref(w, blocks, strength, alpha), atol=1e-5)
    if strength == 1.0:
        flat, flat_w = got.reshape(w.shape[0], -1), w.reshape(w.shape[0], -1)
        assert torch.allclose(flat.norm(dim=0), flat_w.norm(dim=0), atol=1e-4)


def test_boft_strength_blends_each_factor_and_rescale(sd1):
    model, clip, _ = sd1
    w = model.unet.get_parameter(CONV_UP).detach()
    blocks = _rand(2, 16, 4, 4, scale=0.3)
    rescale = _rand(64, 1, 1, 1).abs() + 0.5
    stem = _kohya(CONV_UP)
    mp, _, unmatched = convert_lora({f"{stem}.oft_blocks": blocks, f"{stem}.rescale": rescale,
                                     f"{stem}.alpha": torch.tensor(0.0)}, *_maps(model, clip))
    assert unmatched == []
    boft = mp[CONV_UP]
    for s in (1.0, 0.5, -0.5):
        assert torch.allclose(_patched(w, [(boft, s)]), _boft_ref(w, blocks, s, None, rescale), atol=1e-5), s
    # not a plain scaling of the strength-1 change
    half = _patched(w, [(boft, 0.5)])
    assert not torch.allclose(half, w + 0.5 * boft.delta(w), atol=1e-4)


# ------------------------------------------------------------------ GLoRA
@pytest.mark.parametrize("alpha", [3.0, None])
def test_glora_linear_new_layout(sd1, alpha):
    model, clip, _ = sd1
    w = model.unet.get_parameter(FF).detach()  # [256, 32]
    r = 3
    a1, a2, b1, b2 = _rand(32, r), _rand(r, 32), _rand(256, r), _rand(r, 32)
    stem = _kohya(FF)
    sd = {f"{stem}.a1.weight": a1, f"{stem}.a2.weight": a2, f"{stem}.b1.weight": b1, f"{stem}.b2.weight": b2}
    if alpha is not None:
        sd[f"{stem}.alpha"] = torch.tensor(alpha)
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == [] and isinstance(mp[FF], GloraPatch)
    assert mp[FF].layout(w.shape) == (False, r)
    want = _glora_new_ref(w, a1, a2, b1, b2, alpha / r if alpha is not None else 1.0)
    for s in (1.0, 0.5):  # GLoRA's strength is a plain scaling (ComfyUI: W += s · alpha/r · ΔW)
        assert torch.allclose(_patched(w, [(mp[FF], s)]), w + s * want, atol=1e-5)


def test_glora_conv_new_layout(sd1):
    model, clip, _ = sd1
    w = model.unet.get_parameter(CONV_UP).detach()  # [64, 32, 3, 3]
    r = 2
    # LyCORIS' conv GLoRA: a1, a2, b1 are 1x1 kernels, b2 carries the layer's kernel
    a1, a2, b1, b2 = _rand(32, r, 1, 1), _rand(r, 32, 1, 1), _rand(64, r, 1, 1), _rand(r, 32, 3, 3)
    stem = _kohya(CONV_UP)
    sd = {f"{stem}.a1.weight": a1, f"{stem}.a2.weight": a2, f"{stem}.b1.weight": b1, f"{stem}.b2.weight": b2,
          f"{stem}.alpha": torch.tensor(1.0)}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == []
    assert torch.allclose(mp[CONV_UP].delta(w), _glora_new_ref(w, a1, a2, b1, b2, 0.5), atol=1e-5)


def test_glora_old_layout_and_the_square_weight_tie(sd1):
    model, _, _ = sd1
    w = model.unet.get_parameter(FF).detach()  # [256, 32]
    r = 2
    # older LyCORIS files: a1 [r, in], a2 [in, r], b1 [r, in], b2 [out, r]; ΔW = b2 b1 + W a2 a1
    a1, a2, b1, b2 = _rand(r, 32), _rand(32, r), _rand(r, 32), _rand(256, r)
    old = GloraPatch(a1, a2, b1, b2, alpha=4.0)
    assert old.layout(w.shape) == (True, r)
    assert torch.allclose(old.delta(w), _glora_old_ref(w, a1, a2, b1, b2, 2.0), atol=1e-5)
    # on a square weight both shape tests pass: ComfyUI keeps the old reading when a2[0] == out ...
    sq = model.unet.get_parameter(TO_K).detach()  # [32, 32]
    o1, o2, o3, o4 = _rand(r, 32), _rand(32, r), _rand(r, 32), _rand(32, r)
    tie_old = GloraPatch(o1, o2, o3, o4, alpha=2.0)
    assert tie_old.layout(sq.shape) == (True, r)
    assert torch.allclose(tie_old.delta(sq), _glora_old_ref(sq, o1, o2, o3, o4, 1.0), atol=1e-5)
    # ... and takes the new one when a2 is [r, in]
    n1, n2, n3, n4 = _rand(32, r), _rand(r, 32), _rand(32, r), _rand(r, 32)
    tie_new = GloraPatch(n1, n2, n3, n4, alpha=2.0)
    assert tie_new.layout(sq.shape) == (False, r)
    assert torch.allclose(tie_new.delta(sq), _glora_new_ref(sq, n1, n2, n3, n4, 1.0), atol=1e-5)


def test_glora_with_dora_scale_is_wrapped(sd1):
    model, clip, _ = sd1
    w = model.unet.get_parameter(FF).detach()
    stem = _kohya(FF)
    m = _rand(1, 32).abs() + 0.5
    sd = {f"{stem}.a1.weight": _rand(32, 2), f"{stem}.a2.weight": _rand(2, 32), f"{stem}.b1.weight": _rand(256, 2),
          f"{stem}.b2.weight": _rand(2, 32), f"{stem}.dora_scale": m}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == [] and isinstance(mp[FF], DoraPatch) and isinstance(mp[FF].inner, GloraPatch)
    calc = w + mp[FF].inner.delta(w)
    n = (calc * calc).sum(0, keepdim=True).sqrt() + torch.finfo(torch.float32).eps
    assert torch.allclose(_patched(w, [(mp[FF], 0.5)]), w + 0.5 * (calc * m / n - w), atol=1e-5)


# ------------------------------------------------------------------ PEFT-style DoRA
def _peft_dora_net():
    peft = pytest.importorskip("peft")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = torch.nn.Module()
        net.lin = torch.nn.Linear(12, 8)
        net.conv = torch.nn.Conv2d(6, 8, 3)
        net = peft.inject_adapter_in_model(peft.LoraConfig(r=2, lora_alpha=2, use_dora=True,
                                                           target_modules=["lin", "conv"]), net)
    with torch.no_grad():
        for n, prm in net.named_parameters():
            if ".default" in n:
                scale = 0.5 if "magnitude" not in n else 0.0
                prm.copy_(torch.randn(prm.shape, generator=torch.Generator().manual_seed(len(n))) * scale
                          + (prm.abs() * 1.3 if "magnitude" in n else 0.0))
    return net


@pytest.mark.parametrize("form", ["saved", "raw"])
def test_peft_dora_matches_peft_merge(form):
    net = _peft_dora_net()
    base = {name: getattr(net, name).get_base_layer().weight.detach().clone() for name in ("lin", "conv")}
    sd = {}
    for n, prm in net.named_parameters():
        if ".default" not in n:
            continue
        # "saved": PEFT's file keys (adapter name dropped, the magnitude without ".weight"); "raw": as in memory
        key = n.replace(".default", "").replace("lora_magnitude_vector.weight", "lora_magnitude_vector") \
            if form == "saved" else n
        sd[key] = prm.detach().clone()
    assert any(k.endswith("lora_magnitude_vector" if form == "saved" else "lora_magnitude_vector.default.weight")
               for k in sd)
    mp, _, unmatched = convert_lora(sd, {"lin": "lin.weight", "conv": "conv.weight"}, {})
    assert unmatched == []
    assert isinstance(mp["conv.weight"], DoraPatch) and mp["conv.weight"].output_norm == "patched"
    for name in ("lin", "conv"):
        getattr(net, name).merge()
        merged = getattr(net, name).get_base_layer().weight.detach()
        got = _patched(base[name], [(mp[f"{name}.weight"], 1.0)])
        assert torch.allclose(got, merged, atol=1e-5), name
        # the merged weight's output-channel norms are the magnitudes (conv magnitudes are [1, out, 1, 1])
        mag = sd[next(k for k in sd if k.startswith(name) and "magnitude" in k)].flatten()
        assert torch.allclose(got.reshape(8, -1).norm(dim=1), mag, atol=1e-5)


def test_peft_dora_file_on_tiny_sd1_equals_the_lycoris_style_dora_scale_file(sd1):
    model, clip, _ = sd1
    umap, cmap = _maps(model, clip)
    w = model.unet.get_parameter(TO_K).detach()
    up, down, mag = _rand(32, 2), _rand(2, 32), _rand(32).abs() + 0.5
    peft_sd = {f"unet.{TO_K_DIFFUSERS}.lora_A.weight": down, f"unet.{TO_K_DIFFUSERS}.lora_B.weight": up,
               f"unet.{TO_K_DIFFUSERS}.lora_magnitude_vector.weight": mag,
               f"unet.{TO_K_DIFFUSERS}.alpha": torch.tensor(4.0)}
    mp, _, unmatched = convert_lora(peft_sd, umap, cmap)
    assert unmatched == [] and isinstance(mp[TO_K], DoraPatch) and isinstance(mp[TO_K].inner, LoraPatch)
    stem = _kohya(TO_K)
    lyco_sd = {f"{stem}.lora_up.weight": up, f"{stem}.lora_down.weight": down, f"{stem}.alpha": torch.tensor(4.0),
               f"{stem}.dora_scale": mag.reshape(32, 1)}
    lp, _, unmatched = convert_lora(lyco_sd, umap, cmap)
    assert unmatched == [] and isinstance(lp[TO_K], DoraPatch)
    delta = _mm(up, down) * 2.0
    calc = w + delta
    for s in (1.0, 0.5):
        got = _patched(w, [(mp[TO_K], s)])
        # PEFT's DoRA: m · (W + ΔW) / ‖W + ΔW‖ per output row, blended with W by the strength
        n = (calc * calc).sum(1, keepdim=True).sqrt() + torch.finfo(torch.float32).eps
        assert torch.allclose(got, w + s * (calc * mag.reshape(32, 1) / n - w), atol=1e-5)
        # the same tensors as a LyCORIS dora_scale file give the same weight under LyCORIS' norm (W + ΔW) ...
        lp[TO_K].output_norm = "patched"
        assert torch.allclose(_patched(w, [(lp[TO_K], s)]), got, atol=1e-6)
        # ... while ComfyUI reads a per-output dora_scale with the norm of W alone (kept for dora_scale files)
        lp[TO_K].output_norm = "base"
        nb = (w * w).sum(1, keepdim=True).sqrt() + torch.finfo(torch.float32).eps
        assert torch.allclose(_patched(w, [(lp[TO_K], s)]), w + s * (calc * mag.reshape(32, 1) / nb - w), atol=1e-5)


def test_peft_magnitude_of_the_wrong_size_names_weight_and_layer(sd1):
    model, clip, _ = sd1
    sd = {f"{TO_K_DIFFUSERS}.lora_A.weight": _rand(2, 32), f"{TO_K_DIFFUSERS}.lora_B.weight": _rand(32, 2),
          f"{TO_K_DIFFUSERS}.lora_magnitude_vector": _rand(1, 32, 1, 1)[:, :16].abs()}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == []
    h = model.clone()
    h.add_patches(mp, 1.0)
    with pytest.raises(ValueError, match=rf"{TO_K}.*DoRA '{TO_K_DIFFUSERS}': lora_magnitude_vector of shape "
                                         r"\[1, 16, 1, 1\].*\[32, 32\]"):
        h.apply_model(torch.zeros(1, 4, 8, 8), torch.tensor([1]), torch.zeros(1, 77, 32))


# ------------------------------------------------------------------ errors and unmatched keys
@pytest.mark.parametrize("keys,kind", [
    ({"oft_blocks": (6, 4, 4)}, "OFT"),                      # 24 rows for a 32-row weight
    ({"oft_blocks": (4, 4, 8, 8)}, "BOFT"),                  # a 4th factor pairs rows 32 apart: needs 64 rows
    ({"oft_blocks": (2, 2, 8, 8)}, "BOFT"),                  # 2 blocks of 8 do not cover 32 rows
    ({"a1.weight": (32, 2), "a2.weight": (2, 32), "b1.weight": (32, 3), "b2.weight": (2, 32)}, "GLoRA"),
])
def test_a_shape_mismatch_names_the_weight_and_the_layer(sd1, keys, kind):
    model, clip, _ = sd1
    stem = _kohya(TO_K)
    sd = {f"{stem}.{k}": _rand(*shape) for k, shape in keys.items()}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == [] and mp[TO_K].kind == kind
    h = model.clone()
    h.add_patches(mp, 1.0)
    before = model.unet.get_parameter(TO_K).detach().clone()
    with pytest.raises(ValueError, match=rf"{TO_K}.*{kind} '{stem}'"):
        h.apply_model(torch.zeros(1, 4, 8, 8), torch.tensor([1]), torch.zeros(1, 77, 32))
    assert torch.equal(model.unet.get_parameter(TO_K), before)


def test_oft_blocks_of_another_rank_and_unused_keys_are_reported(sd1, caplog):
    model, clip, _ = sd1
    to_k, ff, conv, proj = _kohya(TO_K), _kohya(FF), _kohya(CONV), _kohya(PROJ_IN)
    sd = {
        f"{to_k}.oft_blocks": _rand(32, 32),                                   # 2-D: neither OFT nor BOFT
        f"{ff}.oft_blocks": _rand(64, 4, 4), f"{ff}.dora_scale": _rand(1, 32),  # DoRA is not taken around OFT
        f"{ff}.alpha": torch.tensor(0.0),
        f"{conv}.a1.weight": _rand(32, 2), f"{conv}.a2.weight": _rand(2, 32),   # GLoRA without b1/b2
        f"{proj}.lora_magnitude_vector": _rand(32),                             # a magnitude without A/B
        "lora_unet_no_such_layer.oft_blocks": _rand(2, 4, 4),
    }
    with caplog.at_level(logging.WARNING):
        mp, cp, unmatched = convert_lora(sd, *_maps(model, clip), name="odd.safetensors")
    assert set(mp) == {FF} and isinstance(mp[FF], OftPatch) and cp == {}
    assert unmatched == sorted(k for k in sd if k not in (f"{ff}.oft_blocks", f"{ff}.alpha"))
    assert "odd.safetensors" in caplog.text and "lora_magnitude_vector" in caplog.text


# ------------------------------------------------------------------ whole file on the tiny SD1
def _formats_file() -> dict[str, torch.Tensor]:
    sd: dict[str, torch.Tensor] = {}
    s = _kohya(FF)  # OFT with rescale and a loose constraint
    sd.update({f"{s}.oft_blocks": _rand(64, 4, 4, scale=0.2), f"{s}.rescale": _rand(256, 1).abs() + 0.5,
               f"{s}.alpha": torch.tensor(50.0)})
    s = _kohya(CONV_UP)  # BOFT on a conv
    sd.update({f"{s}.oft_blocks": _rand(2, 16, 4, 4, scale=0.2), f"{s}.alpha": torch.tensor(0.0)})
    s = "lycoris_input_blocks_1_0_in_layers_2"  # GLoRA conv (CONV)
    sd.update({f"{s}.a1.weight": _rand(32, 2, 1, 1), f"{s}.a2.weight": _rand(2, 32, 1, 1),
               f"{s}.b1.weight": _rand(32, 2, 1, 1), f"{s}.b2.weight": _rand(2, 32, 3, 3),
               f"{s}.alpha": torch.tensor(2.0)})
    s = f"unet.{TO_K_DIFFUSERS}"  # PEFT DoRA
    sd.update({f"{s}.lora_A.weight": _rand(2, 32), f"{s}.lora_B.weight": _rand(32, 2),
               f"{s}.lora_magnitude_vector": _rand(32).abs() + 0.5})
    s = "lora_te_text_model_encoder_layers_0_self_attn_q_proj"  # OFT on the text encoder
    sd.update({f"{s}.oft_blocks": _rand(8, 4, 4, scale=0.3)})
    return sd


def test_formats_file_patches_tiny_sd1_and_restores_bit_exactly(sd1, tmp_path):
    from nodes.lora import apply_lora

    model, clip, _ = sd1
    path = tmp_path / "formats.safetensors"
    save_file(_formats_file(), str(path))
    lora = load_file(str(path))
    before = {k: v.clone() for k, v in model.unet.state_dict().items()}
    g = torch.Generator().manual_seed(7)
    x, t, ctx = torch.randn(2, 4, 8, 8, generator=g), torch.tensor([10, 700]), torch.randn(2, 77, 32, generator=g)
    base = model.apply_model(x, t, ctx)
    base_text = clip.encode("a photo of a dog")[0][0]

    m1, c1, unmatched = apply_lora(model, clip, lora, 1.0, 1.0, "formats.safetensors")  # the LoraLoader path
    assert unmatched == []
    assert sorted(m1.patcher.patches) == sorted([FF, CONV_UP, CONV, TO_K])
    assert {k: m1.patcher.patches[k][0][1].kind for k in (FF, CONV_UP, CONV, TO_K)} == \
        {FF: "OFT", CONV_UP: "BOFT", CONV: "GLoRA", TO_K: "DoRA"}
    out = m1.apply_model(x, t, ctx)
    assert not torch.allclose(out, base, atol=1e-4)
    assert not torch.allclose(c1.encode("a photo of a dog")[0][0], base_text, atol=1e-5)
    # at strength 0.5 the orthogonal ones follow ComfyUI's rule inside the real model
    m_half, _, _ = apply_lora(model, clip, lora, 0.5, 0.0, "formats")
    ff_stem, up_stem = _kohya(FF), _kohya(CONV_UP)
    with m_half.patcher.use() as unet:
        assert torch.allclose(unet.get_parameter(FF), _oft_ref(before[FF], lora[f"{ff_stem}.oft_blocks"], 0.5, 50.0,
                                                               lora[f"{ff_stem}.rescale"]), atol=1e-5)
        assert torch.allclose(unet.get_parameter(CONV_UP),
                              _boft_ref(before[CONV_UP], lora[f"{up_stem}.oft_blocks"], 0.5), atol=1e-5)
    assert not torch.allclose(m_half.apply_model(x, t, ctx), out, atol=1e-4)

    # after every call the shared module holds the original weights, bit for bit
    after = model.unet.state_dict()
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert torch.equal(model.apply_model(x, t, ctx), base)
    assert torch.equal(clip.encode("a photo of a dog")[0][0], base_text)
    # strength 0: the node passes the handles through; patches added at strength 0 change nothing either
    m0, c0, _ = apply_lora(model, clip, lora, 0.0, 0.0, "formats")
    assert m0 is model and c0 is clip
    mp, _, _ = convert_lora(lora, *_maps(model, clip))
    z = model.clone()
    z.add_patches(mp, 0.0)
    assert torch.equal(z.apply_model(x, t, ctx), base)
    with z.patcher.use() as unet:
        assert all(torch.equal(v, before[k]) for k, v in unet.state_dict().items())


# ------------------------------------------------------------------ CUDA (skipped without it)
def _formats_on(device_manager: DeviceManager, dev: str, path: str, lora: dict) -> torch.Tensor:
    """The patched UNet output for the formats file at strength 0.7; checks the bit-exact restore."""
    from nodes.lora import apply_lora

    model, clip, _ = load_checkpoint(path, device_manager)
    m2, _, unmatched = apply_lora(model, clip, lora, 0.7, 0.7, "formats")
    assert unmatched == []
    g = torch.Generator().manual_seed(3)
    x, t, ctx = torch.randn(2, 4, 8, 8, generator=g), torch.tensor([20, 800]), torch.randn(2, 77, 32, generator=g)
    base = model.apply_model(x.to(dev), t.to(dev), ctx.to(dev))
    before = {k: v.clone() for k, v in model.unet.state_dict().items()}
    out = m2.apply_model(x.to(dev), t.to(dev), ctx.to(dev)).cpu()
    after = model.unet.state_dict()
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert torch.allclose(model.apply_model(x.to(dev), t.to(dev), ctx.to(dev)), base, atol=1e-6)
    assert not torch.allclose(out, base.cpu(), atol=1e-4)
    return out


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_formats_on_cuda_restore_bit_exactly_and_match_cpu(tiny_models):
    path = tiny_models.checkpoint("sd1")
    lora = _formats_file()
    cpu = _formats_on(DeviceManager(cpu=True, force_fp32=True), "cpu", path, lora)
    gpu = _formats_on(DeviceManager(force_fp32=True), "cuda", path, lora)
    # fp32 on both; TF32 convolutions on the GPU (see test_gpu.py's LoRA check)
    assert float((gpu - cpu).norm() / cpu.norm()) < 2e-3
