"""The model-size axis: a learner of the first N features is the N-feature problem with the rest as noise."""

import mpmath
import numpy as np
import pytest

from batchlab.figures import linreg_cbs_model_size
from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import LinRegProblem, exact_risk

FULL = LinRegProblem.power_law(1.2, 2.0, 6, sigma=0.5)


def simulate_head_learner(problem, model_dim, *, lr, batch, steps, reps, seed):
    """Mini-batch SGD on data of the full problem, updating only the first ``model_dim`` weights (w_0 = 0).

    Returns each replicate's full excess risk (w − w*)ᵀH(w − w*) of the last iterate and of the uniform
    average of w_0..w_{n−1}: a reference independent of batchlab's engines (plain NumPy, all replicates at once).
    """
    rng = np.random.default_rng(seed)
    lam, w_star = problem.eigenvalues, problem.w_star
    w = np.zeros((reps, model_dim))
    total = np.zeros((reps, model_dim))
    for _ in range(steps):
        total += w
        x = rng.standard_normal((reps, batch, lam.size)) * np.sqrt(lam)
        y = x @ w_star + problem.sigma * rng.standard_normal((reps, batch))
        residual = np.einsum("rbi,ri->rb", x[:, :, :model_dim], w) - y
        w -= lr * np.einsum("rbi,rb->ri", x[:, :, :model_dim], residual) / batch
    tail = float(np.dot(lam[model_dim:], w_star[model_dim:] ** 2))

    def risk(v):
        return ((v - w_star[:model_dim]) ** 2) @ lam[:model_dim] + tail

    return risk(w), risk(total / steps)


@pytest.mark.parametrize("model_dim, batch", [(2, 1), (3, 2), (6, 3)])
def test_the_head_learner_is_the_smaller_problem_with_the_tail_as_label_noise(model_dim, batch):
    """Exact risk of ``with_model_dim(N)`` plus its unlearned risk = the simulated head learner, within 4 SE."""
    head = FULL.with_model_dim(model_dim)
    lr = 0.3 * head.stability_limit(batch)
    exact = exact_risk(head, lr=lr, batch=batch, samples=30 * batch, method="recursion")
    last, averaged = simulate_head_learner(FULL, model_dim, lr=lr, batch=batch, steps=30, reps=20000, seed=7)
    unlearned = head.description["unlearned_risk"]
    for simulated, value in ((last, exact.last), (averaged, exact.averaged)):
        stderr = simulated.std(ddof=1) / np.sqrt(simulated.size)
        assert abs(simulated.mean() - (value + unlearned)) <= 4.0 * stderr


def test_the_tail_becomes_noise_and_the_spec_rebuilds_the_learner():
    head = FULL.with_model_dim(2)
    tail = float(np.dot(FULL.eigenvalues[2:], FULL.w_star[2:] ** 2))
    assert head.dim == 2 and head.description["unlearned_risk"] == pytest.approx(tail, rel=1e-15)
    assert head.sigma**2 == pytest.approx(FULL.sigma**2 + tail, rel=1e-15)
    assert head.spec == {**FULL.spec, "model_dim": 2}
    rebuilt = LinRegProblem.from_spec(head.spec)
    assert np.array_equal(rebuilt.eigenvalues, head.eigenvalues) and rebuilt.sigma == head.sigma
    assert LinRegProblem.from_spec(head.with_sigma(0.0).spec).sigma == 0.0  # an edited learner is kept as it is
    whole = FULL.with_model_dim(FULL.dim)
    assert whole.sigma == FULL.sigma and np.array_equal(whole.eigenvalues, FULL.eigenvalues)


@pytest.mark.parametrize("model_dim", [40, 65, 4096, 10**6])
def test_a_model_of_the_untruncated_spectrum_has_the_exact_tail_as_noise(model_dim):
    """dim = inf: directions 1..N as groups (exact up to the head), the tail's risk ζ(b, N + 1) as noise; within
    1e-5 of the finite N-dimensional problem with that noise (as the untruncated spectrum is of its truncations)."""
    inf = LinRegProblem.power_law(1.5, 2.5, "inf")
    model = inf.with_model_dim(model_dim)
    tail = float(mpmath.zeta(2.5, model_dim + 1))
    assert model.description["unlearned_risk"] == pytest.approx(tail, rel=1e-12)
    assert model.sigma**2 == pytest.approx(1.0 + tail, rel=1e-12)
    rebuilt = LinRegProblem.from_spec(model.spec)
    assert np.array_equal(rebuilt.weights, model.weights) and rebuilt.sigma == model.sigma
    if model_dim > 8192:
        return
    finite = LinRegProblem.power_law(1.5, 2.5, model_dim, sigma=model.sigma)
    for value in (lambda p: np.sum(p.eigenvalues * p.weights), lambda p: np.sum(p.eigenvalues**2 * p.weights),
                  lambda p: p.initial_risk):
        assert value(model) == pytest.approx(value(finite), rel=1e-5)
    lr = 0.5 * finite.stability_limit(4)
    ours, theirs = (exact_risk(p, lr=lr, batch=4, samples=4 * 256) for p in (model, finite))
    assert ours.averaged == pytest.approx(theirs.averaged, rel=1e-5) and ours.last == pytest.approx(theirs.last,
                                                                                                    rel=1e-5)


@pytest.mark.parametrize("problem, model_dim, message", [
    (FULL, 0, "^model_dim: must be an integer >= 1"),
    (FULL, 7, "^model_dim: must be at most dim = 6"),
    (FULL.with_model_dim(3), 2, "^model_dim: must be applied once"),
    (LinRegProblem.power_law(1.5, 2.0, "inf").with_model_dim(100), 10, "^model_dim: must be applied once"),
])
def test_bad_model_dims_are_named(problem, model_dim, message):
    with pytest.raises(InvalidParameter, match=message):
        problem.with_model_dim(model_dim)


@pytest.mark.slow  # 40 s cold on 2 cores
def test_model_size_stops_mattering_where_the_learned_directions_end(observe):
    """The gallery figure's data (a = 1.5, b = 2.5, untruncated, D = 1536..393216; its cache): N_flat, where B* comes
    within 5% of the full model's for good, grows as D^{1/b} = D^0.4, the directions learned at B*
    (theory.linreg.learned_directions_exponent; measured 0.398). Band ±0.05: N_flat is interpolated between
    grid points a factor 2 apart and B* is an integer, so a point of N_flat moves by up to ~20% (0.05 over the
    2.4 decades of D). Models grown as N = D^0.6 and D^1 (past N_flat) have the full model's B* within 5%."""
    data = linreg_cbs_model_size.compute()
    observe("model size: N_flat slope in D", data["flat_exponent"])
    assert abs(data["flat_exponent"] - data["predicted_flat_exponent"]) <= 0.05
    for power in ("0.6", "1.0"):
        np.testing.assert_allclose(data["growing"][power], data["full"], rtol=0.05)
