"""The Monte Carlo result every system returns: per-replicate values at recorded steps.

One convention for divergence everywhere: a replicate that diverged holds a non-finite value
from the step it blew up; ``n_diverged`` counts such replicates and ``diverged`` is whether there
is any. A mean over replicates of which some diverged does not exist, so ``mean`` and ``stderr``
are then ``None`` (the per-replicate ``values`` are still there).
"""

import math
from dataclasses import dataclass, field

import numpy as np

from batchlab.sim.results import JSONResult, jsonable


@dataclass(frozen=True)
class MonteCarlo(JSONResult):
    """``values[r, j]``: replicate r's quantity (loss, suboptimality) after ``steps[j]`` steps; ``seed`` the run's."""

    steps: np.ndarray
    values: np.ndarray = field(repr=False)
    seed: int

    @property
    def reps(self) -> int:
        """The number of replicates."""
        return int(self.values.shape[0])

    @property
    def n_diverged(self) -> int:
        """Replicates with a non-finite value at some recorded step."""
        return int(np.sum(~np.all(np.isfinite(self.values), axis=1)))

    @property
    def diverged(self) -> bool:
        """Whether any replicate diverged."""
        return self.n_diverged > 0

    @property
    def mean(self) -> np.ndarray | None:
        """Mean over replicates at each recorded step (None if any replicate diverged)."""
        return None if self.diverged else self.values.mean(axis=0)

    @property
    def stderr(self) -> np.ndarray | None:
        """Standard error of :attr:`mean` (None if any replicate diverged)."""
        return None if self.diverged else self.values.std(axis=0, ddof=1) / math.sqrt(self.reps)

    def summary(self) -> dict:
        """JSON-safe steps, mean, stderr, reps, seed, n_diverged and diverged (not the per-replicate values)."""
        return {"steps": jsonable(self.steps), "mean": jsonable(self.mean), "stderr": jsonable(self.stderr),
                "reps": self.reps, "seed": self.seed, "n_diverged": self.n_diverged, "diverged": self.diverged}

    def to_dict(self) -> dict:
        """Every field, JSON-safe."""
        own = ("steps", "values", "seed")
        extra = {f: jsonable(getattr(self, f)) for f in self.__dataclass_fields__ if f not in own}
        return {**self.summary(), **extra}
