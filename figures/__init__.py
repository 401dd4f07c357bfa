"""The figure gallery: one module per figure, each with ``compute()`` (data) and ``plot(data)`` (a Figure).

``regenerate(out_dir)`` rebuilds every registered figure as PNG and PDF. Backends come
from the environment (``MPLBACKEND=Agg`` on headless machines); library code never
calls ``matplotlib.use``.
"""

import sys

import matplotlib.pyplot as plt
from tqdm import tqdm

from batchlab.figures import (
    linreg_bias_variance,
    linreg_cbs_scaling,
    linreg_cbs_steps,
    linreg_lr_over_batch,
    nqm_ema,
    nqm_momentum,
    nqm_noise_scale,
    nqm_schedules,
    nqm_sgd_steps,
    scg_bound,
    scg_problems,
    scg_restart,
    scg_step_size,
    scg_ucurve,
)
from batchlab.figures._save import save
from batchlab.sim.errors import InvalidParameter

REGISTRY = {module.NAME: module for module in (linreg_lr_over_batch, linreg_bias_variance, linreg_cbs_steps,
                                                linreg_cbs_scaling, nqm_sgd_steps, nqm_momentum, nqm_ema,
                                                nqm_noise_scale, nqm_schedules, scg_ucurve, scg_bound, scg_step_size,
                                                scg_restart, scg_problems)}


def regenerate(out_dir, names=None) -> list:
    """Compute and save the named figures (all by default); return the written paths."""
    names = list(REGISTRY) if names is None else list(names)
    unknown = [name for name in names if name not in REGISTRY]
    if unknown:
        raise InvalidParameter("only", "one of " + ", ".join(REGISTRY), unknown[0])
    written = []
    for name in tqdm(names, desc="figures", file=sys.stderr, disable=None):
        module = REGISTRY[name]
        fig = module.plot(module.compute())
        written += save(fig, out_dir, name)
        plt.close(fig)
    return written
