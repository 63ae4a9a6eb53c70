"""Server-test toy nodes that make real PNG files and preview images (PIL only, no torch)."""
from __future__ import annotations

import os

from PIL import Image, PngImagePlugin

from engine.graph import context as node_context


class ToyImage:
    """A solid-colour PIL image, made in ``steps`` steps with a preview at each step."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"width": ("INT", {"default": 64, "min": 1, "max": 4096}),
                             "height": ("INT", {"default": 64, "min": 1, "max": 4096}),
                             "color": ("INT", {"default": 0xFF0000, "min": 0, "max": 0xFFFFFF}),
                             "steps": ("INT", {"default": 3, "min": 1, "max": 10000})},
                "optional": {"delay": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 10.0})}}
    RETURN_TYPES = ("TOYIMAGE",)
    FUNCTION = "make"
    CATEGORY = "toy"

    def make(self, width, height, color, steps, delay=0.0):
        import time
        rgb = ((color >> 16) & 255, (color >> 8) & 255, color & 255)
        img = Image.new("RGB", (width, height), rgb)
        for i in range(steps):
            node_context.check_interrupt()
            if delay:
                time.sleep(delay)
            node_context.progress(i + 1, steps, img)
        return (img,)


class ToySaveImage:
    """Output node: saves the image as <output>/<prefix>_NNNNN_.png with the prompt in a text chunk."""

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("TOYIMAGE",), "filename_prefix": ("STRING", {"default": "toyimg"})},
                "hidden": {"prompt": "PROMPT"}}
    RETURN_TYPES = ()
    OUTPUT_NODE = True
    FUNCTION = "save"
    CATEGORY = "toy"

    def save(self, image, filename_prefix, prompt=None):
        import json
        out_dir = node_context.current().paths.output_dir
        os.makedirs(out_dir, exist_ok=True)
        n = 1 + sum(1 for f in os.listdir(out_dir) if f.startswith(filename_prefix + "_"))
        name = f"{filename_prefix}_{n:05}_.png"
        info = PngImagePlugin.PngInfo()
        info.add_text("prompt", json.dumps(prompt))
        image.save(os.path.join(out_dir, name), pnginfo=info)
        return {"ui": {"images": [{"filename": name, "subfolder": "", "type": "output"}]}}


IMAGE_NODES = {"ToyImage": ToyImage, "ToySaveImage": ToySaveImage}


def register_image_nodes(registry) -> None:
    for name, cls in IMAGE_NODES.items():
        registry.register(name, cls, module="tests.server.image_nodes")
