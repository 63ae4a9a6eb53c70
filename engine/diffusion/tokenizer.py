"""CLIP byte-pair tokenizer, ComfyUI prompt weighting and 77-token chunking.

* :class:`ClipBPE` — OpenAI CLIP's byte-level BPE on the shipped merges
  (``data/clip_bpe_merges.txt.gz``, see ``data/README.md``), 49,408 tokens.
* :func:`parse_prompt_weights` — ComfyUI's parenthesis syntax: ``(x)`` ×1.1,
  ``(x:1.5)`` sets 1.5, nesting multiplies, ``\\(`` / ``\\)`` are literal.
* :class:`PromptTokenizer` — one encoder's tokenizer: weighted segments and
  ``embedding:name`` words become groups, groups are packed into chunks of
  start + 75 + end tokens with the encoder's pad token (reference:
  ../shared/reference/checkpoints.md §5–§7).
"""
from __future__ import annotations

import gzip
import logging
import os
import re
import unicodedata
from collections.abc import Callable
from typing import Union

import regex
import torch

log = logging.getLogger(__name__)

START_TOKEN = 49406
END_TOKEN = 49407
VOCAB_SIZE = 49408
MAX_LENGTH = 77            # start + 75 content tokens + end
MAX_WORD_LENGTH = 8        # groups at least this long may be split across chunks
EMBEDDING_IDENTIFIER = "embedding:"

DEFAULT_MERGES_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                   "clip_bpe_merges.txt.gz")

# CLIP's pre-tokenisation pattern (letters runs, single digits, punctuation runs, contractions).
_WORD_PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)

Token = Union[int, torch.Tensor]          # a vocabulary id or one embedding row
Chunk = list[tuple[Token, float]]


def bytes_to_unicode() -> dict[int, str]:
    """CLIP/GPT-2's reversible map from the 256 byte values to printable characters."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars = list(printable)
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, (chr(c) for c in chars)))


_WHITESPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """CLIP's basic text cleanup: NFC-normalise, collapse whitespace runs to one space, lower-case.

    This is what the reference tokenizer does (measured on golden/tokenizer.json: CJK
    ideographs are not split apart, accents are kept); ftfy's mojibake repair is not done.
    """
    text = unicodedata.normalize("NFC", text)
    return _WHITESPACE.sub(" ", text).strip().lower()


class ClipBPE:
    """CLIP's byte-level BPE over the shipped 48,894 merges (ids 0..49407)."""

    def __init__(self, merges_path: str = DEFAULT_MERGES_PATH):
        try:
            with gzip.open(merges_path, "rt", encoding="utf-8") as f:
                lines = f.read().split("\n")
        except OSError as e:
            raise FileNotFoundError(f"CLIP BPE data {merges_path!r} could not be read: {e}") from e
        merges = [tuple(line.split()) for line in lines[1:] if line]
        self.byte_encoder = bytes_to_unicode()
        symbols = list(self.byte_encoder.values())
        vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        if len(vocab) != VOCAB_SIZE:
            raise ValueError(f"{merges_path}: expected {VOCAB_SIZE} tokens, built {len(vocab)}")
        self.encoder: dict[str, int] = {tok: i for i, tok in enumerate(vocab)}
        self.decoder: dict[int, str] = {i: tok for tok, i in self.encoder.items()}
        self.byte_decoder = {c: b for b, c in self.byte_encoder.items()}
        self.bpe_ranks: dict[tuple[str, str], int] = {m: i for i, m in enumerate(merges)}
        self._cache: dict[str, list[str]] = {"<|startoftext|>": ["<|startoftext|>"],
                                             "<|endoftext|>": ["<|endoftext|>"]}

    def __len__(self) -> int:
        return len(self.encoder)

    def _bpe(self, word: str) -> list[str]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        while len(parts) > 1:
            pairs = {(parts[i], parts[i + 1]) for i in range(len(parts) - 1)}
            best = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if best not in self.bpe_ranks:
                break
            merged: list[str] = []
            i = 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == best[0] and parts[i + 1] == best[1]:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        if len(self._cache) < 100_000:
            self._cache[word] = parts
        return parts

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without start/end tokens."""
        ids: list[int] = []
        for word in _WORD_PATTERN.findall(clean_text(text)):
            mapped = "".join(self.byte_encoder[b] for b in word.encode("utf-8"))
            ids.extend(self.encoder[p] for p in self._bpe(mapped))
        return ids

    def __call__(self, text: str) -> list[int]:
        """Ids of ``text`` wrapped in start and end tokens, as the CLIP tokenizer returns them."""
        return [START_TOKEN] + self.encode(text) + [END_TOKEN]

    def decode(self, ids: list[int]) -> str:
        text = "".join(self.decoder[i] for i in ids)
        raw = bytearray(self.byte_decoder[c] for c in text if c in self.byte_decoder)
        return raw.decode("utf-8", errors="replace").replace("</w>", " ").strip()


# ---------------------------------------------------------------- prompt weights

_ESC_CLOSE, _ESC_OPEN = "\0\1", "\0\2"


def escape_important(text: str) -> str:
    return text.replace("\\)", _ESC_CLOSE).replace("\\(", _ESC_OPEN)


def unescape_important(text: str) -> str:
    return text.replace(_ESC_CLOSE, ")").replace(_ESC_OPEN, "(")


def split_parentheses(text: str) -> list[str]:
    """Split at top-level parenthesised groups, keeping their parentheses.

    A stray ``)`` makes the depth negative, so later groups are not recognised (as ComfyUI).
    """
    pieces: list[str] = []
    current = ""
    depth = 0
    for ch in text:
        if ch == "(":
            if depth == 0:
                if current:
                    pieces.append(current)
                current = "("
            else:
                current += ch
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                pieces.append(current + ")")
                current = ""
            else:
                current += ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def _weighted_pieces(text: str, weight: float) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for piece in split_parentheses(text):
        if len(piece) >= 2 and piece[0] == "(" and piece[-1] == ")":
            inner = piece[1:-1]
            inner_weight = weight * 1.1
            colon = inner.rfind(":")
            if colon > 0:
                try:
                    inner_weight = float(inner[colon + 1:])
                    inner = inner[:colon]
                except ValueError:
                    pass  # not a number: the colon stays text and the 1.1 rule applies
            out.extend(_weighted_pieces(inner, inner_weight))
        else:
            out.append((piece, weight))
    return out


def parse_prompt_weights(text: str) -> list[tuple[str, float]]:
    """ComfyUI's weighted segments of a prompt, escapes resolved: [(text, weight), ...]."""
    return [(unescape_important(t), w) for t, w in _weighted_pieces(escape_important(text), 1.0)]


# ---------------------------------------------------------------- chunking

EmbeddingLookup = Callable[[str], Union[torch.Tensor, None]]


class PromptTokenizer:
    """Tokenizer for one text encoder: weights, embeddings, 77-token chunks.

    ``pad_token``: 49407 for CLIP-L, 0 for OpenCLIP H/bigG.  ``embeddings``: a callable
    name -> Tensor [n, embedding_size] or None when the name is not found; ``None`` means
    "no embedding directory at all", in which case ``embedding:name`` is literal text (as
    ComfyUI's tokenizer used on its own).
    """

    def __init__(self, bpe: ClipBPE, pad_token: int, embeddings: EmbeddingLookup | None = None,
                 max_length: int = MAX_LENGTH, max_word_length: int = MAX_WORD_LENGTH):
        self.bpe = bpe
        self.pad_token = pad_token
        self.embeddings = embeddings
        self.max_length = max_length
        self.max_word_length = max_word_length
        self.start_token = START_TOKEN
        self.end_token = END_TOKEN

    def _embedding_word(self, word: str) -> tuple[torch.Tensor | None, str]:
        """Resolve ``name`` (the text after ``embedding:``): (rows or None, leftover text)."""
        parts = word.split()
        name = parts[0] if parts else ""
        leftover = " ".join(parts[1:])
        embed = self.embeddings(name) if name else None
        if embed is None:
            stripped = name.strip(",")
            if len(stripped) < len(name):
                embed = self.embeddings(stripped) if stripped else None
                return embed, f"{name[len(stripped):]} {leftover}"
        return embed, leftover

    def groups(self, text: str) -> list[list[tuple[Token, float]]]:
        """Token groups: one per weighted text piece, one per embedding."""
        groups: list[list[tuple[Token, float]]] = []
        for segment, weight in _weighted_pieces(escape_important(text), 1.0):
            segment = unescape_important(segment)
            split = re.split(f" {EMBEDDING_IDENTIFIER}|\n{EMBEDDING_IDENTIFIER}", segment)
            words = [split[0]] + [EMBEDDING_IDENTIFIER + s for s in split[1:]]
            for word in words:
                if word == "":
                    continue
                if word.startswith(EMBEDDING_IDENTIFIER) and self.embeddings is not None:
                    name = word[len(EMBEDDING_IDENTIFIER):].strip("\n")
                    embed, leftover = self._embedding_word(name)
                    if embed is None:
                        log.warning("embedding:%s does not exist, ignoring", name.split()[0] if name.split() else name)
                    elif embed.ndim == 1:
                        groups.append([(embed, weight)])
                    else:
                        groups.append([(embed[r], weight) for r in range(embed.shape[0])])
                    if leftover == "":
                        continue
                    word = leftover
                groups.append([(t, weight) for t in self.bpe.encode(word)])
        return groups

    def tokenize_with_weights(self, text: str) -> list[Chunk]:
        """Chunks of exactly ``max_length`` (token, weight) pairs, each start ... end pad*."""
        limit = self.max_length - 1  # room left for the end token
        chunks: list[Chunk] = []
        chunk: Chunk = [(self.start_token, 1.0)]
        chunks.append(chunk)
        for group in self.groups(text):
            is_large = len(group) >= self.max_word_length
            while group:
                if len(group) + len(chunk) > limit:
                    remaining = limit - len(chunk)
                    if is_large:
                        chunk.extend(group[:remaining])
                        chunk.append((self.end_token, 1.0))
                        group = group[remaining:]
                    else:
                        chunk.append((self.end_token, 1.0))
                        chunk.extend([(self.pad_token, 1.0)] * remaining)
                    chunk = [(self.start_token, 1.0)]
                    chunks.append(chunk)
                else:
                    chunk.extend(group)
                    group = []
        chunk.append((self.end_token, 1.0))
        chunk.extend([(self.pad_token, 1.0)] * (self.max_length - len(chunk)))
        return chunks

    def empty_chunk(self) -> list[int]:
        """The ids of an empty prompt: start, end, pad... (the reference for weighting)."""
        return [self.start_token, self.end_token] + [self.pad_token] * (self.max_length - 2)
