"""The contract every system keeps, checked on every row of one table (optax's table of optimisers, for systems).

A row says how to make a small problem, its Monte Carlo run (and exact engine, where one exists) at a stable and a
diverging learning rate, and one command-line call of the same run; the checks below hold every row to the same
rules: exact against Monte Carlo within K_SE standard errors, identical numbers on 1 and 2 threads and on 2
processes, the divergence convention (flagged, counted, null in JSON, never NaN), strict JSON, and the command
line's payload equal to the library's. A new system or optimiser is checked by adding a row.

The rows still adapt three dialects (each system's own function names and result shapes); they shrink to the
shared front doors as those arrive.
"""

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import batchlab as bl
from batchlab.cli import main

from tolerances import assert_within_k_se


@dataclass(frozen=True)
class Row:
    """One system's (or optimiser's) entry: what the shared checks need of it.

    ``monte_carlo(workers, lr)`` runs it (``lr`` None: the stable default); ``estimate(run)`` gives (mean,
    stderr) arrays of the compared quantity, ``exact()`` the exact engine's values of it (None: no exact engine);
    ``diverging_lr`` a learning rate past the stability limit, and ``json_means(payload)`` where the means stand in
    a result's JSON; ``cli`` the argv of the same run, whose JSON payload ``payload(run)`` must match.
    """

    monte_carlo: Callable
    estimate: Callable
    exact: Callable | None
    diverging_lr: float
    json_means: Callable
    cli: list | None
    payload: Callable | None


LINREG = bl.linreg.LinRegProblem.power_law(1.5, 2.0, 30)
NQM = bl.nqm.NQMProblem.paper(40)
SCG = bl.scg.QuadraticProblem.power_law(20)
NQM_STEPS = [0, 5, 20, 60]


def _linreg_mc(workers, lr=None):
    return bl.linreg.monte_carlo_risk(LINREG, lr=lr or 0.3, batch=4, samples=256, reps=400, seed=3, workers=workers,
                                      decompose=True)


def _nqm_mc(workers, lr=None):
    return bl.nqm.sgd_monte_carlo(NQM, lr=lr or 0.5, batch=4, steps=NQM_STEPS, reps=400, seed=3, workers=workers)


def _scg_mc(workers, lr=None):
    settings = bl.scg.SCGSettings(lmo="l2", alpha=0.2, radius=lr or 1.0, algorithm="sgd" if lr else "scg")
    return bl.scg.scg_monte_carlo(SCG, settings, batch=4, seq=2, tokens=8 * 200, beta=0.01, reps=64, seed=3,
                                  workers=workers)


SYSTEMS = {
    "linreg": Row(
        monte_carlo=_linreg_mc,
        estimate=lambda run: (np.array([run.mean[k] for k in ("last", "averaged", "bias", "variance")]),
                              np.array([run.stderr[k] for k in ("last", "averaged", "bias", "variance")])),
        exact=lambda: (lambda e: np.array([e.last, e.averaged, e.bias, e.variance]))(
            bl.linreg.exact_risk(LINREG, lr=0.3, batch=4, samples=256)),
        diverging_lr=3.0,
        json_means=lambda payload: [payload[k] for k in ("last", "averaged", "tail_averaged", "bias", "variance")],
        cli=["linreg", "risk", "--a", "1.5", "--b", "2", "--dim", "30", "--lr", "0.3", "--batch", "4", "--samples",
             "256", "--method", "mc", "--reps", "400", "--seed", "3"],
        payload=lambda run: run.summary()),
    "nqm": Row(
        monte_carlo=_nqm_mc,
        estimate=lambda run: (run.mean, run.stderr),
        exact=lambda: bl.nqm.sgd_loss(NQM, lr=0.5, batch=4, steps=NQM_STEPS),
        diverging_lr=1e3,  # |1 − αh|^2k overflows within the 60 steps
        json_means=lambda payload: payload["mean"],
        cli=None,  # no verb runs one Monte Carlo at a given learning rate yet (issue 25's `nqm loss`)
        payload=None),
    "scg": Row(
        monte_carlo=_scg_mc,
        estimate=lambda run: (run.mean, run.stderr),
        exact=None,  # no exact engine: Monte Carlo is the measurement
        diverging_lr=1e200,  # SGD with a step of 1e200 overflows at once
        json_means=lambda payload: payload["mean"],
        cli=["scg", "simulate", "--lmo", "l2", "--batch", "4", "--seq", "2", "--tokens", "1600", "--beta", "0.01",
             "--alpha", "0.2", "--radius", "1", "--dim", "20", "--reps", "64", "--seed", "3"],
        payload=lambda run: {"suboptimality": float(run.mean[-1]), "stderr": float(run.stderr[-1]),
                             "n_diverged": run.n_diverged, "diverged": run.diverged}),
}


@pytest.fixture(scope="module")
def on_one_thread():
    return {name: row.monte_carlo(1) for name, row in SYSTEMS.items()}


@pytest.mark.parametrize("name", [name for name, row in SYSTEMS.items() if row.exact is not None])
def test_exact_and_monte_carlo_agree(name, on_one_thread):
    row = SYSTEMS[name]
    mean, stderr = row.estimate(on_one_thread[name])
    assert_within_k_se(mean, stderr, row.exact(), label=name)


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_the_same_bits_on_one_and_two_threads(name, on_one_thread):
    assert SYSTEMS[name].monte_carlo(2).to_dict() == on_one_thread[name].to_dict()


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_the_same_bits_on_two_processes(name, on_one_thread):
    """In fresh worker processes (SCG's first run there took 11 s, its kernel pickled by value and compiled again in
    each worker; sent by name, the workers load it from Numba's cache: 0.3 s)."""
    with ProcessPoolExecutor(2) as processes:
        assert SYSTEMS[name].monte_carlo(processes).to_dict() == on_one_thread[name].to_dict()


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_a_diverging_run_is_flagged_counted_and_null_never_nan(name):
    run = SYSTEMS[name].monte_carlo(1, lr=SYSTEMS[name].diverging_lr)
    assert run.diverged and run.n_diverged > 0
    payload = json.loads(json.dumps(run.to_dict(), allow_nan=False))  # strict JSON: no NaN, no Infinity
    assert payload["n_diverged"] == run.n_diverged and payload["diverged"] is True
    means = SYSTEMS[name].json_means(payload)
    assert means is None or all(value is None for value in means)


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_results_are_strict_json(name, on_one_thread):
    text = json.dumps(on_one_thread[name].to_dict(), allow_nan=False)
    assert json.loads(text) == on_one_thread[name].to_dict()


@pytest.mark.parametrize("name", [name for name, row in SYSTEMS.items() if row.cli is not None])
def test_the_command_lines_payload_is_the_librarys(name, on_one_thread, capsys):
    row = SYSTEMS[name]
    assert main(row.cli + ["--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    expected = row.payload(on_one_thread[name])
    assert {key: payload[key] for key in expected} == expected
