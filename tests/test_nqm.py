"""NQM: sympy derivation, closed form vs recursion, the notebook's binning, exact first crossing."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.nqm import NQMProblem, sgd_loss, sgd_monte_carlo, sgd_steady_loss, sgd_steps_to_target
from batchlab.theory import nqm as th
from batchlab.theory.nqm_symbolic import derive_sgd, k, n, s0, x

from tolerances import ROUNDING_RTOL, assert_within_k_se


def brute_force_losses(problem, lr, batch, precond, steps):
    """Iterate s' = (1 − αh^{1−p})²s + α²h^{−2p}c/B step by step (no closed form)."""
    s = problem.s0.copy()
    rate = lr * problem.h ** (1 - precond)
    noise = lr**2 * problem.h ** (-2 * precond) * problem.c / batch
    losses = [problem.loss(s)]
    with np.errstate(over="ignore", invalid="ignore"):  # unstable runs overflow to inf: that is their loss
        for _ in range(steps):
            s = (1 - rate) ** 2 * s + noise
            losses.append(problem.loss(s))
    return np.array(losses)


def test_sympy_solves_the_sgd_recursion():
    result = derive_sgd()
    r = (1 - x) ** 2
    star = n / (x * (2 - x))
    assert sp.simplify(result["steady_state"] - star) == 0
    assert result["stable"] == sp.Interval.open(0, 2)
    for point in ({x: sp.Rational(1, 3), n: sp.Rational(2, 7), s0: 3, k: 5}, {x: sp.Rational(7, 4), n: 1, s0: 1, k: 8},
                  {x: sp.Rational(5, 2), n: sp.Rational(1, 9), s0: 2, k: 3}):  # the last one is unstable
        want = (star + r**k * (s0 - star)).subs(point)
        assert sp.simplify(result["closed_form"].subs(point) - want) == 0


@given(h=st.floats(1e-4, 1.0), c=st.floats(0.0, 2.0), lr=st.floats(1e-3, 3.0), batch=st.integers(1, 4096),
       precond=st.floats(0.0, 1.0), steps=st.integers(0, 60))
def test_closed_form_matches_the_recursion(h, c, lr, batch, precond, steps):
    problem = NQMProblem.from_arrays([h], [c], [1.3])
    want = brute_force_losses(problem, lr, batch, precond, steps)[-1]
    got = sgd_loss(problem, lr=lr, batch=batch, steps=[steps], precond=precond)[0]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-300)


def test_binning_follows_the_notebook_rule():
    """Each h_i = 1/i goes to the first of geomspace(1, 1/d, bins) (decreasing) that is ≤ h_i."""
    for dim, bins in ((10_000, 100), (1000, 30), (777, 50)):
        problem = NQMProblem.paper(dim, binned=True, bins=bins)
        values = np.geomspace(1.0, 1.0 / dim, bins)
        counts = np.zeros(bins)
        for h in 1.0 / np.arange(1, dim + 1):
            counts[np.flatnonzero(values <= h)[0]] += 1
        assert np.array_equal(problem.counts, counts[counts > 0]) and np.array_equal(problem.h, values[counts > 0])
        assert problem.dim == dim
    assert NQMProblem.paper(10_000, binned=True).h.size == 84


@given(data=st.data(), dims=st.integers(1, 6), batch=st.integers(1, 64), precond=st.floats(0.0, 1.0),
       log_lr=st.floats(-3.0, 1.0))
def test_first_crossing_equals_a_brute_force_scan(data, dims, batch, precond, log_lr):
    """On random problems (stable or not, monotone or not) the branch and bound finds the scan's first crossing."""
    h = np.array(data.draw(st.lists(st.floats(1e-3, 1.0), min_size=dims, max_size=dims)))
    c = np.array(data.draw(st.lists(st.floats(0.0, 5.0), min_size=dims, max_size=dims)))
    s0 = np.array(data.draw(st.lists(st.floats(1e-3, 10.0), min_size=dims, max_size=dims)))
    problem = NQMProblem.from_arrays(h, c, s0)
    horizon = 400
    losses = brute_force_losses(problem, 10**log_lr, batch, precond, horizon)
    finite = losses[np.isfinite(losses)]
    target = data.draw(st.floats(max(0.5 * finite.min(), 1e-9 * finite.max()), 1.5 * finite.max()))
    got = sgd_steps_to_target(problem, lr=10**log_lr, batch=batch, target=target, precond=precond, max_steps=horizon)
    tol = 1e-9 * target  # the scan and the closed form differ by rounding: allow near-ties only
    if got.steps is None:
        assert np.all(losses > target - tol)
    else:
        assert losses[got.steps] <= target + tol and np.all(losses[: got.steps] > target - tol)


def test_non_monotone_loss_first_dip_is_found_where_bisection_fails():
    """A dimension whose noise floor lies above its start rises while another falls: the loss dips, then climbs
    to a floor above the target. The first crossing is the dip; bisection on [0, 10^9] (the notebook's search)
    assumes monotonicity and reports 'never'."""
    problem = NQMProblem.from_arrays([1.0, 1e-3], [0.0, 0.05], [1.0, 0.01])  # floor ½·1e-3·12.5 = 0.00625
    lr, batch = 0.5, 1
    losses = sgd_loss(problem, lr=lr, batch=batch, steps=np.arange(0, 40))
    target = 0.002
    first = int(np.flatnonzero(losses <= target)[0])
    later = sgd_loss(problem, lr=lr, batch=batch, steps=[10**4])[0]
    assert sgd_steady_loss(problem, lr=lr, batch=batch) > target and later > target
    assert sgd_steps_to_target(problem, lr=lr, batch=batch, target=target).steps == first
    low, high = 0, 10**9
    while low < high - 1:
        mid = (low + high) // 2
        if sgd_loss(problem, lr=lr, batch=batch, steps=[mid])[0] < target:
            high = mid
        else:
            low = mid
    assert low == 10**9 - 1  # the notebook's answer: not reached within its horizon


def test_steady_loss_and_instability():
    problem = NQMProblem.paper(1000)
    lr, batch = 0.3, 8
    far = sgd_loss(problem, lr=lr, batch=batch, steps=[10**7])[0]
    assert far == pytest.approx(sgd_steady_loss(problem, lr=lr, batch=batch), rel=ROUNDING_RTOL)
    assert sgd_steady_loss(problem, lr=2.5, batch=batch) == math.inf  # x = αh_max = 2.5 > 2
    assert sgd_steps_to_target(problem, lr=2.5, batch=batch, target=0.01).steps is None


def test_lower_bound_and_paper_scale_sanity():
    """Binned paper problem: B = 64 reaches 0.01 above d/(2·target·B) = 7812.5 steps, and more steps at lower B."""
    problem = NQMProblem.paper(binned=True)
    best = {b: min(sgd_steps_to_target(problem, lr=lr, batch=b, target=0.01).steps or math.inf
                   for lr in np.logspace(-5, 0.5, 100)) for b in (16, 64)}
    for b, steps in best.items():
        assert steps >= th.information_lower_bound_steps(problem.dim, 0.01, b)
    assert best[16] > best[64]


@pytest.mark.parametrize("kwargs, name", [(dict(lr=0.0), "lr"), (dict(batch=0), "batch"),
                                          (dict(precond=1.5), "precond"),
                                          (dict(target=-1.0), "target"), (dict(max_steps=0), "max_steps")])
def test_invalid_arguments_are_named(kwargs, name):
    args = dict(lr=0.1, batch=4, target=0.1, precond=0.0) | kwargs
    with pytest.raises(InvalidParameter, match=f"^{name}: must be"):
        sgd_steps_to_target(NQMProblem.paper(10), **args)


@pytest.mark.parametrize("binned, precond, lr, batch", [(False, 0.0, 0.5, 1), (False, 0.5, 0.05, 16),
                                                       (True, 0.0, 1.2, 4),
                                                         (True, 0.75, 0.02, 64), (False, 1.0, 0.3, 2)])
def test_monte_carlo_agrees_with_the_exact_engine(binned, precond, lr, batch):
    """Within K_SE = 4 standard errors at every recorded step (fixed seed, 3000 replicates), for every p."""
    problem = NQMProblem.paper(300, binned=binned, bins=20)
    steps = [0, 1, 5, 30, 200]
    exact = sgd_loss(problem, lr=lr, batch=batch, steps=steps, precond=precond)
    mc = sgd_monte_carlo(problem, lr=lr, batch=batch, steps=steps, precond=precond, reps=3000, seed=7)
    assert_within_k_se(mc.mean, mc.stderr, exact)


def test_monte_carlo_streams_do_not_depend_on_threads():
    problem = NQMProblem.paper(50)
    runs = [sgd_monte_carlo(problem, lr=0.2, batch=8, steps=[3, 9], reps=7, seed=1, workers=w) for w in (1, 2, 3)]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.values, runs[0].values)
    assert not np.array_equal(sgd_monte_carlo(problem, lr=0.2, batch=8, steps=[3, 9], reps=7, seed=2).values,
                              runs[0].values)


def test_engine_coefficients_are_the_theorys():
    """The compiled engine computes x, r, n itself; they must be theory.nqm's, bit for bit up to rounding."""
    from batchlab.sim.nqm._exact import _dimensions

    problem = NQMProblem.paper(500, binned=True, bins=40)
    for lr, batch, precond in ((0.3, 4, 0.0), (0.01, 1024, 0.75), (1.9, 1, 1.0)):
        weight, n, r, _, _ = _dimensions(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), precond)
        _, r_th, n_th = th.sgd_coefficients(problem.h, problem.c, lr, batch, precond)
        np.testing.assert_allclose(r, r_th, rtol=1e-14)
        np.testing.assert_allclose(n, n_th, rtol=1e-14)
        np.testing.assert_allclose(weight, 0.5 * problem.counts * problem.h, rtol=0)
