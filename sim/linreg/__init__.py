"""Mini-batch SGD on Gaussian (power-law) linear regression: exact and Monte Carlo engines.

Conventions everywhere: excess risk (w − w*)ᵀH(w − w*) with no factor ½; one pass over
``samples`` = D examples in batches of B (n = D/B steps); w_0 = 0; the averaged iterate is
the paper's w̄ = (1/n)Σ_{t=0}^{n−1} w_t.
"""

from batchlab.sim.linreg._asymptotic import (
                                     COROLLARY8_EXPONENTS,
                                     SlopeConvergence,
                                     corollary8_batches,
                                     local_slopes,
                                     measure_corollary8,
                                     slope_convergence,
)
from batchlab.sim.linreg._cbs import (
                                     DEFINITIONS,
                                     ITERATES,
                                     CBSMeasurement,
                                     CBSScaling,
                                     LrSearch,
                                     default_batches,
                                     measure_cbs,
                                     measure_cbs_scaling,
                                     tuned_risk,
                                     tuned_risks,
                                     tuned_steps,
                                     tuned_steps_each,
)
from batchlab.sim.linreg._cost import check_memory, estimated_seconds
from batchlab.sim.linreg._engines import (
                                     METHODS,
                                     exact_risk,
                                     final_risk,
                                     final_risks,
                                     steps_to,
                                     steps_to_each,
                                     strategy_final_risk,
                                     strategy_steps_to,
)
from batchlab.sim.linreg._exact import ExactRisk, RiskPath, risk_path
from batchlab.sim.linreg._gradient_norm import GradientNormRun, mean_gradient_norm, steps_to_gradient_norm
from batchlab.sim.linreg._growth import growth_sfo
from batchlab.sim.linreg._montecarlo import MonteCarloRisk, Replicates, monte_carlo_risk
from batchlab.sim.linreg._problem import BLOWUP_FACTOR, LinRegProblem, one_pass_steps
from batchlab.sim.linreg._spectral import SpectralMap, spectral_map
from batchlab.sim.linreg._strategies import (
                                     AVERAGES,
                                     MOMENTA,
                                     SCHEDULES,
                                     WSD_DECAYS,
                                     Strategy,
                                     StrategyMonteCarlo,
                                     StrategyPath,
                                     strategy_monte_carlo,
                                     strategy_path,
)
from batchlab.sim.linreg._strategy_comparison import (
                                     COMPARED,
                                     PAPER_STRATEGIES,
                                     StrategyComparison,
                                     compare_strategies,
)
from batchlab.sim.linreg._strategy_tuning import (
                                     EmaSearch,
                                     StrategyTuned,
                                     tune_strategy,
                                     tuned_strategy_risk,
                                     tuned_strategy_steps,
)
from batchlab.theory.linreg import cbs_exponent, ms_stability_limit  # the theory most used beside the engines

__all__ = ["AVERAGES", "BLOWUP_FACTOR", "CBSMeasurement", "CBSScaling", "COMPARED", "COROLLARY8_EXPONENTS",
           "DEFINITIONS", "EmaSearch", "ExactRisk", "GradientNormRun", "ITERATES", "LinRegProblem", "LrSearch",
           "METHODS", "MOMENTA", "MonteCarloRisk", "PAPER_STRATEGIES", "Replicates", "RiskPath", "SCHEDULES",
           "SlopeConvergence", "SpectralMap", "Strategy", "StrategyComparison", "StrategyMonteCarlo", "StrategyPath",
           "StrategyTuned", "WSD_DECAYS", "cbs_exponent", "check_memory", "compare_strategies", "corollary8_batches",
           "default_batches", "estimated_seconds", "exact_risk", "final_risk", "final_risks", "growth_sfo",
           "local_slopes", "mean_gradient_norm", "measure_cbs", "measure_cbs_scaling", "measure_corollary8",
           "monte_carlo_risk", "ms_stability_limit", "one_pass_steps", "risk_path", "slope_convergence",
           "spectral_map", "steps_to", "steps_to_each", "steps_to_gradient_norm", "strategy_final_risk",
           "strategy_monte_carlo", "strategy_path", "strategy_steps_to", "tune_strategy", "tuned_risk", "tuned_risks",
           "tuned_steps", "tuned_steps_each", "tuned_strategy_risk", "tuned_strategy_steps"]
