"""Both Monte Carlo engines against the exact engine, and reproducibility of the streams."""

import numpy as np
import pytest

from batchlab.sim.linreg import LinRegProblem, exact_risk, monte_carlo_risk

from tolerances import assert_within_k_se

# (a, b, dim, lr as a fraction of the stability limit, batch, steps, sigma): B = 1 and
# B ≥ 256 included, all three cases of Corollary 8 (b ≤ a, a < b < 2a+1, b > 2a+1).
CASES = [
    (1.5, 1.2, 40, 0.5, 1, 64, 1.0),
    (1.5, 2.0, 60, 0.3, 8, 40, 0.5),
    (2.0, 6.0, 30, 0.8, 256, 12, 1.0),
    (1.2, 2.0, 200, 0.1, 512, 10, 1.0),
    (3.0, 4.0, 20, 0.6, 2, 30, 0.0),
]
KEYS = ("last", "averaged", "tail_averaged", "bias", "variance")


def assert_agrees(mc, exact):
    """Every risk of the Monte Carlo within K_SE of the exact one (a part identically zero, σ = 0 or w_0 = w*, has
    mean and standard error exactly 0)."""
    for key in KEYS:
        assert_within_k_se(mc.mean[key], mc.stderr[key], getattr(exact, key), label=key)


def stable_lr(problem, fraction, batch):
    return fraction * exact_risk(problem, lr=1e-3, batch=batch, samples=batch).lr_max


@pytest.mark.parametrize("a, b, dim, frac, batch, steps, sigma", CASES)
def test_suffstat_engine_agrees_with_exact(a, b, dim, frac, batch, steps, sigma):
    problem = LinRegProblem.power_law(a, b, dim, sigma)
    lr = stable_lr(problem, frac, batch)
    exact = exact_risk(problem, lr=lr, batch=batch, samples=batch * steps)
    assert exact.stable
    mc = monte_carlo_risk(problem, lr=lr, batch=batch, samples=batch * steps, reps=3000, seed=11, decompose=True)
    assert_agrees(mc, exact)


@pytest.mark.parametrize("a, b, dim, frac, batch, steps, sigma", CASES[:3] + [(1.5, 2.0, 16, 0.9, 256, 6, 1.0)])
def test_naive_engine_agrees_with_exact(a, b, dim, frac, batch, steps, sigma):
    problem = LinRegProblem.power_law(a, b, dim, sigma)
    lr = stable_lr(problem, frac, batch)
    exact = exact_risk(problem, lr=lr, batch=batch, samples=batch * steps)
    assert exact.stable
    mc = monte_carlo_risk(problem, lr=lr, batch=batch, samples=batch * steps, reps=1500, seed=5, engine="naive",
                          decompose=True)
    assert_agrees(mc, exact)


def test_start_at_zero_error_is_handled():
    """v = 0 has no direction: the sampler must fall back to pure noise (w_0 = w*)."""
    problem = LinRegProblem.from_arrays([1.0, 0.5, 0.25], [0.0, 0.0, 0.0], sigma=1.0)
    exact = exact_risk(problem, lr=0.3, batch=3, samples=3 * 20)
    mc = monte_carlo_risk(problem, lr=0.3, batch=3, samples=3 * 20, reps=4000, seed=2, decompose=True)
    assert_agrees(mc, exact)


@pytest.mark.parametrize("engine", ["suffstat", "naive"])
def test_same_seed_same_numbers_whatever_the_thread_count(engine):
    problem = LinRegProblem.power_law(1.5, 2.0, 25)
    runs = [monte_carlo_risk(problem, lr=0.5, batch=4, samples=64, reps=9, seed=3, engine=engine, workers=w)
            for w in (1, 2, 3)]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.full.averaged, runs[0].full.averaged)
        np.testing.assert_array_equal(other.full.last, runs[0].full.last)
    different = monte_carlo_risk(problem, lr=0.5, batch=4, samples=64, reps=9, seed=4, engine=engine)
    assert not np.array_equal(different.full.averaged, runs[0].full.averaged)


def test_replicates_do_not_depend_on_the_number_of_replicates():
    """Replicate r's stream is fixed by (seed, r): asking for more replicates extends, never reshuffles."""
    problem = LinRegProblem.power_law(2.0, 3.0, 10)
    few = monte_carlo_risk(problem, lr=0.5, batch=2, samples=40, reps=3, seed=8)
    many = monte_carlo_risk(problem, lr=0.5, batch=2, samples=40, reps=7, seed=8)
    np.testing.assert_array_equal(many.full.averaged[:3], few.full.averaged)


@pytest.mark.parametrize("engine", ["suffstat", "naive"])
def test_monte_carlo_divergence_is_reported(engine):
    problem = LinRegProblem.power_law(1.5, 2.0, 50)
    lr_max = exact_risk(problem, lr=0.1, batch=2, samples=2).lr_max
    mc = monte_carlo_risk(problem, lr=4 * lr_max, batch=2, samples=2 * 3000, reps=4, seed=0, engine=engine)
    summary = mc.summary()
    assert mc.diverged and mc.averaged is None and summary["averaged"] is None and summary["stderr_averaged"] is None
    assert 1 <= summary["diverged_at"] < 3000 and summary["n_diverged"] == mc.reps == 4
