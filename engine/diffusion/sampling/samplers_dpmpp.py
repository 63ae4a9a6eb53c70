"""DPM-Solver family (Lu et al. 2022, 2022++) in t = -log(sigma): fast / adaptive single-step,
2S ancestral, SDE, 2M, 2M/3M SDE, and the RES multistep variants."""
from __future__ import annotations

import math

import torch

from .noise import brownian_noise_sampler
from .sampler_utils import (UncondCapture, get_ancestral_step, half_log_snr, noise_sampler_for,
                            sigma_from_half_log_snr, step_callback, to_d)


def _t(sigma):
    return sigma.log().neg()


def _sigma(t):
    return t.neg().exp()


class DPMSolver:
    """DPM-Solver-1/2/3 single steps on an eps view of the denoiser, used by dpm_fast / dpm_adaptive."""

    def __init__(self, model, extra_args=None, info_callback=None) -> None:
        self.model = model
        self.extra_args = {} if extra_args is None else extra_args
        self.info_callback = info_callback

    def eps(self, cache: dict, key: str, x, t):
        if key in cache:
            return cache[key], cache
        sigma = _sigma(t) * x.new_ones([x.shape[0]])
        eps = (x - self.model(x, sigma, **self.extra_args)) / _sigma(t)
        return eps, {key: eps, **cache}

    def step_1(self, x, t, t_next, cache):
        h = t_next - t
        eps, cache = self.eps(cache, "eps", x, t)
        return x - _sigma(t_next) * h.expm1() * eps, cache

    def step_2(self, x, t, t_next, cache, r1=1 / 2):
        h = t_next - t
        eps, cache = self.eps(cache, "eps", x, t)
        s1 = t + r1 * h
        u1 = x - _sigma(s1) * (r1 * h).expm1() * eps
        eps_r1, cache = self.eps(cache, "eps_r1", u1, s1)
        x_2 = x - _sigma(t_next) * h.expm1() * eps - _sigma(t_next) / (2 * r1) * h.expm1() * (eps_r1 - eps)
        return x_2, cache

    def step_3(self, x, t, t_next, cache, r1=1 / 3, r2=2 / 3):
        h = t_next - t
        eps, cache = self.eps(cache, "eps", x, t)
        s1, s2 = t + r1 * h, t + r2 * h
        u1 = x - _sigma(s1) * (r1 * h).expm1() * eps
        eps_r1, cache = self.eps(cache, "eps_r1", u1, s1)
        u2 = x - _sigma(s2) * (r2 * h).expm1() * eps - _sigma(s2) * (r2 / r1) * ((r2 * h).expm1() / (r2 * h) - 1) * (eps_r1 - eps)
        eps_r2, cache = self.eps(cache, "eps_r2", u2, s2)
        x_3 = x - _sigma(t_next) * h.expm1() * eps - _sigma(t_next) / r2 * (h.expm1() / h - 1) * (eps_r2 - eps)
        return x_3, cache

    def _info(self, **info) -> None:
        if self.info_callback is not None:
            self.info_callback(info)

    def fast(self, x, t_start, t_end, nfe: int):
        m = math.floor(nfe / 3) + 1
        ts = torch.linspace(float(t_start), float(t_end), m + 1, device=x.device)
        orders = [3] * (m - 2) + [2, 1] if nfe % 3 == 0 else [3] * (m - 1) + [nfe % 3]
        for i, order in enumerate(orders):
            cache: dict = {}
            t, t_next = ts[i], ts[i + 1]
            eps, cache = self.eps(cache, "eps", x, t)
            self._info(x=x, i=i, t=t, t_up=t, denoised=x - _sigma(t) * eps)
            step = {1: self.step_1, 2: self.step_2, 3: self.step_3}[order]
            x, cache = step(x, t, t_next, cache)
        return x

    def adaptive(self, x, t_start, t_end, order=3, rtol=0.05, atol=0.0078, h_init=0.05, pcoeff=0., icoeff=1.,
                 dcoeff=0., accept_safety=0.81):
        if order not in (2, 3):
            raise ValueError(f"dpm_adaptive: order must be 2 or 3, got {order}")
        forward = t_end > t_start
        h_init = abs(h_init) * (1 if forward else -1)
        atol, rtol = torch.tensor(atol), torch.tensor(rtol)
        s, x_prev = t_start, x
        pid = _PIDStepSizeController(h_init, pcoeff, icoeff, dcoeff, order, accept_safety)
        steps = 0
        while (s < t_end - 1e-5) if forward else (s > t_end + 1e-5):
            cache: dict = {}
            t = torch.minimum(t_end, s + pid.h) if forward else torch.maximum(t_end, s + pid.h)
            eps, cache = self.eps(cache, "eps", x, s)
            denoised = x - _sigma(s) * eps
            if order == 2:
                x_low, cache = self.step_1(x, s, t, cache)
                x_high, cache = self.step_2(x, s, t, cache)
            else:
                x_low, cache = self.step_2(x, s, t, cache, r1=1 / 3)
                x_high, cache = self.step_3(x, s, t, cache)
            delta = torch.maximum(atol, rtol * torch.maximum(x_low.abs(), x_prev.abs()))
            error = torch.linalg.norm((x_low - x_high) / delta) / x.numel() ** 0.5
            if pid.propose_step(error):
                x_prev, x, s = x_low, x_high, t
            steps += 1
            self._info(x=x, i=steps - 1, t=s, t_up=s, denoised=denoised)
        return x


class _PIDStepSizeController:
    """PID control of the step size h for dpm_adaptive (Söderlind's digital filters)."""

    def __init__(self, h, pcoeff, icoeff, dcoeff, order=1, accept_safety=0.81, eps=1e-8):
        self.h = h
        self.b1 = (pcoeff + icoeff + dcoeff) / order
        self.b2 = -(pcoeff + 2 * dcoeff) / order
        self.b3 = dcoeff / order
        self.accept_safety = accept_safety
        self.eps = eps
        self.errs: list[float] = []

    def propose_step(self, error) -> bool:
        inv_error = 1 / (float(error) + self.eps)
        if not self.errs:
            self.errs = [inv_error, inv_error, inv_error]
        self.errs[0] = inv_error
        factor = self.errs[0] ** self.b1 * self.errs[1] ** self.b2 * self.errs[2] ** self.b3
        factor = 1 + math.atan(factor - 1)
        accept = factor >= self.accept_safety
        if accept:
            self.errs[2], self.errs[1] = self.errs[1], self.errs[0]
        self.h *= factor
        return accept


def _end_sigmas(sigmas):
    sigma_min = sigmas[-1]
    if sigma_min == 0:
        sigma_min = sigmas[-2]
    return sigma_min, sigmas[0]


def _dpm_info_callback(callback):
    if callback is None:
        return None
    return lambda info: callback({"sigma": _sigma(info["t"]), "sigma_hat": _sigma(info["t_up"]), **info})


@torch.no_grad()
def sample_dpm_fast(model, x, sigmas, extra_args=None, callback=None, disable=None):
    """DPM-Solver-fast from sigmas[0] to the last nonzero sigma with exactly len(sigmas)-1 evaluations."""
    if len(sigmas) <= 1:
        return x
    sigma_min, sigma_max = _end_sigmas(sigmas)
    if sigma_min <= 0 or sigma_max <= 0:
        raise ValueError("dpm_fast: sigma_min and sigma_max must not be 0")
    solver = DPMSolver(model, extra_args, _dpm_info_callback(callback))
    return solver.fast(x, _t(sigma_max.clone()), _t(sigma_min.clone()), len(sigmas) - 1)


@torch.no_grad()
def sample_dpm_adaptive(model, x, sigmas, extra_args=None, callback=None, disable=None, order=3, rtol=0.05,
                        atol=0.0078, h_init=0.05, pcoeff=0., icoeff=1., dcoeff=0., accept_safety=0.81):
    """DPM-Solver-23 with adaptive step size; only the end points of sigmas are used."""
    if len(sigmas) <= 1:
        return x
    sigma_min, sigma_max = _end_sigmas(sigmas)
    if sigma_min <= 0 or sigma_max <= 0:
        raise ValueError("dpm_adaptive: sigma_min and sigma_max must not be 0")
    solver = DPMSolver(model, extra_args, _dpm_info_callback(callback))
    return solver.adaptive(x, _t(sigma_max.clone()), _t(sigma_min.clone()), order, rtol, atol, h_init, pcoeff,
                           icoeff, dcoeff, accept_safety)


@torch.no_grad()
def sample_dpmpp_2s_ancestral(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                              noise_sampler=None):
    """DPM-Solver++(2S) towards sigma_down, then ancestral noise."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta=eta)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigma_down == 0:
            x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i])
        else:
            t, t_next = _t(sigmas[i]), _t(sigma_down)
            h = t_next - t
            s = t + h / 2
            x_2 = (_sigma(s) / _sigma(t)) * x - (-h * 0.5).expm1() * denoised
            denoised_2 = model(x_2, _sigma(s) * s_in, **extra_args)
            x = (_sigma(t_next) / _sigma(t)) * x - (-h).expm1() * denoised_2
        if sigmas[i + 1] > 0:
            x = x + noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


@torch.no_grad()
def sample_dpmpp_2s_ancestral_cfg_pp(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1.,
                                     s_noise=1., noise_sampler=None):
    """CFG++ 2S ancestral: the state is shifted by (denoised - uncond) before each solver move.

    As in ComfyUI 0.8, the shift of the final move uses the uncond of the *midpoint* evaluation
    against the denoised of the step start, so it does not reduce to dpmpp_2s_ancestral at cfg 1.
    """
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    capture = UncondCapture(extra_args)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised, uncond = capture(model, x, sigmas[i] * s_in)
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta=eta)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigma_down == 0:
            x = denoised + to_d(x, sigmas[i], uncond) * sigma_down
        else:
            t, t_next = _t(sigmas[i]), _t(sigma_down)
            h = t_next - t
            s = t + h / 2
            x_2 = (_sigma(s) / _sigma(t)) * (x + (denoised - uncond)) - (-h * 0.5).expm1() * denoised
            denoised_2, uncond_2 = capture(model, x_2, _sigma(s) * s_in)
            x = (_sigma(t_next) / _sigma(t)) * (x + (denoised - uncond_2)) - (-h).expm1() * denoised_2
        if sigmas[i + 1] > 0:
            x = x + noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


@torch.no_grad()
def sample_dpmpp_sde(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                     noise_sampler=None, r=1 / 2, cpu_tree=True):
    """DPM-Solver++ (stochastic), two evaluations per step, Brownian-tree noise."""
    if len(sigmas) <= 1:
        return x
    extra_args = {} if extra_args is None else extra_args
    if noise_sampler is None:
        noise_sampler = brownian_noise_sampler(x, sigmas, extra_args.get("seed"), cpu=cpu_tree)
    s_in = x.new_ones([x.shape[0]])
    fac = 1 / (2 * r)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        lambda_s, lambda_t = half_log_snr(sigmas[i]), half_log_snr(sigmas[i + 1])
        h = lambda_t - lambda_s
        lambda_s_1 = lambda_s + r * h
        sigma_s_1 = sigma_from_half_log_snr(lambda_s_1)
        alpha_s = sigmas[i] * lambda_s.exp()
        alpha_s_1 = sigma_s_1 * lambda_s_1.exp()
        alpha_t = sigmas[i + 1] * lambda_t.exp()
        sd, su = get_ancestral_step(lambda_s.neg().exp(), lambda_s_1.neg().exp(), eta)
        h_ = sd.log().neg() - lambda_s
        x_2 = (alpha_s_1 / alpha_s) * (-h_).exp() * x - alpha_s_1 * (-h_).expm1() * denoised
        if eta > 0 and s_noise > 0:
            x_2 = x_2 + alpha_s_1 * noise_sampler(sigmas[i], sigma_s_1) * s_noise * su
        denoised_2 = model(x_2, sigma_s_1 * s_in, **extra_args)
        sd, su = get_ancestral_step(lambda_s.neg().exp(), lambda_t.neg().exp(), eta)
        h_ = sd.log().neg() - lambda_s
        denoised_d = (1 - fac) * denoised + fac * denoised_2
        x = (alpha_t / alpha_s) * (-h_).exp() * x - alpha_t * (-h_).expm1() * denoised_d
        if eta > 0 and s_noise > 0:
            x = x + alpha_t * noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * su
    return x


@torch.no_grad()
def sample_dpmpp_sde_gpu(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                         noise_sampler=None, r=1 / 2):
    return sample_dpmpp_sde(model, x, sigmas, extra_args, callback, disable, eta, s_noise, noise_sampler, r,
                            cpu_tree=False)


@torch.no_grad()
def sample_dpmpp_2m(model, x, sigmas, extra_args=None, callback=None, disable=None):
    """DPM-Solver++(2M): second-order multistep on the data prediction."""
    extra_args = {} if extra_args is None else extra_args
    s_in = x.new_ones([x.shape[0]])
    old_denoised = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        t, t_next = _t(sigmas[i]), _t(sigmas[i + 1])
        h = t_next - t
        if old_denoised is None or sigmas[i + 1] == 0:
            x = (_sigma(t_next) / _sigma(t)) * x - (-h).expm1() * denoised
        else:
            r = (t - _t(sigmas[i - 1])) / h
            denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
            x = (_sigma(t_next) / _sigma(t)) * x - (-h).expm1() * denoised_d
        old_denoised = denoised
    return x


@torch.no_grad()
def sample_dpmpp_2m_cfg_pp(model, x, sigmas, extra_args=None, callback=None, disable=None):
    """CFG++ DPM-Solver++(2M): the x-term is renoised along the uncond prediction."""
    extra_args = {} if extra_args is None else extra_args
    capture = UncondCapture(extra_args)
    s_in = x.new_ones([x.shape[0]])
    old_uncond = None
    for i in range(len(sigmas) - 1):
        denoised, uncond = capture(model, x, sigmas[i] * s_in)
        step_callback(callback, x, i, sigmas[i], denoised)
        t, t_next = _t(sigmas[i]), _t(sigmas[i + 1])
        h = t_next - t
        if old_uncond is None or sigmas[i + 1] == 0:
            mix = -torch.exp(-h) * uncond
        else:
            r = (t - _t(sigmas[i - 1])) / h
            mix = -torch.exp(-h) * uncond - torch.expm1(-h) * (1 / (2 * r)) * (denoised - old_uncond)
        x = denoised + mix + torch.exp(-h) * x
        old_uncond = uncond
    return x


def _sde_noise(x, noise_sampler, sigma, sigma_next, h, eta, s_noise):
    return x + noise_sampler(sigma, sigma_next) * sigma_next * (-2 * h * eta).expm1().neg().sqrt() * s_noise


@torch.no_grad()
def sample_dpmpp_2m_sde(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                        noise_sampler=None, solver_type="midpoint", cpu_tree=True):
    """DPM-Solver++(2M) SDE with a midpoint or Heun second-order correction."""
    if len(sigmas) <= 1:
        return x
    if solver_type not in ("heun", "midpoint"):
        raise ValueError(f"dpmpp_2m_sde: solver_type must be 'heun' or 'midpoint', got {solver_type!r}")
    extra_args = {} if extra_args is None else extra_args
    if noise_sampler is None:
        noise_sampler = brownian_noise_sampler(x, sigmas, extra_args.get("seed"), cpu=cpu_tree)
    s_in = x.new_ones([x.shape[0]])
    old_denoised, h, h_last = None, None, None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            lambda_s, lambda_t = half_log_snr(sigmas[i]), half_log_snr(sigmas[i + 1])
            h = lambda_t - lambda_s
            h_eta = h * (eta + 1)
            alpha_t = sigmas[i + 1] * lambda_t.exp()
            x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x + alpha_t * (-h_eta).expm1().neg() * denoised
            if old_denoised is not None:
                r = h_last / h
                if solver_type == "heun":
                    x = x + alpha_t * ((-h_eta).expm1().neg() / (-h_eta) + 1) * (1 / r) * (denoised - old_denoised)
                else:
                    x = x + 0.5 * alpha_t * (-h_eta).expm1().neg() * (1 / r) * (denoised - old_denoised)
            if eta > 0 and s_noise > 0:
                x = _sde_noise(x, noise_sampler, sigmas[i], sigmas[i + 1], h, eta, s_noise)
        old_denoised = denoised
        h_last = h
    return x


@torch.no_grad()
def sample_dpmpp_2m_sde_gpu(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                            noise_sampler=None, solver_type="midpoint"):
    return sample_dpmpp_2m_sde(model, x, sigmas, extra_args, callback, disable, eta, s_noise, noise_sampler,
                               solver_type, cpu_tree=False)


@torch.no_grad()
def sample_dpmpp_2m_sde_heun(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                             noise_sampler=None):
    return sample_dpmpp_2m_sde(model, x, sigmas, extra_args, callback, disable, eta, s_noise, noise_sampler, "heun")


@torch.no_grad()
def sample_dpmpp_2m_sde_heun_gpu(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                                 noise_sampler=None):
    return sample_dpmpp_2m_sde(model, x, sigmas, extra_args, callback, disable, eta, s_noise, noise_sampler, "heun",
                               cpu_tree=False)


@torch.no_grad()
def sample_dpmpp_3m_sde(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                        noise_sampler=None, cpu_tree=True):
    """DPM-Solver++(3M) SDE."""
    if len(sigmas) <= 1:
        return x
    extra_args = {} if extra_args is None else extra_args
    if noise_sampler is None:
        noise_sampler = brownian_noise_sampler(x, sigmas, extra_args.get("seed"), cpu=cpu_tree)
    s_in = x.new_ones([x.shape[0]])
    denoised_1 = denoised_2 = None
    h = h_1 = h_2 = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            lambda_s, lambda_t = half_log_snr(sigmas[i]), half_log_snr(sigmas[i + 1])
            h = lambda_t - lambda_s
            h_eta = h * (eta + 1)
            alpha_t = sigmas[i + 1] * lambda_t.exp()
            x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x + alpha_t * (-h_eta).expm1().neg() * denoised
            if h_2 is not None:
                r0, r1 = h_1 / h, h_2 / h
                d1_0 = (denoised - denoised_1) / r0
                d1_1 = (denoised_1 - denoised_2) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi_2 = h_eta.neg().expm1() / h_eta + 1
                phi_3 = phi_2 / h_eta - 0.5
                x = x + (alpha_t * phi_2) * d1 - (alpha_t * phi_3) * d2
            elif h_1 is not None:
                d = (denoised - denoised_1) / (h_1 / h)
                phi_2 = h_eta.neg().expm1() / h_eta + 1
                x = x + (alpha_t * phi_2) * d
            if eta > 0 and s_noise > 0:
                x = _sde_noise(x, noise_sampler, sigmas[i], sigmas[i + 1], h, eta, s_noise)
        denoised_1, denoised_2 = denoised, denoised_1
        h_1, h_2 = h, h_1
    return x


@torch.no_grad()
def sample_dpmpp_3m_sde_gpu(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                            noise_sampler=None):
    return sample_dpmpp_3m_sde(model, x, sigmas, extra_args, callback, disable, eta, s_noise, noise_sampler,
                               cpu_tree=False)


def _res_multistep(model, x, sigmas, extra_args, callback, s_noise, noise_sampler, eta, cfg_pp):
    """RES second-order multistep (Zhang et al., arXiv:2308.02157), optionally ancestral and/or CFG++."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    capture = UncondCapture(extra_args) if cfg_pp else None
    s_in = x.new_ones([x.shape[0]])
    phi1 = lambda t: torch.expm1(t) / t  # noqa: E731
    phi2 = lambda t: (phi1(t) - 1.0) / t  # noqa: E731
    old_sigma_down = old_denoised = None
    for i in range(len(sigmas) - 1):
        if capture is not None:
            denoised, uncond = capture(model, x, sigmas[i] * s_in)
        else:
            denoised = model(x, sigmas[i] * s_in, **extra_args)
            uncond = None
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta=eta)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigma_down == 0 or old_denoised is None:
            if cfg_pp:
                x = denoised + to_d(x, sigmas[i], uncond) * sigma_down
            else:
                x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i])
        else:
            t, t_old, t_next, t_prev = _t(sigmas[i]), _t(old_sigma_down), _t(sigma_down), _t(sigmas[i - 1])
            h = t_next - t
            c2 = (t_prev - t_old) / h
            p1, p2 = phi1(-h), phi2(-h)
            b1 = torch.nan_to_num(p1 - p2 / c2, nan=0.0)
            b2 = torch.nan_to_num(p2 / c2, nan=0.0)
            if cfg_pp:
                x = x + (denoised - uncond)
                x = _sigma(h) * x + h * (b1 * uncond + b2 * old_denoised)
            else:
                x = _sigma(h) * x + h * (b1 * denoised + b2 * old_denoised)
        if sigmas[i + 1] > 0 and sigma_up:
            x = x + noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
        old_denoised = uncond if cfg_pp else denoised
        old_sigma_down = sigma_down
    return x


@torch.no_grad()
def sample_res_multistep(model, x, sigmas, extra_args=None, callback=None, disable=None, s_noise=1., noise_sampler=None):
    return _res_multistep(model, x, sigmas, extra_args, callback, s_noise, noise_sampler, eta=0., cfg_pp=False)


@torch.no_grad()
def sample_res_multistep_cfg_pp(model, x, sigmas, extra_args=None, callback=None, disable=None, s_noise=1.,
                                noise_sampler=None):
    return _res_multistep(model, x, sigmas, extra_args, callback, s_noise, noise_sampler, eta=0., cfg_pp=True)


@torch.no_grad()
def sample_res_multistep_ancestral(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                                   noise_sampler=None):
    return _res_multistep(model, x, sigmas, extra_args, callback, s_noise, noise_sampler, eta=eta, cfg_pp=False)


@torch.no_grad()
def sample_res_multistep_ancestral_cfg_pp(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1.,
                                          s_noise=1., noise_sampler=None):
    return _res_multistep(model, x, sigmas, extra_args, callback, s_noise, noise_sampler, eta=eta, cfg_pp=True)
