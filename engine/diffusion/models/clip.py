"""CLIP text encoders (CLIP ViT-L/14, OpenCLIP ViT-H/14 and ViT-bigG/14) on transformers' modules.

The weights live in transformers' ``CLIPTextModel`` (built from a ``CLIPTextConfig``,
never downloaded) held so that parameter names match ComfyUI's internal ones:
``transformer.text_model.<...>`` and, where the checkpoint has one,
``transformer.text_projection.weight``.  OpenCLIP-layout state dicts
(``transformer.resblocks.N.attn.in_proj_weight`` ...) are converted at load time
(reference: ../shared/reference/checkpoints.md §1).

The forward pass is our own loop over transformers' layers so that it can take
embedding rows (textual inversion) in place of tokens, stop at any hidden layer
(CLIP skip, §8) and pool from the first end token.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

END_TOKEN = 49407
# Keys a checkpoint may carry that hold no weights of the text model (consumed, unused):
# HF's position_ids buffer (most SD1.x files), OpenCLIP's contrastive logit scale and mask.
IGNORED_KEYS = ("text_model.embeddings.position_ids", "embeddings.position_ids", "logit_scale",
                "attn_mask")


class ClipLoadError(ValueError):
    """A text-encoder state dict does not fit the architecture; the message lists the keys."""


@dataclass(frozen=True)
class ClipTextSpec:
    """Architecture of one CLIP text transformer."""
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    hidden_act: str                  # "quick_gelu" (OpenAI CLIP-L) | "gelu" (OpenCLIP)
    projection_dim: int | None       # None: no text_projection
    vocab_size: int = 49408
    max_positions: int = 77

    def to_config(self, pad_token_id: int = 49407) -> CLIPTextConfig:
        return CLIPTextConfig(
            vocab_size=self.vocab_size, hidden_size=self.hidden_size,
            intermediate_size=self.intermediate_size,
            projection_dim=self.projection_dim or self.hidden_size,
            num_hidden_layers=self.num_layers, num_attention_heads=self.num_heads,
            max_position_embeddings=self.max_positions, hidden_act=self.hidden_act,
            layer_norm_eps=1e-5, bos_token_id=49406, eos_token_id=END_TOKEN,
            pad_token_id=pad_token_id, attn_implementation="sdpa",
        )


CLIP_VIT_L = ClipTextSpec(768, 12, 12, 3072, "quick_gelu", None)
OPEN_CLIP_VIT_H = ClipTextSpec(1024, 24, 16, 4096, "gelu", 1024)
OPEN_CLIP_VIT_BIGG = ClipTextSpec(1280, 32, 20, 5120, "gelu", 1280)


def heads_for_width(hidden_size: int) -> int:
    """Attention heads from the width (heads are not stored in the weights).

    Real CLIP/OpenCLIP text models use 64-wide heads (768 -> 12, 1024 -> 16, 1280 -> 20).
    Widths that are not a multiple of 64 (tiny test models) use 16-wide heads
    (32 -> 2); anything else is refused.
    """
    if hidden_size % 64 == 0:
        return hidden_size // 64
    if hidden_size % 16 == 0:
        return hidden_size // 16
    raise ClipLoadError(f"text encoder width {hidden_size} is not a multiple of 16: unknown head layout")


class _TextModelHolder(nn.Module):
    """Gives a projection-less CLIPTextModel the ``text_model.`` name level of the checkpoints."""

    def __init__(self, text_model: CLIPTextModel):
        super().__init__()
        self.text_model = text_model


def build_transformer(spec: ClipTextSpec, pad_token_id: int = 49407) -> nn.Module:
    """transformers module for ``spec`` (random init on the current default device; use meta)."""
    config = spec.to_config(pad_token_id)
    if spec.projection_dim is not None:
        return CLIPTextModelWithProjection(config)
    return _TextModelHolder(CLIPTextModel(config))


# ---------------------------------------------------------------- key layouts

_RESBLOCK = re.compile(r"^transformer\.resblocks\.(\d+)\.(.+)$")
_OPEN_CLIP_LAYER_NAMES = {
    "ln_1.weight": "layer_norm1.weight", "ln_1.bias": "layer_norm1.bias",
    "ln_2.weight": "layer_norm2.weight", "ln_2.bias": "layer_norm2.bias",
    "mlp.c_fc.weight": "mlp.fc1.weight", "mlp.c_fc.bias": "mlp.fc1.bias",
    "mlp.c_proj.weight": "mlp.fc2.weight", "mlp.c_proj.bias": "mlp.fc2.bias",
    "attn.out_proj.weight": "self_attn.out_proj.weight", "attn.out_proj.bias": "self_attn.out_proj.bias",
}
_OPEN_CLIP_TOP_NAMES = {
    "positional_embedding": "text_model.embeddings.position_embedding.weight",
    "token_embedding.weight": "text_model.embeddings.token_embedding.weight",
    "ln_final.weight": "text_model.final_layer_norm.weight",
    "ln_final.bias": "text_model.final_layer_norm.bias",
}


def strip_to_model_keys(sd: Mapping[str, torch.Tensor]) -> tuple[str, str]:
    """(layout, prefix) of a text-encoder slice: layout "hf" or "open_clip".

    Accepts slices with any leading prefix before the model's own names
    (``transformer.text_model.``/``text_model.``/nothing for HF; ``model.``/nothing for OpenCLIP).
    """
    for key in sd.keys():
        if key.endswith("embeddings.token_embedding.weight"):
            prefix = key[: -len("embeddings.token_embedding.weight")]
            if prefix.endswith("text_model."):
                prefix = prefix[: -len("text_model.")]
            # HF keys very old files lack "text_model.": handled by ``_hf_canonical``.
            return "hf", prefix
    for key in sd.keys():
        if key.endswith("token_embedding.weight") and not key.endswith("embeddings.token_embedding.weight"):
            return "open_clip", key[: -len("token_embedding.weight")]
    raise ClipLoadError("no text encoder found: no '...token_embedding.weight' key among "
                        f"{len(sd)} keys (first: {sorted(sd.keys())[:5]})")


def _hf_canonical(rest: str) -> str:
    """HF key below the prefix -> ``text_model.``-rooted name (``text_projection`` stays at top)."""
    if rest.startswith("text_model.") or rest.startswith("text_projection"):
        return rest
    return "text_model." + rest


def canonical_state_dict(sd: Mapping[str, torch.Tensor], dtype: torch.dtype | None = None
                         ) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Convert a text-encoder slice (HF or OpenCLIP layout) to transformers names.

    Returns (``text_model.*`` / ``text_projection.weight`` -> tensor, unconverted keys).
    OpenCLIP ``in_proj_{weight,bias}`` are split in three row blocks (q, k, v) and
    ``text_projection`` ([in, out], used as ``x @ P``) is transposed to a Linear weight.
    Tensors are read once each and cast to ``dtype`` when given.
    """
    layout, prefix = strip_to_model_keys(sd)
    reader = getattr(sd, "read", None)

    def get(key: str) -> torch.Tensor:
        if reader is not None:
            return reader(key, dtype)
        t = sd[key]
        return t.to(dtype) if dtype is not None and t.is_floating_point() else t

    out: dict[str, torch.Tensor] = {}
    unused: list[str] = []
    for key in sd.keys():
        if not key.startswith(prefix):
            unused.append(key)
            continue
        rest = key[len(prefix):]
        if rest in IGNORED_KEYS:
            continue
        if layout == "hf":
            out[_hf_canonical(rest)] = get(key)
            continue
        if rest in _OPEN_CLIP_TOP_NAMES:
            out[_OPEN_CLIP_TOP_NAMES[rest]] = get(key)
        elif rest == "text_projection":
            out["text_projection.weight"] = get(key).t().contiguous()
        elif rest == "text_projection.weight":
            out["text_projection.weight"] = get(key)
        elif m := _RESBLOCK.match(rest):
            n, name = m.groups()
            base = f"text_model.encoder.layers.{n}."
            if name in ("attn.in_proj_weight", "attn.in_proj_bias"):
                kind = name.rsplit("_", 1)[1]
                t = get(key)
                if t.shape[0] % 3:
                    raise ClipLoadError(f"{key}: shape {tuple(t.shape)} does not split into q, k, v")
                for part, block in zip(("q_proj", "k_proj", "v_proj"), t.chunk(3, dim=0)):
                    out[f"{base}self_attn.{part}.{kind}"] = block.contiguous()
            elif name in _OPEN_CLIP_LAYER_NAMES:
                out[base + _OPEN_CLIP_LAYER_NAMES[name]] = get(key)
            else:
                unused.append(key)
        else:
            unused.append(key)
    return out, unused


def infer_spec(canonical: Mapping[str, torch.Tensor], hidden_act: str) -> ClipTextSpec:
    """Architecture from the shapes of a canonical state dict (see :func:`heads_for_width`)."""
    try:
        vocab, width = canonical["text_model.embeddings.token_embedding.weight"].shape
        positions = canonical["text_model.embeddings.position_embedding.weight"].shape[0]
        inner = canonical["text_model.encoder.layers.0.mlp.fc1.weight"].shape[0]
    except KeyError as e:
        raise ClipLoadError(f"text encoder is missing {e.args[0]!r}") from None
    layers = 1 + max(int(k.split(".")[3]) for k in canonical if k.startswith("text_model.encoder.layers."))
    proj = canonical.get("text_projection.weight")
    return ClipTextSpec(hidden_size=int(width), num_layers=layers, num_heads=heads_for_width(int(width)),
                        intermediate_size=int(inner), hidden_act=hidden_act,
                        projection_dim=None if proj is None else int(proj.shape[0]),
                        vocab_size=int(vocab), max_positions=int(positions))


# ---------------------------------------------------------------- the encoder

class ClipTextEncoder(nn.Module):
    """One CLIP text transformer; ``transformer`` holds transformers' modules."""

    def __init__(self, spec: ClipTextSpec, pad_token_id: int = 49407):
        super().__init__()
        self.spec = spec
        self.transformer = build_transformer(spec, pad_token_id)

    @property
    def text_model(self) -> CLIPTextModel:
        return self.transformer.text_model

    @property
    def num_layers(self) -> int:
        return self.spec.num_layers

    def token_embedding(self) -> nn.Embedding:
        return self.text_model.embeddings.token_embedding

    def load_canonical(self, canonical: dict[str, torch.Tensor], unused: list[str] = (),
                       source: str = "text encoder") -> None:
        """Strictly load a canonical state dict, taking the tensors (no copy)."""
        expected = set(self.transformer.state_dict().keys())
        missing = sorted(expected - canonical.keys())
        unexpected = sorted(set(canonical.keys()) - expected) + sorted(unused)
        bad_shapes = [f"{k}: file {tuple(canonical[k].shape)} vs model {tuple(v.shape)}"
                      for k, v in self.transformer.state_dict().items()
                      if k in canonical and tuple(canonical[k].shape) != tuple(v.shape)]
        if missing or unexpected or bad_shapes:
            raise ClipLoadError(f"{source}: state dict does not match the CLIP text model "
                                f"({self.spec.hidden_size} wide, {self.spec.num_layers} layers): "
                                f"missing {missing}, unexpected {unexpected}, wrong shapes {bad_shapes}")
        self.transformer.load_state_dict(canonical, strict=True, assign=True)
        emb = self.text_model.embeddings
        # The position_ids buffer is not in the weights: rebuild it off the meta device.
        emb.register_buffer("position_ids", torch.arange(self.spec.max_positions).expand((1, -1)),
                            persistent=False)

    def forward(self, inputs_embeds: torch.Tensor, eos_index: torch.Tensor,
                hidden_layer: int | None = None, norm_hidden: bool = True,
                project_pooled: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the transformer on token embeddings ``[B, T, D]``.

        ``hidden_layer``: None returns the final-layer-normed last layer; a negative k
        returns the output of layer ``num_layers + k`` (−1 last), final-normed when
        ``norm_hidden``.  The pooled output is the final-normed last layer at
        ``eos_index`` ([B] long), through ``text_projection`` when ``project_pooled``.
        """
        tm = self.text_model
        b, t, _ = inputs_embeds.shape
        x = inputs_embeds + tm.embeddings.position_embedding.weight[:t].to(inputs_embeds.dtype)
        mask = torch.full((t, t), float("-inf"), dtype=x.dtype, device=x.device).triu_(1)[None, None]
        stop = None if hidden_layer is None else self.spec.num_layers + hidden_layer
        intermediate = None
        for i, layer in enumerate(tm.encoder.layers):
            out = layer(x, mask)
            x = out[0] if isinstance(out, tuple) else out
            if i == stop:
                intermediate = x
        last = tm.final_layer_norm(x)
        if intermediate is None:
            hidden = last
        else:
            hidden = tm.final_layer_norm(intermediate) if norm_hidden else intermediate
        pooled = last[torch.arange(b, device=last.device), eos_index.to(last.device)]
        if project_pooled and self.spec.projection_dim is not None:
            pooled = self.transformer.text_projection(pooled)
        return hidden, pooled


def load_text_encoder(sd: Mapping[str, torch.Tensor], hidden_act: str, pad_token_id: int,
                      dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu",
                      source: str = "text encoder") -> ClipTextEncoder:
    """Build a :class:`ClipTextEncoder` from a checkpoint slice (HF or OpenCLIP layout), strictly."""
    canonical, unused = canonical_state_dict(sd, dtype)
    spec = infer_spec(canonical, hidden_act)
    with torch.device("meta"):
        encoder = ClipTextEncoder(spec, pad_token_id)
    encoder.load_canonical(canonical, unused, source)
    return encoder.to(device=device, dtype=dtype).eval().requires_grad_(False)


def count_parameters(spec: ClipTextSpec) -> int:
    """Parameter count of ``spec`` built on the meta device."""
    with torch.device("meta"):
        enc = ClipTextEncoder(spec)
    return sum(p.numel() for p in enc.parameters())
