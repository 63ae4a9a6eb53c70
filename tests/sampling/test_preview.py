"""latent_to_rgb_preview against ComfyUI's bytes for samplers.json euler.final (families.json)."""
import numpy as np
import pytest
import torch

from engine.diffusion.preview import latent_to_rgb, latent_to_rgb_preview

from .helpers import FakeFamily, f32, golden

FAM = golden("families.json")


def _family(key):
    f = FAM[key]
    return FakeFamily(latent_rgb_factors=f["latent_rgb_factors_rows_are_latent_channels_cols_are_RGB"],
                      latent_rgb_bias=f["latent_rgb_factors_bias"])


@pytest.mark.parametrize("key", ["SD1.x", "SD2.x", "SDXL"])
def test_preview_matches_comfyui_bytes(key):
    latent = f32(golden("samplers.json")["samplers"]["euler"]["final"], (1, 4, 8, 8))
    ex = FAM[key]["preview_example"]
    rgb = latent_to_rgb(latent, _family(key))
    torch.testing.assert_close(rgb.flatten(), f32(ex["rgb_before_byte_conversion_HxWx3"]), rtol=0, atol=1e-6)
    img = latent_to_rgb_preview(latent, _family(key))
    assert img.size == (8, 8) and img.mode == "RGB"
    assert np.asarray(img).flatten().tolist() == ex["preview_bytes_HxWx3_uint8"]


def test_preview_with_real_family_objects_when_available():
    families = pytest.importorskip("engine.diffusion.families")
    latent = f32(golden("samplers.json")["samplers"]["euler"]["final"], (1, 4, 8, 8))
    img = latent_to_rgb_preview(latent, families.SDXL)
    assert np.asarray(img).flatten().tolist() == FAM["SDXL"]["preview_example"]["preview_bytes_HxWx3_uint8"]


def test_preview_rejects_wrong_channel_count():
    with pytest.raises(ValueError, match="channel"):
        latent_to_rgb_preview(torch.zeros(1, 16, 8, 8), _family("SD1.x"))
