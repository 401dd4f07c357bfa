"""NQM heavy-ball momentum and EMA: sympy derivation, binary powering vs iteration, stability, Monte Carlo."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from batchlab.sim.nqm import (
    NQMProblem,
    affine_power,
    closed_form_loss,
    ema_loss,
    linear_system,
    moment_map,
    momentum_loss,
    second_parameter,
    sgd_loss,
    system_loss,
    system_monte_carlo,
    system_steady_loss,
)
from batchlab.theory import nqm as th
from batchlab.theory.nqm_symbolic import OPTIMIZERS, a, beta, derive_linear, derive_momentum, n, x

from tolerances import ROUNDING_RTOL, assert_within_k_se


def iterate(M, v, z0, k):
    z = np.array(z0, dtype=float)
    for _ in range(k):
        z = M @ z + v
    return z


def test_sympy_derives_the_papers_eq21_and_the_steady_state():
    result = derive_momentum()
    paper = sp.Matrix([[(1 - x) ** 2, beta**2, 2 * (1 - x) * beta], [x**2, beta**2, -2 * x * beta],
                       [-(1 - x) * x, beta**2, (1 - 2 * x) * beta]])  # eq. (21), as the notebook transcribes it
    assert sp.simplify(result["moment_map"] - paper) == sp.zeros(3, 3)
    assert result["noise"] == sp.Matrix([n, n, n])
    want = n * (1 + beta) / (x * (1 - beta) * (2 + 2 * beta - x))
    assert sp.simplify(result["steady_state"] - want) == 0
    assert sp.simplify(result["steady_state"].subs(beta, 0) - n / (x * (2 - x))) == 0  # SGD's
    # Eigenvalues λ₁², λ₂², λ₁λ₂ of the first-moment roots: (μ − β)(μ² − (λ₁² + λ₂²)μ + β²).
    mu = result["mu"]
    lam_sq_sum = (1 - x + beta) ** 2 - 2 * beta
    assert sp.simplify(result["charpoly"] - (mu - beta) * (mu**2 - lam_sq_sum * mu + beta**2)) == 0


@pytest.mark.parametrize("optimizer", sorted(th.LINEAR_OPTIMIZERS))
def test_engine_formulas_are_the_derivation(optimizer):
    """theory.nqm's plain-arithmetic coefficients and steady state (which the engines compile) equal, symbolically,
    what sympy derives from the optimiser's stochastic recursion: F, g, τ, δ, τ² − 4δ, p(±1) and z*."""
    coefficients, steady = th.LINEAR_OPTIMIZERS[optimizer]
    F, g, knob = OPTIMIZERS[optimizer]
    derived = derive_linear(optimizer)

    def same(lhs, rhs):
        return sp.simplify(sp.nsimplify(lhs, rational=True) - rhs) == 0

    got = coefficients(x, knob)
    assert all(same(v, w) for v, w in zip(got[:4], F))
    assert all(same(v * a, w) for v, w in zip(got[4:6], g))
    trace, det = derived["trace"], derived["det"]
    assert same(got[6], trace) and same(got[7], det) and same(got[8], trace**2 - 4 * det)
    assert same(got[9], derived["at_one"]) and same(got[10], derived["at_minus_one"])
    assert all(same(v, w) for v, w in zip(steady(x, knob, n), derived["steady"]))


@pytest.mark.parametrize("optimizer, stable", [("momentum", th.momentum_stable), ("nesterov", th.nesterov_stable),
                                               ("ema", th.ema_stable)])
@given(xv=st.floats(1e-3, 5.0), bv=st.floats(0.0, 0.999))
def test_stability_regions_are_where_the_moment_map_contracts(optimizer, stable, xv, bv):
    F11, F12, F21, F22, *_ = th.LINEAR_OPTIMIZERS[optimizer][0](xv, bv)
    M, _ = moment_map(F11, F12, F21, F22, -1.0, -1.0, 1.0)
    radius = np.abs(np.linalg.eigvals(M)).max()
    if abs(radius - 1) > 1e-9:  # on the boundary itself rounding decides
        assert bool(stable(xv, bv)) == (radius < 1)


@given(xv=st.floats(1e-3, 3.9), bv=st.floats(0.0, 0.999), nv=st.floats(1e-6, 1.0), k=st.integers(0, 300))
def test_binary_powering_equals_iteration(xv, bv, nv, k):
    M, v = moment_map(1 - xv, bv, -xv, bv, -1.0, -1.0, nv)
    Mk, vk = affine_power(M, v, k)
    direct = iterate(M, v, [1.0, 0.0, 0.0], k)
    scale = np.abs(direct).max() + 1e-300
    np.testing.assert_allclose((Mk @ [1.0, 0.0, 0.0] + vk) / scale, direct / scale, atol=1e-10)


def test_critical_damping_is_exact_where_the_eigendecomposition_is_not():
    """β = (1 − √x)²: a double first-moment root, so M has the triple eigenvalue β and no eigenbasis. Binary
    powering matches 10⁴ steps of iteration to rounding; the notebook's eig/inv route is off by ~4e-7."""
    xv = 0.04
    bv = (1 - np.sqrt(xv)) ** 2
    M, v = moment_map(1 - xv, bv, -xv, bv, -1.0, -1.0, 1e-3)
    z0 = np.array([1.0, 0.0, 0.0])
    direct = iterate(M, v, z0, 10_000)
    Mk, vk = affine_power(M, v, 10_000)
    assert (Mk @ z0 + vk)[0] == pytest.approx(direct[0], rel=1e-13)
    e, V = np.linalg.eig(M)
    inverse = np.linalg.inv(V)
    star = (inverse @ v) / (1 - e)
    eig_route = (V @ (e**10_000 * (inverse @ z0 - star) + star)).real
    assert np.linalg.cond(V) > 1e9 and abs(eig_route[0] / direct[0] - 1) > 1e-8


def test_zero_momentum_and_zero_decay_are_sgd():
    problem = NQMProblem.paper(200, binned=True, bins=20)
    steps = [0, 1, 7, 300, 10**6]
    sgd = sgd_loss(problem, lr=0.3, batch=4, steps=steps, precond=0.5)
    np.testing.assert_allclose(momentum_loss(problem, lr=0.3, batch=4, momentum=0.0, steps=steps, precond=0.5), sgd,
                               rtol=ROUNDING_RTOL)
    ema = ema_loss(problem, lr=0.3, batch=4, ema_decay=0.0, steps=steps, precond=0.5)
    np.testing.assert_allclose(ema, sgd, rtol=ROUNDING_RTOL)


@pytest.mark.parametrize("optimizer, knob", [("momentum", 0.9), ("nesterov", 0.95), ("ema", 0.99)])
def test_every_optimisers_long_run_loss_is_its_derived_steady_state(optimizer, knob):
    """After 10⁹ steps the exact engines (binary powering and the closed form) sit at the sympy-derived steady
    state; past the stability limit the steady loss is inf."""
    problem = NQMProblem.paper(300, binned=True, bins=30)
    system = linear_system(problem, optimizer, lr=0.05, batch=16, **second_parameter(optimizer, knob), precond=0.25)
    want = system_steady_loss(problem, system)
    assert system_loss(problem, system, [10**9])[0] == pytest.approx(want, rel=1e-9)
    assert closed_form_loss(problem, system, [10**9])[0] == pytest.approx(want, rel=1e-9)
    limit = th.stable_x_limit(optimizer, knob)  # the top dimension has h = 1: x = lr
    second = second_parameter(optimizer, knob)
    assert system_steady_loss(problem, linear_system(problem, optimizer, lr=1.01 * limit, batch=16, **second)) == np.inf
    assert np.isfinite(system_steady_loss(problem, linear_system(problem, optimizer, lr=0.99 * limit, batch=16,
                                                                 **second)))


@pytest.mark.parametrize("optimizer", sorted(th.LINEAR_OPTIMIZERS))
def test_moment_map_eigenvalues_are_products_of_the_first_moment_roots(optimizer):
    """For every optimiser the 3×3 moment map's characteristic polynomial is (μ − δ)(μ² − (τ² − 2δ)μ + δ²):
    eigenvalues λ₁², λ₂², λ₁λ₂ of F's roots, so mean-square stability is F's stability (sympy, exact)."""
    result = derive_linear(optimizer)
    mu, trace, det = result["mu"], result["trace"], result["det"]
    assert sp.expand(result["charpoly"] - (mu - det) * (mu**2 - (trace**2 - 2 * det) * mu + det**2)) == 0


def test_long_run_momentum_loss_is_the_steady_state():
    problem = NQMProblem.paper(300, binned=True, bins=30)
    lr, batch, mom, precond = 0.05, 16, 0.9, 0.25
    x_i = lr * problem.h ** (1 - precond)
    n_i = lr**2 * problem.h ** (-2 * precond) * problem.c / batch
    want = problem.loss(th.momentum_steady_state(x_i, mom, n_i))
    got = momentum_loss(problem, lr=lr, batch=batch, momentum=mom, steps=[10**9], precond=precond)[0]
    assert got == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("optimizer, knob, lr, batch, precond", [
    ("momentum", 0.9, 0.05, 4, 0.0), ("momentum", 0.5, 0.3, 16, 0.5), ("nesterov", 0.9, 0.05, 4, 0.0),
    ("nesterov", 0.99, 0.2, 32, 0.75), ("ema", 0.9, 0.5, 4, 0.0), ("ema", 0.99, 0.1, 32, 0.5)])
def test_monte_carlo_agrees_with_the_exact_engine(optimizer, knob, lr, batch, precond):
    """Within K_SE = 4 standard errors at every recorded step (fixed seed, 3000 replicates), for every optimiser."""
    problem = NQMProblem.paper(300, binned=True, bins=20)
    system = linear_system(problem, optimizer, lr=lr, batch=batch, **second_parameter(optimizer, knob), precond=precond)
    steps = [0, 1, 5, 30, 200]
    exact = system_loss(problem, system, steps)
    mc = system_monte_carlo(problem, system, steps, reps=3000, seed=3)
    assert_within_k_se(mc.mean, mc.stderr, exact)
