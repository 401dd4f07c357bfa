"""SFO-complexity critical batch size: the measured argmin of B·K(B) against the template's 2Y/ε.

Constant-step SGD (η = 0.5, L = 1) on the NQM (h_i = 1/i, C = H, d = 1000) and on linear regression
(λ_i = i^−a, λ_i w*_i² = i^−b, σ = 1, untruncated); K(B) is the first K with (1/K) Σ_{k<K} E‖∇f(θ_k)‖² ≤ ε,
exactly (the measure of the SFO bounds, [Sato 2025]). Left: the oracle count B·K(B) on the NQM for each target,
its measured minimum (dots), the theorem's 2Y/ε (dotted) and the noise floor's 2Y_∞/ε (dashed). Right: b* against
ε for both systems: b* ∝ 1/ε as the template says, and on the floor's constant; the descent lemma's
Y = Lησ²/(2 − Lη) over-estimates it by Y/Y_∞ (about 5 and 6 here).
"""

import numpy as np

from batchlab.figures._labels import count
from batchlab.sim.linreg import LinRegProblem
from batchlab.sim.nqm import NQMProblem
from batchlab.sim.sfo import measure_sfo_cbs

NAME = "sfo_cbs"


def compute(*, dim: int = 1000, a: float = 1.5, b: float = 2.5, lr: float = 0.5,
            targets: tuple = (1e-2, 3e-3, 1e-3, 3e-4, 1e-4)) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(dim=dim, a=a, b=b, lr=lr, targets=targets)
    systems = {"NQM": NQMProblem.paper(dim), "linear regression": LinRegProblem.power_law(a, b, "inf")}
    return dict(parameters=parameters,
                measured={name: measure_sfo_cbs(problem, lr=lr, targets=targets).to_dict()
                          for name, problem in systems.items()})


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, (curve_ax, star_ax) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    nqm = data["measured"]["NQM"]
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(nqm["targets"])))
    for color, t in zip(colors, nqm["targets"]):
        batches, sfo = np.asarray(t["batches"]), np.asarray(t["batches"]) * np.asarray(t["steps"], dtype=float)
        curve_ax.plot(batches, sfo, "-", color=color, lw=1.2, label=f"ε = {t['target']:.0e}")
        b_star = t["measured"]["b_star"]
        curve_ax.plot([b_star], [np.interp(np.log(b_star), np.log(batches), sfo)], "o", color=color, ms=5)
        curve_ax.axvline(t["theorem"], color=color, ls=":", lw=1)
        curve_ax.axvline(t["floor"], color=color, ls="--", lw=1)
    curve_ax.plot([], [], "k:", label="2Y/ε (theorem)")
    curve_ax.plot([], [], "k--", label="2Y∞/ε (noise floor)")
    curve_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="oracle count B·K(B)",
                 title=f"NQM (d = {count(p['dim'])}): B·K(B), measured minimum (dots)")
    curve_ax.legend(fontsize=8)
    for (name, m), marker, color in zip(data["measured"].items(), ("o", "s"), ("C0", "C3")):
        eps = np.array([t["target"] for t in m["targets"]])
        measured = np.array([t["measured"]["b_star"] for t in m["targets"]])
        c = m["constants"]
        slope = np.polyfit(np.log(eps), np.log(measured), 1)[0]
        star_ax.plot(eps, measured, marker, color=color, label=f"{name}: measured, slope {slope:.3f}")
        star_ax.plot(eps, 2 * c["y_floor"] / eps, "--", color=color, lw=1, label=f"{name}: 2Y∞/ε")
        star_ax.plot(eps, 2 * c["y"] / eps, ":", color=color, lw=1,
                     label=f"{name}: 2Y/ε (Y/Y∞ = {c['y'] / c['y_floor']:.2f})")
    star_ax.set(xscale="log", yscale="log", xlabel="target ε on (1/K)Σ E‖∇f(θ_k)‖²", ylabel="b* = argmin B·K(B)",
                title="b* ∝ 1/ε, on the noise floor's constant")
    star_ax.invert_xaxis()
    star_ax.legend(fontsize=7)
    fig.suptitle(f"SFO-complexity CBS of constant-step SGD (η = {p['lr']}, exact engines): NQM h_i = 1/i, C = H; "
                 f"linear regression a = {p['a']}, b = {p['b']}, σ = 1, untruncated", fontsize=10)
    return fig
