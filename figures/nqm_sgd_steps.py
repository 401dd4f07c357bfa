"""NQM, SGD with preconditioner H^{−p}: steps to the target against batch size, and the tuned learning rate.

The paper's protocol on the exact engine (binned h_i = 1/i, d = 10⁴, C = H, target 0.01, learning
rate per batch size from the notebook's logspace(−5, 0.5, 100)). Left: steps for each p, the
information lower bound d/(2·target·B), each curve's CBS (1.2× the steps of linear scaling from
B = 4; stars) and McCandlish's B_noise measured at the target in small-batch training (triangles).
Right: the optimal learning rate, linear in B until it stops below the stability cap 2/max h^{1−p}.
"""

import numpy as np

from batchlab.sim.nqm import PAPER_BATCHES, NQMProblem, stability_cap, steps_curves
from batchlab.theory.nqm import information_lower_bound_steps

NAME = "nqm_sgd_steps"


def compute(*, dim: int = 10_000, binned: bool = True, preconds: tuple = (0.0, 0.25, 0.5, 0.75), target: float = 0.01,
            batches: tuple = tuple(PAPER_BATCHES)) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(dim=dim, binned=binned, preconds=preconds, target=target, batches=batches)
    problem = NQMProblem.paper(dim, binned=binned)
    curves = steps_curves(problem, preconds=preconds, target=target, batches=batches)
    rows = [dict(p=c.precond, batches=c.batch_sizes, steps=c.first_step, lr=c.lr, cbs=c.paper.b_star, b_noise=c.b_noise,
                 cap=stability_cap(problem, c.precond)) for c in curves]
    return dict(parameters=parameters, dim=problem.dim, curves=rows)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    fig, (ax, lr_ax) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data["curves"])))
    for color, c in zip(colors, data["curves"]):
        ax.plot(c["batches"], c["steps"], "o-", ms=3, color=color, label=f"p = {c['p']}: CBS {c['cbs']:.3g}")
        ax.plot(c["cbs"], np.interp(np.log(c["cbs"]), np.log(c["batches"]), c["steps"]), "*", ms=13, color=color,
                markeredgecolor="k")
        ax.plot(c["b_noise"], 1.5, "^", ms=9, color=color, markeredgecolor="k", clip_on=False)
        lr_ax.plot(c["batches"], c["lr"], "o-", ms=3, color=color, label=f"p = {c['p']}")
    batches = data["curves"][0]["batches"]
    target = data["parameters"]["target"]
    ax.plot(batches, information_lower_bound_steps(data["dim"], target, batches), "k--", lw=1,
            label="lower bound d/(2·target·B)")
    ax.plot([], [], "k*", ms=10, label="CBS: 1.2× linear scaling from B = 4")
    ax.plot([], [], "k^", ms=8, label="McCandlish B_noise (small-batch run)")
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel=f"steps to reach loss {target}",
           ylim=(1, None), title="steps to target, learning rate tuned per B (exact engine)")
    ax.legend(fontsize=8)
    caps = sorted({c["cap"] for c in data["curves"]})
    for cap in caps:
        lr_ax.axhline(cap, color="k", ls=":", lw=1)
    lr_ax.plot([], [], "k:", label="stability cap 2/max h^(1−p)")
    lr_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="optimal learning rate",
              title="optimal learning rate (notebook grid)")
    lr_ax.legend(fontsize=8)
    binned = " binned" if data["parameters"]["binned"] else ""
    fig.suptitle(f"Noisy quadratic model, SGD with preconditioner H^-p: h_i = 1/i{binned}, d = {data['dim']:.0f}, "
                 "C = H, θ(0) ~ N(0, I); loss ½Σhθ²", fontsize=10)
    return fig
