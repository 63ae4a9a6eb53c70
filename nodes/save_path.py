"""Output file naming for SaveImage/PreviewImage (ComfyUI's convention).

`prefix_00001_.png`: the counter continues after the highest existing counter for that prefix in
the target folder; a prefix may contain subfolders; tokens such as %width%, %year% and
%date:yyyy-MM-dd% are expanded; a prefix that resolves outside the output folder is refused.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass


class PrefixEscapeError(ValueError):
    """The filename prefix points outside the output folder."""


@dataclass
class SavePath:
    folder: str       # absolute folder the files go to
    filename: str     # file name stem (may still contain %batch_num%)
    counter: int      # first counter to use
    subfolder: str    # folder relative to the output dir ("" for the top level)


_DATE_TOKEN = re.compile(r"%date:([^%]+)%")
_DATE_PART = re.compile(r"yyyy|yy|MM|M|dd|d|hh|h|mm|m|ss|s")
_NODE_TOKEN = re.compile(r"%([^%.:]+)\.([^%]+)%")


def format_date(fmt: str, now: time.struct_time) -> str:
    """Expand the frontend's date format letters (yyyy, yy, MM, M, dd, d, hh, h, mm, m, ss, s)."""
    values = {
        "yyyy": f"{now.tm_year:04d}", "yy": f"{now.tm_year % 100:02d}",
        "MM": f"{now.tm_mon:02d}", "M": str(now.tm_mon),
        "dd": f"{now.tm_mday:02d}", "d": str(now.tm_mday),
        "hh": f"{now.tm_hour:02d}", "h": str(now.tm_hour),
        "mm": f"{now.tm_min:02d}", "m": str(now.tm_min),
        "ss": f"{now.tm_sec:02d}", "s": str(now.tm_sec),
    }
    return _DATE_PART.sub(lambda m: values[m.group(0)], fmt)


def expand_node_tokens(prefix: str, prompt: dict | None) -> str:
    """Replace %Title.input% with the literal input value of the node with that title (or class)."""
    if not prompt or "%" not in prefix:
        return prefix

    def lookup(match: re.Match) -> str:
        title, input_name = match.group(1), match.group(2)
        for node in prompt.values():
            if not isinstance(node, dict):
                continue
            names = {node.get("class_type"), (node.get("_meta") or {}).get("title")}
            value = (node.get("inputs") or {}).get(input_name)
            if title in names and value is not None and not isinstance(value, (list, dict)):
                return str(value)
        return match.group(0)

    return _NODE_TOKEN.sub(lookup, prefix)


def expand_tokens(prefix: str, width: int, height: int, now: time.struct_time | None = None) -> str:
    if "%" not in prefix:
        return prefix
    now = now or time.localtime()
    prefix = _DATE_TOKEN.sub(lambda m: format_date(m.group(1), now), prefix)
    replacements = {
        "%width%": str(width), "%height%": str(height),
        "%year%": str(now.tm_year), "%month%": f"{now.tm_mon:02d}", "%day%": f"{now.tm_mday:02d}",
        "%hour%": f"{now.tm_hour:02d}", "%minute%": f"{now.tm_min:02d}", "%second%": f"{now.tm_sec:02d}",
    }
    for token, value in replacements.items():
        prefix = prefix.replace(token, value)
    return prefix


def _counter_of(name: str, stem_len: int) -> tuple[int, str]:
    head = name[:stem_len + 1]
    try:
        digits = int(name[stem_len + 1:].split("_")[0])
    except ValueError:
        digits = 0
    return digits, head


def get_save_path(prefix: str, output_dir: str, width: int = 0, height: int = 0,
                  now: time.struct_time | None = None) -> SavePath:
    """Resolve a filename prefix to its folder, stem and next counter (creates the folder)."""
    prefix = expand_tokens(prefix, width, height, now)
    if not prefix or not prefix.strip():
        raise ValueError("filename_prefix is empty")
    normalized = os.path.normpath(prefix)
    subfolder = os.path.dirname(normalized)
    filename = os.path.basename(normalized)
    output_dir = os.path.abspath(output_dir)
    folder = os.path.abspath(os.path.join(output_dir, subfolder))
    if os.path.isabs(subfolder) or os.path.commonpath((output_dir, folder)) != output_dir:
        raise PrefixEscapeError(
            f"filename_prefix '{prefix}' would save outside the output folder {output_dir}; "
            "use a relative prefix without '..'")
    if not filename or filename in (".", ".."):
        raise ValueError(f"filename_prefix '{prefix}' has no file name part")
    os.makedirs(folder, exist_ok=True)
    stem = os.path.normcase(filename)
    counters = [
        digits for digits, head in (_counter_of(f, len(filename)) for f in os.listdir(folder))
        if os.path.normcase(head[:-1]) == stem and head[-1:] == "_"
    ]
    counter = max(counters) + 1 if counters else 1
    return SavePath(folder=folder, filename=filename, counter=counter,
                    subfolder=subfolder.replace(os.sep, "/"))
