"""Test problems for SCG whose constants L, μ, ρ and f* are known, each proved in its docstring.

The paper's assumptions, for a primal norm ‖·‖ with dual ‖·‖_*: A1 ‖∇f(x) − ∇f(y)‖_* ≤ L‖x − y‖;
A2 ‖x‖_* ≤ ρ‖x‖₂; A3 (μ-KL) ‖∇f(x)‖_* ≥ μ(f(x) − f*). Constants depend on the geometry, so each problem
gives them per norm, for the region the constrained algorithm stays in (the ball ‖x‖ ≤ η, Lemma 1).
:meth:`QuadraticProblem.check_assumptions` samples that region and reports the worst ratios.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from sim import errors
from sim.scg._lmo import NORMS

VECTOR_NORMS = ("l2", "linf", "l1")


def _rows(function, points):
    """``function`` (a norm or dual norm of :data:`sim.scg.NORMS`) of each row of ``points``."""
    return np.apply_along_axis(function, -1, points)


@dataclass(frozen=True)
class QuadraticProblem:
    """f(x) = ½ Σ a_i (x_i − x*_i)², a_i > 0, f* = 0, with stochastic gradients ∇f(x) + σ ξ, E‖ξ‖₂² = 1.

    ``noise`` (d,) are the variances of ξ's coordinates, summing to 1 (isotropic: 1/d each), so that
    E‖g − ∇f‖₂² = σ² = σ*²/(B·S), the paper's Assumption 3.4 with equality.

    Constants, per primal norm (proofs):

    * A1: ∇f(x) − ∇f(y) = A(x − y) with A = diag(a). ‖Av‖_* ≤ L‖v‖ with L the ‖·‖ → ‖·‖_* operator norm of A:
      ℓ2: max a (self-dual); ℓ∞ (dual ℓ1): Σ|a_i v_i| ≤ (Σa)‖v‖_∞, equality at v = sign, so L = Σa;
      ℓ1 (dual ℓ∞): max|a_i v_i| ≤ (max a)‖v‖₁, equality at a basis vector, so L = max a.
    * A2: ℓ2: ρ = 1; ℓ∞ (dual ℓ1): ‖v‖₁ ≤ √d‖v‖₂ (Cauchy–Schwarz), ρ = √d; ℓ1 (dual ℓ∞): ‖v‖_∞ ≤ ‖v‖₂, ρ = 1.
    * A3 on the ball ‖x‖ ≤ η: with e = x − x*, ⟨∇f(x), e⟩ = eᵀAe = 2(f(x) − f*), and ⟨∇f, e⟩ ≤ ‖∇f‖_*‖e‖ with
      ‖e‖ ≤ ‖x‖ + ‖x*‖ ≤ η + ‖x*‖, so ‖∇f(x)‖_* ≥ 2(f(x) − f*)/(η + ‖x*‖): μ = 2/(η + ‖x*‖).
    """

    a: np.ndarray
    x_star: np.ndarray
    noise: np.ndarray
    spec: dict | None = field(default=None, compare=False)  # how :meth:`power_law` built it (sweep cache keys)

    @classmethod
    def power_law(cls, dim: int = 100, *, exponent: float = 1.0, optimum: float = 0.5, anisotropic: bool = False,
                  seed: int = 0) -> "QuadraticProblem":
        """a_i = i^{−exponent}; x*_i = ±``optimum``/√d with random signs from ``seed`` (so ‖x*‖₂ = optimum);
        noise isotropic, or ∝ a_i (gradient noise shaped like the curvature, as the NQM's C = H)."""
        dim = errors.integer("dim", dim)
        exponent = errors.real("exponent", exponent, ge=0)
        optimum = errors.real("optimum", optimum, ge=0)
        a = np.arange(1, dim + 1, dtype=np.float64) ** -exponent
        signs = np.where(np.random.default_rng(seed).random(dim) < 0.5, -1.0, 1.0)
        noise = a / a.sum() if anisotropic else np.full(dim, 1.0 / dim)
        spec = dict(dim=dim, exponent=exponent, optimum=optimum, anisotropic=bool(anisotropic), seed=seed)
        return cls(a, signs * optimum / math.sqrt(dim), noise, spec)

    @property
    def dim(self) -> int:
        return int(self.a.size)

    def value(self, x) -> np.ndarray:
        """f(x) − f* (= f(x)) for one point or a batch of points (last axis)."""
        e = np.asarray(x) - self.x_star
        return 0.5 * np.sum(self.a * e * e, axis=-1)

    def gradient(self, x) -> np.ndarray:
        return self.a * (np.asarray(x) - self.x_star)

    def constants(self, norm: str, radius: float) -> dict:
        """L, μ and ρ (see the class docstring) for the primal ``norm`` on the ball of radius ``radius``."""
        if norm not in VECTOR_NORMS:
            raise errors.InvalidParameter("norm", "one of " + ", ".join(VECTOR_NORMS), norm)
        radius = errors.real("radius", radius, gt=0)
        L = {"l2": self.a.max(), "linf": self.a.sum(), "l1": self.a.max()}[norm]
        rho = {"l2": 1.0, "linf": math.sqrt(self.dim), "l1": 1.0}[norm]
        mu = 2.0 / (radius + NORMS[norm].norm(self.x_star))
        return {"L": float(L), "mu": mu, "rho": rho, "f_star": 0.0}

    def check_assumptions(self, norm: str, radius: float, *, samples: int = 2000, seed: int = 0) -> dict:
        """Worst sampled ratios on the ball: ‖∇f(x) − ∇f(y)‖_*/(L‖x − y‖), ‖v‖_*/(ρ‖v‖₂) (both must be ≤ 1) and
        ‖∇f(x)‖_*/(μ(f(x) − f*)) (must be ≥ 1), over ``samples`` random pairs of points of the ball."""
        constants = self.constants(norm, radius)
        primal, dual = NORMS[norm].norm, NORMS[norm].dual
        rng = np.random.default_rng(seed)

        def points(n):  # random directions, radius uniform in [0, η]: the whole ball, its centre included
            v = rng.standard_normal((n, self.dim))
            return radius * rng.random((n, 1)) * v / _rows(primal, v)[:, None]

        x, y = points(samples), points(samples)
        smooth = _rows(dual, self.gradient(x) - self.gradient(y)) / (constants["L"] * _rows(primal, x - y))
        v = rng.standard_normal((samples, self.dim))
        equivalence = _rows(dual, v) / (constants["rho"] * np.linalg.norm(v, axis=-1))
        kl = _rows(dual, self.gradient(x)) / (constants["mu"] * self.value(x))
        return {"smoothness": float(smooth.max()), "equivalence": float(equivalence.max()), "kl": float(kl.min())}
