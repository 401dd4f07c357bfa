"""The figure gallery: one module per figure, each with ``compute(**parameters)`` (data) and ``plot(data)`` (a Figure).

A figure's parameters are the keyword arguments of its ``compute`` (their defaults draw the gallery, see
``figures/README.md``); :func:`parameters` lists them, and the data ``compute`` returns holds the values it used
under ``"parameters"``, so that ``plot`` draws any of them. :func:`regenerate` rebuilds figures as PNG and PDF,
with their data beside them on request (:func:`write_data`: JSON, and CSV for tables). Backends come from the
environment (``MPLBACKEND=Agg`` on headless machines); library code never calls ``matplotlib.use``.
"""

import csv
import inspect
import json
from pathlib import Path

from batchlab.figures import (
    linreg_bias_variance,
    linreg_cbs_model_size,
    linreg_cbs_scaling,
    linreg_cbs_steps,
    linreg_lr_over_batch,
    linreg_strategies,
    nqm_ema,
    nqm_gauss_newton,
    nqm_momentum,
    nqm_noise_scale,
    nqm_schedules,
    nqm_sgd_steps,
    scg_bound,
    scg_muon,
    scg_problems,
    scg_restart,
    scg_step_size,
    scg_ucurve,
    sfo_cbs,
    sfo_growth,
)
from batchlab.figures._save import save
from batchlab.figures._ticks import label_log_axes
from batchlab.sim.errors import InvalidParameter, writable_folder
from batchlab.sim.progress import bar
from batchlab.sim.results import jsonable
from batchlab.sim.sweep import DEFAULT, resolve_cache

REGISTRY = {module.NAME: module for module in (linreg_lr_over_batch, linreg_bias_variance, linreg_cbs_steps,
                                                linreg_cbs_scaling, linreg_cbs_model_size, linreg_strategies,
                                                nqm_sgd_steps, nqm_momentum, nqm_ema, nqm_noise_scale, nqm_schedules,
                                                nqm_gauss_newton, scg_ucurve, scg_bound, scg_step_size, scg_restart,
                                                scg_problems, scg_muon, sfo_cbs, sfo_growth)}


def _module(name: str):
    if name not in REGISTRY:
        raise InvalidParameter("only", "one of " + ", ".join(REGISTRY), name)
    return REGISTRY[name]


def describe(name: str) -> dict:
    """Figure ``name``'s title (its docstring's first line) and :func:`parameters`, as ``figures --list`` shows."""
    return {"title": _module(name).__doc__.strip().splitlines()[0], "parameters": parameters(name)}


def parameters(name: str) -> dict:
    """The parameters of figure ``name`` and their defaults (the gallery's values)."""
    return {key: p.default for key, p in inspect.signature(_module(name).compute).parameters.items()}


def _parse(key: str, text: str, default):
    """``text`` as a value of the default's type: a number, a word, or comma-separated numbers for a tuple."""
    kind = type(default)
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if isinstance(default, (tuple, list)):
            item = type(default[0]) if default else float
            return kind(item(float(v)) if item is int and float(v).is_integer() else item(v)
                        for v in text.split(","))
        if isinstance(default, int):
            value = float(text)
            if not value.is_integer():
                raise ValueError
            return int(value)
        return kind(text)
    except ValueError:
        shape = "comma-separated numbers" if isinstance(default, (tuple, list)) else kind.__name__
        raise InvalidParameter("set", f"{key}=<{shape}> (default {key}={show_value(default)})", text) from None


def show_value(value) -> str:
    """A parameter value as ``--set`` takes it (tuples as comma-separated values)."""
    return ",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def parse_assignments(name: str, assignments) -> dict:
    """``["a=2", "dim=4000"]`` as parameters of figure ``name``, each converted to its default's type."""
    defaults, out = parameters(name), {}
    for assignment in assignments or ():
        key, sep, text = assignment.partition("=")
        if not sep or key not in defaults:
            known = ", ".join(f"{k}={show_value(v)}" for k, v in defaults.items())
            raise InvalidParameter("set", f"KEY=VALUE with KEY a parameter of {name} ({known})", assignment)
        out[key] = _parse(key, text, defaults[key])
    return out


def compute(name: str, **overrides) -> dict:
    """The data of figure ``name`` at its defaults with ``overrides``."""
    return _module(name).compute(**overrides)


def write_data(data: dict, out_dir, name: str) -> list[Path]:
    """``name``.json (the whole data, JSON-safe.

    Missing values are null) and, for a figure whose data is a table (a ``rows`` list of flat dicts), ``name``.csv;
    return the paths.
    """
    out_dir = Path(out_dir)
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(jsonable(data), allow_nan=False, indent=1) + "\n")
    paths = [path]
    rows = data.get("rows")
    if rows and all(isinstance(row, dict) and not any(isinstance(v, (dict, list, tuple)) for v in row.values())
                    for row in rows):
        table = out_dir / f"{name}.csv"
        with table.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows([jsonable(row) for row in rows])
        paths.append(table)
    return paths


def check_out_dir(out_dir) -> Path:
    """``out_dir``, created if need be; a one-line error before any work if it cannot be written."""
    return writable_folder("out", out_dir)


def single(names) -> str:
    """The one figure that parameter overrides (``--set``) apply to: InvalidParameter unless ``names`` holds one."""
    if len(names) != 1:
        raise InvalidParameter("set", "used with exactly one figure (--only NAME)", f"{len(names)} figures")
    return names[0]


def draw(name: str, data: dict):
    """The figure ``name`` drawn from its ``data`` (what its ``compute`` returns), as the gallery saves it.

    The module's ``plot``, then :func:`batchlab.figures._ticks.label_log_axes`: every log axis with at least three
    labelled ticks.
    """
    fig = REGISTRY[name].plot(data)
    label_log_axes(fig)
    return fig


def regenerate(out_dir, names=None, *, overrides=None, data: bool = False) -> list[Path]:
    """Compute and save the named figures (all by default); return the written paths.

    ``overrides``: parameters of the one figure named; ``data``: also write each figure's data (:func:`write_data`).
    """
    import matplotlib.pyplot as plt

    names = list(REGISTRY) if names is None else list(names)
    for name in names:
        _module(name)
    if overrides:
        single(names)
    out_dir = check_out_dir(out_dir)
    resolve_cache(DEFAULT)  # the figures' sweeps use the default cache: check it before any work too
    written = []
    for name in bar(names, desc="figures"):
        values = compute(name, **(overrides or {}))
        fig = draw(name, values)
        written += save(fig, out_dir, name)
        plt.close(fig)
        if data:
            written += write_data(values, out_dir, name)
    return written
