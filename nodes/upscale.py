"""Model-based image upscaling (ESRGAN & co.) through spandrel."""
from __future__ import annotations

import logging

import torch

from ._common import NodeInputError, check_interrupt, full_path, list_files, node_context, progress

log = logging.getLogger(__name__)


def _strip_module_prefix(state_dict: dict) -> dict:
    if state_dict and all(k.startswith("module.") for k in state_dict):
        return {k[len("module."):]: v for k, v in state_dict.items()}
    return state_dict


def load_upscale_model(path: str, name: str):
    """Load an upscale model file with spandrel; an error names the file."""
    from safetensors.torch import load_file
    import spandrel

    try:
        if path.lower().endswith((".safetensors", ".sft")):
            state_dict = load_file(path, device="cpu")
        else:
            state_dict = torch.load(path, map_location="cpu", weights_only=True)
            if isinstance(state_dict, dict) and "params_ema" in state_dict:
                state_dict = state_dict["params_ema"]
            elif isinstance(state_dict, dict) and "params" in state_dict:
                state_dict = state_dict["params"]
        descriptor = spandrel.ModelLoader().load_from_state_dict(_strip_module_prefix(state_dict))
    except Exception as exc:  # spandrel raises several types for unknown architectures; re-raised with the file
        raise NodeInputError(f"UpscaleModelLoader: cannot load upscale model '{name}': "
                             f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(descriptor, spandrel.ImageModelDescriptor):
        raise NodeInputError(f"UpscaleModelLoader: '{name}' is not a single-image upscale model "
                             f"({type(descriptor).__name__})")
    return descriptor.eval()


def tile_positions(size: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles along one axis (the last tile is pulled back to end at the border)."""
    if size <= tile:
        return [0]
    positions = []
    for p in range(0, size, tile - overlap):
        p = max(0, min(size - tile, p))
        if not positions or positions[-1] != p:
            positions.append(p)
        if p + tile >= size:
            break
    return positions


def tiled_scale(image: torch.Tensor, fn, scale: int, tile: int, overlap: int, on_tile=None) -> torch.Tensor:
    """Run fn on overlapping tiles of [B,C,H,W] and blend the scaled tiles with feathered edges."""
    b, c, h, w = image.shape
    ys, xs = tile_positions(h, tile, overlap), tile_positions(w, tile, overlap)
    out = None
    weight = None
    feather = round(overlap * scale)
    for y in ys:
        for x in xs:
            piece = image[:, :, y:y + tile, x:x + tile]
            res = fn(piece)
            if out is None:
                out = torch.zeros((b, res.shape[1], h * scale, w * scale), dtype=res.dtype, device=res.device)
                weight = torch.zeros((1, 1, h * scale, w * scale), dtype=res.dtype, device=res.device)
            mask = torch.ones((1, 1, res.shape[2], res.shape[3]), dtype=res.dtype, device=res.device)
            for t in range(feather if len(ys) * len(xs) > 1 else 0):
                rate = (t + 1) / feather
                if y > 0:
                    mask[:, :, t:t + 1, :] *= rate
                if y + piece.shape[2] < h:
                    mask[:, :, mask.shape[2] - 1 - t:mask.shape[2] - t, :] *= rate
                if x > 0:
                    mask[:, :, :, t:t + 1] *= rate
                if x + piece.shape[3] < w:
                    mask[:, :, :, mask.shape[3] - 1 - t:mask.shape[3] - t] *= rate
            oy, ox = y * scale, x * scale
            out[:, :, oy:oy + res.shape[2], ox:ox + res.shape[3]] += res * mask
            weight[:, :, oy:oy + res.shape[2], ox:ox + res.shape[3]] += mask
            if on_tile is not None:
                on_tile()
    return out / weight


class UpscaleModelLoader:
    CATEGORY = "loaders"
    RETURN_TYPES = ("UPSCALE_MODEL",)
    FUNCTION = "load_model"
    DESCRIPTION = "Load an image upscale model (ESRGAN, SwinIR, ... as recognised by spandrel)."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model_name": (list_files(cls, "upscale_models"),)}}

    def load_model(self, model_name: str):
        path = full_path(self, "UpscaleModelLoader", "upscale_models", model_name)
        return (load_upscale_model(path, model_name),)


class ImageUpscaleWithModel:
    CATEGORY = "image/upscaling"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "upscale"
    DESCRIPTION = "Upscale images with an upscale model, in 512 px tiles overlapping by 32 px."

    TILE = 512
    OVERLAP = 32
    MIN_TILE = 128

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"upscale_model": ("UPSCALE_MODEL",), "image": ("IMAGE",)}}

    def _device(self) -> torch.device:
        ctx = node_context(self)
        dm = getattr(ctx, "device", None) if ctx is not None else None
        return getattr(dm, "compute_device", None) or torch.device("cpu")

    def upscale(self, upscale_model, image: torch.Tensor):
        channels = getattr(upscale_model, "input_channels", 3)
        if image.shape[-1] < channels:
            raise NodeInputError(f"ImageUpscaleWithModel: the model expects {channels} channels, "
                                 f"the image has {image.shape[-1]}")
        device = self._device()
        upscale_model.to(device)
        scale = int(upscale_model.scale)
        pixels = image[..., :channels].movedim(-1, 1).to(device, torch.float32)
        tile = self.TILE
        try:
            while True:
                ys = tile_positions(pixels.shape[2], tile, self.OVERLAP)
                xs = tile_positions(pixels.shape[3], tile, self.OVERLAP)
                total = len(ys) * len(xs)
                done = [0]

                def on_tile() -> None:
                    done[0] += 1
                    progress(done[0], total)
                    check_interrupt()

                try:
                    with torch.no_grad():
                        out = tiled_scale(pixels, upscale_model, scale, tile, self.OVERLAP, on_tile)
                    break
                except torch.OutOfMemoryError:
                    tile //= 2
                    if tile < self.MIN_TILE:
                        raise
                    log.warning("ImageUpscaleWithModel: out of memory, retrying with %d px tiles", tile)
        finally:
            upscale_model.to("cpu")
        return (torch.clamp(out.movedim(1, -1).cpu(), 0.0, 1.0),)


NODE_CLASS_MAPPINGS = {"UpscaleModelLoader": UpscaleModelLoader, "ImageUpscaleWithModel": ImageUpscaleWithModel}
NODE_DISPLAY_NAME_MAPPINGS = {"UpscaleModelLoader": "Load Upscale Model",
                              "ImageUpscaleWithModel": "Upscale Image (using Model)"}
