"""Safe, memory-frugal reading of weight files.

``.safetensors`` files are memory-mapped and read one tensor at a time; the pages
of each tensor are released from this process right after the tensor has been
copied (and cast) into its destination, so loading an N-GB file never holds the
whole file *and* the model at once.  Pickle-based files (``.ckpt/.pt/.pth/.bin``)
only go through ``torch.load(weights_only=True)``; anything that needs code to
unpickle is refused.
"""
from __future__ import annotations

import json
import mmap
import os
import struct
import warnings
from collections.abc import Iterator, Mapping

import torch

SAFETENSORS_EXTS = (".safetensors", ".sft")
PICKLE_EXTS = (".ckpt", ".pt", ".pth", ".bin", ".pkl")

_ST_DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
    "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2,
}
_MAX_HEADER = 100 * 1024 * 1024


class WeightFileError(ValueError):
    """A weight file could not be read safely; the message names the file."""


class TensorSource(Mapping):
    """Read-only mapping key -> tensor that can report shapes without reading data.

    ``get(key, dtype)`` returns a tensor owned by the caller (never a view of the
    file), optionally cast to ``dtype``.
    """

    path: str
    metadata: dict

    def shape(self, key: str) -> tuple[int, ...]:
        raise NotImplementedError

    def dtype(self, key: str) -> torch.dtype:
        raise NotImplementedError

    def read(self, key: str, dtype: torch.dtype | None = None) -> torch.Tensor:
        raise NotImplementedError

    def __getitem__(self, key: str) -> torch.Tensor:
        return self.read(key)

    def close(self) -> None:
        pass

    def __enter__(self) -> "TensorSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SafetensorsSource(TensorSource):
    """A memory-mapped .safetensors file, validated against its size up front."""

    def __init__(self, path: str):
        self.path = path
        size = os.path.getsize(path)
        name = os.path.basename(path)
        if size < 8:
            raise WeightFileError(f"{path}: not a safetensors file (only {size} bytes; truncated?)")
        with open(path, "rb") as f:
            (hlen,) = struct.unpack("<Q", f.read(8))
            if hlen > _MAX_HEADER or 8 + hlen > size:
                raise WeightFileError(
                    f"{path}: truncated or corrupt safetensors file: header claims {hlen} bytes "
                    f"but the file has {size} bytes in all")
            raw = f.read(hlen)
        try:
            header = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise WeightFileError(f"{path}: corrupt safetensors header ({e})") from None
        if not isinstance(header, dict):
            raise WeightFileError(f"{path}: corrupt safetensors header (not a JSON object)")
        self.metadata = header.pop("__metadata__", None) or {}
        self._base = 8 + hlen
        self._entries: dict[str, tuple[torch.dtype, tuple[int, ...], int, int]] = {}
        data_len = size - self._base
        for key, info in header.items():
            try:
                dt = _ST_DTYPES[info["dtype"]]
                shape = tuple(int(s) for s in info["shape"])
                start, end = (int(v) for v in info["data_offsets"])
            except (KeyError, TypeError, ValueError):
                raise WeightFileError(f"{path}: corrupt safetensors entry for {key!r}: {info!r}") from None
            numel = 1
            for s in shape:
                numel *= s
            nbytes = numel * torch.empty((), dtype=dt).element_size()
            if end - start != nbytes or start < 0:
                raise WeightFileError(
                    f"{path}: corrupt safetensors entry {key!r}: shape {list(shape)} {info['dtype']} needs "
                    f"{nbytes} bytes but offsets give {end - start}")
            if end > data_len:
                raise WeightFileError(
                    f"{path}: truncated safetensors file: tensor {key!r} ends at byte {self._base + end} "
                    f"but the file has only {size} bytes ({name})")
            self._entries[key] = (dt, shape, start, end)
        self._file = open(path, "rb")
        self._mm = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def shape(self, key: str) -> tuple[int, ...]:
        return self._entries[key][1]

    def dtype(self, key: str) -> torch.dtype:
        return self._entries[key][0]

    def read(self, key: str, dtype: torch.dtype | None = None) -> torch.Tensor:
        dt, shape, start, end = self._entries[key]
        if self._mm is None:
            raise WeightFileError(f"{self.path}: file is closed")
        target = dt if dtype is None else dtype
        out = torch.empty(shape, dtype=target)
        if end > start:
            begin = self._base + start
            with warnings.catch_warnings():
                # a read-only mapping: the view is only ever read from
                warnings.simplefilter("ignore", UserWarning)
                view = torch.frombuffer(self._mm, dtype=dt, count=out.numel(), offset=begin)
            # One pass from the mapped file into the tensor's own memory, casting on the way
            # (no full-size temporary in the file dtype).
            out.view(-1).copy_(view)
            del view
            self._release(begin, self._base + end)
        return out

    def _release(self, begin: int, end: int) -> None:
        """Drop the mapped pages of [begin, end) from this process's resident set."""
        page = mmap.PAGESIZE
        lo = (begin // page) * page
        hi = min(len(self._mm), ((end + page - 1) // page) * page)
        if hi > lo and hasattr(self._mm, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            self._mm.madvise(mmap.MADV_DONTNEED, lo, hi - lo)

    def close(self) -> None:
        if self._mm is not None:
            self._mm.close()
            self._mm = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __del__(self) -> None:  # pragma: no cover - best-effort cleanup
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class DictSource(TensorSource):
    """A TensorSource over an in-memory (or torch-mmapped) dict of tensors."""

    def __init__(self, tensors: dict[str, torch.Tensor], path: str = "<memory>", metadata: dict | None = None):
        self.path = path
        self.metadata = metadata or {}
        self._t = tensors

    def __iter__(self) -> Iterator[str]:
        return iter(self._t)

    def __len__(self) -> int:
        return len(self._t)

    def __contains__(self, key: object) -> bool:
        return key in self._t

    def shape(self, key: str) -> tuple[int, ...]:
        return tuple(self._t[key].shape)

    def dtype(self, key: str) -> torch.dtype:
        return self._t[key].dtype

    def read(self, key: str, dtype: torch.dtype | None = None) -> torch.Tensor:
        t = self._t[key]
        if dtype is not None and dtype != t.dtype:
            return t.to(dtype)
        return t.clone()


def _flatten_pickle_payload(obj: object, path: str) -> dict[str, torch.Tensor]:
    """Pick the tensor dict out of a weights-only pickle (LDM 'state_dict' wrapper etc.)."""
    if isinstance(obj, dict):
        for wrapper in ("state_dict", "module", "model"):
            inner = obj.get(wrapper)
            if isinstance(inner, dict) and any(isinstance(v, torch.Tensor) for v in inner.values()):
                obj = inner
                break
        tensors = {k: v for k, v in obj.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
        if tensors:
            return tensors
    raise WeightFileError(
        f"{path}: no tensors found in the pickle (top level is {type(obj).__name__}"
        + (f" with keys {sorted(map(str, obj))[:10]}" if isinstance(obj, dict) else "") + ")")


def load_pickle_weights(path: str) -> dict[str, torch.Tensor]:
    """torch.load with weights_only=True (mmap when the zip format allows); refuses code."""
    import pickle
    import zipfile

    is_zip = zipfile.is_zipfile(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=is_zip)
    except pickle.UnpicklingError as e:
        first = str(e).strip().splitlines()
        detail = next((ln for ln in first if "Unsupported" in ln or "global" in ln.lower()), first[0] if first else "")
        raise WeightFileError(
            f"{path}: refused to load: the pickle needs code or objects beyond plain tensors "
            f"(weights_only check failed: {detail.strip()}). Convert it to .safetensors from a trusted source."
        ) from None
    except (RuntimeError, EOFError, ValueError, zipfile.BadZipFile, OSError) as e:
        raise WeightFileError(f"{path}: corrupt or truncated weight file ({type(e).__name__}: {e})") from None
    return _flatten_pickle_payload(obj, path)


def open_weights(path: str) -> TensorSource:
    """Open a weight file by extension; errors name the file and what was found."""
    if not os.path.isfile(path):
        raise WeightFileError(f"{path}: no such file")
    lower = path.lower()
    if lower.endswith(SAFETENSORS_EXTS):
        return SafetensorsSource(path)
    if lower.endswith(PICKLE_EXTS):
        return DictSource(load_pickle_weights(path), path=path)
    # Unknown extension: sniff for safetensors (8-byte length + '{').
    with open(path, "rb") as f:
        head = f.read(9)
    if len(head) == 9 and head[8:9] == b"{":
        return SafetensorsSource(path)
    return DictSource(load_pickle_weights(path), path=path)


def trim_process_heap() -> None:
    """Give freed heap memory back to the OS (glibc malloc_trim) after a big load; no-op elsewhere."""
    import ctypes
    import ctypes.util
    import sys
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return
    trim = getattr(libc, "malloc_trim", None)  # absent on musl
    if trim is not None:
        trim(0)


def load_state_dict(path: str, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """Read a whole weight file into a dict (small files: LoRAs, embeddings, text encoders)."""
    with open_weights(path) as src:
        return {k: src.read(k, dtype if (dtype is not None and src.dtype(k).is_floating_point) else None)
                for k in src}
