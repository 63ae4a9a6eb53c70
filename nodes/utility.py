"""Utility nodes: primitives, string operations, Preview as Text, LoadImageOutput and animated saves."""
from __future__ import annotations

import json
import os
import re
import sys

import torch
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from ._common import NodeInputError, cli_arg
from .image_io import LoadImage, _dirs, to_uint8
from .save_path import expand_node_tokens, get_save_path


# ------------------------------------------------------------------ primitives
class PrimitiveString:
    DESCRIPTION = "A string value."
    CATEGORY = "utils/primitive"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("STRING", {"multiline": False})}}

    def execute(self, value: str):
        return (value,)


class PrimitiveStringMultiline(PrimitiveString):
    DESCRIPTION = "A multi-line string value."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("STRING", {"multiline": True})}}


class PrimitiveInt:
    DESCRIPTION = "An integer value."
    CATEGORY = "utils/primitive"
    RETURN_TYPES = ("INT",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -sys.maxsize, "max": sys.maxsize,
                                               "control_after_generate": True})}}

    def execute(self, value: int):
        return (value,)


class PrimitiveFloat:
    DESCRIPTION = "A float value."
    CATEGORY = "utils/primitive"
    RETURN_TYPES = ("FLOAT",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("FLOAT", {"default": 0.0, "min": -sys.maxsize, "max": sys.maxsize,
                                                 "step": 0.1})}}

    def execute(self, value: float):
        return (value,)


class PrimitiveBoolean:
    DESCRIPTION = "A boolean value."
    CATEGORY = "utils/primitive"
    RETURN_TYPES = ("BOOLEAN",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("BOOLEAN", {})}}

    def execute(self, value: bool):
        return (value,)


# ------------------------------------------------------------------ Preview as Text
def preview_text(source) -> str:
    """The text ComfyUI's PreviewAny shows: strings as is, numbers via str, else JSON (indent 4) or str()."""
    if source is None:
        return "None"
    if isinstance(source, str):
        return source
    if isinstance(source, (int, float, bool)):
        return str(source)
    try:
        return json.dumps(source, indent=4)
    except (TypeError, ValueError):
        pass
    previous = torch._tensor_str.PRINT_OPTS.edgeitems
    torch.set_printoptions(edgeitems=6)
    try:
        return str(source)
    except Exception:  # noqa: BLE001 - any object may fail to print; the preview says so instead
        return "source exists, but could not be serialized."
    finally:
        torch.set_printoptions(edgeitems=previous)


class PreviewAny:
    CATEGORY = "utils"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "main"
    OUTPUT_NODE = True
    DESCRIPTION = "Show any value as text on the node (and pass the text on)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"source": ("*", {})}}

    def main(self, source=None):
        value = preview_text(source)
        # ComfyUI returns 1-tuples; lists serialise the same and let the executor join the ui of list runs.
        return {"ui": {"text": [value]}, "result": (value,)}


# ------------------------------------------------------------------ strings
def _text(node_name: str, input_name: str, value) -> str:
    if not isinstance(value, str):
        raise NodeInputError(f"{node_name}: input '{input_name}' must be a STRING, got {type(value).__name__}")
    return value


def _regex_flags(case_insensitive: bool, multiline: bool, dotall: bool) -> int:
    flags = 0
    if case_insensitive:
        flags |= re.IGNORECASE
    if multiline:
        flags |= re.MULTILINE
    if dotall:
        flags |= re.DOTALL
    return flags


_ML = {"multiline": True}


class StringConcatenate:
    DESCRIPTION = "string_a + delimiter + string_b."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string_a": ("STRING", dict(_ML)), "string_b": ("STRING", dict(_ML)),
                             "delimiter": ("STRING", {"multiline": False, "default": ""})}}

    def execute(self, string_a: str, string_b: str, delimiter: str):
        parts = (_text("StringConcatenate", "string_a", string_a), _text("StringConcatenate", "string_b", string_b))
        return (_text("StringConcatenate", "delimiter", delimiter).join(parts),)


class StringSubstring:
    DESCRIPTION = "string[start:end] (Python slicing: negative positions count from the end)."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)), "start": ("INT", {}), "end": ("INT", {})}}

    def execute(self, string: str, start: int, end: int):
        return (_text("StringSubstring", "string", string)[start:end],)


class StringLength:
    DESCRIPTION = "Number of characters in the string."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("INT",)
    RETURN_NAMES = ("length",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML))}}

    def execute(self, string: str):
        return (len(_text("StringLength", "string", string)),)


class CaseConverter:
    DESCRIPTION = "Change the letter case of the string."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)),
                             "mode": (["UPPERCASE", "lowercase", "Capitalize", "Title Case"],)}}

    def execute(self, string: str, mode: str):
        string = _text("CaseConverter", "string", string)
        fn = {"UPPERCASE": str.upper, "lowercase": str.lower, "Capitalize": str.capitalize,
              "Title Case": str.title}.get(mode)
        return (fn(string) if fn else string,)


class StringTrim:
    DESCRIPTION = "Remove whitespace from both ends, the left or the right."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)), "mode": (["Both", "Left", "Right"],)}}

    def execute(self, string: str, mode: str):
        string = _text("StringTrim", "string", string)
        fn = {"Both": str.strip, "Left": str.lstrip, "Right": str.rstrip}.get(mode)
        return (fn(string) if fn else string,)


class StringReplace:
    DESCRIPTION = "Replace every occurrence of `find` by `replace`."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)), "find": ("STRING", dict(_ML)),
                             "replace": ("STRING", dict(_ML))}}

    def execute(self, string: str, find: str, replace: str):
        return (_text("StringReplace", "string", string).replace(_text("StringReplace", "find", find),
                                                                 _text("StringReplace", "replace", replace)),)


class StringContains:
    DESCRIPTION = "Whether `substring` occurs in the string."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("BOOLEAN",)
    RETURN_NAMES = ("contains",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)), "substring": ("STRING", dict(_ML)),
                             "case_sensitive": ("BOOLEAN", {"default": True})}}

    def execute(self, string: str, substring: str, case_sensitive: bool):
        string = _text("StringContains", "string", string)
        substring = _text("StringContains", "substring", substring)
        if case_sensitive:
            return (substring in string,)
        return (substring.lower() in string.lower(),)


class StringCompare:
    DESCRIPTION = "Compare two strings: starts with, ends with, or equal."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("BOOLEAN",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string_a": ("STRING", dict(_ML)), "string_b": ("STRING", dict(_ML)),
                             "mode": (["Starts With", "Ends With", "Equal"],),
                             "case_sensitive": ("BOOLEAN", {"default": True})}}

    def execute(self, string_a: str, string_b: str, mode: str, case_sensitive: bool):
        a = _text("StringCompare", "string_a", string_a)
        b = _text("StringCompare", "string_b", string_b)
        if not case_sensitive:
            a, b = a.lower(), b.lower()
        if mode == "Equal":
            return (a == b,)
        if mode == "Starts With":
            return (a.startswith(b),)
        if mode == "Ends With":
            return (a.endswith(b),)
        raise NodeInputError(f"StringCompare: unknown mode '{mode}'")


class RegexMatch:
    DESCRIPTION = "Whether the regular expression matches anywhere in the string (an invalid pattern gives False)."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("BOOLEAN",)
    RETURN_NAMES = ("matches",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)), "regex_pattern": ("STRING", dict(_ML)),
                             "case_insensitive": ("BOOLEAN", {"default": True}),
                             "multiline": ("BOOLEAN", {"default": False}),
                             "dotall": ("BOOLEAN", {"default": False})}}

    def execute(self, string: str, regex_pattern: str, case_insensitive: bool, multiline: bool, dotall: bool):
        try:
            found = re.search(regex_pattern, string, _regex_flags(case_insensitive, multiline, dotall))
        except re.error:
            return (False,)  # ComfyUI answers False for an invalid pattern
        return (found is not None,)


class RegexExtract:
    DESCRIPTION = "Text matched by a regular expression: first/all matches or groups, joined by newlines."
    CATEGORY = "utils/string"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)), "regex_pattern": ("STRING", dict(_ML)),
                             "mode": (["First Match", "All Matches", "First Group", "All Groups"],),
                             "case_insensitive": ("BOOLEAN", {"default": True}),
                             "multiline": ("BOOLEAN", {"default": False}),
                             "dotall": ("BOOLEAN", {"default": False}),
                             "group_index": ("INT", {"default": 1, "min": 0, "max": 100})}}

    def execute(self, string: str, regex_pattern: str, mode: str, case_insensitive: bool, multiline: bool,
                dotall: bool, group_index: int):
        flags = _regex_flags(case_insensitive, multiline, dotall)
        try:
            if mode == "First Match":
                m = re.search(regex_pattern, string, flags)
                return (m.group(0) if m else "",)
            if mode == "All Matches":
                found = re.findall(regex_pattern, string, flags)
                return ("\n".join(f[0] if isinstance(f, tuple) else f for f in found),)
            if mode == "First Group":
                m = re.search(regex_pattern, string, flags)
                return (m.group(group_index) if m and len(m.groups()) >= group_index else "",)
            if mode == "All Groups":
                groups = [m.group(group_index) for m in re.finditer(regex_pattern, string, flags)
                          if m.groups() and len(m.groups()) >= group_index]
                return ("\n".join(g if g is not None else "" for g in groups),)
        except re.error:
            return ("",)  # ComfyUI answers "" for an invalid pattern
        return ("",)


class RegexReplace:
    CATEGORY = "utils/string"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "execute"
    DESCRIPTION = "Find and replace text using regex patterns."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"string": ("STRING", dict(_ML)), "regex_pattern": ("STRING", dict(_ML)),
                             "replace": ("STRING", dict(_ML))},
                "optional": {"case_insensitive": ("BOOLEAN", {"default": True}),
                             "multiline": ("BOOLEAN", {"default": False}),
                             "dotall": ("BOOLEAN", {"default": False, "tooltip": (
                                 "When enabled, the dot (.) character will match any character including newline "
                                 "characters. When disabled, dots won't match newlines.")}),
                             "count": ("INT", {"default": 0, "min": 0, "max": 100, "tooltip": (
                                 "Maximum number of replacements to make. Set to 0 to replace all occurrences "
                                 "(default). Set to 1 to replace only the first match, 2 for the first two "
                                 "matches, etc.")})}}

    def execute(self, string: str, regex_pattern: str, replace: str, case_insensitive: bool = True,
                multiline: bool = False, dotall: bool = False, count: int = 0):
        try:
            return (re.sub(regex_pattern, replace, string, count=count,
                           flags=_regex_flags(case_insensitive, multiline, dotall)),)
        except re.error as exc:
            raise NodeInputError(f"RegexReplace: invalid regex_pattern or replace: {exc}") from exc


# ------------------------------------------------------------------ LoadImageOutput
def _as_output_name(image: str) -> str:
    """A plain name refers to the output folder; an explicit ' [input]' / ' [temp]' annotation is kept."""
    if any(image.endswith(f" [{kind}]") for kind in ("input", "output", "temp")):
        return image
    return f"{image} [output]"


class LoadImageOutput(LoadImage):
    DESCRIPTION = ("Load an image from the output folder. When the refresh button is clicked, the node will update "
                   "the image list and automatically select the first image, allowing for easy iteration.")
    EXPERIMENTAL = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("COMBO", {
            "image_upload": True,
            "image_folder": "output",
            "remote": {"route": "/internal/files/output", "refresh_button": True, "control_after_refresh": "first"},
        })}}

    def load_image(self, image: str):
        try:
            return super().load_image(_as_output_name(image))
        except (FileNotFoundError, NodeInputError) as exc:
            raise type(exc)(str(exc).replace("LoadImage:", "LoadImageOutput:", 1)) from exc

    @classmethod
    def IS_CHANGED(cls, image: str):
        return super().IS_CHANGED(_as_output_name(image))

    @classmethod
    def VALIDATE_INPUTS(cls, image: str):
        return super().VALIDATE_INPUTS(_as_output_name(image))


# ------------------------------------------------------------------ animated saves
def _check_frames(node_name: str, images) -> None:
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise NodeInputError(f"{node_name}: input 'images' must be an IMAGE [B,H,W,C], got {shape}")
    if images.shape[0] == 0:
        raise NodeInputError(f"{node_name}: input 'images' has no frames")


def _to_pil_frames(images: torch.Tensor) -> list[Image.Image]:
    frames = []
    for image in images:
        arr = to_uint8(image)
        frames.append(Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr))
    return frames


def _frame_duration_ms(node_name: str, fps: float) -> int:
    if not fps or fps <= 0:
        raise NodeInputError(f"{node_name}: fps must be > 0, got {fps}")
    return int(1000.0 / fps)


def _save_target(node, node_name: str, filename_prefix: str, images: torch.Tensor, prompt):
    prefix = expand_node_tokens(filename_prefix, prompt)
    try:
        return get_save_path(prefix, _dirs(node)["output"], images.shape[2], images.shape[1])
    except ValueError as exc:
        raise NodeInputError(f"{node_name}: {exc}") from exc


class SaveAnimatedWEBP:
    CATEGORY = "image/animation"
    RETURN_TYPES = ()
    FUNCTION = "save_images"
    OUTPUT_NODE = True
    DESCRIPTION = "Save the batch as one animated WEBP in the output folder (prompt and workflow in EXIF)."

    COMPRESS_METHODS = {"default": 4, "fastest": 0, "slowest": 6}

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "images": ("IMAGE",),
            "filename_prefix": ("STRING", {"default": "ComfyUI"}),
            "fps": ("FLOAT", {"default": 6.0, "min": 0.01, "max": 1000.0, "step": 0.01}),
            "lossless": ("BOOLEAN", {"default": True}),
            "quality": ("INT", {"default": 80, "min": 0, "max": 100}),
            "method": (list(cls.COMPRESS_METHODS.keys()),),
        }, "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def save_images(self, images: torch.Tensor, fps: float, filename_prefix: str = "ComfyUI", lossless: bool = True,
                    quality: int = 80, method: str = "default", num_frames: int = 0, prompt=None,
                    extra_pnginfo=None):
        _check_frames("SaveAnimatedWEBP", images)
        if method not in self.COMPRESS_METHODS:
            raise NodeInputError(f"SaveAnimatedWEBP: unknown method '{method}' "
                                 f"(expected one of {list(self.COMPRESS_METHODS)})")
        duration = _frame_duration_ms("SaveAnimatedWEBP", fps)
        target = _save_target(self, "SaveAnimatedWEBP", filename_prefix, images, prompt)
        frames = _to_pil_frames(images)
        exif = frames[0].getexif()
        if not cli_arg(self, "disable_metadata", False):
            if prompt is not None:
                exif[0x0110] = "prompt:{}".format(json.dumps(prompt))  # EXIF Model
            tag = 0x010F  # EXIF Make, then downwards, one tag per extra_pnginfo key
            for key, value in (extra_pnginfo or {}).items():
                exif[tag] = "{}:{}".format(key, json.dumps(value))
                tag -= 1
        file = f"{target.filename}_{target.counter:05}_.webp"
        frames[0].save(os.path.join(target.folder, file), save_all=True, duration=duration,
                       append_images=frames[1:], exif=exif, lossless=lossless, quality=quality,
                       method=self.COMPRESS_METHODS[method])
        result = {"filename": file, "subfolder": target.subfolder, "type": "output"}
        return {"ui": {"images": [result], "animated": [len(frames) > 1]}}


class SaveAnimatedPNG:
    CATEGORY = "image/animation"
    RETURN_TYPES = ()
    FUNCTION = "save_images"
    OUTPUT_NODE = True
    DESCRIPTION = "Save the batch as one animated PNG (APNG) in the output folder (prompt and workflow in 'comf' chunks)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "images": ("IMAGE",),
            "filename_prefix": ("STRING", {"default": "ComfyUI"}),
            "fps": ("FLOAT", {"default": 6.0, "min": 0.01, "max": 1000.0, "step": 0.01}),
            "compress_level": ("INT", {"default": 4, "min": 0, "max": 9}),
        }, "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def save_images(self, images: torch.Tensor, fps: float, compress_level: int, filename_prefix: str = "ComfyUI",
                    prompt=None, extra_pnginfo=None):
        _check_frames("SaveAnimatedPNG", images)
        duration = _frame_duration_ms("SaveAnimatedPNG", fps)
        target = _save_target(self, "SaveAnimatedPNG", filename_prefix, images, prompt)
        frames = _to_pil_frames(images)
        metadata = None
        if not cli_arg(self, "disable_metadata", False) and (prompt is not None or extra_pnginfo):
            metadata = PngInfo()
            entries = ([("prompt", prompt)] if prompt is not None else []) + list((extra_pnginfo or {}).items())
            for key, value in entries:
                try:
                    data = key.encode("latin-1", "strict") + b"\0" + json.dumps(value).encode("latin-1", "strict")
                except UnicodeEncodeError as exc:
                    raise NodeInputError(f"SaveAnimatedPNG: metadata '{key}' cannot be stored: {exc}") from exc
                metadata.add(b"comf", data, after_idat=True)
        file = f"{target.filename}_{target.counter:05}_.png"
        frames[0].save(os.path.join(target.folder, file), pnginfo=metadata, compress_level=compress_level,
                       save_all=True, duration=duration, append_images=frames[1:])
        result = {"filename": file, "subfolder": target.subfolder, "type": "output"}
        return {"ui": {"images": [result], "animated": [len(frames) > 1]}}


NODE_CLASS_MAPPINGS = {
    "PrimitiveString": PrimitiveString,
    "PrimitiveStringMultiline": PrimitiveStringMultiline,
    "PrimitiveInt": PrimitiveInt,
    "PrimitiveFloat": PrimitiveFloat,
    "PrimitiveBoolean": PrimitiveBoolean,
    "PreviewAny": PreviewAny,
    "StringConcatenate": StringConcatenate,
    "StringSubstring": StringSubstring,
    "StringLength": StringLength,
    "CaseConverter": CaseConverter,
    "StringTrim": StringTrim,
    "StringReplace": StringReplace,
    "StringContains": StringContains,
    "StringCompare": StringCompare,
    "RegexMatch": RegexMatch,
    "RegexExtract": RegexExtract,
    "RegexReplace": RegexReplace,
    "LoadImageOutput": LoadImageOutput,
    "SaveAnimatedWEBP": SaveAnimatedWEBP,
    "SaveAnimatedPNG": SaveAnimatedPNG,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "PrimitiveString": "String",
    "PrimitiveStringMultiline": "String (Multiline)",
    "PrimitiveInt": "Int",
    "PrimitiveFloat": "Float",
    "PrimitiveBoolean": "Boolean",
    "PreviewAny": "Preview as Text",
    "StringConcatenate": "Concatenate",
    "StringSubstring": "Substring",
    "StringLength": "Length",
    "CaseConverter": "Case Converter",
    "StringTrim": "Trim",
    "StringReplace": "Replace",
    "StringContains": "Contains",
    "StringCompare": "Compare",
    "RegexMatch": "Regex Match",
    "RegexExtract": "Regex Extract",
    "RegexReplace": "Regex Replace",
    "LoadImageOutput": "Load Image (from Outputs)",
}
