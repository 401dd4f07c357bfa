"""Exact engine against an independent dense brute-force reference, and its edge cases."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import LinRegProblem, exact_risk

from tolerances import EXACT_RTOL


def dense_reference(eigenvalues, w_star, sigma, lr, batch, steps, rotation):
    """Brute force in a rotated basis: H = QΛQᵀ dense, S_t = E[η_tη_tᵀ] as a full matrix.

    S_{t+1} = S − γ(HS + SH) + γ²[HSH + (HSH + tr(HS)H)/B] + γ²σ²H/B, and the averaged
    risk is the explicit double sum (1/n²)Σ_{t,k} tr(H (I − γH)^{|k−t|} S_{min(t,k)}).
    Nothing here is diagonal or recursive in the averaging, unlike the engine.
    """
    H = rotation @ np.diag(eigenvalues) @ rotation.T
    eta0 = -(rotation @ w_star)
    S = np.outer(eta0, eta0)
    d = H.shape[0]
    P = np.eye(d) - lr * H
    covs = [S]
    for _ in range(steps):
        HSH = H @ S @ H
        S = (S - lr * (H @ S + S @ H) + lr**2 * (HSH + (HSH + np.trace(H @ S) * H) / batch)
             + lr**2 * sigma**2 * H / batch)
        covs.append(S)

    def averaged(first, last):
        total = 0.0
        for t in range(first, last):
            for k in range(first, last):
                lo, gap = min(t, k), abs(k - t)
                total += np.trace(H @ np.linalg.matrix_power(P, gap) @ covs[lo])
        return total / (last - first) ** 2

    return np.trace(H @ covs[steps]), averaged(0, steps), averaged(steps // 2, steps)


@pytest.mark.parametrize(
    "dim, lr, batch, steps, sigma",
    [(3, 0.2, 1, 12, 1.0), (4, 0.05, 2, 20, 0.3), (2, 0.7, 7, 9, 2.0), (4, 0.4, 64, 15, 0.0), (1, 1.1, 3, 10, 1.0)],
)
@pytest.mark.parametrize("method", ["recursion", "spectral"])
def test_exact_engine_matches_dense_reference(dim, lr, batch, steps, sigma, method):
    rng = np.random.default_rng(dim * 100 + steps)
    lam = rng.uniform(0.1, 1.5, dim)
    w_star = rng.normal(size=dim)
    problem = LinRegProblem.from_arrays(lam, w_star, sigma)
    got = exact_risk(problem, lr=lr, batch=batch, samples=batch * steps, method=method)
    assert got.engine == method or not got.stable  # an unstable run is the recursion's
    rotation = ortho_group.rvs(dim, random_state=7) if dim > 1 else np.eye(1)
    last, avg, tail = dense_reference(lam, w_star, sigma, lr, batch, steps, rotation)
    np.testing.assert_allclose([got.last, got.averaged, got.tail_averaged], [last, avg, tail], rtol=EXACT_RTOL)
    # Bias and variance add exactly, and each is the risk of its own sub-problem.
    np.testing.assert_allclose(got.bias + got.variance, got.averaged, rtol=EXACT_RTOL)
    _, bias_ref, _ = dense_reference(lam, w_star, 0.0, lr, batch, steps, rotation)
    np.testing.assert_allclose(got.bias, bias_ref, rtol=EXACT_RTOL)


def test_paths_are_prefix_risks():
    """averaged_path[m−1] is the exact risk of the first-m average; last_path[t] of w_t."""
    problem = LinRegProblem.power_law(1.5, 2.5, 30)
    full = exact_risk(problem, lr=0.2, batch=2, samples=2 * 40)
    for m in (1, 7, 40):
        prefix = exact_risk(problem, lr=0.2, batch=2, samples=2 * m)
        np.testing.assert_allclose(full.averaged_path[m - 1], prefix.averaged, rtol=EXACT_RTOL)
        np.testing.assert_allclose(full.last_path[m], prefix.last, rtol=EXACT_RTOL)
    assert full.last_path[0] == pytest.approx(problem.initial_risk, rel=1e-14)
    assert full.averaged_path[0] == pytest.approx(problem.initial_risk, rel=1e-14)  # w̄_1 = w_0


def test_divergence_is_reported_not_overflowed():
    problem = LinRegProblem.power_law(1.5, 2.0, 100)
    lr_max = exact_risk(problem, lr=0.1, batch=4, samples=4).lr_max
    stable = exact_risk(problem, lr=0.9 * lr_max, batch=4, samples=4 * 5000)
    assert stable.stable and not stable.diverged and np.isfinite(stable.averaged)
    blown = exact_risk(problem, lr=3 * stable.lr_max, batch=4, samples=4 * 5000)
    assert not blown.stable and blown.diverged and 1 <= blown.diverged_at < 5000
    assert blown.summary()["averaged"] is None and blown.averaged is None and blown.last is None
    assert np.all(np.isfinite(blown.last_path[: blown.diverged_at]))


def test_unstable_but_short_run_is_finite():
    """Above the stability limit but too few steps to blow up: a finite risk, flagged unstable."""
    problem = LinRegProblem.power_law(2.0, 2.0, 10)
    lr_max = exact_risk(problem, lr=0.1, batch=1, samples=1).lr_max
    short = exact_risk(problem, lr=1.05 * lr_max, batch=1, samples=3)
    assert not short.stable and not short.diverged and np.isfinite(short.averaged)


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(lr=0.0, batch=2, samples=8), "lr"), (dict(lr=float("nan"), batch=2, samples=8), "lr"),
     (dict(lr=0.1, batch=0, samples=8), "batch"), (dict(lr=0.1, batch=3, samples=8), "samples"),
     (dict(lr=0.1, batch=2, samples=-2), "samples")],
)
def test_invalid_arguments_name_the_parameter(kwargs, name):
    problem = LinRegProblem.power_law(1.5, 2.0, 5)
    with pytest.raises(InvalidParameter, match=f"^{name}: must be"):
        exact_risk(problem, **kwargs)


@pytest.mark.parametrize("kwargs, name", [(dict(a=1.0, b=2, dim=5), "a"), (dict(a=2, b=2, dim=0), "dim"),
                                          (dict(a=2, b=float("inf"), dim=5), "b"),
                                          (dict(a=2, b=2, dim=5, sigma=-1), "sigma")])
def test_invalid_problem_names_the_parameter(kwargs, name):
    with pytest.raises(InvalidParameter, match=f"^{name}: must be"):
        LinRegProblem.power_law(**kwargs)
