"""``import comfy.model_management``: device, dtype, memory and interrupt functions over the engine's objects."""
from __future__ import annotations

import gc
import logging
from typing import Any

import torch

from engine.graph import context as _context
from engine.graph.errors import Interrupted

from .. import state as _state

log = logging.getLogger(__name__)

# The engine's interrupt: raising it from a node ends the run as interrupted, as in ComfyUI.
InterruptProcessingException = Interrupted
OOM_EXCEPTION = torch.cuda.OutOfMemoryError
XFORMERS_IS_AVAILABLE = False
SAGE_ATTENTION_IS_AVAILABLE = False


def _dm() -> Any:
    return _state.get().device_manager


def get_torch_device() -> torch.device:
    dm = _dm()
    return dm.compute_device if dm is not None else torch.device("cpu")


def intermediate_device() -> torch.device:
    return torch.device("cpu")


def _vram_mode() -> str:
    dm = _dm()
    return getattr(dm, "vram_mode", "normal") if dm is not None else "normal"


def unet_offload_device() -> torch.device:
    """The compute device with --highvram/--gpu-only (models stay there), else the CPU."""
    return get_torch_device() if _vram_mode() in ("high", "gpu_only") else torch.device("cpu")


def text_encoder_offload_device() -> torch.device:
    return get_torch_device() if _vram_mode() == "gpu_only" else torch.device("cpu")


def vae_offload_device() -> torch.device:
    return get_torch_device() if _vram_mode() == "gpu_only" else torch.device("cpu")


def unet_inital_load_device(*_args: Any, **_kwargs: Any) -> torch.device:
    return torch.device("cpu")


def text_encoder_device() -> torch.device:
    """Where text encoders run (the CPU in the low-VRAM modes)."""
    dm = _dm()
    return getattr(dm, "text_device", get_torch_device()) if dm is not None else torch.device("cpu")


def vae_device() -> torch.device:
    """Where the VAE runs (the CPU with --cpu-vae)."""
    dm = _dm()
    return getattr(dm, "vae_device", get_torch_device()) if dm is not None else torch.device("cpu")


def unet_dtype(*_args: Any, **_kwargs: Any) -> torch.dtype:
    """The dtype UNet weights are stored in (fp8 with --fp8_*-unet), as ComfyUI's unet_dtype."""
    dm = _dm()
    return dm.unet_storage_dtype() if dm is not None else torch.float32


def unet_manual_cast(weight_dtype: torch.dtype, *_args: Any, **_kwargs: Any) -> torch.dtype | None:
    """The dtype weights stored in ``weight_dtype`` compute in; None when they compute as stored."""
    dm = _dm()
    compute = dm.unet_dtype() if dm is not None else torch.float32
    if weight_dtype in (torch.float32, torch.float64) or weight_dtype == compute:
        return None
    return compute


def supports_fp8_compute(*_args: Any, **_kwargs: Any) -> bool:
    """fp8 weights are always cast to the compute dtype here (no fp8 matmuls)."""
    return False


def force_channels_last() -> bool:
    dm = _dm()
    return bool(getattr(dm, "force_channels_last", False))


def vae_dtype(*_args: Any, **_kwargs: Any) -> torch.dtype:
    dm = _dm()
    return dm.vae_dtype() if dm is not None else torch.float32


def text_encoder_dtype(*_args: Any, **_kwargs: Any) -> torch.dtype:
    """The dtype text encoder weights are stored in (fp8 with --fp8_*-text-enc)."""
    dm = _dm()
    return dm.text_storage_dtype() if dm is not None else torch.float32


def is_device_cpu(device: Any) -> bool:
    return torch.device(device).type == "cpu"


def is_device_cuda(device: Any) -> bool:
    return torch.device(device).type == "cuda"


def is_device_mps(device: Any) -> bool:
    return torch.device(device).type == "mps"


def cpu_mode() -> bool:
    return get_torch_device().type == "cpu"


def should_use_fp16(*_args: Any, **_kwargs: Any) -> bool:
    dm = _dm()
    return dm is not None and dm.unet_dtype() == torch.float16


def should_use_bf16(*_args: Any, **_kwargs: Any) -> bool:
    dm = _dm()
    return dm is not None and dm.unet_dtype() == torch.bfloat16


def get_free_memory(dev: Any = None, torch_free_too: bool = False) -> int | tuple[int, int]:
    """Free bytes on ``dev`` (default: the compute device); with ``torch_free_too`` (total, torch's cached free)."""
    dev = torch.device(dev) if dev is not None else get_torch_device()
    if dev.type == "cuda":
        free, _total = torch.cuda.mem_get_info(dev)
        reserved = torch.cuda.memory_reserved(dev) - torch.cuda.memory_allocated(dev)
        total_free, torch_free = free + reserved, reserved
    else:
        import psutil
        total_free, torch_free = psutil.virtual_memory().available, psutil.virtual_memory().available
    return (total_free, torch_free) if torch_free_too else total_free


def get_total_memory(dev: Any = None, torch_total_too: bool = False) -> int | tuple[int, int]:
    dev = torch.device(dev) if dev is not None else get_torch_device()
    if dev.type == "cuda":
        total = torch.cuda.mem_get_info(dev)[1]
        torch_total = torch.cuda.memory_reserved(dev)
    else:
        import psutil
        total = torch_total = psutil.virtual_memory().total
    return (total, torch_total) if torch_total_too else total


def soft_empty_cache(force: bool = False) -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def unload_all_models() -> None:
    dm = _dm()
    if dm is not None:
        dm.unload_all()


def load_models_gpu(models: list, *_args: Any, **_kwargs: Any) -> None:
    """Move engine handles (MODEL/CLIP/VAE values) to the compute device; other objects are left alone."""
    dm = _dm()
    if dm is None:
        return
    for m in models:
        if hasattr(m, "device_modules"):
            dm.load(m)


def load_model_gpu(model: Any) -> None:
    load_models_gpu([model])


def cleanup_models(*_args: Any, **_kwargs: Any) -> None:
    gc.collect()


def processing_interrupted() -> bool:
    """True when the running prompt has been asked to stop (False outside execution)."""
    try:
        _context.check_interrupt()
    except Interrupted:
        return True
    return False


def throw_exception_if_processing_interrupted() -> None:
    """Raise InterruptProcessingException when the running prompt has been asked to stop."""
    _context.check_interrupt()


def interrupt_current_processing(value: bool = True) -> None:
    """Ask the running prompt to stop (value=False is a no-op: the executor clears the flag per run)."""
    if not value:
        return
    executor = _state.get().executor
    if executor is None:
        raise RuntimeError("interrupt_current_processing: no executor is bound to the compatibility layer")
    executor.interrupt()


def get_torch_device_name(device: Any = None) -> str:
    return str(torch.device(device) if device is not None else get_torch_device())


def get_autocast_device(dev: Any) -> str:
    return torch.device(dev).type if dev is not None else "cuda"


def device_supports_non_blocking(device: Any) -> bool:
    return torch.device(device).type == "cuda"


def module_size(module: torch.nn.Module) -> int:
    return sum(t.nelement() * t.element_size() for t in module.state_dict().values())


def free_memory(memory_required: int, device: Any, keep_loaded: list | None = None) -> None:
    """Make room on ``device``: the engine's DeviceManager offloads everything it holds there."""
    if get_free_memory(device) < memory_required:
        unload_all_models()
    soft_empty_cache()


def __getattr__(name: str) -> Any:
    # read at access time from the bound DeviceManager (ComfyUI has module constants)
    if name == "DISABLE_SMART_MEMORY":
        return bool(getattr(_dm(), "disable_smart_memory", False))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
