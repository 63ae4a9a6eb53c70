"""CLIP handle (the CLIP type between nodes): tokenizers + shared text encoders + options.

Text encoders per family (reference: checkpoints.md §6–§8, golden/families.json):

==============  ==========  ==========================================================
kind            tokens      encoders (pad, default layer, final norm on hidden, pooled)
==============  ==========  ==========================================================
sd1             ``l``       clip_l (49407, last, normed, unprojected)
sd2             ``h``       clip_h (0, −2, normed, projected)
sdxl            ``l``+``g`` clip_l (49407, −2, un-normed), clip_g (0, −2, un-normed,
                            projected); output concat(l, g) → 2048, pooled from g
sdxl_refiner    ``g``       clip_g (0, −2, un-normed, projected)
==============  ==========  ==========================================================

Weights are applied the ComfyUI way: for each token of weight w ≠ 1,
z = (z − z_empty)·w + z_empty, z_empty being the encoding of the empty prompt;
chunks are encoded in one batch and concatenated on the token axis; the pooled
output comes from the first chunk.  Outputs are float32 on the CPU.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch

from engine.diffusion.embeddings import EmbeddingLibrary
from engine.diffusion.manual_cast import compute_dtype_of, store_weights
from engine.diffusion.models.clip import ClipLoadError, ClipTextEncoder, load_text_encoder
from engine.diffusion.patching import Patcher, restore
from engine.diffusion.tokenizer import END_TOKEN, ClipBPE, PromptTokenizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncoderRole:
    """How one text encoder is used by a family."""
    module_name: str            # "clip_l" | "clip_g" | "clip_h" (also the embedding-file key)
    token_key: str              # "l" | "g" | "h"
    pad_token: int
    default_layer: int | None   # None: last layer (final-normed); negative: hidden layer index
    norm_hidden: bool           # final layer norm on a hidden-layer output
    project_pooled: bool
    hidden_act: str


CLIP_L_SD1 = EncoderRole("clip_l", "l", END_TOKEN, None, True, False, "quick_gelu")
CLIP_H_SD2 = EncoderRole("clip_h", "h", 0, -2, True, True, "gelu")
CLIP_L_SDXL = EncoderRole("clip_l", "l", END_TOKEN, -2, False, True, "quick_gelu")
CLIP_G_SDXL = EncoderRole("clip_g", "g", 0, -2, False, True, "gelu")

KIND_ROLES: dict[str, tuple[EncoderRole, ...]] = {
    "sd1": (CLIP_L_SD1,),
    "sd2": (CLIP_H_SD2,),
    "sdxl": (CLIP_L_SDXL, CLIP_G_SDXL),
    "sdxl_refiner": (CLIP_G_SDXL,),
}
# Where each encoder sits in a single-file checkpoint (checkpoints.md §1).
CHECKPOINT_PREFIXES: dict[str, dict[str, tuple[str, ...]]] = {
    "sd1": {"l": ("cond_stage_model.",)},
    "sd2": {"h": ("cond_stage_model.", "conditioner.embedders.0.")},
    "sdxl": {"l": ("conditioner.embedders.0.",), "g": ("conditioner.embedders.1.",)},
    "sdxl_refiner": {"g": ("conditioner.embedders.0.",)},
}


class _PrefixView(Mapping):
    """Read-only view of the keys under ``prefix`` with the prefix removed (lazy; forwards ``read``)."""

    def __init__(self, source: Mapping, prefix: str):
        self.source = source
        self.prefix = prefix
        self._keys = [k[len(prefix):] for k in source.keys() if k.startswith(prefix)]
        if hasattr(source, "read"):
            self.read = lambda key, dtype=None: source.read(prefix + key, dtype)

    def __getitem__(self, key: str) -> torch.Tensor:
        return self.source[self.prefix + key]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def text_encoder_parts(state_dict: Mapping, kind: str) -> dict[str, Mapping]:
    """Slice a whole checkpoint's state dict into ``build_clip_handle``'s ``state_dict_parts``.

    Each part is a lazy view of one encoder's keys with the embedder prefix
    (``cond_stage_model.`` or ``conditioner.embedders.N.``) removed, e.g.
    ``transformer.text_model.encoder...`` (HF layout) or ``model.transformer.resblocks...``
    (OpenCLIP layout).  Raises ClipLoadError when an encoder is absent.
    """
    if kind not in CHECKPOINT_PREFIXES:
        raise ClipLoadError(f"unknown text encoder kind {kind!r} (expected one of {sorted(CHECKPOINT_PREFIXES)})")
    parts: dict[str, Mapping] = {}
    for key, prefixes in CHECKPOINT_PREFIXES[kind].items():
        for prefix in prefixes:
            view = _PrefixView(state_dict, prefix)
            if any(k.endswith("token_embedding.weight") for k in view):
                parts[key] = view
                break
        else:
            raise ClipLoadError(f"{kind} checkpoint has no text encoder '{key}' under {list(prefixes)}")
    return parts


class ClipHandle:
    """CLIP: tokenizes prompts and encodes them with shared, patch-on-use text encoders."""

    def __init__(self, kind: str, encoders: dict[str, ClipTextEncoder], bpe: ClipBPE,
                 embeddings: EmbeddingLibrary | None, device_manager=None):
        self.kind = kind
        self.roles = KIND_ROLES[kind]
        self.modules: dict[str, ClipTextEncoder] = encoders      # "clip_l"/"clip_g"/"clip_h" (shared)
        # seed prefixes: the weights' names in ComfyUI's CLIP model (fp8 LoRA rounding seeds)
        self.patchers: dict[str, Patcher] = {name: Patcher(enc.transformer, f"{name}.transformer.")
                                             for name, enc in encoders.items()}
        self.device_manager = device_manager
        self.bpe = bpe
        self.embeddings = embeddings
        self.layer_idx: int | None = None                        # CLIPSetLastLayer value; None: defaults
        self.tokenizers: dict[str, PromptTokenizer] = {}
        for role in self.roles:
            enc = encoders[role.module_name]
            lookup = None if embeddings is None else embeddings.lookup_fn(enc.spec.hidden_size, role.module_name)
            self.tokenizers[role.token_key] = PromptTokenizer(bpe, role.pad_token, lookup)

    # ------------------------------------------------------------ options
    def clone(self) -> "ClipHandle":
        """Same encoder modules and tokenizers; own patch list and layer option."""
        other = object.__new__(ClipHandle)
        other.__dict__.update(self.__dict__)
        other.patchers = {name: p.clone() for name, p in self.patchers.items()}
        return other

    def set_last_layer(self, n: int | None) -> None:
        """CLIPSetLastLayer: −1 last layer, −2 penultimate, ...; None restores the family default."""
        if n is not None and (not isinstance(n, int) or n == 0):
            raise ValueError(f"CLIPSetLastLayer: stop_at_clip_layer must be a negative integer, got {n!r}")
        self.layer_idx = n

    def _layer_for(self, role: EncoderRole, enc: ClipTextEncoder) -> tuple[int | None, bool]:
        """(hidden layer index or None for last, norm on hidden) after CLIP-skip handling."""
        idx = role.default_layer if self.layer_idx is None else self.layer_idx
        if idx is None or abs(idx) > enc.num_layers:
            return None, True       # "last": the final-normed last layer, on every family
        if idx > 0:
            idx = idx - enc.num_layers
        return idx, role.norm_hidden

    # ------------------------------------------------------------ patches (LoRA)
    def patch_keys(self) -> list[str]:
        """Keys accepted by :meth:`add_patches`: ``<clip_l|clip_g|clip_h>.<transformers param name>``."""
        return [f"{name}.{k}" for name, p in self.patchers.items() for k in sorted(p.weight_keys())]

    def add_patches(self, patches: dict, strength: float) -> list[str]:
        """Add weight patches keyed as :meth:`patch_keys`; returns the keys that match nothing."""
        unmatched: list[str] = []
        per_encoder: dict[str, dict] = {}
        for key, patch in patches.items():
            name, _, rest = key.partition(".")
            if name in self.patchers:
                per_encoder.setdefault(name, {})[rest] = patch
            else:
                unmatched.append(key)
        for name, group in per_encoder.items():
            unmatched += [f"{name}.{k}" for k in self.patchers[name].add_patches(group, strength)]
        return unmatched

    def device_modules(self) -> list[tuple[torch.nn.Module, Callable]]:
        """Modules to place on the compute device, with the hook restoring unpatched weights first."""
        return [(enc, lambda m: restore(m.transformer)) for enc in self.modules.values()]

    # ------------------------------------------------------------ tokenize / encode
    def tokenize(self, text: str) -> dict[str, list]:
        """{"l"|"g"|"h": chunks}; each chunk is 77 (token id or embedding row, weight) pairs."""
        return {key: tok.tokenize_with_weights(text) for key, tok in self.tokenizers.items()}

    def _encode_chunks(self, role: EncoderRole, enc: ClipTextEncoder, chunks: Sequence[Sequence]
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """One encoder: chunks -> ([1, 77·k, D] float32, pooled [1, P] float32)."""
        if not chunks:
            raise ValueError(f"CLIP {role.module_name}: no token chunks to encode")
        lengths = {len(ch) for ch in chunks}
        if len(lengths) != 1 or not 2 <= max(lengths) <= enc.spec.max_positions:
            raise ValueError(f"CLIP {role.module_name}: token chunks must all have the same length of at most "
                             f"{enc.spec.max_positions}, got lengths {sorted(lengths)}")
        weights = [[float(w) for _, w in ch] for ch in chunks]
        has_weights = any(w != 1.0 for ch in weights for w in ch)
        sequences = [list(ch) for ch in chunks]
        if has_weights:
            empty = self.tokenizers[role.token_key].empty_chunk()
            sequences.append([(t, 1.0) for t in empty[:len(sequences[0])]])
        table = enc.token_embedding()
        device, dtype = table.weight.device, compute_dtype_of(enc)
        ids, rows = [], []          # rows: (sequence, position, tensor)
        for s, seq in enumerate(sequences):
            seq_ids: list[int] = []
            for item, _ in seq:
                if isinstance(item, torch.Tensor):
                    if item.shape[-1] != enc.spec.hidden_size:
                        log.warning("embedding of width %d does not fit %s (width %d); ignored",
                                    item.shape[-1], role.module_name, enc.spec.hidden_size)
                        continue
                    rows.append((s, len(seq_ids), item))
                    seq_ids.append(-1)
                else:
                    seq_ids.append(int(item))
            seq_ids += [role.pad_token] * (len(seq) - len(seq_ids))   # as ComfyUI: pad what was dropped
            ids.append(seq_ids)
        ids_t = torch.tensor(ids, dtype=torch.long)
        is_end = ids_t == END_TOKEN
        if not bool(is_end.any(dim=1).all()):
            raise ValueError(f"CLIP {role.module_name}: a token chunk has no end token {END_TOKEN}")
        eos = is_end.int().argmax(dim=1)
        with torch.no_grad():
            embeds = table(ids_t.clamp(min=0).to(device))
            for s, pos, row in rows:
                embeds[s, pos] = row.to(device=device, dtype=dtype)
            layer, norm = self._layer_for(role, enc)
            hidden, pooled = enc(embeds, eos, hidden_layer=layer, norm_hidden=norm,
                                 project_pooled=role.project_pooled)
        hidden = hidden.float().cpu()
        pooled = pooled.float().cpu()
        outs = []
        for k in range(len(chunks)):
            z = hidden[k]
            if has_weights:
                w = torch.tensor(weights[k], dtype=torch.float32)[:, None]
                z_empty = hidden[-1]
                z = torch.where(w != 1.0, (z - z_empty) * w + z_empty, z)
            outs.append(z)
        return torch.cat(outs, dim=0)[None], pooled[0:1]

    def encode_from_tokens(self, tokens: dict, return_pooled: bool = False):
        """Conditioning [1, 77·k, D] (and pooled [1, P] when ``return_pooled``) from :meth:`tokenize` output."""
        missing = [r.token_key for r in self.roles if r.token_key not in tokens]
        if missing:
            raise ValueError(f"CLIP ({self.kind}): tokens lack {missing} (got {sorted(tokens)})")
        dm = self.device_manager
        if dm is not None:
            text_device = getattr(dm, "text_device", dm.compute_device)
            if text_device == dm.compute_device:
                dm.load(self)
            else:
                dm.load(self, device=text_device)   # text encoders on the CPU (low-VRAM modes)
        outs, pooled = [], None
        for role in self.roles:
            enc = self.modules[role.module_name]
            with self.patchers[role.module_name].use():
                z, p = self._encode_chunks(role, enc, tokens[role.token_key])
            outs.append(z)
            pooled = p    # the last role is the pooled source (clip_g on SDXL)
        if len(outs) > 1:
            cut = min(o.shape[1] for o in outs)
            cond = torch.cat([o[:, :cut] for o in outs], dim=-1)
        else:
            cond = outs[0]
        return (cond, pooled) if return_pooled else cond

    def encode(self, text: str) -> list:
        """CONDITIONING for CLIPTextEncode: ``[[cond, {"pooled_output": pooled}]]``."""
        cond, pooled = self.encode_from_tokens(self.tokenize(text), return_pooled=True)
        return [[cond, {"pooled_output": pooled}]]


def build_clip_handle(kind: str, state_dict_parts: dict[str, Mapping], device_manager=None,
                      embedding_dirs: Sequence[str] = (), source: str = "checkpoint",
                      bpe: ClipBPE | None = None) -> ClipHandle:
    """Build the CLIP handle of a family from its text-encoder state dicts.

    ``kind``: "sd1" | "sd2" | "sdxl" | "sdxl_refiner".  ``state_dict_parts``: {"l": ..., "g": ...,
    "h": ...} (the ones the kind uses), each a Mapping of one encoder's tensors in checkpoint
    naming with any leading prefix (see :func:`text_encoder_parts`, which makes them from a
    whole checkpoint).  Architecture (width, layers, heads = width/64, or width/16 for tiny
    widths) is read from the shapes; loading is strict (ClipLoadError lists the keys).
    Weights are stored in ``device_manager.text_storage_dtype()`` and compute in ``text_dtype()``
    (fp32 without a manager; fp8 storage casts per layer, manual_cast.py) and are kept on the
    CPU; ``device_manager.load(handle)`` moves them to the compute device when encoding.
    ``embedding_dirs``: folders searched for ``embedding:name`` (missing names are dropped).
    """
    if kind not in KIND_ROLES:
        raise ClipLoadError(f"{source}: unknown text encoder kind {kind!r} (expected one of {sorted(KIND_ROLES)})")
    roles = KIND_ROLES[kind]
    wanted = {r.token_key for r in roles}
    extra = sorted(set(state_dict_parts) - wanted)
    absent = sorted(wanted - set(state_dict_parts))
    if extra or absent:
        raise ClipLoadError(f"{source}: {kind} needs text encoder parts {sorted(wanted)}; "
                            f"missing {absent}, unexpected {extra}")
    dtype = torch.float32 if device_manager is None else device_manager.text_dtype()
    storage = dtype if device_manager is None else getattr(device_manager, "text_storage_dtype",
                                                           device_manager.text_dtype)()
    encoders: dict[str, ClipTextEncoder] = {}
    for role in roles:
        enc = load_text_encoder(
            state_dict_parts[role.token_key], role.hidden_act, role.pad_token,
            dtype=dtype if storage == dtype else torch.float32, device="cpu",
            source=f"{source} ({role.module_name})")
        if storage != dtype:
            store_weights(enc, storage, dtype)
        encoders[role.module_name] = enc
    for role in roles:
        if role.project_pooled and role.module_name != "clip_l" and \
                encoders[role.module_name].spec.projection_dim is None:
            raise ClipLoadError(f"{source} ({role.module_name}): OpenCLIP text encoder without text_projection")
    return ClipHandle(kind, encoders, bpe or ClipBPE(), EmbeddingLibrary(embedding_dirs), device_manager)
