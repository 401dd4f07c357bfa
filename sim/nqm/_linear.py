"""Exact second moments of two-variable linear optimisers on the NQM: heavy-ball momentum and EMA of SGD.

Per dimension the optimiser is a linear recursion y' = F y + g ε on a two-component state y
(ε ~ N(0, c/B)), started at y_0 with E y_0y_0ᵀ known. The second moments z = (E y₁², E y₂², E y₁y₂)
then follow an affine map z' = M z + v with M, v read off F S Fᵀ + σ² g gᵀ (:func:`moment_map`; for
heavy-ball momentum this is the paper's eq. (21), see :mod:`theory.nqm_symbolic`). k steps are the
k-th power of the affine map (M, v), computed by binary powering: O(log k) 3×3 products and exact in
exact arithmetic whatever the eigenstructure, so it stays accurate at critical damping, where
the eigendecomposition the paper's notebook uses has a repeated eigenvalue and breaks down.

* heavy-ball momentum (m' = βm + g, θ' = θ − αPm'): y = (θ, θ_t − θ_{t−1}),
  F = [[1 − x, β], [−x, β]], g = −αh^{−p}(1, 1), y_0 = (θ_0, 0); the loss is on y₁ = θ;
* EMA of SGD iterates (θ̃' = γθ̃ + (1 − γ)θ', θ̃_0 = θ_0): y = (θ, θ̃),
  F = [[1 − x, 0], [(1 − γ)(1 − x), γ]], g = −αh^{−p}(1, 1 − γ); the loss is on y₂ = θ̃.
"""

import math

import numpy as np

from sim import errors
from sim._numba import jit
from sim.nqm._problem import NQMProblem

_A, _B, _C = 0, 1, 2  # indices of E y₁², E y₂², E y₁y₂


@jit
def moment_map(f11, f12, f21, f22, g1, g2, noise):
    """(M, v) with z' = M z + v for z = (E y₁², E y₂², E y₁y₂) under y' = F y + g ε, Var ε = noise."""
    M = np.empty((3, 3))
    M[_A, _A], M[_A, _B], M[_A, _C] = f11 * f11, f12 * f12, 2.0 * f11 * f12
    M[_B, _A], M[_B, _B], M[_B, _C] = f21 * f21, f22 * f22, 2.0 * f21 * f22
    M[_C, _A], M[_C, _B], M[_C, _C] = f11 * f21, f12 * f22, f11 * f22 + f12 * f21
    v = np.array([g1 * g1 * noise, g2 * g2 * noise, g1 * g2 * noise])
    return M, v


@jit
def affine_power(M, v, k):
    """(M^k, Σ_{j<k} M^j v) by binary powering of the affine map z ↦ Mz + v."""
    result_M = np.eye(3)
    result_v = np.zeros(3)
    base_M = M.copy()
    base_v = v.copy()
    while k > 0:
        if k & 1:  # result ← base ∘ result: z ↦ base_M (result_M z + result_v) + base_v
            result_v = base_M @ result_v + base_v
            result_M = base_M @ result_M
        base_v = base_M @ base_v + base_v
        base_M = base_M @ base_M
        k >>= 1
    return result_M, result_v


@jit
def _losses(F, g, noise, z0, weight, output, steps):
    """Σ_i weight_i z_i(k)[output] for each k in ``steps``; F (d, 2, 2), g (d, 2), noise (d,), z0 (d, 3)."""
    out = np.zeros(steps.size)
    for i in range(weight.size):
        M, v = moment_map(F[i, 0, 0], F[i, 0, 1], F[i, 1, 0], F[i, 1, 1], g[i, 0], g[i, 1], noise[i])
        for j in range(steps.size):
            Mk, vk = affine_power(M, v, steps[j])
            out[j] += weight[i] * (Mk[output] @ z0[i] + vk[output])
    return out


def _common(problem: NQMProblem, lr, batch, precond):
    lr = errors.real("lr", lr, gt=0)
    batch = errors.integer("batch", batch)
    precond = errors.real("precond", precond, ge=0, le=1)
    scale = lr * problem.h ** (-precond)  # αh^{−p}
    return scale * problem.h, scale, problem.c / batch  # x, αh^{−p}, noise variance c/B


def _steps(steps):
    steps = np.asarray(steps, dtype=np.int64)
    if steps.ndim != 1 or np.any(steps < 0):
        raise errors.InvalidParameter("steps", "a 1-d list of non-negative integers", steps.tolist())
    return steps


def momentum_system(problem: NQMProblem, *, lr: float, batch: int, momentum: float, precond: float = 0.0):
    """(F, g, noise, z0, output) of heavy-ball momentum, per dimension."""
    momentum = errors.real("momentum", momentum, ge=0, le=1)
    x, scale, noise = _common(problem, lr, batch, precond)
    F = np.empty((x.size, 2, 2))
    F[:, 0, 0], F[:, 0, 1], F[:, 1, 0], F[:, 1, 1] = 1.0 - x, momentum, -x, momentum
    g = np.stack([-scale, -scale], axis=1)
    z0 = np.stack([problem.s0, np.zeros_like(x), np.zeros_like(x)], axis=1)
    return F, g, noise, z0, _A


def ema_system(problem: NQMProblem, *, lr: float, batch: int, decay: float, precond: float = 0.0):
    """(F, g, noise, z0, output) of SGD with an exponential moving average of the iterates, per dimension."""
    decay = errors.real("decay", decay, ge=0, le=1)
    x, scale, noise = _common(problem, lr, batch, precond)
    F = np.empty((x.size, 2, 2))
    F[:, 0, 0], F[:, 0, 1], F[:, 1, 0], F[:, 1, 1] = 1.0 - x, 0.0, (1.0 - decay) * (1.0 - x), decay
    g = np.stack([-scale, -(1.0 - decay) * scale], axis=1)
    z0 = np.stack([problem.s0, problem.s0, problem.s0], axis=1)
    return F, g, noise, z0, _B


def system_loss(problem: NQMProblem, system, steps) -> np.ndarray:
    """Exact expected loss ½Σ w h E(output)² after each of ``steps`` steps of a (F, g, noise, z0, output) system."""
    F, g, noise, z0, output = system
    return _losses(F, g, noise, z0, 0.5 * problem.counts * problem.h, output, _steps(steps))


def momentum_loss(problem: NQMProblem, *, lr: float, batch: int, momentum: float, steps,
                  precond: float = 0.0) -> np.ndarray:
    """Exact expected loss of heavy-ball momentum (m' = βm + g, θ' = θ − αH^{−p}m', m_0 = 0) after ``steps``."""
    return system_loss(problem, momentum_system(problem, lr=lr, batch=batch, momentum=momentum, precond=precond),
                       steps)


def ema_loss(problem: NQMProblem, *, lr: float, batch: int, decay: float, steps, precond: float = 0.0) -> np.ndarray:
    """Exact expected loss at the EMA θ̃ (θ̃' = γθ̃ + (1 − γ)θ', θ̃_0 = θ_0) of SGD iterates after ``steps``."""
    return system_loss(problem, ema_system(problem, lr=lr, batch=batch, decay=decay, precond=precond), steps)
