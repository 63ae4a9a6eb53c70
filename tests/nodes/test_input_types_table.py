"""Every node's INPUT_TYPES against the values of ../shared/reference/nodes.md (ComfyUI's /object_info).

Rows: (class, input, type, default, min, max, step). None = not stated in nodes.md (not checked).
"""
import pytest

MAXR = 16384
SEED_MAX = 0xFFFFFFFFFFFFFFFF

SPEC = [
    ("LoraLoader", "strength_model", "FLOAT", 1.0, -100.0, 100.0, 0.01),
    ("LoraLoader", "strength_clip", "FLOAT", 1.0, -100.0, 100.0, 0.01),
    ("LoraLoaderModelOnly", "strength_model", "FLOAT", 1.0, None, None, None),
    ("CLIPTextEncodeSDXL", "width", "INT", 1024, 0, MAXR, None),
    ("CLIPTextEncodeSDXL", "height", "INT", 1024, 0, MAXR, None),
    ("CLIPTextEncodeSDXL", "crop_w", "INT", 0, 0, MAXR, None),
    ("CLIPTextEncodeSDXL", "crop_h", "INT", 0, 0, MAXR, None),
    ("CLIPTextEncodeSDXL", "target_width", "INT", 1024, 0, MAXR, None),
    ("CLIPTextEncodeSDXL", "target_height", "INT", 1024, 0, MAXR, None),
    ("CLIPTextEncodeSDXLRefiner", "ascore", "FLOAT", 6.0, 0.0, 1000.0, None),
    ("CLIPTextEncodeSDXLRefiner", "width", "INT", 1024, None, None, None),
    ("CLIPTextEncodeSDXLRefiner", "height", "INT", 1024, None, None, None),
    ("CLIPSetLastLayer", "stop_at_clip_layer", "INT", -1, -24, -1, None),
    ("ConditioningAverage", "conditioning_to_strength", "FLOAT", 1.0, 0.0, 1.0, None),
    ("ConditioningSetArea", "width", "INT", 64, 64, MAXR, 8),
    ("ConditioningSetArea", "height", "INT", 64, None, None, None),
    ("ConditioningSetArea", "x", "INT", 0, None, None, None),
    ("ConditioningSetArea", "y", "INT", 0, None, None, None),
    ("ConditioningSetArea", "strength", "FLOAT", 1.0, 0.0, 10.0, None),
    ("ConditioningSetAreaPercentage", "width", "FLOAT", 1.0, 0, 1, None),
    ("ConditioningSetAreaPercentage", "height", "FLOAT", 1.0, 0, 1, None),
    ("ConditioningSetAreaPercentage", "x", "FLOAT", 0, 0, 1, None),
    ("ConditioningSetAreaPercentage", "y", "FLOAT", 0, 0, 1, None),
    ("ConditioningSetMask", "strength", "FLOAT", 1.0, 0.0, 10.0, None),
    ("ConditioningSetTimestepRange", "start", "FLOAT", 0.0, 0.0, 1.0, 0.001),
    ("ConditioningSetTimestepRange", "end", "FLOAT", 1.0, 0.0, 1.0, 0.001),
    ("ControlNetApply", "strength", "FLOAT", 1.0, 0.0, 10.0, None),
    ("ControlNetApplyAdvanced", "strength", "FLOAT", 1.0, None, None, None),
    ("ControlNetApplyAdvanced", "start_percent", "FLOAT", 0.0, None, None, None),
    ("ControlNetApplyAdvanced", "end_percent", "FLOAT", 1.0, None, None, None),
    ("EmptyLatentImage", "width", "INT", 512, 16, MAXR, 8),
    ("EmptyLatentImage", "height", "INT", 512, None, None, None),
    ("EmptyLatentImage", "batch_size", "INT", 1, 1, 4096, None),
    ("LatentUpscale", "width", "INT", 512, 0, MAXR, 8),
    ("LatentUpscale", "height", "INT", 512, None, None, None),
    ("LatentUpscaleBy", "scale_by", "FLOAT", 1.5, 0.01, 8, None),
    ("LatentComposite", "x", "INT", 0, None, None, None),
    ("LatentComposite", "y", "INT", 0, None, None, None),
    ("LatentComposite", "feather", "INT", 0, None, None, 8),
    ("LatentBlend", "blend_factor", "FLOAT", 0.5, None, None, None),
    ("LatentFromBatch", "batch_index", "INT", 0, 0, 63, None),
    ("LatentFromBatch", "length", "INT", 1, 1, 64, None),
    ("RepeatLatentBatch", "amount", "INT", 1, 1, 64, None),
    ("VAEEncodeForInpaint", "grow_mask_by", "INT", 6, 0, 64, None),
    ("VAEDecodeTiled", "tile_size", "INT", 512, 64, 4096, 32),
    ("VAEDecodeTiled", "overlap", "INT", 64, None, None, None),
    ("VAEDecodeTiled", "temporal_size", "INT", 64, None, None, None),
    ("VAEDecodeTiled", "temporal_overlap", "INT", 8, None, None, None),
    ("VAEEncodeTiled", "tile_size", "INT", 512, 64, 4096, 64),
    ("VAEEncodeTiled", "overlap", "INT", 64, None, None, None),
    ("KSampler", "seed", "INT", 0, 0, SEED_MAX, None),
    ("KSampler", "steps", "INT", 20, 1, 10000, None),
    ("KSampler", "cfg", "FLOAT", 8.0, 0, 100, 0.1),
    ("KSampler", "denoise", "FLOAT", 1.0, 0, 1, None),
    ("KSamplerAdvanced", "steps", "INT", 20, 1, 10000, None),
    ("KSamplerAdvanced", "cfg", "FLOAT", 8.0, 0, 100, 0.1),
    ("KSamplerAdvanced", "noise_seed", "INT", 0, 0, SEED_MAX, None),
    ("KSamplerAdvanced", "start_at_step", "INT", 0, None, None, None),
    ("KSamplerAdvanced", "end_at_step", "INT", 10000, None, None, None),
    ("SaveImage", "filename_prefix", "STRING", "ComfyUI", None, None, None),
    ("ImageScale", "width", "INT", 512, 0, MAXR, 1),
    ("ImageScale", "height", "INT", 512, None, None, None),
    ("ImageScaleBy", "scale_by", "FLOAT", 1.0, 0.01, 8, None),
    ("ImagePadForOutpaint", "left", "INT", 0, 0, MAXR, 8),
    ("ImagePadForOutpaint", "top", "INT", 0, 0, MAXR, 8),
    ("ImagePadForOutpaint", "right", "INT", 0, 0, MAXR, 8),
    ("ImagePadForOutpaint", "bottom", "INT", 0, 0, MAXR, 8),
    ("ImagePadForOutpaint", "feathering", "INT", 40, None, None, None),
    ("EmptyImage", "width", "INT", 512, None, None, None),
    ("EmptyImage", "height", "INT", 512, None, None, None),
    ("EmptyImage", "batch_size", "INT", 1, None, None, None),
    ("EmptyImage", "color", "INT", 0, 0, 0xFFFFFF, None),
    ("ImageCrop", "width", "INT", 512, 1, MAXR, None),
    ("ImageCrop", "height", "INT", 512, None, None, None),
    ("ImageCrop", "x", "INT", 0, None, None, None),
    ("ImageCrop", "y", "INT", 0, None, None, None),
]

COMBOS = [
    ("CLIPLoader", "type", ["stable_diffusion", "stable_cascade", "sd3", "stable_audio", "mochi", "ltxv", "pixart",
                            "cosmos", "lumina2", "wan", "hidream", "chroma", "ace", "omnigen2", "qwen_image",
                            "hunyuan_image", "flux2", "ovis"]),
    ("UNETLoader", "weight_dtype", ["default", "fp8_e4m3fn", "fp8_e4m3fn_fast", "fp8_e5m2"]),
    ("ConditioningSetMask", "set_cond_area", ["default", "mask bounds"]),
    ("LatentUpscale", "upscale_method", ["nearest-exact", "bilinear", "area", "bicubic", "bislerp"]),
    ("LatentUpscale", "crop", ["disabled", "center"]),
    ("LatentUpscaleBy", "upscale_method", ["nearest-exact", "bilinear", "area", "bicubic", "bislerp"]),
    ("KSamplerAdvanced", "add_noise", ["enable", "disable"]),
    ("KSamplerAdvanced", "return_with_leftover_noise", ["disable", "enable"]),
    ("LoadImageMask", "channel", ["alpha", "red", "green", "blue"]),
    ("ImageScale", "upscale_method", ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]),
    ("ImageScale", "crop", ["disabled", "center"]),
    ("ImageScaleBy", "upscale_method", ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]),
]

# (class, required inputs in order, outputs) from nodes.md §5 for the socket-level shape.
SHAPES = [
    ("CheckpointLoaderSimple", ["ckpt_name"], ("MODEL", "CLIP", "VAE")),
    ("CheckpointLoader", ["config_name", "ckpt_name"], ("MODEL", "CLIP", "VAE")),
    ("VAELoader", ["vae_name"], ("VAE",)),
    ("LoraLoader", ["model", "clip", "lora_name", "strength_model", "strength_clip"], ("MODEL", "CLIP")),
    ("LoraLoaderModelOnly", ["model", "lora_name", "strength_model"], ("MODEL",)),
    ("CLIPLoader", ["clip_name", "type"], ("CLIP",)),
    ("DualCLIPLoader", ["clip_name1", "clip_name2", "type"], ("CLIP",)),
    ("UNETLoader", ["unet_name", "weight_dtype"], ("MODEL",)),
    ("ControlNetLoader", ["control_net_name"], ("CONTROL_NET",)),
    ("UpscaleModelLoader", ["model_name"], ("UPSCALE_MODEL",)),
    ("CLIPTextEncode", ["text", "clip"], ("CONDITIONING",)),
    ("CLIPTextEncodeSDXL", ["clip", "width", "height", "crop_w", "crop_h", "target_width", "target_height",
                            "text_g", "text_l"], ("CONDITIONING",)),
    ("CLIPTextEncodeSDXLRefiner", ["ascore", "width", "height", "text", "clip"], ("CONDITIONING",)),
    ("CLIPSetLastLayer", ["clip", "stop_at_clip_layer"], ("CLIP",)),
    ("ConditioningCombine", ["conditioning_1", "conditioning_2"], ("CONDITIONING",)),
    ("ConditioningAverage", ["conditioning_to", "conditioning_from", "conditioning_to_strength"], ("CONDITIONING",)),
    ("ConditioningConcat", ["conditioning_to", "conditioning_from"], ("CONDITIONING",)),
    ("ConditioningSetArea", ["conditioning", "width", "height", "x", "y", "strength"], ("CONDITIONING",)),
    ("ConditioningSetAreaPercentage", ["conditioning", "width", "height", "x", "y", "strength"], ("CONDITIONING",)),
    ("ConditioningSetMask", ["conditioning", "mask", "strength", "set_cond_area"], ("CONDITIONING",)),
    ("ConditioningSetTimestepRange", ["conditioning", "start", "end"], ("CONDITIONING",)),
    ("ConditioningZeroOut", ["conditioning"], ("CONDITIONING",)),
    ("ControlNetApply", ["conditioning", "control_net", "image", "strength"], ("CONDITIONING",)),
    ("ControlNetApplyAdvanced", ["positive", "negative", "control_net", "image", "strength", "start_percent",
                                 "end_percent"], ("CONDITIONING", "CONDITIONING")),
    ("EmptyLatentImage", ["width", "height", "batch_size"], ("LATENT",)),
    ("LatentUpscale", ["samples", "upscale_method", "width", "height", "crop"], ("LATENT",)),
    ("LatentUpscaleBy", ["samples", "upscale_method", "scale_by"], ("LATENT",)),
    ("LatentComposite", ["samples_to", "samples_from", "x", "y", "feather"], ("LATENT",)),
    ("LatentBlend", ["samples1", "samples2", "blend_factor"], ("LATENT",)),
    ("LatentFromBatch", ["samples", "batch_index", "length"], ("LATENT",)),
    ("RepeatLatentBatch", ["samples", "amount"], ("LATENT",)),
    ("SetLatentNoiseMask", ["samples", "mask"], ("LATENT",)),
    ("VAEEncode", ["pixels", "vae"], ("LATENT",)),
    ("VAEEncodeForInpaint", ["pixels", "vae", "mask", "grow_mask_by"], ("LATENT",)),
    ("VAEDecode", ["samples", "vae"], ("IMAGE",)),
    ("VAEDecodeTiled", ["samples", "vae", "tile_size", "overlap", "temporal_size", "temporal_overlap"], ("IMAGE",)),
    ("VAEEncodeTiled", ["pixels", "vae", "tile_size", "overlap", "temporal_size", "temporal_overlap"], ("LATENT",)),
    ("KSampler", ["model", "seed", "steps", "cfg", "sampler_name", "scheduler", "positive", "negative",
                  "latent_image", "denoise"], ("LATENT",)),
    ("KSamplerAdvanced", ["model", "add_noise", "noise_seed", "steps", "cfg", "sampler_name", "scheduler",
                          "positive", "negative", "latent_image", "start_at_step", "end_at_step",
                          "return_with_leftover_noise"], ("LATENT",)),
    ("LoadImage", ["image"], ("IMAGE", "MASK")),
    ("LoadImageMask", ["image", "channel"], ("MASK",)),
    ("SaveImage", ["images", "filename_prefix"], ()),
    ("PreviewImage", ["images"], ()),
    ("ImageScale", ["image", "upscale_method", "width", "height", "crop"], ("IMAGE",)),
    ("ImageScaleBy", ["image", "upscale_method", "scale_by"], ("IMAGE",)),
    ("ImageUpscaleWithModel", ["upscale_model", "image"], ("IMAGE",)),
    ("ImageInvert", ["image"], ("IMAGE",)),
    ("ImageBatch", ["image1", "image2"], ("IMAGE",)),
    ("ImagePadForOutpaint", ["image", "left", "top", "right", "bottom", "feathering"], ("IMAGE", "MASK")),
    ("EmptyImage", ["width", "height", "batch_size", "color"], ("IMAGE",)),
    ("ImageCrop", ["image", "width", "height", "x", "y"], ("IMAGE",)),
    ("SolidMask", ["value", "width", "height"], ("MASK",)),
    ("InvertMask", ["mask"], ("MASK",)),
    ("MaskToImage", ["mask"], ("IMAGE",)),
    ("ImageToMask", ["image", "channel"], ("MASK",)),
    ("GrowMask", ["mask", "expand", "tapered_corners"], ("MASK",)),
    ("FeatherMask", ["mask", "left", "top", "right", "bottom"], ("MASK",)),
]


def _input(registry, cls_name, name):
    cls = registry.get(cls_name)
    assert cls is not None, f"{cls_name} missing"
    spec = cls.INPUT_TYPES()
    for section in ("required", "optional"):
        if name in spec.get(section, {}):
            return spec[section][name]
    raise AssertionError(f"{cls_name} has no input {name}")


@pytest.mark.parametrize("cls_name,name,typ,default,lo,hi,step", SPEC, ids=[f"{r[0]}.{r[1]}" for r in SPEC])
def test_widget_spec_matches_nodes_md(registry, cls_name, name, typ, default, lo, hi, step):
    entry = _input(registry, cls_name, name)
    assert entry[0] == typ
    opts = entry[1]
    assert opts["default"] == default
    if lo is not None:
        assert opts["min"] == lo
    if hi is not None:
        assert opts["max"] == hi
    if step is not None:
        assert opts["step"] == step


@pytest.mark.parametrize("cls_name,name,choices", COMBOS, ids=[f"{r[0]}.{r[1]}" for r in COMBOS])
def test_combo_choices_match_nodes_md(registry, cls_name, name, choices):
    assert list(_input(registry, cls_name, name)[0]) == choices


@pytest.mark.parametrize("cls_name,inputs,outputs", SHAPES, ids=[r[0] for r in SHAPES])
def test_inputs_and_outputs_match_nodes_md(registry, cls_name, inputs, outputs):
    cls = registry.get(cls_name)
    assert list(cls.INPUT_TYPES()["required"]) == inputs
    assert tuple(cls.RETURN_TYPES) == outputs


def test_extra_specs(registry):
    assert _input(registry, "KSampler", "cfg")[1]["round"] == 0.01
    assert _input(registry, "KSampler", "seed")[1]["control_after_generate"] is True
    assert _input(registry, "CLIPTextEncode", "text")[1] == {**_input(registry, "CLIPTextEncode", "text")[1],
                                                             "multiline": True, "dynamicPrompts": True}
    assert _input(registry, "LoadImage", "image")[1]["image_upload"] is True
    assert _input(registry, "EmptyImage", "color")[1]["display"] == "color"
    assert list(_input(registry, "DualCLIPLoader", "type")[0])[:3] == ["sdxl", "sd3", "flux"]
    assert "vae" in registry.get("ControlNetApplyAdvanced").INPUT_TYPES()["optional"]
    assert registry.get("ControlNetApplyAdvanced").RETURN_NAMES == ("positive", "negative")
    hidden = registry.get("SaveImage").INPUT_TYPES()["hidden"]
    assert hidden == {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
    assert registry.get("SaveImage").OUTPUT_NODE and registry.get("PreviewImage").OUTPUT_NODE


def test_display_names_and_categories(registry):
    assert registry.display_name("CheckpointLoaderSimple") == "Load Checkpoint"
    assert registry.display_name("CLIPTextEncode") == "CLIP Text Encode (Prompt)"
    assert registry.display_name("ConditioningAverage") == "ConditioningAverage"
    assert registry.display_name("ControlNetApplyAdvanced") == "Apply ControlNet"
    cats = {n: registry.node_info(n)["category"] for n in ("KSampler", "LoadImage", "VAEEncodeForInpaint",
                                                          "LoraLoader", "ImageScale", "SolidMask")}
    assert cats == {"KSampler": "sampling", "LoadImage": "image", "VAEEncodeForInpaint": "latent/inpaint",
                    "LoraLoader": "loaders", "ImageScale": "image/upscaling", "SolidMask": "mask"}


def test_model_combos_refresh_without_restart(registry, ctx):
    import os
    cls = registry.get("CheckpointLoaderSimple")
    assert cls.INPUT_TYPES()["required"]["ckpt_name"][0] == []
    folder = ctx.paths.folder("checkpoints")[0]
    os.makedirs(os.path.join(folder, "sub"), exist_ok=True)
    open(os.path.join(folder, "sub", "m.safetensors"), "wb").close()
    open(os.path.join(folder, "readme.txt"), "w").close()
    assert cls.INPUT_TYPES()["required"]["ckpt_name"][0] == ["sub/m.safetensors"]
    lora_dir = ctx.paths.folder("loras")[0]
    os.makedirs(lora_dir, exist_ok=True)
    open(os.path.join(lora_dir, "l.safetensors"), "wb").close()
    assert registry.get("LoraLoader").INPUT_TYPES()["required"]["lora_name"][0] == ["l.safetensors"]


ISSUE_5_CLASSES = """CheckpointLoaderSimple CLIPTextEncode EmptyLatentImage VAEEncode KSampler KSamplerAdvanced VAEDecode
SaveImage PreviewImage LoadImage LoadImageMask CheckpointLoader VAELoader CLIPLoader DualCLIPLoader UNETLoader
LoraLoader LoraLoaderModelOnly ControlNetLoader UpscaleModelLoader CLIPSetLastLayer CLIPTextEncodeSDXL
CLIPTextEncodeSDXLRefiner ConditioningCombine ConditioningAverage ConditioningConcat ConditioningSetArea
ConditioningSetAreaPercentage ConditioningSetMask ConditioningSetTimestepRange ConditioningZeroOut ControlNetApply
ControlNetApplyAdvanced LatentUpscale LatentUpscaleBy LatentComposite LatentBlend LatentFromBatch RepeatLatentBatch
SetLatentNoiseMask VAEEncodeForInpaint VAEDecodeTiled VAEEncodeTiled ImageScale ImageScaleBy ImageInvert ImageBatch
ImagePadForOutpaint ImageCrop EmptyImage ImageUpscaleWithModel SolidMask InvertMask MaskToImage ImageToMask GrowMask
FeatherMask""".split()


def test_every_class_of_the_issue_is_registered_and_in_object_info(registry):
    import json
    info = registry.all_node_info()
    missing = [n for n in ISSUE_5_CLASSES if n not in info]
    assert not missing
    json.dumps(info)  # /object_info must serialise
    for name, entry in info.items():
        assert entry["description"], f"{name} has no DESCRIPTION"
        assert entry["python_module"] == "nodes"
        assert len(entry["output_name"]) == len(entry["output"])
