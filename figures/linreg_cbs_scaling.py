"""Corollary 8 over eight decades of D: B*(D), its local slope, and the risk at B* and 4B*, in the three cases.

The exact engine on the untruncated spectrum λ_i = i^−a, i = 1..∞ (:mod:`batchlab.sim.linreg._asymptotic`), at
D = 2^8..2^36. Top: the critical batch size by Definition 3 of the seed paper (steps to R_opt within 1.2× of
linear scaling, on the integers) and McCandlish's B_noise, with Corollary 8's slope 1 − a/min(b, 2a+1) (dotted,
through the last point). Middle: the local slope of log B* against log D between neighbouring D, against the
prediction and a ±0.01 band, with the fit s(D) = s_∞ + c·D^−κ; the title gives the least-squares slope over the
last decade. Its range is the converging slopes': a jump (a step of B* between neighbours, not a trend: between
whole batch sizes 2 → 1 when b ≤ a; ahead of R_opt's batch size leaving 1 when b ≥ 2a + 1) is a triangle at the
edge with its value and the step. Bottom:
R(D, B*)/R_opt and R(D, 4B*)/R_opt: flat when the optimal rate is kept up to B*. With
``strategies=uniform,ewa`` the seed paper's constant + EWA (τ tuned per batch size) is drawn beside plain SGD's
averaged iterate, dashed, against its own prediction where it differs (b > 2a + 1: 1 − a/b without Corollary 8's
cap, :func:`batchlab.theory.linreg.ewa_cbs_exponent`).
"""

import numpy as np

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import (
    COROLLARY8_EXPONENTS,
    PAPER_STRATEGIES,
    local_slopes,
    measure_corollary8,
    slope_convergence,
)
from batchlab.theory.linreg import cbs_exponent, corollary8_case, ewa_cbs_exponent

NAME = "linreg_cbs_scaling"

# The strategies this figure can measure (``strategies``), each with the octaves its batch grid reaches above
# Corollary 8's D^exponent: plain SGD's uniform average (the theory's, the gallery's), and the seed paper's constant
# + EWA, τ tuned per batch size (its spectral engine reaches every D here), whose B* lies further above (for
# b = 6 more than 4 octaves from D = 2^24 on, where a 4-octave window left it censored).
STRATEGIES = {"uniform": (None, 4, cbs_exponent), "ewa": (PAPER_STRATEGIES["constant + EWA"], 8, ewa_cbs_exponent)}


def _measured(runs, predicted) -> dict:
    paper, noise = np.array(runs.cbs(), dtype=float), np.array(runs.cbs("noise"), dtype=float)
    return dict(predicted=predicted, paper=paper, noise=noise, paper_slopes=local_slopes(runs.samples, paper)[1],
                noise_slopes=local_slopes(runs.samples, noise)[1],
                convergence=slope_convergence(runs.samples, paper, predicted).to_dict(),
                noise_convergence=slope_convergence(runs.samples, noise, predicted).to_dict(),
                at_cbs=np.array([m.risk_ratio_at(m.paper.b_star) for m in runs], dtype=float),
                at_4cbs=np.array([m.risk_ratio_at(4 * m.paper.b_star) for m in runs], dtype=float),
                b_opt=np.array([m.paper.b_opt for m in runs], dtype=float))


JUMP = 0.25  # a local slope this far from the median of its series is a jump, not a trend (the trends move < 0.15)


def _jumps(run) -> list:
    """Per pair of neighbouring D, how Definition 3's B* steps there when its local slope is a jump (else None).

    A jump is B* changing by a step rather than a trend: between whole batch sizes at the bottom of the grid
    (2 → 1 when b ≤ a), or leaping and then stalling just before R_opt's batch size leaves 1 (b ≥ 2a + 1,
    D = 2^18..2^24; why there is not established). It is told by its size, more than :data:`JUMP` from the
    series' median slope.
    """
    cbs, slopes = run["paper"], np.asarray(run["paper_slopes"], dtype=float)
    median = np.nanmedian(slopes)
    return [None if not abs(slope - median) > JUMP else
            f"B* {cbs[k]:.3g} → {cbs[k + 1]:.3g}" + (", whole batch sizes" if max(cbs[k], cbs[k + 1]) <= 2 else "")
            for k, slope in enumerate(slopes)]


def _slope_window(centre, panel, middle) -> None:
    """The centre panel's y-range: the slopes that converge, and the prediction ± 0.01.

    Every jump outside it is drawn at the edge as a triangle and listed in the panel's title with its value and
    step (:func:`_jumps`), so that it neither sets the range nor squashes the converging curves.
    """
    predicted = panel["predicted"]
    kept = [predicted - 0.01, predicted + 0.01]
    for run in panel["runs"].values():
        jumps = _jumps(run)
        kept += [v for v, why in zip(run["paper_slopes"], jumps) if why is None and np.isfinite(v)]
        kept += [v for v in run["noise_slopes"] if np.isfinite(v)]
    low, high = min(kept), max(kept)
    pad = 0.08 * (high - low)
    low, high = low - pad, high + pad
    centre.set_ylim(low, high)
    listed = []
    for k, run in enumerate(panel["runs"].values()):
        for x, value, why in zip(middle, run["paper_slopes"], _jumps(run)):
            if why is None or low <= value <= high:
                continue
            edge = high if value > high else low
            centre.plot([x], [edge], "^" if value > high else "v", ms=9, color=f"C{2 * k}", clip_on=False, zorder=6)
            listed.append(f"{value:.2f} at D ≈ {x:.1g} ({why})")
    if listed:  # in the title, where no curve or legend can cover them
        centre.set_title("off scale (▲▼): " + "\n".join(listed), fontsize=8)


def compute(*, a: tuple = (2.0, 1.5, 1.5), b: tuple = (1.5, 2.5, 6.0), sigma: float = 1.0,
            exponents: tuple = COROLLARY8_EXPONENTS, strategies: tuple = ("uniform",)) -> dict:
    """One panel per (a[k], b[k]), at D = 2^k for k in ``exponents``, for each of ``strategies``.

    The defaults are the cases b ≤ a, a < b < 2a+1, b > 2a+1, over D = 256..6.9·10^10 (8.4 decades), for plain
    SGD's averaged iterate; ``strategies=uniform,ewa`` adds constant + EWA (:data:`STRATEGIES`).
    """
    if len(a) != len(b):
        raise InvalidParameter("set", "a and b of one length (one panel each)", f"{len(a)} and {len(b)}")
    for name in strategies:
        if name not in STRATEGIES:
            raise InvalidParameter("set", "strategies among " + ", ".join(STRATEGIES), name)
    parameters = dict(a=a, b=b, sigma=sigma, exponents=exponents, strategies=strategies)
    panels = []
    for a, b in zip(a, b):
        predicted = cbs_exponent(a, b)
        runs = {name: measure_corollary8(a, b, exponents, sigma=sigma, strategy=STRATEGIES[name][0],
                                         above=STRATEGIES[name][1]) for name in strategies}
        panels.append(dict(a=a, b=b, case=corollary8_case(a, b), predicted=predicted,
                           runs={name: _measured(measured, STRATEGIES[name][2](a, b))
                                 for name, measured in runs.items()}))
    samples = next(iter(runs.values())).samples
    return dict(parameters=parameters, samples=np.array(samples, dtype=float), panels=panels)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    fig, axes = plt.subplots(3, len(data["panels"]), figsize=(13, 11), layout="constrained", squeeze=False)
    D = data["samples"]
    middle = np.sqrt(D[1:] * D[:-1])
    for top, centre, bottom, panel in zip(axes[0], axes[1], axes[2], data["panels"]):
        predicted = panel["predicted"]
        centre.axhspan(predicted - 0.01, predicted + 0.01, color="0.85", label="prediction ± 0.01")
        centre.axhline(predicted, color="k", ls=":", lw=1.5)
        for k, (name, run) in enumerate(panel["runs"].items()):
            tag = "" if len(panel["runs"]) == 1 else f"{name}: "
            style = "-" if k == 0 else "--"
            if run["predicted"] != predicted:  # past the uniform average's saturation (theory.linreg.ewa_cbs_exponent)
                centre.axhline(run["predicted"], color="k", ls="--", lw=1, label=f"{tag}1 − a/b")
                top.plot(D, run["paper"][-1] * (D / D[-1]) ** run["predicted"], "k--", lw=1,
                         label=f"{tag}slope 1 − a/b = {run['predicted']:.3f}")
            for key, marker, label, color in (("paper", "o", "Definition 3 (paper)", f"C{2 * k}"),
                                              ("noise", "s", "McCandlish B_noise", f"C{2 * k + 1}")):
                top.plot(D, run[key], marker + style, ms=4, color=color, label=tag + label)
                conv = run["convergence" if key == "paper" else "noise_convergence"]
                se = conv["last_decade_se"]
                centre.plot(middle, run[key + "_slopes"], marker + style, ms=4, color=color,
                            label=f"{tag}{label.split(' (')[0]}: last decade {conv['last_decade']:.4f}"
                                  + (f" ± {se:.4f}" if se else ""))
            bottom.plot(D, run["at_cbs"], "o" + style, ms=4, color=f"C{2 * k}", label=f"{tag}R(D, B*) / R_opt")
            bottom.plot(D, run["at_4cbs"], "^" + style, ms=4, color=f"C{2 * k + 1}", label=f"{tag}R(D, 4B*) / R_opt")
        first = next(iter(panel["runs"].values()))
        top.plot(D, first["paper"][-1] * (D / D[-1]) ** predicted, "k:", lw=1.5,
                 label=f"Corollary 8: slope {predicted:.3f}")
        top.set(xscale="log", yscale="log", xlabel="data size D", ylabel="critical batch size B*",
                title=f"case {panel['case']}: a={panel['a']}, b={panel['b']}, d = ∞")
        top.legend(fontsize=8)
        centre.set(xscale="log", xlabel="data size D (between neighbours)", ylabel="local slope d log B*/d log D")
        _slope_window(centre, panel, middle)
        centre.plot([], [], "^", color="0.4", label=f"a jump of B*, off scale: slope over {JUMP} from the median")
        centre.legend(fontsize=7, loc="best", framealpha=0.7)
        bottom.set(xscale="log", xlabel="data size D", ylabel="risk relative to the best batch size")
        bottom.legend(fontsize=8)
    fig.suptitle("Critical batch size of one-pass SGD on power-law linear regression over eight decades of D: "
                 f"exact engine, untruncated spectrum, tuned per B (σ = {p['sigma']}; excess risk, no ½)",
                 fontsize=10)
    return fig
