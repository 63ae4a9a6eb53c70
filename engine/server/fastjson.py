"""JSON through orjson where it gives exactly what the json module gives, the json module otherwise.

Big prompts (thousands of nodes) are parsed once per POST and serialised once for the queue
store; orjson does both several times faster. It differs from the json module on a few inputs,
and for those this module uses the json module, so results never depend on which one ran:

* loads: integers outside 64 bits (orjson turns them into floats), NaN / Infinity literals and
  lone surrogates (orjson refuses them), nesting deeper than orjson's limit.  Any text with a run
  of 19 or more digits goes to the json module (a cheap, conservative test for the first case);
  any text orjson refuses is parsed again by the json module.
* dumps: NaN and infinities (orjson writes null), integers outside 64 bits, non-string keys and
  other types orjson does not know (it raises).  Output containing ``null`` is made again with
  the json module, which writes NaN / Infinity as it always did (and the same null otherwise).

Without orjson installed everything goes through the json module.
"""
from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is in requirements.txt; the json module still works
    orjson = None

# Every digit becomes "0", every other byte " ": a run of 19 digits is then a plain substring.
_DIGIT_MAP = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGITS = b"0" * 19


def loads(raw: str | bytes) -> Any:
    """``json.loads(raw)``, faster for large texts."""
    if orjson is not None:
        data = raw if isinstance(raw, bytes) else None
        if data is None:
            try:
                data = raw.encode("utf-8")
            except UnicodeEncodeError:   # lone surrogates: only the json module takes them
                return json.loads(raw)
        if _LONG_DIGITS not in data.translate(_DIGIT_MAP):
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                pass   # NaN, lone surrogates, too deep, not UTF-8, or not JSON: the json module decides
    return json.loads(raw)


def dumps(value: Any) -> str:
    """Text equal in meaning to ``json.dumps(value)`` (separators may differ), faster for large values."""
    if orjson is not None:
        try:
            out = orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            return json.dumps(value)
        if b"null" not in out:
            return out.decode("utf-8")
    return json.dumps(value)
