"""Textual-inversion embeddings from the embeddings folders (reference: checkpoints.md §5).

Files: ``.safetensors`` (safetensors reader) or torch pickles ``.pt`` / ``.bin``
read with ``torch.load(weights_only=True)`` only — a pickle that needs code is
refused with :class:`EmbeddingError`, as is any other file type.

Vector extraction, in ComfyUI's order: A1111 ``string_to_param`` (first value); a
list of dicts (every tensor whose last dimension is the encoder width,
concatenated); the encoder's key (``clip_l`` / ``clip_g`` / ``clip_h``; SDXL files
hold ``clip_l`` and ``clip_g``); otherwise the first tensor.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

import torch

EXTENSIONS = (".safetensors", ".pt", ".bin")
_PICKLE_EXTS = (".pt", ".bin", ".pth", ".ckpt")


class EmbeddingError(Exception):
    """An embedding file exists but cannot be used safely; the message names the file."""


def read_embedding_file(path: str) -> object:
    """Raw content of an embedding file (dict of tensors, nested dicts or a list of dicts)."""
    lower = path.lower()
    if lower.endswith(".safetensors"):
        import safetensors.torch
        try:
            return safetensors.torch.load_file(path, device="cpu")
        except Exception as e:  # noqa: BLE001 - re-raised with the file named
            raise EmbeddingError(f"embedding {path}: not a readable safetensors file ({e})") from e
    if lower.endswith(_PICKLE_EXTS):
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - re-raised with the file named
            raise EmbeddingError(
                f"embedding {path}: refused — torch.load(weights_only=True) failed, the file "
                f"needs code to unpickle or is damaged ({type(e).__name__}: {str(e)[:200]})") from e
    raise EmbeddingError(f"embedding {path}: unsupported file type (use .safetensors, .pt or .bin)")


def extract_vectors(data: object, embedding_size: int, embedding_key: str | None, path: str = "embedding"
                    ) -> torch.Tensor:
    """The embedding rows ``[n, width]`` (or ``[width]``) for one encoder from a file's content."""
    if isinstance(data, dict) and "string_to_param" in data:
        values = list(data["string_to_param"].values())
        if not values:
            raise EmbeddingError(f"{path}: empty string_to_param")
        out = values[0]
    elif isinstance(data, list):
        rows = [t.reshape(-1, t.shape[-1]) for item in data for t in item.values()
                if isinstance(t, torch.Tensor) and t.shape[-1] == embedding_size]
        if not rows:
            raise EmbeddingError(f"{path}: no tensor of width {embedding_size} in the list")
        out = torch.cat(rows, dim=0)
    elif isinstance(data, dict) and embedding_key is not None and embedding_key in data:
        out = data[embedding_key]
    elif isinstance(data, dict):
        bundled = [k for k in data if k.startswith("bundle_emb.") and ".string_to_param." in k]
        tensors = [data[k] for k in (bundled or list(data))]
        tensors = [t for t in tensors if isinstance(t, torch.Tensor)]
        if not tensors:
            raise EmbeddingError(f"{path}: no tensor found (keys {list(data)[:8]})")
        out = tensors[0]
    else:
        raise EmbeddingError(f"{path}: unexpected content of type {type(data).__name__}")
    if not isinstance(out, torch.Tensor) or out.ndim not in (1, 2):
        raise EmbeddingError(f"{path}: embedding is not a 1-D or 2-D tensor")
    return out.detach().to(torch.float32)


class EmbeddingLibrary:
    """Finds and loads ``embedding:name`` files from a list of folders (searched recursively)."""

    def __init__(self, dirs: Iterable[str] = ()):
        self.dirs: list[str] = [os.path.abspath(d) for d in dirs]
        self._files: dict[str, tuple[float, object]] = {}   # path -> (mtime, content)

    def _search_dirs(self) -> list[str]:
        """The folders and all their subfolders, in walk order (a bare name is found in a subfolder)."""
        out: list[str] = []
        for root in self.dirs:
            if os.path.isdir(root):
                out.extend(os.path.abspath(d) for d, _, _ in os.walk(root, followlinks=True))
        return out

    def find_file(self, name: str) -> str | None:
        """Path of ``name`` (or ``name`` + .safetensors/.pt/.bin) inside one of the folders."""
        for root in self._search_dirs():
            candidate = os.path.abspath(os.path.join(root, name))
            try:
                if os.path.commonpath((root, candidate)) != root:
                    continue  # escapes the embeddings folder
            except ValueError:
                continue
            if os.path.isfile(candidate):
                return candidate
            for ext in EXTENSIONS:
                if os.path.isfile(candidate + ext):
                    return candidate + ext
        return None

    def _content(self, path: str) -> object:
        mtime = os.stat(path).st_mtime_ns
        cached = self._files.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        data = read_embedding_file(path)
        self._files[path] = (mtime, data)
        return data

    def lookup(self, name: str, embedding_size: int, embedding_key: str | None) -> torch.Tensor | None:
        """Rows of embedding ``name`` for one encoder; None when no such file exists."""
        path = self.find_file(name)
        if path is None:
            return None
        return extract_vectors(self._content(path), embedding_size, embedding_key, path)

    def lookup_fn(self, embedding_size: int, embedding_key: str | None) -> Callable[[str], torch.Tensor | None]:
        """A ``name -> rows | None`` function for one encoder's tokenizer."""
        return lambda name: self.lookup(name, embedding_size, embedding_key)

    def names(self) -> list[str]:
        """Available embedding names without extension (for GET /embeddings)."""
        found: set[str] = set()
        for root in self.dirs:
            for dirpath, _, files in os.walk(root, followlinks=True):
                for f in files:
                    stem, ext = os.path.splitext(f)
                    if ext.lower() in EXTENSIONS:
                        rel = os.path.relpath(os.path.join(dirpath, stem), root)
                        found.add(rel.replace(os.sep, "/"))
        return sorted(found)


def embedding_library(dirs: Sequence[str] | None) -> EmbeddingLibrary | None:
    """None stays None (no embeddings folder at all: ``embedding:x`` is literal text)."""
    return None if dirs is None else EmbeddingLibrary(dirs)
