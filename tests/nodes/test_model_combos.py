"""Combos of the sampler and the model loaders: ComfyUI's lists, extra model folders, fresh on every call."""
import os

import pytest

# sampling.md §1 (ComfyUI's combo order)
SAMPLERS = ("euler, euler_cfg_pp, euler_ancestral, euler_ancestral_cfg_pp, heun, heunpp2, exp_heun_2_x0, "
            "exp_heun_2_x0_sde, dpm_2, dpm_2_ancestral, lms, dpm_fast, dpm_adaptive, dpmpp_2s_ancestral, "
            "dpmpp_2s_ancestral_cfg_pp, dpmpp_sde, dpmpp_sde_gpu, dpmpp_2m, dpmpp_2m_cfg_pp, dpmpp_2m_sde, "
            "dpmpp_2m_sde_gpu, dpmpp_2m_sde_heun, dpmpp_2m_sde_heun_gpu, dpmpp_3m_sde, dpmpp_3m_sde_gpu, ddpm, lcm, "
            "ipndm, ipndm_v, deis, res_multistep, res_multistep_cfg_pp, res_multistep_ancestral, "
            "res_multistep_ancestral_cfg_pp, gradient_estimation, gradient_estimation_cfg_pp, er_sde, seeds_2, "
            "seeds_3, sa_solver, sa_solver_pece, ddim, uni_pc, uni_pc_bh2").split(", ")
SCHEDULERS = ["simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal",
              "linear_quadratic", "kl_optimal"]


@pytest.mark.parametrize("cls_name", ["KSampler", "KSamplerAdvanced"])
def test_sampler_and_scheduler_combos(registry, cls_name):
    req = registry.get(cls_name).INPUT_TYPES()["required"]
    assert list(req["sampler_name"][0]) == SAMPLERS
    assert list(req["scheduler"][0]) == SCHEDULERS


def test_extra_model_paths_folders_are_listed_and_resolved(registry, ctx, tmp_path):
    extra = tmp_path / "elsewhere"
    (extra / "ckpts").mkdir(parents=True)
    (extra / "ckpts" / "far.safetensors").write_bytes(b"")
    yaml_path = tmp_path / "extra_model_paths.yaml"
    yaml_path.write_text(f"mine:\n    base_path: {extra}\n    checkpoints: ckpts\n")
    ctx.paths.load_extra_config(str(yaml_path))
    cls = registry.get("CheckpointLoaderSimple")
    assert "far.safetensors" in cls.INPUT_TYPES()["required"]["ckpt_name"][0]
    from nodes._common import full_path
    assert full_path(cls, "CheckpointLoaderSimple", "checkpoints", "far.safetensors") == \
        str(extra / "ckpts" / "far.safetensors")


def test_missing_model_file_names_node_and_file(make):
    with pytest.raises(FileNotFoundError, match=r"CheckpointLoaderSimple: file 'nope\.safetensors' not found"):
        make("CheckpointLoaderSimple").load_checkpoint("nope.safetensors")
    with pytest.raises(FileNotFoundError, match=r"LoraLoader: file 'x\.safetensors'"):
        make("LoraLoader").load_lora(object(), object(), "x.safetensors", 1.0, 1.0)


def test_unsupported_clip_types_are_clear_errors(make, ctx):
    folder = ctx.paths.folder("text_encoders")[0]
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, "t5.safetensors"), "wb").close()
    with pytest.raises(ValueError, match="CLIPLoader: type 'sd3' is not supported"):
        make("CLIPLoader").load_clip("t5.safetensors", "sd3")
    with pytest.raises(ValueError, match="DualCLIPLoader: type 'flux' is not supported"):
        make("DualCLIPLoader").load_clip("t5.safetensors", "t5.safetensors", "flux")


def test_vae_loader_pixel_space_round_trips(registry, make):
    import torch
    assert registry.get("VAELoader").INPUT_TYPES()["required"]["vae_name"][0] == ["pixel_space"]
    (vae,) = make("VAELoader").load_vae("pixel_space")
    image = torch.rand(1, 8, 8, 3)
    (latent,) = make("VAEEncode").encode(vae, image)
    assert latent["samples"].shape == (1, 3, 8, 8)
    (back,) = make("VAEDecode").decode(vae, latent)
    assert torch.allclose(back, image, atol=1e-6)
