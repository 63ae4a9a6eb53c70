"""Registry (object_info shape), FolderPaths and the node context outside execution."""
from __future__ import annotations

import os

import pytest

from engine.graph import context
from engine.graph.paths import FolderPaths
from engine.graph.registry import Registry
from engine.graph.types import types_match


def test_node_info_has_object_info_shape(registry):
    info = registry.node_info("ToySampler")
    assert info["input"]["required"]["seed"][1]["control_after_generate"] is True
    assert info["input_order"] == {"required": ["model", "seed", "steps", "cfg", "sampler_name", "scheduler",
                                                "denoise"]}
    assert info["output"] == ["STRING"] and info["output_is_list"] == [False]
    assert info["output_name"] == ["STRING"]
    assert info["name"] == "ToySampler" and info["display_name"] == "Toy Sampler"
    assert info["category"] == "toy" and info["output_node"] is False
    assert info["python_module"] == "tests.toy_nodes" and info["description"] == ""
    out = registry.node_info("ToyOutput")
    assert out["output_node"] is True and out["input_order"]["hidden"] == ["unique_id"]
    assert registry.node_info("ToyList")["output_is_list"] == [True]
    assert registry.node_info("ToyAdd")["output_name"] == ["sum"]
    assert set(registry.all_node_info()) == set(registry.names())


def test_registry_rejects_classes_breaking_the_convention():
    class NoFunction:
        @classmethod
        def INPUT_TYPES(cls):
            return {}
        FUNCTION = "missing"

    with pytest.raises(TypeError, match="FUNCTION 'missing'"):
        Registry().register("Bad", NoFunction)


def test_registry_binds_context_to_classes_that_opt_in():
    from engine.graph.context import NodeContext

    class Builtin:
        CONTEXT = None

        @classmethod
        def INPUT_TYPES(cls):
            return {}
        RETURN_TYPES = ()
        FUNCTION = "run"

        def run(self):
            return ()

    ctx = NodeContext(paths="p")
    Registry(context=ctx).register("Builtin", Builtin)
    assert Builtin.CONTEXT is ctx


def test_types_match_rules():
    assert types_match("INT", "INT") and not types_match("INT", "FLOAT")
    assert types_match("*", "MODEL") and types_match("MODEL", "*")
    assert types_match("IMAGE,MASK", "MASK") and types_match("LATENT", "IMAGE, LATENT")
    assert not types_match("IMAGE,MASK", "LATENT")


def _touch(path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"x")


def test_list_files_filters_extensions_and_is_fresh(tmp_path):
    paths = FolderPaths(str(tmp_path))
    ck = os.path.join(str(tmp_path), "models", "checkpoints")
    for name in ("a.safetensors", "b.ckpt", "sub/c.pt", "d.pth", "e.bin", "f.sft", "notes.txt", ".hidden.safetensors"):
        _touch(os.path.join(ck, name))
    assert paths.list_files("checkpoints") == ["a.safetensors", "b.ckpt", "d.pth", "e.bin", "f.sft", "sub/c.pt"]
    _touch(os.path.join(ck, "new.safetensors"))
    assert "new.safetensors" in paths.list_files("checkpoints")
    _touch(os.path.join(str(tmp_path), "input", "img.png"))
    _touch(os.path.join(str(tmp_path), "input", "doc.txt"))
    assert paths.list_files("input") == ["img.png"]
    assert paths.folder("unet") == paths.folder("diffusion_models")
    with pytest.raises(KeyError, match="nope"):
        paths.folder("nope")


def test_full_path_resolves_and_refuses_escapes(tmp_path):
    paths = FolderPaths(str(tmp_path))
    _touch(os.path.join(str(tmp_path), "models", "loras", "sub", "x.safetensors"))
    _touch(os.path.join(str(tmp_path), "secret.safetensors"))
    assert paths.full_path("loras", "sub/x.safetensors").endswith(os.path.join("loras", "sub", "x.safetensors"))
    for bad in ("../../secret.safetensors", "/etc/passwd", "sub/../../../secret.safetensors"):
        with pytest.raises(ValueError, match="refusing"):
            paths.full_path("loras", bad)
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        paths.full_path("loras", "missing.safetensors")


def test_extra_model_paths_yaml_comfyui_format(tmp_path):
    other = tmp_path / "other"
    for name in ("models/Stable-diffusion/m.safetensors", "loras1/l1.safetensors", "loras2/l2.safetensors",
                 "clipdir/te.safetensors"):
        _touch(str(other / name))
    (other / "packs").mkdir()
    yaml_path = tmp_path / "extra_model_paths.yaml"
    yaml_path.write_text(
        "a1111:\n"
        "    base_path: other\n"
        "    checkpoints: models/Stable-diffusion\n"
        "    loras: |\n"
        "        loras1\n"
        "        loras2\n"
        "    clip: clipdir\n"
        "    custom_nodes: packs\n")
    paths = FolderPaths(str(tmp_path / "base"), extra_config=str(yaml_path))
    assert paths.list_files("checkpoints") == ["m.safetensors"]
    assert paths.list_files("loras") == ["l1.safetensors", "l2.safetensors"]
    assert paths.list_files("text_encoders") == ["te.safetensors"]
    assert str(other / "packs") in paths.folder("custom_nodes")
    assert paths.full_path("loras", "l2.safetensors") == str(other / "loras2" / "l2.safetensors")


def test_context_helpers_are_noops_outside_execution():
    assert context.current() is None
    context.progress(1, 2)
    context.check_interrupt()
