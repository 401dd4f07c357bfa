"""The noisy quadratic model: a diagonal Hessian, diagonal gradient-noise covariance and start."""

from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.results import ShortRepr


@dataclass(frozen=True, eq=False)
class NQMProblem(ShortRepr):
    """L(θ) = ½ Σ h_i θ_i², gradient noise Cov = diag(c)/B, θ(0) ~ N(0, diag(s0)).

    ``counts[i]`` is how many eigenvalues dimension i stands for (1 for the exact spectrum,
    the bin count for the notebook's quantised one), so the expected loss is
    ½ Σ counts_i h_i E θ_i² and ``dim`` = Σ counts is the dimension of the model.
    """

    h: np.ndarray
    c: np.ndarray
    s0: np.ndarray
    counts: np.ndarray
    description: dict

    @classmethod
    def paper(cls, dim: int = 10_000, binned: bool = False, bins: int = 100) -> "NQMProblem":
        """The paper's problem: h_i = 1/i, C = H, θ(0) ~ N(0, I); optionally quantised as in its notebook.

        Binned: bin values ``geomspace(1, 1/dim, bins)``; each h_i is rounded down to the largest bin
        value ≤ h_i, and each bin carries the number of eigenvalues rounded to it (empty bins dropped).
        """
        dim = errors.integer("dim", dim)
        errors.dimension_fits("dim", dim, dim)
        h = 1.0 / np.arange(1, dim + 1, dtype=np.float64)
        description = {"spectrum": "paper", "dim": dim, "binned": bool(binned)}
        if not binned:
            return cls(h, h.copy(), np.ones(dim), np.ones(dim), description)
        bins = errors.integer("bins", bins, ge=2)
        values = np.geomspace(h[0], h[-1], bins)
        # values is decreasing; the bin of h_i is the first value ≤ h_i (the notebook compares h_i >= value).
        index = np.searchsorted(-values, -h, side="left")
        counts = np.bincount(index, minlength=bins).astype(np.float64)
        keep = counts > 0
        return cls(values[keep], values[keep].copy(), np.ones(int(keep.sum())), counts[keep],
                   {**description, "bins": bins})

    @classmethod
    def from_arrays(cls, h, c=None, s0=None, counts=None) -> "NQMProblem":
        """Any positive spectrum; C = H and s0 = 1 by default; ``counts`` default 1."""
        h = errors.vector("h", h, positive=True)
        c = h.copy() if c is None else errors.vector("c", c, length=h.size)
        if np.any(c < 0):
            raise errors.InvalidParameter("c", ">= 0 everywhere", f"min {c.min():g}")
        s0 = np.ones_like(h) if s0 is None else errors.vector("s0", s0, positive=True, length=h.size)
        counts = np.ones_like(h) if counts is None else errors.vector("counts", counts, positive=True, length=h.size)
        return cls(h, c, s0, counts, {"spectrum": "explicit", "dim": float(counts.sum()), "binned": False})

    @property
    def spec(self) -> dict:
        """JSON data from which :meth:`from_spec` rebuilds exactly this problem (sweep configs, cache keys)."""
        if self.description["spectrum"] == "paper":
            keys = ("dim", "binned") + (("bins",) if self.description["binned"] else ())
            return {"spectrum": "paper", **{key: self.description[key] for key in keys}}
        return {"spectrum": "explicit", "h": self.h.tolist(), "c": self.c.tolist(), "s0": self.s0.tolist(),
                "counts": self.counts.tolist()}

    @classmethod
    def from_spec(cls, spec: dict) -> "NQMProblem":
        """Inverse of :attr:`spec`."""
        if spec["spectrum"] == "paper":
            return cls.paper(spec["dim"], spec["binned"], spec.get("bins", 100))
        return cls.from_arrays(spec["h"], spec["c"], spec["s0"], spec["counts"])

    @property
    def dim(self) -> float:
        return float(self.counts.sum())

    @property
    def weight(self) -> np.ndarray:
        """½ counts_i h_i: the expected loss is Σ weight_i E θ_i²."""
        return 0.5 * self.counts * self.h

    def loss(self, second_moments) -> float:
        """Expected loss ½ Σ counts_i h_i s_i for second moments s_i = E θ_i²."""
        return float(np.dot(self.weight, second_moments))
