"""UniPC multistep predictor-corrector (Zhao et al. 2023, arXiv:2302.04867), data prediction,
B(h) variants bh1 / bh2, run on the variance-preserving view of the sigma-space denoiser.

VP view: alpha = 1/sqrt(1+sigma^2), std = sigma*alpha, lambda = log(alpha/std); x_vp = alpha * x.
The final sigma 0 is replaced by 0.001 (the VP lambda is infinite at 0) and the result divided
by alpha(0.001), as ComfyUI does.
"""
from __future__ import annotations

import torch



def _log_alpha(sigma):
    return 0.5 * torch.log(1 / ((sigma * sigma) + 1))


def _alpha(sigma):
    return torch.exp(_log_alpha(sigma))


def _std(sigma):
    return torch.sqrt(1. - torch.exp(2. * _log_alpha(sigma)))


def _lambda(sigma):
    la = _log_alpha(sigma)
    return la - 0.5 * torch.log(1. - torch.exp(2. * la))


class _UniPC:
    """UniPC state over one sigma list: VP quantities are computed once for every step index."""

    def __init__(self, model, extra_args: dict, variant: str, ts: torch.Tensor) -> None:
        if variant not in ("bh1", "bh2"):
            raise ValueError(f"uni_pc: variant must be 'bh1' or 'bh2', got {variant!r}")
        self.model, self.extra_args, self.variant, self.ts = model, extra_args, variant, ts
        self.lam, self.std, self.alpha = _lambda(ts), _std(ts), torch.exp(_log_alpha(ts))

    def data_prediction(self, x, i: int):
        """x0 from the VP state at step i: evaluate D in sigma space, through eps as the reference does."""
        sigma = self.ts[i].expand(x.shape[0])
        s = self.ts[i]
        inp = x * ((s ** 2 + 1.0) ** 0.5)
        eps = (inp - self.model(inp, sigma, **self.extra_args)) / s
        return (x - self.std[i] * eps) / self.alpha[i]

    def update(self, x, model_prev, i_prev: list[int], i: int, order: int, use_corrector: bool):
        """Predictor (+ corrector) from step i_prev[-1] to step i using `order` past x0 estimates."""
        i0, model_prev_0 = i_prev[-1], model_prev[-1]
        lam, one = self.lam, torch.ones((), dtype=x.dtype, device=x.device)
        h = lam[i] - lam[i0]
        rks, d1s = [], []
        for k in range(1, order):
            rk = (lam[i_prev[-(k + 1)]] - lam[i0]) / h
            rks.append(rk)
            d1s.append((model_prev[-(k + 1)] - model_prev_0) / rk)
        rks = torch.stack(rks + [one])
        hh = -h
        h_phi_1 = torch.expm1(hh)
        h_phi_k = h_phi_1 / hh - 1
        b_h = hh if self.variant == "bh1" else torch.expm1(hh)
        rows, b, fact = [], [], 1
        for k in range(1, order + 1):
            rows.append(torch.pow(rks, k - 1))
            b.append(h_phi_k * fact / b_h)
            fact *= k + 1
            h_phi_k = h_phi_k / hh - 1 / fact
        R, b = torch.stack(rows), torch.stack(b)
        d1 = torch.stack(d1s, dim=1) if d1s else None
        alpha_t = self.alpha[i]
        x_t_ = (self.std[i] / self.std[i0]) * x - (alpha_t * h_phi_1) * model_prev_0
        if d1 is not None:
            rhos_p = torch.full((1,), 0.5, dtype=x.dtype) if order == 2 else torch.linalg.solve(R[:-1, :-1], b[:-1])
            pred_res = torch.tensordot(d1, rhos_p, dims=([1], [0]))
        else:
            pred_res = 0
        x_t = x_t_ - (alpha_t * b_h) * pred_res
        model_t = None
        if use_corrector:
            rhos_c = torch.full((1,), 0.5, dtype=x.dtype) if order == 1 else torch.linalg.solve(R, b)
            model_t = self.data_prediction(x_t, i)
            corr_res = torch.tensordot(d1, rhos_c[:-1], dims=([1], [0])) if d1 is not None else 0
            x_t = x_t_ - (alpha_t * b_h) * (corr_res + rhos_c[-1] * (model_t - model_prev_0))
        return x_t, model_t


@torch.no_grad()
def sample_uni_pc(model, x, sigmas, extra_args=None, callback=None, disable=None, variant="bh1"):
    """UniPC (bh1) with order min(3, steps - 1) and lower order on the final steps."""
    extra_args = {} if extra_args is None else extra_args
    ts = sigmas.clone()
    if ts[-1] == 0:
        ts[-1] = 0.001
    solver = _UniPC(model, extra_args, variant, ts)
    x = x / torch.sqrt(1.0 + ts[0] ** 2.0)
    steps = len(ts) - 1
    order = min(3, len(ts) - 2)
    model_prev: list[torch.Tensor] = []
    i_prev: list[int] = []
    for step_index in range(steps):
        if step_index == 0:
            model_prev, i_prev = [solver.data_prediction(x, 0)], [0]
        elif step_index < order:
            x, model_x = solver.update(x, model_prev, i_prev, step_index, step_index, use_corrector=True)
            if model_x is None:
                model_x = solver.data_prediction(x, step_index)
            model_prev.append(model_x)
            i_prev.append(step_index)
        else:
            last = step_index + (2 if step_index == steps - 1 else 1)
            for step in range(step_index, last):
                step_order = min(order, steps + 1 - step)
                x, model_x = solver.update(x, model_prev, i_prev, step, step_order, use_corrector=step != steps)
                for k in range(order - 1):
                    i_prev[k], model_prev[k] = i_prev[k + 1], model_prev[k + 1]
                i_prev[-1] = step
                if step < steps:
                    if model_x is None:
                        model_x = solver.data_prediction(x, step)
                    model_prev[-1] = model_x
        if callback is not None:
            callback({"x": x, "i": step_index, "sigma": sigmas[step_index], "sigma_hat": sigmas[step_index],
                      "denoised": model_prev[-1]})
    return x / solver.alpha[-1]
@torch.no_grad()
def sample_uni_pc_bh2(model, x, sigmas, extra_args=None, callback=None, disable=None):
    return sample_uni_pc(model, x, sigmas, extra_args, callback, disable, variant="bh2")
