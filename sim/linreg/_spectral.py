"""Exact expected risk of constant-step mini-batch SGD at any step count, from the spectrum of its moment map.

The diagonal second moments of η_t = w_t − w* (per coordinate of a group of ``weight`` equal
eigenvalues λ_g, see :class:`batchlab.sim.linreg.LinRegProblem`) evolve as
s' = diag(δ)s + ρλ(r + σ²), r = Σ_g m_g λ_g s_g, δ_g = (1 − γλ_g)² + ρλ_g², ρ = γ²/B. In the
coordinates y_g = √m_g s_g the map is symmetric, a rank-one update of a diagonal matrix:

    y' = (diag(δ) + ρzzᵀ) y + ρσ² z,     z_g = √m_g λ_g,     r = zᵀy.

Its eigenvalues μ_k = 1 − ν_k and orthonormal eigenvectors v_k come from the secular equation of
diag(−e) + ρzzᵀ, e = 1 − δ, solved by LAPACK's dlaed4 (the root finder of its divide-and-conquer
eigensolver) on the *rates* e, so that a rate of 1e-20 keeps its sixteen digits; the eigenvectors
are made orthogonal to working precision by Gu and Eisenstat's recomputed ẑ (as dlaed3 does).
With b_k = v_kᵀy_0 and c_k = ρσ²v_kᵀz, the bias and variance channels are

    y_t^bias = Σ_k v_k b_k μ_kᵗ,        y_t^var = Σ_k v_k c_k [t]_{μ_k},   [t]_μ = Σ_{j<t} μʲ,

(the variance written as a sum of sources, never as steady state minus transient, which would
cancel in every direction that has not moved yet), so the last-iterate risk is a sum of d terms
(the variance's all positive: ρσ²Σ_k (v_kᵀz)²[t]_{μ_k}). The average of the first m iterates has
m²E excess(w̄_m) = Σ_g z_g Σ_{t<m} y_{t,g}(1 + 2q_g[m−1−t]_{q_g}), q_g = 1 − γλ_g, which sums to
divided differences of xᵐ at (1, μ_k, q_g) and (1, 1, μ_k, q_g) (:mod:`._divided`): O(d²) for
any m, whatever m is. The recursion of :mod:`._exact` stays the reference (tests: 1e-10).
"""

import ctypes
import math
from dataclasses import dataclass

import numpy as np
from numba.extending import get_cython_function_address

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.linreg._divided import (
    SERIES_BELOW,
    apart,
    beyond_linear,
    binomials,
    geometric,
    log_rate,
    power,
    second,
    second_from,
    second_third_apart,
    series,
    third_from,
)
from batchlab.sim.linreg._problem import LinRegProblem
from batchlab.sim.results import ShortRepr

# dlaed4(n, i, d, z, delta, rho, dlam, info), every argument by address: declared as plain addresses, so that
# each call passes integers (no ctypes objects made per root).
_dlaed4 = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 8)(
    get_cython_function_address("scipy.linalg.cython_lapack", "dlaed4"))


def _secular_gaps(poles, z, rho):
    """gaps[k, j] = poles[j] − root_k for the d ≥ 3 roots of diag(poles) + ρzzᵀ (poles increasing, ‖z‖ = 1).

    One dlaed4 call per root from Python (a Numba kernel calling it could not be cached: compiling it
    cost every process seconds). ctypes releases the GIL during each call; between calls the loop holds
    it only for integer arithmetic, so that two threads building maps run side by side.
    """
    d = poles.size
    gaps = np.empty((d, d))
    poles, z = np.ascontiguousarray(poles, dtype=np.float64), np.ascontiguousarray(z, dtype=np.float64)
    ints = np.zeros(2 * d + 1, dtype=np.intc)  # [n, i = 1..d, info per root]
    ints[0], ints[1:d + 1] = d, np.arange(1, d + 1)
    doubles = np.array([rho, 0.0])  # [rho, dlam]
    size, step = ints.ctypes.data, ints.itemsize
    poles_p, z_p, rho_p, root_p = poles.ctypes.data, z.ctypes.data, doubles.ctypes.data, doubles.ctypes.data + 8
    base, row_bytes = gaps.ctypes.data, gaps.strides[0]
    for k in range(d):
        _dlaed4(size, size + (k + 1) * step, poles_p, z_p, base + k * row_bytes, rho_p, root_p,
                size + (d + 1 + k) * step)
    failed = np.flatnonzero(ints[d + 1:])
    if failed.size:
        k = int(failed[0])
        raise RuntimeError(f"LAPACK dlaed4 failed on root {k + 1} of {d} (info = {ints[d + 1 + k]})")
    return gaps


@jit
def _secular_gaps_small(poles, z, rho):
    """:func:`_secular_gaps` for d ≤ 2, where dlaed4 returns no gaps (d = 1) or an eigenvector (d = 2, dlaed5)."""
    d = poles.size
    gaps = np.empty((d, d))
    if d == 1:
        gaps[0, 0] = -rho
        return gaps
    # Root k = j + τ from its own pole j, the other pole at separation δ: τ² − (δ + ρ)τ + ρz_j²δ = 0.
    for k in range(2):
        other = 1 - k
        delta = poles[other] - poles[k]
        b = delta + rho
        c = rho * z[k] ** 2 * delta
        root = math.sqrt(b * b - 4.0 * c)
        if k == 0:  # δ > 0: the root in (0, δ), the smaller one
            tau = 2.0 * c / (b + root)
        else:  # δ < 0: the positive root
            tau = (b + root) / 2.0 if b >= 0.0 else 2.0 * c / (b - root)
        gaps[k, k] = -tau
        gaps[k, other] = delta - tau
    return gaps


@jit
def _eigenvectors(poles, gaps):
    """Rows k: unit eigenvectors from the gaps, with Gu–Eisenstat's ẑ (dlaed3), and the rates ν_k = root gaps.

    The eigenvectors overwrite ``gaps`` (returned as ``vectors``): one d×d array instead of two, half the
    memory to allocate and touch. Every loop runs along the rows (row k: root k), the order of the memory.
    """
    d = poles.size
    w = np.empty(d)
    for i in range(d):
        w[i] = gaps[i, i]
    for j in range(d):
        for i in range(d):
            if i != j:
                w[i] *= gaps[j, i] / (poles[i] - poles[j])
    zhat = np.sqrt(-w)
    vectors = gaps
    rates = np.empty(d)
    for k in range(d):
        # ν_k = e_j + (ν_k − e_j) from the nearer pole j, each known to full relative precision.
        j = k if k == d - 1 or abs(gaps[k, k]) <= abs(gaps[k, k + 1]) else k + 1
        rates[k] = -poles[j] + gaps[k, j]
        norm = 0.0
        for i in range(d):
            v = zhat[i] / gaps[k, i]
            vectors[k, i] = v
            norm += v * v
        norm = math.sqrt(norm)
        for i in range(d):
            vectors[k, i] /= norm
    return vectors, rates


@jit
def _rows_dot(vectors, a, b):
    """(vectors @ a, vectors @ b) in one pass along the rows, in a fixed order (no BLAS: see :func:`rows_sum`)."""
    d = vectors.shape[0]
    out_a, out_b = np.empty(d), np.empty(d)
    for k in range(d):
        sa = sb = 0.0
        for g in range(vectors.shape[1]):
            sa += vectors[k, g] * a[g]
            sb += vectors[k, g] * b[g]
        out_a[k], out_b[k] = sa, sb
    return out_a, out_b


@jit
def rows_sum(coeffs, vectors):
    """The product ``coeffs @ vectors`` = Σ_k coeffs_k·(row k), row by row.

    Loops rather than NumPy's matrix product: BLAS would start threads of its own inside tasks that a
    sweep already runs one per core (measured: two threads of spectral work ran at 0.78 of twice one's
    speed, 0.87 with BLAS held to one thread).
    """
    out = np.zeros(vectors.shape[1])
    for k in range(vectors.shape[0]):
        c = coeffs[k]
        for g in range(vectors.shape[1]):
            out[g] += c * vectors[k, g]
    return out


@jit
def _pair_sums(vectors, rates, z, theta, decay_b, decay_v, source_v, m, per_coordinate):
    """m²·E excess of the average of m iterates, (bias, variance); each coordinate's share into ``per_coordinate``.

    The channels are y_t = Σ_k v_k (decay_k μ_kᵗ + source_k [t]_{μ_k}) (``vectors[k, g]`` = v_k[g]):
    ``decay_b`` for the bias, ``decay_v`` and ``source_v`` for the variance. A decaying term sums to
    [m]_μ + 2q·f[1, μ, q], a source term to f[1, 1, μ] + 2q·f[1, 1, μ, q] (f = xᵐ). Each coordinate's
    share P_g = m_g λ_g E[(Σ_{t<m} η_{t,g})²] goes into ``per_coordinate[g]`` (for the certified search of
    first_below; an array of size 0 skips it). The modes k are the outer loop, so that every pass runs
    along a row of ``vectors``; each coordinate's sums still add the modes in order.
    """
    d = rates.size
    coefficients = binomials(m)
    geo_g, pow_g, sec_g, log_g = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
    one_g, two_g = np.zeros(d), np.zeros(d)  # beyond_linear parts, where n·θ ≤ SERIES_BELOW
    for g in range(d):
        th = theta[g]
        geo_g[g], pow_g[g], sec_g[g], log_g[g] = geometric(th, m), power(th, m), second(0.0, th, m), log_rate(th)
        if m * th <= SERIES_BELOW:
            one_g[g], two_g[g] = beyond_linear(th, coefficients)
    twice_q = 2.0 * (1.0 - theta)
    sum_b, sum_v = np.zeros(d), np.zeros(d)
    for k in range(d):
        nu = rates[k]
        geo_k, pow_k, sec_k, log_k = geometric(nu, m), power(nu, m), second(0.0, nu, m), log_rate(nu)
        one_k, two_k = beyond_linear(nu, coefficients) if m * nu <= SERIES_BELOW else (0.0, 0.0)
        b_k, v_k, s_k = decay_b[k], decay_v[k], source_v[k]
        for g in range(d):
            th = theta[g]
            unmoved = m * max(nu, th) <= SERIES_BELOW
            if apart(nu, th):
                if unmoved:
                    s2, s3 = second_third_apart(nu, th, one_k, one_g[g], two_k, two_g[g], coefficients, True)
                else:
                    s2, s3 = second_third_apart(nu, th, geo_k, geo_g[g], sec_k, sec_g[g], coefficients, False)
            elif unmoved:
                s2, s3 = series(nu, th, coefficients)
            else:
                s2 = second_from(nu, th, m, geo_k, geo_g[g], pow_k, pow_g[g], log_k, log_g[g])
                s3 = third_from(nu, th, m, sec_k, sec_g[g], s2)
            decaying = geo_k + twice_q[g] * s2
            v = vectors[k, g]
            sum_b[g] += v * b_k * decaying
            sum_v[g] += v * (v_k * decaying + s_k * (sec_k + twice_q[g] * s3))
    p_bias = p_var = 0.0
    for g in range(d):
        p_bias += z[g] * sum_b[g]
        p_var += z[g] * sum_v[g]
        if per_coordinate.size:
            per_coordinate[g] = z[g] * (sum_b[g] + sum_v[g])
    return p_bias, p_var


@jit
def _kept_share(theta):
    """The share of P_g(m) certainly kept at every later step when q = 1 − θ < 0: (1 + q)² = (2 − θ)².

    P_g(m) = ℓ_g([m]_q² s0 + Σ_j [m−1−j]_q² k_j), and for q < 0 and n ≥ 1, 1 + q ≤ [n]_q ≤ 1
    (the extremes at n = 2 and n = 1), so no weight falls below (1 + q)² of what it was.
    """
    return (2.0 - theta) ** 2


@jit
def _decays(rates, t):
    """(μ_kᵗ, [t]_{μ_k}) for every mode: how a decaying and a source term stand at step t."""
    powers, sums = np.empty(rates.size), np.empty(rates.size)
    for k in range(rates.size):
        powers[k], sums[k] = power(rates[k], t), geometric(rates[k], t)
    return powers, sums


@jit
def _last_terms(decay, source, rates, t):
    """Σ_k decay_k μ_kᵗ + source_k [t]_{μ_k}: the last-iterate risk of a channel (decay, source) = zᵀv_k·(b, c)."""
    total = 0.0
    for k in range(rates.size):
        total += decay[k] * power(rates[k], t) + source[k] * geometric(rates[k], t)
    return total


@jit
def last_bound(decay, source, rates, lo, hi, upper):
    """A lower (``upper``: an upper) bound of :func:`_last_terms` over t in [lo, hi]; each term is monotone (μ ≥ 0)."""
    total = 0.0
    for k in range(rates.size):
        a = decay[k] * power(rates[k], lo) + source[k] * geometric(rates[k], lo)
        b = decay[k] * power(rates[k], hi) + source[k] * geometric(rates[k], hi)
        total += max(a, b) if upper else min(a, b)
    return total


@jit
def _first_last_crossing(decay, source, rates, level, lo, hi, upper):
    """First whole t in [lo, hi] with risk ≤ level (``upper``: > level), by branch and bound; −1 if none.

    Intervals are taken leftmost first; one whose bound is on the wrong side of ``level`` is
    dropped whole, any other is split. No monotonicity of the risk in t is assumed.
    """
    stack = np.empty((256, 2))
    stack[0, 0], stack[0, 1] = lo, hi
    top = 1
    while top > 0:
        top -= 1
        a, b = stack[top, 0], stack[top, 1]
        value = _last_terms(decay, source, rates, a)
        if (value > level) if upper else (value <= level):
            return a
        if a == b:
            continue
        bound = last_bound(decay, source, rates, a + 1.0, b, upper)
        if (bound <= level) if upper else (bound > level):
            continue
        start = a + 1.0  # a itself is above (below) the level: split what remains, left half on top
        mid = math.floor((start + b) / 2.0)
        if mid < b:
            stack[top, 0], stack[top, 1] = mid + 1.0, b
            top += 1
        stack[top, 0], stack[top, 1] = start, mid
        top += 1
    return -1.0


# For q < 0: the kicks of the last _RECENT steps are bounded apart (see _growth_floor).
_RECENT = 256.0


@jit
def _squares_floor(theta, n):
    """A lower bound, within 1e-9 or Nθ relative, of Σ_{p=1}^{n} [p]_q², q = 1 − θ ∈ [0, 1)."""
    if n < 1.0:
        return 0.0
    if n * theta < 1e-3:  # [p]_q ≥ p·q^(p−1) ≥ p·qⁿ; the closed form below would cancel
        return power(theta, 2.0 * n) * n * (n + 1.0) * (2.0 * n + 1.0) / 6.0
    q = 1.0 - theta
    closed = (n - 2.0 * q * geometric(theta, n) + q * q * geometric(theta * (2.0 - theta), n)) / (theta * theta)
    return closed * (1.0 - 1e-9)  # its rounding error is below eps/(nθ)² ≤ 1e-10 relative


@jit
def _growth_floor(ell, weight, s0, rho_lam, sigma2, r_low, r_max, theta, lo, a, per_coordinate):
    """A lower bound of P(m) for every m ≥ a > lo, O(d), from each coordinate's P_g(lo).

    P_g(m) = ℓ_g([m]_q² s0_g + Σ_{j≤m−2} [m−1−j]_q² k_{j,g}), kicks k_{j,g} = ρλ_g(λ_g s_{j,g} + r_j + σ²).
    Between lo and a the kicks are ≥ ρλ_g(σ² + ``r_low``), ``r_low`` a lower bound of the last-iterate
    risk on [lo, a] (:func:`last_bound`).

    * q ≥ 0: every piece grows with m. The mean part is exact; each old kick's weight [n]_q² grows to
      [n + Δ]_q² ≥ (1 + f)[n]_q², f = 2u + u², u = q^L[Δ]_q/[L]_q (n ≤ L = lo − 1, Δ = a − lo); the new
      kicks weigh Σ_{p=1}^{Δ}[p]_q² (:func:`_squares_floor`).
    * q < 0: [n]_q oscillates, but within (1 ∓ |q|^N)/(1 + |q|) for every n ≥ N. The kicks older than N
      steps keep at least ((1 − |q|^N)/(1 + |q|^N))² of their weight; the N most recent ones carry at
      most N·k_max, k_max = ρλ_g(r_max(1 + 1/m_g) + σ²) (λ_g s_g ≤ r/m_g, ``r_max`` bounding the last-
      iterate risk over those steps), and every weight stays ≥ (1 + q)² (:func:`_kept_share`).
    """
    span = a - lo
    last = lo - 1.0
    total = 0.0
    for g in range(theta.size):
        th = theta[g]
        if th > 1.0:
            modulus = th - 1.0
            recent = _RECENT
            tail = modulus**recent
            low_w, high_w = ((1.0 - tail) / th) ** 2, ((1.0 + tail) / th) ** 2
            k_max = rho_lam[g] * (r_max * (1.0 + 1.0 / weight[g]) + sigma2)
            old = max(0.0, per_coordinate[g] / ell[g] - s0[g] - min(recent, last) * k_max) / high_w
            new = max(0.0, span - recent - 1.0) * rho_lam[g] * (sigma2 + r_low)
            mean = s0[g] * (low_w if a > recent else _kept_share(th))
            total += max(_kept_share(th) * per_coordinate[g], ell[g] * (mean + low_w * (old + new)))
            continue
        mean_lo = ell[g] * s0[g] * geometric(th, lo) ** 2
        kicks_lo = max(0.0, per_coordinate[g] - mean_lo) * (1.0 - 1e-12)
        grow = 0.0
        if last >= 1.0:
            u = power(th, last) * geometric(th, span) / geometric(th, last)
            grow = 2.0 * u + u * u
        total += (ell[g] * s0[g] * geometric(th, a) ** 2 + (1.0 + grow) * kicks_lo
                  + ell[g] * rho_lam[g] * (sigma2 + r_low) * _squares_floor(th, span))
    return total * (1.0 - 1e-12)


@jit
def _first_averaged_crossing(vectors, rates, z, theta, b, c, zb, zc, ell, weight, s0, rho_lam, sigma2, target,
                             max_steps):
    """First m in [1, max_steps] with E excess(w̄_m) ≤ target, certified; (m, evaluations), m = −1 if none.

    From an exact evaluation at m, every m' with m'²·target < :func:`_growth_floor` (a) for some
    m < a ≤ m' is certified above the target (P(m') is at least that), so the search jumps
    past them; it evaluates exactly only where the certificate runs out. Nothing assumes the
    averaged risk is monotone. ``zb``, ``zc``: the last-iterate risk's coefficients (:class:`SpectralMap`).
    """
    zeros = np.zeros(rates.size)
    shares = np.empty(rates.size)
    safety = 1.0 + 1e-9  # rounding in the sums must not certify a step that is in fact below the target
    m = 1.0
    evaluations = 0
    while m <= max_steps:
        p_b, p_v = _pair_sums(vectors, rates, z, theta, b, zeros, c, m, shares)
        evaluations += 1
        if (p_b + p_v) / (m * m) <= target:
            return m, evaluations
        r_max = last_bound(zb, zc, rates, max(0.0, m - _RECENT), m, True)
        a = m + 1.0
        for _ in range(64):  # cheap O(d) extensions of the certificate before the next exact evaluation
            r_low = last_bound(zb, zc, rates, m, a, False)  # the last-iterate risk, bounded below on [m, a]
            floor_p = _growth_floor(ell, weight, s0, rho_lam, sigma2, r_low, r_max, theta, m, a, shares)
            reach = math.floor(math.sqrt(floor_p / (target * safety)))
            while reach * reach * target * safety >= floor_p and reach > 0.0:
                reach -= 1.0
            if reach < a:
                break
            a = reach + 1.0
        m = a
    return -1.0, evaluations


@dataclass(frozen=True, eq=False)
class SpectralMap(ShortRepr):
    """The eigendecomposition of one (problem, γ, B)'s moment map, and every exact risk at any step count.

    Build with :func:`spectral_map`. Channels in the eigenbasis: ``bias[k]`` = v_kᵀy_0 and
    ``source[k]`` = ρσ²·v_kᵀz; ``rates[k]`` = ν_k = 1 − μ_k; ``vectors[k, g]`` = v_k[g] with the
    coordinates sorted by decreasing rate e_g (``order`` maps them back to the problem's).
    ``last_bias``, ``last_source``: zᵀv_k times ``bias`` and ``source``, the coefficients of the
    last-iterate risk Σ_k last_bias_k μ_kᵗ + last_source_k [t]_{μ_k}.
    ``stable``: every μ_k < 1 (γ below the mean-square stability limit).
    """

    problem: LinRegProblem
    lr: float
    batch: int
    order: np.ndarray
    theta: np.ndarray
    z: np.ndarray
    rates: np.ndarray
    vectors: np.ndarray
    bias: np.ndarray
    source: np.ndarray
    last_bias: np.ndarray
    last_source: np.ndarray

    @property
    def stable(self) -> bool:
        return bool(self.rates.min() > 0.0)

    def last(self, steps: float) -> tuple[float, float]:
        """(bias, variance) of E excess(w_t) at t = ``steps``, O(d)."""
        t, zeros = float(steps), np.zeros_like(self.rates)
        return (_last_terms(self.last_bias, zeros, self.rates, t), _last_terms(zeros, self.last_source, self.rates, t))

    def averaged(self, steps: float, start: float = 0.0) -> tuple[float, float]:
        """(bias, variance) of E excess of the average of w_start..w_{steps−1}, O(d²)."""
        m, t0 = float(steps) - float(start), float(start)
        powers, sums = _decays(self.rates, t0)
        p_b, p_v = _pair_sums(self.vectors, self.rates, self.z, self.theta, self.bias * powers, self.source * sums,
                              self.source, m, np.empty(0))
        return p_b / m**2, p_v / m**2

    def second_moments(self, steps: float) -> np.ndarray:
        """E[(w_t − w*)_i²] per coordinate of the problem (per direction of a group), at t = ``steps``."""
        powers, sums = _decays(self.rates, float(steps))
        y = rows_sum(self.bias * powers + self.source * sums, self.vectors)
        s = np.empty_like(y)
        s[self.order] = y / np.sqrt(self.problem.weights[self.order])
        return s

    def diverged_at(self, steps: int) -> int | None:
        """First t in 1..``steps`` whose last-iterate risk exceeds the problem's blow-up threshold (None if none)."""
        found = _first_last_crossing(self.last_bias, self.last_source, self.rates, self.problem.blowup_threshold,
                                     1.0, float(steps), True)
        return None if found < 0 else int(found)

    def first_below(self, target: float, max_steps: int, iterate: str = "averaged") -> tuple[int | None, int]:
        """(first step at or below ``target`` within ``max_steps``, or None; exact risk evaluations made).

        "averaged": the m-th value is the average of w_0..w_{m−1} (m ≥ 1); "last": w_t, t ≥ 0.
        """
        if iterate == "last":
            found = _first_last_crossing(self.last_bias, self.last_source, self.rates, target, 0.0,
                                         float(max_steps), False)
            return (None if found < 0 else int(found)), 0
        p = self.problem
        lam, weight = p.eigenvalues[self.order], p.weights[self.order]
        found, evaluations = _first_averaged_crossing(
            self.vectors, self.rates, self.z, self.theta, self.bias, self.source, self.last_bias, self.last_source,
            weight * lam, weight, p.w_star[self.order] ** 2, (self.lr**2 / self.batch) * lam, p.sigma**2, target,
            float(max_steps))
        return (None if found < 0 else int(found)), evaluations


def spectral_map(problem: LinRegProblem, *, lr: float, batch: int) -> SpectralMap:
    """Eigendecompose constant-step SGD's second-moment map (O(d²) time and memory).

    Raises :class:`batchlab.sim.errors.InvalidParameter` when two directions of distinct
    eigenvalue decay at exactly the same rate e (λ + λ' = 2B/(γ(B+1))): the secular equation
    then needs deflation, which is not implemented; the recursion has no such restriction.
    """
    lr = errors.real("lr", lr, gt=0)
    batch = errors.integer("batch", batch)
    errors.fits_in_memory("dim", problem.dim, 3 * 8 * problem.dim**2)
    lam, weight = problem.eigenvalues, problem.weights
    theta = lr * lam
    rate = theta * (2.0 - theta * (batch + 1.0) / batch)  # e = 1 − δ = 1 − (1 − γλ)² − γ²λ²/B
    order = np.argsort(-rate, kind="stable")
    poles = -rate[order]
    if np.any(np.diff(poles) <= 0.0):
        raise errors.InvalidParameter("lr", "a step size at which no two directions decay at the same rate "
                                            "(use the recursion)", lr)
    z = np.sqrt(weight[order]) * lam[order]
    norm = float(np.linalg.norm(z))
    rho = lr * lr / batch
    if problem.dim <= 2:
        gaps = _secular_gaps_small(poles, z / norm, rho * norm**2)
    else:
        gaps = _secular_gaps(poles, z / norm, rho * norm**2)
    vectors, rates = _eigenvectors(poles, gaps)
    y0 = np.sqrt(weight[order]) * problem.w_star[order] ** 2
    zv, bias = _rows_dot(vectors, z, y0)
    source = rho * problem.sigma**2 * zv
    return SpectralMap(problem, lr, batch, order, theta[order], z, rates, vectors, bias, source, zv * bias, zv * source)
