"""Every result batchlab returns becomes strict JSON with ``to_dict()``, with one convention for what is missing.

Strict: ``json.dumps(..., allow_nan=False)`` accepts it, so nan and inf never leak (a missing value is null).
The Monte Carlo results of the three systems share one shape (mean, stderr, n_diverged, diverged, summary()).
"""

import json
import math

import numpy as np
import pytest

import batchlab as bl
from batchlab.sim.critical_batch import DEFINITIONS, check_definition
from batchlab.sim.results import jsonable, listed, number
from batchlab.sim.targets import steps_to_target
from batchlab.sim.tuning import minimize_log


def strict(result) -> dict:
    payload = result.to_dict()
    json.dumps(payload, allow_nan=False)
    return payload


def test_number_and_listed_turn_what_is_missing_into_none():
    assert [number(v) for v in (None, math.nan, math.inf, -math.inf, np.float64(2.5), np.int64(3), np.bool_(True))] \
        == [None, None, None, None, 2.5, 3, True]
    assert listed(np.array([[1.0, np.nan], [np.inf, 4.0]])) == [[1.0, None], [None, 4.0]]
    assert jsonable({"a": (1, np.array([np.nan])), 2: "x"}) == {"a": [1, [None]], "2": "x"}


def linreg_results():
    problem = bl.linreg.LinRegProblem.power_law(1.5, 2.0, 30)
    limit = bl.linreg.exact_risk(problem, lr=0.1, batch=2, samples=2).lr_max
    yield bl.linreg.exact_risk(problem, lr=0.5 * limit, batch=2, samples=64)
    yield bl.linreg.exact_risk(problem, lr=4 * limit, batch=2, samples=2 * 3000)  # diverged: risks None
    yield bl.linreg.risk_path(problem, lr=0.5 * limit, batch=2, steps=20)
    yield bl.linreg.monte_carlo_risk(problem, lr=0.5 * limit, batch=2, samples=64, reps=4, decompose=True)
    yield bl.linreg.monte_carlo_risk(problem, lr=4 * limit, batch=2, samples=2 * 3000, reps=3)


def nqm_results():
    problem = bl.nqm.NQMProblem.paper(200, binned=True, bins=20)
    yield bl.nqm.tuned_steps(problem, batch=64, target=0.01, optimizer="momentum")
    yield bl.nqm.tuned_steps(problem, batch=64, target=1e-9, max_steps=10)  # never reached
    yield bl.nqm.sgd_monte_carlo(problem, lr=0.5, batch=8, steps=[0, 5], reps=4)
    schedule = bl.nqm.Schedule.constant(0.3, 8, 10)
    yield schedule
    yield bl.nqm.optimise_schedule(problem, batch=8, steps=40, pieces=2)


def scg_results():
    problem = bl.scg.QuadraticProblem.power_law(10)
    settings = bl.scg.SCGSettings(alpha=0.1, radius=2.0)
    yield settings
    yield bl.scg.scg_monte_carlo(problem, settings, batch=4, tokens=400, beta=0.05, reps=3)
    yield bl.scg.scg_stages(problem, settings, [bl.scg.Stage(4, 1, 200, 0.05), bl.scg.Stage(8, 1, 400, 0.05)],
                            reps=3, points=2)


def toolkit_results():
    yield steps_to_target([3.0, 2.0, 1.0], 1.5)
    yield steps_to_target([3.0, 2.0], 1.0)  # never: None
    yield minimize_log(lambda x, cap: (math.log(x) - 1) ** 2, 0.1, 100.0)
    yield bl.linreg.LrSearch()


@pytest.mark.parametrize("result", [*linreg_results(), *nqm_results(), *scg_results(), *toolkit_results()],
                         ids=lambda r: type(r).__name__)
def test_to_dict_is_strict_json(result):
    assert strict(result)


def test_the_monte_carlo_results_share_one_shape():
    """mean, stderr, n_diverged and diverged on every system's Monte Carlo; a diverged mean is None, not inf."""
    linreg, *_ = (r for r in linreg_results() if isinstance(r, bl.linreg.MonteCarloRisk))
    nqm = next(r for r in nqm_results() if isinstance(r, bl.nqm.MonteCarlo))
    scg = next(r for r in scg_results() if isinstance(r, bl.scg.MonteCarlo))
    for run in (linreg, nqm, scg):
        assert run.mean is not None and run.stderr is not None and {"n_diverged", "diverged"} <= run.summary().keys()
        assert run.n_diverged == 0 and not run.diverged
    blown = list(linreg_results())[-1]
    assert blown.diverged and blown.n_diverged == 3 and blown.averaged is None and blown.mean["averaged"] is None
    problem = bl.scg.QuadraticProblem.power_law(10, exponent=0.0)
    overflow = bl.scg.scg_monte_carlo(problem, bl.scg.SCGSettings(alpha=1.0, radius=1e305, algorithm="uscg"),
                                      batch=1, tokens=400, beta=0.1, reps=2)
    assert overflow.n_diverged == 2 and overflow.mean is None and strict(overflow)["mean"] is None


def test_tuned_steps_names_its_hyperparameters_and_none_means_never():
    problem = bl.nqm.NQMProblem.paper(200, binned=True, bins=20)
    momentum = bl.nqm.tuned_steps(problem, batch=64, target=0.01, optimizer="momentum").to_dict()
    assert momentum["momentum"] is not None and momentum["ema_decay"] is None
    never = bl.nqm.tuned_steps(problem, batch=64, target=1e-9, max_steps=10).to_dict()
    assert never["steps"] is None and never["fractional"] is None and never["lr"] is None


def test_one_registry_of_cbs_definitions():
    assert list(DEFINITIONS) == ["paper", "fit", "fit-alpha", "sfo", "noise"]
    with pytest.raises(bl.InvalidParameter, match="definition"):
        check_definition("nope")


def test_results_and_problems_have_a_short_repr():
    """A repr shows key numbers and arrays' shapes, never whole arrays: a terminal or a notebook stays readable
    (the dataclass repr of a 10⁴-dimensional problem was 10⁴ numbers per array)."""
    import batchlab as bl

    problem = bl.nqm.NQMProblem.paper(10_000)
    run = bl.nqm.sgd_monte_carlo(bl.nqm.NQMProblem.paper(100), lr=0.5, batch=8, steps=[0, 10, 100], reps=50)
    tuned = bl.nqm.tuned_steps(bl.nqm.NQMProblem.paper(100), batch=64, target=0.01)
    for value, shows in ((problem, "h=array(shape=(10000,))"), (run, "values=array(shape=(50, 3))"),
                         (tuned, f"steps={tuned.steps}"),
                         (bl.linreg.LinRegProblem.power_law(1.5, 2.0, 5000), "a: 1.5")):
        text = repr(value)
        assert shows in text and len(text) < 400, text
