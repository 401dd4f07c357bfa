"""Mini-batch SGD on Gaussian (power-law) linear regression: exact and Monte Carlo engines.

Conventions everywhere: excess risk (w − w*)ᵀH(w − w*) with no factor ½; one pass over
``samples`` = D examples in batches of B (n = D/B steps); w_0 = 0; the averaged iterate is
the paper's w̄ = (1/n)Σ_{t=0}^{n−1} w_t.
"""

from batchlab.sim.linreg._asymptotic import (
                                     SlopeConvergence,
                                     corollary8_batches,
                                     local_slopes,
                                     measure_corollary8,
                                     slope_convergence,
)
from batchlab.sim.linreg._cbs import (
                              DEFINITIONS,
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
from batchlab.sim.linreg._engines import METHODS, exact_risk, final_risk, final_risks, steps_to, steps_to_each
from batchlab.sim.linreg._exact import ExactRisk, RiskPath, risk_path
from batchlab.sim.linreg._montecarlo import MonteCarloRisk, Replicates, monte_carlo_risk
from batchlab.sim.linreg._problem import BLOWUP_FACTOR, LinRegProblem, one_pass_steps
from batchlab.sim.linreg._spectral import SpectralMap, spectral_map
from batchlab.sim.linreg._strategies import (
                                     Strategy,
                                     StrategyMonteCarlo,
                                     StrategyPath,
                                     strategy_monte_carlo,
                                     strategy_path,
)
from batchlab.theory.linreg import cbs_exponent, ms_stability_limit  # the theory most used beside the engines

__all__ = ["BLOWUP_FACTOR", "cbs_exponent", "ms_stability_limit", "CBSMeasurement", "CBSScaling", "DEFINITIONS",
           "ExactRisk", "LinRegProblem", "LrSearch", "METHODS", "MonteCarloRisk", "Replicates", "RiskPath",
           "SlopeConvergence", "SpectralMap", "Strategy", "StrategyMonteCarlo", "StrategyPath", "corollary8_batches",
           "default_batches", "exact_risk", "final_risk", "final_risks", "local_slopes", "measure_cbs",
           "measure_cbs_scaling", "measure_corollary8", "monte_carlo_risk", "one_pass_steps", "risk_path",
           "slope_convergence", "spectral_map", "steps_to", "steps_to_each", "strategy_monte_carlo", "strategy_path",
           "tuned_risk", "tuned_risks", "tuned_steps", "tuned_steps_each"]
