"""Patch-on-use of shared modules (LoRA and other weight patches).

A loaded module is shared by every handle cloned from the loader's output.  A
:class:`Patcher` holds its own list of weight patches; when its handle runs, the
patched weights are computed (in fp32, cast back to the weight dtype), cached in
the patcher, and swapped in as *new* tensors for the duration of the call; the
original tensors are never written to, so restoring them is bit-exact by
construction and outside a call the shared module always holds the originals.

Weights stored in fp8 (engine/diffusion/manual_cast.py) get their patched fp32
values written back in fp8 by stochastic rounding seeded with the CRC-32 of the
weight's full model name (``seed_prefix`` + key, e.g. ``diffusion_model.`` +
UNet key), as ComfyUI does; other dtypes are cast (round to nearest).
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Iterable, Protocol

import torch

from engine.diffusion.manual_cast import is_fp8, seed_for_key, stochastic_round

_SLOT_ATTR = "_sdflow_patch_slot"


class WeightAdapter(Protocol):
    """A patch of one weight: returns the delta to add (before strength scaling).

    ``weight`` is the fp32 weight with the earlier patches of the same key already applied.
    """

    def delta(self, weight: torch.Tensor) -> torch.Tensor:  # fp32, shape of weight
        ...


class DiffPatch:
    """A full weight difference (``K.diff`` / ``K.diff_b`` in LoRA files)."""

    def __init__(self, diff: torch.Tensor):
        self.diff = diff

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        d = self.diff.to(device=weight.device, dtype=torch.float32)
        if d.shape != weight.shape:
            d = d.reshape(weight.shape)
        return d


class _Slot:
    """State shared by all patchers of one module: the originals currently swapped out."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.owner: "Patcher | None" = None
        self.backup: dict[str, torch.Tensor] = {}
        self.patchers: "weakref.WeakSet[Patcher]" = weakref.WeakSet()


def _slot_of(module: torch.nn.Module) -> _Slot:
    slot = module.__dict__.get(_SLOT_ATTR)
    if slot is None:
        slot = _Slot()
        object.__setattr__(module, _SLOT_ATTR, slot)
    return slot


def _get_tensor(module: torch.nn.Module, key: str) -> torch.Tensor:
    owner, _, name = key.rpartition(".")
    mod = module.get_submodule(owner) if owner else module
    t = getattr(mod, name)
    if not isinstance(t, torch.Tensor):
        raise KeyError(key)
    return t


def _set_data(module: torch.nn.Module, key: str, value: torch.Tensor) -> None:
    _get_tensor(module, key).data = value


def _same_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    """``param.data`` gives a new alias object each time: compare what it points at."""
    return (a.data_ptr() == b.data_ptr() and a.device == b.device and a.dtype == b.dtype
            and a.shape == b.shape and a.stride() == b.stride())


def _swap_out(module: torch.nn.Module, slot: _Slot) -> None:
    for key, orig in slot.backup.items():
        _set_data(module, key, orig)
    slot.backup = {}
    slot.owner = None


def original_tensor(module: torch.nn.Module, key: str) -> torch.Tensor:
    """The original (unpatched) tensor of ``key``, also while some patcher's weights are swapped in
    (model merges read the other model's weights through it)."""
    slot = _slot_of(module)
    with slot.lock:
        orig = slot.backup.get(key)
        return orig if orig is not None else _get_tensor(module, key).data


def restore(module: torch.nn.Module) -> None:
    """Put the original weights back and drop every patcher's cached patched weights.

    Called before a module changes device or dtype (DeviceManager hook) so patches never travel.
    """
    slot = _slot_of(module)
    with slot.lock:
        _swap_out(module, slot)
        for p in list(slot.patchers):
            p._cache.clear()


def apply_patches(w: torch.Tensor, patches: Iterable[tuple[float, WeightAdapter]], key: str) -> torch.Tensor:
    """Add ``(strength, adapter)`` patches, in order, to the fp32 weight ``w`` (in place; returned).

    Each adapter sees the running weight (DoRA normalises it); adapters whose change is not linear in
    the strength (OFT/BOFT) give the change at that strength themselves (``delta_at_strength``)."""
    for strength, adapter in patches:
        if strength != 0.0:
            try:
                at = getattr(adapter, "delta_at_strength", None)
                w += strength * (adapter.delta(w) if at is None else at(w, strength))
            except (RuntimeError, ValueError) as e:
                raise ValueError(f"patch for weight {key!r} does not fit it: {e}") from None
    return w


class Patcher:
    """Patch list over a shared module; ``clone()`` shares the module, copies the list.

    Patched weights are computed once and cached in the patcher (keyed by the identity
    of the original tensor, so a device move recomputes them); :meth:`use` swaps them in
    for the duration of a call and swaps the originals back afterwards.
    """

    def __init__(self, module: torch.nn.Module, seed_prefix: str = ""):
        self.module = module
        self.seed_prefix = seed_prefix  # model-level name of the module's keys (fp8 rounding seeds)
        # key -> tuple of (strength, adapter); tuples so clones can share them safely
        self.patches: dict[str, tuple[tuple[float, WeightAdapter], ...]] = {}
        self._weight_keys: frozenset[str] | None = None
        self._cache: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        _slot_of(module).patchers.add(self)

    def clone(self) -> "Patcher":
        p = Patcher(self.module, self.seed_prefix)
        p.patches = dict(self.patches)
        p._weight_keys = self._weight_keys
        return p

    def weight_keys(self) -> frozenset[str]:
        if self._weight_keys is None:
            self._weight_keys = frozenset(k for k, _ in self.module.named_parameters())
        return self._weight_keys

    def add_patches(self, patches: dict[str, WeightAdapter], strength: float = 1.0) -> list[str]:
        """Add patches keyed by the module's parameter names; returns the keys that match nothing."""
        known = self.weight_keys()
        unmatched = []
        for key, adapter in patches.items():
            if key not in known:
                unmatched.append(key)
                continue
            self.patches[key] = self.patches.get(key, ()) + ((float(strength), adapter),)
            self._cache.pop(key, None)
        return unmatched

    def active_keys(self) -> list[str]:
        return [k for k, v in self.patches.items() if any(s != 0.0 for s, _ in v)]

    def patched_weight(self, key: str, original: torch.Tensor) -> torch.Tensor:
        """The weight ``key`` with this patcher's patches applied (a new tensor, fp32 math)."""
        w = apply_patches(original.to(torch.float32, copy=True), self.patches.get(key, ()), key)
        if is_fp8(original.dtype):   # the fp32 copy and stochastic_round keep a channels-last layout
            return stochastic_round(w, original.dtype, seed_for_key(self.seed_prefix + key))
        return w.to(original.dtype)

    def apply(self) -> torch.nn.Module:
        """Swap this patcher's weights into the shared module (others' are swapped out first).

        Prefer :meth:`use`, which swaps the originals back when the call is done.
        """
        slot = _slot_of(self.module)
        with slot.lock:
            if slot.owner is self:
                return self.module
            _swap_out(self.module, slot)
            keys = self.active_keys()
            if keys:
                # compute every patched weight first: a failing patch leaves the module untouched
                swaps = {}
                with torch.no_grad():
                    for key in keys:
                        orig = _get_tensor(self.module, key).data
                        cached = self._cache.get(key)
                        if cached is None or not _same_storage(cached[0], orig):
                            cached = (orig, self.patched_weight(key, orig))
                            self._cache[key] = cached
                        swaps[key] = cached
                for key, (orig, patched) in swaps.items():
                    _set_data(self.module, key, patched)
                slot.backup = {key: orig for key, (orig, _) in swaps.items()}
                slot.owner = self
            return self.module

    def unpatch(self) -> None:
        """Swap the originals back (keeps the cached patched weights)."""
        slot = _slot_of(self.module)
        with slot.lock:
            _swap_out(self.module, slot)

    def release(self) -> None:
        """Drop the cached patched weights (they are rebuilt on the next use)."""
        self._cache.clear()

    @contextmanager
    def use(self, keep: bool = False) -> Iterator[torch.nn.Module]:
        """The shared module carrying this patcher's weights for the duration of the block.

        The originals are swapped back on exit (keep=True leaves the patched weights in until
        another patcher or a device move needs the module).  Holding the module's lock, so two
        handles never run the shared module with each other's weights.
        """
        slot = _slot_of(self.module)
        with slot.lock:
            module = self.apply()
            try:
                yield module
            finally:
                if not keep:
                    _swap_out(self.module, slot)
