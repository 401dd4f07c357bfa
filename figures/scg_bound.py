"""SCG: Theorem 4.1's eq. 26 against the simulated suboptimality it bounds.

The quadratic f = ½Σ i⁻¹(x_i − x*_i)² (d = 100, x_0 = 0, η = 2, σ* = 1, m_0 a fresh gradient, constant β = c/K), at
T = 2^18 tokens for B·S ∈ {4, 64, 1024}, c = βK ∈ {¼, ½, 1, 2} and α ∈ {0.05, 0.2, 1}, in the ℓ2 and ℓ∞
geometries (eq. 26 with the problem's proved L, μ, ρ in each). Every point is inside the theorem's conditions;
the simulated mean is over 32 runs. All points lie above the diagonal (the bound holds; tests/test_scg_montecarlo.py
asserts it on random draws): by 200–10⁵ in ℓ2 and 3700–5·10⁵ in ℓ∞ (median 9000) on this grid, more where
e^{3c/2}, 1/α and ρ = √d grow. On small problems the property test finds it as tight as 1.4×.
"""

import itertools

import numpy as np

from batchlab.sim.scg import QuadraticProblem, SCGSettings, eq26_for_run, scg_monte_carlo

NAME = "scg_bound"
TOKENS = 2**18
GRID = dict(bs=(4, 64, 1024), c=(0.25, 0.5, 1.0, 2.0), alpha=(0.05, 0.2, 1.0))


def compute() -> dict:
    problem = QuadraticProblem.power_law(100)
    rows = []
    for lmo in ("l2", "linf"):
        for bs, c, alpha in itertools.product(*GRID.values()):
            settings = SCGSettings(lmo=lmo, alpha=alpha, radius=2.0)
            budget = dict(batch=bs, tokens=TOKENS, beta=c / (TOKENS // bs))
            bound, broken = eq26_for_run(problem, settings, **budget)
            assert not broken
            run = scg_monte_carlo(problem, settings, **budget, reps=32, seed=0)
            rows.append(dict(lmo=lmo, bs=bs, c=c, alpha=alpha, bound=bound, mean=float(run.mean[0])))
    return dict(rows=rows)


def plot(data):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.8, 5.6), layout="constrained")
    colors = dict(zip(GRID["c"], plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(GRID["c"])))))
    markers = {"l2": "o", "linf": "s"}
    sizes = dict(zip(GRID["alpha"], (30, 60, 110)))
    for r in data["rows"]:
        ax.scatter(r["mean"], r["bound"], s=sizes[r["alpha"]], color=colors[r["c"]], marker=markers[r["lmo"]],
                   edgecolor="k", linewidth=0.5)
    values = [v for r in data["rows"] for v in (r["mean"], r["bound"])]
    span = np.array([min(values) / 2, max(values) * 2])
    ax.plot(span, span, "k-", lw=0.8, label="bound = simulation")
    for c, color in colors.items():
        ax.scatter([], [], color=color, edgecolor="k", label=f"c = βK = {c}")
    for lmo, marker in markers.items():
        ax.scatter([], [], color="gray", marker=marker, edgecolor="k", label=f"{lmo} LMO")
    ax.scatter([], [], s=30, color="w", edgecolor="k", label="marker size: α = 0.05, 0.2, 1")
    ax.set(xscale="log", yscale="log", xlabel="simulated E[f(x_K) − f*] (32 runs)", ylabel="eq. 26",
           title=f"Theorem 4.1's bound vs simulation, T = 2^{int(np.log2(TOKENS))}, B·S = 4, 64, 1024")
    ax.legend(fontsize=7)
    return fig
