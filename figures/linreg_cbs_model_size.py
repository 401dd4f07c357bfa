"""B* against model size: a learner of the first N features, the rest of the signal acting as label noise.

Exact engine (:meth:`batchlab.sim.linreg.LinRegProblem.with_model_dim`), Definition 3 on the integers. Left: B*
against N at fixed data sizes D, with the log-log slope over N ≥ ``slope_from`` (the seed paper fits B* ∝
N^0.087 at fixed data); the last point of each line is the full model (N = d). Right: B*(D) of the full
model and of a model that grows with the data, N = D/``data_per_feature`` (capped at d), with their log-log
slopes against Corollary 8's exponent. The seed paper's claim under test: the CBS is set by the data, not by
the model size, once the model is large enough.
"""

import numpy as np

from batchlab.sim.critical_batch import loglog_slope
from batchlab.sim.linreg import LinRegProblem, cbs_exponent, measure_cbs_scaling

NAME = "linreg_cbs_model_size"


def compute(*, a: float = 1.5, b: float = 2.5, dim: int = 1000, samples: tuple = (1536, 6144, 24576, 98304),
            model_dims: tuple = (4, 8, 16, 32, 64, 128, 256, 512), data_per_feature: int = 96,
            slope_from: int = 64, sigma: float = 1.0) -> dict:
    """B* at every (N, D) of the grid (N = ``dim`` added), and along N = D/``data_per_feature``."""
    full = LinRegProblem.power_law(a, b, dim, sigma)
    dims = sorted({int(n) for n in model_dims if n < dim} | {dim})
    at_fixed_d = {n: measure_cbs_scaling(full.with_model_dim(n), list(samples)).cbs() for n in dims}
    growing_dims = [min(dim, max(1, d // data_per_feature)) for d in samples]
    growing = [measure_cbs_scaling(full.with_model_dim(n), [d]).cbs()[0] for n, d in zip(growing_dims, samples)]
    return dict(parameters=dict(a=a, b=b, dim=dim, samples=list(samples), model_dims=list(model_dims),
                                data_per_feature=data_per_feature, slope_from=slope_from, sigma=sigma),
                measured_dims=dims, cbs=[at_fixed_d[n] for n in dims], growing_dims=growing_dims, growing=growing,
                predicted_exponent=cbs_exponent(a, b))


def _values(row):
    return np.array([np.nan if v is None else v for v in row], dtype=float)


def plot(data):
    """Draw ``data`` (what :func:`compute` returns) as a matplotlib Figure."""
    import matplotlib.pyplot as plt

    p = data["parameters"]
    samples, dims = np.array(p["samples"], dtype=float), np.array(data["measured_dims"], dtype=float)
    cbs = np.array([_values(row) for row in data["cbs"]])  # [N, D]
    fig, (by_n, by_d) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    upper = dims >= p["slope_from"]  # the seed paper fits B* ∝ N^0.087 at fixed data (its Table 6)
    for j, d in enumerate(samples):
        by_n.plot(dims, cbs[:, j], "o-", ms=4,
                  label=f"D = {d:g}: slope {loglog_slope(dims[upper], cbs[upper, j]):.3f} over N ≥ {p['slope_from']}")
    by_n.set(xscale="log", yscale="log", xlabel="model size N (features fitted)", ylabel="B* (Definition 3)",
             title=f"a={p['a']}, b={p['b']}, d={p['dim']}, σ={p['sigma']}: B* against N at fixed D")
    by_n.set_ylim(bottom=np.nanmin(cbs) / 2.5)  # room for the legend below the lines
    by_n.legend(fontsize=8, loc="lower right")
    full, growing = cbs[-1], _values(data["growing"])
    predicted = data["predicted_exponent"]
    slope_full, slope_growing = loglog_slope(samples, full), loglog_slope(samples, growing)
    by_d.plot(samples, full, "ko-", ms=5, label=f"full model N = {p['dim']}: slope {slope_full:.3f}")
    by_d.plot(samples, growing, "s--", color="C3", ms=5,
              label=f"N = D/{p['data_per_feature']} (N = {', '.join(str(n) for n in data['growing_dims'])}): "
                    f"slope {slope_growing:.3f}")
    anchor = full[np.isfinite(full)][0] if np.any(np.isfinite(full)) else 1.0
    by_d.plot(samples, anchor * (samples / samples[0]) ** predicted, "k:", lw=1,
              label=f"Corollary 8: slope {predicted:.3f}")
    by_d.set(xscale="log", yscale="log", xlabel="data size D", ylabel="B* (Definition 3)",
             title="B*(D): the full model and a model growing with the data")
    by_d.legend(fontsize=8, loc="upper left")
    return fig
