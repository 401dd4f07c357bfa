"""The Gaussian linear-regression problem and the one-pass mini-batch schedule."""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors

# A run has diverged once its (expected or sampled) excess risk exceeds this many
# times R_0 + σ², the risk scale of the problem (R_0 = ‖w*‖²_H, the excess risk of
# w_0 = 0). A stable run never comes near it: the steady-state risk would need
# 1 − g(γ) ≈ 1e-12 in theory.linreg.ms_stability_limit.
BLOWUP_FACTOR = 1e12
# Risks, noise and R_0 stay far from float overflow (1.8e308) with BLOWUP_FACTOR on top of them.
LARGEST = 1e100


@dataclass(frozen=True, eq=False)
class LinRegProblem:
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
    def power_law(cls, a: float, b: float, dim: int, sigma: float = 1.0) -> "LinRegProblem":
        """λ_i = i^{−a}, source condition λ_i w*_i² = i^{−b} (w*_i = i^{(a−b)/2}), i = 1..dim."""
        a = errors.real("a", a, gt=1)
        b = errors.real("b", b)
        dim = errors.integer("dim", dim)
        sigma = errors.real("sigma", sigma, ge=0, le=math.sqrt(LARGEST))
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
        if d.get("spectrum") == "power_law":
            rebuilt = LinRegProblem.power_law(d["a"], d["b"], d["dim"], self.sigma)
            if np.array_equal(rebuilt.eigenvalues, self.eigenvalues) and np.array_equal(rebuilt.w_star, self.w_star):
                return {"spectrum": "power_law", "a": d["a"], "b": d["b"], "dim": d["dim"], "sigma": self.sigma}
        return {"spectrum": "explicit", "eigenvalues": self.eigenvalues.tolist(), "w_star": self.w_star.tolist(),
                "sigma": self.sigma}

    @classmethod
    def from_spec(cls, spec: dict) -> "LinRegProblem":
        """Inverse of :attr:`spec`."""
        if spec["spectrum"] == "power_law":
            return cls.power_law(spec["a"], spec["b"], spec["dim"], spec["sigma"])
        return cls.from_arrays(spec["eigenvalues"], spec["w_star"], spec["sigma"])

    @property
    def dim(self) -> int:
        return int(self.eigenvalues.size)

    @property
    def initial_risk(self) -> float:
        """R_0 = ‖w_0 − w*‖²_H = Σ λ_i w*_i²."""
        return float(np.dot(self.eigenvalues * self.weights, self.w_star**2))

    @property
    def blowup_threshold(self) -> float:
        return BLOWUP_FACTOR * (self.initial_risk + self.sigma**2)

    def with_sigma(self, sigma: float) -> "LinRegProblem":
        return LinRegProblem(self.eigenvalues, self.w_star, sigma, self.description)

    def with_start_at_optimum(self) -> "LinRegProblem":
        """The same problem started at w_0 = w* (only the noise moves it): the variance part."""
        return LinRegProblem(self.eigenvalues, np.zeros_like(self.w_star), self.sigma, self.description)


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
