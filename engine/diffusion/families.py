"""Stable Diffusion families described as data (no branches on family names elsewhere).

Facts from ../shared/reference/checkpoints.md and golden/families.json (ComfyUI's
supported_models / latent_formats): latent scale factors, preview factors,
text-encoder defaults (CLIP skip, final norm, pad tokens), key prefixes and the
full-size UNet / VAE architectures.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from engine.diffusion.models.unet import UNetConfig
from engine.diffusion.models.vae import VAEConfig

START_TOKEN = 49406
END_TOKEN = 49407

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."


@dataclass(frozen=True)
class TextEncoderSpec:
    """One text encoder of a family and its defaults when no CLIPSetLastLayer is used."""

    name: str                       # "clip_l" | "clip_h" | "clip_g"
    checkpoint_prefix: str          # where its weights live in a single-file checkpoint
    layout: str                     # "hf" (transformers names) | "open_clip"
    num_layers: int
    width: int
    layer_idx: int | None           # None = last layer output ("last"); -2 = penultimate hidden state
    final_norm_on_hidden: bool      # apply final LayerNorm to a hidden-layer output
    pad_token: int
    projected_pooled: bool
    hidden_act: str                 # "quick_gelu" (CLIP-L) | "gelu" (OpenCLIP)
    start_token: int = START_TOKEN
    end_token: int = END_TOKEN


@dataclass(frozen=True)
class Family:
    name: str                       # "sd1" | "sd2" | "sd2_v" | "sdxl" | "sdxl_refiner" (+ "_inpaint")
    prediction: str                 # "eps" | "v"
    scale_factor: float
    latent_channels: int
    latent_rgb_factors: tuple       # 4 rows (latent channels) x 3 cols (RGB)
    latent_rgb_bias: tuple | None
    clip_skip_default: int          # layer index used by default: -1 last, -2 penultimate
    unet_config: UNetConfig = field(default_factory=UNetConfig)
    vae_config: VAEConfig = field(default_factory=VAEConfig)
    text_encoders: tuple[TextEncoderSpec, ...] = ()
    latent_format: str = "SD15"     # ComfyUI latent format class name
    taesd_decoder_name: str = "taesd_decoder"
    unet_prefix: str = UNET_PREFIX
    vae_prefix: str = VAE_PREFIX

    @property
    def is_inpaint(self) -> bool:
        return self.unet_config.in_channels > 4

    @property
    def context_dim(self) -> int | None:
        return self.unet_config.context_dim

    @property
    def adm_in_channels(self) -> int | None:
        return self.unet_config.adm_in_channels

    def pad_tokens(self) -> dict[str, int]:
        return {te.name: te.pad_token for te in self.text_encoders}

    def text_encoder(self, name: str) -> TextEncoderSpec:
        for te in self.text_encoders:
            if te.name == name:
                return te
        raise KeyError(f"family {self.name!r} has no text encoder {name!r}")


SD15_RGB_FACTORS = (
    (0.3512, 0.2297, 0.3227),
    (0.3250, 0.4974, 0.2350),
    (-0.2829, 0.1762, 0.2721),
    (-0.2120, -0.2616, -0.7177),
)
SDXL_RGB_FACTORS = (
    (0.3651, 0.4232, 0.4341),
    (-0.2533, -0.0042, 0.1068),
    (0.1076, 0.1111, -0.0362),
    (-0.3165, -0.2492, -0.2188),
)
SDXL_RGB_BIAS = (0.1084, -0.0175, -0.0011)

SD1_UNET = UNetConfig(
    model_channels=320, channel_mult=(1, 2, 4, 4), num_res_blocks=2,
    transformer_depth=(1, 1, 1, 0), transformer_depth_middle=1,
    context_dim=768, num_heads=8, num_head_channels=-1, use_linear_in_transformer=False,
)
SD2_UNET = dataclasses.replace(
    SD1_UNET, context_dim=1024, num_head_channels=64, use_linear_in_transformer=True,
)
SDXL_UNET = UNetConfig(
    model_channels=320, channel_mult=(1, 2, 4), num_res_blocks=2,
    transformer_depth=(0, 2, 10), transformer_depth_middle=10,
    context_dim=2048, num_head_channels=64, use_linear_in_transformer=True, adm_in_channels=2816,
)
SDXL_REFINER_UNET = UNetConfig(
    model_channels=384, channel_mult=(1, 2, 4, 4), num_res_blocks=2,
    transformer_depth=(0, 4, 4, 0), transformer_depth_middle=4,
    context_dim=1280, num_head_channels=64, use_linear_in_transformer=True, adm_in_channels=2560,
)
KL_F8_VAE = VAEConfig()

CLIP_L_SD1 = TextEncoderSpec(
    name="clip_l", checkpoint_prefix="cond_stage_model.transformer.", layout="hf",
    num_layers=12, width=768, layer_idx=None, final_norm_on_hidden=True,
    pad_token=END_TOKEN, projected_pooled=False, hidden_act="quick_gelu",
)
CLIP_H_SD2 = TextEncoderSpec(
    name="clip_h", checkpoint_prefix="cond_stage_model.model.", layout="open_clip",
    num_layers=24, width=1024, layer_idx=-2, final_norm_on_hidden=True,
    pad_token=0, projected_pooled=True, hidden_act="gelu",
)
CLIP_L_SDXL = TextEncoderSpec(
    name="clip_l", checkpoint_prefix="conditioner.embedders.0.transformer.", layout="hf",
    num_layers=12, width=768, layer_idx=-2, final_norm_on_hidden=False,
    pad_token=END_TOKEN, projected_pooled=True, hidden_act="quick_gelu",
)
CLIP_G_SDXL = TextEncoderSpec(
    name="clip_g", checkpoint_prefix="conditioner.embedders.1.model.", layout="open_clip",
    num_layers=32, width=1280, layer_idx=-2, final_norm_on_hidden=False,
    pad_token=0, projected_pooled=True, hidden_act="gelu",
)
CLIP_G_REFINER = dataclasses.replace(CLIP_G_SDXL, checkpoint_prefix="conditioner.embedders.0.model.")

SD1 = Family(
    name="sd1", prediction="eps", scale_factor=0.18215, latent_channels=4,
    latent_rgb_factors=SD15_RGB_FACTORS, latent_rgb_bias=None, clip_skip_default=-1,
    unet_config=SD1_UNET, vae_config=KL_F8_VAE, text_encoders=(CLIP_L_SD1,),
)
SD2 = dataclasses.replace(
    SD1, name="sd2", clip_skip_default=-2, unet_config=SD2_UNET, text_encoders=(CLIP_H_SD2,),
)
SD2_V = dataclasses.replace(SD2, name="sd2_v", prediction="v")
SDXL = Family(
    name="sdxl", prediction="eps", scale_factor=0.13025, latent_channels=4,
    latent_rgb_factors=SDXL_RGB_FACTORS, latent_rgb_bias=SDXL_RGB_BIAS, clip_skip_default=-2,
    unet_config=SDXL_UNET, vae_config=KL_F8_VAE, text_encoders=(CLIP_L_SDXL, CLIP_G_SDXL),
    latent_format="SDXL", taesd_decoder_name="taesdxl_decoder",
)
SDXL_REFINER = dataclasses.replace(
    SDXL, name="sdxl_refiner", unet_config=SDXL_REFINER_UNET, text_encoders=(CLIP_G_REFINER,),
)

BASE_FAMILIES: Mapping[str, Family] = MappingProxyType(
    {f.name: f for f in (SD1, SD2, SD2_V, SDXL, SDXL_REFINER)}
)


def inpaint_variant(family: Family, in_channels: int = 9) -> Family:
    """The inpainting model of a family: 4 latent + 1 mask + 4 masked-image latent input channels.

    Inpainting models are always eps-prediction (ComfyUI: SD2 inpainting is EPS).
    """
    base = family.name.removesuffix("_inpaint")
    if base == "sd2_v":
        base = "sd2"
    return dataclasses.replace(
        family, name=f"{base}_inpaint", prediction="eps",
        unet_config=dataclasses.replace(family.unet_config, in_channels=in_channels),
    )


def get_family(name: str) -> Family:
    """Family by name: one of BASE_FAMILIES or '<base>_inpaint'."""
    if name in BASE_FAMILIES:
        return BASE_FAMILIES[name]
    if name.endswith("_inpaint") and name.removesuffix("_inpaint") in BASE_FAMILIES:
        return inpaint_variant(BASE_FAMILIES[name.removesuffix("_inpaint")])
    known = ", ".join(list(BASE_FAMILIES) + [f"{n}_inpaint" for n in ("sd1", "sd2", "sdxl")])
    raise KeyError(f"unknown model family {name!r}; known: {known}")


def match_family(unet_config: UNetConfig, v_prediction: bool = False) -> Family | None:
    """The family whose UNet matches on context_dim, linear projection and adm_in_channels
    (ComfyUI also compares model_channels; no two families differ only in that, so tiny test
    models with few channels still match). Inpaint variant when in_channels > 4 (always eps);
    `v_prediction` selects sd2_v / a v-prediction SDXL. None if nothing matches.

    The returned family carries the given `unet_config`, so detected sizes are kept.
    """
    key = (unet_config.context_dim, unet_config.use_linear_in_transformer, unet_config.adm_in_channels)
    for fam in BASE_FAMILIES.values():
        ref = fam.unet_config
        if fam.name == "sd2_v" or (ref.context_dim, ref.use_linear_in_transformer, ref.adm_in_channels) != key:
            continue
        if v_prediction and unet_config.in_channels <= 4:
            fam = BASE_FAMILIES["sd2_v"] if fam.name == "sd2" else dataclasses.replace(fam, prediction="v")
        fam = dataclasses.replace(fam, unet_config=unet_config)
        if unet_config.in_channels > 4:
            fam = inpaint_variant(fam, unet_config.in_channels)
        return fam
    return None
