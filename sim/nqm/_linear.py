"""Exact second moments of two-variable linear optimisers on the NQM: heavy-ball and Nesterov momentum, EMA.

Per dimension the optimiser is a linear recursion y' = F y + g ε on a two-component state y
(ε ~ N(0, c/B)), started at y_0 = θ_0(1, f) with E θ_0² = s_0. The second moments z = (E y₁², E y₂², E y₁y₂)
then follow an affine map z' = M z + v with M, v read off F S Fᵀ + σ² g gᵀ (:func:`moment_map`; for
heavy-ball momentum this is the paper's eq. (21), see :mod:`batchlab.theory.nqm_symbolic`). k steps are the
k-th power of the affine map (M, v), computed by binary powering: O(log k) 3×3 products and exact in
exact arithmetic whatever the eigenstructure, so it stays accurate at critical damping, where
the eigendecomposition the paper's notebook uses has a repeated eigenvalue and breaks down.

* heavy-ball momentum (m' = βm + g, θ' = θ − αPm'): y = (θ, θ_t − θ_{t−1}),
  F = [[1 − x, β], [−x, β]], g = −αh^{−p}(1, 1), y_0 = (θ_0, 0); the loss is on y₁ = θ;
* Nesterov momentum as PyTorch and optax run it (m' = βm + g, θ' = θ − αP(g + βm'), m_0 = 0):
  y = (θ, αh^{−p}m), F = [[1 − (1 + β)x, −β²], [x, β]], g = αh^{−p}(−(1 + β), 1), y_0 = (θ_0, 0);
* EMA of SGD iterates (θ̃' = γθ̃ + (1 − γ)θ', θ̃_0 = θ_0): y = (θ, θ̃),
  F = [[1 − x, 0], [(1 − γ)(1 − x), γ]], g = −αh^{−p}(1, 1 − γ); the loss is on y₂ = θ̃.

SGD is heavy-ball momentum with β = 0 (or EMA with γ = 0). Each system also carries the trace τ, determinant δ
and discriminant τ² − 4δ of F, the characteristic polynomial at ±1 and the steady state, all from
:mod:`batchlab.theory.nqm`'s cancellation-free forms (e.g. heavy ball's disc = (x − (1 − √β)²)(x − (1 + √β)²)), which
the closed-form engine (:mod:`batchlab.sim.nqm._crossing`) needs near critical damping and where 1 − λ is tiny.
"""

from typing import NamedTuple

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.theory import nqm as th

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


class LinearSystem(NamedTuple):
    """A two-variable linear optimiser on every dimension of an NQM: y' = F y + g ε, Var ε = ``noise``.

    ``F`` (d, 2, 2), ``g`` (d, 2), ``noise`` (d,) = c/B; ``z0`` (d, 3) = (E y₁², E y₂², E y₁y₂) at step 0,
    with y_0 = θ_0(1, z0[:, 2]/z0[:, 0]); ``output`` 0 or 1: the loss is ½Σ w h E y_output². ``trace``,
    ``det``, ``disc`` (= trace² − 4·det) of each F and its characteristic polynomial's values ``at_one`` and
    ``at_minus_one`` (1 ∓ trace + det), each computed without cancellation; ``steady`` (d, 3) the solution z*
    of z = Mz + v in factored form (:data:`batchlab.theory.nqm.LINEAR_OPTIMIZERS`).
    """

    F: np.ndarray
    g: np.ndarray
    noise: np.ndarray
    z0: np.ndarray
    output: int
    trace: np.ndarray
    det: np.ndarray
    disc: np.ndarray
    at_one: np.ndarray
    at_minus_one: np.ndarray
    steady: np.ndarray


CODES = {name: code for code, name in enumerate(th.LINEAR_OPTIMIZERS)}  # momentum 0, nesterov 1, ema 2
_OUTPUT = (_A, _A, _B)  # the loss is on θ = y₁, except for EMA (θ̃ = y₂)
_FOLLOW = (0.0, 0.0, 1.0)  # y_0 = θ_0(1, f): u_0 = 0 and m_0 = 0, θ̃_0 = θ_0
_momentum_coefficients, _nesterov_coefficients, _ema_coefficients = (
    jit(coefficients) for coefficients, _ in th.LINEAR_OPTIMIZERS.values())
_momentum_steady, _nesterov_steady, _ema_steady = (jit(steady) for _, steady in th.LINEAR_OPTIMIZERS.values())


@jit
def _coefficients(code, x, knob, n):
    """theory.nqm's (F, g/a, τ, δ, disc, p(1), p(−1)) and steady state of optimiser ``code`` at one dimension."""
    if code == 0:
        return _momentum_coefficients(x, knob), _momentum_steady(x, knob, n)
    if code == 1:
        return _nesterov_coefficients(x, knob), _nesterov_steady(x, knob, n)
    return _ema_coefficients(x, knob), _ema_steady(x, knob, n)


@jit
def system_arrays(code, h, c, s0, lr, batch, knob, precond):
    """The arrays of a :class:`LinearSystem` (all but ``output``), per dimension, in compiled code."""
    d = h.size
    F, g, z0, steady = np.empty((d, 2, 2)), np.empty((d, 2)), np.empty((d, 3)), np.empty((d, 3))
    noise, trace, det, disc, at_one, at_minus_one = np.empty(d), np.empty(d), np.empty(d), np.empty(d), \
        np.empty(d), np.empty(d)
    follow = _FOLLOW[code]
    for i in range(d):
        a = lr * h[i] ** (-precond)
        noise[i] = c[i] / batch
        values, fixed = _coefficients(code, a * h[i], knob, a * a * noise[i])
        F[i, 0, 0], F[i, 0, 1], F[i, 1, 0], F[i, 1, 1] = values[0], values[1], values[2], values[3]
        g[i, 0], g[i, 1] = a * values[4], a * values[5]
        trace[i], det[i], disc[i], at_one[i], at_minus_one[i] = values[6], values[7], values[8], values[9], values[10]
        steady[i, 0], steady[i, 1], steady[i, 2] = fixed
        z0[i, 0], z0[i, 1], z0[i, 2] = s0[i], follow * follow * s0[i], follow * s0[i]
    return F, g, noise, z0, trace, det, disc, at_one, at_minus_one, steady


OPTIMIZERS = ("sgd", *CODES)
SECOND_PARAMETER = {"sgd": None, "momentum": "momentum", "nesterov": "momentum", "ema": "ema_decay"}


def second_parameter(optimizer: str, value: float) -> dict:
    """The keyword carrying ``optimizer``'s second hyperparameter.

    ``{"momentum": β}`` for 'momentum' and 'nesterov', ``{"ema_decay": γ}`` for 'ema', ``{}`` for 'sgd' (which has
    none).
    """
    if optimizer not in OPTIMIZERS:
        raise errors.InvalidParameter("optimizer", "one of " + ", ".join(OPTIMIZERS), optimizer)
    own = SECOND_PARAMETER[optimizer]
    return {} if own is None else {own: value}


def optimizer_code(optimizer: str, *, momentum: float = 0.0, ema_decay: float = 0.0) -> tuple[int, float]:
    """(kernel code, β or γ) of ``optimizer``.

    'sgd' (heavy ball with β = 0), 'momentum' and 'nesterov' (β = ``momentum``) or 'ema' (γ = ``ema_decay``). The
    parameter the optimiser does not have must stay 0.
    """
    if optimizer not in OPTIMIZERS:
        raise errors.InvalidParameter("optimizer", "one of " + ", ".join(OPTIMIZERS), optimizer)
    values = {"momentum": momentum, "ema_decay": ema_decay}
    own = SECOND_PARAMETER[optimizer]
    for name, value in values.items():
        if name != own and value != 0:
            raise errors.InvalidParameter(name, f"0 for optimizer {optimizer!r}", value)
    if own is None:
        return CODES["momentum"], 0.0
    return CODES[optimizer], errors.real(own, values[own], ge=0, le=1)


def linear_system(problem: NQMProblem, optimizer: str, *, lr: float, batch: int, momentum: float = 0.0,
                  ema_decay: float = 0.0, precond: float = 0.0) -> LinearSystem:
    """The :class:`LinearSystem` of ``optimizer``.

    'sgd', 'momentum' or 'nesterov' (β = ``momentum``), or 'ema' (γ = ``ema_decay``).
    """
    code, knob = optimizer_code(optimizer, momentum=momentum, ema_decay=ema_decay)
    lr = errors.real("lr", lr, gt=0)
    batch = errors.integer("batch", batch)
    precond = errors.real("precond", precond, ge=0, le=1)
    F, g, noise, z0, *rest = system_arrays(code, problem.h, problem.c, problem.s0, lr, float(batch), knob, precond)
    return LinearSystem(F, g, noise, z0, _OUTPUT[code], *rest)


def momentum_system(problem: NQMProblem, *, lr: float, batch: int, momentum: float,
                    precond: float = 0.0) -> LinearSystem:
    """Heavy-ball momentum m' = βm + g, θ' = θ − αH^{−p}m' (m_0 = 0), per dimension; β = 0 is SGD."""
    return linear_system(problem, "momentum", lr=lr, batch=batch, momentum=momentum, precond=precond)


def nesterov_system(problem: NQMProblem, *, lr: float, batch: int, momentum: float,
                    precond: float = 0.0) -> LinearSystem:
    """Nesterov momentum m' = βm + g, θ' = θ − αH^{−p}(g + βm') (m_0 = 0; PyTorch's and optax's form)."""
    return linear_system(problem, "nesterov", lr=lr, batch=batch, momentum=momentum, precond=precond)


def ema_system(problem: NQMProblem, *, lr: float, batch: int, ema_decay: float,
               precond: float = 0.0) -> LinearSystem:
    """SGD with an exponential moving average θ̃' = γθ̃ + (1 − γ)θ' of its iterates (θ̃_0 = θ_0), per dimension."""
    return linear_system(problem, "ema", lr=lr, batch=batch, ema_decay=ema_decay, precond=precond)


def _steps(steps):
    steps = np.asarray(steps, dtype=np.int64)
    if steps.ndim != 1 or np.any(steps < 0):
        raise errors.InvalidParameter("steps", "a 1-d list of non-negative integers", steps.tolist())
    return steps


@jit
def _theta_moments(F, g, noise, z0, steps):
    out = np.empty(noise.size)
    for i in range(noise.size):
        M, v = moment_map(F[i, 0, 0], F[i, 0, 1], F[i, 1, 0], F[i, 1, 1], g[i, 0], g[i, 1], noise[i])
        Mk, vk = affine_power(M, v, steps)
        out[i] = Mk[_A] @ z0[i] + vk[_A]
    return out


def system_second_moments(problem: NQMProblem, system: LinearSystem, step: int) -> np.ndarray:
    """E θ_i² (the iterate where gradients are taken, y₁) after ``step`` steps, per dimension (bin)."""
    step = errors.integer("step", step, ge=0)
    return _theta_moments(system.F, system.g, system.noise, system.z0, step)


def system_steady_loss(problem: NQMProblem, system: LinearSystem) -> float:
    """lim_k of the expected loss, ½Σ w h z*_output (the factored steady state); inf unless every dimension is stable.

    Stable: Jury's conditions on F's characteristic polynomial, p(1) > 0, p(−1) > 0 and |det F| < 1.
    """
    stable = (system.at_one > 0) & (system.at_minus_one > 0) & (np.abs(system.det) < 1)
    if not np.all(stable):
        return float("inf")
    return problem.loss(system.steady[:, system.output])


def system_loss(problem: NQMProblem, system: LinearSystem, steps) -> np.ndarray:
    """Exact expected loss ½Σ w h E(output)² after each of ``steps`` steps, by binary powering of the moment map."""
    return _losses(system.F, system.g, system.noise, system.z0, problem.weight, system.output, _steps(steps))


def momentum_loss(problem: NQMProblem, *, lr: float, batch: int, momentum: float, steps,
                  precond: float = 0.0) -> np.ndarray:
    """Exact expected loss of heavy-ball momentum (m' = βm + g, θ' = θ − αH^{−p}m', m_0 = 0) after ``steps``."""
    return system_loss(problem, momentum_system(problem, lr=lr, batch=batch, momentum=momentum, precond=precond),
                       steps)


def ema_loss(problem: NQMProblem, *, lr: float, batch: int, ema_decay: float, steps,
             precond: float = 0.0) -> np.ndarray:
    """Exact expected loss at the EMA θ̃ (θ̃' = γθ̃ + (1 − γ)θ', θ̃_0 = θ_0) of SGD iterates after ``steps``."""
    return system_loss(problem, ema_system(problem, lr=lr, batch=batch, ema_decay=ema_decay, precond=precond),
                       steps)
