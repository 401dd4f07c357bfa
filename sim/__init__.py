"""batchlab's simulators and measurement: what the dynamics actually do.

One subpackage per system, loaded on first use: :mod:`batchlab.sim.linreg` (power-law linear regression),
:mod:`batchlab.sim.nqm` (the noisy quadratic model), :mod:`batchlab.sim.scg` (stochastic conditional gradient);
:mod:`batchlab.sim.sfo` measures the SFO-complexity results on the first two.

The toolkit every system shares (each loads on first use, as ``bl.sim.sweep``, so importing one is cheap):

* :mod:`~batchlab.sim.errors`: validation, one-line errors naming the parameter and its valid range;
* :mod:`~batchlab.sim.results`: the JSON convention of every result (``to_dict()``, None for what does not exist);
* :mod:`~batchlab.sim.seeding`: one reproducible stream per replicate;
* :mod:`~batchlab.sim.montecarlo`: the Monte Carlo result every system returns;
* :mod:`~batchlab.sim.targets`: steps to a target along a loss path;
* :mod:`~batchlab.sim.tuning`: hyperparameter tuning (log-grid then Brent);
* :mod:`~batchlab.sim.critical_batch`: every published CBS definition from one steps-against-batch curve;
* :mod:`~batchlab.sim.parallel`, :mod:`~batchlab.sim.sweep`, :mod:`~batchlab.sim.progress`: where work runs,
  parallel cached sweeps, progress bars.
"""

import importlib

__all__ = ["critical_batch", "errors", "montecarlo", "parallel", "progress", "results", "seeding", "sweep",
           "targets", "tuning"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"batchlab.sim.{name}")
    raise AttributeError(f"module 'batchlab.sim' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
