"""Loading checkpoints, VAEs, bare UNets and text encoders into handles.

open file (mmap, weights-only) -> detect the architecture from keys and shapes ->
check every key (none missing, none left over, shapes equal) -> build the module
on the meta device -> read each tensor straight into it in the target dtype.
Nothing is built before all checks pass, so a bad file never gives a half-loaded
model.  Loads are cached in the DeviceManager by (realpath, mtime, size): the same
file loaded twice shares one module; the key includes the storage and compute
dtypes, so one file loaded with two weight dtypes gives two modules.  Weights stored
in another dtype than they compute in (fp8, see manual_cast.py) are read straight
from the file into the storage dtype.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence

import torch

from engine.diffusion import detect
from engine.diffusion.detect import DetectionError, describe_keys, looks_like_lora
from engine.diffusion.device import DeviceManager
from engine.diffusion.families import Family
from engine.diffusion.handles import ModelHandle, VAEHandle
from engine.diffusion.manual_cast import mark_compute_dtype, stored_keys
from engine.diffusion.models.unet import UNetModel
from engine.diffusion.models.vae import AutoencoderKL
from engine.diffusion.safe_load import TensorSource, WeightFileError, open_weights, trim_process_heap

log = logging.getLogger(__name__)

VAE_PREFIX = "first_stage_model."
TEXT_PREFIXES = ("cond_stage_model.", "conditioner.embedders.")
# LDM/SGM training leftovers and model-type markers that carry no inference weights.
IGNORED_KEYS = frozenset({
    "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
    "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
    "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
    "posterior_mean_coef1", "posterior_mean_coef2", "logvar", "lvlb_weights",
    "v_pred", "ztsnr", "edm_mean", "edm_std", "edm_vpred.sigma_max", "edm_vpred.sigma_min",
})
IGNORED_PREFIXES = ("model_ema.",)


class CheckpointError(ValueError):
    """A model file that cannot be loaded; the message names the file and what was found."""


class _Cached:
    """A load-cache record; handles keep it alive, the DeviceManager holds it weakly."""

    def __init__(self, value):
        self.value = value


def _open(path: str) -> TensorSource:
    try:
        return open_weights(path)
    except WeightFileError as e:
        raise CheckpointError(str(e)) from None


def _list(keys: Iterable[str], limit: int = 20) -> str:
    keys = sorted(keys)
    more = f" ... and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


# --------------------------------------------------------------------- module building
def build_module(ctor: Callable[[], torch.nn.Module], src: TensorSource, names: dict[str, str] | None,
                 prefix: str, dtype: torch.dtype, path: str, what: str,
                 adapt: Callable[[str, torch.Tensor, tuple], torch.Tensor] | None = None,
                 storage_dtype: torch.dtype | None = None) -> torch.nn.Module:
    """Build ``ctor()`` on meta, check the file's keys strictly, then read every tensor into it.

    ``names`` maps module keys to file keys (default: prefix + module key).  Every file key
    under ``prefix`` (or in ``names``) must be used and every module key present with the
    same number of elements (``adapt`` may reshape, e.g. diffusers' linear attention).
    ``storage_dtype`` (other than ``dtype``): the cast layers' weights are read in it and
    compute in ``dtype`` (manual_cast.py); everything else is read in ``dtype``.
    """
    with torch.device("meta"):
        module = ctor()
    expected = module.state_dict()
    stored = stored_keys(module) if storage_dtype is not None and storage_dtype != dtype else set()
    if names is None:
        names = {k: prefix + k for k in expected}
        file_keys = {k for k in src if k.startswith(prefix)}
    else:
        file_keys = set(names.values())
    missing = sorted(k for k, fk in names.items() if fk not in src)
    unexpected = sorted(file_keys - {names[k] for k in expected if k in names})
    bad_shape = []
    for k, t in expected.items():
        fk = names.get(k)
        if fk is None or fk not in src:
            continue
        fs = tuple(src.shape(fk))
        if fs != tuple(t.shape) and not (adapt is not None and _numel(fs) == t.numel()):
            bad_shape.append(f"{fk} {list(fs)} (model expects {list(t.shape)})")
    if missing or unexpected or bad_shape:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} keys: {_list(missing)}")
        if unexpected:
            parts.append(f"unexpected {len(unexpected)} keys: {_list(unexpected)}")
        if bad_shape:
            parts.append(f"shape mismatch: {_list(bad_shape, 10)}")
        raise CheckpointError(f"{path}: {what} does not match the detected architecture; " + "; ".join(parts))
    for k, t in expected.items():
        fk = names[k]
        value = src.read(fk, (storage_dtype if k in stored else dtype) if t.is_floating_point() else None)
        if tuple(value.shape) != tuple(t.shape):
            value = value.reshape(t.shape) if adapt is None else adapt(k, value, tuple(t.shape))
        _assign(module, k, value)
    leftover = [n for n, t in list(module.named_parameters()) + list(module.named_buffers()) if t.is_meta]
    if leftover:
        raise CheckpointError(f"{path}: {what}: tensors not stored in the file and not computable: {_list(leftover)}")
    if stored:
        mark_compute_dtype(module, dtype)
    module.eval()
    module.requires_grad_(False)
    return module


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _assign(module: torch.nn.Module, key: str, value: torch.Tensor) -> None:
    owner, _, name = key.rpartition(".")
    sub = module.get_submodule(owner) if owner else module
    if name in sub._parameters:
        sub._parameters[name] = torch.nn.Parameter(value, requires_grad=False)
    elif name in sub._buffers:
        sub._buffers[name] = value
    else:
        raise KeyError(key)


# --------------------------------------------------------------------- checkpoint
def _cached_unet(dm: DeviceManager, fkey: tuple, cfg, src: TensorSource, prefix: str, path: str,
                 weight_dtype: torch.dtype | None = None) -> "_Cached":
    """The UNet of ``src`` in the manager's storage/compute dtypes (cached per file and dtypes)."""
    storage, compute = dm.unet_storage_dtype(weight_dtype), dm.unet_dtype(weight_dtype)
    channels_last = bool(getattr(dm, "force_channels_last", False))

    def build() -> _Cached:
        unet = build_module(lambda: UNetModel(cfg), src, None, prefix, compute, path, "UNet", storage_dtype=storage)
        if channels_last:
            unet.use_channels_last = True   # --force-channels-last: on any device and dtype
            unet.sync_weight_format()
        return _Cached(unet)
    return dm.cached(fkey + ("unet", storage, compute, channels_last), build)


def _unet_section(src: TensorSource, keys: set[str], path: str) -> tuple[str, object, Family]:
    """(prefix, UNetConfig, Family) of the UNet inside a checkpoint, or CheckpointError."""
    prefix = detect.unet_prefix(keys)
    if f"{prefix}input_blocks.0.0.weight" not in keys:
        raise CheckpointError(f"{path}: not a Stable Diffusion checkpoint: {_what_is(keys)}")
    try:
        cfg = detect.detect_unet_config(keys, lambda k: src.shape(prefix + k), prefix)
        fam = detect.family_for(cfg, keys, lambda k: src.read(k, torch.float32), prefix)
    except DetectionError as e:
        raise CheckpointError(f"{path}: unknown architecture: {e}") from None
    return prefix, cfg, fam


def _what_is(keys: set[str]) -> str:
    """A human description of a state dict that is not a checkpoint (for error messages)."""
    if not keys:
        return "the file holds no tensors"
    if looks_like_lora(keys):
        return "it looks like a LoRA (lora_* keys); put it in models/loras and use a LoRA loader"
    stripped = {k[len(VAE_PREFIX):] if k.startswith(VAE_PREFIX) else k for k in keys}
    if {"encoder.conv_in.weight", "decoder.conv_in.weight"} <= stripped and not any(
            k.startswith(("model.diffusion_model.", "input_blocks.")) for k in keys):
        return "it is a VAE file (encoder.*/decoder.* keys only); put it in models/vae and use VAELoader"
    if "input_blocks.0.0.weight" in keys or ("conv_in.weight" in keys and any(k.startswith("down_blocks.") for k in keys)):
        return "it is a bare diffusion model (UNet without VAE/text encoder); use UNETLoader (models/diffusion_models)"
    if any(k.endswith("token_embedding.weight") for k in keys) and len(keys) < 1000:
        return "it is a text encoder file; use CLIPLoader (models/text_encoders)"
    return "unknown architecture: " + describe_keys(keys)


def _check_leftovers(keys: set[str], unet_prefix: str, path: str) -> None:
    used_prefixes = (unet_prefix, VAE_PREFIX) + TEXT_PREFIXES
    left = [k for k in keys if not k.startswith(used_prefixes) and k not in IGNORED_KEYS
            and not k.startswith(IGNORED_PREFIXES)]
    if left:
        raise CheckpointError(f"{path}: {len(left)} keys belong to no part of a {{UNet, VAE, text encoder}} "
                              f"checkpoint: {_list(left)}")


def load_checkpoint(path: str, device_manager: DeviceManager, embedding_dirs: Sequence[str] = (),
                    output_vae: bool = True, output_clip: bool = True
                    ) -> tuple[ModelHandle, object | None, VAEHandle | None]:
    """(MODEL, CLIP or None, VAE or None) from a single-file SD1.x / SD2.x / SDXL checkpoint."""
    dm = device_manager
    src = _open(path)
    try:
        keys = set(src)
        prefix, cfg, fam = _unet_section(src, keys, path)
        _check_leftovers(keys, prefix, path)
        base = _clip_kind(fam)
        fkey = dm.file_key(path)
        unet_rec = _cached_unet(dm, fkey, cfg, src, prefix, path)
        model = ModelHandle(unet_rec.value, fam, dm, source=path, keepalive=(unet_rec,),
                            zsnr=detect.zero_terminal_snr(keys))

        vae = None
        if output_vae and any(k.startswith(VAE_PREFIX) for k in keys):
            v_dtype = dm.vae_dtype()
            vae_rec = dm.cached(fkey + ("vae", v_dtype), lambda: _Cached(_build_vae(src, VAE_PREFIX, v_dtype, path)))
            vae = VAEHandle(vae_rec.value, dm, fam, source=path, keepalive=(vae_rec,))
        elif output_vae:
            log.warning("%s: checkpoint has no VAE (no first_stage_model.* keys)", path)

        clip = None
        if output_clip and any(k.startswith(TEXT_PREFIXES) for k in keys):
            from engine.diffusion.clip_handle import build_clip_handle, text_encoder_parts
            from engine.diffusion.models.clip import ClipLoadError
            t_dtype = (dm.text_storage_dtype(), dm.text_dtype())
            dirs = tuple(os.path.realpath(d) for d in embedding_dirs)

            def build_clip():
                try:
                    return _Cached(build_clip_handle(base, text_encoder_parts(src, base), dm, dirs, source=path))
                except ClipLoadError as e:
                    raise CheckpointError(f"{path}: text encoder: {e}") from None
            clip_rec = dm.cached(fkey + ("clip", base, t_dtype, dirs), build_clip)
            clip = clip_rec.value.clone()
            clip.keepalive = (clip_rec,)
        elif output_clip:
            log.warning("%s: checkpoint has no text encoder", path)
        return model, clip, vae
    finally:
        src.close()
        trim_process_heap()


def _clip_kind(fam: Family) -> str:
    name = fam.name.removesuffix("_inpaint")
    return "sd2" if name == "sd2_v" else name


# --------------------------------------------------------------------- VAE
_VAE_ATTN = {"group_norm": "norm", "norm": "norm", "to_q": "q", "query": "q", "to_k": "k", "key": "k",
             "to_v": "v", "value": "v", "to_out.0": "proj_out", "proj_attn": "proj_out"}


def vae_diffusers_to_ldm_key(key: str, levels: int) -> str | None:
    """diffusers AutoencoderKL key -> LDM key (checkpoints.md §3); None when it has no LDM name."""
    m = re.match(r"^(encoder|decoder)\.(.+)$", key)
    if not m:
        return key if key.startswith(("quant_conv.", "post_quant_conv.")) else None
    side, rest = m.groups()
    if rest.startswith(("conv_in.", "conv_out.")):
        return key
    if rest.startswith("conv_norm_out."):
        return f"{side}.norm_out." + rest[len("conv_norm_out."):]
    res = lambda r: r.replace("conv_shortcut", "nin_shortcut", 1)  # noqa: E731
    if mm := re.match(r"^down_blocks\.(\d+)\.resnets\.(\d+)\.(.+)$", rest):
        return f"{side}.down.{mm[1]}.block.{mm[2]}.{res(mm[3])}"
    if mm := re.match(r"^down_blocks\.(\d+)\.downsamplers\.0\.(.+)$", rest):
        return f"{side}.down.{mm[1]}.downsample.{mm[2]}"
    if mm := re.match(r"^up_blocks\.(\d+)\.resnets\.(\d+)\.(.+)$", rest):
        return f"{side}.up.{levels - 1 - int(mm[1])}.block.{mm[2]}.{res(mm[3])}"
    if mm := re.match(r"^up_blocks\.(\d+)\.upsamplers\.0\.(.+)$", rest):
        return f"{side}.up.{levels - 1 - int(mm[1])}.upsample.{mm[2]}"
    if mm := re.match(r"^mid_block\.resnets\.(\d+)\.(.+)$", rest):
        return f"{side}.mid.block_{int(mm[1]) + 1}.{res(mm[2])}"
    if mm := re.match(r"^mid_block\.attentions\.0\.(.+)\.(weight|bias)$", rest):
        name = _VAE_ATTN.get(mm[1])
        return None if name is None else f"{side}.mid.attn_1.{name}.{mm[2]}"
    return None


def _vae_names(keys: set[str], path: str) -> tuple[dict[str, str], str]:
    """(ldm key -> file key, layout) of a VAE state dict in LDM (optionally prefixed) or diffusers layout."""
    if detect.VAE_DIFFUSERS_PROBE in keys:
        levels = len({int(m[1]) for k in keys if (m := re.match(r"^decoder\.up_blocks\.(\d+)\.", k))})
        names, unknown = {}, []
        for k in keys:
            ldm = vae_diffusers_to_ldm_key(k, levels)
            if ldm is None:
                unknown.append(k)
            else:
                names[ldm] = k
        if unknown:
            raise CheckpointError(f"{path}: diffusers VAE keys with no LDM counterpart: {_list(unknown)}")
        return names, "diffusers"
    prefix = VAE_PREFIX if any(k.startswith(VAE_PREFIX) for k in keys) else ""
    return {k[len(prefix):]: k for k in keys if k.startswith(prefix)}, "ldm"


def _build_vae(src: TensorSource, prefix: str, dtype: torch.dtype, path: str,
               names: dict[str, str] | None = None) -> torch.nn.Module:
    if names is None:
        names = {k[len(prefix):]: k for k in src if k.startswith(prefix)}
    try:
        cfg = detect.detect_vae_config(names.keys(), lambda k: src.shape(names[k]))
    except (DetectionError, KeyError) as e:
        raise CheckpointError(f"{path}: VAE of unknown architecture: {e}") from None

    def adapt(key: str, value: torch.Tensor, shape: tuple) -> torch.Tensor:
        return value.reshape(shape)  # diffusers' Linear attention weights -> 1x1 convs
    module_names = None
    with torch.device("meta"):
        module_keys = list(AutoencoderKL(cfg).state_dict())
    module_names = {k: names.get(k, f"<missing {k}>") for k in module_keys}
    extra = sorted(set(names.values()) - set(module_names.values()))
    if extra:
        raise CheckpointError(f"{path}: VAE has {len(extra)} keys the detected architecture does not use: "
                              f"{_list(extra)}")
    return build_module(lambda: AutoencoderKL(cfg), src, module_names, "", dtype, path, "VAE", adapt=adapt)


def load_vae(path: str, device_manager: DeviceManager) -> VAEHandle:
    """A VAE file in LDM (optionally first_stage_model.-prefixed) or diffusers layout."""
    dm = device_manager
    src = _open(path)
    try:
        keys = set(src)
        if looks_like_lora(keys) or any(k.startswith(("model.diffusion_model.", "input_blocks.")) for k in keys):
            raise CheckpointError(f"{path}: not a VAE file: {_what_is(keys)}")
        names, layout = _vae_names(keys, path)
        if layout == "ldm" and not {"encoder.conv_in.weight", "decoder.conv_in.weight"} <= set(names):
            raise CheckpointError(f"{path}: not a VAE file: {_what_is(keys)}")
        v_dtype = dm.vae_dtype()
        rec = dm.cached(dm.file_key(path, "vae", v_dtype),
                        lambda: _Cached(_build_vae(src, "", v_dtype, path, names)))
        return VAEHandle(rec.value, dm, None, source=path, keepalive=(rec,))
    finally:
        src.close()


# --------------------------------------------------------------------- bare UNet
def unet_diffusers_to_ldm_key(key: str, num_res_blocks: int, up_attn: set[int]) -> str | None:
    """diffusers UNet2DConditionModel key -> LDM UNet key (checkpoints.md §2)."""
    per = num_res_blocks + 1
    res = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
           "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}

    def r(rest: str) -> str:
        head, _, tail = rest.partition(".")
        return f"{res.get(head, head)}.{tail}"
    simple = {"conv_in.": "input_blocks.0.0.", "time_embedding.linear_1.": "time_embed.0.",
              "time_embedding.linear_2.": "time_embed.2.", "add_embedding.linear_1.": "label_emb.0.0.",
              "add_embedding.linear_2.": "label_emb.0.2.", "conv_norm_out.": "out.0.", "conv_out.": "out.2."}
    for a, b in simple.items():
        if key.startswith(a):
            return b + key[len(a):]
    if m := re.match(r"^down_blocks\.(\d+)\.resnets\.(\d+)\.(.+)$", key):
        return f"input_blocks.{1 + int(m[1]) * per + int(m[2])}.0.{r(m[3])}"
    if m := re.match(r"^down_blocks\.(\d+)\.attentions\.(\d+)\.(.+)$", key):
        return f"input_blocks.{1 + int(m[1]) * per + int(m[2])}.1.{m[3]}"
    if m := re.match(r"^down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.+)$", key):
        return f"input_blocks.{(int(m[1]) + 1) * per}.0.op.{m[2]}"
    if m := re.match(r"^mid_block\.resnets\.(\d+)\.(.+)$", key):
        return f"middle_block.{2 * int(m[1])}.{r(m[2])}"
    if m := re.match(r"^mid_block\.attentions\.0\.(.+)$", key):
        return f"middle_block.1.{m[1]}"
    if m := re.match(r"^up_blocks\.(\d+)\.resnets\.(\d+)\.(.+)$", key):
        return f"output_blocks.{int(m[1]) * per + int(m[2])}.0.{r(m[3])}"
    if m := re.match(r"^up_blocks\.(\d+)\.attentions\.(\d+)\.(.+)$", key):
        return f"output_blocks.{int(m[1]) * per + int(m[2])}.1.{m[3]}"
    if m := re.match(r"^up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.+)$", key):
        i = int(m[1])
        return f"output_blocks.{i * per + num_res_blocks}.{2 if i in up_attn else 1}.conv.{m[2]}"
    return None


class _RenamedSource(TensorSource):
    """A TensorSource seen through a key renaming (new name -> file name)."""

    def __init__(self, src: TensorSource, names: dict[str, str]):
        self.src, self.names, self.path, self.metadata = src, names, src.path, src.metadata

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, key: object) -> bool:
        return key in self.names

    def shape(self, key: str) -> tuple:
        return self.src.shape(self.names[key])

    def dtype(self, key: str) -> torch.dtype:
        return self.src.dtype(self.names[key])

    def read(self, key: str, dtype: torch.dtype | None = None) -> torch.Tensor:
        return self.src.read(self.names[key], dtype)


def load_unet(path: str, device_manager: DeviceManager, weight_dtype: torch.dtype | None = None) -> ModelHandle:
    """A bare diffusion model (models/diffusion_models): LDM names (optionally prefixed) or diffusers.

    ``weight_dtype``: store the weights in this dtype (UNETLoader's fp8 choices) instead of the
    manager's UNet storage dtype; they compute in the manager's usual dtype."""
    dm = device_manager
    raw = _open(path)
    try:
        keys = set(raw)
        src: TensorSource = raw
        if "conv_in.weight" in keys and any(k.startswith("down_blocks.") for k in keys):
            nrb = len({m[1] for k in keys if (m := re.match(r"^down_blocks\.0\.resnets\.(\d+)\.", k))})
            up_attn = {int(m[1]) for k in keys if (m := re.match(r"^up_blocks\.(\d+)\.attentions\.", k))}
            names, unknown = {}, []
            for k in keys:
                ldm = unet_diffusers_to_ldm_key(k, nrb, up_attn)
                (unknown.append(k) if ldm is None else names.__setitem__(ldm, k))
            if unknown:
                raise CheckpointError(f"{path}: diffusers UNet keys with no LDM counterpart: {_list(unknown)}")
            src = _RenamedSource(raw, names)
            keys = set(names)
        if looks_like_lora(keys):
            raise CheckpointError(f"{path}: not a diffusion model: {_what_is(keys)}")
        prefix = detect.unet_prefix(keys)
        if f"{prefix}input_blocks.0.0.weight" not in keys:
            prefix = ""
        if f"{prefix}input_blocks.0.0.weight" not in keys:
            raise CheckpointError(f"{path}: not a diffusion model: {_what_is(keys)}")
        try:
            cfg = detect.detect_unet_config(keys, lambda k: src.shape(prefix + k), prefix)
            fam = detect.family_for(cfg, keys, lambda k: src.read(k, torch.float32), prefix)
        except DetectionError as e:
            raise CheckpointError(f"{path}: unknown architecture: {e}") from None
        left = [k for k in keys if not k.startswith(prefix) and k not in IGNORED_KEYS]
        if left:
            raise CheckpointError(f"{path}: keys outside the diffusion model: {_list(left)}")
        rec = _cached_unet(dm, dm.file_key(path), cfg, src, prefix, path, weight_dtype)
        return ModelHandle(rec.value, fam, dm, source=path, keepalive=(rec,),
                           zsnr=detect.zero_terminal_snr(keys))
    finally:
        raw.close()
        trim_process_heap()


# --------------------------------------------------------------------- text encoders
_REAL_WIDTHS = {768: "l", 1024: "h", 1280: "g"}


def _text_encoder_info(src: TensorSource, path: str) -> tuple[str, int, bool]:
    """(layout "hf"|"open_clip", width, has projection) of a text encoder file."""
    emb = [k for k in src if k.endswith("token_embedding.weight")]
    if not emb:
        raise CheckpointError(f"{path}: not a text encoder file: {_what_is(set(src))}")
    layout = "hf" if emb[0].endswith("embeddings.token_embedding.weight") else "open_clip"
    width = int(src.shape(emb[0])[1])
    has_proj = any(k.endswith("text_projection") or k.endswith("text_projection.weight") for k in src)
    return layout, width, has_proj


def load_clip(paths: list[str], kind: str, device_manager: DeviceManager, embedding_dirs: Sequence[str] = ()):
    """Text encoder files for CLIPLoader ("stable_diffusion": one clip_l or clip_h file) and
    DualCLIPLoader ("sdxl": clip_l + clip_g, in either order), transformers or OpenCLIP layout.

    Roles come from the width (768 l, 1024 h, 1280 g); small test widths: for one file, the
    transformers layout is clip_l (SD1) and OpenCLIP clip_h (SD2); for two files, the one with
    a text projection and the larger width is clip_g.
    """
    from engine.diffusion.clip_handle import build_clip_handle
    from engine.diffusion.models.clip import ClipLoadError
    dm = device_manager
    srcs = [_open(p) for p in paths]
    try:
        infos = [_text_encoder_info(s, p) for s, p in zip(srcs, paths)]
        roles: list[str] = []
        if kind in ("stable_diffusion", "sd1", "sd2"):
            if len(paths) != 1:
                raise CheckpointError(f"{kind} text encoder needs exactly one file, got {len(paths)}: {paths}")
            layout, width, _ = infos[0]
            role = _REAL_WIDTHS.get(width) or ("l" if layout == "hf" else "h")
            if role == "g":
                raise CheckpointError(f"{paths[0]}: a clip_g (bigG) text encoder cannot be used alone as "
                                      f"'{kind}'; load it with DualCLIPLoader type sdxl")
            roles = [role]
            clip_kind = "sd1" if role == "l" else "sd2"
        elif kind in ("sdxl",):
            if len(paths) != 2:
                raise CheckpointError(f"sdxl text encoders need two files (clip_l and clip_g), got {paths}")
            real = [_REAL_WIDTHS.get(w) for _, w, _ in infos]
            if all(real):
                roles = real
            else:
                order = sorted(range(2), key=lambda i: (infos[i][2] and infos[i][0] == "open_clip", infos[i][1]))
                roles = ["", ""]
                roles[order[0]], roles[order[1]] = "l", "g"
            if sorted(roles) != ["g", "l"]:
                raise CheckpointError(f"sdxl needs a clip_l and a clip_g file; found {dict(zip(paths, roles))}")
            clip_kind = "sdxl"
        else:
            raise CheckpointError(f"unsupported text encoder type {kind!r} (stable_diffusion | sdxl)")
        t_dtype = (dm.text_storage_dtype(), dm.text_dtype())
        dirs = tuple(os.path.realpath(d) for d in embedding_dirs)
        key = tuple(dm.file_key(p) for p in paths) + ("clip", clip_kind, t_dtype, dirs)

        def build():
            try:
                return _Cached(build_clip_handle(clip_kind, dict(zip(roles, srcs)), dm, dirs,
                                                 source=", ".join(paths)))
            except ClipLoadError as e:
                raise CheckpointError(f"{', '.join(paths)}: {e}") from None
        rec = dm.cached(key, build)
        clip = rec.value.clone()
        clip.keepalive = (rec,)
        return clip
    finally:
        for s in srcs:
            s.close()


__all__ = ["CheckpointError", "load_checkpoint", "load_vae", "load_unet", "load_clip", "build_module",
           "vae_diffusers_to_ldm_key", "unet_diffusers_to_ldm_key"]
