"""``import folder_paths``: ComfyUI's model/input/output folder functions over the engine's FolderPaths.

Module attributes that ComfyUI keeps as globals (``base_path``, ``models_dir``,
``output_directory``, ``folder_names_and_paths``...) are computed on access from the installed
FolderPaths, so they follow --output-directory, extra_model_paths.yaml and add_model_folder_path.
"""
from __future__ import annotations

import mimetypes
import os
from collections.abc import MutableMapping
from typing import Any, Iterator

from . import state as _state

supported_pt_extensions: set[str] = {".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"}

_TYPE_SUFFIXES = ("output", "input", "temp")


def _paths() -> Any:
    return _state.get().paths


class FolderNamesAndPaths(MutableMapping):
    """``folder_names_and_paths``: key -> (list of dirs, set of extensions), writing through to FolderPaths.

    Assigning ``(dirs, exts)`` adds the dirs that are not registered yet (FolderPaths never drops a folder).
    """

    def __getitem__(self, key: str) -> tuple[list[str], set[str]]:
        p = _paths()
        if key not in p.keys():
            raise KeyError(key)
        exts = p._exts(key)
        return p.folder(key), set(exts) if exts is not None else set()

    def __setitem__(self, key: str, value: Any) -> None:
        dirs, exts = value if isinstance(value, tuple) and len(value) == 2 else (value, supported_pt_extensions)
        if isinstance(dirs, str):
            dirs = [dirs]
        for d in dirs:
            _paths().add_folder(key, d, extensions=exts or None)

    def __delitem__(self, key: str) -> None:
        raise TypeError(f"folder_paths: removing model folder {key!r} is not supported")

    def __iter__(self) -> Iterator[str]:
        return iter(_paths().keys())

    def __len__(self) -> int:
        return len(_paths().keys())


folder_names_and_paths = FolderNamesAndPaths()


def __getattr__(name: str) -> Any:
    p = _paths()
    attrs = {"base_path": lambda: p.base_dir, "models_dir": lambda: p.models_dir,
             "output_directory": lambda: p.output_dir, "input_directory": lambda: p.input_dir,
             "temp_directory": lambda: p.temp_dir, "user_directory": lambda: p.user_dir}
    if name in attrs:
        return attrs[name]()
    raise AttributeError(f"module 'folder_paths' has no attribute {name!r}")


def get_output_directory() -> str:
    return _paths().output_dir


def get_input_directory() -> str:
    return _paths().input_dir


def get_temp_directory() -> str:
    return _paths().temp_dir


def get_user_directory() -> str:
    return _paths().user_dir


def set_output_directory(path: str) -> None:
    _paths().output_dir = os.path.abspath(path)


def set_input_directory(path: str) -> None:
    _paths().input_dir = os.path.abspath(path)


def set_temp_directory(path: str) -> None:
    _paths().temp_dir = os.path.abspath(path)


def get_directory_by_type(type_name: str) -> str | None:
    """"output" | "input" | "temp" -> folder; None for anything else (as ComfyUI)."""
    try:
        return _paths().type_dir(type_name)
    except ValueError:
        return None


def annotated_filepath(name: str) -> tuple[str, str | None]:
    """``"a.png [output]"`` -> ("a.png", output dir); no annotation -> (name, None)."""
    for kind in _TYPE_SUFFIXES:
        suffix = f" [{kind}]"
        if name.endswith(suffix):
            return name[: -len(suffix)], get_directory_by_type(kind)
    return name, None


def get_annotated_filepath(name: str, default_dir: str | None = None) -> str:
    """Path of an annotated image name (default folder: ``default_dir``, else the input folder)."""
    name, base = annotated_filepath(name)
    if base is None:
        base = default_dir if default_dir is not None else get_input_directory()
    return os.path.join(base, name)


def exists_annotated_filepath(name: str) -> bool:
    return os.path.exists(get_annotated_filepath(name))


def add_model_folder_path(folder_name: str, full_folder_path: str, is_default: bool = False) -> None:
    _paths().add_folder(folder_name, full_folder_path, first=is_default)


def get_folder_paths(folder_name: str) -> list[str]:
    return _paths().folder(folder_name)


def get_filename_list(folder_name: str) -> list[str]:
    """Relative file names under every folder of ``folder_name`` (KeyError naming an unknown folder)."""
    return _paths().list_files(folder_name)


def get_full_path(folder_name: str, filename: str) -> str | None:
    """Absolute path of a listed file, or None when the folder or the file is unknown (as ComfyUI)."""
    try:
        return _paths().full_path(folder_name, filename)
    except (FileNotFoundError, KeyError, ValueError):
        return None


def get_full_path_or_raise(folder_name: str, filename: str) -> str:
    path = get_full_path(folder_name, filename)
    if path is None:
        raise FileNotFoundError(f"Model in folder '{folder_name}' with filename '{filename}' not found.")
    return path


def filter_files_extensions(files: list[str], extensions: set[str] | list[str]) -> list[str]:
    exts = {e.lower() for e in extensions}
    return sorted(f for f in files if not exts or os.path.splitext(f)[1].lower() in exts)


def filter_files_content_types(files: list[str], content_types: list[str]) -> list[str]:
    """Files whose type ("image", "video", "audio", "model") is in ``content_types``."""
    wanted = set(content_types)
    out = []
    for f in files:
        ext = os.path.splitext(f)[1].lower()
        if ext in supported_pt_extensions:
            kind = "model"
        else:
            mime = mimetypes.guess_type(f, strict=False)[0] or ""
            kind = mime.split("/")[0]
        if kind in wanted:
            out.append(f)
    return out


def get_save_image_path(filename_prefix: str, output_dir: str, image_width: int = 0,
                        image_height: int = 0) -> tuple[str, str, int, str, str]:
    """(full_output_folder, filename, counter, subfolder, filename_prefix) as ComfyUI's SaveImage uses it."""
    from nodes.save_path import expand_tokens, get_save_path
    sp = get_save_path(filename_prefix, output_dir, image_width, image_height)
    return sp.folder, sp.filename, sp.counter, sp.subfolder, expand_tokens(filename_prefix, image_width,
                                                                           image_height)


def get_input_subfolders() -> list[str]:
    """Sub-folders of the input folder (relative, forward slashes)."""
    root = get_input_directory()
    out = []
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            out.append(os.path.relpath(os.path.join(dirpath, d), root).replace(os.sep, "/"))
    return sorted(out)
