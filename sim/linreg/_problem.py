"""The Gaussian linear-regression problem and the one-pass mini-batch schedule."""

import math
from dataclasses import dataclass

import numpy as np
import scipy.special

from batchlab.sim import errors
from batchlab.sim.results import ShortRepr
from batchlab.theory.linreg import ms_stability_limit

# A run has diverged once its (expected or sampled) excess risk exceeds this many
# times R_0 + σ², the risk scale of the problem (R_0 = ‖w*‖²_H, the excess risk of
# w_0 = 0). A stable run never comes near it: the steady-state risk would need
# 1 − g(γ) ≈ 1e-12 in theory.linreg.ms_stability_limit.
BLOWUP_FACTOR = 1e12
# Risks, noise and R_0 stay far from float overflow (1.8e308) with BLOWUP_FACTOR on top of them.
LARGEST = 1e100


@dataclass(frozen=True, eq=False)
class LinRegProblem(ShortRepr):
    """x ~ N(0, diag(eigenvalues)), y = xᵀw* + N(0, sigma²), started from w_0 = 0.

    Only the squares w*_i² enter any expected risk (the diagonal second-moment
    recursion closes on them), so a deterministic w* with w*_i² equal to a prior's
    second moment gives exactly the prior-averaged expected risk. The Monte Carlo
    engines use this w* as is.
    """

    eigenvalues: np.ndarray
    w_star: np.ndarray
    sigma: float
    description: dict
    weights: np.ndarray | None = None

    def __post_init__(self):
        if self.weights is None:
            object.__setattr__(self, "weights", np.ones_like(self.eigenvalues))

    @classmethod
    def power_law(cls, a: float, b: float, dim, sigma: float = 1.0) -> "LinRegProblem":
        """λ_i = i^{−a}, source condition λ_i w*_i² = i^{−b} (w*_i = i^{(a−b)/2}), i = 1..dim.

        ``dim`` = math.inf (or "inf"): the untruncated spectrum, see :func:`untruncated_groups`.
        """
        a = errors.real("a", a, gt=1)
        b = errors.real("b", b)
        sigma = errors.real("sigma", sigma, ge=0, le=math.sqrt(LARGEST))
        if dim == "inf" or (isinstance(dim, float) and math.isinf(dim) and dim > 0):
            b = errors.real("b", b, gt=1)  # R_0 = Σ i^−b must be finite
            lam, weight, w = untruncated_groups(a, b)
            return cls(lam, w, sigma, {"spectrum": "power_law", "a": a, "b": b, "dim": "inf", "head": HEAD,
                                       "per_octave": PER_OCTAVE}, weight)
        dim = errors.integer("dim", dim)
        errors.dimension_fits("dim", dim, dim)
        index = np.arange(1, dim + 1, dtype=np.float64)
        with np.errstate(over="ignore", under="ignore"):
            lam, w = index**-a, index ** ((a - b) / 2)
            if not lam[-1] > 0:
                raise errors.InvalidParameter("a", f"small enough that dim^-a is a positive float (dim = {dim})", a)
            if not np.sum(index**-b) <= LARGEST:
                raise errors.InvalidParameter("b", f"large enough that R_0 = sum i^-b over i <= {dim} is at most "
                                                   f"{LARGEST:g}", b)
            if not np.all(np.isfinite(w)):
                raise errors.InvalidParameter("a", f"small enough that w*_i = i^((a-b)/2) is finite (dim = {dim})", a)
        return cls(lam, w, sigma, {"spectrum": "power_law", "a": a, "b": b, "dim": dim})

    @classmethod
    def from_arrays(cls, eigenvalues, w_star, sigma: float = 1.0) -> "LinRegProblem":
        """Any positive spectrum and explicit w* (in the eigenbasis of H)."""
        lam = errors.vector("eigenvalues", eigenvalues, positive=True)
        w = errors.vector("w_star", w_star, length=lam.size)
        sigma = errors.real("sigma", sigma, ge=0, le=math.sqrt(LARGEST))
        return cls(lam, w, sigma, {"spectrum": "explicit", "dim": int(lam.size)})

    @property
    def spec(self) -> dict:
        """JSON data from which :meth:`from_spec` rebuilds exactly this problem (sweep configs, cache keys)."""
        d = self.description
        if d.get("dim") == "inf":
            extra = {"model_dim": d["model_dim"]} if "model_dim" in d else {}
            sigma = d.get("label_sigma", self.sigma)
            return {"spectrum": "power_law", "a": d["a"], "b": d["b"], "dim": "inf", "sigma": sigma, "head": d["head"],
                    "per_octave": d["per_octave"], **extra}
        if d.get("spectrum") == "power_law":
            sigma = d.get("label_sigma", self.sigma)
            rebuilt = LinRegProblem.power_law(d["a"], d["b"], d["dim"], sigma)
            extra = {}
            if "model_dim" in d:
                rebuilt, extra = rebuilt.with_model_dim(d["model_dim"]), {"model_dim": d["model_dim"]}
            if (np.array_equal(rebuilt.eigenvalues, self.eigenvalues) and np.array_equal(rebuilt.w_star, self.w_star)
                    and rebuilt.sigma == self.sigma):
                return {"spectrum": "power_law", "a": d["a"], "b": d["b"], "dim": d["dim"], "sigma": sigma, **extra}
        return {"spectrum": "explicit", "eigenvalues": self.eigenvalues.tolist(), "w_star": self.w_star.tolist(),
                "sigma": self.sigma}

    @classmethod
    def from_spec(cls, spec: dict) -> "LinRegProblem":
        """Inverse of :attr:`spec`."""
        if spec.get("dim") == "inf":
            full = {key: value for key, value in spec.items() if key != "model_dim"}
            if (spec["head"], spec["per_octave"]) != (HEAD, PER_OCTAVE):
                lam, weight, w = untruncated_groups(spec["a"], spec["b"], spec["head"], spec["per_octave"])
                problem = cls(lam, w, spec["sigma"], {**full, "spectrum": "power_law"}, weight)
            else:
                problem = cls.power_law(spec["a"], spec["b"], "inf", spec["sigma"])
            return problem.with_model_dim(spec["model_dim"]) if "model_dim" in spec else problem
        if spec["spectrum"] == "power_law":
            problem = cls.power_law(spec["a"], spec["b"], spec["dim"], spec["sigma"])
            return problem.with_model_dim(spec["model_dim"]) if "model_dim" in spec else problem
        return cls.from_arrays(spec["eigenvalues"], spec["w_star"], spec["sigma"])

    @property
    def dim(self) -> int:
        """The number of coordinates the engines carry (groups of directions, for an untruncated spectrum)."""
        return int(self.eigenvalues.size)

    @property
    def grouped(self) -> bool:
        """Whether some coordinate stands for a group of directions (only the exact engines handle that)."""
        return bool(np.any(self.weights != 1.0))

    @property
    def initial_risk(self) -> float:
        """R_0 = ‖w_0 − w*‖²_H = Σ λ_i w*_i²."""
        return float(np.dot(self.eigenvalues * self.weights, self.w_star**2))

    def stability_limit(self, batch: int, momentum: float = 0.0) -> float:
        """The exact mean-square stability limit γ_max at batch ``batch`` (theory.linreg.ms_stability_limit)."""
        return ms_stability_limit(self.eigenvalues, batch, self.weights, momentum)

    @property
    def blowup_threshold(self) -> float:
        return BLOWUP_FACTOR * (self.initial_risk + self.sigma**2)

    def with_sigma(self, sigma: float) -> "LinRegProblem":
        return LinRegProblem(self.eigenvalues, self.w_star, sigma, self.description, self.weights)

    def with_model_dim(self, model_dim: int) -> "LinRegProblem":
        """The learner that fits only the first ``model_dim`` features (for a power law, the largest eigenvalues).

        Exactly the problem on those features with label noise σ² + Σ_{i>N} λ_i w*_i²: Gaussian features are
        independent, so the part of the label the learner cannot fit is Gaussian noise independent of what it
        sees. Its risks are excess over its own best fit; the full problem's excess risk adds the constant
        ``description["unlearned_risk"]`` = Σ_{i>N} λ_i w*_i² (B* and every steps-to-target count are the same in
        either convention, the target being a risk of the same learner). On the untruncated spectrum the model
        is :func:`untruncated_groups` up to N, and Σ_{i>N} i^−b = ζ(b, N + 1) (Hurwitz) exactly.
        """
        d = self.description
        if "model_dim" in d or (self.grouped and d.get("dim") != "inf"):
            raise errors.InvalidParameter("model_dim", "applied once, to a power-law or explicit spectrum", model_dim)
        model_dim = errors.integer("model_dim", model_dim)
        if d.get("dim") == "inf":
            lam, weight, w = untruncated_groups(d["a"], d["b"], d["head"], d["per_octave"], upto=model_dim)
            unlearned = float(scipy.special.zeta(d["b"], model_dim + 1.0))
            return LinRegProblem(lam, w, math.sqrt(self.sigma**2 + unlearned),
                                 {**d, "model_dim": model_dim, "label_sigma": self.sigma, "unlearned_risk": unlearned},
                                 weight)
        if model_dim > self.dim:
            raise errors.InvalidParameter("model_dim", f"at most dim = {self.dim}", model_dim)
        unlearned = float(np.dot(self.eigenvalues[model_dim:], self.w_star[model_dim:] ** 2))
        sigma = math.sqrt(self.sigma**2 + unlearned)
        return LinRegProblem(self.eigenvalues[:model_dim].copy(), self.w_star[:model_dim].copy(), sigma,
                             {**self.description, "model_dim": model_dim, "label_sigma": self.sigma,
                              "unlearned_risk": unlearned})

    def with_start_at_optimum(self) -> "LinRegProblem":
        """The same problem started at w_0 = w* (only the noise moves it): the variance part."""
        return LinRegProblem(self.eigenvalues, np.zeros_like(self.w_star), self.sigma, self.description, self.weights)


# The untruncated spectrum: directions 1..HEAD exactly, then PER_OCTAVE Gauss–Legendre nodes per octave of
# i, up to where λ = LAMBDA_FLOOR, then one group for all the rest.
HEAD = 64
PER_OCTAVE = 4
LAMBDA_FLOOR = 1e-30


def untruncated_groups(a: float, b: float, head: int = HEAD, per_octave: int = PER_OCTAVE, upto: int | None = None):
    """(λ, multiplicity, w*) of groups representing λ_i = i^−a, λ_i w*_i² = i^−b for every i ≥ 1.

    ``upto`` = N: only the directions i ≤ N (exact up to ``head``, the integral up to N + ½, no remainder
    group), for a model of the first N features (:meth:`LinRegProblem.with_model_dim`).

    * i ≤ ``head``: one direction each, exact.
    * The rest as an integral: Σ_{i>head} f(i) = ∫_{head+½}^∞ f(x)dx + O(f″) (the midpoint rule; the
      relative error of a term is ~1/(24 head²)), in u = ln x with ``per_octave`` Gauss–Legendre nodes
      per octave, each node a group of weight w_GL·x directions with λ = x^−a and w*² = x^(a−b).
      Every function the engines sum over directions is smooth in u, so the nodes converge fast;
      tests/test_linreg_untruncated.py measures the error by refining the head and the nodes.
    * Past X = LAMBDA_FLOOR^(−1/a), directions that no run of up to 2^45 steps at γ ≤ 2 moves by more
      than 1e-14 of their risk: one group with the remainder's trace Σλ, Σλ² and Σλw*² in closed form
      (∫_X^∞ of x^−a, x^−2a and x^−b), so the stability limit, the noise they inject and the risk
      they hold are all kept.
    """
    if upto is not None and upto <= head:
        index = np.arange(1, upto + 1, dtype=np.float64)
        return index**-a, np.ones(upto), np.sqrt(index ** (a - b))
    index = np.arange(1, head + 1, dtype=np.float64)
    nodes, gauss = np.polynomial.legendre.leggauss(per_octave)
    start, stop = math.log(head + 0.5), math.log(LAMBDA_FLOOR) / -a if upto is None else math.log(upto + 0.5)
    edges = np.append(np.arange(start, stop, math.log(2.0)), stop)
    half = np.diff(edges)[:, None] / 2.0
    u = (edges[:-1, None] + half * (nodes[None, :] + 1.0)).ravel()
    x = np.exp(u)
    count = (half * gauss[None, :]).ravel() * x
    if upto is not None:
        return (np.concatenate([index**-a, x**-a]), np.concatenate([np.ones(head), count]),
                np.sqrt(np.concatenate([index ** (a - b), x ** (a - b)])))
    end = math.exp(stop)
    trace, square, risk = end ** (1 - a) / (a - 1), end ** (1 - 2 * a) / (2 * a - 1), end ** (1 - b) / (b - 1)
    lam = np.concatenate([index**-a, x**-a, [square / trace]])
    weight = np.concatenate([np.ones(head), count, [trace**2 / square]])
    w_sq = np.concatenate([index ** (a - b), x ** (a - b), [risk / trace]])
    return lam, weight, np.sqrt(w_sq)


def one_pass_steps(batch: int, samples: int) -> int:
    """N = D/B for one pass over D samples; D must be a positive multiple of B."""
    batch = errors.integer("batch", batch)
    samples = errors.integer("samples", samples)
    if samples % batch:
        raise errors.InvalidParameter("samples", f"a multiple of batch={batch}", samples)
    return samples // batch


def tail_start(steps: int) -> int:
    """Tail averaging averages w_t for t = ⌊n/2⌋..n−1 (the last half, same endpoints convention as w̄)."""
    return steps // 2
