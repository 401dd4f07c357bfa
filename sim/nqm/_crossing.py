"""Closed-form loss of two-variable linear optimisers on the NQM, and the exact first step at a target.

Per dimension y_t = F^t y_0 + Σ_{j<t} F^{t−1−j} g ε_j with y_0 = θ_0 v, v = (1, f), so the output
e·y has the second moment

    A(t) = s_0 a_t² + N(t),   a_t = eᵀF^t v,   N(t) = σ² Σ_{j<t} (eᵀF^j g)²  (non-decreasing in t),

and N(t) = eᵀ(S − F^t S F^{tᵀ})e, where S solves S = F S Fᵀ + σ² g gᵀ (it exists unless two eigenvalues
of F multiply to 1; it is the steady state when F is stable; its factored sympy form keeps every digit
where 1 − λ² is tiny). Cayley–Hamilton gives
F^t = C_t I + U_t K with K = F − (τ/2)I and the Lucas functions of the eigenvalues λ₁, λ₂ of F,

    C_t = (λ₁^t + λ₂^t)/2,   U_t = (λ₁^t − λ₂^t)/(λ₁ − λ₂)   (t λ^{t−1} at a double root),

so a_t = α C_t + γ U_t (α = eᵀv, γ = eᵀKv) and eᵀF^t S F^{tᵀ}e is a quadratic form in (C_t, U_t).
C_t and U_t are evaluated per eigenstructure without cancellation: ρ^t cos tθ and ρ^t sin tθ/(ρ sin θ)
for complex roots; for real roots of one sign |λ₁|^{t−1}(1 − r^t)/(1 − r) with expm1 (r = λ₂/λ₁ → 1
at critical damping, where U_t → t λ^{t−1}); directly otherwise. The discriminant comes from the
optimiser in factored form (:class:`batchlab.sim.nqm.LinearSystem`). So A(t) costs O(1) per dimension at any
t, with no eigenvectors (there are none at critical damping). Its accuracy: N(t) is a difference
S − F^tSF^{tᵀ}, so its absolute error is a few ulps of the steady noise loss, not of N(t) itself.

Exact first crossing: a left-first branch and bound over [0, max_steps], as for SGD
(:mod:`batchlab.sim.nqm._exact`), with a lower bound of the loss on a step window [k₁, k₂]:

    Σ w (N(k₁) + s_0 min_{k₁≤t≤k₂} a_t²),

the minimum bounded in closed form over real t. Complex roots: a_t = ρ^t R sin(tθ + ψ), so the minimum
is 0 when the phase window contains a multiple of π and otherwise at least the smaller end's sin²
times the smaller ρ^{2t}. Real roots of one sign: a_t = (sign λ₁)^t |λ₁|^t h(t) with h affine in r^t,
hence monotone, so min |h| is 0 or at an end. Other real roots: |a_t| ≥ |A||λ₁|^t − |B||λ₂|^t.
Every window bound is at most the loss at every step of the window, so no crossing is ever pruned,
whether the loss oscillates, dips below the target and climbs back, or diverges.
"""

import math

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.nqm._exact import MAX_STEPS, _result
from batchlab.sim.nqm._linear import _OUTPUT, LinearSystem, _steps, affine_power, moment_map, system_arrays
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.targets import StepsToTarget, compiled_crossing_share

# Eigenstructure of F, per dimension.
_COMPLEX, _SAME_SIGN, _REAL, _NILPOTENT, _SINGULAR = 0, 1, 2, 3, 4
# Columns of the per-dimension parameter table: eigen parameters P1..P4 (meaning by kind, see _eigen),
# signal coefficients (√s_0 α, √s_0 γ), noise form (eᵀSe, eᵀSq, qᵀSq with q = Kᵀe), complex amplitude/phase.
_P1, _P2, _P3, _P4, _SA, _SG, _NA, _N12, _N22, _R2, _PSI = range(11)
# A window is pruned only if its bound exceeds the target by this relative margin: bound and loss are both
# rounded, so near-ties go down to single steps, where the loss itself decides.
_PRUNE_SLACK = 1e-10
_TINY = 1e-150


@jit
def _times(a, b):
    """a·b with 0·inf = 0: a zero coefficient kills an overflowing power (an unexcited unstable mode)."""
    return 0.0 if a == 0.0 else a * b


@jit
def _eigen(tau, delta, dsc, at_one, at_minus_one, row):
    """The kind of F's eigenstructure, with its parameters written into row[P1..P4]."""
    if dsc < 0.0:  # P1 = ln ρ, P2 = θ, P3 = ρ sin θ
        kind = _COMPLEX
        row[_P1] = 0.5 * math.log(delta)
        row[_P2] = math.atan2(math.sqrt(-dsc), tau)
        row[_P3] = 0.5 * math.sqrt(-dsc)
    elif 0.5 * (abs(tau) + math.sqrt(dsc)) < _TINY:
        kind = _NILPOTENT  # both |λ| < 1e-150, so F² = τF − δI vanishes to double precision
    else:
        # λ₁ is the root of larger magnitude, sign s = sign τ; λ₁ − λ₂ = s√disc. With u = 1 − sλ₁ and
        # p = p(s) (the characteristic polynomial at s), u(u + √disc) = p. Its roots are 1 − sλ₁ and
        # sλ₂ − 1, which differ by 2 − |τ|: u is the larger one, 2p/(√disc + √(disc + 4p)), if |τ| ≤ 2,
        # else the smaller. So |λ₁| = 1 − u keeps its digits next to 1 (slow dimensions, where p = x).
        root = math.sqrt(dsc)
        sign = 1.0 if tau >= 0.0 else -1.0
        value = at_one if tau >= 0.0 else at_minus_one
        big = 0.5 * (abs(tau) + root)  # |λ₁|, accurate in relative terms unless it is close to 1
        if big > 0.5:
            if abs(tau) <= 2.0:
                u = 2.0 * value / (root + math.sqrt(dsc + 4.0 * value))
            else:
                u = -0.5 * (root + math.sqrt(dsc + 4.0 * value))
            big = 1.0 - u
            row[_P1] = math.log1p(-u)  # ln|λ₁|
        else:
            row[_P1] = math.log(big)
        row[_P2] = sign
        if delta > 0.0 and root < big:  # P3 = 1 − r, P4 = ln r with r = λ₂/λ₁ ∈ (0, 1]; |λ₁| − |λ₂| = √disc
            kind = _SAME_SIGN
            row[_P3] = root / big
            row[_P4] = math.log1p(-row[_P3])
        else:  # P3 = λ₂, P4 = λ₁ − λ₂ (also when δ > 0 is so small that λ₂ underflows)
            kind = _REAL
            row[_P3] = delta / (sign * big)
            row[_P4] = sign * root
    return kind


@jit
def _prepare(F, g, noise, z0, output, trace, det, disc, at_one, at_minus_one, steady):
    """Per-dimension eigenstructure kind and parameter table of the closed form."""
    d = noise.size
    kind = np.empty(d, dtype=np.int64)
    P = np.zeros((d, 11))
    for i in range(d):
        tau = trace[i]
        kind[i] = _eigen(tau, det[i], disc[i], at_one[i], at_minus_one[i], P[i])
        half = 0.5 * tau
        k11, k12, k21, k22 = F[i, 0, 0] - half, F[i, 0, 1], F[i, 1, 0], F[i, 1, 1] - half
        follow = z0[i, 2] / z0[i, 0]
        root_s0 = math.sqrt(z0[i, 0])
        if output == 0:
            alpha, q1, q2 = 1.0, k11, k12
        else:
            alpha, q1, q2 = follow, k21, k22
        P[i, _SA] = root_s0 * alpha
        P[i, _SG] = root_s0 * (q1 + q2 * follow)
        if noise[i] > 0.0:
            s11, s22, s12 = steady[i, 0], steady[i, 1], steady[i, 2]
            if not (math.isfinite(s11) and math.isfinite(s22) and math.isfinite(s12)):
                kind[i] = _SINGULAR
                continue
            e1, e2 = (1.0, 0.0) if output == 0 else (0.0, 1.0)
            P[i, _NA] = s11 * e1 + s22 * e2
            P[i, _N12] = (s11 * e1 + s12 * e2) * q1 + (s12 * e1 + s22 * e2) * q2
            P[i, _N22] = s11 * q1 * q1 + 2.0 * s12 * q1 * q2 + s22 * q2 * q2
        if kind[i] == _COMPLEX:
            b = P[i, _SG] / P[i, _P3]
            P[i, _R2] = P[i, _SA] ** 2 + b * b
            P[i, _PSI] = math.atan2(P[i, _SA], b)
    return kind, P


@jit
def _lucas(kind, row, t):
    """(C_t, U_t) for one dimension at step t ≥ 0."""
    if kind == _COMPLEX:
        power = math.exp(t * row[_P1])
        return power * math.cos(t * row[_P2]), power * math.sin(t * row[_P2]) / row[_P3]
    if kind == _SAME_SIGN:
        if t == 0.0:
            return 1.0, 0.0
        odd = (int(t) & 1) == 1 and row[_P2] < 0.0  # sign of λ₁^t
        power = math.exp((t - 1.0) * row[_P1])  # |λ₁|^{t−1}
        rt = math.exp(t * row[_P4])
        ratio = t if row[_P3] == 0.0 else -math.expm1(t * row[_P4]) / row[_P3]
        c = power * math.exp(row[_P1]) * 0.5 * (1.0 + rt)
        u = power * ratio
        return (-c if odd else c), (u if odd or row[_P2] > 0.0 else -u)
    if kind == _REAL:
        first = math.exp(t * row[_P1])
        if row[_P2] < 0.0 and (int(t) & 1) == 1:
            first = -first
        second = math.pow(row[_P3], t)
        return 0.5 * (first + second), (first - second) / row[_P4]
    return (1.0 if t == 0.0 else 0.0), (1.0 if t == 1.0 else 0.0)  # nilpotent


@jit
def _noise_part(row, c, u):
    """N(t) = eᵀSe − eᵀF^tSF^{tᵀ}e from (C_t, U_t); +inf once the form overflows (N is a sum of squares)."""
    form = _times(row[_NA], c * c) + 2.0 * _times(row[_N12], c * u) + _times(row[_N22], u * u)
    return row[_NA] - form if math.isfinite(form) else math.inf


@jit
def _singular_moment(F, g, noise, z0, output, i, t):
    M, v = moment_map(F[i, 0, 0], F[i, 0, 1], F[i, 1, 0], F[i, 1, 1], g[i, 0], g[i, 1], noise[i])
    Mk, vk = affine_power(M, v, int(t))
    return Mk[output] @ z0[i] + vk[output]


@jit
def _loss_at(kind, P, weight, system, t):
    """Expected loss Σ w A_i(t); inf when it overflows."""
    F, g, noise, z0, output = system
    total = 0.0
    for i in range(weight.size):
        if kind[i] == _SINGULAR:
            value = _singular_moment(F, g, noise, z0, output, i, t)
        else:
            c, u = _lucas(kind[i], P[i], t)
            signal = _times(P[i, _SA], c) + _times(P[i, _SG], u)
            value = signal * signal + _noise_part(P[i], c, u)
        total += weight[i] * value
    return total if total == total else math.inf


@jit
def _same_sign_h(row, t):
    ratio = t if row[_P3] == 0.0 else -math.expm1(t * row[_P4]) / row[_P3]
    return 0.5 * row[_SA] * (1.0 + math.exp(t * row[_P4])) + row[_P2] * row[_SG] * ratio / math.exp(row[_P1])


@jit
def _signal_floor(kind, row, k1, k2):
    """A lower bound of a_t² (√s_0 included) over real t in [k1, k2]."""
    if kind == _COMPLEX:
        if row[_R2] == 0.0:
            return 0.0
        lo, hi = k1 * row[_P2] + row[_PSI], k2 * row[_P2] + row[_PSI]
        if math.floor(lo / math.pi) != math.floor(hi / math.pi):
            return 0.0
        low_sin = min(math.sin(lo) ** 2, math.sin(hi) ** 2)
        return row[_R2] * low_sin * math.exp(2.0 * min(k1 * row[_P1], k2 * row[_P1]))
    if kind == _SAME_SIGN:  # a_t = (sign λ₁)^t |λ₁|^t h(t), h(t) = ½√s_0α(1 + r^t) + sign·√s_0γ(1 − r^t)/((1 − r)|λ₁|)
        h1, h2 = _same_sign_h(row, k1), _same_sign_h(row, k2)
        if h1 * h2 <= 0.0:
            return 0.0
        smallest = min(abs(h1), abs(h2))
        return smallest * smallest * math.exp(2.0 * min(k1 * row[_P1], k2 * row[_P1]))
    if kind == _REAL:
        share = row[_SG] / row[_P4]  # a_t = Aλ₁^t + Bλ₂^t
        a, b = abs(0.5 * row[_SA] + share), abs(0.5 * row[_SA] - share)
        p1, q1 = math.exp(k1 * row[_P1]), math.exp(k2 * row[_P1])
        p2, q2 = math.pow(abs(row[_P3]), k1), math.pow(abs(row[_P3]), k2)
        floor = max(0.0, _times(a, min(p1, q1)) - _times(b, max(p2, q2)),
                    _times(b, min(p2, q2)) - _times(a, max(p1, q1)))
        return floor * floor
    return 0.0


@jit
def _window_bound(kind, P, weight, k1, k2):
    """A lower bound of the loss at every step in [k1, k2] (N non-decreasing; a_t² bounded below)."""
    total = 0.0
    for i in range(weight.size):
        if kind[i] == _SINGULAR:
            continue  # A ≥ 0
        c, u = _lucas(kind[i], P[i], k1)
        value = _noise_part(P[i], c, u) + _signal_floor(kind[i], P[i], k1, k2)
        total += weight[i] * (value if value == value else math.inf)
    return total


@jit
def _first_crossing(kind, P, weight, system, target, max_steps):
    """Smallest k in [0, max_steps] with L(k) ≤ target, or −1 (left-first branch and bound).

    The search of :func:`batchlab.sim.nqm._exact._first_crossing` over another loss and bound. One Numba driver taking
    the loss and bound as arguments would serve both, but a function argument makes every caller uncachable
    ("dynamic globals"), so each process would pay the compile time again: the loop stays written twice.
    """
    if _loss_at(kind, P, weight, system, 0.0) <= target:
        return 0
    threshold = target * (1.0 + _PRUNE_SLACK)
    lows = np.empty(256, dtype=np.int64)
    highs = np.empty(256, dtype=np.int64)
    lows[0], highs[0], top = 1, max_steps, 1
    while top > 0:
        top -= 1
        lo, hi = lows[top], highs[top]
        if lo == hi:
            if _loss_at(kind, P, weight, system, float(lo)) <= target:
                return lo
            continue
        if _window_bound(kind, P, weight, float(lo), float(hi)) > threshold:
            continue
        mid = (lo + hi) // 2
        lows[top], highs[top] = mid + 1, hi
        lows[top + 1], highs[top + 1] = lo, mid
        top += 2
    return -1


@jit
def _crossing(F, g, noise, z0, output, trace, det, disc, at_one, at_minus_one, steady, weight, target, max_steps):
    """(first k with L(k) ≤ target or −1, L(k − 1), L(k)), all in compiled code."""
    kind, P = _prepare(F, g, noise, z0, output, trace, det, disc, at_one, at_minus_one, steady)
    system = (F, g, noise, z0, output)
    k = _first_crossing(kind, P, weight, system, target, max_steps)
    if k <= 0:
        return k, 0.0, 0.0
    return k, _loss_at(kind, P, weight, system, float(k - 1)), _loss_at(kind, P, weight, system, float(k))


@jit
def _losses(F, g, noise, z0, output, trace, det, disc, at_one, at_minus_one, steady, weight, steps):
    kind, P = _prepare(F, g, noise, z0, output, trace, det, disc, at_one, at_minus_one, steady)
    system = (F, g, noise, z0, output)
    return np.array([_loss_at(kind, P, weight, system, float(k)) for k in steps])


@jit
def _grid(code, h, c, s0, weight, batch, precond, knobs, lrs, target, max_steps, flat_tol):
    """Fractional steps to ``target`` for optimiser ``code`` at every (knobs[j], lrs[j, i]), in that order.

    As :func:`batchlab.sim.tuning.minimize_on_grid` does for one hyperparameter: each search stops at
    (1 + ``flat_tol``)·(best so far), and a point above that is inf, so the argmin and every value within
    (1 + flat_tol) of it are exact; the rest only cost less. inf also where the target is never reached.
    """
    out = np.full(lrs.shape, np.inf)
    best = np.inf
    output = _OUTPUT[code]
    for j in range(knobs.size):
        for i in range(lrs.shape[1]):
            F, g, noise, z0, trace, det, disc, at_one, at_minus_one, steady = system_arrays(
                code, h, c, s0, lrs[j, i], batch, knobs[j], precond)
            cap = (1.0 + flat_tol) * best
            limit = max_steps if cap == np.inf else max(1, min(max_steps, int(math.ceil(cap)) + 1))
            k, before, after = _crossing(F, g, noise, z0, output, trace, det, disc, at_one, at_minus_one, steady,
                                         weight, target, limit)
            if k < 0:
                continue
            value = 0.0 if k == 0 else k - 1.0 + compiled_crossing_share(before, after, target)
            if value <= cap:
                out[j, i] = value
                best = min(best, value)
    return out


def grid_steps(problem: NQMProblem, optimizer_code: int, *, batch: int, precond: float, knobs, lrs, target: float,
               max_steps: int = MAX_STEPS, flat_tol: float = 0.01) -> np.ndarray:
    """:func:`_grid` on a problem: ``lrs[j]`` is the learning-rate grid at ``knobs[j]`` (searched in order)."""
    return _grid(optimizer_code, problem.h, problem.c, problem.s0, problem.weight, float(batch), float(precond),
                 np.asarray(knobs, dtype=np.float64), np.asarray(lrs, dtype=np.float64), float(target), int(max_steps),
                 float(flat_tol))


def closed_form_loss(problem: NQMProblem, system: LinearSystem, steps) -> np.ndarray:
    """Expected loss ½Σ w h E(output)² after each of ``steps`` steps, from the Lucas closed form (O(d) per step)."""
    return _losses(*system, problem.weight, _steps(steps))


def system_steps_to_target(problem: NQMProblem, system: LinearSystem, *, target: float,
                           max_steps: int = MAX_STEPS) -> StepsToTarget:
    """Exact first step k ≤ ``max_steps`` with expected loss ≤ ``target``; the loss need not be monotone.

    ``fractional`` interpolates log-linearly between steps k − 1 and k (:func:`batchlab.sim.targets.steps_to_target`).
    """
    target = errors.real("target", target, gt=0)
    max_steps = errors.integer("max_steps", max_steps)
    k, before, after = _crossing(*system, problem.weight, target, max_steps)
    return _result(int(k), before, after, target)
