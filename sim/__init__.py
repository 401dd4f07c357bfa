"""batchlab's simulators and measurement: what the dynamics actually do.

One subpackage per system: :mod:`batchlab.sim.linreg` (power-law linear regression), :mod:`batchlab.sim.nqm`
(the noisy quadratic model), :mod:`batchlab.sim.scg` (stochastic conditional gradient);
:mod:`batchlab.sim.sfo` measures the SFO-complexity results on the first two. Shared pieces:
:mod:`batchlab.sim.seeding`, :mod:`batchlab.sim.parallel`, :mod:`batchlab.sim.errors`, and the measurement
toolkit every system uses: :mod:`batchlab.sim.targets` (steps to a target), :mod:`batchlab.sim.tuning`
(hyperparameter tuning), :mod:`batchlab.sim.critical_batch` (the CBS definitions) and :mod:`batchlab.sim.sweep`
(parallel cached sweeps).
"""
