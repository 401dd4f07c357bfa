"""SCG on a quadratic with known constants: the U-curve of final suboptimality against B·S at fixed token budgets.

The standard experiment (sim.scg.STANDARD): f(x) = ½Σ i^{−1}(x_i − x*_i)², d = 100, ℓ2 LMO, radius η = 2, α = 0.1,
σ* = 1, Gaussian noise of variance σ*²/(B·S); for each budget T and B·S the step β = c/K is tuned over
c ∈ {¼, ½, 1, 2, 4, 8} (32 runs, mean ± 2 SE). Left: the U-curves, each with its measured BS* (star) and the bound's
BS* from eq. 34 with Theorem 4.1's constants (▽) and without them (△). The bound predicts a flat floor below BS*;
the simulation keeps improving with B·S up to BS* instead. Right: measured BS*(T) with its log-log fit against
the T^{2/3} of the BST rule.
"""

import numpy as np

from sim.scg import STANDARD, QuadraticProblem, bst_exponent, u_curves
from theory import scg

NAME = "scg_ucurve"


def compute() -> dict:
    problem = QuadraticProblem.power_law(100)
    curves = u_curves(problem, lmo="l2", **STANDARD)
    k = problem.constants("l2", STANDARD["radius"])
    theory = {flag: [scg.bst_point(k["L"], k["mu"], k["rho"], STANDARD["sigma_star"], c.tokens, 1.0, constants=flag)
                     .bs_star for c in curves] for flag in (True, False)}
    return dict(curves=[dict(tokens=c.tokens, bs=c.bs, error=c.error, stderr=c.stderr, bs_star=c.bs_star)
                        for c in curves], with_constants=theory[True], without_constants=theory[False],
                exponent=bst_exponent(curves))


def plot(data):
    import matplotlib.pyplot as plt

    fig, (ax, star_ax) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data["curves"])))
    for color, c, lower, upper in zip(colors, data["curves"], data["with_constants"], data["without_constants"]):
        ax.errorbar(c["bs"], c["error"], yerr=2 * c["stderr"], fmt="o-", ms=3, color=color, capsize=2,
                    label=f"T = 2^{int(np.log2(c['tokens']))}")
        level = np.interp(np.log(c["bs_star"]), np.log(c["bs"]), c["error"])
        ax.plot(c["bs_star"], level, "*", ms=13, color=color, markeredgecolor="k")
        for bs, marker in ((lower, "v"), (upper, "^")):
            ax.plot(bs, level, marker, ms=8, color=color, markeredgecolor="k")
    ax.plot([], [], "k*", ms=10, label="measured BS*")
    ax.plot([], [], "kv", label="bound's BS*, theorem constants")
    ax.plot([], [], "k^", label="bound's BS*, no constants")
    ax.set(xscale="log", yscale="log", xlabel="B·S (tokens per step)", ylabel="E[f(x_K) − f*], c = βK tuned",
           title="U-curves at fixed token budget")
    ax.legend(fontsize=8)
    tokens = np.array([c["tokens"] for c in data["curves"]], dtype=float)
    stars = np.array([c["bs_star"] for c in data["curves"]])
    star_ax.plot(tokens, stars, "k*-", ms=11, label=f"measured (slope {data['exponent']:.3f})")
    star_ax.plot(tokens, data["with_constants"], "v--", color="C0", label="eq. 34 with constants (slope 2/3)")
    star_ax.plot(tokens, data["without_constants"], "^--", color="C1", label="eq. 34 without constants (slope 2/3)")
    star_ax.set(xscale="log", yscale="log", xlabel="token budget T", ylabel="BS*",
                title="the BST rule: BS* ∝ T^(2/3)")
    star_ax.legend(fontsize=8)
    fig.suptitle("SCG (Algorithm 1, ℓ2 LMO) on f = ½Σ i⁻¹(x_i − x*_i)², d = 100: simulation against Theorem 4.1",
                 fontsize=10)
    return fig
