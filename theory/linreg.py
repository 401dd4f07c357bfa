"""Closed forms for mini-batch SGD on Gaussian linear regression.

Setting ([Zhang 2024] in docs/references.md, App. A.2 and J): x ~ N(0, H), H = diag(λ), y = xᵀw* + N(0, σ²),
one pass over D samples in batches of B (n = D/B steps), constant learning rate γ,
w_0 = 0. Risk here is always the **excess** risk (w − w*)ᵀH(w − w*), with no factor ½.
The paper's output is w̄ = (1/n) Σ_{t=0}^{n−1} w_t (includes w_0, excludes w_n).

Everything is written per coordinate, with

    p_i = γλ_i,   q_i = 1 − p_i,   x_i = nγλ_i = Dγλ_i/B,

so Theorem 7's k* = max{k : λ_k ≥ B/(Dγ)} is the set of coordinates with x_i ≥ 1.
"""

import math

import numpy as np
from scipy.optimize import brentq


def ms_stability_limit(eigenvalues, batch: int, weights=None, momentum: float = 0.0) -> float:
    """Exact mean-square stability limit γ_max of mini-batch SGD (heavy-ball ``momentum`` β) for Gaussian data.

    Plain SGD (β = 0): the diagonal second moments evolve as s' = M s + const with
    M = diag((1 − γλ_i)² + γ²λ_i²/B) + (γ²/B) λλᵀ, a nonnegative matrix (diagonal
    plus rank one). By Perron–Frobenius and the secular equation of a rank-one
    update, ρ(M) < 1 iff every diagonal entry is < 1, i.e. γ < 2B/((B+1)λ_max), and

        g(γ) = (γ/B) Σ_i λ_i / (2 − γλ_i(B+1)/B) < 1.

    g increases from 0 to +∞ on (0, 2B/((B+1)λ_max)), so γ_max is its unique root
    g(γ_max) = 1. For γ < γ_max the expected risk stays bounded for ever; for
    γ ≥ γ_max it grows geometrically (with noise, or from almost every start).
    Limits: γ_max → 2B/tr(H) when tr(H) ≫ Bλ_max and → 2B/((B+1)λ_max) as B → ∞,
    the constant-2 version of Theorem 7's condition γ ≲ min{B/tr(H), 1/‖H‖}.

    Heavy ball, w_{t+1} = w_t − γĝ_t + β(w_t − w_{t−1}): each coordinate carries s = E η_t², p = E η_tη_{t−1}
    and s₋ = E η_{t−1}² (:mod:`batchlab.sim.linreg._strategies`). Their steady state under an injection u into s
    is p = a·s/(1 + β) (a = 1 + β − γλ) and s = u/D, D = γλ(2(1 − β) − γλc), c = (1 − β)/(1 + β) + 1/B; the
    injection is (γ²λ/B)(Σ_j λ_j s_j + σ²), so the criterion becomes every D_i > 0 and

        g(γ) = (γ/B) Σ_i λ_i / (2(1 − β) − γλ_i c) < 1,

    the formula above with 2 → 2(1 − β) and (B+1)/B → c (β = 0 gives it back). The edge 2(1 − β)/(cλ_max)
    tends to 2(1 + β)/λ_max (the noiseless heavy ball's) as B → ∞, and γ_max → 2B(1 − β)/tr(H) when
    tr(H) ≫ Bλ_max: at small batch momentum only rescales the learning rate, γ/(1 − β) having the limit
    plain SGD has. The map is no longer nonnegative for β > 0; that this steady-state criterion is the
    spectral radius crossing one is checked against the dense 3d × 3d map (tests/test_theory_linreg.py).
    ``weights``: multiplicities of the eigenvalues (default 1; an untruncated spectrum's tail groups).
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    weight = np.ones_like(lam) if weights is None else np.asarray(weights, dtype=np.float64)
    room = 2.0 * (1.0 - momentum)
    scale = ((1.0 - momentum) * batch + 1.0 + momentum) / ((1.0 + momentum) * batch)  # (B+1)/B exactly at β = 0
    edge = room / (scale * lam.max())

    def excess(lr):
        return (lr / batch) * np.sum(weight * lam / (room - lr * lam * scale)) - 1.0

    upper = edge * (1.0 - 1e-15)
    if excess(upper) <= 0.0:  # the λ_max term alone pins the limit at the edge
        return float(upper)
    return float(brentq(excess, 0.0, upper, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500))


def step_size_scale(eigenvalues, batch: int) -> float:
    """min{B/tr(H), 1/‖H‖₂}: Theorem 7's step-size condition is γ ≲ this."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    return float(min(batch / lam.sum(), 1.0 / lam.max()))


def effective_horizon(eigenvalues, lr: float, batch: int, samples: int) -> np.ndarray:
    """x_i = Dγλ_i/B: coordinate i is 'learned' (i ≤ k*) iff x_i ≥ 1."""
    return samples * lr * np.asarray(eigenvalues, dtype=np.float64) / batch


def k_star(eigenvalues, lr: float, batch: int, samples: int) -> int:
    """Theorem 7's k* = #{k : λ_k ≥ B/(Dγ)}."""
    return int(np.count_nonzero(effective_horizon(eigenvalues, lr, batch, samples) >= 1.0))


def theorem7_terms(eigenvalues, w_star_sq, sigma: float, lr: float, batch: int, samples: int):
    """Theorem 7's two-sided expression, split into (bias, variance).

        bias     = (B/(Dγ))² ‖w*‖²_{H⁻¹_{0:k*}} + ‖w*‖²_{H_{k*:∞}}
        variance = σ² (k* + (Dγ/B)² Σ_{i>k*} λ_i²) / D

    Per coordinate: bias_i = λ_i w*_i² min(1, 1/x_i²), variance_i = (σ²/D) min(1, x_i²).
    The theorem states E[excess(w̄)] ≈ bias + variance up to universal constants;
    :func:`theorem7_ratio_bounds` makes the constants explicit.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    x = effective_horizon(lam, lr, batch, samples)
    learned = x >= 1.0
    bias = float(np.sum(np.where(learned, lam * w_star_sq / np.where(learned, x, 1.0) ** 2, lam * w_star_sq)))
    variance = float(sigma**2 * np.sum(np.where(learned, 1.0, x**2)) / samples)
    return bias, variance


# Lower constant, proved in theorem7_ratio_bounds: (1 − 1/e)² · 8/81.
THEOREM7_LOWER_CONSTANT = (1.0 - math.exp(-1.0)) ** 2 * 8.0 / 81.0


def theorem7_ratio_bounds(c: float, rho: float) -> tuple[float, float]:
    """Explicit constants in Theorem 7: L ≤ E[excess(w̄)] / (bias + variance) ≤ U.

    Valid for γ ≤ c·min{B/tr(H), 1/λ_max} with 0 < c ≤ 1/2, ‖w*‖²_H = ρσ² with
    0 < ρ (the theorem's ‖w_0 − w*‖²_H ≲ σ²), diagonal H and n ≥ 2 steps.
    Returns (L, U) with L = (1 − 1/e)²·8/81 ≈ 0.0395 and U = max{2, 2(1 + ρ)/(1 − c)}.

    Proof sketch (p_i = γλ_i ≤ c, q' = (1−p)² + p²/B ≤ 1 − p since p ≤ 1/2,
    c_t = 1 + 2Σ_{m=1}^{n−1−t} q^m ≤ 2 min{n, 1/p}, R_t = Σλ_i s_{t,i}):

    *Lower.* Dropping the nonnegative multiplicative-noise terms p²s/B and
    (γ²λ/B)R_t leaves averaged GD plus additive noise (see
    :func:`averaged_risk_additive_noise`). Per coordinate, GD's bias is
    λw*²((1 − qⁿ)/x)² ≥ (1−1/e)² λw*² min{1, 1/x²}; the additive variance is
    (σ²/D)(1/n)Σ_{j=1}^{n−1}(1 − q^j)², and with 1 − q^j ≥ (1−1/e) min{jp, 1} it is
    ≥ (1−1/e)² · min{1/8, 8/81, 2/9} · (σ²/D) min{1, x²} (cases x ≤ 1; 1 < x ≤ 1 + p;
    x > 1 + p). A ratio of sums is at least the smallest ratio of terms.

    *Upper.* Let M = sup_t R_t + σ². Then s_{t,i} ≤ q'^t s_{0,i} + (γ²λ_i M/B)Σ_k q'^k
    ≤ s_{0,i} + γM/B, so R_t ≤ R_0 + (γtr(H)/B)M ≤ R_0 + cM and, by induction,
    M ≤ (R_0 + σ²)/(1 − c). The s_0 part contributes ≤ (λs_0/n²)·2min{n,1/p}² =
    2·bias_i; the injected part ≤ (2M/σ²)·variance_i (cases x ≥ 1 and x < 1).

    At n = 1 the lower bound fails (w̄ = w_0 carries no variance while the
    expression's variance term is positive); see tests.
    """
    return THEOREM7_LOWER_CONSTANT, max(2.0, 2.0 * (1.0 + rho) / (1.0 - c))


def averaged_risk_additive_noise(eigenvalues, w_star_sq, sigma: float, lr: float, batch: int, steps: int):
    """(bias, variance) of w̄ for SGD with *additive* noise only, in closed form.

    This is the exact averaged risk when E[GAG] = HAH (no multiplicative noise):
    bias_i = λ_i w*_i² ((1 − qⁿ)/(np))² and variance_i = (σ²/(B n²)) Σ_{j=1}^{n−1}(1 − q^j)².
    Mini-batch SGD's true risk is never smaller (the dropped terms are ≥ 0), which
    makes this the lower comparison in :func:`theorem7_ratio_bounds`. Needs 0 < γλ_i < 1.
    Cost O(n·d), accurate to rounding for any np.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    p = lr * lam
    log_q = np.log1p(-p)
    n = steps
    bias = float(np.sum(lam * w_star_sq * (-np.expm1(n * log_q) / (n * p)) ** 2))
    # Σ_j (1 − q^j)² summed term by term: the geometric closed form m − 2Σq^j + Σq^{2j}
    # cancels catastrophically (relative error ~ eps/(np)²) when np ≪ 1.
    sum_sq = np.zeros_like(lam)
    for j in range(1, n):
        sum_sq += np.expm1(j * log_q) ** 2
    variance = float(sigma**2 * np.sum(sum_sq) / (batch * n * n))
    return bias, variance


def cbs_exponent(a: float, b: float) -> float:
    """Corollary 8's critical-batch-size exponent: B* ≈ D^{this}.

    0 for b ≤ a (B* = 1), 1 − a/b for a < b < 2a + 1, 1 − a/(2a + 1) for b ≥ 2a + 1,
    i.e. max{0, 1 − a/min{b, 2a + 1}}. Lambdified from the sympy derivation in
    :mod:`batchlab.theory.linreg_symbolic` (the single source of this number).
    """
    from batchlab.theory.linreg_symbolic import numeric_exponents

    return float(numeric_exponents()["cbs"](a, b))


def ewa_cbs_exponent(a: float, b: float) -> float:
    """B* ≈ D^{this} for an exponential (or tail) average of the iterates: max{0, 1 − a/b}.

    Corollary 8 without its cap at b = 2a + 1, which is the uniform average's: w̄ keeps w_0 with weight 1/n, so
    a learned direction keeps a bias ∝ (nγλ)⁻² that dominates once b > 2a + 1 (Polyak averaging saturates). An
    average over a fixed share of the run forgets w_0 exponentially, and only the unlearned directions' bias
    balances the variance (:mod:`batchlab.theory.linreg_symbolic`, ``ewa_cbs``). Equal to :func:`cbs_exponent`
    for b < 2a + 1; 0.75 against 0.625 at a = 1.5, b = 6.
    """
    from batchlab.theory.linreg_symbolic import numeric_exponents

    return float(numeric_exponents()["ewa_cbs"](a, b))


def learned_directions_exponent(a: float, b: float) -> float:
    """The directions learned at the critical batch size grow as D^{this}: (1 − c)/a, c = :func:`cbs_exponent`.

    At B* the run takes n = D/B* ∝ D^{1−c} steps, and direction i is learned (Theorem 7's k*) when nγλ_i ≳ 1
    with γ = O(1) at B* (:func:`lr_over_batch_exponent`), so k* ∝ n^{1/a}: D^{1/min(b, 2a+1)} for b > a and D^{1/a}
    for b ≤ a. A model of the first N features has every direction the data can teach once N ≫ k*; below it,
    its B* depends on N (figures/linreg_cbs_model_size.py measures where that stops).
    """
    return (1.0 - cbs_exponent(a, b)) / a


def lr_over_batch_exponent(a: float, b: float) -> float:
    """Corollary 8's optimal γ/B ≈ D^{this}: a/min{b, 2a+1} − 1 for b > a; 0 for b ≤ a (γ ≈ 1, B = 1)."""
    from batchlab.theory.linreg_symbolic import numeric_exponents

    return float(numeric_exponents()["lr_over_batch"](a, b))


def corollary8_case(a: float, b: float) -> str:
    """Which case of Corollary 8's proof (a, b) falls in: 'b<=a', 'a<b<2a+1' or 'b>=2a+1'."""
    if b <= a:
        return "b<=a"
    if b < 2 * a + 1:
        return "a<b<2a+1"
    return "b>=2a+1"


def corollary8_rate_exponents(a: float, b: float) -> tuple[float, float]:
    """D-exponents of (bias, variance) of w̄ when γ/B follows Corollary 8's optimum (γ ≈ 1).

    With x = Dγ/B ∝ D^{x*}: bias ∝ x^e (e = (1 − b)/a for b < 2a + 1, −2 beyond) and
    variance ∝ x^{1/a}/D. For b > a both equal −(1 − 1/min{b, 2a + 1}) (the balance);
    for b ≤ a (x ∝ D, B = 1) the bias (1 − b)/a dominates the variance 1/a − 1.
    """
    x_exp = lr_over_batch_exponent(a, b) + 1.0
    bias = ((1.0 - b) / a if b < 2 * a + 1 else -2.0) * x_exp
    return bias, x_exp / a - 1.0


def gradient_noise_scales(eigenvalues, second_moments, sigma: float, weights=None) -> tuple[float, float]:
    """McCandlish et al.'s (B_simple, B_noise) for Gaussian linear regression, H = diag(λ).

    The per-example gradient at w is g = x(xᵀη − ξ), η = w − w*, with mean G = Hη and, by
    Isserlis (E[xxᵀAxxᵀ] = 2HAH + tr(HA)H), covariance Σ = Hηηᵀ H + (ηᵀHη + σ²)H. So

        B_simple = tr Σ/|G|²     = 1 + (ηᵀHη + σ²)·tr H /(ηᵀH²η),
        B_noise  = tr(HΣ)/GᵀHG  = 1 + (ηᵀHη + σ²)·tr H²/(ηᵀH³η).

    Here η is random (an SGD iterate); with ``second_moments`` s_i = E[η_i²] every quadratic
    form is replaced by its expectation (ηᵀH^kη → Σλ_i^k s_i), i.e. the ratio of expected
    gradient statistics, as a large-batch estimate of them would measure. ``weights``: multiplicities.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    m = np.ones_like(lam) if weights is None else np.asarray(weights, dtype=np.float64)
    s = np.asarray(second_moments, dtype=np.float64)
    level = float(np.dot(m * lam, s)) + sigma**2
    b_simple = 1.0 + level * float(np.dot(m, lam)) / float(np.dot(m * lam**2, s))
    b_noise = 1.0 + level * float(np.dot(m, lam**2)) / float(np.dot(m * lam**3, s))
    return b_simple, b_noise
