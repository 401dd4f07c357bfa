"""batchlab: what batch size, and why? Batch-size scaling theory held against exact computation and simulation.

``import batchlab as bl``, then one namespace per system, each holding its problems, exact and Monte
Carlo engines, measurements and the theory's predictions:

* ``bl.linreg``: mini-batch SGD on power-law linear regression (Zhang et al. 2024);
* ``bl.nqm``: the noisy quadratic model (Zhang et al. 2019);
* ``bl.scg``: stochastic conditional gradient under μ-KL (Islamov et al. 2026);
* ``bl.sfo``: the SFO-complexity results of the related work (the Iiduka group's critical batch size and growth
  schedules), measured on the NQM and linear-regression engines.

The layers behind them: ``bl.theory`` (closed forms and bounds), ``bl.sim`` (engines and the shared
measurement toolkit), ``bl.figures`` (the gallery) and ``bl.paper_checks``. Submodules load on first
use, so ``import batchlab`` is cheap. The command line is ``batchlab`` (or ``python -m batchlab``).
"""

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("batchlab")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

_SUBMODULES = {"linreg": "batchlab.sim.linreg", "nqm": "batchlab.sim.nqm", "scg": "batchlab.sim.scg",
               "sfo": "batchlab.sim.sfo", "sim": "batchlab.sim", "theory": "batchlab.theory",
               "figures": "batchlab.figures", "paper_checks": "batchlab.paper_checks"}

__all__ = ["InvalidParameter", "__version__", *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    if name == "InvalidParameter":
        return importlib.import_module("batchlab.sim.errors").InvalidParameter
    raise AttributeError(f"module 'batchlab' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
