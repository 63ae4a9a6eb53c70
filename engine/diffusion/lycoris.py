"""LyCORIS weight adapters: LoHa, LoKr and DoRA (weight-decomposed) patches.

Each adapter returns the fp32 delta to add to one weight; the :class:`~engine.diffusion.patching.Patcher`
multiplies it by the node strength.  Formulas (facts from KohakuBlueleaf/LyCORIS and ComfyUI's
``comfy/weight_adapter``):

* LoHa:  ``ΔW = (w1_a @ w1_b) * (w2_a @ w2_b) * alpha / rank`` with ``rank = w1_b.shape[0]``; the
  Tucker form (``hada_t1``/``hada_t2``, convolutions) rebuilds each factor as
  ``t[i, j, k...] · w_a[i, out] · w_b[j, in]``.
* LoKr:  ``ΔW = kron(w1, w2) * scale``; a factor is stored whole (``lokr_w1``) or low-rank
  (``lokr_w1_a @ lokr_w1_b``, ``lokr_w2`` likewise, ``lokr_t2`` for a Tucker ``w2``).  ``scale`` is
  ``alpha / rank`` only when a factor is low-rank (rank of ``w2_b`` when ``w2`` is decomposed, else of
  ``w1_b``), otherwise 1.
* GLoRA: ``ΔW = (W·A + B) · alpha / rank`` with ``A = a1 @ a2`` (``[in, in]``) and ``B = b1 @ b2``
  (``[out, in·k]``) in LyCORIS' current layout; its older layout (``ΔW = b2 @ b1 + W·a2 @ a1``) is told
  apart by the factor shapes as ComfyUI does, see :class:`GloraPatch`.
* DoRA:  ``W' = m · (W + ΔW) / ‖·‖`` per channel; the axis follows ``dora_scale``'s shape (``[out, 1, ...]``
  → per output channel, ``[1, in, ...]`` → per input channel); the strength interpolates
  ``W + s · (W' − W)``.  See :class:`DoraPatch` for the norm ComfyUI takes on the output axis.

OFT and BOFT live in :mod:`engine.diffusion.oft`.  Adapters whose change is not linear in the strength
(those two) offer ``delta_at_strength(weight, s)``, which the Patcher uses for them.
"""
from __future__ import annotations

import torch

LOHA_SUFFIXES: tuple[str, ...] = (".hada_w1_a", ".hada_w1_b", ".hada_w2_a", ".hada_w2_b", ".hada_t1", ".hada_t2")
LOKR_SUFFIXES: tuple[str, ...] = (".lokr_w1", ".lokr_w1_a", ".lokr_w1_b", ".lokr_w2", ".lokr_w2_a", ".lokr_w2_b",
                                  ".lokr_t2")
GLORA_SUFFIXES: tuple[str, ...] = (".a1.weight", ".a2.weight", ".b1.weight", ".b2.weight")


def _f32(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    return t.to(device=device, dtype=torch.float32)


def _matrix(t: torch.Tensor) -> torch.Tensor:
    """A factor as a 2-D matrix (conv factors are stored flattened or as [r, in, kh, kw])."""
    return t.reshape(t.shape[0], -1)


def rebuild_tucker(t: torch.Tensor, wa: torch.Tensor, wb: torch.Tensor) -> torch.Tensor:
    """``[out, in, *k]`` from a Tucker core ``t [r1, r2, *k]``, ``wa [r1, out]``, ``wb [r2, in]``."""
    return torch.einsum("ij...,ip,jq->pq...", t, _matrix(wa), _matrix(wb))


def _fit(delta: torch.Tensor, weight: torch.Tensor, what: str) -> torch.Tensor:
    if delta.numel() != weight.numel():
        raise ValueError(f"{what} gives a delta of shape {list(delta.shape)}, which does not fit "
                         f"a weight of shape {list(weight.shape)}")
    return delta.reshape(weight.shape)


def _shapes(**tensors: torch.Tensor | None) -> str:
    return ", ".join(f"{k}{list(v.shape)}" for k, v in tensors.items() if v is not None)


class RankScaled:
    """``scale`` = alpha / rank of a low-rank adapter (1.0 without an alpha, or without a rank)."""

    alpha: float | None = None
    rank: int | None = None

    @property
    def scale(self) -> float:
        return 1.0 if self.alpha is None or self.rank is None else self.alpha / self.rank


class LohaPatch(RankScaled):
    """LoHa (Hadamard product of two low-rank products), optionally Tucker-decomposed."""

    kind = "LoHa"

    def __init__(self, w1a: torch.Tensor, w1b: torch.Tensor, w2a: torch.Tensor, w2b: torch.Tensor,
                 alpha: float | None = None, t1: torch.Tensor | None = None, t2: torch.Tensor | None = None,
                 name: str = ""):
        if (t1 is None) != (t2 is None):
            raise ValueError(f"LoHa {name!r}: the Tucker form needs both hada_t1 and hada_t2")
        self.w1a, self.w1b, self.w2a, self.w2b, self.t1, self.t2 = w1a, w1b, w2a, w2b, t1, t2
        self.alpha = alpha
        self.rank = int(w1b.shape[0])
        self.name = name

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        dev = weight.device
        w1a, w1b, w2a, w2b = (_f32(t, dev) for t in (self.w1a, self.w1b, self.w2a, self.w2b))
        shapes = _shapes(w1_a=self.w1a, w1_b=self.w1b, w2_a=self.w2a, w2_b=self.w2b, t1=self.t1, t2=self.t2)
        what = f"LoHa {self.name!r} ({shapes})"
        try:
            if self.t1 is not None:
                m1 = rebuild_tucker(_f32(self.t1, dev), w1a, w1b)
                m2 = rebuild_tucker(_f32(self.t2, dev), w2a, w2b)
            else:
                m1 = _matrix(w1a) @ _matrix(w1b)
                m2 = _matrix(w2a) @ _matrix(w2b)
            d = m1 * m2
        except RuntimeError as e:
            raise ValueError(f"{what}: factors do not combine: {e}") from None
        return _fit(d, weight, what) * self.scale


class LokrPatch(RankScaled):
    """LoKr (Kronecker product of two factors, either stored whole or low-rank)."""

    kind = "LoKr"

    def __init__(self, w1: torch.Tensor | None = None, w1a: torch.Tensor | None = None,
                 w1b: torch.Tensor | None = None, w2: torch.Tensor | None = None,
                 w2a: torch.Tensor | None = None, w2b: torch.Tensor | None = None,
                 t2: torch.Tensor | None = None, alpha: float | None = None, name: str = ""):
        if w1 is None and (w1a is None or w1b is None):
            raise ValueError(f"LoKr {name!r}: needs lokr_w1 or both lokr_w1_a and lokr_w1_b")
        if w2 is None and (w2a is None or w2b is None):
            raise ValueError(f"LoKr {name!r}: needs lokr_w2 or both lokr_w2_a and lokr_w2_b")
        self.w1, self.w1a, self.w1b = w1, w1a, w1b
        self.w2, self.w2a, self.w2b, self.t2 = w2, w2a, w2b, t2
        self.alpha = alpha
        self.name = name
        # the rank that alpha divides: w2's when w2 is low-rank, else w1's; None when both are whole
        if w2 is None:
            self.rank: int | None = int(w2b.shape[0])
        elif w1 is None:
            self.rank = int(w1b.shape[0])
        else:
            self.rank = None

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        dev = weight.device
        shapes = _shapes(w1=self.w1, w1_a=self.w1a, w1_b=self.w1b, w2=self.w2, w2_a=self.w2a, w2_b=self.w2b,
                         t2=self.t2)
        what = f"LoKr {self.name!r} ({shapes})"
        try:
            if self.w1 is not None:
                w1 = _f32(self.w1, dev)
            else:
                w1 = _matrix(_f32(self.w1a, dev)) @ _matrix(_f32(self.w1b, dev))
            if self.w2 is not None:
                w2 = _f32(self.w2, dev)
            elif self.t2 is not None:
                w2 = rebuild_tucker(_f32(self.t2, dev), _f32(self.w2a, dev), _f32(self.w2b, dev))
            else:
                # a conv w2_b is [r, in2 * kh * kw] (or [r, in2, kh, kw]): kron of the 2-D forms
                # lays the kernel out exactly as kron of the 4-D forms would
                w2 = _matrix(_f32(self.w2a, dev)) @ _matrix(_f32(self.w2b, dev))
            while w1.dim() < w2.dim():
                w1 = w1.unsqueeze(-1)
            d = torch.kron(w1.contiguous(), w2.contiguous())
        except RuntimeError as e:
            raise ValueError(f"{what}: factors do not combine: {e}") from None
        return _fit(d, weight, what) * self.scale


class GloraPatch:
    """GLoRA (``a1``/``a2``/``b1``/``b2``): ``ΔW = (W·A + B) · alpha / rank``; the delta depends on ``W``.

    Current LyCORIS layout: ``a1 [in, r]``, ``a2 [r, in]``, ``b1 [out, r]``, ``b2 [r, in·k]`` with
    ``ΔW = W ·_in (a1 @ a2) + b1 @ b2`` (for a convolution ``W``'s input axis is multiplied, per kernel tap)
    and ``rank = a2.shape[0]``.  Older files: ``a1 [r, in·k]``, ``a2 [in·k, r]``, ``b1 [r, in·k]``,
    ``b2 [out, r]`` with ``ΔW = b2 @ b1 + W_flat @ a2 @ a1`` and ``rank = a1.shape[0]``.  The layout is read
    from the shapes as ComfyUI does: old when ``b2[1] == b1[0] == a1[0] == a2[1]``, unless the new test
    ``b2[0] == b1[1] == a1[1] == a2[0]`` also holds, which wins except for a square weight with
    ``a2[0] == out`` (then old stays).  No ``alpha`` means scale 1.
    """

    kind = "GLoRA"

    def __init__(self, a1: torch.Tensor, a2: torch.Tensor, b1: torch.Tensor, b2: torch.Tensor,
                 alpha: float | None = None, name: str = ""):
        if min(t.dim() for t in (a1, a2, b1, b2)) < 2:
            raise ValueError(f"GLoRA {name!r}: a1, a2, b1 and b2 must be matrices or conv kernels "
                             f"({_shapes(a1=a1, a2=a2, b1=b1, b2=b2)})")
        self.a1, self.a2, self.b1, self.b2 = a1, a2, b1, b2
        self.alpha = alpha
        self.name = name

    def _what(self) -> str:
        return f"GLoRA {self.name!r} ({_shapes(a1=self.a1, a2=self.a2, b1=self.b1, b2=self.b2)})"

    def layout(self, weight_shape: torch.Size | tuple[int, ...]) -> tuple[bool, int]:
        """(old layout?, rank) for a weight of this shape, by ComfyUI's shape rule."""
        a1, a2, b1, b2 = (t.shape for t in (self.a1, self.a2, self.b1, self.b2))
        old = b2[1] == b1[0] == a1[0] == a2[1]
        rank = int(a1[0]) if old else None
        if b2[0] == b1[1] == a1[1] == a2[0]:
            square_tie = old and a2[0] == weight_shape[0] and weight_shape[0] == weight_shape[1]
            if not square_tie:
                old, rank = False, int(a2[0])
        if rank is None:
            raise ValueError(f"{self._what()}: the factor shapes fit neither GLoRA layout")
        return old, rank

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        w = weight.to(torch.float32)
        what = self._what()
        if w.dim() < 2:
            raise ValueError(f"{what}: needs a matrix or conv weight, not one of shape {list(w.shape)}")
        old, rank = self.layout(w.shape)
        a1, a2, b1, b2 = (_matrix(_f32(t, w.device)) for t in (self.a1, self.a2, self.b1, self.b2))
        try:
            if old:
                d = (b2 @ b1 + (w.reshape(w.shape[0], -1) @ a2) @ a1).reshape(w.shape)
            else:
                if w.dim() > 2:
                    wa = torch.einsum("oi...,ij->oj...", torch.einsum("oi...,ij->oj...", w, a1), a2)
                else:
                    wa = (w @ a1) @ a2
                d = wa.reshape(w.shape) + (b1 @ b2).reshape(w.shape)
        except RuntimeError as e:
            raise ValueError(f"{what} does not fit a weight of shape {list(w.shape)}: {e}") from None
        return d * (1.0 if self.alpha is None else self.alpha / rank)


class DoraPatch:
    """Weight-decomposed update around another adapter (``K.dora_scale`` next to LoRA/LoHa/LoKr keys).

    ``delta(W) = m · (W + ΔW) / n − W`` so that the Patcher's strength ``s`` gives ComfyUI's
    ``W + s · (W_dora − W)``.  ``W`` is the weight this patch sees (earlier patches of the same weight
    applied, fp32).  ``n`` is taken per input channel from ``W + ΔW`` when ``dora_scale`` is
    ``[1, in, ...]``; when it is ``[out, 1, ...]`` (``dora_scale.shape[0] == out``) ComfyUI takes the
    per-output-channel norm of ``W`` itself, not of ``W + ΔW`` (``output_norm="base"``, the default, for
    the same images); ``output_norm="patched"`` uses ``W + ΔW`` as the DoRA paper and LyCORIS do.
    A 1-D ``dora_scale`` is read as ``[out]`` when it has ``out`` entries, else as ``[in]``;
    ``axis="out"`` / ``"in"`` fixes the axis instead (PEFT's magnitude vector is always per output channel,
    stored ``[out]`` or, for convolutions, ``[1, out, 1, 1]``).
    """

    kind = "DoRA"

    def __init__(self, inner, dora_scale: torch.Tensor, name: str = "", output_norm: str = "base",
                 axis: str = "auto", scale_key: str = "dora_scale"):
        if output_norm not in ("base", "patched"):
            raise ValueError(f"DoRA {name!r}: output_norm must be 'base' or 'patched', not {output_norm!r}")
        if axis not in ("auto", "out", "in"):
            raise ValueError(f"DoRA {name!r}: axis must be 'auto', 'out' or 'in', not {axis!r}")
        self.inner = inner
        self.dora_scale = dora_scale
        self.name = name
        self.output_norm = output_norm
        self.axis = axis
        self.scale_key = scale_key  # the file's name for the magnitudes, for error messages

    def delta(self, weight: torch.Tensor) -> torch.Tensor:
        w = weight.to(torch.float32)
        if w.dim() < 2:
            raise ValueError(f"DoRA {self.name!r}: needs a matrix or conv weight, not one of shape {list(w.shape)}")
        calc = w + self.inner.delta(w)
        m = _f32(self.dora_scale, w.device)
        out_c, in_c, ones = w.shape[0], w.shape[1], [1] * (w.dim() - 2)
        on_output = m.shape[0] == out_c if self.axis == "auto" else self.axis == "out"  # ComfyUI's test
        if on_output:
            if m.numel() != out_c:
                raise ValueError(f"DoRA {self.name!r}: {self.scale_key} of shape {list(m.shape)} does not fit "
                                 f"a weight of shape {list(w.shape)}")
            m = m.reshape(out_c, 1, *ones)
            base = w if self.output_norm == "base" else calc
            norm = base.reshape(out_c, -1).norm(dim=1).reshape(out_c, 1, *ones)
        else:
            if m.numel() != in_c:
                which = f"{in_c} inputs" if self.axis == "in" else f"neither {out_c} outputs nor {in_c} inputs"
                raise ValueError(f"DoRA {self.name!r}: {self.scale_key} of shape {list(m.shape)} does not fit "
                                 f"a weight of shape {list(w.shape)} ({which})")
            m = m.reshape(1, in_c, *ones)
            norm = calc.transpose(0, 1).reshape(in_c, -1).norm(dim=1).reshape(1, in_c, *ones)
        norm = norm + torch.finfo(torch.float32).eps
        return calc * (m / norm) - w
