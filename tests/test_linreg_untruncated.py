"""The untruncated power-law spectrum (dim = inf): its sums, its risks against a large truncation, its refinement."""

import numpy as np
import pytest
from scipy.special import zeta

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import LinRegProblem, exact_risk, monte_carlo_risk
from batchlab.sim.linreg._problem import untruncated_groups

from tolerances import EXACT_RTOL

# The default representation (64 exact directions, 4 nodes per octave) against the exact sums over every i: the
# midpoint rule's first neglected term is f'(64.5)/24, ~1e-5 of the first tail term and ~1e-6 of a whole sum.
GROUPS_RTOL = 1e-5
CASES = [(2.0, 1.5), (1.5, 2.5), (1.5, 6.0)]  # the three cases of Corollary 8


@pytest.mark.parametrize("a, b", CASES)
def test_groups_hold_the_trace_and_the_initial_risk(a, b):
    problem = LinRegProblem.power_law(a, b, "inf")
    assert problem.grouped and problem.spec["dim"] == "inf"
    assert np.dot(problem.weights, problem.eigenvalues) == pytest.approx(zeta(a), rel=GROUPS_RTOL)
    assert np.dot(problem.weights, problem.eigenvalues**2) == pytest.approx(zeta(2 * a), rel=GROUPS_RTOL)
    assert problem.initial_risk == pytest.approx(zeta(b), rel=GROUPS_RTOL)
    assert LinRegProblem.from_spec(problem.spec).spec == problem.spec


def _limit(problem, batch):
    return exact_risk(problem, lr=1e-9, batch=batch, samples=batch, method="recursion").lr_max


@pytest.mark.parametrize("a, b", CASES)
def test_untruncated_risk_matches_a_truncation_at_two_to_the_seventeen(a, b):
    """At n = 256 steps no direction past 2^17 moves (γλn < 1e-6): they hold their risk far = Σ_{i>2^17} i^−b and,
    through the gradient noise it causes, act on the others as label noise of variance far. So the answer is the
    truncated recursion with σ² + far, plus far."""
    infinite = LinRegProblem.power_law(a, b, "inf")
    far = zeta(b, 2**17 + 1)
    truncated = LinRegProblem.power_law(a, b, 2**17, sigma=np.sqrt(1.0 + far))
    lr = 0.5 * _limit(infinite, 4)
    got = exact_risk(infinite, lr=lr, batch=4, samples=4 * 256, method="spectral")
    ref = exact_risk(truncated, lr=lr, batch=4, samples=4 * 256, method="recursion")
    assert got.averaged == pytest.approx(ref.averaged + far, rel=GROUPS_RTOL)
    assert got.last == pytest.approx(ref.last + far, rel=GROUPS_RTOL)


@pytest.mark.parametrize("a, b", CASES)
def test_refining_the_groups_moves_the_risk_by_less_than_the_stated_error(a, b):
    """Head 256 and 8 nodes per octave against the default, at n = 2^8 and 2^35."""
    coarse = LinRegProblem.power_law(a, b, "inf")
    lam, weight, w = untruncated_groups(a, b, head=256, per_octave=8)
    fine = LinRegProblem(lam, w, 1.0, {"spectrum": "explicit"}, weight)
    lr = 0.5 * _limit(coarse, 8)
    for steps in (2**8, 2**35):
        risks = [exact_risk(p, lr=lr, batch=8, samples=8 * steps, method="spectral").averaged for p in (coarse, fine)]
        assert risks[0] == pytest.approx(risks[1], rel=GROUPS_RTOL)


def test_both_exact_engines_agree_on_groups():
    problem = LinRegProblem.power_law(1.5, 2.5, "inf", sigma=0.5)
    lr = 0.9 * _limit(problem, 2)
    ref, got = (exact_risk(problem, lr=lr, batch=2, samples=2 * 4096, method=m) for m in ("recursion", "spectral"))
    for key in ("last", "averaged", "tail_averaged", "bias", "variance"):
        assert getattr(got, key) == pytest.approx(getattr(ref, key), rel=EXACT_RTOL)


def test_untruncated_needs_a_finite_initial_risk_and_the_exact_engines():
    with pytest.raises(InvalidParameter, match="^b:"):
        LinRegProblem.power_law(2.0, 1.0, "inf")
    with pytest.raises(InvalidParameter, match="^dim:"):
        monte_carlo_risk(LinRegProblem.power_law(2.0, 1.5, "inf"), lr=0.1, batch=1, samples=16, reps=2)
