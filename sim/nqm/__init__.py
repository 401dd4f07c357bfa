"""The noisy quadratic model (Zhang et al. 2019): exact and Monte Carlo engines for SGD with a power
preconditioner, heavy-ball and Nesterov momentum and an exponential moving average of the iterates.

Conventions: loss ½ Σ h_i θ_i² (with the factor ½, as in the paper), expected over θ(0) and the
gradient noise; a step is one stochastic-gradient update with a batch of B; P = H^{−p}.
"""

from sim.nqm._crossing import closed_form_loss, system_steps_to_target
from sim.nqm._curve import (NOTEBOOK_LRS, PAPER_BATCHES, StepsCurve, sgd_curves, stability_cap,
                             tuned_sgd_steps)
from sim.nqm._exact import MAX_STEPS, sgd_loss, sgd_second_moments, sgd_steady_loss, sgd_steps_to_target
from sim.nqm._linear import (LinearSystem, affine_power, ema_loss, ema_system, moment_map, momentum_loss,
                             momentum_system, nesterov_system, system_loss)
from sim.nqm._montecarlo import NQMMonteCarlo, sgd_monte_carlo, system_monte_carlo
from sim.nqm._problem import NQMProblem

__all__ = ["MAX_STEPS", "NOTEBOOK_LRS", "LinearSystem", "NQMMonteCarlo", "NQMProblem", "PAPER_BATCHES", "StepsCurve",
           "affine_power", "closed_form_loss", "ema_loss", "ema_system", "moment_map", "momentum_loss",
           "momentum_system", "nesterov_system", "sgd_curves", "sgd_loss", "sgd_monte_carlo", "sgd_second_moments",
           "sgd_steady_loss", "sgd_steps_to_target", "stability_cap", "system_loss", "system_monte_carlo",
           "system_steps_to_target", "tuned_sgd_steps"]
