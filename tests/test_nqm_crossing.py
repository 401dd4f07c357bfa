"""The closed-form engine of two-variable optimisers (heavy ball, Nesterov, EMA) and its exact first crossing."""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchlab.sim.nqm import (
    NQMProblem,
    closed_form_loss,
    ema_system,
    moment_map,
    momentum_system,
    nesterov_system,
    sgd_steps_to_target,
    system_loss,
    system_steps_to_target,
)

BUILDERS = {"momentum": (momentum_system, "momentum"), "nesterov": (nesterov_system, "momentum"),
            "ema": (ema_system, "ema_decay")}


def build(problem, optimizer, knob, **kwargs):
    builder, name = BUILDERS[optimizer]
    return builder(problem, **kwargs, **{name: knob})


def iterated_losses(problem, system, steps):
    """z' = Mz + v step by step, per dimension (no closed form, no powering)."""
    weight = 0.5 * problem.counts * problem.h
    out = np.zeros(steps + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(weight.size):
            M, v = moment_map(*system.F[i].ravel(), *system.g[i], system.noise[i])
            z = system.z0[i].copy()
            out[0] += weight[i] * z[system.output]
            for k in range(1, steps + 1):
                z = M @ z + v
                out[k] += weight[i] * z[system.output]
    return out


def noise_scale(problem, system):
    """Σ w |eᵀSe|: the closed form's N(t) = eᵀSe − eᵀF^tSF^{tᵀ}e is accurate to a few ulps of this."""
    weight = 0.5 * problem.counts * problem.h
    return float(np.sum(weight * np.abs(system.steady[:, system.output])))


optimizers = st.sampled_from(sorted(BUILDERS))
knobs = st.one_of(st.just(0.0), st.floats(0.0, 0.999), st.floats(-5.0, -0.5).map(lambda e: 1 - 10**e))


@given(optimizer=optimizers, knob=knobs, log_lr=st.floats(-3.0, 0.7), batch=st.integers(1, 128),
       precond=st.floats(0.0, 1.0), bins=st.integers(1, 12))
def test_closed_form_equals_iteration(optimizer, knob, log_lr, batch, precond, bins):
    """Stable or not, over-, under- or critically damped: the Lucas closed form equals 300 iterated steps of the
    moment map, relative to the loss (or to the steady noise loss, whose few ulps bound N(t)'s rounding)."""
    problem = NQMProblem.paper(50, binned=True, bins=max(bins, 2))
    system = build(problem, optimizer, knob, lr=10**log_lr, batch=batch, precond=precond)
    want = iterated_losses(problem, system, 300)
    got = closed_form_loss(problem, system, np.arange(301))
    finite = want < 1e290  # diverging runs: both overflow near the same step, to huge or inf
    scale = np.maximum(np.abs(want[finite]), noise_scale(problem, system))
    assert np.all(np.abs(got[finite] - want[finite]) <= 1e-9 * scale)
    assert np.all(got[~finite] > 1e280)


def test_binary_powering_and_closed_form_agree_far_out():
    """10⁶ and 10⁹ steps, where iterating is out of reach: the two exact routes agree on the paper problem."""
    problem = NQMProblem.paper(binned=True)
    for optimizer, knob, lr in (("momentum", 0.99, 0.01), ("nesterov", 0.9, 0.1), ("ema", 0.999, 0.5)):
        system = build(problem, optimizer, knob, lr=lr, batch=64, precond=0.5)
        steps = [0, 1, 17, 10**6, 10**9]
        np.testing.assert_allclose(closed_form_loss(problem, system, steps), system_loss(problem, system, steps),
                                   rtol=1e-9)


def mp_loss(optimizer, x, knob, a, noise, s0, k):
    """One dimension's loss weight-free E y_output² after k steps: F from x, the knob and a = αh^{−p} in 50-digit
    arithmetic (float64's F entries would round 1 − x), the moment map powered by binary powering."""
    with mpmath.workdps(50):
        x, b, a, noise, s0 = (mpmath.mpf(float(v)) for v in (x, knob, a, noise, s0))
        F, g, z, out = {"momentum": ([[1 - x, b], [-x, b]], [-a, -a], [s0, 0, 0], 0),
                        "nesterov": ([[1 - (1 + b) * x, -b * b], [x, b]], [-(1 + b) * a, a], [s0, 0, 0], 0),
                        "ema": ([[1 - x, 0], [(1 - b) * (1 - x), b]], [-a, -(1 - b) * a], [s0, s0, s0], 1)}[optimizer]
        M = mpmath.matrix([[F[0][0] ** 2, F[0][1] ** 2, 2 * F[0][0] * F[0][1]],
                           [F[1][0] ** 2, F[1][1] ** 2, 2 * F[1][0] * F[1][1]],
                           [F[0][0] * F[1][0], F[0][1] * F[1][1], F[0][0] * F[1][1] + F[0][1] * F[1][0]]])
        v = mpmath.matrix([g[0] ** 2 * noise, g[1] ** 2 * noise, g[0] * g[1] * noise])
        z = mpmath.matrix(z)
        while k:
            if k & 1:
                z = M * z + v
            v = M * v + v
            M = M * M
            k >>= 1
        return float(z[out])


@pytest.mark.parametrize("optimizer, knob, lr, precond", [
    ("momentum", 1 - 1e-5, 1e-7, 0.0),      # slow: 1 − λ₁ ≈ x/(1 − β) = 1e-6 at h = 1e-4
    ("momentum", None, 1e-4, 0.0),          # critical damping β = (1 − √x)² in the h = 1 dimension
    ("nesterov", 0.999, 1e-6, 0.25),
    ("ema", 1 - 1e-5, 1e-6, 0.0)])
def test_slow_and_critically_damped_dimensions_keep_their_digits(optimizer, knob, lr, precond):
    """Against 50-digit arithmetic: 1e-9 relative where 1 − λ is 1e-6 or smaller. (In float64, F's entry 1 − x
    already rounds x = 1e-10 by 1e-6 relative, and 1 − M₁₁ = 2x − x² with it: an engine that powers or solves
    with the rounded moment map cannot do this; the closed form works from x, p(±1) and the factored steady state.)"""
    problem = NQMProblem.from_arrays([1.0, 1e-2, 1e-4])
    if knob is None:
        knob = (1 - np.sqrt(lr)) ** 2
    system = build(problem, optimizer, knob, lr=lr, batch=4, precond=precond)
    weight = 0.5 * problem.counts * problem.h
    x, a = lr * problem.h ** (1 - precond), lr * problem.h ** -precond
    for k in (1, 1000, 10**6, 10**8):
        want = sum(weight[i] * mp_loss(optimizer, x[i], knob, a[i], system.noise[i], 1.0, k) for i in range(3))
        assert closed_form_loss(problem, system, [k])[0] == pytest.approx(want, rel=1e-9), k


@given(data=st.data(), optimizer=optimizers, knob=knobs, dims=st.integers(1, 5), batch=st.integers(1, 64),
       precond=st.floats(0.0, 1.0), log_lr=st.floats(-2.5, 0.7))
def test_first_crossing_equals_a_brute_force_scan(data, optimizer, knob, dims, batch, precond, log_lr):
    """Random spectra, noises and starts (oscillating, dipping, diverging): the branch and bound finds the first
    step of the iterated loss at or below the target, or none within the horizon."""
    h = np.array(data.draw(st.lists(st.floats(1e-3, 1.0), min_size=dims, max_size=dims)))
    c = np.array(data.draw(st.lists(st.floats(0.0, 5.0), min_size=dims, max_size=dims)))
    s0 = np.array(data.draw(st.lists(st.floats(1e-3, 10.0), min_size=dims, max_size=dims)))
    problem = NQMProblem.from_arrays(h, c, s0)
    system = build(problem, optimizer, knob, lr=10**log_lr, batch=batch, precond=precond)
    horizon = 400
    losses = iterated_losses(problem, system, horizon)
    finite = losses[np.isfinite(losses)]
    target = data.draw(st.floats(max(0.5 * finite.min(), 1e-9 * finite.max()), 1.5 * finite.max()))
    got = system_steps_to_target(problem, system, target=target, max_steps=horizon)
    tol = 1e-9 * max(target, noise_scale(problem, system))  # near-ties within rounding may go either way
    if got.steps is None:
        assert np.all(losses > target - tol)
    else:
        assert losses[got.steps] <= target + tol and np.all(losses[: got.steps] > target - tol)


def test_oscillating_loss_first_dip_is_found():
    """Underdamped heavy ball (β = 0.95, x = 1 in the top dimension): the loss rings, dips below the target and
    climbs back several times before it settles below. The first crossing is the first dip; bisection over
    [0, 10^9], the notebook's search, lands on a later step."""
    problem = NQMProblem.from_arrays([1.0, 0.05], [0.0, 0.0], [1.0, 0.5])
    system = momentum_system(problem, lr=1.0, batch=1, momentum=0.95)
    losses = closed_form_loss(problem, system, np.arange(400))
    target = 0.2
    below = losses <= target
    first = int(np.flatnonzero(below)[0])
    assert np.any(~below[first:])  # it comes back above the target
    assert system_steps_to_target(problem, system, target=target).steps == first
    low, high = 0, 10**9
    while low < high - 1:
        mid = (low + high) // 2
        low, high = (low, mid) if closed_form_loss(problem, system, [mid])[0] <= target else (mid, high)
    assert high > first


def test_zero_momentum_and_zero_decay_are_sgd():
    """β = 0 (heavy ball and Nesterov) and γ = 0 reduce to SGD: the same first crossings as the SGD engine."""
    problem = NQMProblem.paper(binned=True)
    for lr, batch, precond in ((0.1, 64, 0.0), (0.9, 4, 0.5), (0.02, 2**14, 0.75)):
        want = sgd_steps_to_target(problem, lr=lr, batch=batch, target=0.01, precond=precond).steps
        for optimizer in BUILDERS:
            system = build(problem, optimizer, 0.0, lr=lr, batch=batch, precond=precond)
            assert system_steps_to_target(problem, system, target=0.01).steps == want


def test_a_diverging_run_never_reaches_the_target():
    """EMA at lr = 10 on the paper problem (x = 10 > 2 in the top dimension): the loss grows ×~80 a step until it
    overflows near step 162. Overflow must read as +inf there, never as −inf or nan (a regression: eᵀSe − inf
    once counted as a crossing), whatever the search horizon."""
    problem = NQMProblem.paper(binned=True)
    system = ema_system(problem, lr=10.0, batch=512, ema_decay=0.9516706976142825, precond=0.5)
    losses = closed_form_loss(problem, system, np.arange(0, 400))
    finite = losses[np.isfinite(losses)]
    assert np.all(np.diff(finite[1:]) > 0) and np.all(losses[finite.size:] == np.inf)
    for horizon in (100, 2561, 10**9):
        assert system_steps_to_target(problem, system, target=0.01, max_steps=horizon).steps is None
