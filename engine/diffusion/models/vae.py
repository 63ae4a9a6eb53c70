"""LDM AutoencoderKL (KL-f8) with the checkpoint's own module names.

Strip `first_stage_model.` from a single-file checkpoint and the rest loads
with a strict `load_state_dict`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VAEConfig:
    in_channels: int = 3
    out_ch: int = 3
    ch: int = 128
    ch_mult: tuple[int, ...] = (1, 2, 4, 4)
    num_res_blocks: int = 2
    z_channels: int = 4
    embed_dim: int = 4
    double_z: bool = True
    norm_groups: int = 32
