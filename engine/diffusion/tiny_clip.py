"""Tiny random CLIP text encoders in the exact key layouts of real checkpoints.

Used by tests (and tests' tiny checkpoint writer) to exercise the real loading
path without real weights.  The full 49,408-token vocabulary and 77 positions are
kept so that real prompts tokenize and encode; width and depth are tiny:

============  =====  ======  =====  ==========================================
kind          width  layers  heads  layout
============  =====  ======  =====  ==========================================
clip_l        32     2       2      transformers (``text_model.*``), + position_ids
open_clip_h   32     2       2      OpenCLIP, + text_projection [32, 32], logit_scale
open_clip_g   48     3       3      OpenCLIP, + text_projection [48, 48], logit_scale
============  =====  ======  =====  ==========================================

Heads are not stored in weights; the loader infers them with
``engine.diffusion.models.clip.heads_for_width`` (64-wide heads for real widths,
16-wide for these tiny ones).  Deterministic from ``seed``.
"""
from __future__ import annotations

import torch

TINY_SHAPES: dict[str, tuple[int, int]] = {          # kind -> (width, layers)
    "clip_l": (32, 2),
    "open_clip_h": (32, 2),
    "open_clip_g": (48, 3),
}
VOCAB_SIZE = 49408
POSITIONS = 77


class _Rand:
    def __init__(self, seed: int):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, *shape: int, std: float, mean: float = 0.0) -> torch.Tensor:
        return torch.randn(*shape, generator=self.g) * std + mean


def _layer_tensors(r: _Rand, width: int) -> dict[str, torch.Tensor]:
    inner = 4 * width
    s = width ** -0.5
    return {
        "ln_1.weight": r.normal(width, std=0.1, mean=1.0), "ln_1.bias": r.normal(width, std=0.1),
        "attn.in_proj_weight": r.normal(3 * width, width, std=s), "attn.in_proj_bias": r.normal(3 * width, std=0.1),
        "attn.out_proj.weight": r.normal(width, width, std=s), "attn.out_proj.bias": r.normal(width, std=0.1),
        "ln_2.weight": r.normal(width, std=0.1, mean=1.0), "ln_2.bias": r.normal(width, std=0.1),
        "mlp.c_fc.weight": r.normal(inner, width, std=s), "mlp.c_fc.bias": r.normal(inner, std=0.1),
        "mlp.c_proj.weight": r.normal(width, inner, std=inner ** -0.5), "mlp.c_proj.bias": r.normal(width, std=0.1),
    }


def _open_clip_tensors(seed: int, width: int, layers: int) -> dict[str, torch.Tensor]:
    r = _Rand(seed)
    sd = {
        "token_embedding.weight": r.normal(VOCAB_SIZE, width, std=0.5),
        "positional_embedding": r.normal(POSITIONS, width, std=0.2),
    }
    for n in range(layers):
        for name, t in _layer_tensors(r, width).items():
            sd[f"transformer.resblocks.{n}.{name}"] = t
    sd["ln_final.weight"] = r.normal(width, std=0.1, mean=1.0)
    sd["ln_final.bias"] = r.normal(width, std=0.1)
    sd["text_projection"] = r.normal(width, width, std=width ** -0.5)
    return sd


_HF_LAYER_NAMES = {
    "ln_1": "layer_norm1", "ln_2": "layer_norm2", "mlp.c_fc": "mlp.fc1", "mlp.c_proj": "mlp.fc2",
    "attn.out_proj": "self_attn.out_proj",
}


def _to_hf_layout(oc: dict[str, torch.Tensor], layers: int) -> dict[str, torch.Tensor]:
    """OpenCLIP-named random tensors -> transformers names (CLIP-L checkpoints use these)."""
    sd = {
        "text_model.embeddings.token_embedding.weight": oc["token_embedding.weight"],
        "text_model.embeddings.position_embedding.weight": oc["positional_embedding"],
        "text_model.embeddings.position_ids": torch.arange(POSITIONS, dtype=torch.int64)[None],
    }
    for n in range(layers):
        src = f"transformer.resblocks.{n}."
        dst = f"text_model.encoder.layers.{n}."
        q, k, v = oc[src + "attn.in_proj_weight"].chunk(3)
        qb, kb, vb = oc[src + "attn.in_proj_bias"].chunk(3)
        for part, w, b in (("q_proj", q, qb), ("k_proj", k, kb), ("v_proj", v, vb)):
            sd[f"{dst}self_attn.{part}.weight"] = w.contiguous()
            sd[f"{dst}self_attn.{part}.bias"] = b.contiguous()
        for old, new in _HF_LAYER_NAMES.items():
            sd[f"{dst}{new}.weight"] = oc[f"{src}{old}.weight"]
            sd[f"{dst}{new}.bias"] = oc[f"{src}{old}.bias"]
    sd["text_model.final_layer_norm.weight"] = oc["ln_final.weight"]
    sd["text_model.final_layer_norm.bias"] = oc["ln_final.bias"]
    return sd


def tiny_text_encoder_state_dict(kind: str, layout_prefix: str, seed: int) -> dict[str, torch.Tensor]:
    """A tiny random text encoder's tensors with keys exactly as a checkpoint stores them.

    ``kind``: ``clip_l`` | ``open_clip_h`` | ``open_clip_g``.  ``layout_prefix``: the
    encoder's prefix in the checkpoint, e.g. ``cond_stage_model.transformer.`` or
    ``conditioner.embedders.0.transformer.`` for clip_l (keys continue with
    ``text_model.``; a prefix already ending in ``text_model.`` is accepted too), and
    ``cond_stage_model.model.`` / ``conditioner.embedders.1.model.`` /
    ``conditioner.embedders.0.model.`` (refiner) for OpenCLIP.  Tensors are float32.
    """
    if kind not in TINY_SHAPES:
        raise ValueError(f"tiny_text_encoder_state_dict: unknown kind {kind!r} (expected one of {sorted(TINY_SHAPES)})")
    width, layers = TINY_SHAPES[kind]
    oc = _open_clip_tensors(seed, width, layers)
    if kind == "clip_l":
        prefix = layout_prefix
        if prefix.endswith("text_model."):
            prefix = prefix[: -len("text_model.")]
        return {prefix + k: v for k, v in _to_hf_layout(oc, layers).items()}
    oc["logit_scale"] = torch.tensor(4.6052)  # ln(100), as trained OpenCLIP models store it
    return {layout_prefix + k: v for k, v in oc.items()}
