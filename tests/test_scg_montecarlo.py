"""SCG Monte Carlo: the kernel against a plain NumPy Algorithm 1 on the same noise, the test problem's constants,
reproducibility, and Theorem 4.1's eq. 26 as a property test of the simulated mean."""


import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchlab.sim.scg import (
    NORMS,
    QuadraticProblem,
    SCGSettings,
    SeparableProblem,
    Stage,
    beta_schedule,
    eq26_for_run,
    noise_sigma,
    scg_monte_carlo,
    scg_stages,
)
from batchlab.sim.seeding import replicate_rngs

from tolerances import ROUNDING_RTOL, assert_apart, upper_limit


def numpy_gradient(problem, sigma, draws, rng):
    """The kernel's stochastic gradient written out with NumPy, drawing in the kernel's order."""
    noise_sd = np.sqrt(problem.noise)

    def gradient(point):
        if draws:  # finite-sum: the mean gradient of `draws` examples drawn with replacement
            rows = [rng.integers(0, problem.examples.shape[0]) for _ in range(draws)]
            return np.mean([problem.example_gradient(point, j) for j in rows], axis=0)
        return np.array([problem.gradient(point)[i] + sigma * noise_sd[i] * rng.standard_normal()
                         for i in range(problem.dim)])

    return gradient


def numpy_algorithm1(problem, lmo, rng, *, iterations, betas, alpha, eta, sigma, fresh=True, constrained=True,
                     draws=0):
    """Algorithm 1 (or 2) written out with NumPy, drawing its noise coordinate by coordinate as the kernel does."""
    stochastic_gradient = numpy_gradient(problem, sigma, draws, rng)
    x = np.zeros(problem.dim)
    m = stochastic_gradient(x) if fresh else np.zeros(problem.dim)
    for k in range(iterations):
        m = (1 - alpha) * m + alpha * stochastic_gradient(x)
        d = NORMS[lmo].lmo(m.reshape(problem.shape) if problem.shape else m).ravel()
        x = (1 - betas[k]) * x + betas[k] * eta * d if constrained else x + eta * d
    return problem.value(x)


PROBLEMS = {"quadratic": lambda: QuadraticProblem.power_law(12, anisotropic=True),
            "matrix": lambda: QuadraticProblem.matrix(4, 3),
            "logistic": lambda: SeparableProblem.gaussian(6, 10, margin=0.3),
            "exponential": lambda: SeparableProblem.gaussian(6, 10, margin=0.3, loss="exponential")}


@pytest.mark.parametrize("problem, lmo, schedule, m0, algorithm, sampling", [
    ("quadratic", "l2", "constant", "fresh", "scg", "gaussian"),
    ("quadratic", "linf", "warmdown", "zero", "scg", "gaussian"),
    ("quadratic", "l1", "constant", "fresh", "uscg", "gaussian"),
    ("matrix", "spectral", "constant", "fresh", "scg", "gaussian"),
    ("matrix", "spectral-ns", "warmdown", "zero", "scg", "gaussian"),
    ("logistic", "l2", "constant", "fresh", "scg", "gaussian"),
    ("logistic", "linf", "constant", "fresh", "scg", "finite-sum"),
    ("exponential", "l1", "warmdown", "zero", "scg", "finite-sum")])
def test_kernel_equals_numpy_algorithm1_on_the_same_noise(problem, lmo, schedule, m0, algorithm, sampling):
    """Numba's Generator.standard_normal and .integers are NumPy's, draw for draw, so the kernel and a NumPy
    transcription of the algorithm fed the replicate's stream must agree to rounding (1e-12 relative)."""
    problem = PROBLEMS[problem]()
    settings = SCGSettings(lmo=lmo, alpha=0.3, radius=1.5, sigma_star=0.7, m0=m0, algorithm=algorithm,
                           sampling=sampling)
    run = scg_monte_carlo(problem, settings, batch=2, seq=8, tokens=16 * 150, beta=0.02, schedule=schedule, reps=3,
                          seed=11)
    betas = beta_schedule(0.02, 150, schedule)
    for r, rng in enumerate(replicate_rngs(11, 3)):
        want = numpy_algorithm1(problem, lmo, rng, iterations=150, betas=betas, alpha=0.3, eta=1.5,
                                sigma=0.7 / 4, fresh=m0 == "fresh", constrained=algorithm == "scg",
                                draws=16 if sampling == "finite-sum" else 0)
        assert run.values[r, 0] == pytest.approx(want, rel=ROUNDING_RTOL)


@pytest.mark.parametrize("norm", ["l2", "linf", "l1"])
@pytest.mark.parametrize("anisotropic", [False, True])
def test_the_test_problem_satisfies_its_stated_constants(norm, anisotropic):
    """A1–A3 with the docstring's L, ρ, μ on 4000 sampled points of the ball: every smoothness and equivalence ratio
    ≤ 1, every KL ratio ≥ 1; ρ is attained (ratio 1 within sampling) for ℓ2."""
    problem = QuadraticProblem.power_law(40, exponent=1.5, anisotropic=anisotropic)
    worst = problem.check_assumptions(norm, radius=3.0, samples=4000)
    assert worst["smoothness"] <= 1 + 1e-12 and worst["equivalence"] <= 1 + 1e-12 and worst["kl"] >= 1 - 1e-12


@pytest.mark.parametrize("loss", ["logistic", "exponential"])
@pytest.mark.parametrize("norm", ["l2", "linf", "l1"])
def test_the_separable_problems_satisfy_their_stated_constants(loss, norm):
    """A1–A3 for logistic and exponential loss on separable data (f* = 0, not attained), on 3000 sampled points of
    the ball of radius 3: the exponential loss's μ is the margin, valid on the whole space (so also at radius 30);
    the logistic loss's μ shrinks as the ball grows."""
    problem = SeparableProblem.gaussian(12, 40, margin=0.2, loss=loss, seed=3)
    for radius in (3.0, 30.0) if loss == "exponential" else (3.0,):
        worst = problem.check_assumptions(norm, radius=radius, samples=3000)
        assert worst["smoothness"] <= 1 + 1e-12 and worst["equivalence"] <= 1 + 1e-12 and worst["kl"] >= 1 - 1e-12
    small, large = (problem.constants(norm, radius)["mu"] for radius in (3.0, 30.0))
    assert large == small if loss == "exponential" else large < small / 4  # logistic: μ ~ 1/(η max‖u_i‖_*)


@pytest.mark.parametrize("norm", ["spectral", "l2"])
@pytest.mark.parametrize("shape", [(6, 4), (3, 7)])
def test_matrix_least_squares_satisfies_its_stated_constants(norm, shape):
    """A1–A3 for f(X) = ½‖(X − X*)S^{1/2}‖_F² in the spectral (dual nuclear) and Frobenius geometries."""
    problem = QuadraticProblem.matrix(*shape, exponent=0.7)
    worst = problem.check_assumptions(norm, radius=2.0, samples=3000)
    assert worst["smoothness"] <= 1 + 1e-12 and worst["equivalence"] <= 1 + 1e-12 and worst["kl"] >= 1 - 1e-12


def test_correlated_tokens_noise_variance_matches_its_formula():
    """Tokens of one sequence share √ϱ·u_b (the rest, √(1 − ϱ)·v_bs, independent): the batch mean's variance drawn
    token by token (20000 batches of 8 × 16 tokens, ϱ = 0.3) matches noise_sigma² = σ*²(ϱ/B + (1 − ϱ)/(BS)) within
    4 SE, and is 5.5× the paper's σ*²/(BS)."""
    rng, batch, seq, rho, draws = np.random.default_rng(0), 8, 16, 0.3, 20000
    u = rng.standard_normal((draws, batch, 1))
    v = rng.standard_normal((draws, batch, seq))
    means = (np.sqrt(rho) * u + np.sqrt(1 - rho) * v).mean(axis=(1, 2))
    squares = means**2
    assert abs(squares.mean() - noise_sigma(1.0, batch, seq, rho) ** 2) < 4 * squares.std() / np.sqrt(draws)
    assert noise_sigma(1.0, batch, seq, rho) ** 2 * batch * seq == pytest.approx(1 + rho * (seq - 1))


def test_stages_continue_one_stream_and_a_momentum_reset_changes_the_run():
    """A run split into two stages of the same settings is the single run, draw for draw (the stream, iterate and
    momentum carry over); resetting the momentum at the boundary changes it. Tokens are counted per stage. Growing
    the sequence length instead of the batch at the same B·S changes the run only when tokens are correlated."""
    problem = QuadraticProblem.power_law(20)
    settings, replicates = SCGSettings(lmo="l2", alpha=0.1, radius=2.0), dict(reps=4, seed=2)
    whole = scg_monte_carlo(problem, settings, batch=8, seq=2, tokens=16 * 300, beta=0.01, **replicates)
    split = [Stage(8, 2, 16 * 100, 0.01), Stage(8, 2, 16 * 200, 0.01)]
    carried = scg_stages(problem, settings, split, **replicates)
    assert np.array_equal(carried.values[:, -1], whole.values[:, 0]) and carried.tokens[-1] == 16 * 300
    reset = scg_stages(problem, settings, split, reset="momentum", **replicates)
    assert not np.array_equal(reset.values[:, -1], whole.values[:, 0])
    grown = [Stage(8, 2, 1600, 0.01), Stage(32, 2, 6400, 0.005)]
    run = scg_stages(problem, settings, grown, points=4, **replicates)
    assert list(run.steps) == [0, 25, 50, 75, 100, 125, 150, 175, 200]
    assert list(run.tokens) == [0, 400, 800, 1200, 1600, 3200, 4800, 6400, 8000]
    longer = [Stage(8, 2, 1600, 0.01), Stage(16, 4, 6400, 0.005)]  # the same B·S, in longer sequences
    for correlation, same in ((0.0, True), (0.2, False)):
        runs = [scg_stages(problem, settings.replace(correlation=correlation), schedule, points=4, **replicates).values
                for schedule in (grown, longer)]
        assert np.array_equal(*runs) == same


def test_reproducible_whatever_the_workers_and_deterministic_without_noise():
    problem = QuadraticProblem.power_law(30)
    settings = SCGSettings(lmo="linf", alpha=0.1, radius=2.0)
    kwargs = dict(batch=4, seq=4, tokens=16 * 200, beta=0.01, reps=7, seed=3)
    runs = [scg_monte_carlo(problem, settings, **kwargs, workers=w).values for w in (1, 2, 3)]
    assert all(np.array_equal(runs[0], other) for other in runs[1:])
    quiet = scg_monte_carlo(problem, settings.replace(sigma_star=0.0), **kwargs)
    assert np.all(quiet.values == quiet.values[0, 0]) and quiet.stderr[0] <= 1e-12 * quiet.mean[0]


def test_a_run_that_overflows_is_reported_diverged():
    """uSCG with a huge radius on a stiff problem: x grows by η a step and f overflows; reported, not nan."""
    problem = QuadraticProblem.power_law(10, exponent=0.0)
    run = scg_monte_carlo(problem, SCGSettings(lmo="l2", alpha=1.0, radius=1e305, algorithm="uscg"), batch=1,
                          tokens=400, beta=0.1, reps=4)
    assert run.n_diverged == 4 and run.diverged and run.mean is None and run.stderr is None


def _problem(family, dim, exponent, anisotropic):
    if family == "quadratic":
        return QuadraticProblem.power_law(dim, exponent=exponent, anisotropic=anisotropic), ("l2", "linf", "l1")
    if family == "matrix":
        return QuadraticProblem.matrix(dim, max(2, dim // 2), exponent=exponent), ("spectral", "l2", "spectral")
    loss = "exponential" if anisotropic else "logistic"
    return SeparableProblem.gaussian(dim, 4 * dim, margin=0.05 + exponent / 4, loss=loss), ("l2", "linf", "l1")


@given(family=st.sampled_from(["quadratic", "matrix", "separable"]), dim=st.integers(3, 25),
       exponent=st.floats(0.0, 2.0), norm=st.integers(0, 2), iterations=st.integers(20, 400), c=st.floats(0.1, 2.0),
       alpha=st.floats(0.01, 1.0), radius=st.floats(0.5, 5.0), log_bs=st.integers(0, 8),
       sigma_star=st.floats(0.0, 3.0), anisotropic=st.booleans())
def test_eq26_bounds_the_simulated_suboptimality(observe, family, dim, exponent, norm, iterations, c, alpha, radius,
                                                 log_bs, sigma_star, anisotropic):
    """Inside Theorem 4.1's conditions (x_0 = 0 so 2‖x_0‖ ≤ η, β = c/K ≤ 1/2, m_0 a fresh gradient, constant β,
    constants of the problem in the LMO's geometry) the simulated mean's upper confidence limit (mean + 3 SE, 64
    runs) never exceeds eq. 26, on quadratics (ℓ2, ℓ∞, ℓ1), matrix least squares (spectral, Frobenius) and logistic
    or exponential loss on separable data (margin 0.05–0.55). Records bound/mean: how loose the bound is."""
    problem, norms = _problem(family, dim, exponent, anisotropic)
    norm = norms[norm]
    bs = 2**log_bs
    settings = SCGSettings(lmo=norm, alpha=alpha, radius=radius, sigma_star=sigma_star)
    budget = dict(batch=bs, tokens=bs * iterations, beta=c / iterations)
    bound = eq26_for_run(problem, settings, **budget)
    assert not bound.conditions_broken
    run = scg_monte_carlo(problem, settings, **budget, reps=64, seed=1)
    upper = upper_limit(run.mean[0], run.stderr[0])
    assert upper <= bound.value
    assert run.values[:, -1].max() <= bound.ceiling * (1 + ROUNDING_RTOL)  # a sure bound: every run, not the mean
    assert bound.vacuous == (bound.value >= bound.ceiling)
    observe(f"scg eq26 bound vacuous ({family})", bound.vacuous)
    observe(f"scg eq26 bound / simulated mean ({family})", bound.value / max(run.mean[0], 1e-300))


@given(family=st.sampled_from(["quadratic", "matrix", "separable"]), dim=st.integers(3, 12),
       exponent=st.floats(0.0, 2.0), norm=st.integers(0, 1), iterations=st.integers(5, 200),
       algorithm=st.sampled_from(["uscg", "muon"]), decay_share=st.floats(0.0, 1.0), radius=st.floats(0.01, 2.0),
       alpha=st.floats(0.05, 1.0), sigma_star=st.floats(0.0, 3.0), nesterov=st.booleans())
def test_the_ceiling_of_uscg_and_muon_holds_for_every_run(observe, family, dim, exponent, norm, iterations, algorithm,
                                                          decay_share, radius, alpha, sigma_star, nesterov):
    """uSCG and Muon without weight decay take K steps of length η (r = Kη); Muon with weight decay λ, λη ≤ 1, stays
    in the ball of radius max(‖x_0‖, 1/λ) (r = ‖x_0‖ + that). Every point of every run (16 runs, each step) lies
    below the ceiling f(x_0) − f* + ‖∇f(x_0)‖_*·r + L·r²/2; eq. 26 is vacuous exactly when it reaches it."""
    problem, norms = _problem(family, dim, exponent, anisotropic=False)
    decay = 0.0 if algorithm == "uscg" else decay_share / radius  # λη = decay_share ≤ 1
    settings = SCGSettings(lmo=norms[norm], alpha=alpha, radius=radius, sigma_star=sigma_star, algorithm=algorithm,
                           weight_decay=decay, nesterov=nesterov)
    budget = dict(batch=2, tokens=2 * iterations, beta=0.5 / iterations)
    bound = eq26_for_run(problem, settings, **budget)
    assert bound.ceiling is not None
    run = scg_monte_carlo(problem, settings, **budget, steps=range(iterations + 1), reps=16, seed=2)
    assert run.values.max() <= bound.ceiling * (1 + ROUNDING_RTOL)
    assert bound.vacuous == (bound.value >= bound.ceiling)
    observe(f"scg {algorithm} ceiling / largest simulated suboptimality", bound.ceiling / max(run.values.max(), 1e-300))


def test_a_bound_without_a_ceiling_is_not_assessed():
    """SGD's steps have no norm bound and Newton-Schulz is not an exact LMO: their finite bounds are neither vacuous
    nor not, and say so (vacuous None), where a False read as 'this bound says something'."""
    problem = QuadraticProblem.matrix(6, 6)
    budget = dict(batch=2, tokens=400, beta=0.01)
    for settings in (SCGSettings(lmo="spectral", alpha=0.5, radius=0.1, algorithm="sgd"),
                     SCGSettings(lmo="spectral-ns", alpha=0.5, radius=0.1)):
        bound = eq26_for_run(problem, settings, **budget)
        assert bound.ceiling is None and bound.vacuous is None and bound.reason.startswith("not assessed")
        assert np.isfinite(bound.value)


def test_at_equal_tokens_per_step_more_sequences_win_only_when_tokens_are_correlated():
    """§6.5 reports 4× B at fixed S ≈ 0.01 better than 2× B and 2× S at the same B·S; under the paper's σ*²/(BS) the
    two are the same run (identical numbers, same seed). With tokens of a sequence sharing a tenth of their noise
    variance (ϱ = 0.1, S = 16 → 32), (4B, S) beats (2B, 2S): 1.40× lower error measured (σ² 2.5 vs 4.1 × σ*²/(BS))."""
    problem = QuadraticProblem.power_law(100)
    settings = SCGSettings(lmo="l2", alpha=0.1, radius=2.0)
    budget = dict(tokens=2**20, beta=0.5 * 2048 / 2**20, reps=64, seed=4)

    def error(batch, seq, correlation):
        run = scg_monte_carlo(problem, settings.replace(correlation=correlation), batch=batch, seq=seq, **budget)
        return run.mean[0], run.stderr[0]

    assert error(128, 16, 0.0) == error(64, 32, 0.0)
    (more, more_se), (longer, longer_se) = error(128, 16, 0.1), error(64, 32, 0.1)
    assert_apart(longer, longer_se, more, more_se)
    assert longer / more > 1.15
