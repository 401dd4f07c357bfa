"""Full Gauss–Newton against an Adam/Shampoo-like preconditioner on the NQM, at every batch size ([Abreu 2025]).

On the NQM the Gauss–Newton matrix is H itself, so full GN preconditioning is P = H^{−p} with p = 1, and the
square-root preconditioners of Adam, Shampoo and SOAP are p = ½ (the NQM paper's reading of them). Both run the
paper's protocol (:func:`batchlab.sim.nqm.steps_curves`: tuned learning rate per batch size, target loss); the gap
is the ratio of their steps, steps(p = ½)/steps(p = 1), at each batch size.

Below the critical batch size both are noise-limited and the gap is a constant near 1; it opens only where p = ½ is
curvature-limited, past its own critical batch size, and tends to the deterministic ratio (p = ½'s steps without
noise against one step of exact Newton).
"""

from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.nqm._curve import PAPER_BATCHES, StepsCurve, steps_curves
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult
from batchlab.sim.sweep import DEFAULT


@dataclass(frozen=True)
class PreconditionerGap(JSONResult):
    """steps(p = ``baseline``)/steps(p = ``newton``) per batch size, and where it first reaches ``gap``.

    ``first_at_gap``: the batch size at which the ratio first reaches ``gap`` (log-log interpolated between grid
    points; None if it never does), also in units of the baseline's critical batch size (``baseline_cbs``, the
    paper's Definition 3).
    """

    target: float
    batch_sizes: np.ndarray
    baseline: StepsCurve
    newton: StepsCurve
    ratio: np.ndarray
    gap: float
    first_at_gap: float | None
    baseline_cbs: float
    newton_cbs: float

    @property
    def first_at_gap_over_cbs(self) -> float | None:
        return None if self.first_at_gap is None else self.first_at_gap / self.baseline_cbs


def crossing_batch(batch_sizes, ratio, level: float) -> float | None:
    """The first batch size where ``ratio`` reaches ``level``, log-log interpolated; None if it never does."""
    above = np.flatnonzero(ratio >= level)
    if above.size == 0:
        return None
    k = int(above[0])
    if k == 0:
        return float(batch_sizes[0])
    x0, x1 = np.log(batch_sizes[k - 1 : k + 1])
    y0, y1 = np.log(ratio[k - 1 : k + 1])
    return float(np.exp(x0 + (np.log(level) - y0) * (x1 - x0) / (y1 - y0)))


def preconditioner_gap(problem: NQMProblem, *, target: float = 0.01, baseline: float = 0.5, newton: float = 1.0,
                       batches=PAPER_BATCHES, gap: float = 5.4, lr_grid: str = "fine", cache=DEFAULT,
                       workers: Workers = None) -> PreconditionerGap:
    """Tuned SGD steps to ``target`` with P = H^{−baseline} and P = H^{−newton} at each batch size, and their ratio.

    ``gap`` (default 5.4, the factor [Abreu 2025] report against SOAP and Muon) is the level whose first batch size
    is reported. ``lr_grid="fine"`` (Brent-refined learning rates) by default: the notebook's grid moves each
    curve by up to 2%, and the ratio by twice that.
    """
    gap = errors.real("gap", gap, gt=0)
    low, high = steps_curves(problem, preconds=(baseline, newton), batches=batches, target=target, lr_grid=lr_grid,
                             cache=cache, workers=workers)
    ratio = low.steps / high.steps
    return PreconditionerGap(target, low.batch_sizes, low, high, ratio, gap,
                             crossing_batch(low.batch_sizes, ratio, gap), float(low.cbs("paper")),
                             float(high.cbs("paper")))
