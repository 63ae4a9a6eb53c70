"""LDM ControlNet (cldm) with the checkpoint's own module names, and the diffusers -> LDM key map.

Strip `control_model.` from an LDM ControlNet file and the rest loads with a strict
`load_state_dict`. The network is the UNet's encoder half (time_embed, label_emb,
input_blocks, middle_block) plus `input_hint_block` (hint image -> model_channels at
1/8 size), one zero 1x1 conv per input block (`zero_convs.N.0`) and `middle_block_out.0`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch
from torch import nn

from engine.diffusion.models.attention import SpatialTransformer
from engine.diffusion.models.unet import (ChannelsLastOnCPU, Downsample, ResBlock, TimestepEmbedSequential,
                                          UNetConfig, timestep_embedding)


@dataclass(frozen=True)
class ControlNetConfig:
    unet: UNetConfig = field(default_factory=UNetConfig)   # encoder side; output fields unused
    hint_channels: int = 3
    hint_block_channels: tuple[int, ...] = (16, 32, 96, 256)


def _hint_block(cfg: ControlNetConfig) -> TimestepEmbedSequential:
    """conv(hint->c0) SiLU, then per step conv(ci->ci) SiLU conv(ci->ci+1, stride 2) SiLU, conv(last->mc)."""
    ch = cfg.hint_block_channels
    layers: list[nn.Module] = [nn.Conv2d(cfg.hint_channels, ch[0], 3, padding=1), nn.SiLU()]
    for a, b in zip(ch[:-1], ch[1:]):
        layers += [nn.Conv2d(a, a, 3, padding=1), nn.SiLU(), nn.Conv2d(a, b, 3, padding=1, stride=2), nn.SiLU()]
    layers.append(nn.Conv2d(ch[-1], cfg.unet.model_channels, 3, padding=1))
    return TimestepEmbedSequential(*layers)


def _zero_conv(ch: int) -> TimestepEmbedSequential:
    return TimestepEmbedSequential(nn.Conv2d(ch, ch, 1))


class ControlNetModel(ChannelsLastOnCPU):
    """forward -> {"middle": [residual], "output": [one residual per UNet input block]} (ComfyUI's lists)."""

    def __init__(self, cfg: ControlNetConfig) -> None:
        super().__init__()
        self.config = cfg
        u = cfg.unet
        mc, ted, g = u.model_channels, u.model_channels * 4, u.norm_groups
        self.time_embed = nn.Sequential(nn.Linear(mc, ted), nn.SiLU(), nn.Linear(ted, ted))
        if u.adm_in_channels is not None:
            self.label_emb = nn.Sequential(
                nn.Sequential(nn.Linear(u.adm_in_channels, ted), nn.SiLU(), nn.Linear(ted, ted)))
        self.input_hint_block = _hint_block(cfg)

        def transformer(ch: int, depth: int) -> SpatialTransformer:
            heads, dim_head = u.heads_for(ch)
            return SpatialTransformer(ch, heads, dim_head, depth, u.context_dim, u.use_linear_in_transformer, g)

        self.input_blocks = nn.ModuleList([TimestepEmbedSequential(nn.Conv2d(u.in_channels, mc, 3, padding=1))])
        self.zero_convs = nn.ModuleList([_zero_conv(mc)])
        ch = mc
        for level, mult in enumerate(u.channel_mult):
            for _ in range(u.num_res_blocks):
                layers: list[nn.Module] = [ResBlock(ch, ted, mult * mc, g)]
                ch = mult * mc
                if u.transformer_depth[level] > 0:
                    layers.append(transformer(ch, u.transformer_depth[level]))
                self.input_blocks.append(TimestepEmbedSequential(*layers))
                self.zero_convs.append(_zero_conv(ch))
            if level != len(u.channel_mult) - 1:
                self.input_blocks.append(TimestepEmbedSequential(Downsample(ch)))
                self.zero_convs.append(_zero_conv(ch))
        mid: list[nn.Module] = [ResBlock(ch, ted, ch, g)]
        if u.transformer_depth_middle >= 0:
            mid += [transformer(ch, u.transformer_depth_middle), ResBlock(ch, ted, ch, g)]
        self.middle_block = TimestepEmbedSequential(*mid)
        self.middle_block_out = _zero_conv(ch)

    @property
    def dtype(self) -> torch.dtype:
        return self.time_embed[0].weight.dtype

    def forward(self, x: torch.Tensor, hint: torch.Tensor, timesteps: torch.Tensor,
                context: torch.Tensor | None, y: torch.Tensor | None = None) -> dict[str, list[torch.Tensor]]:
        """x (B, C, h, w) scaled model input, hint (B, hint_channels, 8h, 8w), timesteps (B,)."""
        u = self.config.unet
        dtype = self.dtype
        if (y is None) != (u.adm_in_channels is None):
            raise ValueError(f"ControlNet {'needs' if u.adm_in_channels else 'takes no'} y "
                             f"(adm_in_channels={u.adm_in_channels}), got "
                             f"{'None' if y is None else tuple(y.shape)}")
        timesteps = timesteps.reshape(-1)
        if timesteps.shape[0] == 1 and x.shape[0] > 1:
            timesteps = timesteps.expand(x.shape[0])
        emb = self.time_embed(timestep_embedding(timesteps, u.model_channels).to(dtype))
        if y is not None:
            emb = emb + self.label_emb(y.to(dtype))
        context = context.to(dtype) if context is not None else None
        guided_hint = self.input_hint_block(self.to_compute_layout(hint.to(dtype)), emb, context)
        if guided_hint.shape[-2:] != x.shape[-2:]:
            raise ValueError(f"ControlNet hint of shape {tuple(hint.shape)} gives {tuple(guided_hint.shape[-2:])} "
                             f"features, latent is {tuple(x.shape[-2:])}: the hint must be 8x the latent size")
        outs = []
        h = self.to_compute_layout(x.to(dtype))
        for i, (block, zero_conv) in enumerate(zip(self.input_blocks, self.zero_convs)):
            h = block(h, emb, context)
            if i == 0:
                h = h + guided_hint
            outs.append(zero_conv(h, emb, context))
        h = self.middle_block(h, emb, context)
        return {"middle": [self.middle_block_out(h, emb, context)], "output": outs}


# ----------------------------------------------------------------------------- config from weights

def controlnet_config_from_state_dict(sd: dict[str, torch.Tensor], heads_from: UNetConfig | None = None
                                      ) -> ControlNetConfig:
    """Derive the ControlNetConfig of LDM-named weights (prefix already stripped).

    Head counts are not in the weights: taken from `heads_from` when given, else the family rule
    (conv projections -> 8 heads as SD1.x; linear -> 64 channels per head as SD2.x/SDXL).
    Raises ValueError naming what does not fit.
    """
    def shape(k: str) -> tuple[int, ...]:
        if k not in sd:
            raise ValueError(f"ControlNet weights lack {k!r}")
        return tuple(sd[k].shape)

    w0 = shape("input_blocks.0.0.weight")
    mc, in_ch = w0[0], w0[1]
    keys = set(sd)
    blocks = sorted({int(k.split(".")[1]) for k in keys if k.startswith("input_blocks.")})
    if blocks != list(range(len(blocks))):
        raise ValueError(f"ControlNet input_blocks are not numbered 0..N: {blocks}")

    def depth_of(prefix: str) -> int:
        head = prefix + ".transformer_blocks."
        return len({k[len(head):].split(".")[0] for k in keys if k.startswith(head)})

    mults: list[int] = []
    depths: list[int] = []
    res_counts: list[int] = []
    cur_res, cur_depth, cur_mult = 0, set(), None
    context_dim, linear = None, False
    for i in blocks[1:]:
        b = f"input_blocks.{i}"
        if f"{b}.0.op.weight" in keys:
            mults.append(cur_mult)
            res_counts.append(cur_res)
            depths.append(_single(cur_depth, f"transformer depth of level {len(depths)}"))
            cur_res, cur_depth = 0, set()
            continue
        cur_res += 1
        cur_mult = shape(f"{b}.0.out_layers.3.weight")[0] // mc
        d = depth_of(f"{b}.1")
        cur_depth.add(d)
        if d and context_dim is None:
            context_dim = shape(f"{b}.1.transformer_blocks.0.attn2.to_k.weight")[1]
            linear = len(shape(f"{b}.1.proj_in.weight")) == 2
    if cur_res:
        mults.append(cur_mult)
        res_counts.append(cur_res)
        depths.append(_single(cur_depth, f"transformer depth of level {len(depths)}"))
    num_res = _single(set(res_counts), "ResBlocks per level")
    mid_depth = depth_of("middle_block.1") if "middle_block.1.norm.weight" in keys else -1
    if mid_depth > 0 and context_dim is None:
        context_dim = shape("middle_block.1.transformer_blocks.0.attn2.to_k.weight")[1]
        linear = len(shape("middle_block.1.proj_in.weight")) == 2
    adm = shape("label_emb.0.0.weight")[1] if "label_emb.0.0.weight" in keys else None

    if heads_from is not None:
        heads = {"num_heads": heads_from.num_heads, "num_head_channels": heads_from.num_head_channels}
    elif linear:
        heads = {"num_heads": -1, "num_head_channels": 64}
    else:
        heads = {"num_heads": 8, "num_head_channels": -1}
    unet = UNetConfig(in_channels=in_ch, model_channels=mc, channel_mult=tuple(mults), num_res_blocks=num_res,
                      transformer_depth=tuple(depths), transformer_depth_middle=mid_depth,
                      context_dim=context_dim, use_linear_in_transformer=linear, adm_in_channels=adm, **heads)

    hint_convs = sorted(int(k.split(".")[1]) for k in keys
                        if k.startswith("input_hint_block.") and k.endswith(".weight"))
    if not hint_convs or hint_convs != list(range(0, 2 * len(hint_convs), 2)):
        raise ValueError(f"unexpected input_hint_block layout (conv indices {hint_convs})")
    hint_ch = shape("input_hint_block.0.weight")[1]
    widths = tuple(shape(f"input_hint_block.{j}.weight")[0] for j in hint_convs[:-1:2])
    return ControlNetConfig(unet=unet, hint_channels=hint_ch, hint_block_channels=widths)


def _single(values: set[int], what: str) -> int:
    if len(values) != 1:
        raise ValueError(f"ControlNet {what} is not uniform: {sorted(values)}")
    return next(iter(values))


# ----------------------------------------------------------------------------- diffusers -> LDM names

_RESNET = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
           "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def diffusers_controlnet_to_ldm(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a diffusers ControlNetModel state dict to LDM (cldm) names. Unknown keys raise ValueError."""
    down = [k for k in sd if k.startswith("down_blocks.0.resnets.")]
    if not down:
        raise ValueError("diffusers ControlNet without down_blocks.0.resnets")
    per_level = len({k.split(".")[3] for k in down})            # layers_per_block
    n_hint_blocks = len({k.split(".")[2] for k in sd if k.startswith("controlnet_cond_embedding.blocks.")})
    hint_out = 2 * (n_hint_blocks + 1)

    def block_index(level: int, layer: int) -> int:
        return 1 + level * (per_level + 1) + layer

    fixed = {
        "conv_in": "input_blocks.0.0", "time_embedding.linear_1": "time_embed.0",
        "time_embedding.linear_2": "time_embed.2", "add_embedding.linear_1": "label_emb.0.0",
        "add_embedding.linear_2": "label_emb.0.2", "class_embedding.linear_1": "label_emb.0.0",
        "class_embedding.linear_2": "label_emb.0.2", "controlnet_cond_embedding.conv_in": "input_hint_block.0",
        "controlnet_cond_embedding.conv_out": f"input_hint_block.{hint_out}",
        "controlnet_mid_block": "middle_block_out.0",
    }
    rules: list[tuple[re.Pattern, object]] = [
        (re.compile(r"down_blocks\.(\d+)\.resnets\.(\d+)\.(\w+)\.(.+)"),
         lambda m: f"input_blocks.{block_index(int(m[1]), int(m[2]))}.0.{_RESNET[m[3]]}.{m[4]}"),
        (re.compile(r"down_blocks\.(\d+)\.attentions\.(\d+)\.(.+)"),
         lambda m: f"input_blocks.{block_index(int(m[1]), int(m[2]))}.1.{m[3]}"),
        (re.compile(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.+)"),
         lambda m: f"input_blocks.{(int(m[1]) + 1) * (per_level + 1)}.0.op.{m[2]}"),
        (re.compile(r"mid_block\.resnets\.(\d+)\.(\w+)\.(.+)"),
         lambda m: f"middle_block.{2 * int(m[1])}.{_RESNET[m[2]]}.{m[3]}"),
        (re.compile(r"mid_block\.attentions\.0\.(.+)"), lambda m: f"middle_block.1.{m[1]}"),
        (re.compile(r"controlnet_down_blocks\.(\d+)\.(.+)"), lambda m: f"zero_convs.{m[1]}.0.{m[2]}"),
        (re.compile(r"controlnet_cond_embedding\.blocks\.(\d+)\.(.+)"),
         lambda m: f"input_hint_block.{2 * (int(m[1]) + 1)}.{m[2]}"),
    ]
    out: dict[str, torch.Tensor] = {}
    unknown = []
    for k, v in sd.items():
        module, _, param = k.rpartition(".")
        if module in fixed:
            out[f"{fixed[module]}.{param}"] = v
            continue
        for pattern, rename in rules:
            m = pattern.fullmatch(k)
            if m is not None:
                try:
                    out[rename(m)] = v  # type: ignore[operator]
                except KeyError:
                    unknown.append(k)
                break
        else:
            unknown.append(k)
    if unknown:
        raise ValueError(f"diffusers ControlNet keys with no LDM name: {unknown[:8]}"
                         + (f" (+{len(unknown) - 8} more)" if len(unknown) > 8 else ""))
    return out
