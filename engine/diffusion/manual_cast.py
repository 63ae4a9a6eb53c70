"""Weights stored in one dtype and computed in another (fp8 weight storage, "manual cast").

A module converted by :func:`store_weights` keeps the weights and biases of its
Linear, Conv2d, GroupNorm, LayerNorm and Embedding layers in a *storage* dtype
(e.g. ``torch.float8_e4m3fn``: one byte per weight) and casts them, layer by layer,
to the *compute* dtype when the layer runs; activations never leave the compute
dtype.  These are the layer kinds ComfyUI's manual-cast operations cover, and as
there biases are stored in the storage dtype too.  Parameters of other modules
stay in the compute dtype.

The converted layers are the same objects with a subclass swapped in
(``isinstance(layer, nn.Linear)`` still holds; names and state-dict keys are
unchanged), so loaders, LoRA patching and device moves work as before.  A root
module whose class reports its run dtype through a ``dtype`` property (UNetModel,
ControlNetModel) reports the compute dtype instead.

:func:`stochastic_round` writes fp32 values back into fp8 (LoRA-patched weights):
each value is rounded up or down at random with probability given by its distance
to the two neighbouring fp8 values, from a generator seeded with the CRC-32 of the
weight's name -- the method and seeds ComfyUI uses (its pure-torch path); values beyond
the fp8 range saturate to its largest value.
"""
from __future__ import annotations

import functools
import zlib

import torch
import torch.nn.functional as F
from torch import nn

FP8_DTYPES: tuple[torch.dtype, ...] = (torch.float8_e4m3fn, torch.float8_e5m2)
# exponent bits, mantissa bits, exponent bias
_FP8_LAYOUT = {torch.float8_e4m3fn: (4, 3, 7), torch.float8_e5m2: (5, 2, 15)}
_ROUND_SLICE = 4096 * 4096  # values rounded per generator call (rows of that many elements)


def is_fp8(dtype: torch.dtype) -> bool:
    return dtype in FP8_DTYPES


def _cast(t: torch.Tensor | None, like: torch.Tensor, dtype: torch.dtype) -> torch.Tensor | None:
    if t is None:
        return None
    return t.to(device=like.device, dtype=dtype)


class CastLinear(nn.Linear):
    compute_dtype: torch.dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dt = self.compute_dtype
        return F.linear(x.to(dt), _cast(self.weight, x, dt), _cast(self.bias, x, dt))


class CastConv2d(nn.Conv2d):
    compute_dtype: torch.dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dt = self.compute_dtype
        w = _cast(self.weight, x, dt)
        if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
            w = w.contiguous(memory_format=torch.channels_last)
        return self._conv_forward(x.to(dt), w, _cast(self.bias, x, dt))


class CastGroupNorm(nn.GroupNorm):
    compute_dtype: torch.dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dt = self.compute_dtype
        return F.group_norm(x.to(dt), self.num_groups, _cast(self.weight, x, dt), _cast(self.bias, x, dt), self.eps)


class CastLayerNorm(nn.LayerNorm):
    compute_dtype: torch.dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dt = self.compute_dtype
        return F.layer_norm(x.to(dt), self.normalized_shape, _cast(self.weight, x, dt), _cast(self.bias, x, dt),
                            self.eps)


class CastEmbedding(nn.Embedding):
    compute_dtype: torch.dtype

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, _cast(self.weight, ids, self.compute_dtype), self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)


CAST_LAYERS: dict[type, type] = {nn.Linear: CastLinear, nn.Conv2d: CastConv2d, nn.GroupNorm: CastGroupNorm,
                                 nn.LayerNorm: CastLayerNorm, nn.Embedding: CastEmbedding}
_CAST_TYPES = tuple(CAST_LAYERS.values())


def stored_keys(module: nn.Module) -> set[str]:
    """State-dict keys of the parameters that :func:`store_weights` keeps in the storage dtype."""
    keys = set()
    for name, sub in module.named_modules():
        if type(sub) in CAST_LAYERS or isinstance(sub, _CAST_TYPES):
            for pname, p in sub.named_parameters(recurse=False):
                if p is not None and p.is_floating_point():
                    keys.add(f"{name}.{pname}" if name else pname)
    return keys


@functools.cache
def _reporting_subclass(cls: type) -> type:
    """``cls`` whose ``dtype`` is the compute dtype (and whose CPU layout choice follows it)."""
    ns: dict = {"dtype": property(lambda self: self.__dict__["compute_dtype"]), "__module__": cls.__module__,
                "__qualname__": cls.__qualname__, "_manual_cast_base": cls}
    if hasattr(cls, "_channels_last_for"):
        def _channels_last_for(self, device: torch.device, dtype: torch.dtype) -> bool:
            return cls._channels_last_for(self, device, self.__dict__["compute_dtype"])
        ns["_channels_last_for"] = _channels_last_for
    return type(cls.__name__, (cls,), ns)


def store_weights(module: nn.Module, storage: torch.dtype, compute: torch.dtype) -> nn.Module:
    """Convert ``module`` in place: cast-layer parameters to ``storage``, the rest to ``compute``.

    The cast layers then compute in ``compute`` (see the module docstring).  With
    ``storage == compute`` this is a plain dtype cast and nothing is swapped.
    """
    if storage == compute:
        module.to(compute)
        return module
    stored = stored_keys(module)
    with torch.no_grad():
        for name, p in list(module.named_parameters()):
            if not p.is_floating_point():
                continue
            target = storage if name in stored else compute
            if p.dtype != target:
                p.data = p.data.to(target)
        for name, b in list(module.named_buffers()):
            if b is not None and b.is_floating_point() and b.dtype != compute:
                owner, _, leaf = name.rpartition(".")
                sub = module.get_submodule(owner) if owner else module
                sub._buffers[leaf] = b.to(compute)
    mark_compute_dtype(module, compute)
    return module


def mark_compute_dtype(module: nn.Module, compute: torch.dtype) -> None:
    """Swap the cast layers in and record ``compute`` (for modules whose weights were put in place
    in their storage dtype by a loader)."""
    for sub in module.modules():
        cls = type(sub)
        if cls in CAST_LAYERS:
            sub.__class__ = CAST_LAYERS[cls]
        if isinstance(sub, _CAST_TYPES):
            sub.compute_dtype = compute
    root = type(module)
    base = getattr(root, "_manual_cast_base", root)
    if isinstance(getattr(base, "dtype", None), property):
        module.__class__ = _reporting_subclass(base)
    module.__dict__["compute_dtype"] = compute


def compute_dtype_of(module: nn.Module) -> torch.dtype:
    """The dtype ``module`` computes in: the recorded one, else its first floating parameter's."""
    dt = module.__dict__.get("compute_dtype")
    if dt is not None:
        return dt
    return storage_dtype_of(module)


def storage_dtype_of(module: nn.Module) -> torch.dtype:
    """The dtype of the first floating parameter (fp32 for a module without one)."""
    for p in module.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


# ------------------------------------------------------------------ fp8 write-back
def seed_for_key(key: str) -> int:
    """CRC-32 of a weight's name: the seed of its stochastic rounding (ComfyUI's string_to_seed)."""
    return zlib.crc32(key.encode("utf-8"))


def _round_to_fp8(x: torch.Tensor, dtype: torch.dtype, gen: torch.Generator) -> torch.Tensor:
    """Stochastically round ``x`` to the values of ``dtype`` (result in fp16, exactly representable)."""
    exp_bits, man_bits, bias = _FP8_LAYOUT[dtype]
    info = torch.finfo(dtype)
    # saturate first: beyond fp8's range the fp16 arithmetic below would overflow to inf/NaN
    x = x.clamp(min=info.min, max=info.max).half()
    mag = x.abs()
    sign = torch.where(mag == 0, torch.zeros_like(x), torch.sign(x))
    exponent = torch.clamp(torch.floor(torch.log2(mag)) + bias, 0, 2 ** exp_bits - 1)
    normal = exponent != 0
    scaled = torch.where(normal, (mag / (2.0 ** (exponent - bias)) - 1.0) * (2 ** man_bits),
                         mag / (2.0 ** (-bias + 1 - man_bits)))
    scaled += torch.rand(scaled.size(), dtype=scaled.dtype, layout=scaled.layout, device=scaled.device,
                         generator=gen)
    frac = scaled.floor() / (2 ** man_bits)
    value = sign * torch.where(normal, (2.0 ** (exponent - bias)) * (1.0 + frac), (2.0 ** (-bias + 1)) * frac)
    return value.clamp_(min=info.min, max=info.max)


def stochastic_round(value: torch.Tensor, dtype: torch.dtype, seed: int) -> torch.Tensor:
    """``value`` (any float dtype) in ``dtype``: stochastic rounding for fp8, a plain cast otherwise."""
    if not is_fp8(dtype):
        return value.to(dtype)
    gen = torch.Generator(device=value.device)
    gen.manual_seed(seed)
    out = torch.empty_like(value, dtype=dtype)
    if value.ndim == 0:
        out.copy_(_round_to_fp8(value, dtype, gen))
        return out
    slices = max(1.0, value.numel() / _ROUND_SLICE)
    step = max(1, round(value.shape[0] / slices))
    for i in range(0, value.shape[0], step):
        out[i:i + step].copy_(_round_to_fp8(value[i:i + step], dtype, gen))
    return out


__all__ = ["FP8_DTYPES", "is_fp8", "store_weights", "mark_compute_dtype", "stored_keys", "compute_dtype_of",
           "storage_dtype_of", "stochastic_round", "seed_for_key"]
