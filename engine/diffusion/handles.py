"""MODEL and VAE handles: what flows between nodes (CLIP's handle lives in clip_handle.py).

A handle wraps a shared, cached module plus its own patches and the
DeviceManager; nodes clone handles instead of touching modules, so a cached
loader output is never changed by downstream nodes.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from engine.diffusion.device import DeviceManager
from engine.diffusion.families import Family
from engine.diffusion.manual_cast import compute_dtype_of, storage_dtype_of
from engine.diffusion.patching import Patcher, restore

# "zero" in pixel space translated to SD latent space (ComfyUI's blank inpaint image)
BLANK_INPAINT_LATENT = (0.8223, -0.6876, 0.6364, 0.1380)
SDXL_DEFAULT_SIZE = 768  # the model default when neither the cond nor the latent gives a size
ADM_EMBED_DIM = 256


def fourier_embedding(values: list[float], dim: int = ADM_EMBED_DIM) -> torch.Tensor:
    """SDXL size/crop/score embedding: [cos(v*f), sin(v*f)], f = 10000^(-i/half); float32 [len(values)*dim]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    t = torch.tensor([float(v) for v in values], dtype=torch.float32)
    args = t[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1).flatten()


def copy_model_options(options: dict) -> dict:
    """A copy of a model_options dict deep enough for a clone to add its own patches: dicts and lists
    are copied at every level, functions and tensors are shared (as ComfyUI's deepcopy leaves functions)."""
    def copy(v):
        if isinstance(v, dict):
            return {k: copy(x) for k, x in v.items()}
        if isinstance(v, list):
            return [copy(x) for x in v]
        return v
    return copy(options)


def _resize_to_batch(t: torch.Tensor, batch: int) -> torch.Tensor:
    if t.shape[0] == batch:
        return t
    if t.shape[0] > batch:
        return t[:batch]
    reps = math.ceil(batch / t.shape[0])
    return t.repeat((reps,) + (1,) * (t.ndim - 1))[:batch]


class ModelHandle:
    """MODEL: a shared UNet + its own LoRA patches + family facts."""

    def __init__(self, unet: torch.nn.Module, family: Family, device_manager: DeviceManager,
                 patcher: Patcher | None = None, source: str | None = None, keepalive: tuple = (),
                 zsnr: bool = False):
        self.unet = unet
        self.zsnr = zsnr  # zero-terminal-SNR sigma table (checkpoint key 'ztsnr')
        self.keepalive = keepalive  # load-cache records: the cache entry lives while a handle does
        self.family = family
        self.device_manager = device_manager
        self.patcher = patcher if patcher is not None else Patcher(unet, seed_prefix="diffusion_model.")
        self.source = source
        self._model_sampling = None
        # e.g. torch.compile(unet): called instead of the module (same parameters, so patches apply)
        self.forward_override: Callable | None = None
        # ComfyUI's ModelPatcher.model_options: sampler hooks read by the denoiser and
        # "transformer_options" (its "patches": block patches the UNet calls); see set_model_* below
        self.model_options: dict = {"transformer_options": {}}

    # ------------------------------------------------------------ identity
    def clone(self) -> "ModelHandle":
        h = ModelHandle(self.unet, self.family, self.device_manager, self.patcher.clone(), self.source,
                        self.keepalive, self.zsnr)
        h._model_sampling = self._model_sampling
        h.forward_override = self.forward_override
        h.model_options = copy_model_options(self.model_options)
        return h

    # ------------------------------------------------ ComfyUI ModelPatcher-style option setters
    def set_model_sampler_cfg_function(self, fn: Callable, disable_cfg1_optimization: bool = False) -> None:
        """fn(args) -> predicted noise (x - denoised), replacing the CFG combination (RescaleCFG, PerpNeg)."""
        self.model_options["sampler_cfg_function"] = fn
        if disable_cfg1_optimization:
            self.model_options["disable_cfg1_optimization"] = True

    def set_model_sampler_post_cfg_function(self, fn: Callable, disable_cfg1_optimization: bool = False) -> None:
        """fn(args) -> denoised, run after the CFG combination (appended to earlier ones)."""
        self.model_options["sampler_post_cfg_function"] = \
            list(self.model_options.get("sampler_post_cfg_function", [])) + [fn]
        if disable_cfg1_optimization:
            self.model_options["disable_cfg1_optimization"] = True

    def set_model_unet_function_wrapper(self, fn: Callable) -> None:
        self.model_options["model_function_wrapper"] = fn

    def set_model_patch(self, patch: Callable, name: str) -> None:
        """Append a UNet block patch (models/unet.py forward: input_block_patch, output_block_patch, ...)."""
        to = self.model_options.setdefault("transformer_options", {})
        to.setdefault("patches", {}).setdefault(name, []).append(patch)

    def set_model_input_block_patch(self, patch: Callable) -> None:
        self.set_model_patch(patch, "input_block_patch")

    def set_model_input_block_patch_after_skip(self, patch: Callable) -> None:
        self.set_model_patch(patch, "input_block_patch_after_skip")

    def set_model_output_block_patch(self, patch: Callable) -> None:
        self.set_model_patch(patch, "output_block_patch")

    def add_patches(self, patches: dict, strength: float = 1.0) -> list[str]:
        """Add weight patches keyed by UNet parameter names; returns keys that matched nothing."""
        return self.patcher.add_patches(patches, strength)

    def patch_keys(self) -> frozenset[str]:
        return self.patcher.weight_keys()

    def device_modules(self) -> list[tuple[torch.nn.Module, Callable]]:
        return [(self.unet, restore)]

    @property
    def dtype(self) -> torch.dtype:
        """The dtype the UNet computes in (inputs are cast to it)."""
        return compute_dtype_of(self.unet)

    @property
    def storage_dtype(self) -> torch.dtype:
        """The dtype its weights are stored in (fp8 with --fp8_*-unet / UNETLoader weight_dtype)."""
        return storage_dtype_of(self.unet)

    @property
    def model_sampling(self):
        if self._model_sampling is None:
            try:
                from engine.diffusion.sampling.denoiser import ModelSamplingDiscrete
            except ImportError:  # the class lives in model_sampling.py; denoiser may re-export it
                from engine.diffusion.sampling.model_sampling import ModelSamplingDiscrete
            if self.zsnr:
                self._model_sampling = ModelSamplingDiscrete(prediction=self.family.prediction, zsnr=True)
            else:
                self._model_sampling = ModelSamplingDiscrete(prediction=self.family.prediction)
        return self._model_sampling

    @model_sampling.setter
    def model_sampling(self, value) -> None:
        self._model_sampling = value

    # ------------------------------------------------------------ running
    def apply_model(self, x: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor,
                    y: torch.Tensor | None = None, control: dict | None = None,
                    concat: torch.Tensor | None = None, transformer_options: dict | None = None) -> torch.Tensor:
        """Raw UNet output (float32, on x's device) for model-space x; patches applied on use.

        transformer_options (the denoiser builds it from model_options["transformer_options"] plus
        "sigmas" and "cond_or_uncond") reaches the UNet only when given."""
        dm = self.device_manager
        dm.load(self)
        dev, dtype = dm.compute_device, self.dtype
        xin = x if concat is None else torch.cat([x, concat.to(x.device, x.dtype)], dim=1)
        if control is not None:
            control = {k: [None if c is None else c.to(dev, dtype) for c in v] if v is not None else None
                       for k, v in control.items()}
        with self.patcher.use() as module, torch.no_grad():
            if self.forward_override is not None:
                module = self.forward_override
            extra = {} if transformer_options is None else {"transformer_options": transformer_options}
            out = module(
                xin.to(dev, dtype),
                timestep.to(dev).float(),
                context.to(dev, dtype) if context is not None else None,
                y=y.to(dev, dtype) if y is not None else None,
                control=control,
                **extra,
            )
        return out.to(x.device, torch.float32)

    def extra_conds(self, cond_dict: dict, batch: int, device, latent_shape: tuple | None = None) -> dict:
        """Extra model inputs from a CONDITIONING dict.

        SDXL: {"y": [B, adm]} = pooled_output + Fourier(height, width, crop_h, crop_w,
        target_height, target_width) (base) or + Fourier(height, width, crop_h, crop_w,
        aesthetic_score) (refiner; score 6, or 2.5 when cond_dict["prompt_type"] == "negative").
        width/height default to latent size * 8 (``latent_shape`` or cond_dict["noise"/"latent_image"]).
        9-channel inpaint models: {"c_concat": [B, 5, h, w]} = mask (cond_dict "concat_mask" or
        "denoise_mask", else ones) + masked-image latent (model space: "concat_latent_image" is
        scaled here, "latent_image" is taken as already scaled; blank-image latent when no mask).
        """
        out: dict = {}
        fam = self.family
        if latent_shape is None:
            for k in ("noise", "latent_image"):
                if isinstance(cond_dict.get(k), torch.Tensor):
                    latent_shape = tuple(cond_dict[k].shape)
                    break
        cfg = fam.unet_config
        if cfg.adm_in_channels is not None:
            pooled = cond_dict.get("pooled_output")
            if pooled is None:
                raise ValueError(f"{fam.name} model needs 'pooled_output' in the conditioning (got keys "
                                 f"{sorted(cond_dict)}); encode the prompt with this model's CLIP")
            pooled = pooled.reshape(pooled.shape[0], -1).float().cpu()
            default_w = latent_shape[-1] * 8 if latent_shape else SDXL_DEFAULT_SIZE
            default_h = latent_shape[-2] * 8 if latent_shape else SDXL_DEFAULT_SIZE
            width = cond_dict.get("width", default_w)
            height = cond_dict.get("height", default_h)
            crop_w = cond_dict.get("crop_w", 0)
            crop_h = cond_dict.get("crop_h", 0)
            if fam.name.startswith("sdxl_refiner"):
                neg = cond_dict.get("prompt_type", "") == "negative"
                score = cond_dict.get("aesthetic_score", 2.5 if neg else 6.0)
                values = [height, width, crop_h, crop_w, score]
            else:
                values = [height, width, crop_h, crop_w,
                          cond_dict.get("target_height", height), cond_dict.get("target_width", width)]
            flat = fourier_embedding(values).unsqueeze(0).repeat(pooled.shape[0], 1)
            y = torch.cat([pooled, flat], dim=1)
            if y.shape[1] != cfg.adm_in_channels:
                raise ValueError(f"{fam.name}: pooled_output of width {pooled.shape[1]} gives an ADM vector of "
                                 f"{y.shape[1]}, the model expects {cfg.adm_in_channels}")
            out["y"] = _resize_to_batch(y, batch).to(device)
        if cfg.in_channels > fam.latent_channels:
            if latent_shape is None and "width" in cond_dict and "height" in cond_dict:
                # the sampler fills width/height from the latent (x * 8) when the cond has none
                latent_shape = (batch, fam.latent_channels, int(cond_dict["height"]) // 8,
                                int(cond_dict["width"]) // 8)
            out["c_concat"] = self._concat_cond(cond_dict, batch, device, latent_shape)
        return out

    def _concat_cond(self, cond_dict: dict, batch: int, device, latent_shape: tuple | None) -> torch.Tensor:
        if latent_shape is None:
            raise ValueError("inpaint model: the latent shape is needed to build its mask/image inputs")
        shape = (batch,) + tuple(latent_shape[1:])
        h, w = shape[-2:]
        mask = cond_dict.get("concat_mask", cond_dict.get("denoise_mask"))
        img = cond_dict.get("concat_latent_image")
        if img is not None:
            img = img.float() * self.family.scale_factor
        else:
            img = cond_dict.get("latent_image")
        if mask is None:
            blank = torch.tensor(BLANK_INPAINT_LATENT, dtype=torch.float32).view(1, 4, 1, 1).expand(shape)
            return torch.cat([torch.ones((batch, 1, h, w)), blank], dim=1).to(device)
        if img is None:
            raise ValueError("inpaint model: a mask was given without a latent image")
        img = img.float().cpu()
        if img.shape[-2:] != (h, w):
            img = torch.nn.functional.interpolate(img, size=(h, w), mode="bilinear", align_corners=False)
        img = _resize_to_batch(img, batch)
        mask = mask.float().cpu()
        if mask.ndim == 4:
            mask = mask[:, :1]
        mask = mask.reshape((-1, 1) + tuple(mask.shape[-2:]))
        if mask.shape[-2:] != (h, w):
            mask = torch.nn.functional.interpolate(mask, size=(h, w), mode="bilinear", align_corners=False)
        mask = _resize_to_batch(mask.round(), batch)
        return torch.cat([mask, img], dim=1).to(device)

    def __repr__(self) -> str:
        n = sum(len(v) for v in self.patcher.patches.values())
        return f"ModelHandle({self.family.name}, {self.source or 'unnamed'}, {n} patches)"


class VAEHandle:
    """VAE: encode IMAGE -> unscaled latent mean, decode latent -> IMAGE (0..1, [B,H,W,3])."""

    def __init__(self, vae: torch.nn.Module, device_manager: DeviceManager, family: Family | None = None,
                 source: str | None = None, keepalive: tuple = ()):
        self.vae = vae
        self.keepalive = keepalive
        self.device_manager = device_manager
        self.family = family
        self.source = source
        self.downscale = 2 ** (len(vae.config.ch_mult) - 1)
        self.latent_channels = vae.config.embed_dim

    def clone(self) -> "VAEHandle":
        return VAEHandle(self.vae, self.device_manager, self.family, self.source, self.keepalive)

    def device_modules(self) -> list[tuple[torch.nn.Module, Callable | None]]:
        return [(self.vae, None)]

    @property
    def dtype(self) -> torch.dtype:
        return compute_dtype_of(self.vae)

    @property
    def device(self) -> torch.device:
        """Where the VAE runs: the DeviceManager's ``vae_device`` (the CPU with --cpu-vae)."""
        dm = self.device_manager
        return getattr(dm, "vae_device", None) or dm.compute_device

    # --------------------------------------------------------- batching by memory
    def _free_bytes(self) -> int:
        dev = self.device
        if dev.type == "cuda":
            free, _ = torch.cuda.mem_get_info(dev)
            return int(free)
        import psutil
        return int(psutil.virtual_memory().available)

    def _batch_size(self, pixels_per_item: int) -> int:
        # ~ working set of the full-resolution decoder stage: ch * 4 live activations
        elem = torch.empty((), dtype=self.dtype).element_size()
        per_item = pixels_per_item * self.vae.config.ch * 6 * max(elem, 2)
        return max(1, int(self._free_bytes() * 0.6) // max(per_item, 1))

    def _run(self, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, pixels_per_item: int) -> torch.Tensor:
        dm = self.device_manager
        dev, dtype = self.device, self.dtype
        if dev == dm.compute_device:
            dm.load(self)
        else:
            dm.load(self, device=dev)
        step = self._batch_size(pixels_per_item)
        outs = []
        with torch.no_grad():
            for i in range(0, x.shape[0], step):
                outs.append(fn(x[i:i + step].to(dev, dtype)).float().cpu())
        return torch.cat(outs, dim=0)

    # --------------------------------------------------------------- decode
    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Unscaled latent [B,C,h,w] -> IMAGE [B,H,W,3], clamp((x+1)/2, 0, 1)."""
        self._check_latent(latent)
        px = latent.shape[-1] * latent.shape[-2] * self.downscale ** 2
        img = self._run(self.vae.decode, latent, px)
        return ((img + 1.0) / 2.0).clamp(0.0, 1.0).movedim(1, -1).contiguous()

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        """IMAGE [B,H,W,C>=3] 0..1 -> unscaled latent mean; H/W cropped (centered) to multiples of 8."""
        x = self._prepare_pixels(image)
        return self._run(self.vae.encode, x, x.shape[-1] * x.shape[-2])

    def _prepare_pixels(self, image: torch.Tensor) -> torch.Tensor:
        if image.ndim == 3:
            image = image.unsqueeze(0)
        if image.ndim != 4 or image.shape[-1] < 3:
            raise ValueError(f"VAE encode expects an IMAGE [B,H,W,3], got shape {tuple(image.shape)}")
        d = self.downscale
        h, w = image.shape[1], image.shape[2]
        nh, nw = (h // d) * d, (w // d) * d
        if nh == 0 or nw == 0:
            raise ValueError(f"VAE encode: image {w}x{h} is smaller than {d} pixels")
        if (nh, nw) != (h, w):
            oy, ox = (h % d) // 2, (w % d) // 2
            image = image[:, oy:oy + nh, ox:ox + nw, :]
        return image[..., :3].movedim(-1, 1).float() * 2.0 - 1.0

    def _check_latent(self, latent: torch.Tensor) -> None:
        if latent.ndim != 4 or latent.shape[1] != self.latent_channels:
            raise ValueError(f"VAE decode expects a latent [B,{self.latent_channels},h,w], "
                             f"got shape {tuple(latent.shape)}")

    # ---------------------------------------------------------------- tiled
    def decode_tiled(self, latent: torch.Tensor, tile: int = 512, overlap: int = 64) -> torch.Tensor:
        """Decode in overlapping tiles; tile/overlap in pixels (as the VAEDecodeTiled node)."""
        self._check_latent(latent)
        d = self.downscale
        t, o = max(1, tile // d), max(0, overlap // d)
        img = _tiled(lambda x: self._run(self.vae.decode, x, x.shape[-1] * x.shape[-2] * d * d),
                     latent.float(), t, o, d, 3)
        return ((img + 1.0) / 2.0).clamp(0.0, 1.0).movedim(1, -1).contiguous()

    def encode_tiled(self, image: torch.Tensor, tile: int = 512, overlap: int = 64) -> torch.Tensor:
        """Encode in overlapping tiles; tile/overlap in pixels (as the VAEEncodeTiled node)."""
        x = self._prepare_pixels(image)
        d = self.downscale
        t = max(d, (tile // d) * d)
        o = (overlap // d) * d
        return _tiled(lambda p: self._run(self.vae.encode, p, p.shape[-1] * p.shape[-2]),
                      x, t, o, 1, self.latent_channels, shrink=d)


def _tile_starts(size: int, tile: int, overlap: int, align: int) -> list[int]:
    if size <= tile:
        return [0]
    stride = max(align, tile - overlap)
    starts = list(range(0, size - tile, stride))
    starts.append(size - tile)
    return sorted(set(starts))


def _feather(length: int, overlap: int, at_start: bool, at_end: bool) -> torch.Tensor:
    """1-D blend weights: linear ramps over the overlap on sides that meet another tile."""
    w = torch.ones(length)
    ramp = min(overlap, length // 2)
    if ramp > 0:
        r = (torch.arange(ramp, dtype=torch.float32) + 1) / (ramp + 1)
        if not at_start:
            w[:ramp] = r
        if not at_end:
            w[-ramp:] = torch.minimum(w[-ramp:], r.flip(0))
    return w


def _tiled(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, tile: int, overlap: int,
           up: int, out_ch: int, shrink: int = 1) -> torch.Tensor:
    """Run fn over overlapping tiles of x [B,C,H,W] and blend. Output size = in * up / shrink."""
    b, _, h, w = x.shape
    oh, ow = h * up // shrink, w * up // shrink
    acc = torch.zeros((b, out_ch, oh, ow))
    wsum = torch.zeros((1, 1, oh, ow))
    ys = _tile_starts(h, tile, overlap, shrink)
    xs = _tile_starts(w, tile, overlap, shrink)
    for y0 in ys:
        for x0 in xs:
            th, tw = min(tile, h - y0), min(tile, w - x0)
            out = fn(x[:, :, y0:y0 + th, x0:x0 + tw]).float()
            oy, ox = y0 * up // shrink, x0 * up // shrink
            ph, pw = out.shape[-2], out.shape[-1]
            ov = overlap * up // shrink
            wy = _feather(ph, ov, y0 == 0, y0 + th >= h)
            wx = _feather(pw, ov, x0 == 0, x0 + tw >= w)
            m = (wy[:, None] * wx[None, :])[None, None]
            acc[:, :, oy:oy + ph, ox:ox + pw] += out * m
            wsum[:, :, oy:oy + ph, ox:ox + pw] += m
    return acc / wsum


def __getattr__(name: str):
    # ClipHandle is defined in clip_handle.py; re-exported lazily so importing handles
    # does not pull in transformers.
    if name == "ClipHandle":
        from engine.diffusion.clip_handle import ClipHandle
        return ClipHandle
    raise AttributeError(name)
