"""A Brownian tree whose increments are bit-identical to torchsde's `BrownianTree` (sampling.md §3).

ComfyUI's SDE samplers draw their noise from `torchsde.BrownianTree(t0, w0, t1, entropy=seed)`,
so matching ComfyUI images means reproducing that tree to the bit. The facts (torchsde 0.2.6,
Apache-2.0, read for behaviour only):

* Time points are quantised with Python's `round(x, ndigits)`, ndigits = -int(log10(tol)),
  tol = 1e-6. The root interval is [round(t0), round(t1)].
* The tree is the halfway tree: a node [s, e] splits at m = round(0.5 * (e + s)). The root
  carries spawn key 0 and depth 0; the left/right child of a node with key k at depth d has key
  2k / 2k + 1 at depth d + 1. Each node's noise seed is word 0 of
  `numpy.random.SeedSequence(entropy, spawn_key=(key, depth), pool_size=24).generate_state(4)`,
  and its noise is `torch.randn(size, generator=Generator(device).manual_seed(seed))`.
* The root increment is randn(word 0 of SeedSequence(entropy, pool_size=24)) * sqrt(t1 - t0)
  with the unrounded float end points.
* A child's increment is a Brownian bridge on its parent's: with h_reciprocal = 1 / (e - s),
  left_diff = m - s, right_diff = e - m, mean = left_diff * W * h_reciprocal,
  var = left_diff * right_diff * h_reciprocal, left = mean + sqrt(var) * noise, right = W - left
  (operation order matters for the bits; scalars are Python floats).
* A query [ta, tb] is clamped to the root, rounded, and split into the tree intervals the
  descent from the root meets; their increments are summed from left to right.

torchsde regenerates a parent's noise once per child and recomputes evicted nodes (a 45-entry
LRU). Here each split draws its noise once, the left child's value is kept and the right child
is derived from it, node values live in a bounded LRU (a few tree depths, capped in bytes)
whose evicted memory is reused, and the SeedSequence mixing of the entropy (the same for every
node) is done once per tree, leaving two hash steps per node. The noise draws themselves
(torch's Mersenne Twister and Box-Muller, ~60 us per 64x64x4 latent on CPU) are what is left:
a sampler step on a new sigma needs ~17 of them.
"""
from __future__ import annotations

import math
import operator
from collections import OrderedDict

import numpy as np
import torch

_MASK32 = 0xFFFFFFFF
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
# generate_state's first word multiplies by INIT_B * MULT_B (its hash constant after one step).
_STATE0_MULT = (_INIT_B * _MULT_B) & _MASK32

# The node-value LRU holds CACHE_DEPTHS tree depths of values (a depth is ~26 nodes for sigmas
# from 0.03 to 15), less if that does not fit in cache_bytes but never fewer than
# MIN_CACHE_DEPTHS. A sampler's next query needs the previous path and its siblings (2 depths)
# while it builds its own (2 more): with 4 depths every split draws its noise once in sampler
# order (measured for karras/normal/exponential, 20-100 steps, dpmpp_sde's half steps included).
# A bigger cache buys nothing for such queries and costs time: fresh memory is slower to fill
# than reused memory.
DEFAULT_CACHE_BYTES = 256 * 2 ** 20
CACHE_DEPTHS = 4
MIN_CACHE_DEPTHS = 2
# Node midpoints are memoised (a rounding costs ~1 us); this bounds that table.
MAX_MIDPOINTS = 1 << 16
MAX_SPARES = 4


def _words(n: int) -> list[int]:
    """numpy's uint32 words of a non-negative int, lowest first (0 -> [0])."""
    if n == 0:
        return [0]
    out = []
    while n:
        out.append(n & _MASK32)
        n >>= 32
    return out


def _hashmix(value: int, h: int) -> tuple[int, int]:
    value ^= h
    h = (h * _MULT_A) & _MASK32
    value = (value * h) & _MASK32
    return value ^ (value >> 16), h


def _mix(x: int, y: int) -> int:
    r = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return r ^ (r >> 16)


def _state_word0(pool0: int) -> int:
    v = ((pool0 ^ _INIT_B) * _STATE0_MULT) & _MASK32
    return v ^ (v >> 16)


class TreeSeeds:
    """Word 0 of SeedSequence(entropy, spawn_key=(key, depth), pool_size).generate_state(n).

    numpy mixes the (zero-padded) run entropy into the pool identically for every spawn key and
    then folds each spawn-key word into every pool word; word 0 of the state depends on pool
    word 0 only, so a node needs one hash and one mix per spawn-key word.
    """

    def __init__(self, entropy: int, pool_size: int = 24) -> None:
        try:
            entropy = operator.index(entropy)
        except TypeError as e:
            raise TypeError(f"Brownian tree: entropy (seed) must be an integer, got {entropy!r}") from e
        if entropy < 0:
            raise ValueError(f"Brownian tree: entropy (seed) must be non-negative, got {entropy}")
        if pool_size < 4:
            raise ValueError(f"Brownian tree: pool_size must be at least 4, got {pool_size}")
        run = _words(entropy)
        mixer = [0] * pool_size
        h = _INIT_A
        for i in range(pool_size):
            mixer[i], h = _hashmix(run[i] if i < len(run) else 0, h)
        for i_src in range(pool_size):
            for i_dst in range(pool_size):
                if i_src != i_dst:
                    v, h = _hashmix(mixer[i_src], h)
                    mixer[i_dst] = _mix(mixer[i_dst], v)
        for w in run[pool_size:]:  # entropy wider than the pool: the rest is mixed in like a tail
            for i_dst in range(pool_size):
                v, h = _hashmix(w, h)
                mixer[i_dst] = _mix(mixer[i_dst], v)
        self.root_seed = _state_word0(mixer[0])
        self._pool0 = mixer[0]
        # Hash constant before word j of the spawn-key tail meets pool word 0 (it advances by
        # MULT_A once per pool word).
        self._h = h
        self._step = pow(_MULT_A, pool_size, 1 << 32)
        self._consts: list[tuple[int, int]] = []

    def _const(self, j: int) -> tuple[int, int]:
        consts = self._consts
        while len(consts) <= j:
            h = (self._h * pow(self._step, len(consts), 1 << 32)) & _MASK32
            consts.append((h, (h * _MULT_A) & _MASK32))
        return consts[j]

    def node_seed(self, key: int, depth: int) -> int:
        m0 = self._pool0
        j = 0
        for n in (key, depth):
            if n < 0:
                raise ValueError(f"Brownian tree: negative spawn key word {n}")
            while True:
                h, hm = self._const(j) if j >= len(self._consts) else self._consts[j]
                v = (((n & _MASK32) ^ h) * hm) & _MASK32
                m0 = _mix(m0, v ^ (v >> 16))
                j += 1
                n >>= 32
                if not n:
                    break
        return _state_word0(m0)


class BrownianTree:
    """Brownian motion on [t0, t1] with increments bit-identical to torchsde.BrownianTree(t0, w0, t1, entropy).

    `tree(ta, tb)` is the increment W(tb) - W(ta) (clamped to [t0, t1], ta <= tb), a new tensor of
    w0's shape, dtype and device; `tree(t)` is w0 + W(t) - W(t0). Noise is drawn with a generator
    on w0's device (CPU Mersenne Twister on CPU, Philox on CUDA), as torchsde does.

    Node values are kept in an LRU of cache_entries values, by default CACHE_DEPTHS tree depths'
    worth if that fits in cache_bytes, else as many as fit but at least MIN_CACHE_DEPTHS depths';
    evicted values are recomputed bit-identically when needed again.

    One deliberate difference: for ta < tb closer than tol (both round to the same point)
    torchsde returns values within rounding of zero, or recurses without end, depending on
    earlier queries; this tree returns zeros.
    """

    def __init__(self, t0, w0: torch.Tensor, t1, entropy: int, tol: float = 1e-6, pool_size: int = 24,
                 cache_bytes: int = DEFAULT_CACHE_BYTES, cache_entries: int | None = None) -> None:
        if not torch.is_tensor(w0) or not w0.is_floating_point():
            raise ValueError(f"Brownian tree: w0 must be a floating point tensor, got {w0!r}")
        if not tol > 0:
            raise ValueError(f"Brownian tree: tol must be positive, got {tol}")
        for name, t in (("t0", t0), ("t1", t1)):
            if torch.is_tensor(t) and t.numel() != 1:
                raise ValueError(f"Brownian tree: {name} must be a scalar, got a tensor of shape {tuple(t.shape)}")
        t0, t1 = float(t0), float(t1)
        if not t0 <= t1:
            raise ValueError(f"Brownian tree: t0={t0} must not exceed t1={t1}")
        self._nd = -int(math.log10(tol))
        self._start = round(t0, self._nd)
        self._end = round(t1, self._nd)
        self._w0 = w0
        self._size = tuple(w0.shape)
        self._dtype = w0.dtype
        self._device = w0.device
        self._seeds = TreeSeeds(entropy, pool_size)
        self._gen = torch.Generator(device=self._device)
        # Node arithmetic on CPU float32/float64 goes through numpy views of the same memory:
        # IEEE multiply/add/subtract by a scalar cast to the array's dtype, as torch's CPU kernels
        # do, at a third of torch's per-call cost. Other dtypes/devices use torch ops.
        if self._device.type == "cpu" and self._dtype in (torch.float32, torch.float64):
            self._mul, self._sub, self._copy = np.multiply, np.subtract, np.copyto
        else:
            self._mul, self._sub, self._copy = torch.mul, torch.sub, _torch_copy
        if cache_entries is None:
            node_bytes = max(1, w0.numel() * w0.element_size())
            depth = math.ceil(math.log2(max(self._end - self._start, tol) / tol)) + 2
            cache_entries = max(MIN_CACHE_DEPTHS * depth, min(CACHE_DEPTHS * depth, cache_bytes // node_bytes))
        if cache_entries < 3:
            raise ValueError(f"Brownian tree: cache_entries must be at least 3, got {cache_entries}")
        self._max_entries = cache_entries
        # Node ids are heap indices: root 1, children 2i and 2i + 1; depth = bit_length - 1 and
        # the spawn key is the id without its leading bit. Values are (tensor, array view) pairs.
        self._values: OrderedDict[int, tuple] = OrderedDict()
        self._spares: list[tuple] = []  # evicted values: memory to reuse
        self._scratch = self._new_buffer()[1]
        self._mids: dict[int, float] = {}  # node id -> rounded midpoint
        root = torch.randn(self._size, dtype=self._dtype, device=self._device,
                           generator=self._gen.manual_seed(self._seeds.root_seed)) * math.sqrt(t1 - t0)
        self._root = (root, self._view(root))
        self.randn_calls = 0  # noise draws after the root's (a profiling aid for tests and bench)
        # Buffers made under inference mode may only be written in place under inference mode.
        self._inference = torch.is_inference_mode_enabled()

    # -- node values ------------------------------------------------------------------------------

    def _view(self, t: torch.Tensor):
        return t.numpy() if self._mul is np.multiply else t

    def _new_buffer(self) -> tuple:
        t = torch.empty(self._size, dtype=self._dtype, device=self._device)
        return t, self._view(t)

    def _buffer(self) -> tuple:
        """Memory of the tree's size to overwrite: an evicted node value, or new. Reuse matters on
        CPU, where touching fresh pages costs about as much as the arithmetic."""
        return self._spares.pop() if self._spares else self._new_buffer()

    def _store(self, nid: int, v: tuple) -> None:
        # Kept values never leave this object (queries return copies), so an evicted one is free.
        values = self._values
        values[nid] = v
        if len(values) > self._max_entries:
            old = values.popitem(last=False)[1]
            if len(self._spares) < MAX_SPARES:
                self._spares.append(old)

    def _left_value(self, pid: int, s: float, m: float, e: float, w) -> tuple:
        """Value of pid's left child from pid's value array w: the one noise draw of this split."""
        h_reciprocal = 1 / (e - s)
        left_diff = m - s
        right_diff = e - m
        var = left_diff * right_diff * h_reciprocal
        depth = pid.bit_length() - 1
        seed = self._seeds.node_seed(pid ^ (1 << depth), depth)
        noise = self._buffer()
        # torch.randn is empty(...).normal_(0, 1, generator): the same numbers in a reused buffer.
        noise[0].normal_(generator=self._gen.manual_seed(seed))
        self.randn_calls += 1
        # torchsde: mean = left_diff * W * h_reciprocal; left_W = mean + sqrt(var) * noise.
        # (a * b rounds like b * a and a + b like b + a, so these in-place forms give its bits.)
        mean = self._mul(w, left_diff, out=self._scratch)
        mean *= h_reciprocal
        n = noise[1]
        n *= math.sqrt(var)
        n += mean
        return noise

    def _value(self, nid: int, bounds: dict[int, tuple[float, float, float]]) -> tuple:
        """Value of node nid; every ancestor's (start, midpoint, end) is in `bounds` (from the descent)."""
        if nid == 1:
            return self._root
        values = self._values
        v = values.get(nid)
        if v is not None:
            values.move_to_end(nid)
            return v
        # Walk up to the nearest kept ancestor, then come down computing the path.
        anc = nid >> 1
        while anc != 1:
            v = values.get(anc)
            if v is not None:
                values.move_to_end(anc)
                break
            anc >>= 1
        else:
            v = self._root
        top = anc.bit_length() - 1
        for k in range(nid.bit_length() - 2 - top, -1, -1):
            child = nid >> k
            pid = child >> 1
            left = 2 * pid
            lv = values.get(left)
            if lv is None:
                lv = self._left_value(pid, *bounds[pid], v[1])
                self._store(left, lv)
            if child == left:
                v = lv
            else:
                rv = self._buffer()
                self._sub(v[1], lv[1], out=rv[1])  # torchsde: right = W - left_W
                self._store(child, rv)
                v = rv
        return v

    # -- queries ---------------------------------------------------------------------------------

    def _mid(self, nid: int, s: float, e: float) -> float:
        mids = self._mids
        m = mids.get(nid)
        if m is None:
            if len(mids) >= MAX_MIDPOINTS:
                mids.clear()
            m = mids[nid] = round(0.5 * (e + s), self._nd)
        return m

    def _touch(self, nid: int) -> None:
        """Mark a node passed by a query, and its sibling, as recently used: the next queries of a
        sampler pass the same upper nodes, and a right child's left sibling is what it is derived
        from when the queries move over to that side."""
        values = self._values
        if nid in values:
            values.move_to_end(nid)
        nid ^= 1
        if nid in values:
            values.move_to_end(nid)

    def _intervals(self, ta: float, tb: float, bounds: dict[int, tuple[float, float, float]]) -> list[int]:
        """Node ids covering [ta, tb] (rounded, start <= ta < tb <= end) in time order, as torchsde's
        search finds them; records (start, midpoint, end) of every node passed on the way."""
        mid = self._mid
        touch = self._touch
        nid, s, e = 1, self._start, self._end
        while True:
            if ta == s and tb == e:
                return [nid]
            m = mid(nid, s, e)
            bounds[nid] = (s, m, e)
            touch(nid)
            if tb <= m:
                nid, e = 2 * nid, m
            elif ta >= m:
                nid, s = 2 * nid + 1, m
            else:
                break
        # [ta, tb] straddles m: [ta, m] ends the left child, [m, tb] starts the right child.
        lefts = []
        lid, ls, le = 2 * nid, s, m
        while ta != ls:
            lm = mid(lid, ls, le)
            bounds[lid] = (ls, lm, le)
            touch(lid)
            if ta >= lm:
                lid, ls = 2 * lid + 1, lm
            else:
                lefts.append(2 * lid + 1)
                lid, le = 2 * lid, lm
        lefts.append(lid)
        lefts.reverse()
        rid, rs, re = 2 * nid + 1, m, e
        while tb != re:
            rm = mid(rid, rs, re)
            bounds[rid] = (rs, rm, re)
            touch(rid)
            if tb <= rm:
                rid, re = 2 * rid, rm
            else:
                lefts.append(2 * rid)
                rid, rs = 2 * rid + 1, rm
        lefts.append(rid)
        return lefts

    def increment(self, ta, tb) -> torch.Tensor:
        """W(tb) - W(ta), with the query clamped to [t0, t1] like torchsde (without its warnings)."""
        if self._inference and not torch.is_inference_mode_enabled():
            with torch.inference_mode():
                return self._increment(ta, tb)
        return self._increment(ta, tb)

    def _increment(self, ta, tb) -> torch.Tensor:
        ta, tb = float(ta), float(tb)
        start, end = self._start, self._end
        if ta < start:
            ta = start
        if tb < start:
            tb = start
        if ta > end:
            ta = end
        if tb > end:
            tb = end
        if ta > tb:
            raise ValueError(f"Brownian tree: query times must satisfy ta <= tb, got ta={ta} and tb={tb}")
        if ta != tb:
            ta, tb = round(ta, self._nd), round(tb, self._nd)
        if ta == tb:
            return torch.zeros(self._size, dtype=self._dtype, device=self._device)
        bounds: dict[int, tuple[float, float, float]] = {}
        nodes = self._intervals(ta, tb, bounds)
        # Copy the first value before computing the next ones (which may evict it); summing in
        # place in time order gives torchsde's W = W + Wi bits.
        out = self._buffer()
        acc = out[1]
        self._copy(acc, self._value(nodes[0], bounds)[1])
        for nid in nodes[1:]:
            acc += self._value(nid, bounds)[1]
        return out[0]

    def __call__(self, ta, tb=None) -> torch.Tensor:
        if tb is None:
            return self.increment(self._start, ta) + self._w0
        return self.increment(ta, tb)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._size

    @property
    def dtype(self) -> torch.dtype:
        return self._dtype

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def cached_bytes(self) -> int:
        """Bytes held by kept node values (the root's and spare buffers excluded)."""
        return sum(t.numel() * t.element_size() for t, _ in self._values.values())


def _torch_copy(dst: torch.Tensor, src: torch.Tensor) -> None:
    dst.copy_(src)
