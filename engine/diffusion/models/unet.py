"""LDM/SGM UNet with the checkpoint's own module names.

Strip `model.diffusion_model.` from a single-file checkpoint and the rest loads
with a strict `load_state_dict`, no renaming table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.diffusion.models.attention import SpatialTransformer


@dataclass(frozen=True)
class UNetConfig:
    """Architecture of an LDM UNet. Depths are per resolution level (input side)."""

    in_channels: int = 4
    out_channels: int = 4
    model_channels: int = 320
    channel_mult: tuple[int, ...] = (1, 2, 4, 4)
    num_res_blocks: int = 2
    transformer_depth: tuple[int, ...] = (1, 1, 1, 0)     # per level; 0 = no attention there
    transformer_depth_output: tuple[int, ...] | None = None  # per level on the output side; None = same as input
    transformer_depth_middle: int = 1                     # -1 = middle block without attention
    context_dim: int | None = 768
    num_heads: int = 8                                    # used when num_head_channels == -1
    num_head_channels: int = -1                           # SD2/SDXL: 64
    use_linear_in_transformer: bool = False
    adm_in_channels: int | None = None                    # SDXL label_emb input width
    norm_groups: int = 32

    def heads_for(self, channels: int) -> tuple[int, int]:
        """(heads, head_dim) of an attention layer with `channels` width."""
        if self.num_head_channels != -1:
            return channels // self.num_head_channels, self.num_head_channels
        return self.num_heads, channels // self.num_heads

    def depth_output(self) -> tuple[int, ...]:
        return self.transformer_depth_output if self.transformer_depth_output is not None else self.transformer_depth


def timestep_embedding(timesteps: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal features of (B,) timesteps -> (B, dim) float32, cos half first (LDM / flip_sin_to_cos)."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=timesteps.device) / half
    )
    args = timesteps.to(torch.float32)[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv, add projected timestep embedding, GroupNorm-SiLU-conv, skip."""

    def __init__(self, channels: int, emb_channels: int, out_channels: int, groups: int = 32) -> None:
        super().__init__()
        self.in_layers = nn.Sequential(
            nn.GroupNorm(groups, channels), nn.SiLU(), nn.Conv2d(channels, out_channels, 3, padding=1)
        )
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_channels, out_channels))
        self.out_layers = nn.Sequential(
            nn.GroupNorm(groups, out_channels), nn.SiLU(), nn.Dropout(0.0),
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
        )
        self.skip_connection: nn.Module = (
            nn.Identity() if out_channels == channels else nn.Conv2d(channels, out_channels, 1)
        )

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        # In-place ops only on fresh intermediates: fewer large allocations (page faults on CPU).
        inplace = not torch.is_grad_enabled()     # in-place SiLU would break autograd
        norm, _, conv = self.in_layers
        h = conv(F.silu(norm(x), inplace=inplace))
        h += self.emb_layers(emb)[:, :, None, None]
        norm, _, _, conv = self.out_layers
        h = conv(F.silu(norm(h), inplace=inplace))
        h += self.skip_connection(x)
        return h


class Downsample(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.op = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, size: tuple[int, int] | None = None) -> torch.Tensor:
        if size is None:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        else:
            x = F.interpolate(x, size=size, mode="nearest")
        return self.conv(x)


class TimestepEmbedSequential(nn.Sequential):
    """A block of the UNet: routes the timestep embedding and the text context to the layers that take them."""

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor | None,  # type: ignore[override]
                out_size: tuple[int, int] | None = None) -> torch.Tensor:
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            elif isinstance(layer, Upsample):
                x = layer(x, out_size)
            else:
                x = layer(x)
        return x


def _pop_control(control: dict | None, name: str) -> torch.Tensor | None:
    if control is None:
        return None
    lst = control.get(name)
    if not lst:
        return None
    return lst.pop()


def _add_control(h: torch.Tensor, ctrl: torch.Tensor | None, where: str) -> torch.Tensor:
    if ctrl is None:
        return h
    if ctrl.shape[1:] != h.shape[1:] or ctrl.shape[0] not in (1, h.shape[0]):
        raise ValueError(
            f"ControlNet residual for UNet {where} has shape {tuple(ctrl.shape)}, "
            f"expected {tuple(h.shape)}: the ControlNet does not fit this model"
        )
    return h + ctrl.to(h.dtype)


class ChannelsLastOnCPU(nn.Module):
    """Conv nets that run channels-last on CPU in bf16/fp16.

    oneDNN's low-precision convolutions are faster on NHWC data *and* NHWC weights, and the
    SpatialTransformer's (B, HW, C) view of NHWC activations needs no copy. fp32 runs as fast in
    NCHW, so it stays there. Conv weights follow automatically whenever the module is moved or
    cast (`.to(...)`, `.bfloat16()`; load_state_dict copies into them and keeps their layout).
    `use_channels_last` = True / False forces the choice; None (default) = automatic.
    """

    use_channels_last: bool | None = None

    def _channels_last_for(self, device: torch.device, dtype: torch.dtype) -> bool:
        if self.use_channels_last is not None:
            return self.use_channels_last
        return device.type == "cpu" and dtype in (torch.bfloat16, torch.float16)

    def _apply(self, fn, recurse: bool = True):  # type: ignore[override]
        super()._apply(fn, recurse)
        self.sync_weight_format()
        return self

    def _first_conv_weight(self) -> torch.Tensor | None:
        return next((m.weight for m in self.modules() if isinstance(m, nn.Conv2d)), None)

    def sync_weight_format(self) -> None:
        """Lay out 4-D conv weights as the current device/dtype runs fastest (values unchanged)."""
        first = self._first_conv_weight()
        if first is None or first.device.type == "meta":
            return
        fmt = torch.channels_last if self._channels_last_for(first.device, first.dtype) else torch.contiguous_format
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and not m.weight.is_contiguous(memory_format=fmt):
                m.weight.data = m.weight.data.contiguous(memory_format=fmt)

    def to_compute_layout(self, h: torch.Tensor) -> torch.Tensor:
        """Activations in the layout the weights are kept in; re-lays the weights first when they were
        put in place without `.to()` (loaders assigning tensors, swapped-in patched weights)."""
        use_cl = self._channels_last_for(h.device, h.dtype)
        first = self._first_conv_weight()
        if first is not None and first.is_contiguous(memory_format=torch.channels_last) != use_cl \
                and first.shape[-1] * first.shape[-2] > 1:
            self.sync_weight_format()
        return h.contiguous(memory_format=torch.channels_last) if use_cl else h


class UNetModel(ChannelsLastOnCPU):
    """LDM/SGM UNet. Attribute names are the checkpoint's (after `model.diffusion_model.`)."""

    def __init__(self, cfg: UNetConfig) -> None:
        super().__init__()
        self.config = cfg
        mc = cfg.model_channels
        ted = mc * 4
        g = cfg.norm_groups
        levels = len(cfg.channel_mult)
        if len(cfg.transformer_depth) != levels or len(cfg.depth_output()) != levels:
            raise ValueError(f"transformer depths {cfg.transformer_depth} / {cfg.depth_output()} "
                             f"need one entry per level of channel_mult {cfg.channel_mult}")
        self.time_embed = nn.Sequential(nn.Linear(mc, ted), nn.SiLU(), nn.Linear(ted, ted))
        if cfg.adm_in_channels is not None:
            self.label_emb = nn.Sequential(
                nn.Sequential(nn.Linear(cfg.adm_in_channels, ted), nn.SiLU(), nn.Linear(ted, ted))
            )

        def transformer(ch: int, depth: int) -> SpatialTransformer:
            heads, dim_head = cfg.heads_for(ch)
            return SpatialTransformer(ch, heads, dim_head, depth, cfg.context_dim,
                                      cfg.use_linear_in_transformer, g)

        self.input_blocks = nn.ModuleList([TimestepEmbedSequential(nn.Conv2d(cfg.in_channels, mc, 3, padding=1))])
        skip_chans = [mc]
        ch = mc
        for level, mult in enumerate(cfg.channel_mult):
            for _ in range(cfg.num_res_blocks):
                layers: list[nn.Module] = [ResBlock(ch, ted, mult * mc, g)]
                ch = mult * mc
                if cfg.transformer_depth[level] > 0:
                    layers.append(transformer(ch, cfg.transformer_depth[level]))
                self.input_blocks.append(TimestepEmbedSequential(*layers))
                skip_chans.append(ch)
            if level != levels - 1:
                self.input_blocks.append(TimestepEmbedSequential(Downsample(ch)))
                skip_chans.append(ch)

        if cfg.transformer_depth_middle >= -1:
            mid: list[nn.Module] = [ResBlock(ch, ted, ch, g)]
            if cfg.transformer_depth_middle >= 0:
                mid += [transformer(ch, cfg.transformer_depth_middle), ResBlock(ch, ted, ch, g)]
            self.middle_block = TimestepEmbedSequential(*mid)
        else:
            self.middle_block = None  # type: ignore[assignment]

        self.output_blocks = nn.ModuleList()
        depth_out = cfg.depth_output()
        for level, mult in reversed(list(enumerate(cfg.channel_mult))):
            for i in range(cfg.num_res_blocks + 1):
                skip = skip_chans.pop()
                layers = [ResBlock(ch + skip, ted, mult * mc, g)]
                ch = mult * mc
                if depth_out[level] > 0:
                    layers.append(transformer(ch, depth_out[level]))
                if level != 0 and i == cfg.num_res_blocks:
                    layers.append(Upsample(ch))
                self.output_blocks.append(TimestepEmbedSequential(*layers))

        self.out = nn.Sequential(nn.GroupNorm(g, ch), nn.SiLU(), nn.Conv2d(mc, cfg.out_channels, 3, padding=1))

    @property
    def dtype(self) -> torch.dtype:
        return self.time_embed[0].weight.dtype

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, context: torch.Tensor | None = None,
                y: torch.Tensor | None = None, control: dict | None = None,
                transformer_options: dict | None = None) -> torch.Tensor:
        """x (B, C, h, w), timesteps (B,), context (B, T, context_dim), y (B, adm_in_channels) for SDXL.

        control: {"input": [...], "middle": [...], "output": [...]} residuals (ComfyUI order: each list
        is consumed from its end). Returns the prediction in x's dtype; compute runs in the weights' dtype.

        transformer_options: ComfyUI's dict; its "patches" may hold lists of block patches, called as
        ComfyUI's UNet calls them (``transformer_options["block"]`` = ("input"|"middle"|"output", index)):
        "input_block_patch" fn(h, opts) -> h after each input block (before it is kept as a skip),
        "input_block_patch_after_skip" fn(h, opts) -> h (after it is kept), "output_block_patch"
        fn(h, skip, opts) -> (h, skip) before each output block's concatenation. Without patches
        nothing extra runs.
        """
        cfg = self.config
        dtype = self.dtype
        if x.shape[1] != cfg.in_channels:
            raise ValueError(f"UNet expects {cfg.in_channels} input channels, got x of shape {tuple(x.shape)}")
        if (y is None) != (cfg.adm_in_channels is None):
            raise ValueError(
                f"UNet {'needs' if cfg.adm_in_channels else 'takes no'} y (adm_in_channels="
                f"{cfg.adm_in_channels}), got {'None' if y is None else tuple(y.shape)}"
            )
        if control is not None:  # consumed by popping: never mutate the caller's lists
            control = {k: list(v) for k, v in control.items() if v is not None}
        timesteps = timesteps.reshape(-1)
        if timesteps.shape[0] == 1 and x.shape[0] > 1:
            timesteps = timesteps.expand(x.shape[0])
        emb = self.time_embed(timestep_embedding(timesteps, cfg.model_channels).to(dtype))
        if y is not None:
            emb = emb + self.label_emb(y.to(dtype))
        if context is not None:
            context = context.to(dtype)

        in_dtype = x.dtype
        h = self.to_compute_layout(x.to(dtype))
        patches = transformer_options.get("patches") if transformer_options is not None else None
        if patches:
            return self._forward_patched(h, emb, context, control, transformer_options, patches, in_dtype)
        hs = []
        for block in self.input_blocks:
            h = block(h, emb, context)
            h = _add_control(h, _pop_control(control, "input"), "input")
            hs.append(h)
        if self.middle_block is not None:
            h = self.middle_block(h, emb, context)
        h = _add_control(h, _pop_control(control, "middle"), "middle")
        for i, block in enumerate(self.output_blocks):
            skip = _add_control(hs.pop(), _pop_control(control, "output"), "output")
            h = torch.cat([h, skip], dim=1)
            out_size = tuple(hs[-1].shape[-2:]) if hs else None
            h = block(h, emb, context, out_size)
        return self.out(h).to(in_dtype).contiguous()

    def _forward_patched(self, h: torch.Tensor, emb: torch.Tensor, context: torch.Tensor | None,
                         control: dict | None, opts: dict, patches: dict, in_dtype: torch.dtype) -> torch.Tensor:
        """forward's block loop with ComfyUI's block patches called where its UNet calls them."""
        opts["original_shape"] = list(h.shape)
        before_skip = patches.get("input_block_patch", ())
        after_skip = patches.get("input_block_patch_after_skip", ())
        output = patches.get("output_block_patch", ())
        hs = []
        for i, block in enumerate(self.input_blocks):
            opts["block"] = ("input", i)
            h = block(h, emb, context)
            h = _add_control(h, _pop_control(control, "input"), "input")
            for p in before_skip:
                h = p(h, opts)
            hs.append(h)
            for p in after_skip:
                h = p(h, opts)
        opts["block"] = ("middle", 0)
        if self.middle_block is not None:
            h = self.middle_block(h, emb, context)
        h = _add_control(h, _pop_control(control, "middle"), "middle")
        for i, block in enumerate(self.output_blocks):
            opts["block"] = ("output", i)
            skip = _add_control(hs.pop(), _pop_control(control, "output"), "output")
            for p in output:
                h, skip = p(h, skip, opts)
            h = torch.cat([h, skip], dim=1)
            out_size = tuple(hs[-1].shape[-2:]) if hs else None
            h = block(h, emb, context, out_size)
        return self.out(h).to(in_dtype).contiguous()
