"""Checkpoint loading: safe reading, detection, strictness, layouts, sharing."""
from __future__ import annotations

import dataclasses
import gc
import json
import os
import struct

import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.diffusion.checkpoint import (
    CheckpointError, load_checkpoint, load_clip, load_unet, load_vae, vae_diffusers_to_ldm_key,
)
from engine.diffusion.device import DeviceManager
from engine.diffusion.lora import unet_ldm_to_diffusers
from engine.diffusion.models.unet import UNetModel
from engine.diffusion.safe_load import WeightFileError, load_pickle_weights, open_weights
from engine.diffusion.tiny import (
    TINY_VAE, tiny_checkpoint_state_dict, tiny_unet_config, tiny_unet_state_dict, tiny_vae_state_dict,
    vae_ldm_to_diffusers_key,
)
from tests.conftest import GOLDEN
from tests.tinymodels import tiny_models  # noqa: F401

torch.set_num_threads(2)


@pytest.fixture
def dm() -> DeviceManager:
    return DeviceManager(cpu=True, force_fp32=True)


# ------------------------------------------------------------------ detection
@pytest.mark.parametrize("family,prediction,in_ch,adm,ctx", [
    ("sd1", "eps", 4, None, 32),
    ("sd2", "eps", 4, None, 32),
    ("sd2_v", "v", 4, None, 32),
    ("sdxl", "eps", 4, 48 + 6 * 256, 80),
    ("sdxl_refiner", "eps", 4, 48 + 5 * 256, 48),
    ("sd1_inpaint", "eps", 9, None, 32),
])
def test_detects_every_family_from_tiny_files(tiny_models, dm, family, prediction, in_ch, adm, ctx):
    model, clip, vae = load_checkpoint(tiny_models.checkpoint(family), dm)
    assert model.family.name == family
    assert model.family.prediction == prediction
    assert model.model_sampling.prediction == prediction
    cfg = model.unet.config
    assert cfg.in_channels == in_ch
    assert cfg.adm_in_channels == adm and cfg.context_dim == ctx
    # architecture derived from shapes equals the one the file was written from
    ref = tiny_unet_config(family)
    for f in ("model_channels", "channel_mult", "num_res_blocks", "transformer_depth",
              "transformer_depth_middle", "use_linear_in_transformer", "num_head_channels"):
        assert getattr(cfg, f) == getattr(ref, f), f
    assert clip is not None and vae is not None
    assert clip.kind == family.removesuffix("_inpaint").replace("sd2_v", "sd2")


def test_loaded_weights_equal_the_file(tiny_models, dm):
    path = tiny_models.checkpoint("sdxl")
    model, _, vae = load_checkpoint(path, dm, output_clip=False)
    raw = load_file(path)
    for k, v in model.unet.state_dict().items():
        assert torch.equal(v, raw["model.diffusion_model." + k].float()), k
    for k, v in vae.vae.state_dict().items():
        assert torch.equal(v, raw["first_stage_model." + k].float()), k


def test_default_cpu_dtype_is_used_for_weights(tiny_models):
    dm = DeviceManager(cpu=True, cpu_flags={"avx512_bf16"})
    model, _, vae = load_checkpoint(tiny_models.checkpoint("sd1"), dm, output_clip=False)
    assert model.dtype == torch.bfloat16 and vae.dtype == torch.bfloat16
    out = model.apply_model(torch.randn(1, 4, 8, 8), torch.tensor([10]), torch.randn(1, 77, 32))
    assert out.dtype == torch.float32


def test_full_size_sd2_v_rule_and_family_match():
    """ComfyUI's v-prediction rule on a real-size SD2 config (shapes only, one bias read)."""
    from engine.diffusion import detect
    from engine.diffusion.families import SD2_UNET
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in UNetModel(SD2_UNET).state_dict().items()}
    keys = {"model.diffusion_model." + k for k in shapes}
    pre = detect.unet_prefix(keys)
    cfg = detect.detect_unet_config(keys, lambda k: shapes[k], pre)
    assert cfg.channel_mult == (1, 2, 4, 4) and cfg.transformer_depth == (1, 1, 1, 0)
    assert cfg.context_dim == 1024 and cfg.use_linear_in_transformer
    probe = detect.last_attention_norm_bias_key(keys, pre)
    assert probe == "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias"
    for std, expect in ((0.10, "sd2_v"), (0.08, "sd2")):
        b = torch.randn(320)
        b = (b - b.mean()) / b.std(unbiased=False) * std
        fam = detect.family_for(cfg, keys, lambda k: b, pre)
        assert fam.name == expect


def test_sdxl_v_pred_and_ztsnr_markers(tmp_path, dm):
    import json as _json
    golden = _json.load(open(os.path.join(GOLDEN, "families.json")))["zsnr_sigmas"]
    sd = tiny_checkpoint_state_dict("sdxl", 0)
    sd["v_pred"] = torch.tensor([])
    sd["ztsnr"] = torch.tensor([])
    p = tmp_path / "vpred.safetensors"
    save_file(sd, str(p))
    model, _, _ = load_checkpoint(str(p), dm, output_clip=False, output_vae=False)
    assert model.family.name == "sdxl" and model.family.prediction == "v"
    ms = model.model_sampling
    assert ms.prediction == "v"
    assert float(ms.sigmas[-1]) == pytest.approx(golden["sigma_max"], rel=1e-4)
    assert float(ms.sigmas[998]) == pytest.approx(golden["sigma_998"], rel=1e-4)
    del sd["v_pred"], sd["ztsnr"]
    sd["edm_mean"], sd["edm_std"] = torch.zeros(1, 4, 1, 1), torch.ones(1, 4, 1, 1)
    save_file(sd, str(p))
    with pytest.raises(CheckpointError, match="EDM"):
        load_checkpoint(str(p), dm)


# ------------------------------------------------------------------ refusals
def test_truncated_safetensors_is_refused_naming_the_file(tiny_models, tmp_path, dm):
    good = tiny_models.checkpoint("sd1")
    bad = tmp_path / "cut.safetensors"
    data = open(good, "rb").read()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(str(bad), dm)
    assert str(bad) in str(e.value) and "truncated" in str(e.value)
    # header itself cut off
    bad.write_bytes(data[:100])
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(str(bad), dm)
    assert str(bad) in str(e.value) and "header" in str(e.value)


def test_corrupt_header_is_refused(tmp_path, dm):
    p = tmp_path / "junk.safetensors"
    hdr = b"{not json"
    p.write_bytes(struct.pack("<Q", len(hdr)) + hdr)
    with pytest.raises(CheckpointError, match="corrupt safetensors header"):
        load_checkpoint(str(p), dm)
    hdr = json.dumps({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}).encode()
    p.write_bytes(struct.pack("<Q", len(hdr)) + hdr + b"\0" * 16)
    with pytest.raises(CheckpointError, match="needs 16 bytes"):
        load_checkpoint(str(p), dm)


class _Evil:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_with_code_is_refused_and_never_runs(tmp_path, dm):
    marker = tmp_path / "pwned"
    ckpt = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(2)}, "payload": _Evil(str(marker))}, str(ckpt))
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(str(ckpt), dm)
    msg = str(e.value)
    assert str(ckpt) in msg and "refused" in msg and "system" in msg
    assert not marker.exists()
    # the same through the lower-level reader
    with pytest.raises(WeightFileError):
        load_pickle_weights(str(ckpt))
    assert not marker.exists()


def test_legacy_ckpt_with_plain_tensors_loads(tmp_path, dm):
    sd = tiny_checkpoint_state_dict("sd1", 3)
    ckpt = tmp_path / "plain.ckpt"
    torch.save({"state_dict": sd, "global_step": 10}, str(ckpt))
    model, clip, vae = load_checkpoint(str(ckpt), dm)
    assert model.family.name == "sd1"
    k = "input_blocks.1.1.proj_in.weight"
    assert torch.equal(model.unet.state_dict()[k], sd["model.diffusion_model." + k])


def test_unknown_architecture_is_refused(tmp_path, dm):
    p = tmp_path / "other.safetensors"
    save_file({f"double_blocks.{i}.img_attn.qkv.weight": torch.zeros(4, 4) for i in range(8)}, str(p))
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(str(p), dm)
    assert str(p) in str(e.value) and "unknown architecture" in str(e.value)
    assert "double_blocks" in str(e.value)


def test_unknown_full_size_unet_variant_is_refused(tmp_path, dm):
    """SD2 layout with an ADM input (unCLIP) is not one of the supported families."""
    from engine.diffusion import detect
    from engine.diffusion.families import SD2_UNET
    import dataclasses
    cfg = dataclasses.replace(SD2_UNET, adm_in_channels=1536)
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in UNetModel(cfg).state_dict().items()}
    got = detect.detect_unet_config(shapes, lambda k: shapes[k], "")
    with pytest.raises(detect.DetectionError, match="unknown UNet architecture.*adm_in_channels=1536"):
        detect.family_for(got, set(shapes), lambda k: torch.zeros(320), "")


def test_vae_file_passed_as_checkpoint_is_refused(tiny_models, dm):
    path = tiny_models.vae("ldm")
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path, dm)
    assert path in str(e.value) and "VAE" in str(e.value)


def test_lora_passed_as_checkpoint_is_refused(tiny_models, dm):
    path = tiny_models.lora("kohya", "sd1")
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path, dm)
    assert path in str(e.value) and "LoRA" in str(e.value)


def test_missing_and_unexpected_keys_are_listed(tmp_path, dm):
    sd = tiny_checkpoint_state_dict("sd1", 0)
    del sd["model.diffusion_model.input_blocks.1.1.proj_out.bias"]
    sd["model.diffusion_model.input_blocks.1.1.extra.weight"] = torch.zeros(2)
    p = tmp_path / "broken.safetensors"
    save_file(sd, str(p))
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(str(p), dm)
    msg = str(e.value)
    assert str(p) in msg
    assert "missing 1 keys: input_blocks.1.1.proj_out.bias" in msg
    assert "model.diffusion_model.input_blocks.1.1.extra.weight" in msg


def test_shape_mismatch_is_listed_and_nothing_is_cached(tmp_path, dm):
    sd = tiny_checkpoint_state_dict("sd1", 0)
    sd["model.diffusion_model.out.2.bias"] = torch.zeros(5)
    p = tmp_path / "shape.safetensors"
    save_file(sd, str(p))
    with pytest.raises(CheckpointError, match=r"out\.2\.bias \[5\] \(model expects \[4\]\)"):
        load_checkpoint(str(p), dm)
    assert len(dm._cache) == 0  # no half-built model kept anywhere


def test_stray_top_level_keys_are_refused(tmp_path, dm):
    sd = tiny_checkpoint_state_dict("sd1", 0)
    sd["something_else.weight"] = torch.zeros(3)
    p = tmp_path / "stray.safetensors"
    save_file(sd, str(p))
    with pytest.raises(CheckpointError, match="something_else.weight"):
        load_checkpoint(str(p), dm)


# ------------------------------------------------------------------ sharing
def test_same_file_twice_shares_one_module(tiny_models, dm):
    path = tiny_models.checkpoint("sd1")
    m1, c1, v1 = load_checkpoint(path, dm)
    m2, c2, v2 = load_checkpoint(path, dm)
    assert m1.unet is m2.unet and v1.vae is v2.vae
    assert c1.modules["clip_l"] is c2.modules["clip_l"]
    # a different dtype policy is a different copy
    m3, _, _ = load_checkpoint(path, DeviceManager(cpu=True, cpu_flags={"amx_bf16"}))
    assert m3.unet is not m1.unet


def test_changed_file_is_reloaded_and_dead_entries_vanish(tmp_path, dm):
    from engine.diffusion.tiny import write_tiny_checkpoint
    path = write_tiny_checkpoint(str(tmp_path / "a.safetensors"), "sd1", 0)
    m1, _, _ = load_checkpoint(path, dm, output_clip=False, output_vae=False)
    write_tiny_checkpoint(path, "sd1", 1)
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    m2, _, _ = load_checkpoint(path, dm, output_clip=False, output_vae=False)
    assert m2.unet is not m1.unet
    assert not torch.equal(m1.unet.out[2].weight, m2.unet.out[2].weight)
    del m1, m2
    gc.collect()
    assert len(dm._cache) == 0


# ------------------------------------------------------------------ VAE files
def test_vae_ldm_and_diffusers_layouts_load_identically(tiny_models, dm):
    a = load_vae(tiny_models.vae("ldm"), dm)
    b = load_vae(tiny_models.vae("diffusers"), dm)
    sa, sb = a.vae.state_dict(), b.vae.state_dict()
    assert sa.keys() == sb.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_diffusers_vae_matches_diffusers_autoencoder(tiny_models, dm):
    """Our conversion of a diffusers-layout VAE computes what diffusers computes on that file."""
    diffusers = pytest.importorskip("diffusers")
    path = tiny_models.vae("diffusers")
    ref = diffusers.AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, norm_num_groups=32,
        block_out_channels=tuple(TINY_VAE.ch * m for m in TINY_VAE.ch_mult),
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)
    ref.load_state_dict({k: v.float() for k, v in load_file(path).items()}, strict=True)
    ref.eval()
    ours = load_vae(path, dm)
    img = torch.rand(1, 32, 48, 3)
    with torch.no_grad():
        mean = ref.encode(img.movedim(-1, 1) * 2 - 1).latent_dist.mean
        dec = ref.decode(mean).sample
    assert torch.allclose(ours.encode(img), mean, atol=1e-4)
    assert torch.allclose(ours.decode(mean), ((dec + 1) / 2).clamp(0, 1).movedim(1, -1), atol=1e-4)


def test_vae_key_conversion_round_trip():
    levels = len(TINY_VAE.ch_mult)
    for k in tiny_vae_state_dict(0):
        assert vae_diffusers_to_ldm_key(vae_ldm_to_diffusers_key(k, levels), levels) == k


def test_vae_prefixed_with_first_stage_model_loads(tmp_path, dm):
    sd = {"first_stage_model." + k: v for k, v in tiny_vae_state_dict(5).items()}
    p = tmp_path / "pref.safetensors"
    save_file(sd, str(p))
    v = load_vae(str(p), dm)
    assert torch.equal(v.vae.state_dict()["decoder.conv_in.weight"], sd["first_stage_model.decoder.conv_in.weight"])


def test_checkpoint_passed_as_vae_is_refused(tiny_models, dm):
    path = tiny_models.checkpoint("sd1")
    with pytest.raises(CheckpointError, match="not a VAE file"):
        load_vae(path, dm)


# ------------------------------------------------------------------ bare UNet
def test_load_unet_ldm_layout(tmp_path, dm):
    sd = tiny_unet_state_dict("sdxl", 4)
    p = tmp_path / "unet.safetensors"
    save_file(sd, str(p))
    m = load_unet(str(p), dm)
    assert m.family.name == "sdxl"
    assert all(torch.equal(v, sd[k]) for k, v in m.unet.state_dict().items())


def test_load_unet_diffusers_layout_matches_diffusers(tmp_path, dm):
    diffusers = pytest.importorskip("diffusers")
    cfg = tiny_unet_config("sd1")
    sd = tiny_unet_state_dict("sd1", 6)
    dsd = {unet_ldm_to_diffusers(k, cfg.num_res_blocks): v for k, v in sd.items()}
    assert None not in dsd
    p = tmp_path / "diffusers_unet.safetensors"
    save_file(dsd, str(p))
    ref = diffusers.UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1,
        block_out_channels=(32, 64), down_block_types=("CrossAttnDownBlock2D",) * 2,
        up_block_types=("CrossAttnUpBlock2D",) * 2, cross_attention_dim=32, attention_head_dim=8,
        norm_num_groups=32, use_linear_projection=False)
    ref.load_state_dict(dsd, strict=True)  # our LDM->diffusers names cover every key
    ref.eval()
    m = load_unet(str(p), dm)
    assert m.family.name == "sd1"
    x, t, ctx = torch.randn(2, 4, 8, 8), torch.tensor([3, 700]), torch.randn(2, 7, 32)
    with torch.no_grad():
        want = ref(x, t, encoder_hidden_states=ctx).sample
    assert torch.allclose(m.apply_model(x, t, ctx), want, atol=1e-4)


# ------------------------------------------------------------------ text encoders
def test_load_clip_single_and_dual(tiny_models, tmp_path, dm):
    from engine.diffusion.tiny_clip import tiny_text_encoder_state_dict
    l_path, g_path, h_path = (tmp_path / "l.safetensors", tmp_path / "g.safetensors", tmp_path / "h.safetensors")
    save_file(tiny_text_encoder_state_dict("clip_l", "", 0), str(l_path))
    save_file(tiny_text_encoder_state_dict("open_clip_g", "", 1), str(g_path))
    save_file(tiny_text_encoder_state_dict("open_clip_h", "", 2), str(h_path))
    c1 = load_clip([str(l_path)], "stable_diffusion", dm)
    assert c1.kind == "sd1"
    c2 = load_clip([str(h_path)], "stable_diffusion", dm)
    assert c2.kind == "sd2"
    for order in ([g_path, l_path], [l_path, g_path]):
        c3 = load_clip([str(p) for p in order], "sdxl", dm)
        assert c3.kind == "sdxl" and c3.encode("a cat")[0][0].shape[-1] == 32 + 48
    with pytest.raises(CheckpointError, match="two files"):
        load_clip([str(l_path)], "sdxl", dm)


def test_weights_only_reader_handles_safetensors_without_extension(tiny_models, tmp_path):
    p = tmp_path / "noext"
    p.write_bytes(open(tiny_models.vae("ldm"), "rb").read())
    with open_weights(str(p)) as src:
        assert "decoder.conv_in.weight" in src


_MEASURE = r"""
import sys
sys.path.insert(0, {root!r})
import psutil, torch
from engine.diffusion.checkpoint import load_unet
from engine.diffusion.device import DeviceManager
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
dm = DeviceManager(cpu=True, force_fp32=True)
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak-RSS high-water mark: measure the load alone
before = psutil.Process().memory_info().rss
model = load_unet({path!r}, dm)
size = sum(p.numel() * p.element_size() for p in model.unet.parameters())
print(before, hwm(), size)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc peak-RSS reset")
def test_load_peak_memory_is_one_model_not_two(tmp_path):
    """Tensors go from the mapped file straight into the module: the load's peak RSS grows by
    about one model (a double copy would be >= 2x)."""
    import subprocess
    import sys
    from tests.conftest import ROOT
    cfg = dataclasses.replace(tiny_unet_config("sd1"), model_channels=96, channel_mult=(1, 2, 4),
                              transformer_depth=(1, 1, 1))
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in UNetModel(cfg).state_dict().items()}
    g = torch.Generator().manual_seed(0)
    path = tmp_path / "unet_fp32.safetensors"
    save_file({k: torch.randn(s, generator=g) * 0.02 for k, s in shapes.items()}, str(path))
    out = subprocess.run([sys.executable, "-c", _MEASURE.format(root=ROOT, path=str(path))],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    before, peak, size = map(int, out.stdout.split()[-3:])
    assert size > 100 * 2**20
    assert peak - before < 1.25 * size, (peak - before) / size
