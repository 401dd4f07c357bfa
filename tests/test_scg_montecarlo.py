"""SCG Monte Carlo: the kernel against a plain NumPy Algorithm 1 on the same noise, the test problem's constants,
reproducibility, and Theorem 4.1's eq. 26 as a property test of the simulated mean."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scg import NORMS, QuadraticProblem, beta_schedule, eq26_for_run, scg_monte_carlo
from sim.seeding import replicate_rngs


def numpy_algorithm1(problem, lmo, rng, *, iterations, betas, alpha, eta, sigma, fresh=True, constrained=True):
    """Algorithm 1 (or 2) written out with NumPy, drawing its noise coordinate by coordinate as the kernel does."""
    noise_sd = np.sqrt(problem.noise)
    x = np.zeros(problem.dim)

    def stochastic_gradient(point):
        return np.array([problem.a[i] * (point[i] - problem.x_star[i]) + sigma * noise_sd[i] * rng.standard_normal()
                         for i in range(problem.dim)])

    m = stochastic_gradient(x) if fresh else np.zeros(problem.dim)
    for k in range(iterations):
        m = (1 - alpha) * m + alpha * stochastic_gradient(x)
        d = NORMS[lmo].lmo(m)
        x = (1 - betas[k]) * x + betas[k] * eta * d if constrained else x + eta * d
    return problem.value(x)


@pytest.mark.parametrize("lmo, schedule, m0, algorithm", [("l2", "constant", "fresh", "scg"),
                                                          ("linf", "warmdown", "zero", "scg"),
                                                          ("l1", "constant", "fresh", "uscg")])
def test_kernel_equals_numpy_algorithm1_on_the_same_noise(lmo, schedule, m0, algorithm):
    """Numba's Generator.standard_normal is NumPy's, draw for draw, so the kernel and a NumPy transcription of the
    algorithm fed the replicate's stream must agree to rounding (1e-12 relative)."""
    problem = QuadraticProblem.power_law(12, anisotropic=True)
    kwargs = dict(lmo=lmo, batch=2, seq=8, tokens=16 * 150, beta=0.02, alpha=0.3, radius=1.5, sigma_star=0.7,
                  schedule=schedule, m0=m0, algorithm=algorithm)
    run = scg_monte_carlo(problem, **kwargs, reps=3, seed=11)
    betas = beta_schedule(0.02, 150, schedule)
    for r, rng in enumerate(replicate_rngs(11, 3)):
        want = numpy_algorithm1(problem, lmo, rng, iterations=150, betas=betas, alpha=0.3, eta=1.5,
                                sigma=0.7 / 4, fresh=m0 == "fresh", constrained=algorithm == "scg")
        assert run.values[r, 0] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("norm", ["l2", "linf", "l1"])
@pytest.mark.parametrize("anisotropic", [False, True])
def test_the_test_problem_satisfies_its_stated_constants(norm, anisotropic):
    """A1–A3 with the docstring's L, ρ, μ on 4000 sampled points of the ball: every smoothness and equivalence ratio
    ≤ 1, every KL ratio ≥ 1; ρ is attained (ratio 1 within sampling) for ℓ2."""
    problem = QuadraticProblem.power_law(40, exponent=1.5, anisotropic=anisotropic)
    worst = problem.check_assumptions(norm, radius=3.0, samples=4000)
    assert worst["smoothness"] <= 1 + 1e-12 and worst["equivalence"] <= 1 + 1e-12 and worst["kl"] >= 1 - 1e-12


def test_reproducible_whatever_the_workers_and_deterministic_without_noise():
    problem = QuadraticProblem.power_law(30)
    kwargs = dict(lmo="linf", batch=4, seq=4, tokens=16 * 200, beta=0.01, alpha=0.1, radius=2.0, reps=7, seed=3)
    runs = [scg_monte_carlo(problem, **kwargs, workers=w).values for w in (1, 2, 3)]
    assert all(np.array_equal(runs[0], other) for other in runs[1:])
    quiet = scg_monte_carlo(problem, **(kwargs | {"sigma_star": 0.0}))
    assert np.all(quiet.values == quiet.values[0, 0]) and quiet.stderr[0] <= 1e-12 * quiet.mean[0]


def test_a_run_that_overflows_is_reported_diverged():
    """uSCG with a huge radius on a stiff problem: x grows by η a step and f overflows; reported, not nan."""
    problem = QuadraticProblem.power_law(10, exponent=0.0)
    run = scg_monte_carlo(problem, lmo="l2", batch=1, seq=1, tokens=400, beta=0.1, alpha=1.0, radius=1e305,
                          algorithm="uscg", reps=4)
    assert run.diverged == 4 and run.mean[0] == math.inf


@given(dim=st.integers(3, 25), exponent=st.floats(0.0, 2.0), norm=st.sampled_from(["l2", "linf", "l1"]),
       iterations=st.integers(20, 400), c=st.floats(0.1, 2.0), alpha=st.floats(0.01, 1.0), radius=st.floats(0.5, 5.0),
       log_bs=st.integers(0, 8), sigma_star=st.floats(0.0, 3.0), anisotropic=st.booleans())
def test_eq26_bounds_the_simulated_suboptimality(observe, dim, exponent, norm, iterations, c, alpha, radius, log_bs,
                                                 sigma_star, anisotropic):
    """Inside Theorem 4.1's conditions (x_0 = 0 so 2‖x_0‖ ≤ η, β = c/K ≤ 1/2, m_0 a fresh gradient, constant β,
    constants of the problem in the LMO's geometry) the simulated mean's upper confidence limit (mean + 3 SE, 64
    runs) never exceeds eq. 26. Records bound/mean: how loose the bound is."""
    problem = QuadraticProblem.power_law(dim, exponent=exponent, anisotropic=anisotropic)
    bs = 2**log_bs
    kwargs = dict(lmo=norm, batch=bs, seq=1, tokens=bs * iterations, beta=c / iterations, alpha=alpha, radius=radius,
                  sigma_star=sigma_star)
    bound, broken = eq26_for_run(problem, **kwargs)
    assert not broken
    run = scg_monte_carlo(problem, **kwargs, reps=64, seed=1)
    upper = run.mean[0] + 3 * run.stderr[0]
    assert upper <= bound
    observe("scg eq26 bound / simulated mean", bound / max(run.mean[0], 1e-300))
