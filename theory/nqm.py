"""Closed forms for the noisy quadratic model (NQM) of Zhang et al. 2019, SGD with a power preconditioner.

Loss L(θ) = ½ Σ_i h_i θ_i², stochastic gradient Hθ + ε with Cov(ε) = C/B (C diagonal, c_i),
preconditioner P = H^{−p}. Per dimension, with x = αh^{1−p} and n = α²h^{−2p}c/B,

    θ' = (1 − x)θ − αh^{−p}ε,    s' = r·s + n,   s = E θ²,  r = (1 − x)²,

so s(k) = s* + r^k (s(0) − s*) with s* = n/(1 − r) = n/(x(2 − x)), stable iff 0 < x < 2
(:mod:`batchlab.theory.nqm_symbolic` derives all three from the recursion with sympy). The expected
loss is ½ Σ_i w_i h_i s_i, with w_i the number of eigenvalues a dimension stands for (1, or a
bin count). Every term r^k(s(0) − s*) is monotone in k, which makes the first step at which
the loss reaches a target exactly computable without assuming the loss is monotone.
"""

import numpy as np


def sgd_coefficients(h, c, lr: float, batch: int, precond: float):
    """Per-dimension (x, r, n): contraction x = αh^{1−p}, r = (1 − x)², noise n = α²h^{−2p}c/B."""
    h = np.asarray(h, dtype=np.float64)
    x = lr * h ** (1.0 - precond)
    return x, (1.0 - x) ** 2, lr**2 * h ** (-2.0 * precond) * np.asarray(c, dtype=np.float64) / batch


def sgd_steady_state(x, n):
    """s* = n/(x(2 − x)) where 0 < x < 2 (the fixed point of s' = (1 − x)²s + n); inf elsewhere."""
    x, n = np.asarray(x, dtype=np.float64), np.asarray(n, dtype=np.float64)
    stable = (x > 0) & (x < 2)
    return np.where(stable, n / np.where(stable, x * (2.0 - x), 1.0), np.inf)


def information_lower_bound_steps(dim: float, target: float, batch: int) -> float:
    """The NQM paper's lower bound on steps to reach loss ``target``: d/(2·target·B).

    With C = H, an estimator from N = kB samples has per-dimension variance ≥ c_i/(h_i²N), so
    the loss is ≥ ½ Σ h_i c_i/(h_i² N) = d/(2N) (Cramér–Rao, no prior); loss ≤ target needs
    k ≥ d/(2·target·B). The prior θ(0) ~ N(0, I) is information too, so this is the large-N
    form of the bound, not a bound at every target.
    """
    return dim / (2.0 * target * batch)


def gradient_noise_scales(h, c, counts, second_moments, precond: float = 0.0) -> tuple[float, float]:
    """McCandlish et al.'s (B_simple, B_noise) for the NQM at E θ² = ``second_moments``, preconditioner H^{−p}.

    Per-example gradients have mean G = Hθ and covariance Σ = C. For the update θ − εPĝ the
    optimal step is ε_max/(1 + B_noise/B) with B_noise = tr(PHPΣ)/(GᵀPHPG) (McCandlish et al. 2018,
    their H replaced by the preconditioned curvature PHP; P = I gives theirs), here
    Σ w h^{1−2p} c / Σ w h^{3−2p} s; B_simple = tr(Σ)/|G|² = Σ w c / Σ w h² s. Quadratic forms in θ
    are replaced by their expectations (ratio of expectations). Under their model the steps to a target
    are S_min(1 + B_noise/B): B_noise is where a batch needs twice the steps of linear scaling.
    """
    h, c, w, s = (np.asarray(v, dtype=np.float64) for v in (h, c, counts, second_moments))
    b_simple = float(np.sum(w * c) / np.sum(w * h**2 * s))
    b_noise = float(np.sum(w * h ** (1 - 2 * precond) * c) / np.sum(w * h ** (3 - 2 * precond) * s))
    return b_simple, b_noise


def momentum_stable(x, beta):
    """Heavy-ball momentum is mean-square stable iff 0 ≤ β < 1 and 0 < x < 2(1 + β) (x = αh^{1−p}).

    Jury's conditions |δ| < 1, |τ| < 1 + δ for the first-moment roots of λ² − (1 − x + β)λ + β; the
    second-moment map's eigenvalues are their products λ₁², λ₂², λ₁λ₂
    (:func:`batchlab.theory.nqm_symbolic.derive_linear`).
    """
    x, beta = np.asarray(x, dtype=np.float64), np.asarray(beta, dtype=np.float64)
    return (beta >= 0) & (beta < 1) & (x > 0) & (x < 2 * (1 + beta))


def nesterov_stable(x, beta):
    """Nesterov momentum is mean-square stable iff 0 ≤ β < 1 and 0 < x < 2(1 + β)/(1 + 2β).

    Jury's conditions for λ² − (1 + β)(1 − x)λ + β(1 − x): the value at λ = 1 is x > 0, the value at
    λ = −1 is 2 + 2β − x(1 + 2β) > 0, and |β(1 − x)| < 1 holds inside that range.
    """
    x, beta = np.asarray(x, dtype=np.float64), np.asarray(beta, dtype=np.float64)
    return (beta >= 0) & (beta < 1) & (x > 0) & (x * (1 + 2 * beta) < 2 * (1 + beta))


def ema_stable(x, decay):
    """SGD with an EMA of its iterates is stable iff SGD is (0 < x < 2) and 0 ≤ γ < 1 (F is triangular)."""
    x, decay = np.asarray(x, dtype=np.float64), np.asarray(decay, dtype=np.float64)
    return (decay >= 0) & (decay < 1) & (x > 0) & (x < 2)


def stable_x_limit(optimizer: str, momentum: float = 0.0) -> float:
    """The largest stable x = αh^{1−p}.

    2 for SGD and EMA (whatever γ), 2(1 + β) heavy ball, 2(1 + β)/(1 + 2β) Nesterov, β = ``momentum``.
    """
    if optimizer == "momentum":
        return 2.0 * (1.0 + momentum)
    if optimizer == "nesterov":
        return 2.0 * (1.0 + momentum) / (1.0 + 2.0 * momentum)
    return 2.0


# Two-variable optimisers per dimension, y' = F y + a g ε with x = αh^{1−p}, a = αh^{−p} (sim.nqm._linear
# documents the states). Each ``*_coefficients(x, knob)`` returns (F₁₁, F₁₂, F₂₁, F₂₂, g₁, g₂, τ, δ, τ² − 4δ,
# p(1), p(−1)) with p(λ) = λ² − τλ + δ, and each ``*_steady(x, knob, n)`` the solution (E y₁², E y₂², E y₁y₂)
# of z = Mz + v, n = a²·Var ε. They are plain arithmetic, so the same function runs on floats, NumPy arrays,
# sympy symbols (tests/test_nqm_momentum.py checks every entry against theory.nqm_symbolic.derive_linear) and
# in Numba (the engines compile these very functions). Every value is written in a cancellation-free,
# factored form: the discriminant as a product, p(1) = x, the steady states as the factored sympy solution.


def momentum_coefficients(x, beta):
    """Heavy ball on y = (θ, θ_t − θ_{t−1})."""
    root = beta**0.5
    return (1.0 - x, beta, -x, beta, -1.0, -1.0, 1.0 - x + beta, beta,
            (x - (1.0 - root) ** 2) * (x - (1.0 + root) ** 2),
            x, 2.0 + 2.0 * beta - x)


def momentum_steady(x, beta, n):
    """The steady state (E y₁², E y₂², E y₁y₂) of heavy-ball momentum at x = αh^{1−p}, β and noise n."""
    common = n / ((1.0 - beta) * (2.0 + 2.0 * beta - x))
    return common * (1.0 + beta) / x, 2.0 * common, common


def nesterov_coefficients(x, beta):
    """Nesterov (PyTorch/optax form) on y = (θ, αh^{−p}m)."""
    return (1.0 - (1.0 + beta) * x, -beta * beta, x, beta, -(1.0 + beta), 1.0, (1.0 + beta) * (1.0 - x),
            beta * (1.0 - x), (1.0 - x) * ((1.0 - beta) ** 2 - x * (1.0 + beta) ** 2), x,
            2.0 + 2.0 * beta - (1.0 + 2.0 * beta) * x)


def nesterov_steady(x, beta, n):
    """The steady state (E y₁², E y₂², E y₁y₂) of Nesterov momentum at x = αh^{1−p}, β and noise n."""
    common = n / ((1.0 - beta + beta * x) * (2.0 + 2.0 * beta - x - 2.0 * beta * x))
    return (common * (1.0 + beta + beta * x + 2.0 * beta * beta * x) / x, 2.0 * common, -(1.0 + 2.0 * beta) * common)


def ema_coefficients(x, decay):
    """SGD with an EMA of its iterates, on y = (θ, θ̃); F is triangular, with eigenvalues 1 − x and γ."""
    return (1.0 - x, 0.0, (1.0 - decay) * (1.0 - x), decay, -1.0, -(1.0 - decay), 1.0 - x + decay, decay * (1.0 - x),
            (1.0 - x - decay) ** 2, x * (1.0 - decay), (1.0 + decay) * (2.0 - x))


def ema_steady(x, decay, n):
    """The steady state (E θ², E θ̃², E θθ̃) of SGD with an EMA of decay γ at x = αh^{1−p} and noise n."""
    common = n / (x * (2.0 - x))
    return (common, common * (1.0 - decay) * (1.0 + decay - decay * x) / ((1.0 + decay) * (1.0 - decay + decay * x)),
            common * (1.0 - decay) / (1.0 - decay + decay * x))


def linear_steady_loss_ratio(optimizer: str, x, knob):
    """Steady E(output)² of ``optimizer`` over SGD's n/(x(2 − x)) at the same x (EMA: of θ̃, which is < 1)."""
    steady = LINEAR_OPTIMIZERS[optimizer][1](x, knob, 1.0)
    return steady[1 if optimizer == "ema" else 0] * x * (2.0 - x)


LINEAR_OPTIMIZERS = {"momentum": (momentum_coefficients, momentum_steady),
                     "nesterov": (nesterov_coefficients, nesterov_steady),
                     "ema": (ema_coefficients, ema_steady)}


def momentum_steady_state(x, beta, n):
    """E θ² at stationarity, n(1 + β)/(x(1 − β)(2 + 2β − x)) (:func:`momentum_steady`); inf if unstable."""
    x, beta, n = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, beta, n)))
    stable = momentum_stable(x, beta)
    safe = momentum_steady(np.where(stable, x, 1.0), np.where(stable, beta, 0.0), n)[0]
    return np.where(stable, safe, np.inf)
