"""The restart schedule of §5.3 (the "delayed data" setting) against the two fixed alternatives.

Only T₀ tokens are there at first; the run is tuned for them: B·S = B₀S₀, β = β₀ (the BST point at T₀). More data
arrives, for a total of T₁. Three ways to spend it, all from x₀ = 0 (single-token sequences, S = 1):

* ``fixed``: keep (B₀S₀, β₀) for all T₁ tokens (the μP-style choice: nothing is retuned);
* ``restart``: (B₀S₀, β₀) for the first T₀ tokens, then the settings of eqs. 7–8 for the total budget,
  B₁S₁ = B₀S₀(T₁/T₀)^{2/3} and β₁ = β₀(B₁S₁/B₀S₀)(T₀/T₁), for the remaining T₁ − T₀ (``reset``: whether the
  momentum buffer restarts, which the paper leaves open);
* ``large``: (B₁S₁, β₁) from the start (a fixed large-batch run; the right choice had T₁ been known at the start).
"""

from dataclasses import dataclass

from batchlab.sim import errors
from batchlab.sim.results import JSONResult
from batchlab.sim.scg._montecarlo import SCGSettings, Stage, scg_stages
from batchlab.sim.scg._problems import SCGProblem
from batchlab.theory.scg import transfer_bst

STRATEGIES = ("fixed", "restart", "large")


@dataclass(frozen=True)
class RestartRuns(JSONResult):
    """One :class:`SCGRun` (with ``tokens``) per strategy, and the second-stage settings (B₁S₁, β₁) of eqs. 7–8."""

    runs: dict
    bs_large: int
    beta_large: float


def restart_runs(problem: SCGProblem, settings: SCGSettings, *, tokens_from: int, tokens_to: int, bs: int, beta: float,
                 reset: str = "none", schedule: str = "constant", reps: int = 64, seed: int = 0,
                 points: int = 40) -> RestartRuns:
    """The three strategies of the module docstring, every run on the same replicate streams.

    From the tuned (``bs``, ``beta``) at ``tokens_from`` to the total ``tokens_to``. ``schedule="warmdown"`` gives every
    stage the experiments' linear warmdown (the restart's first stage decays at T₀, as a run planned for T₀ would).
    """
    tokens_from = errors.integer("tokens_from", tokens_from, ge=bs)
    tokens_to = errors.integer("tokens_to", tokens_to, ge=tokens_from + 1)
    large, beta_large = transfer_bst(bs, beta, tokens_from, tokens_to)
    large = max(1, round(large))
    stages = {"fixed": [Stage(bs, 1, tokens_to, beta, schedule)],
              "restart": [Stage(bs, 1, tokens_from, beta, schedule),
                          Stage(large, 1, tokens_to - tokens_from, beta_large, schedule)],
              "large": [Stage(large, 1, tokens_to, beta_large, schedule)]}
    runs = {name: scg_stages(problem, settings, stages[name], reset=reset, reps=reps, seed=seed, points=points)
            for name in STRATEGIES}
    return RestartRuns(runs, large, beta_large)
