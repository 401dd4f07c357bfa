"""Test problems for SCG whose constants L, μ, ρ and f* are known, each proved in its docstring.

The paper's assumptions, for a primal norm ‖·‖ with dual ‖·‖_*: A1 ‖∇f(x) − ∇f(y)‖_* ≤ L‖x − y‖;
A2 ‖x‖_* ≤ ρ‖x‖₂; A3 (μ-KL) ‖∇f(x)‖_* ≥ μ(f(x) − f*). Constants depend on the geometry, so each problem
gives them per norm, for the region the constrained algorithm stays in (the ball ‖x‖ ≤ η, Lemma 1).
:meth:`SCGProblem.check_assumptions` samples that region and reports the worst ratios.

* :class:`QuadraticProblem`: f = ½Σ a_i(x_i − x*_i)², in the ℓ2, ℓ∞ and ℓ1 geometries; and, through
  :meth:`QuadraticProblem.matrix`, matrix least squares f(X) = ½‖(X − X*)S^{1/2}‖_F² in the spectral geometry.
* :class:`SeparableProblem`: logistic or exponential loss on linearly separable data, f* = 0 not attained;
  the exponential loss is μ-KL on the whole space (μ = the margin), the logistic loss on every ball.

Every problem carries the arrays the Monte Carlo kernel reads (``kind`` 0 quadratic, 1 logistic,
2 exponential) and a ``spec`` from which :func:`problem_from_spec` rebuilds it (sweep cache keys).
"""

import math
from dataclasses import dataclass, field

import numpy as np

from batchlab.sim import errors
from batchlab.sim.results import ShortRepr
from batchlab.sim.scg._lmo import NORMS

VECTOR_NORMS = ("l2", "linf", "l1")
MATRIX_NORMS = ("spectral", "spectral-ns", "l2", "linf")  # linf: entrywise, sign descent on vec X
_RHO = {"l2": lambda d: 1.0, "linf": math.sqrt, "l1": lambda d: 1.0}  # A2 for vectors: ‖v‖₁ ≤ √d‖v‖₂, ‖v‖_∞ ≤ ‖v‖₂


class SCGProblem(ShortRepr):
    """What every test problem shares: its norms, and the sampled check of A1–A3 on the ball."""

    shape: tuple | None = None  # (d_out, d_in) for matrix problems; x is X flattened row by row
    norms: tuple = VECTOR_NORMS

    @property
    def dim(self) -> int:
        return int(self.noise.size)

    def check_norm(self, norm: str) -> str:
        """``norm`` if this problem has it (as an LMO and a geometry for its constants), else a one-line error."""
        if norm not in self.norms:
            raise errors.InvalidParameter("lmo", "one of " + ", ".join(self.norms) + " for this problem", norm)
        return norm

    def norm_of(self, function, points) -> np.ndarray:
        """``function`` (a norm or dual norm of :data:`batchlab.sim.scg.NORMS`) of each row of ``points``.

        For matrix problems each row is read as a matrix.
        """
        shape = self.shape
        return np.array([function(p.reshape(shape) if shape else p) for p in np.atleast_2d(points)])

    def check_assumptions(self, norm: str, radius: float, *, samples: int = 2000, seed: int = 0) -> dict:
        """Worst sampled ratios on the ball.

        ‖∇f(x) − ∇f(y)‖_*/(L‖x − y‖), ‖v‖_*/(ρ‖v‖₂) (both must be ≤ 1) and ‖∇f(x)‖_*/(μ(f(x) − f*)) (must be ≥
        1), over ``samples`` random pairs of points of the ball.
        """
        constants = self.constants(norm, radius)
        primal, dual = NORMS[norm].norm, NORMS[norm].dual
        rng = np.random.default_rng(seed)

        def points(n):  # random directions, radius uniform in [0, η]: the whole ball, its centre included
            v = rng.standard_normal((n, self.dim))
            return radius * rng.random((n, 1)) * v / self.norm_of(primal, v)[:, None]

        x, y = points(samples), points(samples)
        smooth = (self.norm_of(dual, self.gradient(x) - self.gradient(y))
                  / (constants["L"] * self.norm_of(primal, x - y)))
        v = rng.standard_normal((samples, self.dim))
        equivalence = self.norm_of(dual, v) / (constants["rho"] * np.linalg.norm(v, axis=-1))
        kl = self.norm_of(dual, self.gradient(x)) / (constants["mu"] * (self.value(x) - constants["f_star"]))
        return {"smoothness": float(smooth.max()), "equivalence": float(equivalence.max()), "kl": float(kl.min())}


@dataclass(frozen=True)
class QuadraticProblem(SCGProblem):
    """f(x) = ½ Σ a_i (x_i − x*_i)², a_i > 0, f* = 0, with stochastic gradients ∇f(x) + σ ξ, E‖ξ‖₂² = 1.

    ``noise`` (d,) are the variances of ξ's coordinates, summing to 1 (isotropic: 1/d each), so that
    E‖g − ∇f‖₂² = σ² = σ*²/(B·S), the paper's Assumption 3.4 with equality.

    Constants, per primal norm (proofs):

    * A1: ∇f(x) − ∇f(y) = A(x − y) with A = diag(a). ‖Av‖_* ≤ L‖v‖ with L the ‖·‖ → ‖·‖_* operator norm of A:
      ℓ2: max a (self-dual); ℓ∞ (dual ℓ1): Σ|a_i v_i| ≤ (Σa)‖v‖_∞, equality at v = sign, so L = Σa;
      ℓ1 (dual ℓ∞): max|a_i v_i| ≤ (max a)‖v‖₁, equality at a basis vector, so L = max a.
      Spectral (matrix problems, x = vec X, a_i = s_j for every entry of column j, so ∇f = (X − X*)S,
      S = diag(s)): ‖ES‖_nuc ≤ ‖E‖_op‖S‖_nuc (Hölder for Schatten norms), L = Σ_j s_j.
    * A2: ℓ2: ρ = 1; ℓ∞ (dual ℓ1): ‖v‖₁ ≤ √d‖v‖₂ (Cauchy–Schwarz), ρ = √d; ℓ1 (dual ℓ∞): ‖v‖_∞ ≤ ‖v‖₂, ρ = 1;
      spectral (dual nuclear): Σσ_i ≤ √r(Σσ_i²)^{1/2}, r = min(d_out, d_in) (Cauchy–Schwarz), ρ = √r.
    * A3 on the ball ‖x‖ ≤ η: with e = x − x*, ⟨∇f(x), e⟩ = eᵀAe = 2(f(x) − f*), and ⟨∇f, e⟩ ≤ ‖∇f‖_*‖e‖ with
      ‖e‖ ≤ ‖x‖ + ‖x*‖ ≤ η + ‖x*‖, so ‖∇f(x)‖_* ≥ 2(f(x) − f*)/(η + ‖x*‖): μ = 2/(η + ‖x*‖), every norm.
    """

    a: np.ndarray
    x_star: np.ndarray
    noise: np.ndarray
    spec: dict | None = field(default=None, compare=False)  # how a classmethod built it (sweep cache keys)
    shape: tuple | None = None
    kind = 0

    @property
    def norms(self) -> tuple:
        return MATRIX_NORMS if self.shape else VECTOR_NORMS

    @classmethod
    def power_law(cls, dim: int = 100, *, exponent: float = 1.0, optimum: float = 0.5, anisotropic: bool = False,
                  seed: int = 0) -> "QuadraticProblem":
        """a_i = i^{−exponent}; x*_i = ±``optimum``/√d with random signs from ``seed`` (so ‖x*‖₂ = optimum).

        Noise isotropic, or ∝ a_i (gradient noise shaped like the curvature, as the NQM's C = H).
        """
        dim = errors.integer("dim", dim)
        exponent = errors.real("exponent", exponent, ge=0)
        optimum = errors.real("optimum", optimum, ge=0)
        errors.dimension_fits("dim", dim, dim)
        a = np.arange(1, dim + 1, dtype=np.float64) ** -exponent
        signs = np.where(np.random.default_rng(seed).random(dim) < 0.5, -1.0, 1.0)
        noise = a / a.sum() if anisotropic else np.full(dim, 1.0 / dim)
        spec = dict(family="power_law", dim=dim, exponent=exponent, optimum=optimum, anisotropic=bool(anisotropic),
                    seed=seed)
        return cls(a, signs * optimum / math.sqrt(dim), noise, spec)

    @classmethod
    def matrix(cls, d_out: int = 16, d_in: int = 16, *, exponent: float = 1.0, optimum: float = 0.5,
               seed: int = 0) -> "QuadraticProblem":
        """Matrix least squares f(X) = ½ E_u‖(X − X*)u‖₂² with inputs u of covariance S = diag(j^{−exponent}).

        ½Σ_j s_j‖X_{:,j} − X*_{:,j}‖²; X* Gaussian from ``seed`` scaled to ‖X*‖_F = ``optimum``; isotropic
        noise.
        """
        d_out, d_in = errors.integer("d_out", d_out), errors.integer("d_in", d_in)
        exponent = errors.real("exponent", exponent, ge=0)
        optimum = errors.real("optimum", optimum, ge=0)
        errors.dimension_fits("dim", d_out * d_in, d_out * d_in)
        s = np.arange(1, d_in + 1, dtype=np.float64) ** -exponent
        target = np.random.default_rng(seed).standard_normal((d_out, d_in))
        spec = dict(family="matrix", d_out=d_out, d_in=d_in, exponent=exponent, optimum=optimum, seed=seed)
        return cls(np.tile(s, d_out), (optimum * target / np.linalg.norm(target)).ravel(),
                   np.full(d_out * d_in, 1.0 / (d_out * d_in)), spec, (d_out, d_in))

    def value(self, x) -> np.ndarray:
        """f(x) − f* (= f(x)) for one point or a batch of points (last axis)."""
        e = np.asarray(x) - self.x_star
        return 0.5 * np.sum(self.a * e * e, axis=-1)

    def gradient(self, x) -> np.ndarray:
        return self.a * (np.asarray(x) - self.x_star)

    def constants(self, norm: str, radius: float) -> dict:
        """L, μ and ρ (see the class docstring) for the primal ``norm`` on the ball of radius ``radius``.

        The Newton–Schulz LMO gets the spectral norm's constants (the theorem does not cover an inexact LMO).
        """
        norm = "spectral" if self.check_norm(norm) == "spectral-ns" else norm
        radius = errors.real("radius", radius, gt=0)
        if norm == "spectral":
            L, rho = self.a[:self.shape[1]].sum(), math.sqrt(min(self.shape))
        else:
            L, rho = {"l2": self.a.max(), "linf": self.a.sum(), "l1": self.a.max()}[norm], _RHO[norm](self.dim)
        mu = 2.0 / (radius + self.norm_of(NORMS[norm].norm, self.x_star)[0])
        return {"L": float(L), "mu": float(mu), "rho": float(rho), "f_star": 0.0}


def _logistic_ratio(m: float) -> float:
    """σ(−m)/log(1 + e^{−m}), increasing in m.

    With u = e^{−m}: d/du log of u/((1 + u)log(1 + u)) = (log(1 + u) − u)/(u(1 + u)log(1 + u)) < 0.
    """
    return math.exp(-np.logaddexp(0.0, m)) / float(np.logaddexp(0.0, -m))


@dataclass(frozen=True)
class SeparableProblem(SCGProblem):
    """f(x) = (1/n)Σ φ(⟨u_i, x⟩) on linearly separable data, with logistic or exponential φ.

    u_i = y_i z_i are the signed examples, φ(m) = log(1 + e^{−m}) (logistic) or e^{−m} (exponential); f* = inf f = 0,
    not attained. Stochastic gradients: ∇f + σξ (Gaussian, as for the quadratic), or the mean gradient of B·S
    examples drawn with replacement (finite-sum sampling).

    Constants, per primal norm ‖·‖ with dual ‖·‖_*, on the ball ‖x‖ ≤ η (M_i = ‖u_i‖_*, w the unit-ℓ2 direction
    the data were separated by, γ = min_i ⟨u_i, w⟩/‖w‖ its margin in ‖·‖, a lower bound of the best margin):

    * A3: ‖∇f(x)‖_* ≥ ⟨∇f(x), −w/‖w‖⟩ = (1/n)Σ −φ'(m_i)⟨u_i, w⟩/‖w‖ ≥ γ(1/n)Σ −φ'(m_i). Exponential: −φ' = φ, so
      μ = γ on the whole space (the problem the issue asks for: μ-KL globally). Logistic: −φ'(m)/φ(m) =
      σ(−m)/log(1 + e^{−m}) is increasing in m (:func:`_logistic_ratio`), and m_i ≥ −ηM_i on the ball, so
      μ = γ·σ(M)/log(1 + e^{M}) with M = η max M_i (μ → 0 as the ball grows: KL only on balls).
    * A1: ∇²f = (1/n)Σ φ''(m_i)u_iu_iᵀ and ‖u_i⟨u_i, v⟩‖_* ≤ M_i²‖v‖, so along the segment (inside the ball)
      L = (1/n)Σ max φ''·M_i²: logistic φ'' ≤ ¼, L = Σ M_i²/(4n) everywhere; exponential φ'' = e^{−m} ≤ e^{ηM_i},
      L = (1/n)Σ e^{ηM_i}M_i² (exponentially loose in η: the price of global KL).
    * A2: as for vectors (ℓ2 and ℓ1: 1, ℓ∞: √d).
    """

    examples: np.ndarray
    direction: np.ndarray
    loss: str
    noise: np.ndarray
    spec: dict | None = field(default=None, compare=False)

    @property
    def kind(self) -> int:
        return 1 if self.loss == "logistic" else 2

    @property
    def a(self) -> np.ndarray:  # the kernel's quadratic arrays, unused for this problem
        return np.zeros(0)

    x_star = a

    @classmethod
    def gaussian(cls, dim: int = 16, examples: int = 64, *, margin: float = 0.1, loss: str = "logistic",
                 seed: int = 0) -> "SeparableProblem":
        """Separable Gaussian data with ℓ2 margin ``margin``, and an isotropic Gaussian noise shape.

        z_i ~ N(0, I/d), y_i = sign⟨z_i, w⟩ for a random unit w, then u_i = y_i z_i + ``margin``·w, so that every
        ⟨u_i, w⟩ ≥ margin.
        """
        dim, n = errors.integer("dim", dim), errors.integer("examples", examples)
        margin = errors.real("margin", margin, gt=0)
        if loss not in ("logistic", "exponential"):
            raise errors.InvalidParameter("loss", "'logistic' or 'exponential'", loss)
        errors.fits_in_memory("examples", n, 3 * 8 * n * dim)  # the examples, their draw and one product
        rng = np.random.default_rng(seed)
        w = rng.standard_normal(dim)
        w /= np.linalg.norm(w)
        z = rng.standard_normal((n, dim)) / math.sqrt(dim)
        u = np.where(z @ w >= 0, 1.0, -1.0)[:, None] * z + margin * w
        spec = dict(family="separable", dim=dim, examples=n, margin=margin, loss=loss, seed=seed)
        return cls(u, w, loss, np.full(dim, 1.0 / dim), spec)

    def margins(self, x) -> np.ndarray:
        return np.asarray(x) @ self.examples.T

    def value(self, x) -> np.ndarray:
        m = self.margins(x)
        phi = np.logaddexp(0.0, -m) if self.loss == "logistic" else np.exp(-m)
        return phi.mean(axis=-1)

    def gradient(self, x) -> np.ndarray:
        return self._slope(self.margins(x)) @ self.examples / self.examples.shape[0]

    def example_gradient(self, x, j: int) -> np.ndarray:
        """∇φ(⟨u_j, x⟩) = φ'(⟨u_j, x⟩)u_j: the gradient of example j alone (finite-sum sampling averages these)."""
        return self._slope(self.margins(x)[..., j, None]) * self.examples[j]

    def _slope(self, m):
        return -np.exp(-np.logaddexp(0.0, m)) if self.loss == "logistic" else -np.exp(-m)  # φ'(m)

    def constants(self, norm: str, radius: float) -> dict:
        """L, μ and ρ (see the class docstring) for the primal ``norm`` on the ball of radius ``radius``."""
        radius = errors.real("radius", radius, gt=0)
        primal, dual = NORMS[self.check_norm(norm)].norm, NORMS[norm].dual
        M = self.norm_of(dual, self.examples)
        gamma = float(np.min(self.examples @ self.direction)) / primal(self.direction)
        if self.loss == "logistic":
            L, mu = float(np.sum(M**2)) / (4 * M.size), gamma * _logistic_ratio(-radius * float(M.max()))
        else:
            L, mu = float(np.mean(np.exp(radius * M) * M**2)), gamma
        return {"L": L, "mu": mu, "rho": float(_RHO[norm](self.dim)), "f_star": 0.0}


def problem_from_spec(spec: dict) -> SCGProblem:
    """Rebuild a problem from its ``spec``."""
    spec = dict(spec)
    family = spec.pop("family")
    build = {"power_law": QuadraticProblem.power_law, "matrix": QuadraticProblem.matrix,
             "separable": SeparableProblem.gaussian}[family]
    return build(**spec)
