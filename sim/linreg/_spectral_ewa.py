"""Constant step + EWA at any step count: the exponential weight average's exact risk from the spectral map.

With η_t = w_t − w* and the EWA ξ_{t+1} = τξ_t + (1 − τ)w_t from ξ_0 = w_0 (the seed paper's "constant +
EWA"), ζ_m = ξ_m − w* = τᵐη_0 + (1 − τ)Σ_{t<m} τ^{m−1−t}η_t, and per coordinate E η_tη_{t'} = q^{t'−t}s_t
(t ≤ t', q = 1 − γλ; the diagonal moments close, :mod:`._strategies`). Summing the geometric weights,

    E ζ_m² = s_0(τ^{2m} + 2(1 − τ)τ f[τ², τq]) + (1 − τ)² Σ_{t<m} s_t ((τ²)^L + 2qτ f_L[τ², τq]),  L = m − 1 − t,

f = xᵐ and f_L its L-step version (the initial term only in the bias channel, where s_0 = w*²). In the
eigenbasis of the moment map (:mod:`._spectral`) s_t is Σ_k v_k(b_k μ_kᵗ + c_k[t]_{μ_k}), and the sums over t
are divided differences of xᵐ: a decaying mode contributes f[μ, τ²] + 2qτ f[μ, τ², τq], a source
f[1, μ, τ²] + 2qτ f[1, μ, τ², τq]. So E excess(ξ_m) = Σ_g z_g Y_g costs O(d²) for any m, as the uniform
average does. The per-mode parts f[μ_k, τ²], f[1, μ_k, τ²] and per-coordinate parts f[τ², τq_g],
f[1, τ², τq_g] are computed once; a pair whose rates ν_k and ε = 1 − τq_g are apart (10%) and have moved
(m·max > 1/4) takes the difference quotients (f[μ, τ²] − f[τ², τq])/(ε − ν) and (f[1, μ, τ²] − f[1, τ², τq])/(ε − ν),
one with ν near ε but apart from τ²'s rate the quotients (f[μ, τq] − f[τ², τq])/(ε_τ² − ν) and their f[1, ·]
versions, and the rest (all three points close) :func:`batchlab.sim.linreg._divided.divided`. The recursion
(:func:`batchlab.sim.linreg.strategy_path`) stays the reference (tests/test_linreg_spectral_ewa.py).

The first step at or below a target (:func:`ewa_first_below`) is found, as the uniform average's, without
assuming the risk is monotone: from the exact state at step m (per coordinate y-scaled Ŝ = E η², Ĉ = E ηζ and
Ẑ = E ζ²), the recursions Ŝ' = δŜ + ρz_g(r + σ²), Ĉ' = τqĈ + (1 − τ)qŜ, Ẑ' = τ²Ẑ + 2τ(1 − τ)Ĉ + (1 − τ)²Ŝ
are driven over [m, m + J] by the bounds r_lo ≤ r ≤ r_hi of the last-iterate risk there (O(d), as
:func:`batchlab.sim.linreg._spectral.last_bound`). A first-order filter x' = ax + u with a ∈ [0, 1) and u ≥ u_min
stays at or above a^j x_0 + u_min[j]_a, which is monotone in j: so for q ≥ 0 (every weight nonnegative, Ĉ ≥ 0)
each coordinate's Ẑ over the whole interval is at least the smaller of that bound's two ends, with u_min from
the interval's least Ŝ and Ĉ, found the same way. For q < 0 (an oscillating direction, γλ > 1) the weights
alternate, but the poles τq < 0 ≤ τ² are well apart: with the input held at Ŝ's least value S the exact response
is A + B τ^{2j} + C (τq)^j (A = S(1 − τ)(1 + τq)/((1 + τ)(1 − τq)), C = 2(1 − τ)(Ĉ_eq − Ĉ_m)/(τ − q),
Ĉ_eq = (1 − τ)qS/(1 − τq), B = Ẑ_m − A − C), at least min over the ends of A + Bτ^{2j} less |Cτq| for j ≥ 1,
and the input's excess over S can take off at most Σ_ℓ|ω_ℓ| ≤ (1 − τ)²(|τ + q|/((τ − q)(1 − τ²)) + 2|q|/((τ − q)
(1 − |τq|))) times its spread (ω_ℓ: the weight of Ŝ at lag ℓ in Ẑ). The interval is certified above the target
where the sum of the bounds is; they are first order tight in J (held inputs are the exact response to the
inputs' least value), so the search jumps to near the crossing in a few exact evaluations.
"""

import math

import numpy as np

from batchlab.sim._numba import jit
from batchlab.sim.linreg._divided import (
    SERIES_BELOW,
    apart,
    divided,
    first,
    first_from,
    geometric,
    log_rate,
    power,
    second,
    second_from,
)
from batchlab.sim.linreg._exact import lane_sum
from batchlab.sim.linreg._spectral import SpectralMap, last_bound, rows_sum
from batchlab.sim.linreg._strategies import plain_step


@jit
def _ewa_sums(vectors, rates, z, theta, tau, bias, source, y0, m, zeta, cross):
    """(bias, variance) of E excess(ξ_m) (module docstring), O(d²).

    Per coordinate, y-scaled, Ẑ_g into ``zeta`` and Ĉ_g = E η_mζ_m into ``cross`` when they have size d (size 0
    skips them: Ĉ costs two more divided differences per pair).
    """
    d = rates.size
    states = zeta.size > 0
    e_tau = 1.0 - tau
    e2 = e_tau * (1.0 + tau)  # the rate of τ²
    e_q = e_tau + tau * theta  # the rates of τq_g
    g_pair, g_one = np.empty(d), np.empty(d)
    geo_q, pow_q, log_q = np.empty(d), np.empty(d), np.empty(d)
    for g in range(d):
        g_pair[g], g_one[g] = first(e2, e_q[g], m), second(e2, e_q[g], m)
        geo_q[g], pow_q[g], log_q[g] = geometric(e_q[g], m), power(e_q[g], m), log_rate(e_q[g])
    acc_b, acc_v = np.zeros(d), np.zeros(d)
    acc_cb, acc_cv = np.zeros(d), np.zeros(d)
    twice_q_tau = 2.0 * tau * (1.0 - theta)
    points3, points4 = np.empty(3), np.empty(4)
    points3[1], points4[0], points4[2] = e2, 0.0, e2
    for k in range(d):
        nu = rates[k]
        f_k, h_k = first(nu, e2, m), second(nu, e2, m)
        geo_k, pow_k, log_k = geometric(nu, m), power(nu, m), log_rate(nu)
        b_k, c_k = bias[k], source[k]
        for g in range(d):
            eq = e_q[g]
            paired = False
            if apart(nu, eq) and m * max(nu, eq) > SERIES_BELOW:
                inverse = 1.0 / (eq - nu)
                s3, s4 = (f_k - g_pair[g]) * inverse, (h_k - g_one[g]) * inverse
            elif apart(nu, e2) and m * max(nu, e2) > SERIES_BELOW:  # μ near τq, both apart from τ²
                pair = first_from(nu, eq, m, pow_k, pow_q[g], log_k, log_q[g])
                one = second_from(nu, eq, m, geo_k, geo_q[g], pow_k, pow_q[g], log_k, log_q[g])
                paired = True
                inverse = 1.0 / (e2 - nu)
                s3, s4 = (pair - g_pair[g]) * inverse, (one - g_one[g]) * inverse
            else:
                points3[0], points3[2] = nu, eq
                points4[1], points4[3] = nu, eq
                s3, s4 = divided(points3, m), divided(points4, m)
            v = vectors[k, g]
            acc_b[g] += v * b_k * (f_k + twice_q_tau[g] * s3)
            acc_v[g] += v * c_k * (h_k + twice_q_tau[g] * s4)
            if states:
                if not paired:
                    pair = first_from(nu, eq, m, pow_k, pow_q[g], log_k, log_q[g])
                    one = second_from(nu, eq, m, geo_k, geo_q[g], pow_k, pow_q[g], log_k, log_q[g])
                acc_cb[g] += v * b_k * pair
                acc_cv[g] += v * c_k * one
    weight = e_tau * e_tau
    start = power(e2, m)
    total_b = total_v = 0.0
    for g in range(d):
        initial = y0[g] * (start + 2.0 * e_tau * tau * g_pair[g])
        part_b, part_v = initial + weight * acc_b[g], weight * acc_v[g]
        total_b += z[g] * part_b
        total_v += z[g] * part_v
        if states:
            zeta[g] = part_b + part_v
            cross[g] = pow_q[g] * y0[g] + e_tau * (1.0 - theta[g]) * (acc_cb[g] + acc_cv[g])
    return total_b, total_v


@jit
def _interval_floor(z, theta, decay, inject_lo, inject_hi, tau, s0, c0, z0, span):
    """A lower bound of E excess(ξ) at every step of (m, m + span] from the state (Ŝ, Ĉ, Ẑ) at m (module docstring).

    ``decay`` δ_g; ``inject_lo``/``inject_hi``: ρz_g(r + σ²) at the last-iterate risk's bounds on [m, m + span].
    """
    tau2 = tau * tau
    total = 0.0
    for g in range(theta.size):
        dg = decay[g]
        reach = dg**span
        fill = geometric(1.0 - dg, span)
        s_low = min(s0[g], reach * s0[g] + inject_lo[g] * fill)  # Ŝ over [m, m + span]: monotone ends
        q = 1.0 - theta[g]
        if q >= 0.0:
            tq = tau * q
            c_low = min(c0[g], tq**span * c0[g] + (1.0 - tau) * q * s_low * geometric(1.0 - tq, span))
            u_low = 2.0 * tau * (1.0 - tau) * c_low + (1.0 - tau) ** 2 * s_low
            first_step = tau2 * z0[g] + u_low
            last_step = tau2**span * z0[g] + u_low * geometric(1.0 - tau2, span)
            total += z[g] * min(first_step, last_step)
        else:  # q < 0: the response to the least input, less the most the input's spread can take off
            s_high = max(s0[g], reach * s0[g] + inject_hi[g] * fill)
            tq, apart_ = tau * q, tau - q  # τ − q ≥ |q| > 0: the poles τq < 0 ≤ τ² are well apart
            c_eq = (1.0 - tau) * q * s_low / (1.0 - tq)
            level = s_low * (1.0 - tau) * (1.0 + tq) / ((1.0 + tau) * (1.0 - tq))
            wobble = 2.0 * (1.0 - tau) * (c_eq - c0[g]) / apart_
            slow = z0[g] - level - wobble
            gain = (1.0 - tau) ** 2 * (abs(tau + q) / (apart_ * (1.0 - tau2))
                                       + 2.0 * abs(q) / (apart_ * (1.0 - abs(tq))))
            low = min(level + slow * tau2, level + slow * tau2**span) - abs(wobble * tq) - gain * (s_high - s_low)
            total += z[g] * max(low, 0.0)
    return total * (1.0 - 1e-12)


# The fewest recursion steps run where the certificate stalls (an exact evaluation costs O(d²) plus ~0.1 ms).
_STRIDE = 1024


@jit
def _recursion_steps(lam, lw, root_weight, lr, batch, sigma2, tau, target, count, s_hat, c_hat, z_hat):
    """Up to ``count`` steps of the exact recursion (:func:`batchlab.sim.linreg._strategies.plain_step`).

    From the y-scaled state (Ŝ, Ĉ, Ẑ), updated in place; returns the number of steps to the first evaluated
    risk ≤ ``target``, else −1.
    """
    s, c, z = s_hat / root_weight, c_hat / root_weight, z_hat / root_weight
    risk_terms, eval_terms = np.empty(lam.size), np.empty(lam.size)
    risk = lane_sum(lw * s)
    found = -1
    for step in range(count):
        plain_step(s, c, z, lam, lw, lr, batch, lr * lr / batch * (risk + sigma2), tau, True, risk_terms,
                    eval_terms)
        risk = lane_sum(risk_terms)
        if lane_sum(eval_terms) <= target:
            found = step + 1
            break
    s_hat[:], c_hat[:], z_hat[:] = s * root_weight, c * root_weight, z * root_weight
    return found


def ewa_risk(spectral: SpectralMap, steps: float, tau: float) -> tuple[float, float]:
    """(bias, variance) of E excess(ξ_m) at m = ``steps`` for EWA decay ``tau`` (constant γ, β = 0), O(d²)."""
    p = spectral.problem
    y0 = np.sqrt(p.weights[spectral.order]) * p.w_star[spectral.order] ** 2
    empty = np.empty(0)
    return _ewa_sums(spectral.vectors, spectral.rates, spectral.z, spectral.theta, float(tau), spectral.bias,
                     spectral.source, y0, float(steps), empty, empty)


def ewa_first_below(spectral: SpectralMap, tau: float, target: float, max_steps: int) -> tuple[int | None, int]:
    """(first m in 1..``max_steps`` with E excess(ξ_m) ≤ ``target``, or None; exact evaluations made), certified.

    The search of the module docstring: from an exact state at m, the longest interval after it whose floor
    stays above the target (exponential search, then bisection, on its length, O(d) a try), then an exact
    evaluation just past it. Where the certificate reaches fewer than max(d, 1024) steps (near a crossing that
    the risk approaches slowly), that many steps of the exact recursion from that state cost about what one
    evaluation does (with its overhead), and the search resumes from the state they reach. Nothing assumes
    the risk is monotone.
    """
    p = spectral.problem
    order, tau = spectral.order, float(tau)
    lam, weight = p.eigenvalues[order], p.weights[order]
    root_weight = np.sqrt(weight)
    y0 = root_weight * p.w_star[order] ** 2
    decay = 1.0 - (spectral.theta * (2.0 - spectral.theta * (spectral.batch + 1.0) / spectral.batch))
    rho_z = (spectral.lr**2 / spectral.batch) * spectral.z
    sigma2 = p.sigma**2
    d = spectral.rates.size
    zeta, cross = np.empty(d), np.empty(d)
    safety = 1.0 + 1e-9  # rounding in the bounds must not certify a step that is in fact below the target
    stride = max(d, _STRIDE)  # recursion steps that cost about what one O(d²) evaluation does
    state = (y0.copy(), y0.copy(), y0.copy())  # ζ_0 = η_0: Ŝ = Ĉ = Ẑ = w*² at m = 0
    m, evaluations = 0.0, 0
    while m < max_steps:

        def certified(span, m=m, state=state):
            r_lo = last_bound(spectral.last_bias, spectral.last_source, spectral.rates, m, m + span, False)
            r_hi = last_bound(spectral.last_bias, spectral.last_source, spectral.rates, m, m + span, True)
            floor = _interval_floor(spectral.z, spectral.theta, decay, rho_z * (r_lo + sigma2),
                                    rho_z * (r_hi + sigma2), tau, *state, float(span))
            return floor > target * safety

        limit = max_steps - m  # the longest interval within reach; the floor only falls as it grows
        span = 0.0
        if certified(1.0):
            span = 1.0
            while 2.0 * span <= limit and certified(2.0 * span):
                span *= 2.0
            fail = 2.0 * span if 2.0 * span <= limit else limit + 1.0
            while fail - span > 1.0:
                middle = math.floor((span + fail) / 2.0)
                span, fail = (middle, fail) if certified(middle) else (span, middle)
        if span >= limit:
            return None, evaluations
        if span < stride:  # the exact recursion from m, past the certified steps and `stride` more
            count = int(min(span + stride, limit))
            found = _recursion_steps(lam, weight * lam, root_weight, spectral.lr, float(spectral.batch), sigma2, tau,
                                     target, count, *state)
            if found > 0:
                return int(m) + found, evaluations
            m += count
            continue
        m += span + 1.0
        bias_part, variance_part = _ewa_sums(spectral.vectors, spectral.rates, spectral.z, spectral.theta, tau,
                                             spectral.bias, spectral.source, y0, m, zeta, cross)
        evaluations += 1
        if bias_part + variance_part <= target:
            return int(m), evaluations
        powers, sums = np.empty(d), np.empty(d)
        for k in range(d):
            powers[k], sums[k] = power(spectral.rates[k], m), geometric(spectral.rates[k], m)
        state = (rows_sum(spectral.bias * powers + spectral.source * sums, spectral.vectors), cross.copy(),
                 zeta.copy())
    return None, evaluations
