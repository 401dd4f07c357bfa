"""Excess risk of the averaged iterate vs γ/B for several B at fixed D: where 'only γ/B matters' holds.

Theorem 7 of the seed paper says that at fixed D the risk depends on (γ, B) only
through γ/B. Exact lines (one per B) and sufficient-statistic Monte Carlo points
(± 2 SE) at the same D show the collapse for small γ/B and the break-away as γ
approaches each batch size's mean-square stability limit γ_max(B) (dotted), which
is not a function of γ/B: at B = 1 the limit is ≈ 2/tr(H), at large B ≈ 2/λ_max.
"""

import numpy as np

from batchlab.sim.linreg import LinRegProblem, exact_risk, monte_carlo_risk
from batchlab.theory.linreg import ms_stability_limit, theorem7_terms

NAME = "linreg_lr_over_batch"


def compute(*, a: float = 1.5, b: float = 2.0, dim: int = 500, samples: int = 4096, sigma: float = 1.0,
            batches: tuple = (1, 8, 64, 512), mc_points: int = 6, mc_reps: int = 100, seed: int = 0) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(a=a, b=b, dim=dim, samples=samples, sigma=sigma, batches=batches, mc_points=mc_points,
                      mc_reps=mc_reps, seed=seed)
    problem = LinRegProblem.power_law(a, b, dim, sigma)
    lam = problem.eigenvalues
    ratios = np.geomspace(1e-4, 3.0, 60)  # γ/B
    curves = {}
    for batch in batches:
        lr_max = ms_stability_limit(lam, batch)
        feasible = ratios[ratios * batch < lr_max]
        risks = [exact_risk(problem, lr=r * batch, batch=batch, samples=samples) for r in feasible]
        exact = np.array([np.inf if res.diverged else res.averaged for res in risks])
        mc_ratios = np.geomspace(feasible[0] * 3, feasible[-1] * 0.9, mc_points)
        mc = [monte_carlo_risk(problem, lr=r * batch, batch=batch, samples=samples, reps=mc_reps, seed=seed)
              for r in mc_ratios]
        curves[batch] = dict(ratios=feasible, exact=exact, lr_max=lr_max, mc_ratios=mc_ratios,
                             mc_mean=np.array([m.averaged for m in mc]),
                             mc_se=np.array([m.stderr["averaged"] for m in mc]))
    theorem = np.array([sum(theorem7_terms(lam, problem.w_star**2, sigma, r, 1, samples)) for r in ratios])
    return dict(parameters=parameters, curves=curves, ratios=ratios, theorem7=theorem)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, ax = plt.subplots(figsize=(7.5, 5.2), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(p["batches"])))
    for color, (batch, c) in zip(colors, data["curves"].items()):
        ax.plot(c["ratios"], c["exact"], color=color, lw=1.8, label=f"B = {batch} (exact)")
        ax.errorbar(c["mc_ratios"], c["mc_mean"], yerr=2 * c["mc_se"], fmt="o", ms=4, color=color, capsize=2)
        ax.axvline(c["lr_max"] / batch, color=color, ls=":", lw=1.2)
    ax.plot(data["ratios"], data["theorem7"], "k--", lw=1, label="Theorem 7 expression (constant 1)")
    ax.set(xscale="log", yscale="log", xlabel="learning rate / batch size  γ/B",
           ylabel="E excess risk of w̄  (no ½)", ylim=(None, 10.0),
           title=f"Risk depends on γ/B only, until γ nears the stability limit\n"
                 f"a={p['a']}, b={p['b']}, d={p['dim']}, D={p['samples']}, σ={p['sigma']}\n"
                 f"points: Monte Carlo ±2 SE ({p['mc_reps']} reps); dotted: stability limit γ_max(B)/B")
    ax.legend(fontsize=8, loc="upper right")
    return fig
