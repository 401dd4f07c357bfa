"""The NQM paper's claims on the exact engine with the notebook's protocol.

Binned paper problem (d = 10⁴, 100 bins), target 0.01, B = 2^2..2^21; SGD's learning rate from the notebook's
logspace(−5, 0.5, 100), momentum's and EMA's from logspace(−8, 1, 100) with β (γ) from 1 − logspace(−5, 0, 20).
The CBS is Definition 3's overhead rule (1.2) with linear scaling from B = 4.
"""

import numpy as np
import pytest

from batchlab.sim.nqm import (
    NQMProblem,
    ema_loss,
    gradient_noise_path,
    second_parameter,
    sgd_steady_loss,
    stability_cap,
    steps_curves,
    tuned_steps,
)
from batchlab.sim.sweep import DEFAULT
from batchlab.theory.nqm import ema_steady, information_lower_bound_steps, linear_steady_loss_ratio

from tolerances import ROUNDING_RTOL

PRECONDS = (0.0, 0.25, 0.5, 0.75)


# The default cache (the session's own, tests/conftest.py): the paper checks of the same session measure these same
# curves (paper_checks/nqm_2019.py), so one computes and the other reads.
@pytest.fixture(scope="module")
def cache():
    return DEFAULT


@pytest.fixture(scope="module")
def curves(cache):
    problem = NQMProblem.paper(binned=True)
    return problem, steps_curves(problem, preconds=PRECONDS, cache=cache)


@pytest.fixture(scope="module")
def by_optimizer(curves, cache):
    problem, sgd = curves
    return {"sgd": sgd} | {name: steps_curves(problem, optimizer=name, preconds=PRECONDS, cache=cache)
                           for name in ("momentum", "ema")}


def test_claim1_steps_fall_as_one_over_b_then_level_off(curves):
    """Below the CBS each doubling halves the steps (within 10%); at the largest batches they stop falling
    (the last doubling saves < 1%), and no batch size beats the information bound d/(2·target·B)."""
    problem, all_curves = curves
    for curve in all_curves:
        b, steps = curve.batch_sizes, curve.first_step
        small = b < curve.paper.b_star / 4
        assert small.sum() >= 3  # the claim is about these points: there must be some to hold it against
        assert np.all(np.abs(steps[small][1:] * 2 / steps[small][:-1] - 1) < 0.1)
        assert steps[-1] / steps[-2] > 0.99
        assert np.all(steps >= information_lower_bound_steps(problem.dim, curve.target, b))


def test_claim2_cbs_grows_strictly_with_the_preconditioning_power(curves):
    _, all_curves = curves
    cbs = [curve.paper.b_star for curve in all_curves]
    assert np.all(np.diff(cbs) > 0) and not any(curve.paper.censored for curve in all_curves), cbs
    # Measured: 407, 2173, 13966, 91852 — each step in p multiplies the CBS by 5–7.
    assert np.all(np.diff(np.log(cbs)) > np.log(4))


def test_claim2_preconditioning_also_helps_at_small_batch(curves):
    _, all_curves = curves
    steps_at_4 = [curve.first_step[0] for curve in all_curves]
    assert np.all(np.diff(steps_at_4) < 0), steps_at_4


def test_claim5_optimal_lr_grows_linearly_then_stops_at_the_stability_cap(curves):
    """Doubling B doubles the optimal lr at small B (ratio within the grid's spacing, 1.136×, of 2) and leaves
    it unchanged at large B, where it sits below the stability cap 2/max h^{1−p}."""
    problem, all_curves = curves
    spacing = 10 ** (5.5 / 99)
    for curve in all_curves:
        ratio = curve.lr[1:] / curve.lr[:-1]
        small = curve.batch_sizes[1:] < curve.paper.b_star / 8
        assert small.sum() >= 2
        assert np.all((ratio[small] > 2 / spacing**1.5) & (ratio[small] < 2 * spacing**1.5)), ratio[small]
        assert curve.lr[-1] == curve.lr[-2] < stability_cap(problem, curve.precond)


def test_claim7_lower_targets_have_larger_cbs(cache):
    problem = NQMProblem.paper(binned=True)
    cbs = [steps_curves(problem, target=t, cache=cache)[0].paper.b_star for t in (0.1, 0.03, 0.01, 0.003, 0.001)]
    assert np.all(np.diff(cbs) > 0), cbs


def test_mccandlish_noise_scale_tracks_the_measured_cbs(curves):
    """B_noise at the small-batch run's target state against the measured batch size at 2× the linear-scaling
    steps (which is B_noise exactly under McCandlish's S = S_min(1 + B_noise/B)). Measured ratios 0.62, 0.78,
    1.51, 2.10 for p = 0..0.75: same ordering and growth with p, within a factor 2.5, but not equal — the NQM's
    curve is not McCandlish's one-parameter shape."""
    from batchlab.sim.critical_batch import linear_scaling_cbs

    _, all_curves = curves
    noise = np.array([c.b_noise for c in all_curves])
    at_double = np.array([linear_scaling_cbs(c.batch_sizes, c.steps, reference=4.0, overhead=2.0).b_star
                          for c in all_curves])
    assert np.all(np.diff(noise) > 0) and np.all(np.abs(np.log(noise / at_double)) < np.log(2.5)), noise / at_double


def test_fine_lr_grid_never_does_worse_than_the_notebook_grid(tmp_path):
    """'fine' searches the whole stable range (40 points, then Brent): at every (p, B) it needs at most the
    notebook grid's steps (the notebook's grid lies inside the stable range at these batch sizes)."""
    problem = NQMProblem.paper(binned=True)
    batches = [4, 256, 2**14, 2**21]
    for precond in (0.0, 0.75):
        fine, notebook = (steps_curves(problem, preconds=(precond,), batches=batches, lr_grid=grid, cache=tmp_path)[0]
                          for grid in ("fine", "notebook"))
        assert np.all(fine.steps <= notebook.steps * (1 + 1e-12)), (fine.steps, notebook.steps)
        assert np.all(fine.lr < stability_cap(problem, precond))


def test_claim3_momentum_helps_only_at_large_batch(by_optimizer):
    """Speed-up S_SGD/S_momentum: at most 1.3 at B ≤ 256 (1.09–1.25 measured, see the next test for why it is not
    1.00), at least 4 at B ≥ 2^16 for p ≤ 0.5 (4.1–41 measured) and 1.2 for p = 0.75 (1.22–1.42); the momentum
    CBS exceeds SGD's at every p."""
    for sgd, momentum in zip(by_optimizer["sgd"], by_optimizer["momentum"]):
        speedup = sgd.steps / momentum.steps
        small, large = sgd.batch_sizes <= 256, sgd.batch_sizes >= 2**16
        assert small.sum() >= 2 and large.sum() >= 2
        assert np.all((speedup[small] > 1.0) & (speedup[small] < 1.3)), speedup[small]
        assert np.all(speedup[large] >= (4.0 if sgd.precond <= 0.5 else 1.2)), speedup[large]
        assert momentum.paper.b_star > sgd.paper.b_star


def test_claim3_at_small_batch_momentum_is_sgd_with_the_effective_learning_rate():
    """B = 4, p = 0: over β ≤ 1 − 10⁻⁴ the best momentum run needs the steps of SGD on its fine grid (within 1%;
    measured 0.5% fewer; every such β the grid searched in full within 2%) at an effective rate α/(1 − β) within
    10% of SGD's optimal rate (measured 4.6%). The notebook grid's last β, 1 − 10⁻⁵, is 12.6% faster: a memory of 10⁵
    steps leaves every dimension
    underdamped, decaying at the one rate 1 − β whatever its curvature: outside the small-step regime where
    momentum equals SGD, and outside the paper's argument."""
    problem = NQMProblem.paper(binned=True)
    sgd = tuned_steps(problem, batch=4, target=0.01, lr_grid="fine")
    momentum = tuned_steps(problem, batch=4, target=0.01, optimizer="momentum")
    moderate = (momentum.scan_values <= 1 - 1e-4) & np.isfinite(momentum.scan_steps)
    assert moderate.sum() >= 5
    best = int(np.argmin(np.where(moderate, momentum.scan_steps, np.inf)))
    assert abs(momentum.scan_steps[best] / sgd.fractional - 1) < 0.01
    assert np.all(np.abs(momentum.scan_steps[moderate] / sgd.fractional - 1) < 0.02)
    effective = momentum.scan_lr[best] / (1 - momentum.scan_values[best])
    assert abs(effective / sgd.lr - 1) < 0.1
    assert momentum.momentum == momentum.scan_values[-1] and sgd.fractional / momentum.fractional > 1.1


def test_claim4_ema_lowers_the_steady_loss():
    """At every stable x and γ in (0, 1) the EMA's steady E θ̃² is below SGD's E θ² (closed form, theory.nqm), and
    the engine's loss after 10⁹ steps is that closed form's: ½Σwh·ratio·n/(x(2 − x)) < SGD's steady loss."""
    x = np.linspace(0.01, 1.99, 50)[:, None]
    gamma = np.linspace(0.01, 0.99, 50)[None, :]
    ratio = linear_steady_loss_ratio("ema", x, gamma)
    assert np.all((ratio > 0) & (ratio < 1))
    problem = NQMProblem.paper(binned=True)
    lr, batch, decay = 0.5, 16, 0.99
    far = ema_loss(problem, lr=lr, batch=batch, ema_decay=decay, steps=[10**9])[0]
    x_i = lr * problem.h
    want = problem.loss(ema_steady(x_i, decay, lr**2 * problem.c / batch)[1])
    assert far == pytest.approx(want, rel=1e-9) and far < 0.6 * sgd_steady_loss(problem, lr=lr, batch=batch)  # 0.516


def test_claim4_ema_speeds_up_small_batch_and_is_redundant_at_large_batch(by_optimizer):
    """Tuned steps: EMA needs 1.3–6.6× fewer steps than SGD at B ≤ 256 (≥ 1.25 asserted) and the same at the
    largest batch (within the two grids' spacing: 0.94–0.99 measured), where its tuned γ has dropped to ≤ 0.71."""
    for sgd, ema in zip(by_optimizer["sgd"], by_optimizer["ema"]):
        speedup = sgd.steps / ema.steps
        assert np.all(speedup[sgd.batch_sizes <= 256] >= 1.25), speedup
        assert 0.93 <= speedup[-1] <= 1.01 and ema.ema_decay[-1] <= 0.71, (speedup[-1], ema.ema_decay[-1])


def test_mccandlish_noise_scale_grows_along_a_run_as_the_gradient_shrinks():
    """Along one SGD run (B = 64, lr 0.2) and one heavy-ball run (β = 0.9), B_noise = tr(HΣ)/E GᵀHG and
    B_simple = tr Σ/E|G|² rise at every recorded step as the gradient shrinks towards the noise floor; at step 0,
    θ(0) ~ N(0, I) and C = H give B_noise = Σwh²/Σwh³."""
    problem = NQMProblem.paper(binned=True)
    steps = [0, 10, 100, 1000, 10_000, 100_000]
    for optimizer, lr, knob in (("sgd", 0.2, 0.0), ("momentum", 0.02, 0.9)):
        b_simple, b_noise = gradient_noise_path(problem, lr=lr, batch=64, steps=steps, optimizer=optimizer,
                                                     **second_parameter(optimizer, knob))
        assert np.all(np.diff(b_noise) > 0) and np.all(np.diff(b_simple) > 0)
        w, h = problem.counts, problem.h
        assert b_noise[0] == pytest.approx(np.sum(w * h * h) / np.sum(w * h**3), rel=ROUNDING_RTOL)
