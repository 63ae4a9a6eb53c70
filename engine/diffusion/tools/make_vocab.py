"""Derive the shipped CLIP BPE data file from OpenAI CLIP's merges list.

Usage::

    pip download open_clip_torch --no-deps -d /tmp/oc
    python -m engine.diffusion.tools.make_vocab /tmp/oc/open_clip_torch-*.whl
    # or: python -m engine.diffusion.tools.make_vocab path/to/bpe_simple_vocab_16e6.txt.gz

The source file ``bpe_simple_vocab_16e6.txt.gz`` (OpenAI CLIP, MIT licence; also
inside the open-clip-torch wheel) holds a version line and 262,144 merges.  CLIP
uses only the first 48,894 merges (49,408 tokens = 256 bytes + 256 bytes with
``</w>`` + 48,894 merges + 2 special tokens), so only those are written, to
``engine/diffusion/data/clip_bpe_merges.txt.gz``.  The gzip header carries no
timestamp, so the output is byte-identical for the same input.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import sys
import zipfile

N_MERGES = 49408 - 256 - 256 - 2  # 48,894
SOURCE_NAME = "bpe_simple_vocab_16e6.txt.gz"
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "data", "clip_bpe_merges.txt.gz")


def read_source(path: str) -> bytes:
    """Return the decompressed merges text from a wheel/zip or a .txt.gz file."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith("/" + SOURCE_NAME) or n == SOURCE_NAME]
            if not names:
                raise SystemExit(f"{path}: no {SOURCE_NAME} inside this archive")
            raw = zf.read(names[0])
    else:
        with open(path, "rb") as f:
            raw = f.read()
    try:
        return gzip.decompress(raw)
    except OSError as e:
        raise SystemExit(f"{path}: {SOURCE_NAME} is not a valid gzip file ({e})") from e


def build(text: bytes) -> bytes:
    """Keep the version line and the first 48,894 merges; return the gzipped file."""
    lines = text.decode("utf-8").split("\n")
    # The original first line reads '"bpe_simple_vocab_16e6.txt#version: 0.2' (a quirk of
    # how it was written); CLIP skips it, and so do we.
    if "#version" not in lines[0]:
        raise SystemExit(f"unexpected first line {lines[0][:60]!r}: not a CLIP BPE merges file")
    merges = lines[1:1 + N_MERGES]
    if len(merges) != N_MERGES or any(len(m.split()) != 2 for m in merges):
        raise SystemExit(f"expected {N_MERGES} merge pairs, found a malformed list")
    out = "\n".join([lines[0]] + merges) + "\n"
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(out.encode("utf-8"))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="open_clip_torch wheel, or bpe_simple_vocab_16e6.txt.gz")
    ap.add_argument("-o", "--out", default=DEFAULT_OUT, help="output .txt.gz path")
    args = ap.parse_args(argv)
    data = build(read_source(args.source))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(data)
    print(f"wrote {args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
