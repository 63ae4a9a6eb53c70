"""LDM/SGM UNet with the checkpoint's own module names.

Strip `model.diffusion_model.` from a single-file checkpoint and the rest loads
with a strict `load_state_dict`, no renaming table.
"""
from __future__ import annotations

from dataclasses import dataclass


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
