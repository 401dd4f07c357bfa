"""The related-work seed's other batch-size results, held against batchlab's exact engines.

Only the abstracts are in the seed: [Sato 2025] (Muon's convergence bounds and critical batch size), [Umeda 2025]
(growth schedules of batch size and learning rate), [Essential AI 2025] (Muon beyond the critical batch size) and
[Abreu 2025] (full Gauss–Newton); docs/references.md. Where a theorem's constants are not in the seed, the check
tests the general form the abstract describes (docs/sfo.md says which form each one implements) and what does not
depend on unknown constants: how b* moves with ε, orderings, exponents. Each check returns
(claimed, recomputed, status, note), computed once per process (they take seconds to a minute).
"""

import functools

import numpy as np

from batchlab.sim.linreg import LinRegProblem
from batchlab.sim.nqm import NQMProblem, preconditioner_gap
from batchlab.sim.scg import QuadraticProblem, SCGSettings, beyond_cbs_curves, muon_sfo_cbs
from batchlab.sim.sfo import compare_growth, measure_sfo_cbs

PAPER = "related2025"
TITLE = "Related work on batch size: SFO-complexity CBS, Muon, growth schedules, full Gauss-Newton (2025)"
TARGETS = (1e-2, 3e-3, 1e-3, 3e-4, 1e-4)
LR = 0.5


@functools.cache
def _sfo():
    return {"nqm": measure_sfo_cbs(NQMProblem.paper(1000), lr=LR, targets=TARGETS),
            "linreg": measure_sfo_cbs(LinRegProblem.power_law(1.5, 2.5, "inf"), lr=LR, targets=TARGETS)}


def sfo_cbs_scales_as_one_over_eps():
    """[Sato 2025], [Iiduka]: a bound X/K + Y/b + Z gives the SFO-minimising batch b* = 2Y/ε′, so b* ∝ 1/ε′."""
    measured = _sfo()
    slopes = {name: m.slope() for name, m in measured.items()}
    ratios = {name: m.column("measured")[-1] / m.column("floor_on_grid")[-1] for name, m in measured.items()}
    over = {name: float(np.median(m.column("theorem") / m.column("measured"))) for name, m in measured.items()}
    recomputed = (f"constant-step SGD (eta = {LR}), eps = 1e-2..1e-4 on (1/K) sum E|grad f|^2: log-log slope of the "
                  f"measured b* {slopes['nqm']:.4f} (NQM d = 1000), {slopes['linreg']:.4f} (linreg a = 1.5, b = 2.5); "
                  f"at eps = 1e-4 measured / 2Y_floor/eps = {ratios['nqm']:.5f}, {ratios['linreg']:.5f}; the "
                  f"theorem's 2Y/eps over-estimates b* by {over['nqm']:.2f}x, {over['linreg']:.2f}x")
    reproduced = all(abs(s + 1) <= 0.01 for s in slopes.values())
    return ("b* = 2Y/eps' minimises the SFO count b*K(b); b* grows as 1/eps'", recomputed,
            "match" if reproduced else "mismatch",
            "The form holds (slope -1 within 0.01) and with the engine's own noise floor Y_floor = lim B G(inf, B) "
            "the constant is exact as eps -> 0; the descent lemma's Y = L eta sigma^2/(2 - L eta) prices every "
            "direction's noise at the largest curvature, so its b* is 5-6x too large on these spectra.")


def full_gauss_newton_gap():
    """[Abreu 2025]: full Gauss-Newton preconditioning takes 5.4x fewer iterations than SOAP and Muon."""
    problem = NQMProblem.paper(binned=True)
    gaps = {target: preconditioner_gap(problem, target=target) for target in (0.1, 0.01, 0.001)}
    small = {t: float(np.nanmedian(g.ratio[g.batch_sizes <= g.baseline_cbs / 8])) for t, g in gaps.items()}
    at = ", ".join(f"{t}: {g.first_at_gap_over_cbs:.1f}" for t, g in gaps.items())
    largest = ", ".join(f"{t}: {np.nanmax(g.ratio):.0f}x" for t, g in gaps.items())
    recomputed = ("NQM (binned h_i = 1/i, d = 1e4, C = H), tuned SGD with P = H^-1 (full GN) vs P = H^-1/2 "
                  "(Adam/Shampoo-like): steps ratio below B*(p = 1/2)/8 = "
                  + ", ".join(f"{r:.3f}" for r in small.values())
                  + f" (targets 0.1, 0.01, 0.001); 5.4x first at B / B*(p = 1/2) = {at}; up to {largest} at B = 2^21")
    return ("5.4x fewer training iterations than SOAP and Muon", recomputed, "inconclusive",
            "The abstract gives no batch sizes. On the NQM a 5.4x iteration gap exists, but only at 4-7x the "
            "square-root preconditioner's critical batch size, where it is curvature-limited; below its CBS full GN "
            "gains 0-30% (and loses 5% at the loose target 0.1: H^-1 amplifies the flat directions' noise). So the "
            "NQM reads the 5.4x as a measurement far past the baselines' critical batch size, which the seed cannot "
            "confirm.")


def growth_schedules_reduce_sfo():
    """[Umeda 2025]: growing batch size and learning rate in stages reduces the SFO complexity.

    b_m = b_0 δ^m, η_m = η_0 γ^m.
    """
    compared = {"NQM 0.1": compare_growth(NQMProblem.paper(binned=True), target=0.1),
                "NQM 0.01": compare_growth(NQMProblem.paper(binned=True), target=0.01),
                "linreg 0.02": compare_growth(LinRegProblem.power_law(1.5, 2.5, 64), target=0.02, max_steps=10**5)}
    savings = "; ".join(f"{name}: {c.saving:.2f}x (best delta = {c.best.batch_factor:g}, gamma = "
                        f"{c.best.lr_factor:.3g})" for name, c in compared.items())
    batch_only = all(c.best.lr_factor == 1.0 for c in compared.values())
    unbounded = min(c.constant.sfo / p.sfo for c in compared.values() for p in c.growth if not p.bounded)
    recomputed = (f"stochastic gradients to the target, best growth vs best constant (b_0, eta_0, L and B, eta tuned; "
                  f"eta capped at the stability limit): {savings}. The best growth keeps gamma = 1: {batch_only}; "
                  f"pairs with gamma^2 >= delta still save >= {unbounded:.2f}x")
    return ("growth schedules of batch size and learning rate reduce the SFO complexity; gamma^2 < delta keeps the "
            "noise bounded", recomputed, "match" if all(c.saving > 1.25 for c in compared.values()) else "mismatch",
            "Growth saves 1.8-4.2x on the exact engines. But what saves is growing the batch: growing the learning "
            "rate as well (gamma > 1) costs gradients at every delta here, so the 'optimal growth' of both is "
            "gamma = 1 on these problems. With the learning rate capped at the stability limit (as any tuned rate "
            "is), gamma^2 >= delta does not diverge; it only saves least.")


def muon_critical_batch_size():
    """[Sato 2025]: Muon has an SFO-minimising critical batch size; weight decay gives strictly tighter bounds."""
    muon = dict(lmo="spectral", radius=0.01, algorithm="muon", nesterov=True)
    targets, grid = (0.01, 0.005, 0.0025), 2.0 ** np.arange(13)
    far, origin = QuadraticProblem.matrix(8, 8, optimum=1.0), QuadraticProblem.matrix(8, 8, optimum=0.0)
    plain = muon_sfo_cbs(far, SCGSettings(alpha=0.1, **muon), targets=targets, batches=grid)
    decayed = muon_sfo_cbs(far, SCGSettings(alpha=0.1, weight_decay=2.0, **muon), targets=targets, batches=grid)
    centred = [muon_sfo_cbs(origin, SCGSettings(alpha=0.1, weight_decay=decay, **muon), targets=targets,
                            batches=grid).floors for decay in (0.0, 2.0)]
    ratio = plain.b_star / plain.predicted
    recomputed = (f"Muon (Nesterov, beta = 0.9, eta = 0.01) on 8x8 matrix least squares, Monte Carlo: floor = "
                  f"{plain.y:.4f}/sqrt(b) {plain.z:+.1e}; measured b* at eps = 0.01, 0.005, 0.0025: "
                  + ", ".join(f"{b:.0f}" for b in plain.b_star)
                  + f" (slope in eps - Z {plain.slope():.2f}; measured/template {ratio.min():.2f}-{ratio.max():.2f});"
                  f" weight decay 2 (X* outside the 1/lambda ball): b* "
                  + ", ".join(f"{b:.0f}" for b in decayed.b_star)
                  + f", floor x{np.median(decayed.floors / plain.floors):.2f}; X* = 0: floor "
                  f"x{np.median(centred[1] / centred[0]):.2f}")
    return ("Muon's SFO-minimising critical batch size exists and is set by the hyperparameters; weight decay gives "
            "strictly tighter bounds", recomputed, "match" if abs(plain.slope() + 2) <= 0.4 else "mismatch",
            "The first-moment form (noise Y/sqrt(b), b* = 9Y^2/(4(eps - Z)^2)) reproduces: slope -2 and the template "
            "within 0.7-0.9 of the measurement, with Y fitted from the floor (the paper's constants are not in the "
            "seed). Weight decay lowers the error only when the optimum lies in its ball |X| <= 1/lambda; outside "
            "it biases the iterates, and the floor and b* rise. The bounds' 'strictly tighter' is not a statement "
            "about the error itself.")


def muon_beyond_the_cbs():
    """[Essential AI 2025]: Muon retains data efficiency at large batch sizes, far beyond the CBS, better than AdamW."""
    problem = QuadraticProblem.matrix(8, 8, optimum=1.0, exponent=2.0)
    curves = beyond_cbs_curves(problem, target=0.006, batches=(1, 4096), methods=("muon", "sign", "sgd"),
                               max_steps=8000)
    steps = {(curve.method, int(batch)): k for curve in curves for batch, k in zip(curve.batch_sizes, curve.steps)}
    speedup = {method: steps[method, 1] / steps[method, 4096] for method in ("muon", "sign", "sgd")}
    recomputed = ("8x8 matrix least squares, s_j = j^-2, target 0.006, Nesterov beta = 0.9, lr tuned per B (Monte "
                  "Carlo): speed-up from B = 1 to 4096 " + ", ".join(f"{m} {v:.0f}x" for m, v in speedup.items())
                  + "; steps at B = 4096 " + ", ".join(f"{m} {steps[m, 4096]:.1f}" for m in speedup))
    return ("Muon retains data efficiency far beyond the critical batch size, better than AdamW", recomputed,
            "match" if speedup["muon"] >= 1.15 * speedup["sign"] else "mismatch",
            "Against sign descent (the Adam-like limit), Muon keeps 1.3x more of linear scaling at B = 4096, 150 "
            "times past the CBS, though the CBS itself (overhead 1.2) is about the same (25 and 26 in the scg_muon "
            "figure); so the claim's direction "
            "reproduces. But SGD with the same momentum scales further than both on this quadratic: what Muon adds "
            "over SGD on real networks is not visible on a problem whose curvature is a diagonal column scaling.")


CHECKS = (sfo_cbs_scales_as_one_over_eps, full_gauss_newton_gap, growth_schedules_reduce_sfo, muon_critical_batch_size,
          muon_beyond_the_cbs)
