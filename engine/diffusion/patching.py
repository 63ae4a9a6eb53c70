"""Patch-on-use of shared modules (LoRA and other weight patches).

A loaded module is shared by every handle cloned from the loader's output.  A
:class:`Patcher` holds its own list of weight patches; when its handle runs, the
patched weights are computed (in fp32, cast back to the weight dtype) and swapped
in as *new* tensors; the original tensors are never written to, so restoring
them is bit-exact by construction.  The module remembers which patcher's weights
it currently carries, so consecutive calls from the same handle cost nothing and
any other handle (or a device move) restores the originals first.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import torch

_SLOT_ATTR = "_sdflow_patch_slot"


class WeightAdapter(Protocol):
    """A patch of one weight: returns the delta to add (before strength scaling)."""

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
    """State shared by all patchers of one module: who is applied, and the originals."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.owner_sig: tuple | None = None
        self.backup: dict[str, torch.Tensor] = {}


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


def restore(module: torch.nn.Module) -> None:
    """Put the original weights back into ``module`` (no-op when nothing is patched)."""
    slot = _slot_of(module)
    with slot.lock:
        for key, orig in slot.backup.items():
            _set_data(module, key, orig)
        slot.backup = {}
        slot.owner_sig = None


class Patcher:
    """Patch list over a shared module; ``clone()`` shares the module, copies the list."""

    def __init__(self, module: torch.nn.Module):
        self.module = module
        # key -> list of (strength, adapter); tuples so clones can share them safely
        self.patches: dict[str, tuple[tuple[float, WeightAdapter], ...]] = {}
        self._weight_keys: frozenset[str] | None = None

    def clone(self) -> "Patcher":
        p = Patcher(self.module)
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
        return unmatched

    def signature(self) -> tuple:
        # Holds the adapter objects themselves (compared by identity), never their ids.
        return tuple(sorted(((k, v) for k, v in self.patches.items() if any(s != 0.0 for s, _ in v)),
                            key=lambda kv: kv[0]))

    def patched_weight(self, key: str, original: torch.Tensor) -> torch.Tensor:
        """The weight ``key`` with this patcher's patches applied (a new tensor)."""
        w = original.to(torch.float32, copy=True)
        for strength, adapter in self.patches.get(key, ()):
            if strength != 0.0:
                w += strength * adapter.delta(original)
        return w.to(original.dtype)

    def apply(self) -> torch.nn.Module:
        """Make the shared module carry this patcher's weights (restoring others' first)."""
        slot = _slot_of(self.module)
        with slot.lock:
            sig = self.signature()
            if slot.owner_sig == sig:
                return self.module
            restore(self.module)
            if sig:
                backup = {}
                with torch.no_grad():
                    for key in self.patches:
                        orig = _get_tensor(self.module, key).data
                        backup[key] = orig
                        _set_data(self.module, key, self.patched_weight(key, orig))
                slot.backup = backup
            slot.owner_sig = sig
            return self.module

    def unpatch(self) -> None:
        restore(self.module)

    @contextmanager
    def use(self, keep: bool = True) -> Iterator[torch.nn.Module]:
        """Module with this patcher's weights; with keep=False the originals come back on exit."""
        slot = _slot_of(self.module)
        with slot.lock:
            module = self.apply()
            try:
                yield module
            finally:
                if not keep:
                    restore(self.module)
