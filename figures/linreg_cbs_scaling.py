"""B*(D) in the three cases of Corollary 8, and the risk at batch B relative to the best, against B/B*.

Top: the critical batch size measured on the exact engine, Definition 3 of the seed paper
(steps to R_opt within 1.2× of linear scaling) and McCandlish's B_noise, against the
predicted slope 1 − a/min(b, 2a+1) (dotted, through the last point). Bottom: R(D, B)/R_opt(D)
against B/B*(D), one line per D (batch sizes with at least 8 steps): where the lines collapse,
the risk at B = c·B* is a fixed multiple of the optimum whatever D, so the rate is kept; the
panel titles give R(D, B*)/R_opt and R(D, 4B*)/R_opt over the last six D (the fit window).
"""

import numpy as np

from batchlab.sim.critical_batch import loglog_slope
from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import LinRegProblem, measure_cbs_scaling
from batchlab.theory.linreg import cbs_exponent, corollary8_case

NAME = "linreg_cbs_scaling"


def compute(*, a: tuple = (2.0, 1.5, 1.5), b: tuple = (1.5, 2.5, 6.0), dim: int = 1000, sigma: float = 1.0,
            samples: tuple = tuple(3 * 2**k for k in range(5, 17))) -> dict:
    """One panel per (a[k], b[k]).

    The defaults are the cases b ≤ a, a < b < 2a+1, b > 2a+1, over D = 96..196608 (3.3 decades).
    """
    if len(a) != len(b):
        raise InvalidParameter("set", "a and b of one length (one panel each)", f"{len(a)} and {len(b)}")
    parameters = dict(a=a, b=b, dim=dim, sigma=sigma, samples=samples)
    panels = []
    for a, b in zip(a, b):
        runs = measure_cbs_scaling(LinRegProblem.power_law(a, b, dim, sigma), list(samples))
        panels.append(dict(a=a, b=b, case=corollary8_case(a, b), predicted=cbs_exponent(a, b),
                           paper=np.array([m.paper.b_star for m in runs]), noise=np.array([m.b_noise for m in runs]),
                           at_cbs=np.array([m.risk_ratio_at(m.paper.b_star) for m in runs], dtype=float),
                           at_4cbs=np.array([m.risk_ratio_at(4 * m.paper.b_star) for m in runs], dtype=float),
                           collapse=[(m.batch_sizes[keep] / m.paper.b_star, m.risk[keep] / m.paper.r_opt)
                                     for m in runs for keep in [m.batch_sizes <= m.samples / 8]]))
    return dict(parameters=parameters, samples=np.array(samples, dtype=float), panels=panels)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, axes = plt.subplots(2, len(data["panels"]), figsize=(13, 8), layout="constrained", squeeze=False)
    D = data["samples"]
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, D.size))
    for top, bottom, panel in zip(axes[0], axes[1], data["panels"]):
        for key, marker, label in (("paper", "o", "Definition 3 (paper)"), ("noise", "s", "McCandlish B_noise")):
            values = panel[key]
            slope = loglog_slope(D[-6:], values[-6:])
            top.plot(D, values, marker + "-", ms=4, label=f"{label}: slope {slope:.3f} (last 6 D)")
        anchor = panel["paper"][-1]
        top.plot(D, anchor * (D / D[-1]) ** panel["predicted"], "k:", lw=1.5,
                 label=f"Corollary 8: slope {panel['predicted']:.3f}")
        top.set(xscale="log", yscale="log", xlabel="data size D", ylabel="critical batch size B*",
                title=f"case {panel['case']}: a={panel['a']}, b={panel['b']}, d={p['dim']}")
        top.legend(fontsize=8)
        for color, (x, y) in zip(colors, panel["collapse"]):
            bottom.plot(x, y, "-", color=color, lw=1.2)
        bottom.axvline(1.0, color="k", ls=":", lw=1)
        bottom.set(xscale="log", yscale="log", xlabel="B / B*(D)  (Definition 3)", ylabel="R(D, B) / R_opt(D)",
                   ylim=(0.95, 50))
        bottom.set_title(f"last 6 D: R(D, B*) = {panel['at_cbs'][-6:].min():.2f}–{panel['at_cbs'][-6:].max():.2f} "
                         f"R_opt\nR(D, 4B*) = {panel['at_4cbs'][-6:].min():.2f}–"
                         f"{panel['at_4cbs'][-6:].max():.2f} R_opt",
                         fontsize=9)
    sm = plt.cm.ScalarMappable(cmap="viridis", norm=plt.matplotlib.colors.LogNorm(D[0], D[-1]))
    fig.colorbar(sm, ax=axes[1], label="D", shrink=0.8)
    fig.suptitle("Critical batch size of one-pass SGD on power-law linear regression, exact engine, γ tuned per B "
                 f"(σ = {p['sigma']}; excess risk of w̄, no ½)", fontsize=10)
    return fig
