"""Safe image decoding and re-encoding for /view previews and mask uploads.

Every decode checks the pixel count against the server's limit before pixels
are read, so a decompression bomb is refused with a clear error (400) and never
allocates its memory. PIL's own MAX_IMAGE_PIXELS global is left alone.
"""
from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image, PngImagePlugin, UnidentifiedImageError


class ImageRejected(ValueError):
    """The bytes are not an image we accept (not decodable, or too many pixels)."""


def open_checked(source: str | BinaryIO | bytes, max_pixels: int, what: str = "image") -> Image.Image:
    """Open (lazily) and check the size; raises ImageRejected naming ``what``."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageRejected(f"{what}: image too large to decode ({e})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ImageRejected(f"{what}: not a readable image ({e})") from None
    w, h = img.size
    if w * h > max_pixels:
        raise ImageRejected(f"{what}: {w}x{h} = {w * h} pixels exceeds the limit of {max_pixels} pixels "
                            "(decompression-bomb guard)")
    return img


def load_checked(source: str | BinaryIO | bytes, max_pixels: int, what: str = "image") -> Image.Image:
    img = open_checked(source, max_pixels, what)
    try:
        img.load()
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageRejected(f"{what}: image data is corrupt ({e})") from None
    return img


def preview_bytes(path: str, preview: str | None, channel: str | None, max_pixels: int) -> tuple[bytes, str]:
    """Re-encode ``path`` for /view's ``preview=fmt;quality`` and ``channel=rgb|a|rgba``: (bytes, mime)."""
    img = load_checked(path, max_pixels, "view")
    asked = (channel or "").lower()   # as ComfyUI: WebP is forced only when a channel naming alpha is given
    channel = asked or "rgba"
    if preview:
        parts = preview.split(";")
        fmt = parts[0].lower()
        if fmt not in ("webp", "jpeg"):
            fmt = "webp"
        quality = 90
        if len(parts) > 1 and parts[-1].strip().isdigit():
            quality = max(1, min(100, int(parts[-1])))
        if "a" in asked:
            fmt = "webp"
        if fmt == "jpeg" or asked == "rgb":
            out = img.convert("RGB")
        else:   # WebP keeps the alpha the image has
            out = img.convert("RGBA" if "A" in img.getbands() or img.mode == "P" else "RGB")
        buf = io.BytesIO()
        out.save(buf, format=fmt.upper(), quality=quality)
        return buf.getvalue(), f"image/{fmt}"
    buf = io.BytesIO()
    if channel == "rgb":
        img.convert("RGB").save(buf, format="PNG")
    elif channel == "a":
        alpha = img.getchannel("A") if "A" in img.getbands() else Image.new("L", img.size, 255)
        rgba = Image.new("RGBA", img.size, (0, 0, 0, 255))
        rgba.putalpha(alpha)
        rgba.save(buf, format="PNG")
    else:
        raise ValueError(f"channel must be rgba, rgb or a, got {channel!r}")
    return buf.getvalue(), "image/png"


def paste_mask(original_path: str, mask_bytes: bytes, max_pixels: int) -> bytes:
    """The original image (RGBA) with the uploaded image's alpha; its PNG text chunks kept."""
    original = load_checked(original_path, max_pixels, "original_ref")
    mask = load_checked(mask_bytes, max_pixels, "mask").convert("RGBA")
    info = PngImagePlugin.PngInfo()
    for key, value in (getattr(original, "text", None) or {}).items():
        info.add_text(key, str(value))
    out = original.convert("RGBA")
    alpha = mask.getchannel("A")
    if alpha.size != out.size:
        alpha = alpha.resize(out.size, Image.Resampling.BILINEAR)
    out.putalpha(alpha)
    buf = io.BytesIO()
    out.save(buf, format="PNG", pnginfo=info, compress_level=4)
    return buf.getvalue()
