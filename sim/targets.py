"""Steps to reach a target loss, for any engine that gives the expected loss step by step.

A loss path is an array whose entry k is the expected loss after ``first_step + k`` steps
(``first_step`` = 1 for the paper's averaged iterate, whose m-th value is the average of
w_0..w_{m−1}; 0 for a last-iterate path that starts with w_0). Nothing here assumes the
loss is monotone in time: momentum and large learning rates make it oscillate, so the
answer is the *first* step at or below the target, found by a scan (a binary search, as
in the NQM paper's notebook, would be wrong there).
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.results import JSONResult


@dataclass(frozen=True)
class StepsToTarget(JSONResult):
    """``steps``: smallest step count with loss ≤ target (None if the path never gets there).

    ``fractional``: the crossing interpolated log-linearly between the last step above the
    target and the first at or below it, in (steps − 1, steps]; a continuous version of
    ``steps`` for tuning and for interpolating critical batch sizes between grid points.
    """

    steps: int | None
    fractional: float | None

    @property
    def reached(self) -> bool:
        """Whether the path reaches the target."""
        return self.steps is not None


def steps_to_target(losses, target: float, *, first_step: int = 1) -> StepsToTarget:
    """First step at which ``losses`` (entry k = loss after ``first_step + k`` steps) is ≤ ``target``."""
    target = errors.real("target", target, gt=0)
    losses = np.asarray(losses, dtype=np.float64)
    below = np.flatnonzero(losses <= target)
    if below.size == 0:
        return StepsToTarget(None, None)
    k = int(below[0])
    steps = first_step + k
    if k == 0:
        return StepsToTarget(steps, float(steps))
    return StepsToTarget(steps, steps - 1 + float(crossing_share(losses[k - 1], losses[k], target)))


def crossing_share(before: float, after: float, target: float) -> float:
    """Where in (0, 1] between two steps the loss crosses ``target``, log-linearly (before > target ≥ after).

    Plain arithmetic, so compiled kernels use this very function: :func:`compiled_crossing_share`.
    """
    if after > 0.0:
        return (math.log(before) - math.log(target)) / (math.log(before) - math.log(after))
    return (before - target) / (before - after)  # a loss of exactly 0: interpolate linearly


compiled_crossing_share = jit(crossing_share)  # the same function, for Numba kernels
