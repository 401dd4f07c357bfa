"""Steps to reach R_opt against batch size (the seed paper's Figure 2), with every CBS definition marked.

Exact engine at one data size: f(B), the fewest steps (γ tuned per B) for the averaged iterate
to reach R_opt = min_B R(D, B); the linear-scaling line f*(B) = D/B through B_opt and its 1.2×
band; the fitted forms a + b/B^α (α = 1 and fitted); and the B* of each definition
(Definition 3, fitted forms, SFO, McCandlish's B_noise), listed. Right: the overhead f(B)/f*(B), with each B*
as a labelled mark along the top, staggered so that values that nearly coincide (113 and 114) both read.
"""

import numpy as np

from batchlab.figures._marks import mark_values
from batchlab.sim.linreg import LinRegProblem, measure_cbs

NAME = "linreg_cbs_steps"


def compute(*, a: float = 1.5, b: float = 2.5, dim: int = 1000, samples: int = 24576, sigma: float = 1.0) -> dict:
    """One data size of the truncated spectrum (d = 1000), every CBS definition."""
    measured = measure_cbs(LinRegProblem.power_law(a, b, dim, sigma), samples)
    return dict(parameters=dict(a=a, b=b, dim=dim, samples=samples, sigma=sigma), summary=measured.to_dict())


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    s, p = data["summary"], data["parameters"]
    all_batches = np.array(s["batch_sizes"], dtype=float)
    all_steps = np.array([np.nan if v is None else v for v in s["steps"]])
    shown = all_batches <= 2 * all_batches[np.isfinite(all_steps)].max()  # f(B) is searched up to 4× D/B
    batches, steps = all_batches[shown], all_steps[shown]
    ratio = np.array([np.nan if v is None else v for v in s["paper"]["overhead_ratio"]])[shown]
    fig, (ax, ratio_ax) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    line = s["paper"]["anchor"] / batches
    ax.fill_between(batches, line, 1.2 * line, color="0.85", label="within 1.2× of linear scaling")
    ax.plot(batches, line, "k--", lw=1, label=f"linear scaling f*(B) = D/B from B_opt = {s['paper']['b_opt']:g}")
    fine = np.geomspace(batches[0], batches[-1], 200)
    for form, color, label in ((s["fit"], "C0", "fit a + b/B"), (s["fit_alpha"], "C2", "fit a + b/B^α")):
        if form is not None:
            ax.plot(fine, form["a"] + form["b"] * fine**-form["alpha"], color=color, lw=1,
                    label=f"{label} (α={form['alpha']:.2f})")
    ax.plot(batches, steps, "ko", ms=5, zorder=5, label="f(B): steps to R_opt (exact, γ tuned)")
    marks = (("fit", "C0", "fit, α = 1"), ("fit-alpha", "C2", "fit, α fitted"), ("noise", "C4", "McCandlish B_noise"),
             ("sfo", "C1", "SFO argmin B·f"), ("paper", "C3", "Definition 3"))
    shown_marks = [(s["cbs_by_definition"][key], color, label) for key, color, label in marks
                   if s["cbs_by_definition"][key] is not None]
    for value, color, label in shown_marks:  # listed on the left, marked on the right (the curve crowds the left)
        ax.plot([], [], color=color, lw=2, label=f"B* {label} = {value:.3g}")
    mark_values(ratio_ax, [(value, color, f"{label} {value:.3g}") for value, color, label in shown_marks], top=True)
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="steps to reach R_opt",
           title=f"a={p['a']}, b={p['b']}, d={p['dim']}, D={p['samples']}, σ={p['sigma']}: "
                 f"R_opt = {s['paper']['r_opt']:.3g} (excess risk of w̄)")
    ax.legend(fontsize=7, loc="lower left")
    ratio_ax.plot(batches, ratio, "ko-", ms=4, zorder=5)
    ratio_ax.axhline(1.2, color="C3", lw=1, label="overhead 1.2 (Definition 3)")
    ratio_ax.set(xscale="log", xlabel="batch size B", ylabel="f(B) / f*(B)", ylim=(0.95, 4.2),
                 title="overhead over linear scaling, and B* by each definition")
    ratio_ax.legend(fontsize=8, loc="center left")
    return fig
