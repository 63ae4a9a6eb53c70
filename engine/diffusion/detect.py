"""Model detection from key names and tensor shapes (checkpoints.md §2, §3).

Everything here works on a key -> shape function, so a whole checkpoint is
classified without reading its tensor data (the one exception is the SD2
v-prediction test, which reads one small bias vector).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable

import torch

from engine.diffusion.families import (
    BASE_FAMILIES, SD2_V, Family, get_family, inpaint_variant, match_family,
)
from engine.diffusion.models.unet import UNetConfig
from engine.diffusion.models.vae import VAEConfig

ShapeOf = Callable[[str], tuple]

UNET_PREFIXES = ("model.diffusion_model.", "model.model.", "net.")
SDXL_ADM_EXTRA = 6 * 256   # height, width, crop_h, crop_w, target_height, target_width
REFINER_ADM_EXTRA = 5 * 256  # height, width, crop_h, crop_w, aesthetic_score
V_PRED_BIAS_STD = 0.09


class DetectionError(ValueError):
    """The keys/shapes do not describe a model we know; message says what was found."""


def unet_prefix(keys: Iterable[str]) -> str:
    """Most frequent UNet prefix if it has more than 5 keys, else 'model.' (ComfyUI's rule)."""
    counts = dict.fromkeys(UNET_PREFIXES, 0)
    for k in keys:
        for p in UNET_PREFIXES:
            if k.startswith(p):
                counts[p] += 1
                break
    best = max(counts, key=counts.get)
    return best if counts[best] > 5 else "model."


def _count_transformer_blocks(keys: set[str], block: str) -> int:
    pat = re.compile(re.escape(block) + r"\.transformer_blocks\.(\d+)\.")
    idx = {int(m.group(1)) for k in keys if (m := pat.match(k))}
    return (max(idx) + 1) if idx else 0


def _block_indices(keys: set[str], prefix: str) -> list[int]:
    pat = re.compile(re.escape(prefix) + r"(\d+)\.")
    return sorted({int(m.group(1)) for k in keys if (m := pat.match(k))})


def detect_unet_config(keys: Iterable[str], shape: ShapeOf, prefix: str = "") -> UNetConfig:
    """Derive the UNetConfig of an LDM UNet from its keys and shapes.

    Raises DetectionError when the keys are not an LDM UNet or its depths are not
    uniform within a resolution level (layouts this engine does not build).
    """
    ks = {k[len(prefix):] for k in keys if k.startswith(prefix)}
    if "input_blocks.0.0.weight" not in ks:
        raise DetectionError("no LDM UNet found (missing input_blocks.0.0.weight)")
    w0 = shape("input_blocks.0.0.weight")
    model_channels, in_channels = int(w0[0]), int(w0[1])
    out_channels = int(shape("out.2.weight")[0]) if "out.2.weight" in ks else 4
    adm = int(shape("label_emb.0.0.weight")[1]) if "label_emb.0.0.weight" in ks else None

    channel_mult: list[int] = []
    depth_in: list[int] = []
    res_per_level: list[int] = []
    context_dim = None
    linear = False
    cur_res, cur_depths, cur_mult = 0, [], None
    for i in _block_indices(ks, "input_blocks.")[1:]:
        b = f"input_blocks.{i}"
        if f"{b}.0.op.weight" in ks or f"{b}.0.op.bias" in ks:
            channel_mult.append(cur_mult)
            res_per_level.append(cur_res)
            depth_in.append(_uniform(cur_depths, f"input level {len(depth_in)}"))
            cur_res, cur_depths = 0, []
            continue
        if f"{b}.0.in_layers.0.weight" not in ks:
            raise DetectionError(f"unrecognised input block {b} (neither ResBlock nor downsample)")
        cur_res += 1
        out_ch = int(shape(f"{b}.0.out_layers.3.weight")[0])
        if out_ch % model_channels:
            raise DetectionError(f"{b}: {out_ch} channels is not a multiple of model_channels {model_channels}")
        cur_mult = out_ch // model_channels
        depth = _count_transformer_blocks(ks, f"{b}.1")
        cur_depths.append(depth)
        if depth and context_dim is None:
            context_dim = int(shape(f"{b}.1.transformer_blocks.0.attn2.to_k.weight")[1])
            linear = len(shape(f"{b}.1.proj_in.weight")) == 2
    if cur_res:
        channel_mult.append(cur_mult)
        res_per_level.append(cur_res)
        depth_in.append(_uniform(cur_depths, f"input level {len(depth_in)}"))
    if not channel_mult:
        raise DetectionError("UNet has no input ResBlocks")
    num_res_blocks = _uniform(res_per_level, "num_res_blocks")

    if "middle_block.0.in_layers.0.weight" not in ks:
        depth_mid = -2
    else:
        depth_mid = _count_transformer_blocks(ks, "middle_block.1") or -1
        if depth_mid > 0 and context_dim is None:
            context_dim = int(shape("middle_block.1.transformer_blocks.0.attn2.to_k.weight")[1])
            linear = len(shape("middle_block.1.proj_in.weight")) == 2
    if depth_mid == -2:
        raise DetectionError("UNet without a middle block is not supported")

    # Output side: levels in reverse, num_res_blocks + 1 blocks each.
    per = num_res_blocks + 1
    out_idx = _block_indices(ks, "output_blocks.")
    if len(out_idx) != per * len(channel_mult):
        raise DetectionError(
            f"expected {per * len(channel_mult)} output blocks for {len(channel_mult)} levels, found {len(out_idx)}")
    depth_out_rev = []
    for lvl in range(len(channel_mult)):
        depths = [_count_transformer_blocks(ks, f"output_blocks.{lvl * per + j}.1") for j in range(per)]
        depth_out_rev.append(_uniform(depths, f"output level {len(channel_mult) - 1 - lvl}"))
    depth_out = tuple(reversed(depth_out_rev))

    if context_dim is None:
        raise DetectionError("UNet has no cross-attention layers (no text context)")
    linear_fam = linear
    return UNetConfig(
        in_channels=in_channels, out_channels=out_channels, model_channels=model_channels,
        channel_mult=tuple(channel_mult), num_res_blocks=num_res_blocks,
        transformer_depth=tuple(depth_in),
        transformer_depth_output=None if depth_out == tuple(depth_in) else depth_out,
        transformer_depth_middle=depth_mid, context_dim=context_dim,
        num_heads=8 if not linear_fam else -1, num_head_channels=-1 if not linear_fam else 64,
        use_linear_in_transformer=linear, adm_in_channels=adm,
    )


def _uniform(values: list[int], what: str) -> int:
    if not values:
        return 0
    if any(v != values[0] for v in values):
        raise DetectionError(f"non-uniform {what}: {values}")
    return values[0]


def last_attention_norm_bias_key(keys: Iterable[str], prefix: str = "") -> str | None:
    """The v-prediction probe: norm1.bias of the first transformer block of the last output block
    with attention (output_blocks.11.1 in full-size SD2, as ComfyUI reads)."""
    pat = re.compile(re.escape(prefix) + r"output_blocks\.(\d+)\.1\.transformer_blocks\.0\.norm1\.bias$")
    found = [(int(m.group(1)), k) for k in keys if (m := pat.match(k))]
    return max(found)[1] if found else None


def is_v_prediction_sd2(bias: torch.Tensor) -> bool:
    """ComfyUI's SD2 rule: population std of that bias > 0.09 -> v-prediction."""
    return float(bias.float().std(unbiased=False)) > V_PRED_BIAS_STD


def family_for(cfg: UNetConfig, keys: set[str], read: Callable[[str], torch.Tensor], prefix: str) -> Family:
    """Pick the family of a detected UNet.

    Full-size models (model_channels >= 320) must match one of ComfyUI's classes
    (families.match_family).  Small test models are matched by structure: conv
    projections and no ADM -> sd1; linear and no ADM -> sd2; ADM width equal to
    context_dim + 5*256 (pooled == context for the bigG-only refiner) -> sdxl_refiner,
    otherwise ADM -> sdxl.  SD2 v vs eps: std rule above.  SDXL v-prediction: key
    'v_pred' in the file ('ztsnr' adds zero-terminal-SNR sigmas, see zero_terminal_snr()).
    EDM models (edm_* keys) are refused.
    """
    if "edm_mean" in keys or "edm_std" in keys or "edm_vpred.sigma_max" in keys:
        raise DetectionError("EDM-parameterised SDXL model (edm_* keys, e.g. Playground 2.5) is not supported")
    v_pred = False
    if cfg.in_channels <= 4:
        if cfg.adm_in_channels is None and cfg.use_linear_in_transformer:
            probe = last_attention_norm_bias_key(keys, prefix)
            v_pred = probe is not None and is_v_prediction_sd2(read(probe))
        elif cfg.adm_in_channels is not None:
            v_pred = "v_pred" in keys
    if cfg.model_channels >= 320:
        fam = match_family(cfg, v_prediction=v_pred)
        if fam is None:
            raise DetectionError(
                f"unknown UNet architecture: model_channels={cfg.model_channels}, context_dim={cfg.context_dim}, "
                f"linear_proj={cfg.use_linear_in_transformer}, adm_in_channels={cfg.adm_in_channels}, "
                f"channel_mult={cfg.channel_mult}, transformer_depth={cfg.transformer_depth}")
        return fam
    if cfg.adm_in_channels is None:
        name = "sd2" if cfg.use_linear_in_transformer else "sd1"
        if name == "sd2" and v_pred:
            name = "sd2_v"
    else:
        if not cfg.use_linear_in_transformer:
            raise DetectionError(f"unknown UNet architecture: ADM input ({cfg.adm_in_channels}) with conv projections")
        name = "sdxl_refiner" if cfg.adm_in_channels == cfg.context_dim + REFINER_ADM_EXTRA else "sdxl"
    fam = dataclasses.replace(BASE_FAMILIES[name], unet_config=cfg)
    if v_pred and name.startswith("sdxl"):
        fam = dataclasses.replace(fam, prediction="v")
    if cfg.in_channels > 4:
        fam = inpaint_variant(fam, cfg.in_channels)
    return fam


def zero_terminal_snr(keys: Iterable[str]) -> bool:
    """ComfyUI: a 'ztsnr' key marks a model trained with zero-terminal-SNR sigmas."""
    return "ztsnr" in set(keys)


# --------------------------------------------------------------------------- VAE
VAE_DIFFUSERS_PROBE = "decoder.up_blocks.0.resnets.0.norm1.weight"
VAE_LDM_PROBE = "decoder.up.0.block.0.norm1.weight"


def detect_vae_config(keys: Iterable[str], shape: ShapeOf) -> VAEConfig:
    """VAEConfig of an LDM-named AutoencoderKL state dict (no prefix)."""
    ks = set(keys)
    for need in ("encoder.conv_in.weight", "decoder.conv_in.weight", "post_quant_conv.weight"):
        if need not in ks:
            raise DetectionError(f"not an AutoencoderKL (missing {need})")
    ch = int(shape("encoder.conv_in.weight")[0])
    levels = _block_indices(ks, "encoder.down.")
    mult = []
    for lvl in levels:
        out = int(shape(f"encoder.down.{lvl}.block.0.conv2.weight")[0])
        mult.append(out // ch)
    nrb = len(_block_indices(ks, "encoder.down.0.block."))
    z = int(shape("decoder.conv_in.weight")[1])
    enc_out = int(shape("encoder.conv_out.weight")[0])
    return VAEConfig(
        in_channels=int(shape("encoder.conv_in.weight")[1]),
        out_ch=int(shape("decoder.conv_out.weight")[0]),
        ch=ch, ch_mult=tuple(mult), num_res_blocks=nrb, z_channels=z,
        embed_dim=int(shape("post_quant_conv.weight")[1]), double_z=enc_out == 2 * z,
    )


def looks_like_lora(keys: Iterable[str]) -> bool:
    for k in keys:
        if (".lora_up." in k or ".lora_down." in k or ".lora_A." in k or ".lora_B." in k
                or k.startswith(("lora_unet_", "lora_te")) or ".lora.up." in k):
            return True
    return False


def describe_keys(keys: Iterable[str], limit: int = 6) -> str:
    """Short summary of a state dict's top-level key groups, for error messages."""
    groups: dict[str, int] = {}
    for k in keys:
        parts = k.split(".")
        g = ".".join(parts[:2]) if len(parts) > 2 else parts[0]
        groups[g] = groups.get(g, 0) + 1
    items = sorted(groups.items(), key=lambda kv: -kv[1])[:limit]
    total = sum(groups.values())
    return f"{total} tensors; most common key groups: " + ", ".join(f"{g}.* ({n})" for g, n in items)


__all__ = [
    "DetectionError", "unet_prefix", "detect_unet_config", "family_for", "detect_vae_config",
    "looks_like_lora", "describe_keys", "is_v_prediction_sd2", "last_attention_norm_bias_key",
    "get_family", "SD2_V",
]
