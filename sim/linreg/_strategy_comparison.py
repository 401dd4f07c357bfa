"""The seed paper's training strategies side by side at one data size: steps to one target, and momentum's effect.

The seed paper compares its strategies by the steps each needs to reach one target loss at each batch size (its
Figure 4 and Figures 9, 11). Here every strategy is tuned per batch size by the CBS protocol
(:func:`batchlab.sim.linreg.measure_cbs_scaling` with ``strategy``) and counts its steps to a common target: the
largest R_opt among the ``compared`` strategies (the least loss each of them reaches with D samples at its own
B_opt), so that each reaches it. Strategies outside ``compared`` (the constant learning rate's last iterate, say)
count their steps to the same target, inf where they do not reach it within the protocol's step limit. Momentum
is measured on one ``reference`` strategy (the paper's constant + EWA) with β fixed at each value given.
"""

from dataclasses import dataclass, field

import numpy as np

from batchlab.sim import errors
from batchlab.sim.linreg._cbs import measure_cbs_scaling
from batchlab.sim.linreg._problem import LinRegProblem
from batchlab.sim.linreg._strategies import Strategy
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult
from batchlab.sim.sweep import DEFAULT

# The seed paper's strategies (its Figure 4): the theory's uniform average, a constant learning rate's last iterate,
# its constant + EWA, and cosine and WSD schedules evaluated at the last iterate; what each leaves open is tuned.
PAPER_STRATEGIES = {
    "uniform average": Strategy(),
    "constant": Strategy(average="last"),
    "constant + EWA": Strategy(average="ewa", ema_decay=None),
    "cosine": Strategy(average="last", schedule="cosine"),
    "WSD": Strategy(average="last", schedule="wsd", decay=None),
}
COMPARED = ("uniform average", "constant + EWA", "cosine", "WSD")
MOMENTA = (0.8, 0.9, 0.95, 0.975)  # the seed paper's β_1 grid without 0 (Figure 11)


@dataclass(frozen=True)
class StrategyComparison(JSONResult):
    """Steps to one target per strategy at data size ``samples``, and the reference strategy's with momentum.

    ``steps[name]``: f(B) on ``batch_sizes`` (nan where the target is not reached within the step limit);
    ``r_opt[name]``: the strategy's own least risk after D samples; ``target``: the largest of the ``compared``
    ones'; ``cbs[name]``: Definition 3's B* of f(B) (linear scaling from the strategy's own B_opt);
    ``chosen[name]``: the hyperparameters the protocol chose for f(B) (None for plain SGD);
    ``momentum_steps[β]``: f(B) of ``reference`` with heavy-ball momentum β.
    """

    problem: dict
    samples: int
    target: float
    reference: str
    compared: tuple
    batch_sizes: np.ndarray = field(repr=False)
    r_opt: dict = field(repr=False)
    steps: dict = field(repr=False)
    cbs: dict = field(repr=False)
    chosen: dict = field(repr=False)
    momentum_steps: dict = field(repr=False)

    def ratio(self, name: str, over: str | None = None) -> np.ndarray:
        """f(B) of ``name`` over f(B) of ``over`` (default the reference), per batch size."""
        return self.steps[name] / self.steps[over or self.reference]

    def momentum_ratio(self, beta: float) -> np.ndarray:
        """f(B) with momentum β over f(B) without, for the reference strategy."""
        return self.momentum_steps[float(beta)] / self.steps[self.reference]


def compare_strategies(problem: LinRegProblem, samples: int, *, strategies: dict = PAPER_STRATEGIES,
                       compared=COMPARED, reference: str = "constant + EWA", momenta=MOMENTA, batches=None,
                       cache=DEFAULT, workers: Workers = None) -> StrategyComparison:
    """:class:`StrategyComparison` at data size ``samples`` (module docstring); ``batches`` as for the CBS protocol."""
    compared = tuple(compared)
    for name in (*compared, reference):
        if name not in strategies:
            raise errors.InvalidParameter("compared", "names of the strategies given: " + ", ".join(strategies), name)
    run = dict(batches=batches, cache=cache, workers=workers)
    own = {name: measure_cbs_scaling(problem, [samples], strategy=s, **run)[0] for name, s in strategies.items()}
    target = max(own[name].paper.r_opt for name in compared)
    common = {name: measure_cbs_scaling(problem, [samples], strategy=s, target=target, **run)[0]
              for name, s in strategies.items()}
    with_momentum = {float(beta): measure_cbs_scaling(problem, [samples], target=target,
                                                      strategy=strategies[reference].replace(momentum=beta),
                                                      **run)[0].steps
                     for beta in momenta}
    return StrategyComparison(problem.spec, samples, target, reference, compared, common[reference].batch_sizes,
                              {name: m.paper.r_opt for name, m in own.items()},
                              {name: m.steps for name, m in common.items()},
                              {name: m.cbs("paper") for name, m in common.items()},
                              {name: m.hyperparameters and m.hyperparameters["steps"] for name, m in common.items()},
                              with_momentum)
