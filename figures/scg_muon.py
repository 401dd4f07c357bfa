"""Muon's critical batch size: the SFO-optimal b* against ε, and the speed-up beyond the CBS against other methods.

8×8 matrix least squares f(X) = ½Σ_j s_j‖X_j − X*_j‖² (Monte Carlo, σ* = 1, Nesterov momentum). Left ([Sato
2025]): at η = 0.01, the measured b* = argmin b·K(b) against ε − Z for momentum β = 0.9 and 0 and weight decay
λ = 2, with the first-moment template 9Y²/(4(ε − Z)²) from the fitted floor Y/√b + Z (lines): slope −2. Right
([Essential AI 2025]): s_j = j^−2, target 0.006, learning rate tuned per B: the speed-up K(1)/K(B) of Muon, sign
descent (Adam's limit) and SGD, with linear scaling (grey) and each method's CBS (Definition 3, the marks
along the bottom).
"""

import numpy as np

from batchlab.figures._marks import mark_values
from batchlab.sim.scg import QuadraticProblem, SCGSettings, beyond_cbs_curves, muon_sfo_cbs

NAME = "scg_muon"


def compute(*, dim: int = 8, targets: tuple = (0.01, 0.005, 0.0025), lr: float = 0.01,
            batches: tuple = tuple(2.0 ** np.arange(13)), beyond_target: float = 0.006,
            beyond_batches: tuple = tuple(2.0 ** np.arange(0, 13, 2)), reps: int = 32) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(dim=dim, targets=targets, lr=lr, batches=batches, beyond_target=beyond_target,
                      beyond_batches=beyond_batches, reps=reps)
    far = QuadraticProblem.matrix(dim, dim, optimum=1.0)
    settings = {"β = 0.9": dict(alpha=0.1), "β = 0": dict(alpha=1.0), "β = 0.9, λ = 2": dict(alpha=0.1,
                                                                                             weight_decay=2.0)}
    sfo = {name: muon_sfo_cbs(far, SCGSettings(lmo="spectral", radius=lr, algorithm="muon", nesterov=True, **knobs),
                              targets=targets, batches=batches, reps=reps).to_dict()
           for name, knobs in settings.items()}
    curves = beyond_cbs_curves(QuadraticProblem.matrix(dim, dim, optimum=1.0, exponent=2.0), target=beyond_target,
                               batches=beyond_batches, max_steps=8000, reps=max(2, reps // 2))
    return dict(parameters=parameters, sfo=sfo, beyond=[c.to_dict() for c in curves])


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, (star_ax, speed_ax) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for color, (name, run) in zip(("C0", "C1", "C3"), data["sfo"].items()):
        margin = np.asarray(run["targets"]) - run["z"]
        measured = [m["b_star"] for m in run["measured"]]
        star_ax.plot(margin, measured, "o", color=color, label=f"{name}: measured (Y = {run['y']:.3g})")
        star_ax.plot(margin, run["predicted"], "-", color=color, lw=1, label=f"{name}: 9Y²/(4(ε − Z)²)")
    star_ax.set(xscale="log", yscale="log", xlabel="ε − Z (mean suboptimality)", ylabel="b* = argmin b·K(b)",
                title=f"Muon (Nesterov, η = {p['lr']}): SFO-optimal batch size")
    star_ax.legend(fontsize=7)
    for color, curve in zip(("C0", "C2", "C4"), data["beyond"]):
        batches = np.asarray(curve["batch_sizes"], dtype=float)
        steps = np.asarray(curve["steps"], dtype=float)
        speed_ax.plot(batches, steps[0] / steps, "o-", ms=4, color=color,
                      label=f"{curve['method']}: CBS {curve['cbs']:.0f}, ×{steps[0] / steps[-1]:.0f} at "
                            f"B = {batches[-1]:.0f}")
    mark_values(speed_ax, [(curve["cbs"], color, f"{curve['method']} CBS {curve['cbs']:.0f}")
                           for color, curve in zip(("C0", "C2", "C4"), data["beyond"])])
    speed_ax.plot(batches, batches / batches[0], color="0.6", lw=1, label="linear scaling")
    speed_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="speed-up K(B_min)/K(B)",
                 title=f"beyond the CBS (s_j = j⁻², target {p['beyond_target']}, lr tuned per B)")
    speed_ax.legend(fontsize=7)
    fig.suptitle(f"Muon on {p['dim']}×{p['dim']} matrix least squares (Monte Carlo, σ* = 1): [Sato 2025] and "
                 "[Essential AI 2025]", fontsize=10)
    return fig
