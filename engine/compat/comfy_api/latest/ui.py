"""``comfy_api.latest.ui``: UI results a V3 node returns in ``io.NodeOutput(ui=...)`` (text, saved/preview images)."""
from __future__ import annotations

import json
import os
import secrets
from typing import Any

from .io import FolderType


class SavedResult(dict):
    """One file reference as the UI expects it: {"filename", "subfolder", "type"}."""

    def __init__(self, filename: str, subfolder: str, type: FolderType | str) -> None:
        super().__init__(filename=filename, subfolder=subfolder, type=FolderType(type).value)


class UIOutput:
    def as_dict(self) -> dict:
        raise NotImplementedError


class SavedImages(UIOutput):
    def __init__(self, results: list[SavedResult], is_animated: bool = False) -> None:
        self.results = list(results)
        self.is_animated = is_animated

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"images": self.results}
        if self.is_animated:
            out["animated"] = (True,)
        return out


class ImageSaveHelper:
    """Saving IMAGE batches as PNG files (with the prompt in the metadata when the node asked for it)."""

    @staticmethod
    def save_images(images: Any, filename_prefix: str, folder_type: FolderType | str, cls: Any = None,
                    compress_level: int = 4) -> list[SavedResult]:
        import numpy as np
        from PIL import Image
        from PIL.PngImagePlugin import PngInfo

        from engine.compat import folder_paths
        kind = FolderType(folder_type).value
        folder, filename, counter, subfolder, _ = folder_paths.get_save_image_path(
            filename_prefix, folder_paths.get_directory_by_type(kind), images[0].shape[1], images[0].shape[0])
        meta = None
        hidden = getattr(cls, "hidden", None) if cls is not None else None
        if hidden is not None and (hidden.prompt is not None or hidden.extra_pnginfo):
            meta = PngInfo()
            if hidden.prompt is not None:
                meta.add_text("prompt", json.dumps(hidden.prompt))
            for key, value in (hidden.extra_pnginfo or {}).items():
                meta.add_text(key, json.dumps(value))
        results = []
        for i, image in enumerate(images):
            pixels = np.clip(image.detach().cpu().float().numpy() * 255.0, 0, 255).astype(np.uint8)
            name = f"{filename.replace('%batch_num%', str(i))}_{counter:05}_.png"
            Image.fromarray(pixels).save(os.path.join(folder, name), pnginfo=meta, compress_level=compress_level)
            results.append(SavedResult(name, subfolder, kind))
            counter += 1
        return results

    @staticmethod
    def get_save_images_ui(images: Any, filename_prefix: str, cls: Any = None, compress_level: int = 4) -> SavedImages:
        return SavedImages(ImageSaveHelper.save_images(images, filename_prefix, FolderType.output, cls, compress_level))


class PreviewImage(UIOutput):
    """Saves the batch to the temp folder and shows it on the node."""

    def __init__(self, image: Any, animated: bool = False, cls: Any = None, **_kwargs: Any) -> None:
        prefix = "ComfyUI_temp_" + secrets.token_hex(3)
        self.values = ImageSaveHelper.save_images(image, prefix, FolderType.temp, cls, compress_level=1)
        self.animated = animated

    def as_dict(self) -> dict:
        return {"images": self.values, "animated": (self.animated,)}


class PreviewMask(PreviewImage):
    def __init__(self, mask: Any, animated: bool = False, cls: Any = None, **kwargs: Any) -> None:
        rgb = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).movedim(1, -1).expand(-1, -1, -1, 3)
        super().__init__(rgb, animated, cls, **kwargs)


class PreviewText(UIOutput):
    def __init__(self, value: str, **_kwargs: Any) -> None:
        self.value = value

    def as_dict(self) -> dict:
        return {"text": (self.value,)}
