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


VRAM_MODES = ("normal", "high", "gpu_only", "low", "none")
_GIB = 1 << 30


class DeviceManager:
    """Chooses devices/dtypes and keeps track of which modules live on the compute device.

    Modules are kept in system RAM (``offload_device``) and moved to
    ``compute_device`` by :meth:`load` when a node uses them; when the device
    budget is exceeded the least recently used ones are moved back.

    Precision and memory options (main.py's ComfyUI flags; ComfyUI's precedence):

    =====================  ================================================================
    option (flag)          effect
    =====================  ================================================================
    UNet storage dtype     ``--fp32-unet`` > ``--fp64-unet`` > ``--bf16-unet`` > ``--fp16-unet``
                           > ``--fp8_e4m3fn-unet`` > ``--fp8_e5m2-unet``; else ``--force-fp32``
                           fp32, ``--force-fp16`` fp16, else the default.  UNETLoader's
                           ``weight_dtype`` (fp8) overrides the flags for that file
                           (``fp8_e4m3fn_fast``: stored as e4m3fn; no fp8 matmuls here).
                           ControlNets are kept in the UNet's compute dtype (ComfyUI stores them
                           in fp8 too under ``--fp8_*-unet``).
    text storage dtype     ``--fp8_e4m3fn-text-enc`` > ``--fp8_e5m2-text-enc`` > ``--fp16-text-enc``
                           > ``--bf16-text-enc`` > ``--fp32-text-enc``; else force flags, default.
    compute dtype          fp8 storage computes in the dtype the device would use without the
                           explicit flag (``--force-fp32``: fp32); fp16/bf16 storage under
                           ``--force-fp32`` computes in fp32 (ComfyUI's manual cast); otherwise the
                           storage dtype.  Text encoders running on the CPU while the compute
                           device is a GPU compute in fp32.  Weights are cast layer by layer
                           (engine/diffusion/manual_cast.py).
    VAE dtype              ``--fp16-vae`` > ``--bf16-vae`` > ``--fp32-vae`` > ``--cpu-vae`` (fp32,
                           as ComfyUI's VAE on the CPU) > ``--force-fp32`` > ``--force-fp16`` > default.
    ``--cpu-vae``          the VAE runs on the CPU (``vae_device``), the UNet on the compute device.
    ``--force-channels-last``  UNets keep channels-last conv weights and activations on any device.
    ``--reserve-vram GB``  the device budget is lowered by GB (also an explicit ``vram_budget``).
    ``--highvram`` /       the budget is the whole card less the reserve (400 MB by default, as
    ``--gpu-only``         ComfyUI) instead of leaving 20 % (>= 1 GiB) for activations: models
                           stay loaded until they truly do not fit, and are never offloaded after
                           a prompt.  ``--gpu-only`` is the same here (our text encoders and VAE
                           use the compute device anyway; node outputs still go to the CPU).
    ``--lowvram``          ComfyUI splits a model too big for the card and streams the rest; we
                           move whole modules only.  Approximation: the same weights budget as
                           normal (a bigger model is loaded whole, others evicted first), and the
                           text encoders run on the CPU (fp32) as in ComfyUI's low-VRAM modes.
    ``--novram``           ComfyUI streams every weight; approximation: a budget of 0 (loading a
                           model evicts all others, so a ControlNet and its UNet swap places every
                           step), text encoders on the CPU, every model offloaded after a prompt.
    ``--disable-smart-memory``  models are offloaded to RAM after each prompt (:meth:`after_prompt`,
                           called by the server's worker).  ComfyUI also evicts every other model
                           when it loads one; it loads a UNet and its ControlNets together, we load
                           them one by one, so within a prompt the normal LRU budget applies.
    =====================  ================================================================

    The VRAM options only act on a GPU/MPS compute device (ComfyUI disables them on the CPU).
    ``--deterministic`` is applied by main.py (torch.use_deterministic_algorithms, warn only).
    """

    def __init__(self, cpu: bool = False, force_fp32: bool = False, force_fp16: bool = False,
                 bf16_unet: bool = False, fp32_vae: bool = False, vram_budget: int | None = None,
                 *, fp16_unet: bool = False, fp32_unet: bool = False, fp64_unet: bool = False,
                 fp8_e4m3fn_unet: bool = False, fp8_e5m2_unet: bool = False,
                 fp16_vae: bool = False, bf16_vae: bool = False, cpu_vae: bool = False,
                 fp8_e4m3fn_text_enc: bool = False, fp8_e5m2_text_enc: bool = False,
                 fp16_text_enc: bool = False, bf16_text_enc: bool = False, fp32_text_enc: bool = False,
                 force_channels_last: bool = False, reserve_vram: float | None = None,
                 vram_mode: str = "normal", disable_smart_memory: bool = False,
                 cpu_flags: Iterable[str] | None = None, device: str | torch.device | None = None):
        if vram_mode not in VRAM_MODES:
            raise ValueError(f"DeviceManager: vram_mode must be one of {VRAM_MODES}, got {vram_mode!r}")
        if reserve_vram is not None and reserve_vram < 0:
            raise ValueError(f"DeviceManager: reserve_vram must be >= 0 GB, got {reserve_vram}")
        self.force_fp32 = force_fp32
        self.force_fp16 = force_fp16
        self.bf16_unet = bf16_unet
        self.fp16_unet = fp16_unet
        self.fp32_unet = fp32_unet
        self.fp64_unet = fp64_unet
        self.fp8_e4m3fn_unet = fp8_e4m3fn_unet
        self.fp8_e5m2_unet = fp8_e5m2_unet
        self.fp32_vae = fp32_vae
        self.fp16_vae = fp16_vae
        self.bf16_vae = bf16_vae
        self.cpu_vae = cpu_vae
        self.fp8_e4m3fn_text_enc = fp8_e4m3fn_text_enc
        self.fp8_e5m2_text_enc = fp8_e5m2_text_enc
        self.fp16_text_enc = fp16_text_enc
        self.bf16_text_enc = bf16_text_enc
        self.fp32_text_enc = fp32_text_enc
        self.force_channels_last = force_channels_last
        self.reserve_vram = reserve_vram
        self.vram_mode = vram_mode
        self.disable_smart_memory = disable_smart_memory
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

    #: argparse dest names read by :meth:`from_args` (main.py's flags)
    FLAG_NAMES = ("cpu", "force_fp32", "force_fp16", "bf16_unet", "fp16_unet", "fp32_unet", "fp64_unet",
                  "fp8_e4m3fn_unet", "fp8_e5m2_unet", "fp32_vae", "fp16_vae", "bf16_vae", "cpu_vae",
                  "fp8_e4m3fn_text_enc", "fp8_e5m2_text_enc", "fp16_text_enc", "bf16_text_enc", "fp32_text_enc",
                  "force_channels_last", "reserve_vram", "disable_smart_memory")

    @classmethod
    def from_args(cls, args, **overrides) -> "DeviceManager":
        """A manager from a parsed CLI namespace (ComfyUI flag names; missing ones take the defaults)."""
        kw = {name: getattr(args, name) for name in cls.FLAG_NAMES if getattr(args, name, None) is not None}
        if getattr(args, "gpu_only", False):
            kw["vram_mode"] = "gpu_only"
        elif getattr(args, "highvram", False):
            kw["vram_mode"] = "high"
        elif getattr(args, "lowvram", False):
            kw["vram_mode"] = "low"
        elif getattr(args, "novram", False):
            kw["vram_mode"] = "none"
        kw.update(overrides)
        return cls(**kw)

    # ---------------------------------------------------------------- dtypes
    @property
    def is_cpu(self) -> bool:
        return self.compute_device.type == "cpu"

    @property
    def vram_active(self) -> bool:
        """Whether the VRAM options apply (a GPU/MPS compute device)."""
        return self.compute_device.type != "cpu"

    @property
    def vae_device(self) -> torch.device:
        """Where the VAE runs: the CPU with ``--cpu-vae``, else the compute device."""
        return torch.device("cpu") if self.cpu_vae else self.compute_device

    @property
    def text_device(self) -> torch.device:
        """Where text encoders run: the CPU in the low/no-VRAM modes (as ComfyUI), else the compute device."""
        if self.vram_active and self.vram_mode in ("low", "none"):
            return torch.device("cpu")
        return self.compute_device

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

    def _forced_or_default(self) -> torch.dtype:
        if self.force_fp32:
            return torch.float32
        if self.force_fp16:
            return torch.float16
        return self._default_dtype()

    def _compute_for(self, storage: torch.dtype, default: torch.dtype) -> torch.dtype:
        """The dtype weights stored in ``storage`` compute in (``default``: the flag-free choice)."""
        if storage in (torch.float8_e4m3fn, torch.float8_e5m2):
            return default
        if storage in (torch.float16, torch.bfloat16) and self.force_fp32:
            return torch.float32
        return storage

    def unet_storage_dtype(self, weight_dtype: torch.dtype | None = None) -> torch.dtype:
        """The dtype UNet weights are stored in; ``weight_dtype`` (UNETLoader's choice) wins over the flags."""
        if weight_dtype is not None:
            return weight_dtype
        for flag, dtype in (("fp32_unet", torch.float32), ("fp64_unet", torch.float64),
                            ("bf16_unet", torch.bfloat16), ("fp16_unet", torch.float16),
                            ("fp8_e4m3fn_unet", torch.float8_e4m3fn), ("fp8_e5m2_unet", torch.float8_e5m2)):
            if getattr(self, flag):
                return dtype
        return self._forced_or_default()

    def unet_dtype(self, weight_dtype: torch.dtype | None = None) -> torch.dtype:
        """The dtype the UNet computes in (also ControlNets and other UNet-side models)."""
        return self._compute_for(self.unet_storage_dtype(weight_dtype), self._forced_or_default())

    def text_storage_dtype(self) -> torch.dtype:
        for flag, dtype in (("fp8_e4m3fn_text_enc", torch.float8_e4m3fn), ("fp8_e5m2_text_enc", torch.float8_e5m2),
                            ("fp16_text_enc", torch.float16), ("bf16_text_enc", torch.bfloat16),
                            ("fp32_text_enc", torch.float32)):
            if getattr(self, flag):
                return dtype
        if self.text_device != self.compute_device:
            return torch.float32
        return self._forced_or_default()

    def text_dtype(self) -> torch.dtype:
        """The dtype text encoders compute in."""
        if self.text_device != self.compute_device:
            return torch.float32
        return self._compute_for(self.text_storage_dtype(), self._forced_or_default())

    def vae_dtype(self) -> torch.dtype:
        """The VAE's dtype (stored and computed)."""
        if self.fp16_vae:
            return torch.float16
        if self.bf16_vae:
            return torch.bfloat16
        if self.fp32_vae or self.force_fp32 or self.cpu_vae:
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
        """Bytes of the compute device that loaded models may use (None = unlimited: CPU).

        CUDA: the card less 20 % (at least 1 GiB) for activations, or less 400 MB in the
        high-VRAM modes; 0 with ``--novram``; an explicit ``vram_budget`` replaces the card's
        figure.  ``--reserve-vram`` is subtracted from either.
        """
        reserve = int(self.reserve_vram * _GIB) if self.reserve_vram is not None else 0
        high = self.vram_active and self.vram_mode in ("high", "gpu_only")
        if self.vram_active and self.vram_mode == "none":
            return 0
        if self.vram_budget is not None:
            budget = self.vram_budget
        elif self.compute_device.type == "cuda":
            free, total = torch.cuda.mem_get_info(self.compute_device)
            if high:
                budget = total - (0 if self.reserve_vram is not None else 400 * 2**20)
            else:
                budget = total - max(total // 5, _GIB)
        else:
            return None
        return max(0, budget - reserve)

    @property
    def offloads_after_prompt(self) -> bool:
        """Models go back to RAM after each prompt (--disable-smart-memory, --novram)."""
        return self.vram_active and (self.disable_smart_memory or self.vram_mode == "none")

    def after_prompt(self) -> None:
        """Called between prompts (server worker): offloads every model where the options ask for it."""
        if self.offloads_after_prompt:
            self.unload_all()

    def loaded_bytes(self) -> int:
        with self._lock:
            return sum(size for ref, size, _ in self._loaded.values() if ref() is not None)

    def is_loaded(self, module: torch.nn.Module) -> bool:
        with self._lock:
            entry = self._loaded.get(id(module))
            return entry is not None and entry[0]() is module

    def load_module(self, module: torch.nn.Module, before_move: Callable[[torch.nn.Module], None] | None = None,
                    device: torch.device | None = None, _keep: frozenset[int] = frozenset()) -> None:
        """Put ``module`` on the compute device, offloading least recently used modules if needed.

        ``before_move(module)`` runs before any move of that module (the Patcher
        uses it to restore original weights so patches never travel).  ``device``: a
        module that runs elsewhere (the CPU: ``--cpu-vae``, text encoders in low-VRAM
        modes) is moved there and left out of the device books.
        """
        with self._lock:
            if device is not None and not _same_device(torch.device(device), self.compute_device):
                entry = self._loaded.pop(id(module), None)
                if not _same_device(self._device_of(module), torch.device(device)):
                    hook = before_move if before_move is not None else (entry[2] if entry else None)
                    if hook is not None:
                        hook(module)
                    module.to(device)
                return
            self._prune()
            key = id(module)
            if key in self._loaded and self._loaded[key][0]() is module:
                self._loaded.move_to_end(key)
                return
            size = module_bytes(module)
            budget = self.device_budget()
            if budget is not None:
                while self._loaded and self.loaded_bytes() + size > budget:
                    if not self._evict_oldest(_keep):
                        break
                if size > budget and not (self.vram_active and self.vram_mode == "none"):
                    log.warning("model of %.1f MB exceeds the device budget of %.1f MB; loading anyway",
                                size / 2**20, budget / 2**20)
            if not _same_device(self._device_of(module), self.compute_device):
                if before_move is not None:
                    before_move(module)
                module.to(self.compute_device)
            self._loaded[key] = (weakref.ref(module), size, before_move)

    def load(self, handle, device: torch.device | None = None) -> None:
        """Move the modules a handle needs (``handle.device_modules()``) to the compute device
        (or to ``device``, see :meth:`load_module`); a handle's modules never evict each other."""
        mods = list(handle.device_modules())
        keep = frozenset(id(m) for m, _ in mods)
        for module, before_move in mods:
            self.load_module(module, before_move, device=device, _keep=keep)

    def offload_module(self, module: torch.nn.Module) -> None:
        with self._lock:
            entry = self._loaded.pop(id(module), None)
            self._move_out(module, entry[2] if entry else None)

    def _move_out(self, module: torch.nn.Module, before_move: Callable | None) -> None:
        if before_move is not None:
            before_move(module)
        if not _same_device(self._device_of(module), self.offload_device):
            module.to(self.offload_device)

    def _evict_oldest(self, keep: frozenset[int] = frozenset()) -> bool:
        """Offload the least recently used module not in ``keep``; False when there is none."""
        for key in self._loaded:
            if key not in keep:
                break
        else:
            return False
        ref, size, before_move = self._loaded.pop(key)
        module = ref()
        if module is not None:
            log.info("offloading a %.1f MB model to %s", size / 2**20, self.offload_device)
            self._move_out(module, before_move)
        return True

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
        return (f"DeviceManager(device={self.compute_device}, unet={self.unet_storage_dtype()}->{self.unet_dtype()}, "
                f"vae={self.vae_dtype()}@{self.vae_device}, text={self.text_storage_dtype()}->{self.text_dtype()}"
                f"@{self.text_device}, vram={self.vram_mode})")
