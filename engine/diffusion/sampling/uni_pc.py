"""UniPC multistep predictor-corrector (Zhao et al. 2023, arXiv:2302.04867), data prediction,
B(h) variants bh1 / bh2, run on the variance-preserving view of the sigma-space denoiser.

VP view: alpha = 1/sqrt(1+sigma^2), std = sigma*alpha, lambda = log(alpha/std); x_vp = alpha * x.
The final sigma 0 is replaced by 0.001 (the VP lambda is infinite at 0) and the result divided
by alpha(0.001), as ComfyUI does.
"""
from __future__ import annotations

import torch

from .sampler_utils import append_dims


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
    def __init__(self, model, extra_args: dict, variant: str) -> None:
        if variant not in ("bh1", "bh2"):
            raise ValueError(f"uni_pc: variant must be 'bh1' or 'bh2', got {variant!r}")
        self.model, self.extra_args, self.variant = model, extra_args, variant

    def data_prediction(self, x, sigma):
        """x0 from the VP state: evaluate D in sigma space, go through eps as the reference does."""
        s = append_dims(sigma, x.ndim)
        inp = x * ((s ** 2 + 1.0) ** 0.5)
        eps = (inp - self.model(inp, sigma, **self.extra_args)) / s
        return (x - append_dims(_std(sigma), x.ndim) * eps) / append_dims(_alpha(sigma), x.ndim)

    def update(self, x, model_prev, t_prev, t, order: int, use_corrector: bool):
        t_prev_0, model_prev_0 = t_prev[-1], model_prev[-1]
        lambda_prev_0, lambda_t = _lambda(t_prev_0), _lambda(t)
        sigma_prev_0, sigma_t = _std(t_prev_0), _std(t)
        alpha_t = torch.exp(_log_alpha(t))
        h = lambda_t - lambda_prev_0
        rks, d1s = [], []
        for i in range(1, order):
            rk = ((_lambda(t_prev[-(i + 1)]) - lambda_prev_0) / h)[0]
            rks.append(rk)
            d1s.append((model_prev[-(i + 1)] - model_prev_0) / rk)
        rks.append(1.)
        rks = torch.tensor(rks, device=x.device, dtype=x.dtype)
        hh = -h[0]
        h_phi_1 = torch.expm1(hh)
        h_phi_k = h_phi_1 / hh - 1
        b_h = hh if self.variant == "bh1" else torch.expm1(hh)
        rows, b, fact = [], [], 1
        for i in range(1, order + 1):
            rows.append(torch.pow(rks, i - 1))
            b.append(h_phi_k * fact / b_h)
            fact *= i + 1
            h_phi_k = h_phi_k / hh - 1 / fact
        R = torch.stack(rows)
        b = torch.tensor(b, device=x.device, dtype=x.dtype)
        d1 = torch.stack(d1s, dim=1) if d1s else None
        nd = x.ndim
        x_t_ = append_dims(sigma_t / sigma_prev_0, nd) * x - append_dims(alpha_t * h_phi_1, nd) * model_prev_0
        if d1 is not None:
            rhos_p = torch.tensor([0.5], device=x.device, dtype=x.dtype) if order == 2 else torch.linalg.solve(R[:-1, :-1], b[:-1])
            pred_res = torch.tensordot(d1, rhos_p, dims=([1], [0]))
        else:
            pred_res = 0
        x_t = x_t_ - append_dims(alpha_t * b_h, nd) * pred_res
        model_t = None
        if use_corrector:
            rhos_c = torch.tensor([0.5], device=x.device, dtype=x.dtype) if order == 1 else torch.linalg.solve(R, b)
            model_t = self.data_prediction(x_t, t)
            corr_res = torch.tensordot(d1, rhos_c[:-1], dims=([1], [0])) if d1 is not None else 0
            x_t = x_t_ - append_dims(alpha_t * b_h, nd) * (corr_res + rhos_c[-1] * (model_t - model_prev_0))
        return x_t, model_t


@torch.no_grad()
def sample_uni_pc(model, x, sigmas, extra_args=None, callback=None, disable=None, variant="bh1"):
    """UniPC (bh1) with order min(3, steps - 1) and lower order on the final steps."""
    extra_args = {} if extra_args is None else extra_args
    ts = sigmas.clone()
    if ts[-1] == 0:
        ts[-1] = 0.001
    solver = _UniPC(model, extra_args, variant)
    x = x / torch.sqrt(1.0 + ts[0] ** 2.0)
    steps = len(ts) - 1
    order = min(3, len(ts) - 2)
    batch = x.shape[0]
    model_prev: list[torch.Tensor] = []
    t_prev: list[torch.Tensor] = []
    for step_index in range(steps):
        if step_index == 0:
            vec_t = ts[0].expand(batch)
            model_prev, t_prev = [solver.data_prediction(x, vec_t)], [vec_t]
        elif step_index < order:
            vec_t = ts[step_index].expand(batch)
            x, model_x = solver.update(x, model_prev, t_prev, vec_t, step_index, use_corrector=True)
            if model_x is None:
                model_x = solver.data_prediction(x, vec_t)
            model_prev.append(model_x)
            t_prev.append(vec_t)
        else:
            last = step_index + (2 if step_index == steps - 1 else 1)
            for step in range(step_index, last):
                vec_t = ts[step].expand(batch)
                step_order = min(order, steps + 1 - step)
                x, model_x = solver.update(x, model_prev, t_prev, vec_t, step_order, use_corrector=step != steps)
                for k in range(order - 1):
                    t_prev[k], model_prev[k] = t_prev[k + 1], model_prev[k + 1]
                t_prev[-1] = vec_t
                if step < steps:
                    if model_x is None:
                        model_x = solver.data_prediction(x, vec_t)
                    model_prev[-1] = model_x
        if callback is not None:
            callback({"x": x, "i": step_index, "sigma": sigmas[step_index], "sigma_hat": sigmas[step_index],
                      "denoised": model_prev[-1]})
    return x / _alpha(ts[-1])


@torch.no_grad()
def sample_uni_pc_bh2(model, x, sigmas, extra_args=None, callback=None, disable=None):
    return sample_uni_pc(model, x, sigmas, extra_args, callback, disable, variant="bh2")
