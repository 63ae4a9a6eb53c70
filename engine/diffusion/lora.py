"""LoRA files: key mapping onto our model keys and the low-rank weight deltas.

Supported key formats (checkpoints.md §4): kohya (``lora_unet_<diffusers or LDM
name>``, ``lora_te_`` / ``lora_te1_`` / ``lora_te2_``, with ``lora_up`` /
``lora_down`` / ``alpha``; LoCon convolutions and Tucker ``lora_mid``), diffusers
and PEFT (``unet.<name>.lora_A/lora_B``, ``text_encoder.`` / ``text_encoder_2.``,
``lora.up/down``, ``lora_linear_layer``, ``processor.to_q_lora``), generic
``diffusion_model.<ldm name>`` / ``text_encoders.<internal name>``, full
``diff`` / ``diff_b`` and norm ``w_norm`` / ``b_norm`` patches, the LyCORIS
adapters LoHa (``hada_*``), LoKr (``lokr_*``), GLoRA (``a1``/``a2``/``b1``/``b2``) and DoRA
(``dora_scale``, or PEFT's ``lora_magnitude_vector``), see :mod:`engine.diffusion.lycoris`, and the
orthogonal OFT / BOFT (``oft_blocks``, ``rescale``), see :mod:`engine.diffusion.oft`.  The LoRA delta is
``alpha / rank * up @ down`` (1.0 when the file has no alpha); strength scaling happens in the Patcher
(OFT / BOFT follow ComfyUI's own strength rule through their ``delta_at_strength``).

Model keys are the UNet module's parameter names (``input_blocks.1.1.proj_in.weight``).
CLIP keys are ``<encoder>.<transformers CLIPTextModel parameter name>``, e.g.
``clip_l.encoder.layers.0.self_attn.q_proj.weight`` (see ClipHandle.patch_keys()).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple

import torch

from engine.diffusion.lycoris import (GLORA_SUFFIXES, LOHA_SUFFIXES, LOKR_SUFFIXES, DoraPatch, GloraPatch, LohaPatch,
                                     LokrPatch, RankScaled)
from engine.diffusion.oft import OFT_SUFFIXES, BoftPatch, OftPatch
from engine.diffusion.patching import DiffPatch

log = logging.getLogger(__name__)

# (up suffix, down suffix, mid suffix or None), first match wins
LORA_FORMS: tuple[tuple[str, str, str | None], ...] = (
    (".lora_up.weight", ".lora_down.weight", ".lora_mid.weight"),
    ("_lora.up.weight", "_lora.down.weight", None),
    (".lora_B.weight", ".lora_A.weight", None),
    (".lora.up.weight", ".lora.down.weight", None),
    (".lora_B", ".lora_A", None),
    (".lora_linear_layer.up.weight", ".lora_linear_layer.down.weight", None),
    (".lora_B.default.weight", ".lora_A.default.weight", None),
)


class LoraPatch(RankScaled):
    """Low-rank delta ``alpha/r * up @ down`` (optionally with a Tucker mid)."""

    kind = "LoRA"

    def __init__(self, up: torch.Tensor, down: torch.Tensor, alpha: float | None = None,
                 mid: torch.Tensor | None = None, name: str = ""):
        self.up, self.down, self.mid = up, down, mid
        self.rank = int(down.shape[0])
        self.alpha = alpha
        self.name = name

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        dev = weight.device
        up = self.up.to(dev, torch.float32)
        down = self.down.to(dev, torch.float32)
        what = f"LoRA {self.name!r} " if self.name else "LoRA "
        shapes = f"up{list(self.up.shape)} @ down{list(self.down.shape)}" + (
            f" (mid{list(self.mid.shape)})" if self.mid is not None else "")
        try:
            if self.mid is not None:
                mid = self.mid.to(dev, torch.float32)
                final_shape = [down.shape[1], down.shape[0], mid.shape[2], mid.shape[3]]
                down = torch.mm(down.transpose(0, 1).flatten(start_dim=1),
                                mid.transpose(0, 1).flatten(start_dim=1)).reshape(final_shape).transpose(0, 1)
            d = torch.mm(up.flatten(start_dim=1), down.flatten(start_dim=1))
        except RuntimeError as e:
            raise ValueError(f"{what}{shapes}: factors do not combine: {e}") from None
        if d.numel() != weight.numel():
            raise ValueError(f"{what}shape {shapes} does not fit a weight of shape {list(weight.shape)}")
        return d.reshape(weight.shape) * self.scale


# ------------------------------------------------------------------ UNet names
def unet_ldm_to_diffusers(ldm_key: str, num_res_blocks: int) -> str | None:
    """diffusers UNet2DConditionModel name of an LDM UNet parameter key (None if no counterpart)."""
    p = ldm_key.split(".")
    per = num_res_blocks + 1

    def resnet(rest: list[str]) -> list[str]:
        ren = {("in_layers", "0"): "norm1", ("in_layers", "2"): "conv1", ("emb_layers", "1"): "time_emb_proj",
               ("out_layers", "0"): "norm2", ("out_layers", "3"): "conv2"}
        if len(rest) >= 2 and (rest[0], rest[1]) in ren:
            return [ren[(rest[0], rest[1])]] + rest[2:]
        if rest and rest[0] == "skip_connection":
            return ["conv_shortcut"] + rest[1:]
        return rest

    head = p[0]
    if head == "time_embed":
        return ".".join([{"0": "time_embedding.linear_1", "2": "time_embedding.linear_2"}.get(p[1], "?")] + p[2:])
    if head == "label_emb" and len(p) > 2:
        return ".".join([{"0": "add_embedding.linear_1", "2": "add_embedding.linear_2"}.get(p[2], "?")] + p[3:])
    if head == "out":
        return ".".join([{"0": "conv_norm_out", "2": "conv_out"}.get(p[1], "?")] + p[2:])
    if head == "input_blocks":
        n, sub, rest = int(p[1]), int(p[2]), p[3:]
        if n == 0:
            return ".".join(["conv_in"] + rest)
        i, j = divmod(n - 1, per)
        if j == num_res_blocks:
            return ".".join([f"down_blocks.{i}.downsamplers.0.conv"] + rest[1:])  # drop "op"
        if sub == 0:
            return ".".join([f"down_blocks.{i}.resnets.{j}"] + resnet(rest))
        return ".".join([f"down_blocks.{i}.attentions.{j}"] + rest)
    if head == "middle_block":
        sub, rest = int(p[1]), p[2:]
        if sub == 1:
            return ".".join(["mid_block.attentions.0"] + rest)
        return ".".join([f"mid_block.resnets.{sub // 2}"] + resnet(rest))
    if head == "output_blocks":
        n, sub, rest = int(p[1]), int(p[2]), p[3:]
        i, j = divmod(n, per)
        if sub == 0:
            return ".".join([f"up_blocks.{i}.resnets.{j}"] + resnet(rest))
        if rest and rest[0] == "conv":
            return ".".join([f"up_blocks.{i}.upsamplers.0.conv"] + rest[1:])
        return ".".join([f"up_blocks.{i}.attentions.{j}"] + rest)
    return None


def unet_key_map(model_keys: Iterable[str], num_res_blocks: int) -> dict[str, str]:
    """LoRA stem -> UNet parameter key, for every name form LoRA files use."""
    out: dict[str, str] = {}
    for key in model_keys:
        for suffix in (".weight", ".bias"):
            if key.endswith(suffix):
                break
        else:
            continue
        is_weight = key.endswith(".weight")
        ldm = key[: -len(suffix)]
        forms = [f"diffusion_model.{ldm}", f"model.diffusion_model.{ldm}"]
        if is_weight:
            forms += [f"lora_unet_{ldm.replace('.', '_')}", f"lycoris_{ldm.replace('.', '_')}"]
        diff = unet_ldm_to_diffusers(key, num_res_blocks)
        if diff is not None and "?" not in diff:
            dstem = diff[: -len(suffix)]
            forms += [f"unet.{dstem}", dstem]
            if is_weight:
                forms.append(f"lora_unet_{dstem.replace('.', '_')}")
                for proj in ("to_q", "to_k", "to_v"):
                    if dstem.endswith(f".{proj}"):
                        alt = dstem[: -len(proj)] + f"processor.{proj}"
                        forms += [f"unet.{alt}", alt]
                if dstem.endswith(".to_out.0"):
                    alt = dstem[: -len("to_out.0")] + "processor.to_out"
                    forms += [f"unet.{alt}", alt]
        for f in forms:
            out[f + ("" if is_weight else ".__bias__")] = key
    return out


# ------------------------------------------------------------------ CLIP names
def clip_key_map(clip_keys: Iterable[str]) -> dict[str, str]:
    """LoRA stem -> ClipHandle patch key (``<encoder>.<CLIPTextModel param>``).

    Bias keys are entered as ``<stem>.__bias__`` (for ``diff_b`` / ``b_norm``), as in :func:`unet_key_map`.
    """
    keys = list(clip_keys)
    encoders = sorted({k.split(".", 1)[0] for k in keys})
    single = len(encoders) == 1
    out: dict[str, str] = {}
    for key in keys:
        enc, _, rest = key.partition(".")
        for suffix in (".weight", ".bias"):
            if rest.endswith(suffix):
                break
        else:
            continue
        tag = "" if suffix == ".weight" else ".__bias__"
        stem = rest[: -len(suffix)]
        hf = stem if stem.startswith("text_model.") else f"text_model.{stem}"
        kohya = hf.replace(".", "_")
        forms = [f"text_encoders.{enc}.transformer.{hf}", f"{enc}.transformer.{hf}"]
        if enc == "clip_g":
            forms += [f"lora_te2_{kohya}", f"text_encoder_2.{hf}"]
            if single:
                forms += [f"lora_te_{kohya}", f"text_encoder.{hf}"]
        else:  # clip_l / clip_h: the first (or only) text encoder
            forms += [f"lora_te1_{kohya}" if not single else f"lora_te_{kohya}", f"text_encoder.{hf}"]
            if single:
                forms.append(f"lora_te1_{kohya}")
        for f in forms:
            out[f + tag] = key
    return out


# ------------------------------------------------------------------ file -> patches
# PEFT / diffusers DoRA magnitudes (per output channel), with or without PEFT's adapter name
PEFT_MAGNITUDE_SUFFIXES: tuple[str, ...] = (".lora_magnitude_vector", ".lora_magnitude_vector.weight",
                                            ".lora_magnitude_vector.default", ".lora_magnitude_vector.default.weight")
_EXTRA_SUFFIXES = (".alpha", ".dora_scale", ".diff", ".diff_b", ".w_norm", ".b_norm")
# every per-layer suffix a LoRA file uses, longest first so "x.lokr_w1_a" is not read as "x.lokr_w1"
_SUFFIXES: tuple[str, ...] = tuple(sorted(
    {s for form in LORA_FORMS for s in form if s} | set(LOHA_SUFFIXES) | set(LOKR_SUFFIXES) | set(GLORA_SUFFIXES)
    | set(OFT_SUFFIXES) | set(PEFT_MAGNITUDE_SUFFIXES) | set(_EXTRA_SUFFIXES),
    key=len, reverse=True))


def _group_by_stem(keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """stem -> {suffix: file key} for every key that ends with a known per-layer suffix."""
    groups: dict[str, dict[str, str]] = {}
    for key in keys:
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                groups.setdefault(key[: -len(suffix)], {})[suffix] = key
                break
    return groups


class _Candidate(NamedTuple):
    """One complete weight adapter among a stem's keys."""

    adapter: object
    keys: list[str]         # the file keys it consumes
    uses_alpha: bool        # ``alpha`` is read (a scale, or OFT's constraint)
    takes_dora: bool        # ``dora_scale`` / a PEFT magnitude may wrap it


def _weight_candidates(stem: str, g: dict[str, str], sd: dict[str, torch.Tensor],
                       alpha: float | None) -> list[_Candidate]:
    """Complete weight adapters among one stem's keys, in ComfyUI's order (LoRA, LoHa, LoKr, GLoRA, OFT,
    BOFT, w_norm, diff: a later one replaces an earlier one for the same weight)."""
    out: list[_Candidate] = []
    for up_s, down_s, mid_s in LORA_FORMS:
        if up_s in g and down_s in g:
            keys = [g[up_s], g[down_s]]
            mid = None
            if mid_s and mid_s in g:
                mid = sd[g[mid_s]]
                keys.append(g[mid_s])
            out.append(_Candidate(LoraPatch(sd[g[up_s]], sd[g[down_s]], alpha, mid, name=stem), keys, True, True))
            break
    hada = [".hada_w1_a", ".hada_w1_b", ".hada_w2_a", ".hada_w2_b"]
    tucker = [".hada_t1", ".hada_t2"]
    has_t = [s in g for s in tucker]
    if all(s in g for s in hada) and has_t[0] == has_t[1]:
        t1, t2 = (sd[g[s]] if s in g else None for s in tucker)
        out.append(_Candidate(LohaPatch(*(sd[g[s]] for s in hada), alpha=alpha, t1=t1, t2=t2, name=stem),
                              [g[s] for s in hada + tucker if s in g], True, True))
    w1_ok = ".lokr_w1" in g or (".lokr_w1_a" in g and ".lokr_w1_b" in g)
    w2_ok = ".lokr_w2" in g or (".lokr_w2_a" in g and ".lokr_w2_b" in g)
    if w1_ok and w2_ok:
        parts = [".lokr_w1"] if ".lokr_w1" in g else [".lokr_w1_a", ".lokr_w1_b"]
        if ".lokr_w2" in g:
            parts.append(".lokr_w2")
        else:
            parts += [".lokr_w2_a", ".lokr_w2_b"] + ([".lokr_t2"] if ".lokr_t2" in g else [])
        t = {s[len(".lokr_"):]: sd[g[s]] for s in parts}
        out.append(_Candidate(LokrPatch(t.get("w1"), t.get("w1_a"), t.get("w1_b"), t.get("w2"), t.get("w2_a"),
                                        t.get("w2_b"), t.get("t2"), alpha=alpha, name=stem),
                              [g[s] for s in parts], True, True))
    if all(s in g for s in GLORA_SUFFIXES):
        a1, a2, b1, b2 = (sd[g[s]] for s in GLORA_SUFFIXES)
        out.append(_Candidate(GloraPatch(a1, a2, b1, b2, alpha=alpha, name=stem),
                              [g[s] for s in GLORA_SUFFIXES], True, True))
    if ".oft_blocks" in g:
        blocks = sd[g[".oft_blocks"]]
        cls = {3: OftPatch, 4: BoftPatch}.get(blocks.dim())
        if cls is not None:  # any other rank is no OFT: its keys stay unmatched (ComfyUI skips it too)
            rescale = sd[g[".rescale"]] if ".rescale" in g else None
            # DoRA around OFT is not taken: LyCORIS never writes it and ComfyUI's result for it is degenerate
            out.append(_Candidate(cls(blocks, rescale, alpha, name=stem),
                                  [g[s] for s in OFT_SUFFIXES if s in g], True, False))
    for suffix in (".w_norm", ".diff"):
        if suffix in g:
            out.append(_Candidate(DiffPatch(sd[g[suffix]]), [g[suffix]], False, False))
    return out


def _peft_magnitude(g: dict[str, str]) -> str | None:
    for suffix in PEFT_MAGNITUDE_SUFFIXES:
        if suffix in g:
            return g[suffix]
    return None


def convert_lora(lora_sd: dict[str, torch.Tensor], unet_map: dict[str, str],
                 clip_map: dict[str, str], name: str = "LoRA") -> tuple[dict, dict, list[str]]:
    """Split a LoRA state dict into (model patches, clip patches, unmatched keys).

    Per stem (a layer name in any mapped form) the weight gets one adapter: LoRA, LoHa, LoKr, GLoRA,
    OFT, BOFT, ``w_norm`` or ``diff`` (when a file holds several for one layer, the last of that list
    wins, as in ComfyUI, and the others' keys are reported unmatched); ``alpha`` scales the low-rank ones
    (it is OFT/BOFT's norm constraint) and ``dora_scale`` wraps the low-rank ones in a
    :class:`~engine.diffusion.lycoris.DoraPatch`.  A PEFT ``lora_magnitude_vector`` (no ``dora_scale``)
    wraps them too, per output channel and normalising ``W + ΔW`` as PEFT defines DoRA.  The bias gets
    ``diff_b`` (or else ``b_norm``).  Patches are keyed by target parameter keys; unmatched LoRA keys are
    returned and logged as a warning naming them.
    """
    model_p: dict[str, object] = {}
    clip_p: dict[str, object] = {}
    used: set[str] = set()

    biases = {kind: {v for s, v in m.items() if s.endswith(".__bias__")}
              for kind, m in (("unet", unet_map), ("clip", clip_map))}

    def target(stem: str, bias: bool = False) -> tuple[dict, str] | None:
        for patches, key_map, kind in ((model_p, unet_map, "unet"), (clip_p, clip_map, "clip")):
            if not bias:
                if stem in key_map:
                    return patches, key_map[stem]
                continue
            key = key_map.get(stem + ".__bias__")
            if key is None and stem in key_map:
                # any name form of the layer reaches its bias (kohya names exist for weights only)
                key = key_map[stem].removesuffix(".weight") + ".bias"
            if key in biases[kind]:
                return patches, key
        return None

    for stem, g in _group_by_stem(lora_sd).items():
        t = target(stem)
        if t is not None:
            alpha = float(lora_sd[g[".alpha"]].float().item()) if ".alpha" in g else None
            candidates = _weight_candidates(stem, g, lora_sd, alpha)
            if candidates:
                adapter, keys, uses_alpha, takes_dora = candidates[-1]
                used.update(keys)
                if uses_alpha and ".alpha" in g:
                    used.add(g[".alpha"])
                magnitude = _peft_magnitude(g)
                if takes_dora and ".dora_scale" in g:
                    adapter = DoraPatch(adapter, lora_sd[g[".dora_scale"]], name=stem)
                    used.add(g[".dora_scale"])
                elif takes_dora and magnitude is not None:
                    adapter = DoraPatch(adapter, lora_sd[magnitude], name=stem, output_norm="patched", axis="out",
                                        scale_key="lora_magnitude_vector")
                    used.add(magnitude)
                t[0][t[1]] = adapter
        bias_key = g.get(".diff_b", g.get(".b_norm"))
        if bias_key is not None:
            tb = target(stem, bias=True)
            if tb is not None:
                tb[0][tb[1]] = DiffPatch(lora_sd[bias_key])
                used.add(bias_key)
    unmatched = sorted(k for k in lora_sd if k not in used)
    if unmatched:
        shown = ", ".join(unmatched[:20]) + (f" ... ({len(unmatched)} in all)" if len(unmatched) > 20 else "")
        log.warning("%s: lora keys not loaded (they match nothing in the model): %s", name, shown)
    return model_p, clip_p, unmatched
