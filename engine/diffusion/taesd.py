"""TAESD, the Tiny AutoEncoder for Stable Diffusion: network, strict loader, previews and a VAE.

Facts (madebyollin/taesd, MIT; ComfyUI's latent_preview.py / VAELoader for how it is used):

* Files are plain state dicts of two ``nn.Sequential`` stacks (``taesd_decoder.pth`` or
  ``.safetensors``): keys ``"<index>.weight"`` / ``"<index>.bias"`` for convolutions and
  ``"<index>.conv.<0|2|4>.weight|bias"`` for the residual blocks. The decoder's index 0 is the
  parameter-free soft clamp ``tanh(x / 3) * 3``, so its first convolution is ``"1.weight"``.
* The decoder maps a *model-space* (scaled) latent to RGB in 0..1; the encoder maps RGB in
  0..1 to a model-space latent. diffusers' AutoencoderTiny is the same network (its
  ``decoder.layers.N`` is our decoder index ``N + 1``, ``encoder.layers.N`` index ``N``) with
  images in -1..1.
* Previews feed the sampler's x0 (already model space) straight into the decoder. As a VAE
  (``taesd`` = SD1 0.18215, ``taesdxl`` = SDXL 0.13025) the unscaled LATENT is multiplied by
  the family's scale factor before decoding and the encoder output is divided by it.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence

import torch
import torch.nn as nn

from engine.diffusion.families import Family, get_family
from engine.diffusion.preview import rgb_to_preview_image

log = logging.getLogger(__name__)

WIDTH = 64                       # channels of every hidden layer
LEVELS = 3                       # 2x resampling stages: 8x between pixels and latent
BLOCKS_PER_LEVEL = 3
DECODER_EXTENSIONS = (".safetensors", ".pth", ".pt")
# VAELoader entries -> the family whose latent scale they use (ComfyUI's names).
TAESD_VAES: Mapping[str, str] = {"taesd": "sd1", "taesdxl": "sdxl"}


class TAESDError(ValueError):
    """A TAESD file is missing, unreadable or not in the expected layout; the message names the file."""


# ----------------------------------------------------------------------------- network
class TanhClamp(nn.Module):
    """Soft clamp of the decoder input to about -3..3."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x / 3.0) * 3.0


class TinyBlock(nn.Module):
    """relu(conv3(relu(conv2(relu(conv1(x))))) + x) with 3x3 convolutions (keys conv.0/2/4)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            _conv(channels, channels), nn.ReLU(),
            _conv(channels, channels), nn.ReLU(),
            _conv(channels, channels),
        )
        self.skip = nn.Identity()
        self.fuse = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fuse(self.conv(x) + self.skip(x))


def _conv(n_in: int, n_out: int, stride: int = 1, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(n_in, n_out, 3, stride=stride, padding=1, bias=bias)


def build_encoder(latent_channels: int = 4, width: int = WIDTH) -> nn.Sequential:
    """RGB 0..1 [B,3,H,W] -> model-space latent [B,C,H/8,W/8]."""
    layers: list[nn.Module] = [_conv(3, width), TinyBlock(width)]
    for _ in range(LEVELS):
        layers.append(_conv(width, width, stride=2, bias=False))
        layers.extend(TinyBlock(width) for _ in range(BLOCKS_PER_LEVEL))
    layers.append(_conv(width, latent_channels))
    return nn.Sequential(*layers)


def build_decoder(latent_channels: int = 4, width: int = WIDTH) -> nn.Sequential:
    """Model-space latent [B,C,h,w] -> RGB about 0..1 [B,3,8h,8w] (not clamped)."""
    layers: list[nn.Module] = [TanhClamp(), _conv(latent_channels, width), nn.ReLU()]
    for _ in range(LEVELS):
        layers.extend(TinyBlock(width) for _ in range(BLOCKS_PER_LEVEL))
        layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        layers.append(_conv(width, width, bias=False))
    layers.extend([TinyBlock(width), _conv(width, 3)])
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------- loading
_FIRST_CONV = {"encoder": "0.weight", "decoder": "1.weight"}
_ENCODER_LAST = 2 + LEVELS * (1 + BLOCKS_PER_LEVEL)   # index of the encoder's latent projection


def read_part(path: str, part: str) -> nn.Sequential:
    """Build the TAESD ``part`` ("encoder" | "decoder") from ``path`` and load it strictly (fp32, CPU)."""
    from engine.diffusion.safe_load import WeightFileError, load_state_dict

    if part not in _FIRST_CONV:
        raise ValueError(f"TAESD part must be 'encoder' or 'decoder', not {part!r}")
    try:
        sd = load_state_dict(path)
    except WeightFileError as exc:
        raise TAESDError(f"TAESD {part} {path}: {exc}") from exc
    return part_from_state_dict(sd, part, path)


def part_from_state_dict(sd: Mapping[str, torch.Tensor], part: str, source: str = "<state dict>") -> nn.Sequential:
    """Strict load of one TAESD part from a state dict in the madebyollin/taesd key layout."""
    first = _FIRST_CONV[part]
    other = "decoder" if part == "encoder" else "encoder"
    keys = set(sd)
    if first not in keys:
        hint = ""
        if _FIRST_CONV[other] in keys and _FIRST_CONV[other] != first:
            hint = f"; it looks like a TAESD {other} (has {_FIRST_CONV[other]!r})"
        elif any(k.startswith(("decoder.layers.", "encoder.layers.")) for k in keys):
            hint = "; it is in diffusers' AutoencoderTiny layout (decoder.layers.*), not taesd's"
        elif any(k.startswith(("taesd_decoder.", "taesd_encoder.")) for k in keys):
            hint = "; it is a combined ComfyUI TAESD state dict (taesd_decoder.*), not a single part"
        raise TAESDError(f"TAESD {part} {source}: no {first!r} key{hint} "
                         f"(found {len(keys)} keys, e.g. {sorted(keys)[:5]})")
    w = sd[first]
    if w.ndim != 4:
        raise TAESDError(f"TAESD {part} {source}: {first!r} has shape {tuple(w.shape)}, expected a 4-D conv weight")
    width = int(w.shape[0])
    channels = int(w.shape[1])
    if part == "encoder":
        if channels != 3:
            raise TAESDError(f"TAESD encoder {source}: first convolution takes {channels} channels, not 3 (RGB)")
        last = f"{_ENCODER_LAST}.weight"
        if last not in keys or sd[last].ndim != 4:
            raise TAESDError(f"TAESD encoder {source}: no 4-D {last!r} key (the latent projection)")
        net = build_encoder(int(sd[last].shape[0]), width)
    else:
        net = build_decoder(channels, width)
    expected = net.state_dict()
    missing = sorted(set(expected) - keys)
    unexpected = sorted(keys - set(expected))
    if missing or unexpected:
        raise TAESDError(f"TAESD {part} {source}: key layout does not match taesd's "
                         f"(missing {len(missing)}: {missing[:5]}; unexpected {len(unexpected)}: {unexpected[:5]})")
    for k, t in expected.items():
        if tuple(sd[k].shape) != tuple(t.shape):
            raise TAESDError(f"TAESD {part} {source}: {k!r} has shape {tuple(sd[k].shape)}, expected {tuple(t.shape)}")
    net.load_state_dict({k: v.to(torch.float32) for k, v in sd.items()}, strict=True)
    return net.eval().requires_grad_(False)


# ----------------------------------------------------------------------------- VAE
@dataclasses.dataclass(frozen=True)
class TAESDConfig:
    """What VAEHandle reads from a VAE module: width (``ch``), levels (``ch_mult``) and latent channels."""

    ch: int = WIDTH
    ch_mult: tuple[int, ...] = (1,) * (LEVELS + 1)
    embed_dim: int = 4


class TAESD(nn.Module):
    """Encoder + decoder with the VAE module interface of AutoencoderKL (images -1..1, unscaled latents)."""

    def __init__(self, encoder: nn.Sequential, decoder: nn.Sequential, scale: float, shift: float = 0.0) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.scale = float(scale)
        self.shift = float(shift)
        latent = decoder[1].in_channels
        enc_latent = encoder[-1].out_channels
        if latent != enc_latent:
            raise TAESDError(f"TAESD encoder makes {enc_latent}-channel latents but the decoder takes {latent}")
        self.config = TAESDConfig(ch=decoder[1].out_channels, embed_dim=latent)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Unscaled latent -> image in about -1..1."""
        z = with_layout_of(self.decoder, (z - self.shift) * self.scale)
        return self.decoder(z).mul(2.0).sub(1.0).contiguous()

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Image in -1..1 -> unscaled latent."""
        x = with_layout_of(self.encoder, x.add(1.0).div(2.0))
        return (self.encoder(x) / self.scale + self.shift).contiguous()


def taesd_vae_names(approx_files: Sequence[str]) -> list[str]:
    """VAELoader entries ("taesd", "taesdxl") whose encoder and decoder files are both in vae_approx."""
    return [name for name in TAESD_VAES if all(_part_file(name, part, approx_files) for part in ("encoder", "decoder"))]


def _part_file(name: str, part: str, approx_files: Sequence[str]) -> str | None:
    # ComfyUI's rule: a top-level vae_approx file whose name starts with "<name>_<part>."
    prefix = f"{name}_{part}."
    return next((f for f in approx_files if f.startswith(prefix)), None)


def taesd_vae_files(name: str, approx_files: Sequence[str]) -> tuple[str, str]:
    """(encoder, decoder) vae_approx names for a VAELoader entry; TAESDError naming what is missing."""
    if name not in TAESD_VAES:
        raise TAESDError(f"unknown TAESD VAE {name!r} (known: {', '.join(TAESD_VAES)})")
    found = {part: _part_file(name, part, approx_files) for part in ("encoder", "decoder")}
    missing = [f"models/vae_approx/{name}_{part}.*" for part, f in found.items() if f is None]
    if missing:
        raise TAESDError(f"TAESD VAE {name!r} needs {' and '.join(missing)} (not found)")
    return found["encoder"], found["decoder"]


def load_taesd_vae(name: str, encoder_path: str, decoder_path: str, device_manager):
    """A VAEHandle over TAESD for ``name`` ("taesd" | "taesdxl"); decode/encode as a full VAE."""
    from engine.diffusion.handles import VAEHandle

    if name not in TAESD_VAES:
        raise TAESDError(f"unknown TAESD VAE {name!r} (known: {', '.join(TAESD_VAES)})")
    family = get_family(TAESD_VAES[name])
    dm = device_manager
    dtype = dm.vae_dtype()

    def build() -> TAESD:
        module = TAESD(read_part(encoder_path, "encoder"), read_part(decoder_path, "decoder"), family.scale_factor)
        if module.config.embed_dim != family.latent_channels:
            raise TAESDError(f"TAESD VAE {name!r} ({decoder_path}): {module.config.embed_dim}-channel latents, "
                             f"family {family.name} uses {family.latent_channels}")
        # channels-last conv weights on the CPU (faster there; moves keep the layout)
        fmt = torch.channels_last if dm.compute_device.type == "cpu" else torch.contiguous_format
        return module.to(dtype=dtype, memory_format=fmt)

    key = ("taesd_vae", dm.file_key(encoder_path), dm.file_key(decoder_path), family.scale_factor, dtype)
    module = dm.cached(key, build)
    return VAEHandle(module, dm, family, source=decoder_path)


# ----------------------------------------------------------------------------- previews
class TAESDPreviewer:
    """Sampler x0 (model space) -> PIL RGB preview of the first image, 8x the latent size.

    Runs on x0's device in ``dtype`` (fp32, or the VAE dtype where the caller passes it: bf16 halves
    the cost of CPU previews)."""

    def __init__(self, decoder: nn.Sequential, source: str, dtype: torch.dtype = torch.float32) -> None:
        self.decoder = decoder
        self.source = source
        self.dtype = dtype
        self.latent_channels = decoder[1].in_channels

    def __call__(self, x0: torch.Tensor):
        if x0.ndim != 4 or x0.shape[1] != self.latent_channels:
            raise ValueError(f"TAESD preview ({self.source}): expected a [B,{self.latent_channels},h,w] latent, "
                             f"got shape {tuple(x0.shape)}")
        with torch.inference_mode():
            place(self.decoder, x0.device, self.dtype)
            x = with_layout_of(self.decoder, x0[:1].detach().to(self.dtype))
            rgb = self.decoder(x)[0].float()   # [3,H,W] about 0..1
            return rgb_to_preview_image(rgb.movedim(0, -1) * 2.0 - 1.0)


def place(module: nn.Module, device: torch.device, dtype: torch.dtype) -> None:
    """Move ``module`` to device/dtype if needed; conv weights channels-last on the CPU (oneDNN runs
    TAESD's 64-channel convolutions about 1.4x faster that way, fp32 and bf16 alike)."""
    first = next(module.parameters())
    fmt = torch.channels_last if device.type == "cpu" else torch.contiguous_format
    conv_weight = next(p for p in module.parameters() if p.ndim == 4)
    if first.device != device or first.dtype != dtype or not conv_weight.is_contiguous(memory_format=fmt):
        module.to(device=device, dtype=dtype, memory_format=fmt)


def with_layout_of(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``x`` in the memory format of the module's conv weights (so no convolution converts per call)."""
    conv_weight = next(p for p in module.parameters() if p.ndim == 4)
    if conv_weight.is_contiguous(memory_format=torch.channels_last) and not conv_weight.is_contiguous():
        return x.contiguous(memory_format=torch.channels_last)
    return x


def find_taesd_decoder(paths, family: Family) -> str | None:
    """Full path of models/vae_approx/<family.taesd_decoder_name>.(safetensors|pth|pt), else (ComfyUI's
    rule) of the first listed vae_approx file whose name starts with <taesd_decoder_name>; or None."""
    listed = paths.list_files("vae_approx")
    names = set(listed)
    for ext in DECODER_EXTENSIONS:
        name = family.taesd_decoder_name + ext
        if name in names:
            return paths.full_path("vae_approx", name)
    other = next((f for f in listed if f.startswith(family.taesd_decoder_name)), None)
    return paths.full_path("vae_approx", other) if other is not None else None


def preview_dtype(device_manager=None) -> torch.dtype:
    """The VAE dtype of the DeviceManager (fp32 without one; never fp16 on the CPU, where it is slow)."""
    if device_manager is None:
        return torch.float32
    dtype = device_manager.vae_dtype()
    if dtype == torch.float16 and device_manager.compute_device.type == "cpu":
        return torch.float32
    return dtype


class TAESDPreviewers:
    """The TAESD preview decoders one owner (a sampler node) keeps, per file; warns once per missing file.

    Decoders are shared between owners through the DeviceManager's load cache while any owner holds them.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple, TAESDPreviewer] = {}
        self._warned: set[str] = set()

    def get(self, family: Family, paths, device_manager=None) -> TAESDPreviewer | None:
        """The previewer for ``family``, or None (with a one-time warning) when its decoder file is missing."""
        path = find_taesd_decoder(paths, family)
        if path is None:
            wanted = f"models/vae_approx/{family.taesd_decoder_name}.(safetensors|pth|pt)"
            if wanted not in self._warned:
                self._warned.add(wanted)
                folders = ", ".join(paths.folder("vae_approx"))
                log.warning("TAESD previews enabled, but %s was not found (looked in %s); "
                            "using latent2rgb previews", wanted, folders)
            return None
        dtype = preview_dtype(device_manager)
        key = ((os.path.realpath(path), dtype) if device_manager is None
               else device_manager.file_key(path, "taesd_preview", dtype))
        previewer = self._by_key.get(key)
        if previewer is None:
            def build() -> TAESDPreviewer:
                return TAESDPreviewer(read_part(path, "decoder"), path, dtype)
            previewer = build() if device_manager is None else device_manager.cached(key, build)
            if previewer.latent_channels != family.latent_channels:
                raise TAESDError(f"TAESD decoder {path}: takes {previewer.latent_channels}-channel latents, "
                                 f"family {family.name} uses {family.latent_channels}")
            self._by_key[key] = previewer
        return previewer
