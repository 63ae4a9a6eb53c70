"""Two small nodes: string templating and an integer clamp that reports progress."""
from __future__ import annotations

from engine.graph import context


class ExampleTextTemplate:
    """Fills ``{value}`` in a template with an input value."""

    DESCRIPTION = "Formats a text template with a value (example custom node)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"template": ("STRING", {"default": "a photo of {value}", "multiline": True}),
                             "value": ("STRING", {"default": "a cat"})}}

    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("text",)
    FUNCTION = "render"
    CATEGORY = "examples"

    def render(self, template: str, value: str):
        if "{value}" not in template:
            raise ValueError("template must contain {value}")
        return (template.replace("{value}", value),)


class ExampleClampInt:
    """Clamps an integer into [low, high]."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -(2**31), "max": 2**31 - 1}),
                             "low": ("INT", {"default": 0, "min": -(2**31), "max": 2**31 - 1}),
                             "high": ("INT", {"default": 100, "min": -(2**31), "max": 2**31 - 1})}}

    RETURN_TYPES = ("INT",)
    FUNCTION = "clamp"
    CATEGORY = "examples"

    @classmethod
    def VALIDATE_INPUTS(cls, low, high):
        if low is not None and high is not None and low > high:
            return f"low ({low}) must not exceed high ({high})"
        return True

    def clamp(self, value: int, low: int, high: int):
        context.check_interrupt()
        context.progress(1, 1)
        return (min(max(value, low), high),)


NODE_CLASS_MAPPINGS = {"ExampleTextTemplate": ExampleTextTemplate, "ExampleClampInt": ExampleClampInt}
NODE_DISPLAY_NAME_MAPPINGS = {"ExampleTextTemplate": "Text Template (example)",
                              "ExampleClampInt": "Clamp Int (example)"}
