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

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.scg import QuadraticProblem, SCGSettings, eq26_for_run, scg_monte_carlo

NAME = "scg_bound"
MARKERS = {"l2": "o", "linf": "s", "l1": "^"}


def compute(*, dim: int = 100, tokens: int = 2**18, bs: tuple = (4, 64, 1024), c: tuple = (0.25, 0.5, 1.0, 2.0),
            alpha: tuple = (0.05, 0.2, 1.0), lmos: tuple = ("l2", "linf"), radius: float = 2.0, reps: int = 32,
            seed: int = 0) -> dict:
    """One row per (LMO, B·S, c, α) of the grid: eq. 26 and the simulated mean (``reps`` runs).

    Every run must be inside Theorem 4.1's conditions (β = c/K ≤ ½, an exact LMO of ``lmos``: l2, linf or l1).
    """
    parameters = dict(dim=dim, tokens=tokens, bs=bs, c=c, alpha=alpha, lmos=lmos, radius=radius, reps=reps,
                      seed=seed)
    problem = QuadraticProblem.power_law(dim)
    rows = []
    for lmo in lmos:
        if lmo not in MARKERS:
            raise InvalidParameter("set", "lmos from " + ", ".join(MARKERS), lmo)
        for b, cc, a in itertools.product(bs, c, alpha):
            settings = SCGSettings(lmo=lmo, alpha=a, radius=radius)
            budget = dict(batch=b, tokens=tokens, beta=cc / (tokens // b))
            bound = eq26_for_run(problem, settings, **budget)
            if bound.conditions_broken:
                raise InvalidParameter("set", "runs inside Theorem 4.1 (c <= K/2)",
                                       ", ".join(bound.conditions_broken))
            run = scg_monte_carlo(problem, settings, **budget, reps=reps, seed=seed)
            mean = None if run.diverged else float(run.mean[0])
            rows.append(dict(lmo=lmo, bs=b, c=cc, alpha=a, bound=bound.value, mean=mean))
    return dict(parameters=parameters, rows=rows)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.8, 5.6), layout="constrained")
    p = data["parameters"]
    colors = dict(zip(p["c"], plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(p["c"])))))
    markers = {lmo: MARKERS[lmo] for lmo in p["lmos"]}
    last = len(p["alpha"]) - 1  # marker areas 30 to 110, 60 in the middle
    sizes = dict(zip(p["alpha"], np.interp(np.arange(last + 1), [0, last / 2, last], [30, 60, 110])))
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
    ax.scatter([], [], s=30, color="w", edgecolor="k",
               label="marker size: α = " + ", ".join(f"{a:g}" for a in p["alpha"]))
    ax.set(xscale="log", yscale="log", xlabel=f"simulated E[f(x_K) − f*] ({p['reps']} runs)", ylabel="eq. 26",
           title=f"Theorem 4.1's bound vs simulation, T = 2^{int(np.log2(p['tokens']))}, B·S = "
                 + ", ".join(str(b) for b in p["bs"]))
    ax.legend(fontsize=7)
    return fig
