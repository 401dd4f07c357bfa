"""The noisy quadratic model (Zhang et al. 2019).

Exact and Monte Carlo engines for SGD with a power preconditioner, heavy-ball and Nesterov momentum and an exponential
moving average of the iterates, under constant, piecewise-constant, per-step or growth schedules of the learning rate
and batch size.

Conventions: loss ½ Σ h_i θ_i² (with the factor ½, as in the paper), expected over θ(0) and the
gradient noise; a step is one stochastic-gradient update with a batch of B; P = H^{−p}.
"""

from batchlab.sim.montecarlo import MonteCarlo
from batchlab.sim.nqm._crossing import closed_form_loss, grid_steps, system_steps_to_target
from batchlab.sim.nqm._curve import (
                             LR_GRIDS,
                             NOTEBOOK_KNOBS,
                             NOTEBOOK_LINEAR_LRS,
                             NOTEBOOK_LRS,
                             PAPER_BATCHES,
                             StepsCurve,
                             TunedSteps,
                             gradient_noise_path,
                             stability_cap,
                             steps_curves,
                             tuned_steps,
)
from batchlab.sim.nqm._exact import (
                             MAX_STEPS,
                             sgd_loss,
                             sgd_mean_gradient_norm,
                             sgd_second_moments,
                             sgd_steady_loss,
                             sgd_steps_to_gradient_norm,
                             sgd_steps_to_target,
)
from batchlab.sim.nqm._gauss_newton import PreconditionerGap, preconditioner_gap
from batchlab.sim.nqm._growth import growth_sfo
from batchlab.sim.nqm._linear import (
                             OPTIMIZERS,
                             SECOND_PARAMETER,
                             LinearSystem,
                             affine_power,
                             ema_loss,
                             ema_system,
                             linear_system,
                             moment_map,
                             momentum_loss,
                             momentum_system,
                             nesterov_system,
                             second_parameter,
                             system_loss,
                             system_second_moments,
                             system_steady_loss,
)
from batchlab.sim.nqm._montecarlo import estimated_seconds, sgd_monte_carlo, system_monte_carlo
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.nqm._schedule import (
                             OptimisedSchedule,
                             Schedule,
                             ScheduleCurve,
                             ScheduleSteps,
                             optimise_schedule,
                             schedule_cap,
                             schedule_curves,
                             schedule_loss,
                             schedule_monte_carlo,
                             schedule_steps,
)
from batchlab.theory.nqm import information_lower_bound_steps, stable_x_limit  # the theory most used beside them

__all__ = ["LR_GRIDS", "LinearSystem", "MAX_STEPS", "MonteCarlo", "NOTEBOOK_KNOBS", "NOTEBOOK_LINEAR_LRS",
           "NOTEBOOK_LRS", "NQMProblem", "OPTIMIZERS", "OptimisedSchedule", "PAPER_BATCHES", "PreconditionerGap",
           "SECOND_PARAMETER", "Schedule", "ScheduleCurve", "ScheduleSteps", "StepsCurve", "TunedSteps",
           "affine_power", "closed_form_loss", "ema_loss", "ema_system", "estimated_seconds", "gradient_noise_path",
           "grid_steps", "growth_sfo", "information_lower_bound_steps", "linear_system", "moment_map", "momentum_loss",
           "momentum_system", "nesterov_system", "optimise_schedule", "preconditioner_gap", "schedule_cap",
           "schedule_curves", "schedule_loss", "schedule_monte_carlo", "schedule_steps", "second_parameter",
           "sgd_loss", "sgd_mean_gradient_norm", "sgd_monte_carlo", "sgd_second_moments", "sgd_steady_loss",
           "sgd_steps_to_gradient_norm", "sgd_steps_to_target", "stability_cap", "stable_x_limit", "steps_curves",
           "system_loss", "system_monte_carlo", "system_second_moments", "system_steady_loss",
           "system_steps_to_target", "tuned_steps"]
