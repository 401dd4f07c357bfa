"""Corollary 8 at the asymptotic scale: B*(D) on the untruncated spectrum over many decades of D, and its slopes.

Corollary 8 of the seed paper (Zhang et al. 2024) is a statement about D → ∞ in infinite dimension:
B* ≈ D^{1 − a/min(b, 2a+1)}. Here it is measured as the paper defines it, on the exact risk of the
untruncated spectrum λ_i = i^−a (:meth:`LinRegProblem.power_law` with dim = inf), at D = 2^k:

* a batch grid of powers of two per D (only they divide D = 2^k): every power of two in the window
  [B_pred/2^WINDOW_BELOW, B_pred·2^WINDOW_ABOVE] around Corollary 8's B_pred = D^exponent (whose
  constant is 1), and every fourth power of two below it down to B = 1, so that B_opt = argmin R(D, B)
  is the paper's over all B (R(D, B) is flat below B*, so the sparse points are enough to find it);
* :func:`batchlab.sim.linreg.measure_cbs_scaling` on that grid (Definition 3 located on the integers,
  and McCandlish's B_noise), the spectral engine wherever it is faster;
* the local slope of log B* against log D between neighbouring data sizes, and a fit of its
  convergence s(D) = s_∞ + c·D^−κ (:func:`slope_convergence`).
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from batchlab.sim import errors
from batchlab.sim.linreg._cbs import CBSScaling, measure_cbs_scaling
from batchlab.sim.linreg._problem import LinRegProblem
from batchlab.sim.linreg._strategies import Strategy
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult
from batchlab.sim.sweep import DEFAULT
from batchlab.theory.linreg import cbs_exponent

WINDOW_BELOW = 5
WINDOW_ABOVE = 4
# D = 2^k: every second octave from 2^8, every octave over the last decade (its slope gets an error bar).
COROLLARY8_EXPONENTS = (*range(8, 33, 2), 33, 34, 35, 36)
# The convergence of the local slopes is fitted where D ≥ 2^FIT_FROM (the last 3.6 decades).
FIT_FROM = 24


def corollary8_batches(a: float, b: float, samples: int, above: int = WINDOW_ABOVE) -> list[int]:
    """The batch grid at D = ``samples`` (a power of two): the window around D^exponent and sparse points below.

    ``above``: octaves of the window above D^exponent (a strategy whose B* lies further above, constant + EWA for
    b > 2a + 1, needs more).
    """
    k = int(math.log2(samples))
    if 2**k != samples:
        raise errors.InvalidParameter("samples", "a power of two", samples)
    above = errors.integer("above", above, ge=0)
    centre = round(cbs_exponent(a, b) * k)
    top = min(k - 3, centre + above)  # at least 8 steps at the largest batch
    low = max(0, min(centre - WINDOW_BELOW, top - WINDOW_BELOW - above))
    return sorted({2**j for j in range(low, top + 1)} | {4**j for j in range(low // 2 + 1)})


def local_slopes(samples, values) -> tuple[np.ndarray, np.ndarray]:
    """(geometric midpoints of neighbouring D, slopes of log value against log D between them)."""
    x, y = np.log(np.asarray(samples, dtype=float)), np.log(np.asarray(values, dtype=float))
    return np.exp((x[1:] + x[:-1]) / 2), np.diff(y) / np.diff(x)


def _decay(log_d, limit, scale, rate):
    return limit + scale * np.exp(-rate * log_d)


@dataclass(frozen=True)
class SlopeConvergence(JSONResult):
    """How the local slopes of B*(D) approach their limit.

    ``last_decade``: least-squares slope of log B* on log D over the last decade of D, with its
    standard error ``last_decade_se`` (from the residuals; None with fewer than three points) and
    ``meets_prediction`` = |slope − predicted| ≤ 0.01. ``limit``, ``limit_se``, ``rate``: the fit
    s(D) = limit + c·D^−rate of the local slopes between neighbours with D ≥ 2^FIT_FROM (None where
    the fit does not converge or its limit is undetermined, SE > 0.1: a B* that stays one integer).
    """

    predicted: float
    last_decade: float
    last_decade_se: float | None
    last_decade_window: tuple
    meets_prediction: bool
    limit: float | None
    limit_se: float | None
    rate: float | None


def slope_convergence(samples, cbs, predicted: float) -> SlopeConvergence:
    """:class:`SlopeConvergence` of B*(D) measured at ``samples``."""
    d = np.asarray(samples, dtype=float)
    keep = d >= d.max() / 10.0 ** (1 + 1e-9)
    x, y = np.log(d[keep]), np.log(np.asarray(cbs, dtype=float)[keep])
    fit, residuals, *_ = np.polyfit(x, y, 1, full=True)
    slope = float(fit[0])
    se = None
    if x.size > 2:
        se = float(math.sqrt(float(residuals[0]) / (x.size - 2) / np.sum((x - x.mean()) ** 2))) if residuals.size \
            else 0.0
    mid, slopes = local_slopes(d, cbs)
    fitted = mid >= 2.0**FIT_FROM
    limit = limit_se = rate = None
    if np.count_nonzero(fitted) > 3:
        x, s = np.log(mid[fitted]), slopes[fitted]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", OptimizeWarning)  # an undetermined covariance: no fit
                params, cov = curve_fit(_decay, x - x[0], s, p0=(s[-1], s[0] - s[-1], 0.1), maxfev=20000)
            fit_se = math.sqrt(cov[0, 0])
            if params[2] > 0 and fit_se <= 0.1:
                limit, limit_se, rate = float(params[0]), float(fit_se), float(params[2])
        except (RuntimeError, ValueError, OptimizeWarning):  # no convergence of the fit: reported as None
            pass
    return SlopeConvergence(predicted, slope, se, (float(d[keep].min()), float(d.max())),
                            abs(slope - predicted) <= 0.01, limit, limit_se, rate)


def measure_corollary8(a: float, b: float, exponents=COROLLARY8_EXPONENTS, *, sigma: float = 1.0,
                       strategy: Strategy | None = None,
                       above: int = WINDOW_ABOVE, cache=DEFAULT, workers: Workers = None,
                       on_result=None) -> CBSScaling:
    """B*(D) at D = 2^k for k in ``exponents`` on the untruncated spectrum, by :func:`corollary8_batches`.

    ``strategy``: a training strategy instead of plain SGD's averaged iterate, tuned per batch size as
    :func:`batchlab.sim.linreg.measure_cbs_scaling` tunes it (constant + EWA reaches every D here through the
    spectral engine; strategies the recursion alone runs reach far less); ``above`` as in :func:`corollary8_batches`.
    """
    exponents = [errors.integer("exponents", k, ge=4) for k in exponents]
    problem = LinRegProblem.power_law(a, b, "inf", sigma)
    return measure_cbs_scaling(problem, [2**k for k in exponents],
                               batches=lambda d: corollary8_batches(a, b, d, above), strategy=strategy, cache=cache,
                               workers=workers, on_result=on_result)
