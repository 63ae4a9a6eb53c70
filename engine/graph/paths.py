"""Model, input, output, temp and user folders (ComfyUI's folder keys and extensions).

``FolderPaths`` is an object passed to whoever needs it; nothing is read at import.
Extra folders come from an ``extra_model_paths.yaml`` in ComfyUI's format::

    comfyui:                      # any section name
        base_path: /data/comfy    # relative to the YAML file's folder; ~ and $VARS expanded
        is_default: true          # optional: put these folders first
        checkpoints: models/checkpoints
        loras: |
            models/loras
            more/loras
        custom_nodes: custom_nodes
"""
from __future__ import annotations

import os
from typing import Iterable

MODEL_EXTENSIONS = frozenset({".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".sft"})
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})

# folder key -> allowed extensions (None = any file; "folder" entries list sub-folders).
FOLDER_KEYS: dict[str, frozenset[str] | None] = {
    "checkpoints": MODEL_EXTENSIONS,
    "configs": frozenset({".yaml"}),
    "loras": MODEL_EXTENSIONS,
    "vae": MODEL_EXTENSIONS,
    "text_encoders": MODEL_EXTENSIONS,
    "diffusion_models": MODEL_EXTENSIONS,
    "clip_vision": MODEL_EXTENSIONS,
    "style_models": MODEL_EXTENSIONS,
    "embeddings": MODEL_EXTENSIONS,
    "diffusers": frozenset({"folder"}),
    "vae_approx": MODEL_EXTENSIONS,
    "controlnet": MODEL_EXTENSIONS,
    "gligen": MODEL_EXTENSIONS,
    "upscale_models": MODEL_EXTENSIONS,
    "latent_upscale_models": MODEL_EXTENSIONS,
    "custom_nodes": None,
    "hypernetworks": MODEL_EXTENSIONS,
    "photomaker": MODEL_EXTENSIONS,
    "classifiers": None,
    "model_patches": MODEL_EXTENSIONS,
    "audio_encoders": MODEL_EXTENSIONS,
}
LEGACY_KEYS = {"unet": "diffusion_models", "clip": "text_encoders", "t2i_adapter": "controlnet"}


def _expand(path: str) -> str:
    return os.path.expandvars(os.path.expanduser(path))


class FolderPaths:
    """All folders the engine reads models from and writes images to."""

    def __init__(self, base_dir: str, output_dir: str | None = None, input_dir: str | None = None,
                 temp_dir: str | None = None, user_dir: str | None = None,
                 extra_config: str | Iterable[str] | None = None, models_dir: str | None = None) -> None:
        self.base_dir = os.path.abspath(base_dir)
        self.models_dir = os.path.abspath(models_dir or os.path.join(self.base_dir, "models"))
        self.output_dir = os.path.abspath(output_dir or os.path.join(self.base_dir, "output"))
        self.input_dir = os.path.abspath(input_dir or os.path.join(self.base_dir, "input"))
        self.temp_dir = os.path.abspath(temp_dir or os.path.join(self.base_dir, "temp"))
        self.user_dir = os.path.abspath(user_dir or os.path.join(self.base_dir, "user"))
        self._folders: dict[str, list[str]] = {}
        self._extensions: dict[str, frozenset[str] | None] = dict(FOLDER_KEYS)
        for key in FOLDER_KEYS:
            if key == "custom_nodes":
                self._folders[key] = [os.path.join(self.base_dir, "custom_nodes")]
            else:
                self._folders[key] = [os.path.join(self.models_dir, key)]
        if extra_config:
            for cfg in [extra_config] if isinstance(extra_config, str) else extra_config:
                self.load_extra_config(cfg)

    # -- configuration -------------------------------------------------
    def add_folder(self, key: str, path: str, first: bool = False,
                   extensions: Iterable[str] | None = None) -> None:
        """Register another directory for ``key`` (legacy names unet/clip are mapped)."""
        key = LEGACY_KEYS.get(key, key)
        path = os.path.abspath(_expand(path))
        if key not in self._folders:
            self._folders[key] = []
            self._extensions[key] = frozenset(e.lower() for e in extensions) if extensions else MODEL_EXTENSIONS
        dirs = self._folders[key]
        if path in dirs:
            dirs.remove(path)
        dirs.insert(0, path) if first else dirs.append(path)

    def load_extra_config(self, yaml_path: str) -> None:
        """Read an extra_model_paths.yaml (ComfyUI format); raises ValueError naming the file on bad content."""
        import yaml
        yaml_path = os.path.abspath(_expand(yaml_path))
        with open(yaml_path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{yaml_path}: expected a mapping of sections, got {type(data).__name__}")
        yaml_dir = os.path.dirname(yaml_path)
        for section, conf in data.items():
            if conf is None:
                continue
            if not isinstance(conf, dict):
                raise ValueError(f"{yaml_path}: section {section!r} must be a mapping")
            conf = dict(conf)
            base = conf.pop("base_path", None)
            first = bool(conf.pop("is_default", False))
            if base:
                base = _expand(str(base))
                if not os.path.isabs(base):
                    base = os.path.join(yaml_dir, base)
            for key, value in conf.items():
                if value is None:
                    continue
                for line in str(value).split("\n"):
                    line = line.strip()
                    if not line:
                        continue
                    full = _expand(line)
                    if base and not os.path.isabs(full):
                        full = os.path.join(base, full)
                    elif not os.path.isabs(full):
                        full = os.path.join(yaml_dir, full)
                    self.add_folder(key, full, first=first)

    # -- queries ---------------------------------------------------------
    def keys(self) -> list[str]:
        return list(self._folders)

    def folder(self, key: str) -> list[str]:
        """All directories registered for ``key``; KeyError naming it if unknown."""
        key = LEGACY_KEYS.get(key, key)
        if key == "input":
            return [self.input_dir]
        if key == "output":
            return [self.output_dir]
        if key == "temp":
            return [self.temp_dir]
        if key not in self._folders:
            raise KeyError(f"unknown model folder {key!r}; known: {', '.join(self._folders)}")
        return list(self._folders[key])

    def _exts(self, key: str) -> frozenset[str] | None:
        key = LEGACY_KEYS.get(key, key)
        if key in ("input", "output", "temp"):
            return IMAGE_EXTENSIONS
        return self._extensions.get(key, MODEL_EXTENSIONS)

    def list_files(self, key: str) -> list[str]:
        """Relative names (forward slashes, sorted) of the files under ``key``'s folders, read fresh."""
        exts = self._exts(key)
        names: set[str] = set()
        for root in self.folder(key):
            if not os.path.isdir(root):
                continue
            if exts is not None and "folder" in exts:
                names.update(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
                continue
            for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel_dir = os.path.relpath(dirpath, root)
                for fn in filenames:
                    if fn.startswith(".") or (exts is not None and os.path.splitext(fn)[1].lower() not in exts):
                        continue
                    rel = fn if rel_dir == "." else os.path.join(rel_dir, fn)
                    names.add(rel.replace(os.sep, "/"))
        return sorted(names)

    def full_path(self, key: str, name: str) -> str:
        """Absolute path of ``name`` inside one of ``key``'s folders.

        Refuses absolute names and ``..`` escapes (ValueError); FileNotFoundError names the
        file and the folders searched when it is not there.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"{key}: file name must be a non-empty string, got {name!r}")
        norm = name.replace("\\", "/")
        if os.path.isabs(name) or norm.startswith("/") or ".." in norm.split("/") or ":" in norm.split("/")[0]:
            raise ValueError(f"{key}: refusing file name {name!r} that leaves the folder")
        dirs = self.folder(key)
        for root in dirs:
            root_real = os.path.realpath(root)
            candidate = os.path.realpath(os.path.join(root, *norm.split("/")))
            if os.path.commonpath([root_real, candidate]) != root_real and not self._is_symlinked_within(root, norm):
                raise ValueError(f"{key}: refusing file name {name!r} that leaves {root}")
            if os.path.exists(candidate):
                return candidate
        raise FileNotFoundError(f"{key} file {name!r} not found in: {', '.join(dirs)}")

    @staticmethod
    def _is_symlinked_within(root: str, norm: str) -> bool:
        # A listed name reached through a symlink inside the folder is allowed (os.walk follows links).
        joined = os.path.normpath(os.path.join(os.path.abspath(root), *norm.split("/")))
        return os.path.commonpath([os.path.abspath(root), joined]) == os.path.abspath(root)

    def type_dir(self, kind: str) -> str:
        """Directory for an image reference type: "output", "input" or "temp"."""
        try:
            return {"output": self.output_dir, "input": self.input_dir, "temp": self.temp_dir}[kind]
        except KeyError:
            raise ValueError(f"unknown image type {kind!r} (expected output, input or temp)") from None

    def ensure_dirs(self) -> None:
        """Create the output/input/temp/user directories."""
        for d in (self.output_dir, self.input_dir, self.temp_dir, self.user_dir):
            os.makedirs(d, exist_ok=True)
