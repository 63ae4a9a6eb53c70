"""Tiny random checkpoints, VAEs and LoRAs in the exact real key layouts.

Deterministic from a seed, a few MB each, written as .safetensors.  Used by the
tests and by the newcomer smoke command (the pictures they make are noise).

Shapes (heads are not stored in weights; the loader uses the family's rule:
8 heads for SD1, 64-wide heads for SD2/SDXL):

=============  ==============  ============  =========  ==============  =====================
family         model_channels  channel_mult  attention  context_dim     ADM (label_emb input)
=============  ==============  ============  =========  ==============  =====================
sd1            32              (1, 2)        (1, 1)     32 (clip_l)     -
sd1_inpaint    same, 9 input channels
sd2_v          64              (1, 1)        (1, 1)     32 (open_clip_h) -  (v: norm1.bias std 0.1)
sdxl           64              (1, 1)        (0, 1)     80 (32 + 48)    48 + 6*256 = 1584
sdxl_refiner   64              (1, 1)        (0, 1)     48 (bigG)       48 + 5*256 = 1328
=============  ==============  ============  =========  ==============  =====================

The VAE is KL-f8 shaped (4 levels, so 8x downscale) with ch 32, ch_mult (1, 1, 2, 2)
and one ResBlock per level.  SD2 v-prediction is decided the way ComfyUI does
(population std of the last attention output block's ``norm1.bias`` > 0.09): the
writer sets that std to 0.1 for ``sd2_v`` and 0.05 for ``sd2``.
"""
from __future__ import annotations

import dataclasses
import math
import os

import torch
from safetensors.torch import save_file

from engine.diffusion.models.unet import UNetConfig, UNetModel
from engine.diffusion.models.vae import AutoencoderKL, VAEConfig
from engine.diffusion.tiny_clip import TINY_SHAPES, tiny_text_encoder_state_dict

TINY_VAE = VAEConfig(ch=32, ch_mult=(1, 1, 2, 2), num_res_blocks=1)

_CLIP_L_W = TINY_SHAPES["clip_l"][0]
_CLIP_H_W = TINY_SHAPES["open_clip_h"][0]
_CLIP_G_W = TINY_SHAPES["open_clip_g"][0]

TINY_UNETS: dict[str, UNetConfig] = {
    "sd1": UNetConfig(model_channels=32, channel_mult=(1, 2), num_res_blocks=1, transformer_depth=(1, 1),
                      transformer_depth_middle=1, context_dim=_CLIP_L_W, num_heads=8, num_head_channels=-1,
                      use_linear_in_transformer=False),
    "sd2": UNetConfig(model_channels=64, channel_mult=(1, 1), num_res_blocks=1, transformer_depth=(1, 1),
                      transformer_depth_middle=1, context_dim=_CLIP_H_W, num_head_channels=64,
                      use_linear_in_transformer=True),
    "sdxl": UNetConfig(model_channels=64, channel_mult=(1, 1), num_res_blocks=1, transformer_depth=(0, 1),
                       transformer_depth_middle=1, context_dim=_CLIP_L_W + _CLIP_G_W, num_head_channels=64,
                       use_linear_in_transformer=True, adm_in_channels=_CLIP_G_W + 6 * 256),
    "sdxl_refiner": UNetConfig(model_channels=64, channel_mult=(1, 1), num_res_blocks=1,
                               transformer_depth=(0, 1), transformer_depth_middle=1, context_dim=_CLIP_G_W,
                               num_head_channels=64, use_linear_in_transformer=True,
                               adm_in_channels=_CLIP_G_W + 5 * 256),
}
TINY_FAMILIES = ("sd1", "sd2", "sd2_v", "sdxl", "sdxl_refiner", "sd1_inpaint", "sd2_inpaint", "sdxl_inpaint")

# text encoders per base family: (tiny_clip kind, checkpoint prefix)
_TEXT = {
    "sd1": [("clip_l", "cond_stage_model.transformer.")],
    "sd2": [("open_clip_h", "cond_stage_model.model.")],
    "sdxl": [("clip_l", "conditioner.embedders.0.transformer."), ("open_clip_g", "conditioner.embedders.1.model.")],
    "sdxl_refiner": [("open_clip_g", "conditioner.embedders.0.model.")],
}


def _base_of(family: str) -> tuple[str, bool, bool]:
    """(base unet family, inpaint, v_prediction)."""
    if family not in TINY_FAMILIES:
        raise ValueError(f"unknown tiny family {family!r}; one of {', '.join(TINY_FAMILIES)}")
    inpaint = family.endswith("_inpaint")
    name = family.removesuffix("_inpaint")
    v = name == "sd2_v"
    return ("sd2" if v else name), inpaint, v


def tiny_unet_config(family: str) -> UNetConfig:
    base, inpaint, _ = _base_of(family)
    cfg = TINY_UNETS[base]
    return dataclasses.replace(cfg, in_channels=9) if inpaint else cfg


def _random_like(shapes: dict[str, tuple], seed: int) -> dict[str, torch.Tensor]:
    """Deterministic random tensors: weights ~ N(0, 1/fan_in), norm scales ~ 1, biases small."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key in sorted(shapes):
        shape = shapes[key]
        n = torch.randn(shape, generator=g)
        name = key.rsplit(".", 1)[-1]
        is_norm = "norm" in key or ".ln_" in key
        if name == "bias":
            t = n * 0.02
        elif is_norm and len(shape) == 1:
            t = 1.0 + 0.1 * n
        elif len(shape) >= 2:
            fan_in = math.prod(shape[1:])
            t = n / math.sqrt(fan_in)
        else:
            t = n * 0.02
        out[key] = t.contiguous()
    return out


def _shapes(module: torch.nn.Module) -> dict[str, tuple]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def tiny_unet_state_dict(family: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """UNet tensors (LDM names, no prefix) of a tiny family."""
    base, _, v = _base_of(family)
    cfg = tiny_unet_config(family)
    with torch.device("meta"):
        shapes = _shapes(UNetModel(cfg))
    sd = _random_like(shapes, seed)
    if base == "sd2":
        # ComfyUI's v-prediction probe: std of the last attention output block's norm1.bias
        last = max(int(k.split(".")[1]) for k in sd
                   if k.startswith("output_blocks.") and ".1.transformer_blocks.0.norm1.bias" in k)
        key = f"output_blocks.{last}.1.transformer_blocks.0.norm1.bias"
        b = torch.randn(sd[key].shape, generator=torch.Generator().manual_seed(seed + 7))
        b = (b - b.mean()) / b.std(unbiased=False)
        sd[key] = b * (0.1 if v else 0.05)
    return sd


def tiny_vae_state_dict(seed: int = 0, config: VAEConfig = TINY_VAE) -> dict[str, torch.Tensor]:
    """AutoencoderKL tensors (LDM names, no prefix)."""
    with torch.device("meta"):
        shapes = _shapes(AutoencoderKL(config))
    return _random_like(shapes, seed)


def tiny_checkpoint_state_dict(family: str = "sd1", seed: int = 0) -> dict[str, torch.Tensor]:
    """A whole single-file checkpoint's tensors in the real key layout."""
    base, _, _ = _base_of(family)
    sd = {"model.diffusion_model." + k: v for k, v in tiny_unet_state_dict(family, seed).items()}
    sd.update({"first_stage_model." + k: v for k, v in tiny_vae_state_dict(seed + 1).items()})
    for i, (kind, prefix) in enumerate(_TEXT[base]):
        sd.update(tiny_text_encoder_state_dict(kind, prefix, seed + 2 + i))
    if base in ("sd1", "sd2"):
        # LDM training leftovers that real files carry; the loader ignores them.
        betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
        sd["alphas_cumprod"] = torch.cumprod(1 - betas, 0).float()
    return sd


def _save(sd: dict[str, torch.Tensor], path: str, dtype: torch.dtype | None, metadata: dict | None = None) -> str:
    if dtype is not None:
        sd = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items()}
    sd = {k: v.contiguous() for k, v in sd.items()}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    save_file(sd, tmp, metadata=metadata)
    os.replace(tmp, path)
    return path


def write_tiny_checkpoint(path: str, family: str = "sd1", seed: int = 0,
                          dtype: torch.dtype | None = torch.float16) -> str:
    """Write a tiny random checkpoint (sd1 | sd2 | sd2_v | sdxl | sdxl_refiner | *_inpaint)."""
    sd = tiny_checkpoint_state_dict(family, seed)
    return _save(sd, path, dtype, {"format": "pt", "sdflow_tiny": family})


# --------------------------------------------------------------------- VAE files
def vae_ldm_to_diffusers_key(key: str, levels: int) -> str:
    """LDM AutoencoderKL key -> diffusers AutoencoderKL key (inverse of the loader's conversion)."""
    p = key.split(".")
    res_ren = {"nin_shortcut": "conv_shortcut"}
    attn_ren = {"norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"}
    if p[0] in ("encoder", "decoder"):
        side, rest = p[0], p[1:]
        if rest[0] == "norm_out":
            return ".".join([side, "conv_norm_out"] + rest[1:])
        if rest[0] == "mid":
            if rest[1] == "attn_1":
                return ".".join([side, "mid_block.attentions.0", attn_ren[rest[2]]] + rest[3:])
            j = int(rest[1].split("_")[1]) - 1
            return ".".join([side, f"mid_block.resnets.{j}", res_ren.get(rest[2], rest[2])] + rest[3:])
        if rest[0] in ("down", "up"):
            i = int(rest[1])
            blk = "down_blocks" if rest[0] == "down" else "up_blocks"
            if rest[0] == "up":
                i = levels - 1 - i
            if rest[2] == "block":
                return ".".join([side, f"{blk}.{i}.resnets.{rest[3]}", res_ren.get(rest[4], rest[4])] + rest[5:])
            if rest[2] in ("downsample", "upsample"):
                kind = "downsamplers" if rest[2] == "downsample" else "upsamplers"
                return ".".join([side, f"{blk}.{i}.{kind}.0"] + rest[3:])
    return key


def write_tiny_vae(path: str, seed: int = 0, layout: str = "ldm", dtype: torch.dtype | None = torch.float16) -> str:
    """A tiny VAE file: layout "ldm" (encoder.down.0...) or "diffusers" (encoder.down_blocks.0...,
    attention as Linear weights)."""
    sd = tiny_vae_state_dict(seed)
    if layout == "diffusers":
        levels = len(TINY_VAE.ch_mult)
        conv = {}
        for k, v in sd.items():
            nk = vae_ldm_to_diffusers_key(k, levels)
            if ".mid_block.attentions.0." in nk and nk.endswith(".weight") and v.ndim == 4:
                v = v.reshape(v.shape[0], v.shape[1])
            conv[nk] = v
        sd = conv
    elif layout != "ldm":
        raise ValueError(f"unknown VAE layout {layout!r} (ldm | diffusers)")
    return _save(sd, path, dtype)


# --------------------------------------------------------------------- LoRA files
def _lora_targets(family: str) -> tuple[list[tuple[str, tuple]], list[tuple[str, tuple]]]:
    """(UNet LDM stems with weight shapes, HF text stems with shapes) a tiny LoRA touches."""
    from engine.diffusion.families import get_family
    cfg = tiny_unet_config(family)
    with torch.device("meta"):
        shapes = _shapes(UNetModel(cfg))
    unet = [(k[: -len(".weight")], s) for k, s in sorted(shapes.items())
            if k.endswith(".weight") and (".attn1.to_" in k or ".attn2.to_" in k or ".proj_in." in k
                                          or ".ff.net." in k)]
    base, _, _ = _base_of(family)
    text = []
    for kind, _ in _TEXT[base]:
        width, layers = TINY_SHAPES[kind]
        enc = {"clip_l": "clip_l", "open_clip_h": "clip_h", "open_clip_g": "clip_g"}[kind]
        for n in range(layers):
            for mod, shp in (("self_attn.q_proj", (width, width)), ("self_attn.v_proj", (width, width)),
                             ("mlp.fc1", (4 * width, width))):
                text.append((f"{enc}:text_model.encoder.layers.{n}.{mod}", shp))
    del get_family
    return unet, text


def tiny_lora_state_dict(family: str = "sd1", seed: int = 0, fmt: str = "kohya", rank: int = 4,
                         alpha: float | None = 2.0) -> dict[str, torch.Tensor]:
    """A tiny LoRA for the tiny checkpoint of ``family``.

    fmt "kohya": lora_unet_<diffusers name>.lora_up/lora_down/alpha and lora_te_ (SDXL:
    lora_te1_/lora_te2_) for the text encoders.  fmt "peft": unet.<diffusers name>.lora_A/lora_B
    and text_encoder(_2).<HF name>.lora_A/lora_B (no alpha, as diffusers saves them).
    """
    from engine.diffusion.lora import unet_ldm_to_diffusers
    cfg = tiny_unet_config(family)
    unet, text = _lora_targets(family)
    base, _, _ = _base_of(family)
    g = torch.Generator().manual_seed(seed)
    sd: dict[str, torch.Tensor] = {}

    def pair(stem: str, shape: tuple) -> None:
        out_f, in_f = shape[0], math.prod(shape[1:])
        down = torch.randn((rank, in_f), generator=g) * 0.1
        up = torch.randn((out_f, rank), generator=g) * 0.1
        if len(shape) == 4:  # 1x1 conv (SD1 proj_in)
            down = down.reshape(rank, shape[1], *shape[2:])
            up = up.reshape(out_f, rank, 1, 1)
        if fmt == "kohya":
            sd[f"{stem}.lora_down.weight"], sd[f"{stem}.lora_up.weight"] = down, up
            if alpha is not None:
                sd[f"{stem}.alpha"] = torch.tensor(float(alpha))
        else:
            sd[f"{stem}.lora_A.weight"], sd[f"{stem}.lora_B.weight"] = down, up

    for ldm, shape in unet:
        diff = unet_ldm_to_diffusers(ldm + ".weight", cfg.num_res_blocks)[: -len(".weight")]
        pair(f"lora_unet_{diff.replace('.', '_')}" if fmt == "kohya" else f"unet.{diff}", shape)
    encoders = [e for e, _ in _TEXT[base]]
    for enc_stem, shape in text:
        enc, hf = enc_stem.split(":")
        if fmt == "kohya":
            if len(encoders) == 1:
                prefix = "lora_te_"
            else:
                prefix = "lora_te1_" if enc == "clip_l" else "lora_te2_"
            pair(prefix + hf.replace(".", "_"), shape)
        else:
            prefix = "text_encoder_2." if (enc == "clip_g" and len(encoders) > 1) else "text_encoder."
            pair(prefix + hf, shape)
    if fmt not in ("kohya", "peft"):
        raise ValueError(f"unknown LoRA format {fmt!r} (kohya | peft)")
    return sd


def write_tiny_lora(path: str, family: str = "sd1", seed: int = 0, fmt: str = "kohya", rank: int = 4,
                    alpha: float | None = 2.0) -> str:
    return _save(tiny_lora_state_dict(family, seed, fmt, rank, alpha), path, None)


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.diffusion.tiny DIR [--family sd1] [--seed 0]``: write a tiny checkpoint."""
    import argparse
    ap = argparse.ArgumentParser(description="Write a tiny random checkpoint (its pictures are noise).")
    ap.add_argument("out_dir", nargs="?", default=os.path.join("models", "checkpoints"))
    ap.add_argument("--family", default="sd1", choices=TINY_FAMILIES)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    path = os.path.join(args.out_dir, f"tiny_{args.family}.safetensors")
    write_tiny_checkpoint(path, args.family, args.seed)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
