"""The SFO-complexity results of the related work, measured on the NQM and linear-regression engines.

* :func:`measure_sfo_cbs`: the critical batch size b* = argmin B·K(B) of constant-step SGD against the template's
  2Y/ε ([Sato 2025], [Iiduka]; :mod:`batchlab.theory.sfo`).
* :func:`compare_growth`: stagewise growth of batch size and learning rate against the best constant ones, in
  stochastic gradients to a target ([Umeda 2025]).
"""

from batchlab.sim.sfo._cbs import SFOConstants, SFOMeasurement, SFOTarget, batch_grid, measure_sfo_cbs
from batchlab.sim.sfo._growth import FACTORS, GrowthComparison, GrowthPoint, compare_growth

__all__ = ["FACTORS", "GrowthComparison", "GrowthPoint", "SFOConstants", "SFOMeasurement", "SFOTarget", "batch_grid",
           "compare_growth", "measure_sfo_cbs"]
