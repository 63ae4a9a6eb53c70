"""``comfy_api.latest.io``: V3 node schemas (ComfyNode, Schema, typed inputs/outputs, NodeOutput, Hidden).

Only the description side lives here; engine.compat.v3 turns a ComfyNode into a V1-shaped class
that the registry, validation, /object_info and the executor already understand.
"""
from __future__ import annotations

from enum import Enum
from typing import Any

# V3 keyword -> V1 option key (InputTypeOptions)
_OPTION_KEYS = {
    "default": "default", "min": "min", "max": "max", "step": "step", "round": "round",
    "control_after_generate": "control_after_generate", "display_mode": "display", "multiline": "multiline",
    "placeholder": "placeholder", "dynamic_prompts": "dynamicPrompts", "label_on": "label_on",
    "label_off": "label_off", "socketless": "socketless", "force_input": "forceInput", "tooltip": "tooltip",
    "lazy": "lazy", "raw_link": "rawLink", "advanced": "advanced", "display_name": "display_name",
    "image_folder": "image_folder", "remote": "remote", "multi_select": "multi_select",
    "widget_type": "widgetType",
}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


class NumberDisplay(str, Enum):
    number = "number"
    slider = "slider"


class UploadType(str, Enum):
    image = "image_upload"
    audio = "audio_upload"
    video = "video_upload"
    model = "file_upload"


class FolderType(str, Enum):
    input = "input"
    output = "output"
    temp = "temp"


class Hidden(str, Enum):
    """Hidden inputs a node asks for in Schema(hidden=[...]); read in execute() from cls.hidden.<name>."""
    unique_id = "UNIQUE_ID"
    prompt = "PROMPT"
    extra_pnginfo = "EXTRA_PNGINFO"
    dynprompt = "DYNPROMPT"
    auth_token_comfy_org = "AUTH_TOKEN_COMFY_ORG"
    api_key_comfy_org = "API_KEY_COMFY_ORG"


class HiddenHolder:
    """The hidden values of one execution (attributes named as Hidden's members; None when not asked for)."""

    def __init__(self, **values: Any) -> None:
        for h in Hidden:
            setattr(self, h.name, values.get(h.name))


class Input:
    """One input socket/widget; ``io_type`` comes from the type class it is nested in."""
    io_type = "*"

    def __init__(self, id: str, display_name: str | None = None, optional: bool = False, tooltip: str | None = None,
                 lazy: bool | None = None, extra_dict: dict | None = None, raw_link: bool | None = None,
                 advanced: bool | None = None, **options: Any) -> None:
        if not isinstance(id, str) or not id:
            raise ValueError(f"{type(self).__qualname__}: input id must be a non-empty string, got {id!r}")
        self.id = id
        self.optional = optional
        self.options: dict[str, Any] = {"display_name": display_name, "tooltip": tooltip, "lazy": lazy,
                                        "raw_link": raw_link, "advanced": advanced, **options}
        self.extra_dict = dict(extra_dict or {})

    def v1_options(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.options.items():
            if value is None:
                continue
            if key == "upload":
                out[_plain(value)] = True
                continue
            if key not in _OPTION_KEYS:
                raise TypeError(f"{type(self).__qualname__}({self.id!r}): unknown option {key!r}")
            out[_OPTION_KEYS[key]] = _plain(value)
        out.update(self.extra_dict)
        return out

    def as_v1(self) -> tuple:
        opts = self.v1_options()
        return (self.io_type, opts) if opts else (self.io_type,)


class Output:
    io_type = "*"

    def __init__(self, id: str | None = None, display_name: str | None = None, tooltip: str | None = None,
                 is_output_list: bool = False) -> None:
        self.id = id
        self.display_name = display_name
        self.tooltip = tooltip
        self.is_output_list = is_output_list


class ComfyType:
    """Base of the io type classes (io.Int, io.Image ...): each has nested Input and Output classes."""
    io_type = "*"
    Input = Input
    Output = Output


def _comfytype(io_type: str, name: str) -> type[ComfyType]:
    inp = type("Input", (Input,), {"io_type": io_type, "__qualname__": f"{name}.Input"})
    out = type("Output", (Output,), {"io_type": io_type, "__qualname__": f"{name}.Output"})
    return type(name, (ComfyType,), {"io_type": io_type, "Input": inp, "Output": out, "__qualname__": name})


Int = _comfytype("INT", "Int")
Float = _comfytype("FLOAT", "Float")
String = _comfytype("STRING", "String")
Boolean = _comfytype("BOOLEAN", "Boolean")
Image = _comfytype("IMAGE", "Image")
Mask = _comfytype("MASK", "Mask")
Latent = _comfytype("LATENT", "Latent")
Model = _comfytype("MODEL", "Model")
Clip = _comfytype("CLIP", "Clip")
Vae = _comfytype("VAE", "Vae")
Conditioning = _comfytype("CONDITIONING", "Conditioning")
ControlNet = _comfytype("CONTROL_NET", "ControlNet")
Sampler = _comfytype("SAMPLER", "Sampler")
Sigmas = _comfytype("SIGMAS", "Sigmas")
Noise = _comfytype("NOISE", "Noise")
Guider = _comfytype("GUIDER", "Guider")
UpscaleModel = _comfytype("UPSCALE_MODEL", "UpscaleModel")
AnyType = _comfytype("*", "AnyType")
ClipVision = _comfytype("CLIP_VISION", "ClipVision")
ClipVisionOutput = _comfytype("CLIP_VISION_OUTPUT", "ClipVisionOutput")
StyleModel = _comfytype("STYLE_MODEL", "StyleModel")
Gligen = _comfytype("GLIGEN", "Gligen")
Audio = _comfytype("AUDIO", "Audio")
Video = _comfytype("VIDEO", "Video")
Hooks = _comfytype("HOOKS", "Hooks")
LatentOperation = _comfytype("LATENT_OPERATION", "LatentOperation")


class _ComboInput(Input):
    io_type = "COMBO"

    def __init__(self, id: str, options: Any = None, **kwargs: Any) -> None:
        if isinstance(options, type) and issubclass(options, Enum):
            options = [e.value for e in options]
        if options is None:
            options = []
        super().__init__(id, **kwargs)
        self.combo_options = list(options)
        if self.options.get("default") is not None:
            self.options["default"] = _plain(self.options["default"])

    def v1_options(self) -> dict[str, Any]:
        return {"options": list(self.combo_options), **super().v1_options()}


class Combo(ComfyType):
    io_type = "COMBO"
    Input = _ComboInput
    Output = type("Output", (Output,), {"io_type": "COMBO", "__qualname__": "Combo.Output"})


def Custom(io_type: str) -> type[ComfyType]:
    """A type class for a custom socket type name (``io.Custom("MY_TYPE").Input("x")``)."""
    return _comfytype(io_type, io_type.title().replace("_", ""))


class Schema:
    """What define_schema() returns."""

    def __init__(self, node_id: str, display_name: str | None = None, category: str = "sd",
                 inputs: list[Input] | None = None, outputs: list[Output] | None = None,
                 hidden: list[Hidden] | None = None, description: str = "", is_input_list: bool = False,
                 is_output_node: bool = False, is_deprecated: bool = False, is_experimental: bool = False,
                 is_api_node: bool = False, not_idempotent: bool = False, enable_expand: bool = False,
                 **extra: Any) -> None:
        self.node_id = node_id
        self.display_name = display_name
        self.category = category
        self.inputs = list(inputs or [])
        self.outputs = list(outputs or [])
        self.hidden = list(hidden or [])
        self.description = description
        self.is_input_list = is_input_list
        self.is_output_node = is_output_node
        self.is_deprecated = is_deprecated
        self.is_experimental = is_experimental
        self.is_api_node = is_api_node
        self.not_idempotent = not_idempotent
        self.enable_expand = enable_expand
        self.extra = extra

    def validate(self) -> None:
        """ValueError naming the node when ids repeat or the node id is missing."""
        if not isinstance(self.node_id, str) or not self.node_id:
            raise ValueError(f"Schema: node_id must be a non-empty string, got {self.node_id!r}")
        seen: set[str] = set()
        for i in self.inputs:
            if i.id in seen:
                raise ValueError(f"node {self.node_id}: input id {i.id!r} is used twice")
            seen.add(i.id)


class NodeOutput:
    """execute()'s result: output values, optional ui dict, expansion graph or a block message."""

    def __init__(self, *args: Any, ui: Any = None, expand: dict | None = None,
                 block_execution: str | None = None) -> None:
        self.args = args
        self.ui = ui
        self.expand = expand
        self.block_execution = block_execution

    @property
    def result(self) -> tuple | None:
        return self.args if self.args else None


class ComfyNode:
    """Base class of V3 nodes: classmethods define_schema() and execute(**inputs)."""
    hidden: HiddenHolder | None = None

    @classmethod
    def define_schema(cls) -> Schema:
        raise NotImplementedError(f"{cls.__name__} does not implement define_schema()")

    @classmethod
    def execute(cls, **kwargs: Any) -> NodeOutput:
        raise NotImplementedError(f"{cls.__name__} does not implement execute()")

    @classmethod
    def GET_SCHEMA(cls) -> Schema:
        schema = cls.define_schema()
        schema.validate()
        return schema
