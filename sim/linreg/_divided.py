"""Divided differences of f(x) = xⁿ at points near 1, accurate to rounding, for any n up to 2^53.

Every point is given by its rate ε = 1 − x (ε ∈ [0, 2], so x ∈ [−1, 1]): constant-step SGD's
decay factors are 1 − γλ_i and 1 − ν_k, and the rates of the slow directions are far smaller
than the rounding error of 1 − ε. Written in rates, with log1p/expm1 and a power series where
all the points lie within 1/(4n) of 1, nothing cancels catastrophically:

    power(ε, n)        = xⁿ
    geometric(ε, n)    = f[1, x]          = Σ_{t<n} xᵗ = (1 − xⁿ)/ε
    first(εa, εb, n)   = f[xa, xb]        = Σ_{t<n} xaᵗ xb^{n−1−t}
    second(εa, εb, n)  = f[1, xa, xb]     = Σ_{i+j+k=n−2} xaʲ xbᵏ
    third(εa, εb, n)   = f[1, 1, xa, xb]  = Σ_{i+j+k+l=n−3} xaᵏ xbˡ
    divided(ε, n)      = f[x_0, .., x_k] at any k + 1 ≤ 4 points (the EWA's sums, :mod:`._spectral_ewa`)

The recursive formula f[x0..xk] = (f[x0..x_{k−1}] − f[x1..xk])/(x0 − xk) is applied with x0 = 1
and xk the point farthest from 1, which loses at most a digit or two once n·ε_far > 1/4; below that
the power series of :func:`series` converges to rounding in 14 terms. Where the two rates are
:func:`apart`, f[1, xa, xb] and f[1, 1, xa, xb] are also difference quotients of one-point sums
(:func:`second_third_apart`): one division and no powers, the fast path of the O(d²) sums.
tests/test_linreg_spectral.py holds every function against 90-digit mpmath.
"""

import math

import numpy as np

from batchlab.sim._numba import jit

# At or below this value of n·max(ε) the divided differences are summed as a power series.
SERIES_BELOW = 0.25
# Rates whose difference is at least this share of the larger are "apart" (see second_third_apart).
APART = 0.1
_SERIES_TERMS = 14
_SERIES_STOP = 2.0**-54


@jit
def power(eps, n):
    """(1 − ε)ⁿ for ε in [0, 2] and a whole number n ≥ 0 (given as a float)."""
    if n == 0.0:
        return 1.0
    if eps < 1.0:
        return math.exp(n * math.log1p(-eps))
    if eps == 1.0:
        return 0.0
    magnitude = math.exp(n * math.log(eps - 1.0))
    return -magnitude if n % 2.0 == 1.0 else magnitude


@jit
def geometric(eps, n):
    """Σ_{t<n} (1 − ε)ᵗ."""
    if eps == 0.0:
        return n
    if eps < 1.0:
        return -math.expm1(n * math.log1p(-eps)) / eps
    return (1.0 - power(eps, n)) / eps


@jit
def log_rate(eps):
    """log|1 − ε| (−inf at ε = 1), the exponent rate of :func:`power`."""
    return math.log1p(-eps) if eps < 1.0 else math.log(eps - 1.0) if eps > 1.0 else -math.inf


@jit
def first(ea, eb, n):
    """f[xa, xb] = (xaⁿ − xbⁿ)/(xa − xb), xa = 1 − εa, xb = 1 − εb (n·xaⁿ⁻¹ when they coincide)."""
    return first_from(ea, eb, n, power(ea, n), power(eb, n), log_rate(ea), log_rate(eb))


@jit
def first_from(ea, eb, n, pa, pb, la, lb):
    """:func:`first` given pa = xaⁿ, pb = xbⁿ and la, lb = :func:`log_rate` (the O(d²) sums precompute them)."""
    if n == 0.0:
        return 0.0
    if ea == eb:
        return n * power(ea, n - 1.0)
    if abs(pa - pb) >= 0.5 * max(abs(pa), abs(pb)):  # at most one bit lost: subtract
        return (pa - pb) / (eb - ea)
    # Close and of one sign: xaⁿ − xbⁿ = xbⁿ·expm1(n·log(xa/xb)). log(xa/xb) = la − lb loses
    # log10(|la|/|la − lb|) digits, at most one while the rates differ by 10% or more; closer than
    # that it is log1p((εb − εa)/(1 − εb)), exact to rounding.
    if abs(eb - ea) >= 0.1 * max(ea, eb):
        log_ratio = la - lb
    else:
        log_ratio = math.log1p((eb - ea) / (1.0 - eb))
    return pb * math.expm1(n * log_ratio) / (eb - ea)


@jit
def binomials(n):
    """C(n, j) for j = 0.._SERIES_TERMS + 3 (0 past n): the coefficients of the series at one n."""
    c = np.zeros(_SERIES_TERMS + 4)
    c[0] = 1.0
    for j in range(c.size - 1):
        c[j + 1] = c[j] * max(n - j, 0.0) / (j + 1.0)
    return c


@jit
def series(ea, eb, c):
    """(f[1, xa, xb], f[1, 1, xa, xb]) for f = xⁿ, c = :func:`binomials` (n), valid when n·max(εa, εb) ≤ 1/4.

    With x = 1 − ε, xⁿ = Σ_j C(n, j)(−ε)ʲ and the divided differences of εʲ are complete homogeneous
    polynomials h_p(εa, εb): f[1, xa, xb] = Σ_p (−1)ᵖ C(n, p + 2) h_p and f[1, 1, xa, xb] =
    Σ_p (−1)ᵖ C(n, p + 3) h_p. The p-th term is at most (n·ε)ᵖ/p! of the first: 1e-18 by p = 12. Both
    series alternate, and each term is at most 2n·max(ε)/(p + 3) ≤ 1/6 of the one before (h_{p+1} ≤
    2·max(ε)·h_p), so the sum stops once both terms fall below 2^-54 of their sums (points that have
    barely moved need a few terms, not fourteen).
    """
    second_sum = third_sum = 0.0
    h = 1.0  # h_p(εa, εb) = εb·h_{p−1} + εaᵖ
    power_a = 1.0
    sign = 1.0
    for p in range(_SERIES_TERMS):
        term2, term3 = sign * c[p + 2] * h, sign * c[p + 3] * h
        second_sum += term2
        third_sum += term3
        if abs(term2) <= _SERIES_STOP * abs(second_sum) and abs(term3) <= _SERIES_STOP * abs(third_sum):
            break
        power_a *= ea
        h = eb * h + power_a
        sign = -sign
    return second_sum, third_sum


@jit
def second(ea, eb, n):
    """f[1, xa, xb] for f = xⁿ (0 for n < 2)."""
    return second_from(ea, eb, n, geometric(ea, n), geometric(eb, n), power(ea, n), power(eb, n), log_rate(ea),
                       log_rate(eb))


@jit
def second_from(ea, eb, n, ga, gb, pa, pb, la, lb):
    """:func:`second` given ga, gb = :func:`geometric`, pa, pb = :func:`power`, la, lb = :func:`log_rate`."""
    if n < 2.0:
        return 0.0
    if ea > eb:
        ea, eb, ga, gb, pa, pb, la, lb = eb, ea, gb, ga, pb, pa, lb, la
    if n * eb <= SERIES_BELOW:
        return series(ea, eb, binomials(n))[0]
    return (ga - first_from(ea, eb, n, pa, pb, la, lb)) / eb


@jit
def third(ea, eb, n):
    """f[1, 1, xa, xb] for f = xⁿ (0 for n < 3)."""
    return third_from(ea, eb, n, second(0.0, ea, n), second(0.0, eb, n), second(ea, eb, n))


@jit
def third_from(ea, eb, n, sa, sb, sab):
    """:func:`third` given sa = f[1, 1, xa], sb = f[1, 1, xb] and sab = f[1, xa, xb]."""
    if n < 3.0:
        return 0.0
    if ea > eb:
        ea, eb, sa, sb = eb, ea, sb, sa
    if n * eb <= SERIES_BELOW:
        return series(ea, eb, binomials(n))[1]
    return (sa - sab) / eb


@jit
def apart(ea, eb):
    """Whether the rates differ by at least APART of the larger: :func:`second_third_apart` applies."""
    return abs(ea - eb) >= APART * max(ea, eb)


@jit
def beyond_linear(eps, c):
    """The one-point sums f[1, x] and f[1, 1, x] past their terms of degree ≤ 1 in ε, for n·ε ≤ 1/4.

    f[1, x] = n − C(n, 2)ε + ε²Σ_p (−1)ᵖ C(n, p + 3)εᵖ and f[1, 1, x] = C(n, 2) − C(n, 3)ε +
    ε²Σ_p (−1)ᵖ C(n, p + 4)εᵖ (c = :func:`binomials` (n)): the two ε²-sums, alternating and
    decreasing as in :func:`series`.
    """
    one = two = 0.0
    term = eps * eps
    sign = 1.0
    for p in range(_SERIES_TERMS):
        term1, term2 = sign * c[p + 3] * term, sign * c[p + 4] * term
        one += term1
        two += term2
        if abs(term1) <= _SERIES_STOP * abs(one) and abs(term2) <= _SERIES_STOP * abs(two):
            break
        term *= eps
        sign = -sign
    return one, two


@jit
def second_third_apart(ea, eb, ga, gb, sa, sb, c, unmoved):
    """(f[1, xa, xb], f[1, 1, xa, xb]) as difference quotients of one-point sums, for :func:`apart` rates, εa ≤ 1.

    Moved (n·max ε > 1/4): ((ga − gb), (sa − sb))/(εb − εa), ga = f[1, xa] (:func:`geometric`), sa =
    f[1, 1, xa] (:func:`second` (0, εa)), likewise for b. ``unmoved`` (n·max ε ≤ 1/4): ga, sa, gb, sb
    are :func:`beyond_linear` parts instead, and the linear parts add C(n, 2) and C(n, 3) exactly.
    One division, no powers: the fast path of the O(d²) sums. The subtraction loses at most about two
    digits where the points have moved (the one-point sums decrease in ε on [0, 1], f[1, xb] ≤ 1 ≤
    f[1, xa] for εb > 1 ≥ εa; the worst case, n·max ε just above 1/4 and |εb − εa| = APART·max ε, has
    ga − gb ≈ n²(εb − εa)/2 against ga ≈ n, a factor 80, and sa − sb ≈ n³(εb − εa)/6 against sa ≈
    n²/2, a factor 120); where they have not, the ε²-parts cancel by at most (εa² + εb²)/|εa² − εb²| ≈ 10
    and are at most n·max ε/1.5 of the result.
    """
    inverse = 1.0 / (eb - ea)
    second_dd, third_dd = (ga - gb) * inverse, (sa - sb) * inverse
    if unmoved:
        return c[2] + second_dd, c[3] + third_dd
    return second_dd, third_dd


@jit
def _cluster(rates, lo, hi, n, c):
    """f[x_lo..x_hi] (rates sorted) by the Taylor series about the point of largest |x|, or nan if not a cluster.

    A cluster: every point on one side of 0 and n·(spread of the rates) ≤ SERIES_BELOW·|x_c|. With
    a_l = |ε_c − ε_l|/|x_c| (x_l = x_c(1 − a_l)), f[x_lo..x_hi] = x_cⁿ⁻ᵏ Σ_p (−1)ᵖ C(n, k + p) h_p(a),
    h_p the complete homogeneous polynomial (all terms positive; each term at most n·max a/(p + 1) of the
    one before, so the series stops within a few terms). Equal rates: C(n, k)·x_cⁿ⁻ᵏ.
    """
    k = hi - lo
    if rates[hi] <= 1.0:
        centre = lo
    elif rates[lo] >= 1.0:
        centre = hi
    else:
        return math.nan
    spread = rates[hi] - rates[lo]
    if spread == 0.0:
        return c[k] * power(rates[centre], n - k)
    scale = abs(1.0 - rates[centre])
    if not n * spread <= SERIES_BELOW * scale:
        return math.nan
    h = np.zeros(_SERIES_TERMS)  # h_p of the points added so far: h_p(X ∪ {a}) = h_p(X) + a·h_{p−1}(X ∪ {a})
    h[0] = 1.0
    for point in range(lo, hi + 1):
        a = abs(rates[centre] - rates[point]) / scale
        for p in range(1, _SERIES_TERMS):
            h[p] += a * h[p - 1]
    total = 0.0
    sign = 1.0
    for p in range(_SERIES_TERMS):
        term = sign * c[k + p] * h[p]
        total += term
        if abs(term) <= _SERIES_STOP * abs(total):
            break
        sign = -sign
    return power(rates[centre], n - k) * total


@jit
def divided(rates, n):
    """f[x_0, .., x_k] for f = xⁿ at x_i = 1 − rates[i] (any order, k + 1 = rates.size ≤ 4, rates in [0, 2]).

    The Newton table on the rates sorted: pairs by :func:`first` (accurate for any two points), and each
    wider span by the Taylor series where its points cluster (:func:`_cluster`), else by the recursion
    (f[x_lo..x_{hi−1}] − f[x_{lo+1}..x_hi])/(ε_hi − ε_lo), which then loses at most about log10(4k) digits
    per level (the span is at least 1/(4n) of |x|). Zero where n < k (a polynomial of lower degree).
    tests/test_linreg_spectral_ewa.py holds it against 120-digit arithmetic.
    """
    k = rates.size - 1
    if n < k:
        return 0.0
    r = np.sort(rates)
    if k == 0:
        return power(r[0], n)
    c = binomials(n)
    table = np.empty((k + 1, k + 1))
    for i in range(k):
        table[i, i + 1] = first(r[i], r[i + 1], n)
    for width in range(2, k + 1):
        for lo in range(k + 1 - width):
            hi = lo + width
            value = _cluster(r, lo, hi, n, c)
            if value != value:
                value = (table[lo, hi - 1] - table[lo + 1, hi]) / (r[hi] - r[lo])
            table[lo, hi] = value
    return table[0, k]
