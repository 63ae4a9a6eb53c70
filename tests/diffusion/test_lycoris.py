"""LyCORIS adapters in the LoRA loader: LoHa, LoKr, DoRA, w_norm/b_norm diffs.

Every formula is checked against a computation written out here (loops, broadcasting and
sums of squares instead of the matmul / einsum / kron / norm calls the engine uses), and
against peft's LoHa / LoKr layers when peft is installed.
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
from engine.diffusion.lycoris import DoraPatch, LohaPatch, LokrPatch
from engine.diffusion.patching import DiffPatch, Patcher
from tests.tinymodels import tiny_models  # noqa: F401

torch.set_num_threads(2)

TO_K = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"            # [32, 32] linear
FF = "input_blocks.1.1.transformer_blocks.0.ff.net.0.proj.weight"          # [256, 32] linear
CONV = "input_blocks.1.0.in_layers.2.weight"                                # [32, 32, 3, 3]
CONV_UP = "input_blocks.3.0.in_layers.2.weight"                             # [64, 32, 3, 3]
PROJ_IN = "input_blocks.1.1.proj_in.weight"                                 # [32, 32, 1, 1]
GN = "input_blocks.1.0.in_layers.0"                                         # GroupNorm(32)


def _kohya(ldm_key: str) -> str:
    return "lora_unet_" + ldm_key[: -len(".weight")].replace(".", "_")


@pytest.fixture(scope="module")
def sd1(tiny_models):
    return load_checkpoint(tiny_models.checkpoint("sd1"), DeviceManager(cpu=True, force_fp32=True))


def _maps(model, clip):
    return unet_key_map(model.patch_keys(), model.unet.config.num_res_blocks), clip_key_map(clip.patch_keys())


_SEEDS = itertools.count(1)  # each call draws new numbers, the same ones every run


def _rand(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(next(_SEEDS))) * 0.3


# ------------------------------------------------------------------ independent references
def _matmul_ref(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a [m, r] @ b [r, n] as a broadcast sum."""
    return (a[:, :, None] * b[None, :, :]).sum(1)


def _tucker_ref(t: torch.Tensor, wa: torch.Tensor, wb: torch.Tensor) -> torch.Tensor:
    """sum_ab t[a, b, k, l] * wa[a, o] * wb[b, i] with python loops over the ranks."""
    out = torch.zeros(wa.shape[1], wb.shape[1], *t.shape[2:])
    for a in range(t.shape[0]):
        for b in range(t.shape[1]):
            out += t[a, b][None, None] * (wa[a][:, None] * wb[b][None, :])[(...,) + (None,) * (t.dim() - 2)]
    return out


def _kron_ref(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Kronecker product of a [p, q] and b [c, d, *k]: block (i, j) is a[i, j] * b."""
    p, q = a.shape
    c, d, *k = b.shape
    out = torch.zeros(p * c, q * d, *k)
    for i in range(p):
        for j in range(q):
            out[i * c:(i + 1) * c, j * d:(j + 1) * d] = a[i, j] * b
    return out


def _dora_ref(w: torch.Tensor, delta: torch.Tensor, m: torch.Tensor, strength: float, axis: str) -> torch.Tensor:
    """W + s * (m * (W + dW) / n - W); n per input channel of W + dW, or per output channel of W."""
    calc = w + delta
    dims = [d for d in range(w.dim()) if d != (1 if axis == "in" else 0)]
    src = calc if axis == "in" else w
    n = (src * src).sum(dim=dims, keepdim=True).sqrt() + torch.finfo(torch.float32).eps
    return w + strength * (calc * m.reshape(n.shape) / n - w)


def _patched(weight: torch.Tensor, adapters: list[tuple[object, float]]) -> torch.Tensor:
    """The weight a Patcher gives for a module holding ``weight`` with these (adapter, strength) patches."""
    mod = torch.nn.Module()
    mod.w = torch.nn.Parameter(weight.clone(), requires_grad=False)
    p = Patcher(mod)
    for adapter, s in adapters:
        assert p.add_patches({"w": adapter}, s) == []
    with p.use() as m:
        got = m.w.detach().clone()
    assert torch.equal(mod.w, weight)  # the original is back, bit for bit
    return got


# ------------------------------------------------------------------ LoHa
@pytest.mark.parametrize("alpha", [3.0, None])
def test_loha_linear_matches_hadamard_of_products(sd1, alpha):
    model, clip, _ = sd1
    w = model.unet.get_parameter(FF).detach()
    r = 2
    w1a, w1b, w2a, w2b = _rand(256, r), _rand(r, 32), _rand(256, r), _rand(r, 32)
    stem = _kohya(FF)
    sd = {f"{stem}.hada_w1_a": w1a, f"{stem}.hada_w1_b": w1b, f"{stem}.hada_w2_a": w2a, f"{stem}.hada_w2_b": w2b}
    if alpha is not None:
        sd[f"{stem}.alpha"] = torch.tensor(alpha)
    mp, cp, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == [] and cp == {} and isinstance(mp[FF], LohaPatch)
    scale = alpha / r if alpha is not None else 1.0
    want = _matmul_ref(w1a, w1b) * _matmul_ref(w2a, w2b) * scale
    assert torch.allclose(mp[FF].delta(w), want, atol=1e-6)
    assert torch.allclose(_patched(w, [(mp[FF], 0.7)]), w + 0.7 * want, atol=1e-6)


def test_loha_conv_flat_and_tucker(sd1):
    model, clip, _ = sd1
    w = model.unet.get_parameter(CONV_UP).detach()  # [64, 32, 3, 3]
    out_c, in_c, kh, kw = w.shape
    r = 3
    # flat: factors over in * kh * kw, product reshaped to the kernel
    w1a, w1b, w2a, w2b = _rand(out_c, r), _rand(r, in_c * kh * kw), _rand(out_c, r), _rand(r, in_c * kh * kw)
    flat = LohaPatch(w1a, w1b, w2a, w2b, alpha=1.5)
    want = (_matmul_ref(w1a, w1b) * _matmul_ref(w2a, w2b) * 0.5).reshape(w.shape)
    assert torch.allclose(flat.delta(w), want, atol=1e-6)
    # Tucker: t [r, r, kh, kw], w_a [r, out], w_b [r, in], loaded from a file through the key map
    t1, t2 = _rand(r, r, kh, kw), _rand(r, r, kh, kw)
    a1, b1, a2, b2 = _rand(r, out_c), _rand(r, in_c), _rand(r, out_c), _rand(r, in_c)
    stem = "lora_unet_down_blocks_1_resnets_0_conv1"  # the diffusers name of CONV_UP
    sd = {f"{stem}.hada_t1": t1, f"{stem}.hada_t2": t2, f"{stem}.hada_w1_a": a1, f"{stem}.hada_w1_b": b1,
          f"{stem}.hada_w2_a": a2, f"{stem}.hada_w2_b": b2, f"{stem}.alpha": torch.tensor(6.0)}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == []
    want = _tucker_ref(t1, a1, b1) * _tucker_ref(t2, a2, b2) * (6.0 / r)
    assert torch.allclose(mp[CONV_UP].delta(w), want, atol=1e-5)


# ------------------------------------------------------------------ LoKr
def test_lokr_linear_factor_forms_and_alpha_rule(sd1):
    model, clip, _ = sd1
    w = model.unet.get_parameter(FF).detach()  # [256, 32] = kron([16, 4], [16, 8])
    umap, cmap = _maps(model, clip)
    stem = "lycoris_input_blocks_1_1_transformer_blocks_0_ff_net_0_proj"
    w1, w2 = _rand(16, 4), _rand(16, 8)
    w1a, w1b, w2a, w2b = _rand(16, 2), _rand(2, 4), _rand(16, 3), _rand(3, 8)
    cases = [
        # (keys, alpha, expected factor pair, expected scale)
        ({"lokr_w1": w1, "lokr_w2": w2}, 5.0, (w1, w2), 1.0),                      # both whole: alpha unused
        ({"lokr_w1": w1, "lokr_w2_a": w2a, "lokr_w2_b": w2b}, 6.0, (w1, _matmul_ref(w2a, w2b)), 2.0),
        ({"lokr_w1_a": w1a, "lokr_w1_b": w1b, "lokr_w2": w2}, 6.0, (_matmul_ref(w1a, w1b), w2), 3.0),
        # both low-rank: the rank of w2 divides alpha
        ({"lokr_w1_a": w1a, "lokr_w1_b": w1b, "lokr_w2_a": w2a, "lokr_w2_b": w2b}, 6.0,
         (_matmul_ref(w1a, w1b), _matmul_ref(w2a, w2b)), 2.0),
        ({"lokr_w1": w1, "lokr_w2_a": w2a, "lokr_w2_b": w2b}, None, (w1, _matmul_ref(w2a, w2b)), 1.0),
    ]
    for keys, alpha, (f1, f2), scale in cases:
        sd = {f"{stem}.{k}": v for k, v in keys.items()}
        if alpha is not None:
            sd[f"{stem}.alpha"] = torch.tensor(alpha)
        mp, _, unmatched = convert_lora(sd, umap, cmap)
        assert unmatched == [], keys.keys()
        assert isinstance(mp[FF], LokrPatch) and mp[FF].scale == scale
        assert torch.allclose(mp[FF].delta(w), _kron_ref(f1, f2) * scale, atol=1e-6), keys.keys()


def test_lokr_conv_whole_flat_and_tucker(sd1):
    model, clip, _ = sd1
    w = model.unet.get_parameter(CONV_UP).detach()  # [64, 32, 3, 3]; 64 = 8 * 8, 32 = 4 * 8
    w1 = _rand(8, 4)
    # w2 stored whole with its kernel
    w2 = _rand(8, 8, 3, 3)
    p = LokrPatch(w1=w1, w2=w2, alpha=4.0)
    assert torch.allclose(p.delta(w), _kron_ref(w1, w2), atol=1e-6)
    # w2 low-rank over in * kh * kw (LyCORIS' non-Tucker conv layout)
    w2a, w2b = _rand(8, 2), _rand(2, 8 * 9)
    p = LokrPatch(w1=w1, w2a=w2a, w2b=w2b, alpha=4.0)
    want = _kron_ref(w1, _matmul_ref(w2a, w2b).reshape(8, 8, 3, 3)) * 2.0
    assert torch.allclose(p.delta(w), want, atol=1e-6)
    # Tucker w2 through a file: t2 [r, r, 3, 3], w2_a [r, out2], w2_b [r, in2]
    t2, a, b = _rand(2, 2, 3, 3), _rand(2, 8), _rand(2, 8)
    stem = _kohya(CONV_UP)
    sd = {f"{stem}.lokr_w1": w1, f"{stem}.lokr_w2_a": a, f"{stem}.lokr_w2_b": b, f"{stem}.lokr_t2": t2,
          f"{stem}.alpha": torch.tensor(1.0)}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == []
    assert torch.allclose(mp[CONV_UP].delta(w), _kron_ref(w1, _tucker_ref(t2, a, b)) * 0.5, atol=1e-5)


# ------------------------------------------------------------------ peft parity (test-only dependency)
def _peft_layers(config):
    peft = pytest.importorskip("peft")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = torch.nn.Module()
        net.lin = torch.nn.Linear(12, 8)
        net.conv = torch.nn.Conv2d(6, 8, 3)
        net = peft.inject_adapter_in_model(config, net)
    with torch.no_grad():
        for n, prm in net.named_parameters():
            if ".default" in n or n.endswith("default"):
                prm.copy_(torch.randn(prm.shape, generator=torch.Generator().manual_seed(len(n))) * 0.5)
    return net


def _params(layer, prefix: str) -> dict[str, torch.Tensor]:
    out = {}
    for name in ("w1_a", "w1_b", "w2_a", "w2_b", "t1", "t2", "w1", "w2"):
        holder = getattr(layer, f"{prefix}_{name}", None)
        if holder is not None and "default" in holder:
            out[name] = holder["default"].detach().clone()
    return out


@pytest.mark.parametrize("effective_conv", [False, True])
def test_loha_matches_peft(effective_conv):
    peft = pytest.importorskip("peft")
    net = _peft_layers(peft.LoHaConfig(r=2, alpha=3, target_modules=["lin", "conv"],
                                       use_effective_conv2d=effective_conv))
    for layer in (net.lin, net.conv):
        t = _params(layer, "hada")
        assert ("t1" in t) == (effective_conv and layer is net.conv)
        ours = LohaPatch(t["w1_a"], t["w1_b"], t["w2_a"], t["w2_b"], alpha=3.0, t1=t.get("t1"), t2=t.get("t2"))
        w = layer.get_base_layer().weight.detach()
        want = layer.get_delta_weight("default")
        assert torch.allclose(ours.delta(w), want.detach(), atol=1e-5)


@pytest.mark.parametrize("effective_conv", [False, True])
def test_lokr_matches_peft(effective_conv):
    peft = pytest.importorskip("peft")
    # r=1 keeps w2 low-rank (where peft's alpha / r and ComfyUI's rule agree); decompose_both splits w1 too
    net = _peft_layers(peft.LoKrConfig(r=1, alpha=2, target_modules=["lin", "conv"], decompose_both=True,
                                       use_effective_conv2d=effective_conv))
    for layer in (net.lin, net.conv):
        t = _params(layer, "lokr")
        assert "w2" not in t
        ours = LokrPatch(t.get("w1"), t.get("w1_a"), t.get("w1_b"), None, t["w2_a"], t["w2_b"], t.get("t2"), alpha=2.0)
        w = layer.get_base_layer().weight.detach()
        assert torch.allclose(ours.delta(w), layer.get_delta_weight("default").detach(), atol=1e-5)


# ------------------------------------------------------------------ DoRA
@pytest.mark.parametrize("strength", [1.0, 0.5])
@pytest.mark.parametrize("shape", [(12, 8), (6, 4, 3, 3)])
def test_dora_input_axis(shape, strength):
    w = _rand(*shape)
    out_c, in_c = shape[:2]
    up, down = _rand(out_c, 2), _rand(2, in_c, *shape[2:])
    m = _rand(1, in_c, *[1] * (len(shape) - 2)).abs() + 0.5
    lora = LoraPatch(up, down, alpha=1.0)
    dora = DoraPatch(lora, m, name="stem")
    delta = (_matmul_ref(up, down.reshape(2, -1)) * 0.5).reshape(shape)
    want = _dora_ref(w, delta, m, strength, "in")
    assert torch.allclose(_patched(w, [(dora, strength)]), want, atol=1e-5)
    # the decomposed weight's input-channel norms are exactly the magnitudes at strength 1
    if strength == 1.0:
        got = _patched(w, [(dora, 1.0)])
        norms = (got * got).sum(dim=[d for d in range(got.dim()) if d != 1]).sqrt()
        assert torch.allclose(norms, m.flatten(), atol=1e-5)


@pytest.mark.parametrize("strength", [1.0, 0.5])
@pytest.mark.parametrize("shape", [(12, 8), (6, 4, 3, 3)])
def test_dora_output_axis_normalises_as_comfyui(shape, strength):
    w = _rand(*shape)
    out_c, in_c = shape[:2]
    up, down = _rand(out_c, 2), _rand(2, in_c, *shape[2:])
    m = _rand(out_c, *[1] * (len(shape) - 1)).abs() + 0.5
    delta = (_matmul_ref(up, down.reshape(2, -1))).reshape(shape)
    # ComfyUI: the output-axis norm is taken of W before the update
    comfy = DoraPatch(LoraPatch(up, down), m)
    assert torch.allclose(_patched(w, [(comfy, strength)]), _dora_ref(w, delta, m, strength, "out"), atol=1e-5)
    # the paper / LyCORIS form normalises W + dW: at strength 1 the output-channel norms are the magnitudes
    paper = DoraPatch(LoraPatch(up, down), m.flatten(), output_norm="patched")  # a 1-D scale reads as [out]
    got = _patched(w, [(paper, strength)])
    calc = w + delta
    n = (calc * calc).sum(dim=list(range(1, w.dim())), keepdim=True).sqrt() + torch.finfo(torch.float32).eps
    assert torch.allclose(got, w + strength * (calc * m / n - w), atol=1e-5)


def test_dora_wraps_loha_and_lokr_from_a_file_and_follows_earlier_patches(sd1):
    model, clip, _ = sd1
    umap, cmap = _maps(model, clip)
    w = model.unet.get_parameter(FF).detach()  # [256, 32]
    stem = _kohya(FF)
    m = _rand(1, 32).abs() + 0.5
    loha = {f"{stem}.hada_w1_a": _rand(256, 2), f"{stem}.hada_w1_b": _rand(2, 32), f"{stem}.hada_w2_a": _rand(256, 2),
            f"{stem}.hada_w2_b": _rand(2, 32), f"{stem}.alpha": torch.tensor(2.0), f"{stem}.dora_scale": m}
    mp, _, unmatched = convert_lora(loha, umap, cmap)
    assert unmatched == [] and isinstance(mp[FF], DoraPatch) and isinstance(mp[FF].inner, LohaPatch)
    inner_delta = mp[FF].inner.delta(w)
    assert torch.allclose(_patched(w, [(mp[FF], 0.5)]), _dora_ref(w, inner_delta, m, 0.5, "in"), atol=1e-5)
    lokr = {f"{stem}.lokr_w1": _rand(16, 4), f"{stem}.lokr_w2": _rand(16, 8), f"{stem}.dora_scale": m}
    mp2, _, unmatched = convert_lora(lokr, umap, cmap)
    assert unmatched == [] and isinstance(mp2[FF].inner, LokrPatch)
    # stacked after a plain LoRA on the same weight, DoRA normalises the weight the LoRA left (ComfyUI's order)
    plain = LoraPatch(_rand(256, 2), _rand(2, 32), alpha=2.0)
    w1 = w + 0.8 * plain.delta(w)
    want = _dora_ref(w1, mp2[FF].inner.delta(w), m, 0.5, "in")
    assert torch.allclose(_patched(w, [(plain, 0.8), (mp2[FF], 0.5)]), want, atol=1e-5)


def test_dora_scale_of_the_wrong_size_names_the_layer():
    w = _rand(6, 4)
    bad = DoraPatch(LoraPatch(_rand(6, 1), _rand(1, 4)), torch.ones(1, 5), name="lora_unet_layer")
    with pytest.raises(ValueError, match=r"'w'.*DoRA 'lora_unet_layer'.*dora_scale of shape \[1, 5\]"):
        _patched(w, [(bad, 1.0)])


# ------------------------------------------------------------------ norm / bias diffs
def test_w_norm_b_norm_and_diff_b_on_unet_and_clip(sd1):
    model, clip, _ = sd1
    umap, cmap = _maps(model, clip)
    gn_stem = _kohya(GN + ".weight")
    te_stem = "lora_te_text_model_final_layer_norm"
    sd = {f"{gn_stem}.w_norm": _rand(32), f"{gn_stem}.b_norm": _rand(32),
          f"{te_stem}.w_norm": _rand(32), f"{te_stem}.b_norm": _rand(32),
          f"{_kohya(TO_K)}.diff": _rand(32, 32),
          "lora_unet_input_blocks_1_1_proj_in.diff_b": _rand(32)}
    mp, cp, unmatched = convert_lora(sd, umap, cmap)
    assert unmatched == []
    assert set(mp) == {GN + ".weight", GN + ".bias", TO_K, "input_blocks.1.1.proj_in.bias"}
    assert set(cp) == {"clip_l.text_model.final_layer_norm.weight", "clip_l.text_model.final_layer_norm.bias"}
    assert all(isinstance(p, DiffPatch) for p in [*mp.values(), *cp.values()])
    assert mp[GN + ".bias"].diff is sd[f"{gn_stem}.b_norm"]
    assert cp["clip_l.text_model.final_layer_norm.bias"].diff is sd[f"{te_stem}.b_norm"]
    bias0 = model.unet.get_parameter(GN + ".bias").detach().clone()
    h = model.clone()
    assert h.add_patches(mp, 0.5) == []
    with h.patcher.use() as unet:
        assert torch.allclose(unet.get_parameter(GN + ".bias"), bias0 + 0.5 * sd[f"{gn_stem}.b_norm"], atol=1e-6)
    c = clip.clone()
    assert c.add_patches(cp, 1.0) == []
    assert not torch.allclose(c.encode("a cat")[0][0], clip.encode("a cat")[0][0], atol=1e-5)


# ------------------------------------------------------------------ whole file on the tiny SD1
def _lycoris_file(model, clip) -> dict[str, torch.Tensor]:
    sd: dict[str, torch.Tensor] = {}
    s = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"  # LoHa, diffusers kohya name
    sd.update({f"{s}.hada_w1_a": _rand(32, 2), f"{s}.hada_w1_b": _rand(2, 32), f"{s}.hada_w2_a": _rand(32, 2),
               f"{s}.hada_w2_b": _rand(2, 32), f"{s}.alpha": torch.tensor(1.0)})
    s = _kohya(CONV)  # LoHa Tucker, LDM kohya name, no alpha
    sd.update({f"{s}.hada_t1": _rand(2, 2, 3, 3), f"{s}.hada_t2": _rand(2, 2, 3, 3), f"{s}.hada_w1_a": _rand(2, 32),
               f"{s}.hada_w1_b": _rand(2, 32), f"{s}.hada_w2_a": _rand(2, 32), f"{s}.hada_w2_b": _rand(2, 32)})
    s = "lycoris_input_blocks_1_1_transformer_blocks_0_ff_net_0_proj"  # LoKr + DoRA
    sd.update({f"{s}.lokr_w1": _rand(16, 4), f"{s}.lokr_w2_a": _rand(16, 2), f"{s}.lokr_w2_b": _rand(2, 8),
               f"{s}.alpha": torch.tensor(2.0), f"{s}.dora_scale": _rand(1, 32).abs() + 0.5})
    s = _kohya(CONV_UP)  # LoKr Tucker conv
    sd.update({f"{s}.lokr_w1": _rand(8, 4), f"{s}.lokr_w2_a": _rand(2, 8), f"{s}.lokr_w2_b": _rand(2, 8),
               f"{s}.lokr_t2": _rand(2, 2, 3, 3), f"{s}.alpha": torch.tensor(2.0)})
    s = "lora_unet_down_blocks_0_attentions_0_proj_in"  # LoRA + DoRA (output axis) on a 1x1 conv
    sd.update({f"{s}.lora_up.weight": _rand(32, 2, 1, 1), f"{s}.lora_down.weight": _rand(2, 32, 1, 1),
               f"{s}.alpha": torch.tensor(2.0), f"{s}.dora_scale": _rand(32, 1, 1, 1).abs() + 0.5})
    s = _kohya(GN + ".weight")
    sd.update({f"{s}.w_norm": _rand(32), f"{s}.b_norm": _rand(32)})
    s = "lora_te_text_model_encoder_layers_0_self_attn_q_proj"  # LoHa on the text encoder
    sd.update({f"{s}.hada_w1_a": _rand(32, 2), f"{s}.hada_w1_b": _rand(2, 32), f"{s}.hada_w2_a": _rand(32, 2),
               f"{s}.hada_w2_b": _rand(2, 32), f"{s}.alpha": torch.tensor(2.0)})
    return sd


def test_lycoris_file_patches_tiny_sd1_and_restores_bit_exactly(sd1, tmp_path):
    from nodes.lora import apply_lora

    model, clip, _ = sd1
    path = tmp_path / "lyco.safetensors"
    save_file(_lycoris_file(model, clip), str(path))
    lora = load_file(str(path))
    before = {k: v.clone() for k, v in model.unet.state_dict().items()}
    g = torch.Generator().manual_seed(7)
    x, t, ctx = torch.randn(2, 4, 8, 8, generator=g), torch.tensor([10, 700]), torch.randn(2, 77, 32, generator=g)
    base = model.apply_model(x, t, ctx)
    base_text = clip.encode("a photo of a dog")[0][0]

    m1, c1, unmatched = apply_lora(model, clip, lora, 1.0, 1.0, "lyco.safetensors")  # the LoraLoader path
    assert unmatched == []
    assert sorted(m1.patcher.patches) == sorted([TO_K, CONV, FF, CONV_UP, PROJ_IN, GN + ".weight", GN + ".bias"])
    assert [type(m1.patcher.patches[k][0][1]).__name__ for k in (TO_K, CONV, FF, CONV_UP, PROJ_IN)] == \
        ["LohaPatch", "LohaPatch", "DoraPatch", "LokrPatch", "DoraPatch"]
    out = m1.apply_model(x, t, ctx)
    assert not torch.allclose(out, base, atol=1e-4)
    assert not torch.allclose(c1.encode("a photo of a dog")[0][0], base_text, atol=1e-5)
    # a different strength gives a different output; the weights are patched as W + s * delta
    m_half, _, _ = apply_lora(model, clip, lora, 0.5, 0.0, "lyco")
    assert not torch.allclose(m_half.apply_model(x, t, ctx), out, atol=1e-4)
    with m_half.patcher.use() as unet:
        patch = m_half.patcher.patches[CONV][0][1]
        assert torch.allclose(unet.get_parameter(CONV), before[CONV] + 0.5 * patch.delta(before[CONV]), atol=1e-6)

    # after every call the shared module holds the original weights, bit for bit
    after = model.unet.state_dict()
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert torch.equal(model.apply_model(x, t, ctx), base)
    assert torch.equal(clip.encode("a photo of a dog")[0][0], base_text)
    # strength 0: the node passes the handles through; patches added at strength 0 change nothing either
    m0, c0, _ = apply_lora(model, clip, lora, 0.0, 0.0, "lyco")
    assert m0 is model and c0 is clip
    mp, _, _ = convert_lora(lora, *_maps(model, clip))
    z = model.clone()
    z.add_patches(mp, 0.0)
    assert torch.equal(z.apply_model(x, t, ctx), base)
    with z.patcher.use() as unet:
        assert all(torch.equal(v, before[k]) for k, v in unet.state_dict().items())


# ------------------------------------------------------------------ what is not used is reported
def test_incomplete_or_unused_lycoris_keys_are_reported(sd1, caplog):
    model, clip, _ = sd1
    ff, conv, to_k = _kohya(FF), _kohya(CONV), _kohya(TO_K)
    proj = _kohya(PROJ_IN)
    sd = {
        "lora_unet_no_such_layer.hada_w1_a": _rand(4, 2), "lora_unet_no_such_layer.hada_w1_b": _rand(2, 4),
        "lora_unet_no_such_layer.hada_w2_a": _rand(4, 2), "lora_unet_no_such_layer.hada_w2_b": _rand(2, 4),
        # a LoHa without hada_w2_b is not a patch
        f"{ff}.hada_w1_a": _rand(256, 2), f"{ff}.hada_w1_b": _rand(2, 32), f"{ff}.hada_w2_a": _rand(256, 2),
        # LoKr without a second factor, Tucker LoHa with one core
        f"{conv}.lokr_w1": _rand(4, 4),
        f"{proj}.hada_w1_a": _rand(2, 32), f"{proj}.hada_w1_b": _rand(2, 32), f"{proj}.hada_w2_a": _rand(2, 32),
        f"{proj}.hada_w2_b": _rand(2, 32), f"{proj}.hada_t1": _rand(2, 2, 1, 1),
        # a full diff wins over a LoRA of the same layer (as in ComfyUI): the LoRA's keys, alpha
        # and dora_scale are left unused
        f"{to_k}.diff": _rand(32, 32), f"{to_k}.lora_up.weight": _rand(32, 2), f"{to_k}.lora_down.weight": _rand(2, 32),
        f"{to_k}.alpha": torch.tensor(1.0), f"{to_k}.dora_scale": _rand(1, 32),
    }
    with caplog.at_level(logging.WARNING):
        mp, cp, unmatched = convert_lora(sd, *_maps(model, clip), name="broken_lyco.safetensors")
    assert set(mp) == {TO_K} and isinstance(mp[TO_K], DiffPatch) and cp == {}
    assert unmatched == sorted(k for k in sd if k != f"{to_k}.diff")
    assert "broken_lyco.safetensors" in caplog.text and "hada_w1_a" in caplog.text


def test_a_lycoris_patch_of_the_wrong_shape_names_weight_and_layer(sd1):
    model, clip, _ = sd1
    stem = _kohya(TO_K)
    sd = {f"{stem}.hada_w1_a": _rand(48, 2), f"{stem}.hada_w1_b": _rand(2, 32), f"{stem}.hada_w2_a": _rand(48, 2),
          f"{stem}.hada_w2_b": _rand(2, 32)}
    mp, _, unmatched = convert_lora(sd, *_maps(model, clip))
    assert unmatched == []
    h = model.clone()
    h.add_patches(mp, 1.0)
    before = model.unet.get_parameter(TO_K).detach().clone()
    with pytest.raises(ValueError, match=rf"{TO_K}.*LoHa '{stem}'.*\[48, 32\].*\[32, 32\]"):
        h.apply_model(torch.zeros(1, 4, 8, 8), torch.tensor([1]), torch.zeros(1, 77, 32))
    assert torch.equal(model.unet.get_parameter(TO_K), before)
    lokr = LokrPatch(w1=_rand(3, 3), w2=_rand(5, 5), name="lycoris_x")
    with pytest.raises(ValueError, match=r"LoKr 'lycoris_x'.*\[15, 15\].*\[32, 32\]"):
        lokr.delta(before)
