"""Orthogonal LyCORIS adapters: OFT (block-diagonal) and BOFT (butterfly) rotations of a weight.

Both rotate the output channels of a weight ``W [out, in, *k]`` by orthogonal matrices built with the
Cayley transform ``R = (I + Q)(I - Q)^-1`` from the skew-symmetric part ``Q = B - Bᵀ`` of each stored
block ``B`` (facts from KohakuBlueleaf/LyCORIS ``diag_oft.py`` / ``boft.py`` and ComfyUI's
``comfy/weight_adapter/oft.py`` / ``boft.py``):

* ``alpha`` is a constraint, not a scale: when it is > 0 and the Frobenius norm of all the ``Q`` together
  exceeds it, ``Q`` is scaled down to that norm.  ComfyUI compares with ``alpha`` itself (LyCORIS' trainer
  with ``alpha · out``); we follow ComfyUI.  No ``alpha`` (or 0) means no constraint (ComfyUI's BOFT fails
  on a missing ``alpha`` and leaves the weight unpatched; its OFT reads it as 0).
* OFT (``oft_blocks [k, b, b]``, ``k · b = out``): block ``j`` of the output rows becomes ``R_jᵀ · W_j``.
* BOFT (``oft_blocks [m, k, b, b]``): ``m`` butterfly factors; factor ``i`` permutes the output rows so
  that rows ``2^i · b/2`` apart meet in one block, applies the block-diagonal ``R_i``, and permutes back.
* ``rescale`` (``[out, 1, ...]``) multiplies the rotated weight per output channel.

Strength (ComfyUI's rule, not a plain scaling of one delta): at strength ``s`` each rotation is blended
with the identity, ``R(s) = s · R + (1 - s) · I`` (per butterfly factor for BOFT), the weight is rotated
with it and rescaled, and ``s`` times that change is added: ``W + s · (rescale · R(s)ᵀW − W)``.  For OFT
without ``rescale`` this is ComfyUI's ``W + s² · (Rᵀ − I)W``.  ComfyUI's OFT loads ``rescale`` but never
applies it (its BOFT and LyCORIS both do); we apply it.  The Patcher multiplies a delta by ``s`` once, so
these adapters offer :meth:`delta_at_strength`, which the Patcher calls with the patch's strength.
"""
from __future__ import annotations

import torch

OFT_SUFFIXES: tuple[str, ...] = (".oft_blocks", ".rescale")


def cayley(blocks: torch.Tensor, constraint: float | None = None) -> torch.Tensor:
    """Orthogonal ``(I + Q)(I - Q)^-1`` per block, ``Q = B - Bᵀ`` over the last two dims (fp32).

    With ``constraint > 0`` all of ``Q`` is scaled down to that Frobenius norm when it is larger.
    """
    q = blocks - blocks.transpose(-1, -2)
    if constraint is not None and constraint > 0:
        norm = torch.linalg.vector_norm(q) + 1e-8
        if norm > constraint:
            q = q * (constraint / norm)
    eye = torch.eye(q.shape[-1], device=q.device, dtype=q.dtype)
    # (I + Q) and (I - Q)^-1 commute, so this is also (I - Q)^-1 (I + Q)
    return torch.linalg.solve(eye - q, eye + q)


def _blend(r: torch.Tensor, strength: float) -> torch.Tensor:
    if strength == 1.0:
        return r
    eye = torch.eye(r.shape[-1], device=r.device, dtype=r.dtype)
    return r * strength + (1.0 - strength) * eye


class _Orthogonal:
    """Shared parts of OFT and BOFT: the stored blocks, rescale, constraint and error wording."""

    kind = "OFT"

    def __init__(self, blocks: torch.Tensor, rescale: torch.Tensor | None = None, alpha: float | None = None,
                 name: str = ""):
        self.blocks, self.rescale, self.alpha, self.name = blocks, rescale, alpha, name

    def _what(self) -> str:
        extra = f", rescale{list(self.rescale.shape)}" if self.rescale is not None else ""
        return f"{self.kind} {self.name!r} (oft_blocks{list(self.blocks.shape)}{extra})"

    def _rotate(self, w: torch.Tensor, strength: float) -> torch.Tensor:
        raise NotImplementedError

    def delta_at_strength(self, weight: torch.Tensor, strength: float) -> torch.Tensor:
        """The change that, times ``strength``, ComfyUI adds at that strength (fp32)."""
        w = weight.to(torch.float32)
        what = self._what()
        try:
            out = self._rotate(w, strength)
            if self.rescale is not None:
                out = out * self.rescale.to(w.device, torch.float32)
        except RuntimeError as e:
            raise ValueError(f"{what} does not fit a weight of shape {list(w.shape)}: {e}") from None
        if out.shape != w.shape:
            raise ValueError(f"{what} gives a weight of shape {list(out.shape)}, not {list(w.shape)}")
        return out - w

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        """The change at strength 1 (the Patcher scales it linearly unless the strength was bound)."""
        return self.delta_at_strength(weight, 1.0)


class OftPatch(_Orthogonal):
    """OFT: block-diagonal Cayley rotation of the output channels (``oft_blocks [k, b, b]``)."""

    kind = "OFT"

    def __init__(self, blocks: torch.Tensor, rescale: torch.Tensor | None = None, alpha: float | None = None,
                 name: str = ""):
        if blocks.dim() != 3 or blocks.shape[1] != blocks.shape[2]:
            raise ValueError(f"OFT {name!r}: oft_blocks must be [blocks, size, size], not {list(blocks.shape)}")
        super().__init__(blocks, rescale, alpha, name)

    def _rotate(self, w: torch.Tensor, strength: float) -> torch.Tensor:
        k, b, _ = self.blocks.shape
        if w.shape[0] != k * b:
            raise ValueError(f"{self._what()}: {k} blocks of {b} rows do not cover the {w.shape[0]} output "
                             f"channels of a weight of shape {list(w.shape)}")
        r = _blend(cayley(self.blocks.to(w.device, torch.float32), self.alpha), strength)
        rows = w.reshape(k, b, *w.shape[1:])
        # block j: R_jᵀ @ W_j  (out[j, m, ...] = sum_n R[j, n, m] W[j, n, ...])
        return torch.einsum("knm,kn...->km...", r, rows).reshape(w.shape)


class BoftPatch(_Orthogonal):
    """BOFT: a product of butterfly-permuted block-diagonal rotations (``oft_blocks [m, k, b, b]``)."""

    kind = "BOFT"

    def __init__(self, blocks: torch.Tensor, rescale: torch.Tensor | None = None, alpha: float | None = None,
                 name: str = ""):
        if blocks.dim() != 4 or blocks.shape[2] != blocks.shape[3] or blocks.shape[2] % 2:
            raise ValueError(f"BOFT {name!r}: oft_blocks must be [factors, blocks, size, size] with an even "
                             f"size, not {list(blocks.shape)}")
        super().__init__(blocks, rescale, alpha, name)

    def _rotate(self, w: torch.Tensor, strength: float) -> torch.Tensor:
        m, k, b, _ = self.blocks.shape
        out_c = w.shape[0]
        if out_c != k * b or out_c % (2 ** (m - 1) * b):
            raise ValueError(f"{self._what()}: {m} butterfly factors of {k} blocks of size {b} do not fit the "
                             f"{out_c} output channels of a weight of shape {list(w.shape)}")
        r = cayley(self.blocks.to(w.device, torch.float32), self.alpha)
        rest = w.shape[1:]
        x = w
        for i in range(m):
            stride = 2 ** i * (b // 2)
            # rows stride apart meet: [out/(2·stride), 2, stride] -> [.., stride, 2] -> blocks of b rows
            x = x.reshape(-1, 2, stride, *rest).transpose(1, 2).reshape(k, b, *rest)
            x = torch.einsum("kij,kj...->ki...", _blend(r[i], strength), x)
            x = x.reshape(-1, stride, 2, *rest).transpose(1, 2).reshape(out_c, *rest)
        return x
