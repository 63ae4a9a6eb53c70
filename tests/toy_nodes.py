"""Toy nodes (no torch) shared by the graph and server tests.

``register_toy_nodes(registry)`` adds them all under their class names.
"""
from __future__ import annotations

import asyncio
import os
import time

from engine.graph import context as node_context
from engine.graph.types import ExecutionBlocker

INT_MAX = 0xFFFFFFFFFFFFFFFF


class ToyConstInt:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -1000000, "max": 1000000})}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value):
        return (value,)


class ToyConstString:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"text": ("STRING", {"default": "", "multiline": True})}}
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, text):
        return (text,)


class ToyFloat:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("FLOAT", {"default": 0.5, "min": 0.0, "max": 1.0, "step": 0.01})}}
    RETURN_TYPES = ("FLOAT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value):
        return (value,)


class ToyAdd:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"a": ("INT", {"default": 0, "min": -10**12, "max": 10**12}),
                             "b": ("INT", {"default": 0, "min": -10**12, "max": 10**12})}}
    RETURN_TYPES = ("INT",)
    RETURN_NAMES = ("sum",)
    FUNCTION = "add"
    CATEGORY = "toy"

    def add(self, a, b):
        return (a + b,)


class ToyIntToString:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"forceInput": True})}}
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value):
        return (str(value),)


class ToySlow:
    """Counts to ``steps`` reporting progress and checking interrupt each step."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -10**12, "max": 10**12}),
                             "steps": ("INT", {"default": 5, "min": 1, "max": 100000}),
                             "delay": ("FLOAT", {"default": 0.01, "min": 0.0, "max": 10.0})}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value, steps, delay):
        for i in range(steps):
            node_context.check_interrupt()
            if delay:
                time.sleep(delay)
            node_context.progress(i + 1, steps)
        return (value,)


class ToyFail:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("*",), "message": ("STRING", {"default": "toy failure"})}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value, message):
        raise ValueError(message)


class ToyLazySwitch:
    """Evaluates only the branch it picks (lazy inputs)."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"switch": ("BOOLEAN", {"default": True}),
                             "on_true": ("*", {"lazy": True}),
                             "on_false": ("*", {"lazy": True})}}
    RETURN_TYPES = ("*",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def check_lazy_status(self, switch, on_true=None, on_false=None):
        if switch and on_true is None:
            return ["on_true"]
        if not switch and on_false is None:
            return ["on_false"]
        return []

    def run(self, switch, on_true=None, on_false=None):
        return (on_true if switch else on_false,)


class ToyOutput:
    """Output node: reports its value in the UI dict."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("*",)},
                "hidden": {"unique_id": "UNIQUE_ID"}}
    RETURN_TYPES = ()
    OUTPUT_NODE = True
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value, unique_id=None):
        return {"ui": {"value": [value], "node": [unique_id]}}


class ToySaveText:
    """Output node writing its text to <output>/<prefix>_NNNNN_.txt, reported as an "images" entry."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"text": ("STRING", {"forceInput": True}),
                             "filename_prefix": ("STRING", {"default": "toy"})},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}
    RETURN_TYPES = ()
    OUTPUT_NODE = True
    FUNCTION = "save"
    CATEGORY = "toy"

    def save(self, text, filename_prefix, prompt=None, extra_pnginfo=None):
        ctx = node_context.current()
        out_dir = ctx.paths.output_dir
        os.makedirs(out_dir, exist_ok=True)
        n = 1 + sum(1 for f in os.listdir(out_dir) if f.startswith(filename_prefix + "_"))
        name = f"{filename_prefix}_{n:05}_.txt"
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(str(text))
        return {"ui": {"images": [{"filename": name, "subfolder": "", "type": "output"}]}}


class ToyList:
    """OUTPUT_IS_LIST: emits [start, start+1, ..., start+count-1]."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"start": ("INT", {"default": 0, "min": -10**9, "max": 10**9}),
                             "count": ("INT", {"default": 3, "min": 0, "max": 1000})}}
    RETURN_TYPES = ("INT",)
    OUTPUT_IS_LIST = (True,)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, start, count):
        return (list(range(start, start + count)),)


class ToySumList:
    """INPUT_IS_LIST: receives every input as a whole list."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"values": ("INT", {"forceInput": True})}}
    RETURN_TYPES = ("INT",)
    INPUT_IS_LIST = True
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, values):
        return (sum(values),)


class ToyRepeatAdd:
    """Node expansion: replaces itself with a chain of ``times`` ToyAdd nodes adding ``step``."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -10**9, "max": 10**9}),
                             "step": ("INT", {"default": 1, "min": -10**9, "max": 10**9}),
                             "times": ("INT", {"default": 3, "min": 1, "max": 100000})},
                "hidden": {"unique_id": "UNIQUE_ID"}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value, step, times, unique_id=None):
        graph = {}
        prev = value
        for i in range(times):
            nid = f"{unique_id}.add{i}"
            graph[nid] = {"class_type": "ToyAdd", "inputs": {"a": prev, "b": step}}
            prev = [nid, 0]
        return {"result": (prev,), "expand": graph}


class ToyAsync:
    """An ``async def`` node (sleeps ``delay`` seconds)."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -10**12, "max": 10**12}),
                             "delay": ("FLOAT", {"default": 0.05, "min": 0.0, "max": 10.0})}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    async def run(self, value, delay):
        await asyncio.sleep(delay)
        return (value,)


class ToyBlock:
    """Blocks downstream execution when ``block`` is true (ExecutionBlocker)."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -10**12, "max": 10**12}),
                             "block": ("BOOLEAN", {"default": True}),
                             "message": ("STRING", {"default": ""})}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    def run(self, value, block, message):
        return (ExecutionBlocker(message or None) if block else value,)


class ToyVolatile:
    """IS_CHANGED returns NaN: always re-executed."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"value": ("INT", {"default": 0, "min": -10**12, "max": 10**12})}}
    RETURN_TYPES = ("INT",)
    FUNCTION = "run"
    CATEGORY = "toy"

    @classmethod
    def IS_CHANGED(cls, value):
        return float("nan")

    def run(self, value):
        return (value,)


class ToyChoice:
    """Combo input plus a VALIDATE_INPUTS hook (rejects 'forbidden' text)."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"choice": (["alpha", "beta", "gamma"], {"default": "alpha"}),
                             "text": ("STRING", {"default": ""})}}
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"
    CATEGORY = "toy"

    @classmethod
    def VALIDATE_INPUTS(cls, text):
        if text == "forbidden":
            return "text may not be 'forbidden'"
        return True

    def run(self, choice, text):
        return (f"{choice}:{text}",)


class ToyLoader:
    """KSampler-workflow look-alike: a 'model' source with a combo widget."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"name": (["tiny-a.safetensors", "tiny-b.safetensors"],)}}
    RETURN_TYPES = ("TOYMODEL", "STRING")
    RETURN_NAMES = ("model", "label")
    FUNCTION = "load"
    CATEGORY = "toy"

    def load(self, name):
        return ({"name": name, "patches": []}, name)


class ToyPatch:
    """TOYMODEL -> TOYMODEL with a strength (bypass target in UI tests)."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("TOYMODEL",),
                             "strength": ("FLOAT", {"default": 1.0, "min": -10.0, "max": 10.0, "step": 0.01})}}
    RETURN_TYPES = ("TOYMODEL",)
    FUNCTION = "patch"
    CATEGORY = "toy"

    def patch(self, model, strength):
        return ({"name": model["name"], "patches": model["patches"] + [strength]},)


class ToySampler:
    """KSampler look-alike: seed with control_after_generate, steps, cfg, combos."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "model": ("TOYMODEL",),
            "seed": ("INT", {"default": 0, "min": 0, "max": INT_MAX, "control_after_generate": True}),
            "steps": ("INT", {"default": 20, "min": 1, "max": 10000}),
            "cfg": ("FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.1}),
            "sampler_name": (["euler", "euler_ancestral", "dpmpp_2m"],),
            "scheduler": (["normal", "karras"],),
            "denoise": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01}),
        }}
    RETURN_TYPES = ("STRING",)
    FUNCTION = "sample"
    CATEGORY = "toy"

    def sample(self, model, seed, steps, cfg, sampler_name, scheduler, denoise):
        return (f"{model['name']}|{model['patches']}|{seed}|{steps}|{cfg}|{sampler_name}|{scheduler}|{denoise}",)


TOY_NODES = {cls.__name__: cls for cls in (
    ToyConstInt, ToyConstString, ToyFloat, ToyAdd, ToyIntToString, ToySlow, ToyFail, ToyLazySwitch,
    ToyOutput, ToySaveText, ToyList, ToySumList, ToyRepeatAdd, ToyAsync, ToyBlock, ToyVolatile,
    ToyChoice, ToyLoader, ToyPatch, ToySampler)}


def register_toy_nodes(registry) -> None:
    """Register every toy node class under its class name."""
    for name, cls in TOY_NODES.items():
        registry.register(name, cls, display_name=name.replace("Toy", "Toy "), module="tests.toy_nodes")
