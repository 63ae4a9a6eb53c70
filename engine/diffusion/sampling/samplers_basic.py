"""Karras-style samplers in sigma space: Euler, Heun, DPM-2, LMS, DDPM, LCM, iPNDM, DEIS,
gradient estimation (and their ancestral / CFG++ forms)."""
from __future__ import annotations

import torch

from .sampler_utils import (UncondCapture, churn, get_ancestral_step, noise_sampler_for, step_callback,
                            to_d)


@torch.no_grad()
def sample_euler(model, x, sigmas, extra_args=None, callback=None, disable=None, s_churn=0., s_tmin=0.,
                 s_tmax=float("inf"), s_noise=1.):
    """Karras et al. (2022) Algorithm 2 with Euler steps."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        x, sigma_hat = churn(x, sigmas[i], len(sigmas), s_churn, s_tmin, s_tmax, s_noise)
        denoised = model(x, sigma_hat * s_in, **extra_args)
        d = to_d(x, sigma_hat, denoised)
        step_callback(callback, x, i, sigmas[i], denoised, sigma_hat)
        x = x + d * (sigmas[i + 1] - sigma_hat)
    return x


@torch.no_grad()
def sample_euler_ancestral(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                           noise_sampler=None):
    """Euler steps to sigma_down, then fresh noise of std sigma_up."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta=eta)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigma_down == 0:
            x = denoised
        else:
            d = to_d(x, sigmas[i], denoised)
            x = x + d * (sigma_down - sigmas[i]) + noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


@torch.no_grad()
def sample_heun(model, x, sigmas, extra_args=None, callback=None, disable=None, s_churn=0., s_tmin=0.,
                s_tmax=float("inf"), s_noise=1.):
    """Karras et al. (2022) Algorithm 2: Heun's method, Euler on the last step."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        x, sigma_hat = churn(x, sigmas[i], len(sigmas), s_churn, s_tmin, s_tmax, s_noise)
        denoised = model(x, sigma_hat * s_in, **extra_args)
        d = to_d(x, sigma_hat, denoised)
        step_callback(callback, x, i, sigmas[i], denoised, sigma_hat)
        dt = sigmas[i + 1] - sigma_hat
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x_2 = x + d * dt
            d_2 = to_d(x_2, sigmas[i + 1], model(x_2, sigmas[i + 1] * s_in, **extra_args))
            x = x + (d + d_2) / 2 * dt
    return x


@torch.no_grad()
def sample_heunpp2(model, x, sigmas, extra_args=None, callback=None, disable=None, s_churn=0., s_tmin=0.,
                   s_tmax=float("inf"), s_noise=1.):
    """Heun++: a three-point weighted derivative where two further sigmas remain."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    s_end = sigmas[-1]
    for i in range(len(sigmas) - 1):
        x, sigma_hat = churn(x, sigmas[i], len(sigmas), s_churn, s_tmin, s_tmax, s_noise)
        denoised = model(x, sigma_hat * s_in, **extra_args)
        d = to_d(x, sigma_hat, denoised)
        step_callback(callback, x, i, sigmas[i], denoised, sigma_hat)
        dt = sigmas[i + 1] - sigma_hat
        if sigmas[i + 1] == s_end:
            x = x + d * dt
            continue
        x_2 = x + d * dt
        d_2 = to_d(x_2, sigmas[i + 1], model(x_2, sigmas[i + 1] * s_in, **extra_args))
        if sigmas[i + 2] == s_end:
            w2 = sigmas[i + 1] / (2 * sigmas[0])
            x = x + (d * (1 - w2) + d_2 * w2) * dt
        else:
            x_3 = x_2 + d_2 * (sigmas[i + 2] - sigmas[i + 1])
            d_3 = to_d(x_3, sigmas[i + 2], model(x_3, sigmas[i + 2] * s_in, **extra_args))
            w = 3 * sigmas[0]
            w2, w3 = sigmas[i + 1] / w, sigmas[i + 2] / w
            x = x + ((1 - w2 - w3) * d + w2 * d_2 + w3 * d_3) * dt
    return x


@torch.no_grad()
def sample_dpm_2(model, x, sigmas, extra_args=None, callback=None, disable=None, s_churn=0., s_tmin=0.,
                 s_tmax=float("inf"), s_noise=1.):
    """DPM-Solver-2 style midpoint step at the log-midpoint sigma; Euler on the last step."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        x, sigma_hat = churn(x, sigmas[i], len(sigmas), s_churn, s_tmin, s_tmax, s_noise)
        denoised = model(x, sigma_hat * s_in, **extra_args)
        d = to_d(x, sigma_hat, denoised)
        step_callback(callback, x, i, sigmas[i], denoised, sigma_hat)
        if sigmas[i + 1] == 0:
            x = x + d * (sigmas[i + 1] - sigma_hat)
        else:
            x = _dpm_2_midpoint(model, x, d, sigma_hat, sigmas[i + 1], s_in, extra_args)
    return x


def _dpm_2_midpoint(model, x, d, sigma, sigma_to, s_in, extra_args):
    sigma_mid = sigma.log().lerp(sigma_to.log(), 0.5).exp()
    x_2 = x + d * (sigma_mid - sigma)
    d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid * s_in, **extra_args))
    return x + d_2 * (sigma_to - sigma)


@torch.no_grad()
def sample_dpm_2_ancestral(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                           noise_sampler=None):
    """dpm_2 towards sigma_down, then fresh noise of std sigma_up."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta=eta)
        step_callback(callback, x, i, sigmas[i], denoised)
        d = to_d(x, sigmas[i], denoised)
        if sigma_down == 0:
            x = x + d * (sigma_down - sigmas[i])
        else:
            x = _dpm_2_midpoint(model, x, d, sigmas[i], sigma_down, s_in, extra_args)
            x = x + noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


def linear_multistep_coeff(order: int, t, i: int, j: int) -> float:
    """Integral over [t_i, t_{i+1}] of the Lagrange basis polynomial j through t_i, t_{i-1}, ..."""
    from scipy import integrate  # scipy is only needed here and by the beta scheduler

    if order - 1 > i:
        raise ValueError(f"LMS order {order} too high for step {i}")

    def basis(tau):
        prod = 1.0
        for k in range(order):
            if k != j:
                prod *= (tau - t[i - k]) / (t[i - j] - t[i - k])
        return prod
    return integrate.quad(basis, t[i], t[i + 1], epsrel=1e-4)[0]


@torch.no_grad()
def sample_lms(model, x, sigmas, extra_args=None, callback=None, disable=None, order=4):
    """Linear multistep (Adams-Bashforth in sigma) of up to `order` past derivatives."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    sigmas_cpu = sigmas.detach().cpu().numpy()
    ds: list[torch.Tensor] = []
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        ds.append(to_d(x, sigmas[i], denoised))
        if len(ds) > order:
            ds.pop(0)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            cur = min(i + 1, order)
            coeffs = [linear_multistep_coeff(cur, sigmas_cpu, i, j) for j in range(cur)]
            x = x + sum(c * d for c, d in zip(coeffs, reversed(ds)))
    return x


def _ddpm_step(x, sigma, sigma_next, eps, noise_sampler):
    """Ancestral DDPM step on the variance-preserving x (Ho et al. 2020 eq. 11 + posterior noise)."""
    a_bar = 1 / ((sigma * sigma) + 1)
    a_bar_next = 1 / ((sigma_next * sigma_next) + 1)
    alpha = a_bar / a_bar_next
    mu = (1.0 / alpha).sqrt() * (x - (1 - alpha) * eps / (1 - a_bar).sqrt())
    if sigma_next > 0:
        mu += ((1 - alpha) * (1. - a_bar_next) / (1. - a_bar)).sqrt() * noise_sampler(sigma, sigma_next)
    return mu


@torch.no_grad()
def sample_ddpm(model, x, sigmas, extra_args=None, callback=None, disable=None, noise_sampler=None):
    """DDPM ancestral sampling, stepping in VP space (x / sqrt(1 + sigma^2))."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        x = _ddpm_step(x / torch.sqrt(1.0 + sigmas[i] ** 2.0), sigmas[i], sigmas[i + 1], (x - denoised) / sigmas[i],
                       noise_sampler)
        if sigmas[i + 1] != 0:
            x *= torch.sqrt(1.0 + sigmas[i + 1] ** 2.0)
    return x


@torch.no_grad()
def sample_lcm(model, x, sigmas, extra_args=None, callback=None, disable=None, noise_sampler=None, s_noise=1.0):
    """Latent consistency sampling: jump to the x0 estimate, re-noise to the next sigma."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        x = denoised
        if sigmas[i + 1] > 0:
            noise = noise_sampler(sigmas[i], sigmas[i + 1])
            if s_noise != 1.0:
                noise = noise * s_noise
            x = noise * sigmas[i + 1] + x
    return x


def _ipndm_coeffs_fixed(order: int) -> list[float]:
    return {1: [1.0], 2: [3 / 2, -1 / 2], 3: [23 / 12, -16 / 12, 5 / 12], 4: [55 / 24, -59 / 24, 37 / 24, -9 / 24]}[order]


@torch.no_grad()
def sample_ipndm(model, x, sigmas, extra_args=None, callback=None, disable=None, max_order=4):
    """Improved PNDM (Zhang & Chen 2023): Adams-Bashforth with fixed coefficients on past derivatives."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    buffer: list[torch.Tensor] = []
    for i in range(len(sigmas) - 1):
        t_cur, t_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, t_cur * s_in, **extra_args)
        step_callback(callback, x, i, t_cur, denoised)
        d_cur = (x - denoised) / t_cur
        order = min(max_order, i + 1)
        if t_next == 0:
            x_next = denoised
        elif order == 1:
            x_next = x + (t_next - t_cur) * d_cur
        elif order == 2:
            x_next = x + (t_next - t_cur) * (3 * d_cur - buffer[-1]) / 2
        elif order == 3:
            x_next = x + (t_next - t_cur) * (23 * d_cur - 16 * buffer[-1] + 5 * buffer[-2]) / 12
        else:
            x_next = x + (t_next - t_cur) * (55 * d_cur - 59 * buffer[-1] + 37 * buffer[-2] - 9 * buffer[-3]) / 24
        _push(buffer, d_cur, max_order - 1)
        x = x_next
    return x


def _push(buffer: list, item, size: int) -> None:
    buffer.append(item)
    if len(buffer) > size:
        buffer.pop(0)


@torch.no_grad()
def sample_ipndm_v(model, x, sigmas, extra_args=None, callback=None, disable=None, max_order=4):
    """iPNDM with variable-step Adams-Bashforth coefficients."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    t = sigmas
    buffer: list[torch.Tensor] = []
    for i in range(len(sigmas) - 1):
        t_cur, t_next = t[i], t[i + 1]
        denoised = model(x, t_cur * s_in, **extra_args)
        step_callback(callback, x, i, t_cur, denoised)
        d_cur = (x - denoised) / t_cur
        order = min(max_order, i + 1)
        h = t_next - t_cur
        if t_next == 0:
            x_next = denoised
        elif order == 1:
            x_next = x + h * d_cur
        else:
            h1 = t_cur - t[i - 1]
            if order == 2:
                c = [(2 + h / h1) / 2, -(h / h1) / 2]
            else:
                h2 = t[i - 1] - t[i - 2]
                tmp1 = (1 - h / (3 * (h + h1)) * (h * (h + h1)) / (h1 * (h1 + h2))) / 2
                if order == 3:
                    c = [(2 + h / h1) / 2 + tmp1, -(h / h1) / 2 - (1 + h1 / h2) * tmp1, tmp1 * h1 / h2]
                else:
                    h3 = t[i - 2] - t[i - 3]
                    tmp2 = ((1 - h / (3 * (h + h1))) / 2 + (1 - h / (2 * (h + h1))) * h / (6 * (h + h1 + h2))) \
                        * (h * (h + h1) * (h + h1 + h2)) / (h1 * (h1 + h2) * (h1 + h2 + h3))
                    q = h1 * (h1 + h2) / (h2 * (h2 + h3))
                    c = [(2 + h / h1) / 2 + tmp1 + tmp2,
                         -(h / h1) / 2 - (1 + h1 / h2) * tmp1 - (1 + h1 / h2 + q) * tmp2,
                         tmp1 * h1 / h2 + (h1 / h2 + q * (1 + h2 / h3)) * tmp2,
                         -tmp2 * q * h1 / h2]
            acc = c[0] * d_cur
            for k in range(1, len(c)):
                acc = acc + c[k] * buffer[-k]
            x_next = x + h * acc
        _push(buffer, d_cur, max_order - 1)
        x = x_next
    return x


def _deis_coefficients(sigmas: torch.Tensor, max_order: int, n_points: int = 10000) -> list[list[torch.Tensor]]:
    """DEIS "tab" coefficients (Zhang & Chen 2022): integrate the Lagrange basis against the VP
    exponential-integrator weight, on the VP time that EDM's sigma range (0.002..80) maps to."""
    eps_s, s_min, s_max = 1e-3, torch.tensor(0.002), torch.tensor(80.0)
    beta_d = 2 * (torch.log(s_min ** 2 + 1) / eps_s - torch.log(s_max ** 2 + 1)) / (eps_s - 1)
    beta_min = torch.log(s_max ** 2 + 1) - 0.5 * beta_d
    sig = sigmas.detach().cpu().float()
    t_steps = ((beta_min ** 2 + 2 * beta_d * (sig ** 2 + 1).log()).sqrt() - beta_min) / beta_d
    beta_0, beta_1 = beta_min, beta_d + beta_min
    out: list[list[torch.Tensor]] = []
    for i in range(len(t_steps) - 1):
        order = min(i + 1, max_order)
        if order == 1:
            out.append([])
            continue
        t_cur, t_next = t_steps[i], t_steps[i + 1]
        taus = torch.linspace(float(t_cur), float(t_next), n_points)
        dtau = (t_next - t_cur) / n_points
        alpha = torch.exp(-0.5 * taus ** 2 * (beta_1 - beta_0) - taus * beta_0)
        d_log_alpha = -taus * (beta_1 - beta_0) - beta_0
        integrand = -0.5 * d_log_alpha / torch.sqrt(alpha * (1 - alpha))
        prev_t = t_steps[[i - k for k in range(order)]]
        coeffs = []
        for j in range(order):
            poly = 1
            for k in range(order):
                if k != j:
                    poly = poly * (taus - prev_t[k]) / (prev_t[j] - prev_t[k])
            coeffs.append(torch.sum(integrand * poly) * dtau)
        out.append(coeffs)
    return out


@torch.no_grad()
def sample_deis(model, x, sigmas, extra_args=None, callback=None, disable=None, max_order=3):
    """DEIS multistep with tabulated coefficients; Euler where sigma_next is 0."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    coeffs = _deis_coefficients(sigmas, max_order)
    buffer: list[torch.Tensor] = []
    for i in range(len(sigmas) - 1):
        t_cur, t_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, t_cur * s_in, **extra_args)
        step_callback(callback, x, i, t_cur, denoised)
        d_cur = (x - denoised) / t_cur
        order = 1 if t_next <= 0 else min(max_order, i + 1)
        if order == 1:
            x_next = x + (t_next - t_cur) * d_cur
        else:
            c = coeffs[i]
            x_next = x + c[0].to(x.device) * d_cur
            for k in range(1, order):
                x_next = x_next + c[k].to(x.device) * buffer[-k]
        _push(buffer, d_cur, max_order - 1)
        x = x_next
    return x


@torch.no_grad()
def sample_gradient_estimation(model, x, sigmas, extra_args=None, callback=None, disable=None, ge_gamma=2.,
                               cfg_pp=False):
    """Euler plus a gradient-estimation correction (Permenter & Yuan, arXiv:2306.04848)."""
    extra_args = {} if extra_args is None else extra_args
    capture = UncondCapture(extra_args) if cfg_pp else None
    s_in = x.new_ones([x.shape[0]])
    old_d = None
    for i in range(len(sigmas) - 1):
        if capture is not None:
            denoised, uncond = capture(model, x, sigmas[i] * s_in)
            d = to_d(x, sigmas[i], uncond)
        else:
            denoised = model(x, sigmas[i] * s_in, **extra_args)
            d = to_d(x, sigmas[i], denoised)
        step_callback(callback, x, i, sigmas[i], denoised)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            x = denoised + d * sigmas[i + 1] if cfg_pp else x + d * dt
            if i >= 1:
                x = x + (ge_gamma - 1) * (d - old_d) * dt
        old_d = d
    return x


@torch.no_grad()
def sample_gradient_estimation_cfg_pp(model, x, sigmas, extra_args=None, callback=None, disable=None, ge_gamma=2.):
    return sample_gradient_estimation(model, x, sigmas, extra_args, callback, disable, ge_gamma=ge_gamma, cfg_pp=True)
