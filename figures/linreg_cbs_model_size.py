"""B* against model size: a learner of the first N features, the rest of the signal acting as label noise.

Exact engine (:meth:`batchlab.sim.linreg.LinRegProblem.with_model_dim`) on the untruncated spectrum by default, so
that N can grow past any truncation; Definition 3 on the integers. Left: B* against N at fixed data sizes D, the
full model's B* dashed, with the N from which B* stays within ``flat_within`` of it (N_flat, :func:`flat_from`)
and its log-log slope in D, against the growth of the directions learned at B*
(:func:`batchlab.theory.linreg.learned_directions_exponent`: D^{1/b} for a < b < 2a + 1). The seed paper fits
B* ∝ N^0.087 at fixed data. Right: B*(D) of the full model and of models that grow with the data,
N = ⌈D^c⌉ for each c in ``powers``, with their log-log slopes against Corollary 8's exponent. The seed paper's
claim under test: the CBS is set by the data, not by the model size, once the model is large enough.
"""

import math

import numpy as np

from batchlab.sim.critical_batch import loglog_slope
from batchlab.sim.linreg import LinRegProblem, cbs_exponent, measure_cbs_scaling
from batchlab.theory.linreg import learned_directions_exponent

NAME = "linreg_cbs_model_size"


def flat_from(dims, cbs, full, within) -> float | None:
    """The N from which B* stays within ``within`` (relative) of the full model's, over the grid ``dims``.

    The smallest grid N from which every B* is within; where the point before it is not, the crossing of the
    relative deviation through ``within``, interpolated linearly in log N (B* is located on the integers, so
    the grid alone would quantise N_flat to its spacing).
    """
    if full is None:
        return None
    deviation = [math.inf if value is None else abs(value / full - 1.0) for value in cbs]
    for k in range(len(dims)):
        if all(value <= within for value in deviation[k:]):
            if k == 0:
                return float(dims[0])
            share = (deviation[k - 1] - within) / (deviation[k - 1] - deviation[k]) if math.isfinite(
                deviation[k - 1]) else 1.0
            return float(math.exp(math.log(dims[k - 1]) + share * (math.log(dims[k]) - math.log(dims[k - 1]))))
    return None


def compute(*, a: float = 1.5, b: float = 2.5, dim: str = "inf",
            samples: tuple = (1536, 6144, 24576, 98304, 393216),
            model_dims: tuple = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16384),
            powers: tuple = (0.2, 0.4, 0.6, 1.0), slope_from: int = 64, flat_within: float = 0.05,
            sigma: float = 1.0) -> dict:
    """B* at every (N, D) of the grid and of the full model, along N = ⌈D^c⌉, and where B* stops depending on N."""
    full = LinRegProblem.power_law(a, b, dim if dim == "inf" else int(dim), sigma)
    dims = sorted({int(n) for n in model_dims if dim == "inf" or n < int(dim)})
    full_cbs = measure_cbs_scaling(full, list(samples)).cbs()
    cbs = [measure_cbs_scaling(full.with_model_dim(n), list(samples)).cbs() for n in dims]  # [N][D]
    capped = math.inf if dim == "inf" else int(dim)
    growing_dims = {str(c): [int(min(capped, math.ceil(d**c))) for d in samples] for c in powers}
    growing = {c: [measure_cbs_scaling(full if n == capped else full.with_model_dim(n), [d]).cbs()[0]
                   for n, d in zip(ns, samples)] for c, ns in growing_dims.items()}
    flat = [flat_from(dims, [row[j] for row in cbs], full_cbs[j], flat_within) for j in range(len(samples))]
    upper = np.array(dims) >= slope_from
    return dict(parameters=dict(a=a, b=b, dim=dim, samples=list(samples), model_dims=list(model_dims),
                                powers=list(powers), slope_from=slope_from, flat_within=flat_within, sigma=sigma),
                measured_dims=dims, cbs=cbs, full=full_cbs, growing_dims=growing_dims, growing=growing,
                flat_from=flat, flat_exponent=loglog_slope(samples, flat) if all(flat) else None,
                slope_over_upper=[loglog_slope(np.array(dims)[upper], np.array([row[j] for row in cbs])[upper])
                                  for j in range(len(samples))],
                full_exponent=loglog_slope(samples, full_cbs),
                predicted_flat_exponent=learned_directions_exponent(a, b),
                growing_exponent={c: loglog_slope(samples, row) for c, row in growing.items()},
                predicted_exponent=cbs_exponent(a, b))


def _values(row):
    return np.array([np.nan if v is None else v for v in row], dtype=float)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    samples, dims = np.array(p["samples"], dtype=float), np.array(data["measured_dims"], dtype=float)
    cbs = np.array([_values(row) for row in data["cbs"]])  # [N, D]
    full = _values(data["full"])
    fig, (by_n, by_d) = plt.subplots(1, 2, figsize=(13, 5.8), layout="constrained")
    for j, d in enumerate(samples):
        color = f"C{j}"
        flat = data["flat_from"][j]
        by_n.plot(dims, cbs[:, j], "o-", ms=4, color=color,
                  label=f"D = {d:g}: N_flat = {flat:.0f}" if flat else f"D = {d:g}")
        by_n.axhline(full[j], color=color, ls="--", lw=0.8)
        if flat:
            by_n.plot([flat], [np.exp(np.interp(np.log(flat), np.log(dims), np.log(cbs[:, j])))], "k|", ms=14,
                      mew=1.5)
    exponent = data["flat_exponent"]
    learned = f" (directions learned at B*: D^{data['predicted_flat_exponent']:.3f})"
    by_n.set(xscale="log", yscale="log", xlabel="model size N (features fitted)", ylabel="B* (Definition 3)",
             title=f"a={p['a']}, b={p['b']}, dim={p['dim']}: B* against N at fixed D (dashed: full model)\n"
                   "| N_flat" + (f" ∝ D^{exponent:.3f}{learned}" if exponent is not None else ""))
    by_n.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3,
                title=f"N_flat: within {p['flat_within']:.0%} of the full model", title_fontsize=8)
    predicted = data["predicted_exponent"]
    by_d.plot(samples, full, "ko-", ms=5, label=f"full model: slope {data['full_exponent']:.3f}")
    for k, (c, row) in enumerate(data["growing"].items()):
        ns = data["growing_dims"][c]
        by_d.plot(samples, _values(row), "s--", ms=4, color=plt.cm.plasma(k / max(1, len(data["growing"]))),
                  label=f"N = ⌈D^{c}⌉ ({ns[0]}..{ns[-1]}): slope {data['growing_exponent'][c]:.3f}")
    anchor = full[np.isfinite(full)][0] if np.any(np.isfinite(full)) else 1.0
    by_d.plot(samples, anchor * (samples / samples[0]) ** predicted, "k:", lw=1,
              label=f"Corollary 8: slope {predicted:.3f}")
    by_d.set(xscale="log", yscale="log", xlabel="data size D", ylabel="B* (Definition 3)",
             title="B*(D): the full model and models growing with the data")
    by_d.legend(fontsize=8, loc="upper left")
    return fig
