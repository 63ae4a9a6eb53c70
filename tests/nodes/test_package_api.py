"""`import nodes` offers ComfyUI's package attributes to custom nodes (MAX_RESOLUTION, classes, common_ksampler)."""
import os

import pytest

import nodes
from engine.graph.cache import make_cache
from engine.graph.executor import Executor


def test_comfyui_style_attributes():
    assert nodes.MAX_RESOLUTION == 16384
    assert nodes.NODE_CLASS_MAPPINGS["KSampler"] is nodes.KSampler
    assert nodes.NODE_DISPLAY_NAME_MAPPINGS["VAEDecode"] == "VAE Decode"
    assert callable(nodes.common_ksampler)
    with pytest.raises(AttributeError):
        nodes.NoSuchNode  # noqa: B018


class MyPreview(nodes.PreviewImage):
    """A custom node subclassing a built-in: it finds the folders through the running context."""
    CATEGORY = "custom"


def test_custom_subclass_of_a_builtin_runs_with_the_execution_context(registry, ctx):
    registry.register("MyPreview", MyPreview, module="custom_nodes.mine")
    prompt = {
        "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0xFF0000}},
        "2": {"class_type": "MyPreview", "inputs": {"images": ["1", 0]}},
    }
    result = Executor(registry, make_cache("none"), ctx).execute(prompt, "p", {}, None, None)
    assert result.success, result.error
    (entry,) = result.outputs["2"]["images"]
    assert entry["type"] == "temp" and os.path.isfile(os.path.join(ctx.paths.temp_dir, entry["filename"]))
    assert "CONTEXT" not in vars(MyPreview)
