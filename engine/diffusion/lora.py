"""LoRA files: key mapping onto our model keys and the low-rank weight deltas.

Supported key formats (checkpoints.md §4): kohya (``lora_unet_<diffusers or LDM
name>``, ``lora_te_`` / ``lora_te1_`` / ``lora_te2_``, with ``lora_up`` /
``lora_down`` / ``alpha``; LoCon convolutions and Tucker ``lora_mid``), diffusers
and PEFT (``unet.<name>.lora_A/lora_B``, ``text_encoder.`` / ``text_encoder_2.``,
``lora.up/down``, ``lora_linear_layer``, ``processor.to_q_lora``), generic
``diffusion_model.<ldm name>`` / ``text_encoders.<internal name>`` and full
``diff`` / ``diff_b`` patches.  The delta is ``alpha / rank * up @ down``
(1.0 when the file has no alpha); strength scaling happens in the Patcher.

Model keys are the UNet module's parameter names (``input_blocks.1.1.proj_in.weight``).
CLIP keys are ``<encoder>.<transformers CLIPTextModel parameter name>``, e.g.
``clip_l.encoder.layers.0.self_attn.q_proj.weight`` (see ClipHandle.patch_keys()).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

import torch

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


class LoraPatch:
    """Low-rank delta ``alpha/r * up @ down`` (optionally with a Tucker mid)."""

    def __init__(self, up: torch.Tensor, down: torch.Tensor, alpha: float | None = None,
                 mid: torch.Tensor | None = None):
        self.up, self.down, self.mid = up, down, mid
        self.rank = int(down.shape[0])
        self.alpha = alpha

    @property
    def scale(self) -> float:
        return 1.0 if self.alpha is None else self.alpha / self.rank

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        dev = weight.device
        up = self.up.to(dev, torch.float32)
        down = self.down.to(dev, torch.float32)
        if self.mid is not None:
            mid = self.mid.to(dev, torch.float32)
            final_shape = [down.shape[1], down.shape[0], mid.shape[2], mid.shape[3]]
            down = torch.mm(down.transpose(0, 1).flatten(start_dim=1),
                            mid.transpose(0, 1).flatten(start_dim=1)).reshape(final_shape).transpose(0, 1)
        d = torch.mm(up.flatten(start_dim=1), down.flatten(start_dim=1))
        if d.numel() != weight.numel():
            raise ValueError(f"LoRA shape up{list(self.up.shape)} @ down{list(self.down.shape)} does not fit "
                             f"a weight of shape {list(weight.shape)}")
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
    """LoRA stem -> ClipHandle patch key (``<encoder>.<CLIPTextModel param>``)."""
    keys = list(clip_keys)
    encoders = sorted({k.split(".", 1)[0] for k in keys})
    single = len(encoders) == 1
    out: dict[str, str] = {}
    for key in keys:
        enc, _, rest = key.partition(".")
        if not rest.endswith(".weight"):
            continue
        stem = rest[: -len(".weight")]
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
            out[f] = key
    return out


# ------------------------------------------------------------------ file -> patches
def convert_lora(lora_sd: dict[str, torch.Tensor], unet_map: dict[str, str],
                 clip_map: dict[str, str], name: str = "LoRA") -> tuple[dict, dict, list[str]]:
    """Split a LoRA state dict into (model patches, clip patches, unmatched keys).

    Patches are keyed by target parameter keys; unmatched LoRA keys are returned
    and logged as a warning naming them.
    """
    model_p: dict[str, object] = {}
    clip_p: dict[str, object] = {}
    used: set[str] = set()

    def target(stem: str, bias: bool = False) -> tuple[dict, str] | None:
        m_key = unet_map.get(stem + (".__bias__" if bias else ""))
        if m_key is not None:
            return model_p, m_key
        if not bias and stem in clip_map:
            return clip_p, clip_map[stem]
        return None

    for key in lora_sd:
        for up_s, down_s, mid_s in LORA_FORMS:
            if not key.endswith(down_s):
                continue
            stem = key[: -len(down_s)]
            up_key = stem + up_s
            if up_key not in lora_sd:
                continue
            t = target(stem)
            if t is None:
                break
            alpha_key = stem + ".alpha"
            alpha = float(lora_sd[alpha_key].float().item()) if alpha_key in lora_sd else None
            mid = lora_sd.get(stem + mid_s) if mid_s else None
            t[0][t[1]] = LoraPatch(lora_sd[up_key], lora_sd[key], alpha, mid)
            used.update({key, up_key})
            if alpha_key in lora_sd:
                used.add(alpha_key)
            if mid is not None:
                used.add(stem + mid_s)
            break
        if key.endswith(".diff"):
            t = target(key[: -len(".diff")])
            if t is not None:
                t[0][t[1]] = DiffPatch(lora_sd[key])
                used.add(key)
        elif key.endswith(".diff_b"):
            t = target(key[: -len(".diff_b")], bias=True)
            if t is not None:
                t[0][t[1]] = DiffPatch(lora_sd[key])
                used.add(key)
    unmatched = sorted(k for k in lora_sd if k not in used)
    if unmatched:
        shown = ", ".join(unmatched[:20]) + (f" ... ({len(unmatched)} in all)" if len(unmatched) > 20 else "")
        log.warning("%s: lora keys not loaded (they match nothing in the model): %s", name, shown)
    return model_p, clip_p, unmatched
