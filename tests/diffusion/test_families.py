"""Family data agrees with ComfyUI's facts in golden/families.json."""
import dataclasses
import json
import os

import pytest

from engine.diffusion import families as F
from tests.conftest import GOLDEN


@pytest.fixture(scope="module")
def golden() -> dict:
    with open(os.path.join(GOLDEN, "families.json")) as f:
        return json.load(f)


GOLDEN_KEY = {"sd1": "SD1.x", "sd2": "SD2.x", "sd2_v": "SD2.x", "sdxl": "SDXL", "sdxl_refiner": "SDXL"}


@pytest.mark.parametrize("name", list(GOLDEN_KEY))
def test_latent_facts_match_golden(golden, name):
    fam = F.get_family(name)
    g = golden[GOLDEN_KEY[name]]
    assert fam.scale_factor == g["latent_scale_factor"]
    assert fam.latent_channels == g["latent_channels"]
    assert fam.latent_format == g["latent_format_class"]
    assert [list(r) for r in fam.latent_rgb_factors] == g["latent_rgb_factors_rows_are_latent_channels_cols_are_RGB"]
    assert (list(fam.latent_rgb_bias) if fam.latent_rgb_bias is not None else None) == g["latent_rgb_factors_bias"]
    assert fam.taesd_decoder_name == g["taesd_decoder_name"]


@pytest.mark.parametrize("name", ["sd1", "sd2", "sdxl"])
def test_unet_conditioning_dims_match_golden(golden, name):
    fam = F.get_family(name)
    g = golden[GOLDEN_KEY[name]]
    assert fam.context_dim == g["unet_context_dim"]
    assert fam.adm_in_channels == g["unet_adm_in_channels"]


@pytest.mark.parametrize("name", ["sd1", "sd2", "sdxl"])
def test_text_encoder_defaults_match_golden(golden, name):
    fam = F.get_family(name)
    g = golden[GOLDEN_KEY[name]]
    assert [te.name for te in fam.text_encoders] == list(g["text_encoders"])
    assert fam.pad_tokens() == g["tokenizer_pad"]
    for te in fam.text_encoders:
        gt = g["text_encoders"][te.name]
        assert te.num_layers == gt["num_layers"]
        assert te.layer_idx == gt["layer_idx"]
        assert te.final_norm_on_hidden == gt["final_layer_norm_on_hidden_output"]
        assert te.projected_pooled == gt["returns_projected_pooled"]
        assert (te.start_token, te.end_token, te.pad_token) == (
            gt["special_tokens"]["start"], gt["special_tokens"]["end"], gt["special_tokens"]["pad"])
        default_idx = gt["layer_idx"] if gt["layer"] == "hidden" else -1
        assert fam.clip_skip_default == default_idx


def test_prediction_types():
    assert [F.get_family(n).prediction for n in ("sd1", "sd2", "sd2_v", "sdxl", "sdxl_refiner")] == [
        "eps", "eps", "v", "eps", "eps"]


def test_refiner_architecture_from_checkpoints_md():
    cfg = F.get_family("sdxl_refiner").unet_config
    assert (cfg.model_channels, cfg.context_dim, cfg.adm_in_channels) == (384, 1280, 2560)
    assert cfg.transformer_depth == (0, 4, 4, 0)
    assert [te.name for te in F.get_family("sdxl_refiner").text_encoders] == ["clip_g"]


@pytest.mark.parametrize("name", ["sd1", "sd2", "sdxl", "sd2_v"])
def test_inpaint_variant_has_nine_input_channels_and_eps(name):
    fam = F.inpaint_variant(F.get_family(name))
    assert fam.unet_config.in_channels == 9 and fam.is_inpaint
    assert fam.prediction == "eps"
    assert fam.name == name.removesuffix("_v") + "_inpaint"
    assert F.get_family(fam.name) == fam
    assert fam.scale_factor == F.get_family(name).scale_factor


def test_match_family_from_detected_config():
    tiny_sd2 = dataclasses.replace(F.SD2_UNET, model_channels=32, channel_mult=(1, 2))
    assert F.match_family(tiny_sd2).name == "sd2"
    assert F.match_family(tiny_sd2, v_prediction=True).name == "sd2_v"
    assert F.match_family(tiny_sd2, v_prediction=True).unet_config == tiny_sd2
    assert F.match_family(F.SD1_UNET).name == "sd1"
    assert F.match_family(F.SDXL_REFINER_UNET).name == "sdxl_refiner"
    assert F.match_family(dataclasses.replace(F.SD1_UNET, in_channels=9)).name == "sd1_inpaint"
    assert F.match_family(dataclasses.replace(F.SD1_UNET, context_dim=77)) is None


def test_unknown_family_names_the_input():
    with pytest.raises(KeyError, match="sd3"):
        F.get_family("sd3")
