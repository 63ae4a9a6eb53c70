"""Exponential-integrator samplers in half-logSNR time: Euler CFG++, ER-SDE, SEEDS-2/3,
exponential Heun, and SA-Solver (stochastic Adams predictor-corrector)."""
from __future__ import annotations

import math

import torch

from .sampler_utils import (UncondCapture, get_ancestral_step, half_log_snr, model_sampling_of, noise_sampler_for,
                            sigma_from_half_log_snr, step_callback, to_d)


def ei_h_phi_1(h: torch.Tensor) -> torch.Tensor:
    """h * phi_1(h) = e^h - 1."""
    return torch.expm1(h)


def ei_h_phi_2(h: torch.Tensor) -> torch.Tensor:
    """h * phi_2(h) = (e^h - 1 - h) / h."""
    return (torch.expm1(h) - h) / h


@torch.no_grad()
def sample_euler_ancestral_cfg_pp(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                                  noise_sampler=None):
    """CFG++ (Chung et al. 2024): renoise along the uncond prediction, DDIM-style ancestral step."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    capture = UncondCapture(extra_args)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised, uncond = capture(model, x, sigmas[i] * s_in)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        alpha_s = sigmas[i] * half_log_snr(sigmas[i]).exp()
        alpha_t = sigmas[i + 1] * half_log_snr(sigmas[i + 1]).exp()
        d = to_d(x, sigmas[i], alpha_s * uncond)
        sigma_down, sigma_up = get_ancestral_step(sigmas[i] / alpha_s, sigmas[i + 1] / alpha_t, eta=eta)
        x = alpha_t * denoised + alpha_t * sigma_down * d
        if eta > 0 and s_noise > 0:
            x = x + alpha_t * noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


@torch.no_grad()
def sample_euler_cfg_pp(model, x, sigmas, extra_args=None, callback=None, disable=None):
    return sample_euler_ancestral_cfg_pp(model, x, sigmas, extra_args, callback, disable, eta=0.0, s_noise=0.0,
                                         noise_sampler=lambda a, b: 0.0)


@torch.no_grad()
def sample_er_sde(model, x, sigmas, extra_args=None, callback=None, disable=None, s_noise=1.0, noise_sampler=None,
                  noise_scaler=None, max_stage=3):
    """Extended reverse-time SDE solver, VP ER-SDE-Solver-3 (Cui et al., arXiv:2309.06169)."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    if noise_scaler is None:
        def noise_scaler(v):
            return v * ((v ** 0.3).exp() + 10.0)
    n_points = 200.0
    point_index = torch.arange(0, n_points, dtype=torch.float32, device=x.device)
    er_lambdas = half_log_snr(sigmas).neg().exp()  # sigma_t / alpha_t
    old_denoised = old_denoised_d = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        stage = min(max_stage, i + 1)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            lam_s, lam_t = er_lambdas[i], er_lambdas[i + 1]
            alpha_s, alpha_t = sigmas[i] / lam_s, sigmas[i + 1] / lam_t
            r = noise_scaler(lam_t) / noise_scaler(lam_s)
            x = (alpha_t / alpha_s) * r * x + alpha_t * (1 - r) * denoised
            if stage >= 2:
                dt = lam_t - lam_s
                step = -dt / n_points
                pos = lam_t + point_index * step
                scaled = noise_scaler(pos)
                s = torch.sum(1 / scaled) * step
                denoised_d = (denoised - old_denoised) / (lam_s - er_lambdas[i - 1])
                x = x + alpha_t * (dt + s * noise_scaler(lam_t)) * denoised_d
                if stage >= 3:
                    s_u = torch.sum((pos - lam_s) / scaled) * step
                    denoised_u = (denoised_d - old_denoised_d) / ((lam_s - er_lambdas[i - 2]) / 2)
                    x = x + alpha_t * ((dt ** 2) / 2 + s_u * noise_scaler(lam_t)) * denoised_u
                old_denoised_d = denoised_d
            if s_noise > 0:
                x = x + alpha_t * noise_sampler(sigmas[i], sigmas[i + 1]) * s_noise * \
                    (lam_t ** 2 - lam_s ** 2 * r ** 2).sqrt().nan_to_num(nan=0.0)
        old_denoised = denoised
    return x


@torch.no_grad()
def sample_seeds_2(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                   noise_sampler=None, r=0.5, solver_type="phi_1"):
    """SEEDS-2 (Gonzalez et al., arXiv:2305.14267), data prediction, two stages per step."""
    if solver_type not in ("phi_1", "phi_2"):
        raise ValueError(f"seeds_2: solver_type must be 'phi_1' or 'phi_2', got {solver_type!r}")
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    inject = eta > 0 and s_noise > 0
    fac = 1 / (2 * r)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        lambda_s, lambda_t = half_log_snr(sigmas[i]), half_log_snr(sigmas[i + 1])
        h = lambda_t - lambda_s
        h_eta = h * (eta + 1)
        lambda_s_1 = torch.lerp(lambda_s, lambda_t, r)
        sigma_s_1 = sigma_from_half_log_snr(lambda_s_1)
        alpha_s_1 = sigma_s_1 * lambda_s_1.exp()
        alpha_t = sigmas[i + 1] * lambda_t.exp()
        x_2 = sigma_s_1 / sigmas[i] * (-r * h * eta).exp() * x - alpha_s_1 * ei_h_phi_1(-r * h_eta) * denoised
        if inject:
            sde_noise = (-2 * r * h * eta).expm1().neg().sqrt() * noise_sampler(sigmas[i], sigma_s_1)
            x_2 = x_2 + sde_noise * sigma_s_1 * s_noise
        denoised_2 = model(x_2, sigma_s_1 * s_in, **extra_args)
        if solver_type == "phi_1":
            denoised_d = torch.lerp(denoised, denoised_2, fac)
            x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x - alpha_t * ei_h_phi_1(-h_eta) * denoised_d
        else:
            b2 = ei_h_phi_2(-h_eta) / r
            b1 = ei_h_phi_1(-h_eta) - b2
            x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x - alpha_t * (b1 * denoised + b2 * denoised_2)
        if inject:
            seg = (r - 1) * h * eta
            sde_noise = sde_noise * seg.exp() + seg.mul(2).expm1().neg().sqrt() * noise_sampler(sigma_s_1, sigmas[i + 1])
            x = x + sde_noise * sigmas[i + 1] * s_noise
    return x


@torch.no_grad()
def sample_exp_heun_2_x0(model, x, sigmas, extra_args=None, callback=None, disable=None, solver_type="phi_2"):
    """Deterministic exponential Heun (second order) in data prediction and logSNR time."""
    return sample_seeds_2(model, x, sigmas, extra_args, callback, disable, eta=0.0, s_noise=0.0, r=1.0,
                          solver_type=solver_type)


@torch.no_grad()
def sample_exp_heun_2_x0_sde(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                             noise_sampler=None, solver_type="phi_2"):
    """Stochastic exponential Heun."""
    return sample_seeds_2(model, x, sigmas, extra_args, callback, disable, eta=eta, s_noise=s_noise,
                          noise_sampler=noise_sampler, r=1.0, solver_type=solver_type)


@torch.no_grad()
def sample_seeds_3(model, x, sigmas, extra_args=None, callback=None, disable=None, eta=1., s_noise=1.,
                   noise_sampler=None, r_1=1. / 3, r_2=2. / 3):
    """SEEDS-3: three stages per step."""
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    inject = eta > 0 and s_noise > 0
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x, i, sigmas[i], denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        lambda_s, lambda_t = half_log_snr(sigmas[i]), half_log_snr(sigmas[i + 1])
        h = lambda_t - lambda_s
        h_eta = h * (eta + 1)
        lambda_s_1, lambda_s_2 = torch.lerp(lambda_s, lambda_t, r_1), torch.lerp(lambda_s, lambda_t, r_2)
        sigma_s_1, sigma_s_2 = sigma_from_half_log_snr(lambda_s_1), sigma_from_half_log_snr(lambda_s_2)
        alpha_s_1 = sigma_s_1 * lambda_s_1.exp()
        alpha_s_2 = sigma_s_2 * lambda_s_2.exp()
        alpha_t = sigmas[i + 1] * lambda_t.exp()
        x_2 = sigma_s_1 / sigmas[i] * (-r_1 * h * eta).exp() * x - alpha_s_1 * ei_h_phi_1(-r_1 * h_eta) * denoised
        if inject:
            sde_noise = (-2 * r_1 * h * eta).expm1().neg().sqrt() * noise_sampler(sigmas[i], sigma_s_1)
            x_2 = x_2 + sde_noise * sigma_s_1 * s_noise
        denoised_2 = model(x_2, sigma_s_1 * s_in, **extra_args)
        a3_2 = r_2 / r_1 * ei_h_phi_2(-r_2 * h_eta)
        a3_1 = ei_h_phi_1(-r_2 * h_eta) - a3_2
        x_3 = sigma_s_2 / sigmas[i] * (-r_2 * h * eta).exp() * x - alpha_s_2 * (a3_1 * denoised + a3_2 * denoised_2)
        if inject:
            seg = (r_1 - r_2) * h * eta
            sde_noise = sde_noise * seg.exp() + seg.mul(2).expm1().neg().sqrt() * noise_sampler(sigma_s_1, sigma_s_2)
            x_3 = x_3 + sde_noise * sigma_s_2 * s_noise
        denoised_3 = model(x_3, sigma_s_2 * s_in, **extra_args)
        b3 = ei_h_phi_2(-h_eta) / r_2
        b1 = ei_h_phi_1(-h_eta) - b3
        x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x - alpha_t * (b1 * denoised + b3 * denoised_3)
        if inject:
            seg = (r_2 - 1) * h * eta
            sde_noise = sde_noise * seg.exp() + seg.mul(2).expm1().neg().sqrt() * noise_sampler(sigma_s_2, sigmas[i + 1])
            x = x + sde_noise * sigmas[i + 1] * s_noise
    return x


# --- SA-Solver (Xue et al., NeurIPS 2023, arXiv:2309.05019) -------------------------------------------------

def _exponential_coeffs(s: torch.Tensor, t: torch.Tensor, order: int, tau: float) -> torch.Tensor:
    """(1+tau^2) * integral_s^t exp((1+tau^2) x) x^p dx for p < order, with exp((1+tau^2) t) factored
    out, by repeated integration by parts (a lower-triangular recursion)."""
    tau_mul = 1 + tau ** 2
    h = t - s
    p = torch.arange(order, dtype=s.dtype, device=s.device)
    product_terms = t ** p - s ** p * (-tau_mul * h).exp()
    depth = p.unsqueeze(1) - p.unsqueeze(0)
    log_fact = (p + 1).lgamma()
    coeff = log_fact.unsqueeze(1) - log_fact.unsqueeze(0)
    if tau > 0:
        coeff = coeff - depth * math.log(tau_mul)
    signs = torch.where(depth % 2 == 0, 1.0, -1.0)
    return (coeff.exp() * signs).tril() @ product_terms


def _stochastic_adams_b(sigma_next, lambdas_used, lambda_s, lambda_t, tau: float) -> torch.Tensor:
    """b_i of SA-Solver eqs. 15/18: Lagrange-basis integrals through the given lambdas."""
    n = lambdas_used.shape[0]
    integrals = _exponential_coeffs(lambda_s, lambda_t, n, tau)
    vander_t = torch.vander(lambdas_used, n, increasing=True).T
    return sigma_next * lambda_t.exp() * torch.linalg.solve(vander_t, integrals)


def _tau_interval(start_sigma: float, end_sigma: float, eta: float = 1.0):
    def tau(sigma) -> float:
        if eta <= 0:
            return 0.0
        s = float(sigma)
        return eta if start_sigma >= s >= end_sigma else 0.0
    return tau


@torch.no_grad()
def sample_sa_solver(model, x, sigmas, extra_args=None, callback=None, disable=False, tau_func=None, s_noise=1.0,
                     noise_sampler=None, predictor_order=3, corrector_order=4, use_pece=False):
    """Stochastic Adams predictor-corrector; SDE noise only while sigma is within 20%..80% of the schedule."""
    if len(sigmas) <= 1:
        return x
    extra_args = {} if extra_args is None else extra_args
    noise_sampler = noise_sampler_for(x, extra_args, noise_sampler)
    s_in = x.new_ones([x.shape[0]])
    lambdas = half_log_snr(sigmas)
    if tau_func is None:
        ms = model_sampling_of(model)
        tau_func = _tau_interval(ms.percent_to_sigma(0.2), ms.percent_to_sigma(0.8))
    max_order = max(predictor_order, corrector_order)
    x_pred = x
    h, tau_t, noise = 0.0, 0.0, 0.0
    preds: list[torch.Tensor] = []
    lower_to_end = sigmas[-1].item() == 0
    for i in range(len(sigmas) - 1):
        denoised = model(x_pred, sigmas[i] * s_in, **extra_args)
        step_callback(callback, x_pred, i, sigmas[i], denoised)
        preds.append(denoised)
        preds = preds[-max_order:]
        p_order = min(predictor_order, len(preds))
        c_order = 0 if i == 0 or (sigmas[i + 1] == 0 and not use_pece) else min(corrector_order, len(preds))
        if lower_to_end:
            p_order = min(p_order, len(sigmas) - 2 - i)
            c_order = min(c_order, len(sigmas) - 1 - i)
        if c_order == 0:
            x = x_pred
        else:
            b = _stochastic_adams_b(sigmas[i], lambdas[i - c_order + 1:i + 1], lambdas[i - 1], lambdas[i], tau_t)
            corr = torch.tensordot(torch.stack(preds[-c_order:], dim=1), b, dims=([1], [0]))
            x = sigmas[i] / sigmas[i - 1] * (-(tau_t ** 2) * h).exp() * x + corr
            if tau_t > 0 and s_noise > 0:
                x = x + noise
            if use_pece:
                denoised = model(x, sigmas[i] * s_in, **extra_args)
                preds[-1] = denoised
        if sigmas[i + 1] == 0:
            x_pred = denoised
        else:
            tau_t = tau_func(sigmas[i + 1])
            b = _stochastic_adams_b(sigmas[i + 1], lambdas[i - p_order + 1:i + 1], lambdas[i], lambdas[i + 1], tau_t)
            pred = torch.tensordot(torch.stack(preds[-p_order:], dim=1), b, dims=([1], [0]))
            h = lambdas[i + 1] - lambdas[i]
            x_pred = sigmas[i + 1] / sigmas[i] * (-(tau_t ** 2) * h).exp() * x + pred
            if tau_t > 0 and s_noise > 0:
                noise = noise_sampler(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * (-2 * tau_t ** 2 * h).expm1().neg().sqrt() * s_noise
                x_pred = x_pred + noise
    return x_pred


@torch.no_grad()
def sample_sa_solver_pece(model, x, sigmas, extra_args=None, callback=None, disable=False, tau_func=None, s_noise=1.0,
                          noise_sampler=None, predictor_order=3, corrector_order=4):
    """SA-Solver in PECE mode: the corrected state is evaluated again."""
    return sample_sa_solver(model, x, sigmas, extra_args, callback, disable, tau_func, s_noise, noise_sampler,
                            predictor_order, corrector_order, use_pece=True)
