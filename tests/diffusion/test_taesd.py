"""TAESD: the real key layout, strict loading, parity with diffusers' AutoencoderTiny, previews
from a KSampler run (--preview-method taesd) and VAELoader's taesd entry through VAEDecode/VAEEncode."""
from __future__ import annotations

import logging
import os
import types

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.diffusion import families
from engine.diffusion.device import DeviceManager
from engine.diffusion.preview import latent_to_rgb_preview, rgb_to_preview_image
from engine.diffusion.taesd import (TAESD, TAESDError, TAESDPreviewer, build_decoder, build_encoder,
                                    load_taesd_vae, read_part, taesd_vae_names)
from engine.graph.cache import make_cache
from engine.graph.context import NodeContext
from engine.graph.executor import Executor
from engine.graph.paths import FolderPaths
from engine.graph.registry import Registry
from nodes import register_builtin_nodes

SCALE_SD1 = 0.18215


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def random_part(part: str, seed: int) -> dict[str, torch.Tensor]:
    """A TAESD part with random weights, as the real files hold it (plain Sequential state dict)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = build_encoder() if part == "encoder" else build_decoder()
        for p in net.parameters():   # scaled so the output spans about 0..1 (not all black, not all clipped)
            bound = 0.7 * np.sqrt(6.0 / p[0].numel()) if p.ndim > 1 else 0.1
            p.data.uniform_(-1.0, 1.0).mul_(bound)
    return {k: v.contiguous() for k, v in net.state_dict().items()}


def write_part(path: str, part: str, seed: int) -> str:
    sd = random_part(part, seed)
    if path.endswith(".safetensors"):
        save_file(sd, path)
    else:
        torch.save(sd, path)
    return path


def to_diffusers(encoder_sd: dict, decoder_sd: dict) -> dict:
    """taesd keys -> AutoencoderTiny keys (decoder index 0 is the parameter-free clamp there)."""
    out = {f"encoder.layers.{k}": v for k, v in encoder_sd.items()}
    for k, v in decoder_sd.items():
        idx, rest = k.split(".", 1)
        out[f"decoder.layers.{int(idx) - 1}.{rest}"] = v
    return out


def diffusers_tiny(encoder_sd: dict, decoder_sd: dict):
    AutoencoderTiny = pytest.importorskip("diffusers").AutoencoderTiny
    model = AutoencoderTiny()   # the taesd architecture: 64 channels, blocks (1,3,3,3) / (3,3,3,1)
    model.load_state_dict(to_diffusers(encoder_sd, decoder_sd), strict=True)
    return model.eval()


# --------------------------------------------------------------------------- key layout
def test_parts_have_the_real_taesd_key_layout():
    dec, enc = random_part("decoder", 0), random_part("encoder", 1)
    # taesd_decoder.pth: 0 clamp, 1 conv+bias, 3-5/8-10/13-15/18 blocks, 7/12/17 bias-free convs, 19 conv to RGB
    assert len(dec) == 67 and len(enc) == 67
    assert dec["1.weight"].shape == (64, 4, 3, 3) and "1.bias" in dec
    assert dec["3.conv.0.weight"].shape == (64, 64, 3, 3) and "3.conv.4.bias" in dec
    assert "7.weight" in dec and "7.bias" not in dec and "6.weight" not in dec
    assert dec["19.weight"].shape == (3, 64, 3, 3) and "18.conv.2.weight" in dec
    assert not any(".skip." in k for k in dec)
    # taesd_encoder.pth: 0 conv from RGB, 1 block, 2/6/10 stride-2 bias-free convs, 14 conv to the latent
    assert enc["0.weight"].shape == (64, 3, 3, 3)
    assert "2.weight" in enc and "2.bias" not in enc and "13.conv.4.weight" in enc
    assert enc["14.weight"].shape == (4, 64, 3, 3)


@pytest.mark.parametrize("ext", [".safetensors", ".pth"])
def test_random_weights_in_the_real_layout_load_strictly(tmp_path, ext):
    path = write_part(str(tmp_path / f"taesd_decoder{ext}"), "decoder", 3)
    net = read_part(path, "decoder")
    want = random_part("decoder", 3)
    got = net.state_dict()
    assert set(got) == set(want)
    assert all(torch.equal(got[k], want[k]) for k in want)
    enc = read_part(write_part(str(tmp_path / f"taesd_encoder{ext}"), "encoder", 4), "encoder")
    assert enc[-1].out_channels == 4


def test_strict_loader_names_the_file_and_the_problem(tmp_path):
    dec = random_part("decoder", 0)

    def bad(name, sd, part="decoder"):
        path = str(tmp_path / name)
        save_file(sd, path)
        with pytest.raises(TAESDError) as info:
            read_part(path, part)
        assert path in str(info.value)
        return str(info.value)

    assert "missing 1" in bad("missing.safetensors", {k: v for k, v in dec.items() if k != "3.conv.2.bias"})
    assert "unexpected 1" in bad("extra.safetensors", dict(dec, **{"7.bias": torch.zeros(64)}))
    shape = dict(dec, **{"19.bias": torch.zeros(4)})
    assert "'19.bias' has shape (4,)" in bad("shape.safetensors", shape)
    assert "looks like a TAESD encoder" in bad("encoder_as_decoder.safetensors", random_part("encoder", 1))
    diffusers_sd = {k: v for k, v in to_diffusers(random_part("encoder", 1), dec).items() if k.startswith("decoder")}
    assert "diffusers" in bad("diffusers.safetensors", diffusers_sd)
    with pytest.raises(TAESDError, match="no such file"):
        read_part(str(tmp_path / "absent.safetensors"), "decoder")


# --------------------------------------------------------------------------- parity with diffusers
def test_decoder_and_encoder_match_diffusers_autoencoder_tiny():
    enc_sd, dec_sd = random_part("encoder", 5), random_part("decoder", 6)
    ref = diffusers_tiny(enc_sd, dec_sd)
    from engine.diffusion.taesd import part_from_state_dict
    ours = TAESD(part_from_state_dict(enc_sd, "encoder"), part_from_state_dict(dec_sd, "decoder"), scale=1.0)
    g = torch.Generator().manual_seed(0)
    z = torch.randn(2, 4, 5, 6, generator=g) * 2.0
    image = torch.rand(2, 3, 40, 48, generator=g) * 2.0 - 1.0
    with torch.no_grad():
        want_dec = ref.decode(z).sample
        want_enc = ref.encode(image).latents
        got_dec, got_enc = ours.decode(z), ours.encode(image)
    assert got_dec.shape == (2, 3, 40, 48) and got_enc.shape == (2, 4, 5, 6)
    assert want_dec.abs().max() > 0.05 and want_enc.abs().max() > 0.05   # not a degenerate all-zero net
    torch.testing.assert_close(got_dec, want_dec, rtol=0, atol=1e-5)
    torch.testing.assert_close(got_enc, want_enc, rtol=0, atol=1e-5)


def test_taesd_vae_handle_scales_unscaled_latents_like_comfyui(tmp_path):
    """VAE decode(latent) = clamp(TAESD(latent * 0.18215) to 0..1); encode divides by the scale."""
    enc_sd, dec_sd = random_part("encoder", 7), random_part("decoder", 8)
    save_file(enc_sd, str(tmp_path / "taesd_encoder.safetensors"))
    save_file(dec_sd, str(tmp_path / "taesd_decoder.safetensors"))
    ref = diffusers_tiny(enc_sd, dec_sd)
    dm = DeviceManager(cpu=True, force_fp32=True)
    vae = load_taesd_vae("taesd", str(tmp_path / "taesd_encoder.safetensors"),
                         str(tmp_path / "taesd_decoder.safetensors"), dm)
    assert vae.family.name == "sd1" and vae.downscale == 8 and vae.latent_channels == 4
    g = torch.Generator().manual_seed(1)
    latent = torch.randn(1, 4, 4, 3, generator=g) / SCALE_SD1
    image = torch.rand(1, 32, 24, 3, generator=g)
    with torch.no_grad():
        want_img = ((ref.decode(latent * SCALE_SD1).sample + 1) / 2).clamp(0, 1).movedim(1, -1)
        want_lat = ref.encode(image.movedim(-1, 1) * 2 - 1).latents / SCALE_SD1
    torch.testing.assert_close(vae.decode(latent), want_img, rtol=0, atol=1e-5)
    torch.testing.assert_close(vae.encode(image), want_lat, rtol=0, atol=1e-4)   # /0.18215 scales the fp32 error
    # the same files give the same module (loaded once)
    again = load_taesd_vae("taesd", str(tmp_path / "taesd_encoder.safetensors"),
                           str(tmp_path / "taesd_decoder.safetensors"), dm)
    assert again.vae is vae.vae


def test_previewer_decodes_model_space_x0_to_8x_image():
    dec_sd = random_part("decoder", 9)
    ref = diffusers_tiny(random_part("encoder", 0), dec_sd)
    from engine.diffusion.taesd import part_from_state_dict
    previewer = TAESDPreviewer(part_from_state_dict(dec_sd, "decoder"), "test")
    x0 = torch.randn(2, 4, 6, 5, generator=torch.Generator().manual_seed(2))
    img = previewer(x0)
    assert img.size == (40, 48) and img.mode == "RGB"
    with torch.no_grad():
        want = rgb_to_preview_image(ref.decode(x0[:1]).sample[0].movedim(0, -1))
    diff = np.abs(np.asarray(img, dtype=np.int16) - np.asarray(want, dtype=np.int16))
    assert diff.max() <= 1 and (diff == 0).mean() > 0.99   # truncation to bytes may flip at an fp32 ulp
    with pytest.raises(ValueError, match=r"\[B,4,h,w\]"):
        previewer(torch.zeros(1, 16, 4, 4))


def test_preview_dtype_follows_the_vae_dtype():
    from engine.diffusion.taesd import part_from_state_dict, preview_dtype
    assert preview_dtype(None) == torch.float32
    assert preview_dtype(DeviceManager(cpu=True, cpu_flags=frozenset({"avx512_bf16"}))) == torch.bfloat16
    assert preview_dtype(DeviceManager(cpu=True, cpu_flags=frozenset())) == torch.float32
    assert preview_dtype(DeviceManager(cpu=True, force_fp16=True, cpu_flags=frozenset())) == torch.float32
    dec = part_from_state_dict(random_part("decoder", 9), "decoder")
    x0 = torch.randn(1, 4, 6, 5, generator=torch.Generator().manual_seed(3))
    full = np.asarray(TAESDPreviewer(dec, "fp32")(x0), dtype=np.int16)
    dec_bf16 = part_from_state_dict(random_part("decoder", 9), "decoder")
    half = np.asarray(TAESDPreviewer(dec_bf16, "bf16", torch.bfloat16)(x0), dtype=np.int16)
    assert next(dec_bf16.parameters()).dtype == torch.bfloat16
    assert half.shape == full.shape and np.abs(half - full).mean() < 3.0


def test_vae_names_need_both_parts():
    assert taesd_vae_names(["taesd_decoder.pth"]) == []
    assert taesd_vae_names(["taesd_decoder.pth", "taesd_encoder.safetensors", "taesdxl_decoder.pth"]) == ["taesd"]
    assert taesd_vae_names(["taesdxl_encoder.pth", "taesdxl_decoder.pth", "taesd_encoder.pth",
                            "taesd_decoder.pth"]) == ["taesd", "taesdxl"]
    assert taesd_vae_names(["sub/taesd_encoder.pth", "sub/taesd_decoder.pth"]) == []   # top level only (ComfyUI)


def test_preview_decoder_file_by_exact_name_then_by_prefix(tmp_path):
    """The family's exact decoder name is preferred; otherwise any vae_approx file starting with it (ComfyUI)."""
    from engine.diffusion.families import SD1, SDXL
    from engine.diffusion.taesd import find_taesd_decoder
    from engine.graph.paths import FolderPaths
    paths = FolderPaths(str(tmp_path))
    paths.ensure_dirs()
    approx = tmp_path / "models" / "vae_approx"
    approx.mkdir(parents=True, exist_ok=True)
    assert find_taesd_decoder(paths, SD1) is None
    (approx / "taesd_decoder_v2.safetensors").write_bytes(b"x")
    (approx / "taesdxl_decoder.pth").write_bytes(b"x")
    assert find_taesd_decoder(paths, SD1).endswith("taesd_decoder_v2.safetensors")
    assert find_taesd_decoder(paths, SDXL).endswith("taesdxl_decoder.pth")
    (approx / "taesd_decoder.pth").write_bytes(b"x")
    assert find_taesd_decoder(paths, SD1).endswith("taesd_decoder.pth")


# --------------------------------------------------------------------------- through the nodes
class Recorder:
    def __init__(self) -> None:
        self.previews: list = []
        self.errors: list = []

    def progress(self, prompt_id, node_id, value, max, preview=None):  # noqa: A002 - listener signature
        self.previews.append((node_id, value, max, preview))

    def execution_error(self, prompt_id, info):
        self.errors.append(info)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from engine.diffusion.tiny import write_tiny_checkpoint
    root = tmp_path_factory.mktemp("taesd_base")
    paths = FolderPaths(str(root))
    paths.ensure_dirs()
    ckpts = paths.folder("checkpoints")[0]
    os.makedirs(ckpts, exist_ok=True)
    write_tiny_checkpoint(os.path.join(ckpts, "tiny_sd1.safetensors"), "sd1", 0)
    approx = paths.folder("vae_approx")[0]
    os.makedirs(approx, exist_ok=True)
    write_part(os.path.join(approx, "taesd_decoder.safetensors"), "decoder", 11)
    write_part(os.path.join(approx, "taesd_encoder.pth"), "encoder", 12)
    return str(root)


def make_engine(base_dir: str, preview_method: str):
    paths = FolderPaths(base_dir)
    args = types.SimpleNamespace(preview_method=preview_method, disable_metadata=True, max_image_pixels=None)
    ctx = NodeContext(paths=paths, device=DeviceManager(cpu=True, force_fp32=True), args=args)
    registry = Registry(ctx)
    register_builtin_nodes(registry, ctx)
    return registry, ctx


def sampling_prompt(steps: int = 2, denoise: float = 1.0) -> dict:
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny_sd1.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 48, "batch_size": 1}},
        "3": {"class_type": "KSampler", "inputs": {
            "model": ["4", 0], "seed": 3, "steps": steps, "cfg": 4.0, "sampler_name": "euler",
            "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0],
            "denoise": denoise}},
        "9": {"class_type": "SaveLatent", "inputs": {"samples": ["3", 0], "filename_prefix": "taesd_test"}},
    }


def run_prompt(registry, ctx, prompt):
    rec = Recorder()
    result = Executor(registry, make_cache("none"), ctx).execute(prompt, "taesd", {}, None, rec)
    assert result.success, (result.error, rec.errors)
    (entry,) = result.outputs["9"]["latents"]
    latent = load_file(os.path.join(ctx.paths.output_dir, entry["subfolder"], entry["filename"]))["latent_tensor"]
    return rec, latent


def test_ksampler_sends_taesd_previews(base):
    registry, ctx = make_engine(base, "taesd")
    # low denoise: small sigmas keep the random UNet's x0 inside the decoder's soft clamp
    rec, latent = run_prompt(registry, ctx, sampling_prompt(2, denoise=0.3))
    assert [(n, v, m) for n, v, m, _ in rec.previews] == [("3", 1, 2), ("3", 2, 2)]
    previews = [p for *_, p in rec.previews]
    assert all(p is not None and p.size == (64, 48) and p.mode == "RGB" for p in previews)   # 8x the 8x6 latent
    # Euler's last x0 is the result: the last preview is TAESD's decode of the final latent (model space).
    decoder = read_part(os.path.join(ctx.paths.folder("vae_approx")[0], "taesd_decoder.safetensors"), "decoder")
    with torch.no_grad():
        want = rgb_to_preview_image(decoder(latent * SCALE_SD1)[0].movedim(0, -1) * 2 - 1)
    diff = np.abs(np.asarray(previews[-1], dtype=np.int16) - np.asarray(want, dtype=np.int16))
    assert diff.max() <= 2
    l2rgb = latent_to_rgb_preview(latent * SCALE_SD1, families.SD1)
    assert l2rgb.size == (8, 6) and previews[-1].tobytes() != l2rgb.resize((64, 48)).tobytes()

    # the node keeps its decoder between runs (loaded once)
    executor = Executor(registry, make_cache("none"), ctx)
    executor.execute(sampling_prompt(1), "a", {}, None, Recorder())
    node = executor._objects[("3", "KSampler")]
    first = dict(node._taesd_previewers._by_key)
    executor.execute(sampling_prompt(1), "b", {}, None, Recorder())
    assert len(first) == 1 and node._taesd_previewers._by_key == first


@pytest.mark.parametrize("method,size", [("latent2rgb", (8, 6)), ("auto", (8, 6)), ("none", None)])
def test_other_preview_methods(base, method, size):
    registry, ctx = make_engine(base, method)
    rec, _ = run_prompt(registry, ctx, sampling_prompt(1))
    (preview,) = [p for *_, p in rec.previews]
    assert (preview.size if preview is not None else None) == size


def test_missing_decoder_falls_back_to_latent2rgb_with_one_warning(tmp_path, base, caplog):
    import shutil
    other = tmp_path / "base"
    paths = FolderPaths(str(other))
    paths.ensure_dirs()
    shutil.copytree(os.path.join(base, "models", "checkpoints"), paths.folder("checkpoints")[0])
    registry, ctx = make_engine(str(other), "taesd")
    executor = Executor(registry, make_cache("none"), ctx)
    with caplog.at_level(logging.WARNING, logger="engine.diffusion.taesd"):
        for pid in ("a", "b"):
            rec = Recorder()
            assert executor.execute(sampling_prompt(2), pid, {}, None, rec).success
            assert [p.size for *_, p in rec.previews] == [(8, 6), (8, 6)]   # latent2rgb
    warnings = [r.getMessage() for r in caplog.records if "TAESD" in r.getMessage()]
    assert len(warnings) == 1
    assert "models/vae_approx/taesd_decoder.(safetensors|pth|pt)" in warnings[0]


def test_vae_loader_lists_taesd_and_round_trips(base):
    registry, ctx = make_engine(base, "none")
    loader = registry.get("VAELoader")
    names = loader.INPUT_TYPES()["required"]["vae_name"][0]
    assert "taesd" in names and "taesdxl" not in names and names[-1] == "pixel_space"
    (vae,) = loader().load_vae("taesd")
    latent = torch.randn(2, 4, 3, 5, generator=torch.Generator().manual_seed(4))
    (image,) = registry.get("VAEDecode")().decode(vae, {"samples": latent})
    assert image.shape == (2, 24, 40, 3) and image.dtype == torch.float32
    assert image.min() >= 0 and image.max() <= 1 and image.std() > 0
    ((encoded,),) = [registry.get("VAEEncode")().encode(vae, image)]
    assert encoded["samples"].shape == (2, 4, 3, 5)

    with pytest.raises(ValueError, match=r"VAELoader: .*taesdxl_encoder\.\*.*taesdxl_decoder\.\*"):
        loader().load_vae("taesdxl")


# --------------------------------------------------------------------------- on CUDA
gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.mark.gpu
@gpu
def test_cuda_preview_and_vae_match_the_cpu(tmp_path, base):
    from engine.diffusion.taesd import part_from_state_dict
    dec_sd, enc_sd = random_part("decoder", 9), random_part("encoder", 10)
    x0 = torch.randn(1, 4, 16, 12, generator=torch.Generator().manual_seed(5))
    cpu = np.asarray(TAESDPreviewer(part_from_state_dict(dec_sd, "decoder"), "cpu")(x0), dtype=np.int16)
    for dtype, mean_bound in ((torch.float32, 0.05), (torch.bfloat16, 3.0)):
        previewer = TAESDPreviewer(part_from_state_dict(dec_sd, "decoder"), "cuda", dtype)
        got = np.asarray(previewer(x0.cuda()), dtype=np.int16)
        assert next(previewer.decoder.parameters()).device.type == "cuda"
        assert got.shape == cpu.shape == (128, 96, 3) and np.abs(got - cpu).mean() < mean_bound, dtype

    save_file(enc_sd, str(tmp_path / "taesd_encoder.safetensors"))
    save_file(dec_sd, str(tmp_path / "taesd_decoder.safetensors"))
    files = [str(tmp_path / f"taesd_{p}.safetensors") for p in ("encoder", "decoder")]
    on_cpu = load_taesd_vae("taesd", *files, DeviceManager(cpu=True, force_fp32=True))
    on_gpu = load_taesd_vae("taesd", *files, DeviceManager())
    latent = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(6)) / SCALE_SD1
    want, got = on_cpu.decode(latent), on_gpu.decode(latent)
    assert next(on_gpu.vae.parameters()).device.type == "cuda" and got.device.type == "cpu"
    assert ((got - want).norm() / want.norm()) < 2e-2
    enc_want, enc_got = on_cpu.encode(want), on_gpu.encode(want)
    assert ((enc_got - enc_want).norm() / enc_want.norm()) < 5e-2

    # a KSampler run on the GPU with --preview-method taesd: previews from TAESD at 8x the latent
    paths = FolderPaths(base)
    args = types.SimpleNamespace(preview_method="taesd", disable_metadata=True, max_image_pixels=None)
    ctx = NodeContext(paths=paths, device=DeviceManager(), args=args)
    registry = Registry(ctx)
    register_builtin_nodes(registry, ctx)
    rec, _ = run_prompt(registry, ctx, sampling_prompt(2, denoise=0.3))
    assert [p.size for *_, p in rec.previews] == [(64, 48), (64, 48)]
