"""Exact expected risk of one-pass mini-batch SGD on Gaussian linear regression.

With η_t = w_t − w*, s_{t,i} = E[η_{t,i}²] and Gaussian data (E[xxᵀAxxᵀ] = 2HAH + tr(HA)H),

    s_{t+1,i} = ((1 − γλ_i)² + γ²λ_i²/B) s_{t,i} + (γ²λ_i/B)(Σ_j λ_j s_{t,j} + σ²),

and for k ≥ t, E[η_k η_tᵀ] = (I − γH)^{k−t} S_t. The average of the first m iterates
therefore has

    m² E[excess(w̄_m)] = Σ_i λ_i Σ_{k<m} (s_{k,i} + 2u_{k,i}),   u_{k+1,i} = q_i(u_{k,i} + s_{k,i}),

with q_i = 1 − γλ_i and u_0 = 0 (u_k = Σ_{t<k} q^{k−t} s_t): O(1) work per coordinate
per step, no powers, and the risk of every prefix average comes for free. The bias
(σ = 0, s_0 = w*²) and variance (s_0 = 0) channels are run side by side; they add exactly.
"""

from dataclasses import dataclass, field

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.linreg._problem import LinRegProblem, tail_start
from batchlab.sim.results import JSONResult, listed

# Indices into the kernel's output vector.
_PAIR_B, _PAIR_V, _TAIL_B, _TAIL_V, _RISK_B, _RISK_V = range(6)
_NO_TARGETS = np.empty(0)


@jit
def lane_sum(x):
    """Σ x as eight interleaved partial sums added pairwise at the end.

    A fixed order (the same result on every run, whatever the thread count) whose eight chains of
    additions are independent, so they overlap instead of waiting on each other's latency.
    """
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
    full = x.size - x.size % 8
    for i in range(0, full, 8):
        a0 += x[i]
        a1 += x[i + 1]
        a2 += x[i + 2]
        a3 += x[i + 3]
        a4 += x[i + 4]
        a5 += x[i + 5]
        a6 += x[i + 6]
        a7 += x[i + 7]
    for i in range(full, x.size):
        a0 += x[i]
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


@jit
def _pair_step(s, u, lw, q, pair_terms):
    """pair_terms_i = ℓ_i(s_i + 2u_i), this step's share of m²·E excess(w̄), then u ← q(u + s)."""
    for i in range(s.size):
        si = s[i]
        pair_terms[i] = lw[i] * (si + 2.0 * u[i])
        u[i] = q[i] * (u[i] + si)


@jit
def _channel_step(s, u, lw, q, decay, inject, kick, pair_terms, risk_terms):
    """One step of one channel: :func:`_pair_step`, then s ← δs + inject·kick and risk_terms_i = ℓ_i s_i.

    :func:`_pair_step` fused into the same pass over the coordinates, so each is loaded once (1.2× faster
    than the two loops, the same operations in the same order); no reduction inside, so the loop
    vectorises, and :func:`lane_sum` adds the terms up.
    """
    for i in range(s.size):
        si, ui = s[i], u[i]
        pair_terms[i] = lw[i] * (si + 2.0 * ui)
        u[i] = q[i] * (ui + si)
        si = decay[i] * si + inject[i] * kick
        s[i] = si
        risk_terms[i] = lw[i] * si


@jit
def _moment_kernel(lam, weight, s_b, s_v, sigma2, split, lr, batch, steps, tail_from, blowup, targets, limits,
                   stop_on_last, out, last_path, avg_path):
    """Run the second-moment recursion in place on ``s_b`` (and ``s_v`` when ``split``).

    ``split``: ``s_b`` is the bias channel (σ = 0) and ``s_v`` the variance channel (s_0 = 0,
    noise σ²), run side by side; otherwise ``s_b`` carries the total (noise σ²) and ``s_v``
    is unused. Fills ``last_path[t]`` = E excess(w_t) and ``avg_path[m − 1]`` = E excess(w̄_m)
    for the steps run, and ``out`` with the channels' pair and tail sums and final risks.
    Stops early once every ``targets[j]`` is settled: the averaged risk (the last-iterate risk when
    ``stop_on_last``) has fallen to it or below, or ``limits[j]`` steps have run. Returns (steps run, diverged).
    """
    d = lam.size
    lw = lam * weight  # risk weights: a group of ``weight`` directions of eigenvalue λ counts that many times
    q = 1.0 - lr * lam
    decay = q * q + (lr * lam) ** 2 / batch
    inject = lr * lr * lam / batch
    noise_b = 0.0 if split else sigma2
    u_b, tu_b = np.zeros(d), np.zeros(d)
    u_v, tu_v = np.zeros(d if split else 0), np.zeros(d if split else 0)
    pair_terms, risk_terms = np.empty(d), np.empty(d)
    risk_b = np.dot(lw, s_b)
    risk_v = 0.0
    pair_b = pair_v = tail_b = tail_v = 0.0
    last_path[0] = risk_b
    t = 0
    diverged = False
    nv = pv = 0.0
    settled = np.zeros(targets.size, dtype=np.bool_)
    open_targets = targets.size
    while t < steps:
        if t >= tail_from:  # the tail average's own u, from tail_from on
            _pair_step(s_b, tu_b, lw, q, pair_terms)
            tail_b += lane_sum(pair_terms)
            if split:
                _pair_step(s_v, tu_v, lw, q, pair_terms)
                tail_v += lane_sum(pair_terms)
        _channel_step(s_b, u_b, lw, q, decay, inject, risk_b + noise_b, pair_terms, risk_terms)
        pb, nb = lane_sum(pair_terms), lane_sum(risk_terms)
        if split:
            _channel_step(s_v, u_v, lw, q, decay, inject, risk_v + sigma2, pair_terms, risk_terms)
            pv, nv = lane_sum(pair_terms), lane_sum(risk_terms)
        pair_b += pb
        pair_v += pv
        averaged = (pair_b + pair_v) / (t + 1.0) ** 2
        avg_path[t] = averaged
        risk_b = nb
        risk_v = nv
        last_path[t + 1] = nb + nv
        t += 1
        if not nb + nv <= blowup:
            diverged = True
            break
        watched = nb + nv if stop_on_last else averaged
        for j in range(targets.size):
            if not settled[j] and (watched <= targets[j] or t >= limits[j]):
                settled[j] = True
                open_targets -= 1
        if targets.size > 0 and open_targets == 0:
            break
    out[_PAIR_B] = pair_b
    out[_PAIR_V] = pair_v
    out[_TAIL_B] = tail_b
    out[_TAIL_V] = tail_v
    out[_RISK_B] = risk_b
    out[_RISK_V] = risk_v
    return t, diverged


PATH_BYTES = 2 * 8
"""Memory of the recursion's risk paths per step: the last iterate's and the average's, float64."""


def _paths(name, value, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's last-iterate and averaged risk paths for ``steps`` steps (nan where not run), memory checked."""
    errors.fits_in_memory(name, value, PATH_BYTES * steps)
    return np.full(steps + 1, np.nan), np.full(steps, np.nan)


@dataclass(frozen=True)
class ExactRisk(JSONResult):
    """Exact expected excess risks (w − w*)ᵀH(w − w*), no factor ½.

    ``averaged`` is w̄ = (1/n)Σ_{t=0}^{n−1} w_t (the paper's output), ``tail_averaged``
    averages t = ⌊n/2⌋..n−1, ``last`` is w_n. ``bias``/``variance`` split ``averaged``
    (``bias_last``/``variance_last`` split ``last``). ``last_path[t]`` is E[excess(w_t)]
    for t = 0..n and ``averaged_path[m−1]`` is E[excess(w̄_m)], the average of the first
    m iterates (None from the spectral engine, which never visits the steps in between). A
    diverged run has no risks (None) and ``diverged_at`` = the first step whose expected risk
    exceeded the blow-up threshold; its paths are nan from there on. ``engine``: "recursion"
    (:func:`recursion_risk`) or "spectral" (:mod:`batchlab.sim.linreg._spectral`).
    """

    last: float | None
    averaged: float | None
    tail_averaged: float | None
    bias: float | None
    variance: float | None
    bias_last: float | None
    variance_last: float | None
    steps: int
    lr: float
    batch: int
    lr_max: float
    diverged: bool
    diverged_at: int | None
    last_path: np.ndarray | None = field(repr=False)
    averaged_path: np.ndarray | None = field(repr=False)
    engine: str = "recursion"

    @property
    def stable(self) -> bool:
        """Mean-square stable: lr below the exact stability limit, so risk stays bounded for any n."""
        return self.lr < self.lr_max

    def summary(self) -> dict:
        """JSON-ready scalars (a diverged run reports its risks as None)."""
        risks = ("last", "averaged", "tail_averaged", "bias", "variance", "bias_last", "variance_last")
        out = {key: getattr(self, key) for key in risks}
        out.update(method="exact", engine=self.engine, steps=self.steps, lr=self.lr, batch=self.batch,
                   lr_max=self.lr_max, stable=self.stable, diverged=self.diverged, diverged_at=self.diverged_at)
        return out

    def to_dict(self) -> dict:
        """:meth:`summary` and the two risk paths (nan, i.e. null, after a divergence; null from the spectral one)."""
        paths = {"last_path": self.last_path, "averaged_path": self.averaged_path}
        return self.summary() | {key: None if path is None else listed(path) for key, path in paths.items()}


RISKS = ("last", "averaged", "tail_averaged", "bias", "variance", "bias_last", "variance_last")


def recursion_risk(problem: LinRegProblem, *, lr: float, batch: int, steps: int) -> ExactRisk:
    """:func:`batchlab.sim.linreg.exact_risk` by the recursion: cost O(n·d), Numba-compiled.

    Never overflows: a run whose expected risk exceeds ``BLOWUP_FACTOR·(R_0 + σ²)`` stops and
    is reported as diverged.
    """
    out = np.zeros(6)
    last_path, avg_path = _paths("samples", steps * batch, steps)
    start = tail_start(steps)
    s_b = problem.w_star**2
    s_v = np.zeros_like(s_b)
    ran, diverged = _moment_kernel(problem.eigenvalues, problem.weights, s_b, s_v, problem.sigma**2, True, lr,
                                   float(batch), steps, start, problem.blowup_threshold, _NO_TARGETS, _NO_TARGETS,
                                   False, out, last_path, avg_path)
    if diverged:
        risks = dict.fromkeys(RISKS)
    else:
        n2, m2 = float(steps) ** 2, float(steps - start) ** 2
        risks = dict(last=out[_RISK_B] + out[_RISK_V], averaged=(out[_PAIR_B] + out[_PAIR_V]) / n2,
                     tail_averaged=(out[_TAIL_B] + out[_TAIL_V]) / m2, bias=out[_PAIR_B] / n2,
                     variance=out[_PAIR_V] / n2, bias_last=out[_RISK_B], variance_last=out[_RISK_V])
    if diverged:  # the kernel wrote the blown-up step's risk; nothing after the blow-up exists
        last_path[ran:], avg_path[ran - 1:] = np.nan, np.nan
    return ExactRisk(**{k: None if v is None else float(v) for k, v in risks.items()}, steps=steps, lr=lr, batch=batch,
                     lr_max=problem.stability_limit(batch), diverged=diverged,
                     diverged_at=ran if diverged else None, last_path=last_path, averaged_path=avg_path)


@dataclass(frozen=True)
class RiskPath(JSONResult):
    """Exact expected excess risk along one run, total only (no bias/variance split), no factor ½.

    ``averaged[m − 1]`` = E excess(w̄_m), the average of w_0..w_{m−1} (the paper's output after
    m steps, i.e. after m·B samples), and ``last[t]`` = E excess(w_t), for the ``steps_run``
    steps actually run. ``second_moments[i]`` = E[(w_t − w*)_i²] at t = ``steps_run``, in the
    eigenbasis of H. A run stopped by ``stop_below`` has ``reached_at`` = that step; a diverged
    run has ``diverged_at`` = the first step whose expected risk exceeded the blow-up threshold.
    """

    lr: float
    batch: int
    steps_run: int
    reached_at: int | None
    diverged_at: int | None
    averaged: np.ndarray = field(repr=False)
    last: np.ndarray = field(repr=False)
    second_moments: np.ndarray = field(repr=False)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def risk_path(problem: LinRegProblem, *, lr: float, batch: int, steps: int, stop_below=None, stop_after=None,
              iterate: str = "averaged") -> RiskPath:
    """Exact risk path of constant-lr mini-batch SGD for up to ``steps`` steps (w_0 = 0).

    The measurement engine behind steps-to-target and learning-rate tuning: one channel
    (about 2.5× cheaper than :func:`recursion_risk`'s bias/variance split), no tail average, and
    an early stop right after the first step at which the ``iterate`` ("averaged" or "last")
    risk is ≤ ``stop_below``. The first such step is found without assuming the risk is
    monotone in time. Cost O(steps_run·d).

    ``stop_below`` may also be several targets, with ``stop_after`` their own step limits (each ≤ ``steps``;
    default ``steps``): the run then stops once each target is reached or past its limit, so that one run
    serves several first passages. ``reached_at`` is then the step at which the smallest was reached.
    """
    lr = errors.real("lr", lr, gt=0)
    batch = errors.integer("batch", batch)
    steps = errors.integer("steps", steps)
    if iterate not in ("averaged", "last"):
        raise errors.InvalidParameter("iterate", "'averaged' or 'last'", iterate)
    targets = _NO_TARGETS if stop_below is None else errors.vector("stop_below", np.atleast_1d(stop_below))
    if stop_after is None:
        limits = np.full(targets.size, float(steps))
    else:
        limits = errors.vector("stop_after", np.atleast_1d(stop_after), positive=True)
        if limits.size != targets.size or np.any(limits > steps):
            raise errors.InvalidParameter("stop_after", f"one limit ≤ steps = {steps} per target", list(limits))
    last_path, avg_path = _paths("steps", steps, steps)
    state = problem.w_star**2
    ran, diverged = _moment_kernel(problem.eigenvalues, problem.weights, state, np.empty(0), problem.sigma**2, False,
                                   lr, float(batch), steps, steps, problem.blowup_threshold, targets, limits,
                                   iterate == "last", np.zeros(6), last_path, avg_path)
    path = avg_path[:ran] if iterate == "averaged" else last_path[1:ran + 1]
    reached = not diverged and ran > 0 and targets.size > 0 and path[-1] <= targets.min()
    return RiskPath(lr, batch, ran, ran if reached else None, ran if diverged else None, avg_path[:ran],
                    last_path[:ran + 1], state)
