"""NQM: heavy-ball and Nesterov momentum against SGD, steps to the target and the tuned effective learning rate.

The notebook's protocol on the exact engine (binned h_i = 1/i, d = 10⁴, C = H, target 0.01; SGD's lr from
logspace(−5, 0.5, 100), momentum's from logspace(−8, 1, 100) with β from 1 − logspace(−5, 0, 20)).
Left: steps for SGD (dashed) and heavy ball (solid) for each p, Nesterov for p = 0 (dotted). Middle: the
speed-up S_SGD/S_momentum, about 1 at small batch (1.1–1.25 from the β = 1 − 10⁻⁵ grid edge) and up to
41× at large batch. Right: momentum's effective learning rate α/(1 − β) against SGD's learning rate:
equal at small batch, far above SGD's stability cap 2/max h^{1−p} at large batch.
"""

import numpy as np

from batchlab.figures._labels import count
from batchlab.sim.nqm import PAPER_BATCHES, NQMProblem, stability_cap, steps_curves

NAME = "nqm_momentum"


def compute(*, dim: int = 10_000, binned: bool = True, preconds: tuple = (0.0, 0.25, 0.5, 0.75), target: float = 0.01,
            batches: tuple = tuple(PAPER_BATCHES)) -> dict:
    """The figure's data at these parameters, under ``"parameters"`` too (the defaults draw the gallery)."""
    parameters = dict(dim=dim, binned=binned, preconds=preconds, target=target, batches=batches)
    problem = NQMProblem.paper(dim, binned=binned)
    curves = {name: steps_curves(problem, optimizer=name, preconds=preconds, target=target, batches=batches)
              for name in ("sgd", "momentum", "nesterov")}

    def rows(name):
        return [dict(p=c.precond, batches=c.batch_sizes, steps=c.steps, lr=c.effective_lr, cbs=c.paper.b_star)
                for c in curves[name]]

    return dict(parameters=parameters, sgd=rows("sgd"), momentum=rows("momentum"), nesterov=rows("nesterov"),
                caps=[stability_cap(problem, p) for p in preconds])


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, (ax, speed_ax, lr_ax) = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(p["preconds"])))
    for k, color in enumerate(colors):
        sgd, momentum = data["sgd"][k], data["momentum"][k]
        ax.plot(sgd["batches"], sgd["steps"], "--", color=color, lw=1.2)
        ax.plot(momentum["batches"], momentum["steps"], "o-", ms=3, color=color,
                label=f"p = {momentum['p']}: CBS {sgd['cbs']:.3g} → {momentum['cbs']:.3g}")
        speed_ax.plot(sgd["batches"], sgd["steps"] / momentum["steps"], "o-", ms=3, color=color,
                      label=f"p = {momentum['p']}")
        lr_ax.plot(momentum["batches"], momentum["lr"], "o-", ms=3, color=color, label=f"p = {momentum['p']}")
        lr_ax.plot(sgd["batches"], sgd["lr"], "--", color=color, lw=1.2)
    nesterov = data["nesterov"][0]
    ax.plot(nesterov["batches"], nesterov["steps"], ":", color="C3", lw=2, label="Nesterov, p = 0")
    ax.plot([], [], "k--", lw=1.2, label="SGD (dashed)")
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel=f"steps to reach loss {p['target']}",
           title="steps to target: heavy ball (solid) vs SGD (dashed)")
    ax.legend(fontsize=7)
    speed_ax.axhline(1.0, color="k", lw=0.8)
    speed_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="S_SGD / S_momentum",
                 title="momentum helps only at large batch")
    speed_ax.legend(fontsize=8)
    if len(set(data["caps"])) == 1:  # 2/max h^(1−p) is the same for every p when max h = 1 (h_i = 1/i)
        lr_ax.axhline(data["caps"][0], color="k", ls=":", lw=1,
                      label=f"SGD stability cap 2/max h^(1−p) = {data['caps'][0]:.3g} for every p")
    else:
        for color, cap in zip(colors, data["caps"]):
            lr_ax.axhline(cap, color=color, ls=":", lw=1)
        lr_ax.plot([], [], "k:", label="SGD stability cap 2/max h^(1−p), one per p (its colour)")
    lr_ax.plot([], [], "k--", lw=1.2, label="SGD's tuned lr")
    lr_ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="effective learning rate α/(1 − β)",
              title="tuned effective learning rate (solid: momentum)")
    lr_ax.legend(fontsize=8)
    fig.suptitle("Noisy quadratic model, momentum vs SGD (notebook grids, exact engine): h_i = 1/i"
                 f"{' binned' if p['binned'] else ''}, d = {count(p['dim'])}, C = H, θ(0) ~ N(0, I); loss ½Σhθ²",
                 fontsize=10)
    return fig
