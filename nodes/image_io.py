"""Image files in and out: LoadImage, LoadImageMask, SaveImage, PreviewImage, SaveImageWebsocket."""
from __future__ import annotations

import hashlib
import json
import os
import random
import time

import numpy as np
import torch
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo

from ._common import DEFAULT_MAX_IMAGE_PIXELS, NodeInputError, cli_arg, node_context
from .save_path import get_save_path, expand_node_tokens

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".mpo", ".jfif", ".avif")
_ANNOTATIONS = {"[input]": "input", "[output]": "output", "[temp]": "temp"}


def _dirs(node) -> dict[str, str]:
    ctx = node_context(node)
    paths = getattr(ctx, "paths", None)
    if paths is None:
        raise RuntimeError("no NodeContext with folder paths is available")
    return {"input": paths.input_dir, "output": paths.output_dir, "temp": paths.temp_dir}


def list_input_images(node) -> list[str]:
    """Image files directly in the input folder, sorted (listed fresh on every call)."""
    try:
        input_dir = _dirs(node)["input"]
    except RuntimeError:
        return []
    if not input_dir or not os.path.isdir(input_dir):
        return []
    return sorted(f for f in os.listdir(input_dir)
                  if f.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(input_dir, f)))


def resolve_image_path(node, name: str) -> str:
    """Path of an input image name, honouring ' [output]' / ' [temp]' annotations; refuses escapes."""
    kind = "input"
    for suffix, folder in _ANNOTATIONS.items():
        if name.endswith(" " + suffix):
            name, kind = name[:-len(suffix) - 1], folder
            break
    base = os.path.abspath(_dirs(node)[kind])
    path = os.path.abspath(os.path.join(base, name))
    if os.path.commonpath((base, path)) != base:
        raise NodeInputError(f"image '{name}' is outside the {kind} folder")
    return path


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_image(node, node_name: str, name: str) -> tuple[Image.Image, str]:
    """Open an input image lazily, checking existence, decodability and the pixel limit."""
    path = resolve_image_path(node, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{node_name}: image file '{name}' not found ({path})")
    limit = int(cli_arg(node, "max_image_pixels", DEFAULT_MAX_IMAGE_PIXELS))
    try:
        img = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise NodeInputError(f"{node_name}: image file '{name}' is too large to open safely: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise NodeInputError(f"{node_name}: cannot decode image file '{name}': {exc}") from exc
    w, h = img.size
    if limit > 0 and w * h > limit:
        img.close()
        raise NodeInputError(f"{node_name}: image file '{name}' has {w}x{h} = {w * h} pixels, "
                             f"more than the configured limit of {limit} (--max-image-pixels)")
    return img, path


def _decode_error(node_name: str, name: str, exc: Exception) -> NodeInputError:
    return NodeInputError(f"{node_name}: cannot decode image file '{name}': {exc}")


def _frame_to_tensors(frame: Image.Image) -> tuple[torch.Tensor, torch.Tensor]:
    """One PIL frame -> IMAGE [1,H,W,3] and MASK [1,h,w] (1 - alpha, or zeros 64x64 without alpha)."""
    if frame.mode == "I":
        frame = frame.point(lambda v: v * (1 / 255))
    rgb = np.array(frame.convert("RGB")).astype(np.float32) / 255.0
    image = torch.from_numpy(rgb)[None,]
    if "A" in frame.getbands():
        alpha = np.array(frame.getchannel("A")).astype(np.float32) / 255.0
        mask = 1.0 - torch.from_numpy(alpha)
    elif frame.mode == "P" and "transparency" in frame.info:
        alpha = np.array(frame.convert("RGBA").getchannel("A")).astype(np.float32) / 255.0
        mask = 1.0 - torch.from_numpy(alpha)
    else:
        mask = torch.zeros((64, 64), dtype=torch.float32)
    return image, mask.unsqueeze(0)


class LoadImage:
    CATEGORY = "image"
    RETURN_TYPES = ("IMAGE", "MASK")
    FUNCTION = "load_image"
    DESCRIPTION = ("Load an image from the input folder. The MASK is 1 - alpha (zeros 64x64 without alpha); "
                   "frames of an animated file are stacked into a batch.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": (list_input_images(cls), {"image_upload": True})}}

    def load_image(self, image: str):
        img, _ = open_image(self, "LoadImage", image)
        images, masks = [], []
        size = None
        try:
            for frame in ImageSequence.Iterator(img):
                frame = ImageOps.exif_transpose(frame)
                t_img, t_mask = _frame_to_tensors(frame)
                if size is None:
                    size = t_img.shape[1:3]
                elif t_img.shape[1:3] != size:
                    continue  # frames of a different size are skipped, as ComfyUI does
                images.append(t_img)
                masks.append(t_mask)
                if img.format == "MPO":
                    break  # MPO files hold views of one picture: the first only
        except (OSError, SyntaxError, ValueError) as exc:
            raise _decode_error("LoadImage", image, exc) from exc
        finally:
            img.close()
        if not images:
            raise NodeInputError(f"LoadImage: image file '{image}' has no frames")
        if len(images) == 1:
            return (images[0], masks[0])
        if len({tuple(m.shape) for m in masks}) > 1:
            # Some frames have alpha and some do not: give the alpha-less frames an empty full-size mask.
            h, w = images[0].shape[1:3]
            masks = [m if m.shape[1:] == (h, w) else torch.zeros((1, h, w)) for m in masks]
        return (torch.cat(images, dim=0), torch.cat(masks, dim=0))

    @classmethod
    def IS_CHANGED(cls, image: str):
        return file_sha256(resolve_image_path(cls, image))

    @classmethod
    def VALIDATE_INPUTS(cls, image: str):
        try:
            path = resolve_image_path(cls, image)
        except (NodeInputError, RuntimeError) as exc:
            return f"Invalid image file: {image} ({exc})"
        if not os.path.isfile(path):
            return f"Invalid image file: {image}"
        return True


class LoadImageMask:
    CATEGORY = "mask"
    RETURN_TYPES = ("MASK",)
    FUNCTION = "load_image"
    DESCRIPTION = "Load one channel of an input image as a MASK (alpha is inverted: 1 - alpha)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "image": (list_input_images(cls), {"image_upload": True}),
            "channel": (["alpha", "red", "green", "blue"],),
        }}

    def load_image(self, image: str, channel: str):
        img, _ = open_image(self, "LoadImageMask", image)
        try:
            frame = ImageOps.exif_transpose(img)
            if frame.getbands() != ("R", "G", "B", "A"):
                if frame.mode == "I":
                    frame = frame.point(lambda v: v * (1 / 255))
                frame = frame.convert("RGBA")
            band = channel[0].upper()
            if band in frame.getbands():
                mask = torch.from_numpy(np.array(frame.getchannel(band)).astype(np.float32) / 255.0)
                if band == "A":
                    mask = 1.0 - mask
            else:
                mask = torch.zeros((64, 64), dtype=torch.float32)
        except (OSError, SyntaxError, ValueError) as exc:
            raise _decode_error("LoadImageMask", image, exc) from exc
        finally:
            img.close()
        return (mask.unsqueeze(0),)

    @classmethod
    def IS_CHANGED(cls, image: str, channel: str = "alpha"):
        return file_sha256(resolve_image_path(cls, image))

    @classmethod
    def VALIDATE_INPUTS(cls, image: str):
        return LoadImage.VALIDATE_INPUTS.__func__(cls, image)


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """[H,W,C] 0..1 -> uint8 by truncation of clip(255*x), as ComfyUI writes PNGs."""
    return np.clip(255.0 * image.detach().cpu().float().numpy(), 0, 255).astype(np.uint8)


class SaveImage:
    CATEGORY = "image"
    RETURN_TYPES = ()
    FUNCTION = "save_images"
    OUTPUT_NODE = True
    DESCRIPTION = "Saves the input images to your ComfyUI output directory."

    folder_type = "output"
    compress_level = 4

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "images": ("IMAGE", {"tooltip": "The images to save."}),
                "filename_prefix": ("STRING", {
                    "default": "ComfyUI",
                    "tooltip": "The prefix for the file to save. This may include formatting information such as "
                               "%date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes."}),
            },
            "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"},
        }

    def _target_dir(self) -> str:
        return _dirs(self)["output"]

    def _prefix_suffix(self) -> str:
        return ""

    def save_images(self, images: torch.Tensor, filename_prefix: str = "ComfyUI", prompt=None, extra_pnginfo=None):
        node_name = type(self).__name__
        if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
            raise NodeInputError(f"{node_name}: images must be an IMAGE [B,H,W,C], got {tuple(images.shape)}")
        prefix = expand_node_tokens(filename_prefix, prompt) + self._prefix_suffix()
        try:
            target = get_save_path(prefix, self._target_dir(), images.shape[2], images.shape[1])
        except ValueError as exc:
            raise NodeInputError(f"{node_name}: {exc}") from exc
        metadata = None
        if not cli_arg(self, "disable_metadata", False):
            metadata = PngInfo()
            if prompt is not None:
                metadata.add_text("prompt", json.dumps(prompt))
            for key, value in (extra_pnginfo or {}).items():
                metadata.add_text(key, json.dumps(value))
        results = []
        counter = target.counter
        for batch_number, image in enumerate(images):
            arr = to_uint8(image)
            pil = Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr)
            stem = target.filename.replace("%batch_num%", str(batch_number))
            file = f"{stem}_{counter:05}_.png"
            pil.save(os.path.join(target.folder, file), pnginfo=metadata, compress_level=self.compress_level)
            results.append({"filename": file, "subfolder": target.subfolder, "type": self.folder_type})
            counter += 1
        return {"ui": {"images": results}}


class PreviewImage(SaveImage):
    DESCRIPTION = "Preview the images in the editor (saved to the temp folder)."
    folder_type = "temp"
    compress_level = 1

    def __init__(self):
        self._rng = random.Random()

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"images": ("IMAGE",)},
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}

    def _target_dir(self) -> str:
        return _dirs(self)["temp"]

    def _prefix_suffix(self) -> str:
        return "_temp_" + "".join(self._rng.choice("abcdefghijklmnopqrstupvxyz") for _ in range(5))

    def save_images(self, images: torch.Tensor, filename_prefix: str = "ComfyUI", prompt=None, extra_pnginfo=None):
        return super().save_images(images, "ComfyUI", prompt, extra_pnginfo)


class SaveImageWebsocket:
    """ComfyUI's API-example output node: each image goes to the queueing client as a binary websocket
    frame (type 1, format 2 = PNG, full size) while ``executing`` names this node; nothing is written."""
    CATEGORY = "api node/image"
    RETURN_TYPES = ()
    FUNCTION = "save_images"
    OUTPUT_NODE = True
    DESCRIPTION = "Sends the images to the client that queued the prompt, over its websocket, as PNG frames."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"images": ("IMAGE",)}}

    @classmethod
    def IS_CHANGED(cls, images):
        return time.time()   # always sent again: the client waits for the frames of this run

    def save_images(self, images: torch.Tensor):
        from engine.graph import context as node_progress
        if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
            raise NodeInputError(f"SaveImageWebsocket: images must be an IMAGE [B,H,W,C], got {tuple(images.shape)}")
        total = images.shape[0]
        for step, image in enumerate(images):
            arr = to_uint8(image)
            pil = Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr)
            node_progress.progress(step, total, ("PNG", pil, None))
        return {}


NODE_CLASS_MAPPINGS = {
    "LoadImage": LoadImage,
    "LoadImageMask": LoadImageMask,
    "SaveImage": SaveImage,
    "PreviewImage": PreviewImage,
    "SaveImageWebsocket": SaveImageWebsocket,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "LoadImage": "Load Image",
    "LoadImageMask": "Load Image (as Mask)",
    "SaveImage": "Save Image",
    "PreviewImage": "Preview Image",
    "SaveImageWebsocket": "Save Image (Websocket)",
}
