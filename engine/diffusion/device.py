"""DeviceManager: compute device and dtype choice, model placement, LRU offload, load cache.

One object per process (built by main.py from the CLI flags and passed around);
nothing here is read from module globals.
"""
from __future__ import annotations

import logging
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable

import torch

log = logging.getLogger(__name__)

_NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def read_cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str]:
    """CPU feature flags from /proc/cpuinfo (empty where the file does not exist)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags") or line.startswith("Features"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def _same_device(a: torch.device | None, b: torch.device) -> bool:
    """'mps' and 'mps:0' (or 'cuda' and 'cuda:0') are the same place."""
    if a is None:
        return True  # a module without tensors is wherever we want it
    return a.type == b.type and (a.index is None or b.index is None or a.index == b.index)


def module_bytes(module: torch.nn.Module) -> int:
    """Bytes held by a module's parameters and buffers."""
    total = 0
    for t in list(module.parameters()) + list(module.buffers()):
        total += t.numel() * t.element_size()
    return total


class DeviceManager:
    """Chooses devices/dtypes and keeps track of which modules live on the compute device.

    Modules are kept in system RAM (``offload_device``) and moved to
    ``compute_device`` by :meth:`load` when a node uses them; when the device
    budget is exceeded the least recently used ones are moved back.
    """

    def __init__(self, cpu: bool = False, force_fp32: bool = False, force_fp16: bool = False,
                 bf16_unet: bool = False, fp32_vae: bool = False, vram_budget: int | None = None,
                 *, cpu_flags: Iterable[str] | None = None, device: str | torch.device | None = None):
        self.force_fp32 = force_fp32
        self.force_fp16 = force_fp16
        self.bf16_unet = bf16_unet
        self.fp32_vae = fp32_vae
        self.cpu_flags = frozenset(cpu_flags) if cpu_flags is not None else read_cpu_flags()
        if device is not None:
            self.compute_device = torch.device(device)
        elif cpu:
            self.compute_device = torch.device("cpu")
        elif torch.cuda.is_available():
            self.compute_device = torch.device("cuda", torch.cuda.current_device())
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            self.compute_device = torch.device("mps")
        else:
            self.compute_device = torch.device("cpu")
        self.offload_device = torch.device("cpu")
        self.vram_budget = vram_budget
        self._loaded: OrderedDict[int, tuple[weakref.ref, int, Callable | None]] = OrderedDict()
        self._cache: "weakref.WeakValueDictionary[tuple, object]" = weakref.WeakValueDictionary()
        self._lock = threading.RLock()

    # ---------------------------------------------------------------- dtypes
    @property
    def is_cpu(self) -> bool:
        return self.compute_device.type == "cpu"

    def cpu_native_bf16(self) -> bool:
        """True where the processor has bf16 matrix instructions (AMX or AVX512-BF16)."""
        return any(f in self.cpu_flags for f in _NATIVE_BF16_FLAGS)

    def cuda_bf16_supported(self) -> bool:
        if self.compute_device.type != "cuda":
            return False
        return bool(torch.cuda.is_bf16_supported())

    def _default_dtype(self) -> torch.dtype:
        if self.compute_device.type in ("cuda", "mps"):
            return torch.float16
        return torch.bfloat16 if self.cpu_native_bf16() else torch.float32

    def unet_dtype(self) -> torch.dtype:
        if self.force_fp32:
            return torch.float32
        if self.bf16_unet:
            return torch.bfloat16
        if self.force_fp16:
            return torch.float16
        return self._default_dtype()

    def text_dtype(self) -> torch.dtype:
        if self.force_fp32:
            return torch.float32
        if self.force_fp16:
            return torch.float16
        return self._default_dtype()

    def vae_dtype(self) -> torch.dtype:
        if self.force_fp32 or self.fp32_vae:
            return torch.float32
        if self.force_fp16:
            return torch.float16
        if self.compute_device.type == "cuda":
            # fp16 VAEs overflow (SDXL); bf16 where the card has it, else fp32.
            return torch.bfloat16 if self.cuda_bf16_supported() else torch.float32
        if self.compute_device.type == "mps":
            return torch.float32
        return torch.bfloat16 if self.cpu_native_bf16() else torch.float32

    # ------------------------------------------------------------- placement
    def device_budget(self) -> int | None:
        """Bytes of the compute device that loaded models may use (None = unlimited: CPU)."""
        if self.vram_budget is not None:
            return self.vram_budget
        if self.compute_device.type == "cuda":
            free, total = torch.cuda.mem_get_info(self.compute_device)
            # keep ~20% (at least 1 GiB) for activations
            return max(0, total - max(total // 5, 1 << 30))
        return None

    def loaded_bytes(self) -> int:
        with self._lock:
            return sum(size for ref, size, _ in self._loaded.values() if ref() is not None)

    def is_loaded(self, module: torch.nn.Module) -> bool:
        with self._lock:
            entry = self._loaded.get(id(module))
            return entry is not None and entry[0]() is module

    def load_module(self, module: torch.nn.Module, before_move: Callable[[torch.nn.Module], None] | None = None) -> None:
        """Put ``module`` on the compute device, offloading least recently used modules if needed.

        ``before_move(module)`` runs before any move of that module (the Patcher
        uses it to restore original weights so patches never travel).
        """
        with self._lock:
            self._prune()
            key = id(module)
            if key in self._loaded and self._loaded[key][0]() is module:
                self._loaded.move_to_end(key)
                return
            size = module_bytes(module)
            budget = self.device_budget()
            if budget is not None:
                while self._loaded and self.loaded_bytes() + size > budget:
                    self._evict_oldest()
                if size > budget:
                    log.warning("model of %.1f MB exceeds the device budget of %.1f MB; loading anyway",
                                size / 2**20, budget / 2**20)
            if not _same_device(self._device_of(module), self.compute_device):
                if before_move is not None:
                    before_move(module)
                module.to(self.compute_device)
            self._loaded[key] = (weakref.ref(module), size, before_move)

    def load(self, handle) -> None:
        """Move the modules a handle needs (``handle.device_modules()``) to the compute device."""
        for module, before_move in handle.device_modules():
            self.load_module(module, before_move)

    def offload_module(self, module: torch.nn.Module) -> None:
        with self._lock:
            entry = self._loaded.pop(id(module), None)
            self._move_out(module, entry[2] if entry else None)

    def _move_out(self, module: torch.nn.Module, before_move: Callable | None) -> None:
        if before_move is not None:
            before_move(module)
        if not _same_device(self._device_of(module), self.offload_device):
            module.to(self.offload_device)

    def _evict_oldest(self) -> None:
        key, (ref, size, before_move) = self._loaded.popitem(last=False)
        module = ref()
        if module is not None:
            log.info("offloading a %.1f MB model to %s", size / 2**20, self.offload_device)
            self._move_out(module, before_move)

    def _prune(self) -> None:
        for key in [k for k, (ref, _, _) in self._loaded.items() if ref() is None]:
            del self._loaded[key]

    @staticmethod
    def _device_of(module: torch.nn.Module) -> torch.device | None:
        for p in module.parameters():
            return p.device
        for b in module.buffers():
            return b.device
        return None

    def unload_all(self) -> None:
        """Offload every loaded module to system RAM (POST /free).

        The load cache holds weak references only, so files whose handles are
        gone (e.g. after the executor's cache was dropped) are freed as well."""
        with self._lock:
            while self._loaded:
                self._evict_oldest()
        if self.compute_device.type == "cuda":
            torch.cuda.empty_cache()

    # ----------------------------------------------------------- load cache
    @staticmethod
    def file_key(path: str, *extra) -> tuple:
        """Cache key for a file: (realpath, mtime_ns, size) plus loader options."""
        real = os.path.realpath(path)
        st = os.stat(real)
        return (real, st.st_mtime_ns, st.st_size) + tuple(extra)

    def cached(self, key: tuple, build: Callable[[], object]) -> object:
        """Return the live object cached under ``key`` or build and remember it (weakly)."""
        with self._lock:
            obj = self._cache.get(key)
            if obj is not None:
                return obj
        obj = build()
        with self._lock:
            existing = self._cache.get(key)
            if existing is not None:
                return existing
            self._cache[key] = obj
        return obj

    def __repr__(self) -> str:
        return (f"DeviceManager(device={self.compute_device}, unet={self.unet_dtype()}, "
                f"vae={self.vae_dtype()}, text={self.text_dtype()})")
