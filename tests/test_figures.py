"""Figure saving is deterministic; every registered figure module has the compute/plot interface, draws for
other parameters than the gallery's and writes its data."""

import csv
import json

import matplotlib.pyplot as plt
import pytest

from batchlab.cli import main
from batchlab.figures import REGISTRY, parameters, parse_assignments
from batchlab.figures._save import save


def test_saved_files_are_byte_identical_for_identical_data(tmp_path):
    paths = []
    for run in ("first", "second"):
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        paths.append(save(fig, tmp_path / run, "demo"))
        plt.close(fig)
    for first, second in zip(*paths):
        assert first.read_bytes() == second.read_bytes()
    assert [p.suffix for p in paths[0]] == [".png", ".pdf"]


def test_registry_modules_expose_the_interface():
    for name, module in REGISTRY.items():
        assert module.NAME == name and callable(module.compute) and callable(module.plot)
        assert module.__doc__.strip()


# Small parameters for every figure: each computes in seconds, through the same code as the gallery.
SMALL = {
    "linreg_lr_over_batch": dict(dim=20, samples=64, batches=(1, 8), mc_points=2, mc_reps=4),
    "linreg_bias_variance": dict(a=(1.5,), b=(2.5,), dim=(50,), samples=(64, 128, 256)),
    "linreg_cbs_steps": dict(dim=20, samples=96),
    "linreg_cbs_scaling": dict(a=(1.5,), b=(2.5,), exponents=(8, 10, 12), strategies=("uniform", "ewa")),
    "linreg_cbs_model_size": dict(dim="30", samples=(96, 384), model_dims=(4, 16), powers=(0.5, 1.0), slope_from=4),
    "linreg_strategies": dict(dim="20", samples=192, scaling_samples=(96, 192), momenta=(0.9,)),
    "nqm_sgd_steps": dict(dim=200, preconds=(0.0,), batches=(4, 64, 1024)),
    "nqm_momentum": dict(dim=200, preconds=(0.0,), batches=(4, 1024)),
    "nqm_ema": dict(dim=200, preconds=(0.0,), batches=(4, 1024)),
    "nqm_noise_scale": dict(dim=200, preconds=(0.0,)),
    "nqm_schedules": dict(dim=200, preconds=(0.0,), batches=(4, 1024), pieces=2, shape_batches=(4,), shape_pieces=3),
    "scg_ucurve": dict(dim=10, tokens=(2**10, 2**12), bs=(4, 16, 64, 256), c_grid=(0.5, 1, 2), reps=4),
    "scg_bound": dict(dim=10, tokens=2**10, bs=(4,), c=(0.5,), alpha=(0.2,), lmos=("l2",), reps=4),
    "scg_step_size": dict(dim=10, tokens=(2**10, 2**12), bs=(4, 16, 64, 256), c_grid=(0.5, 1, 2), reps=4,
                          alphas=(0.1, 1.0)),
    "scg_restart": dict(dim=10, tokens=(2**10, 2**12), bs=(4, 16, 64, 256), c_grid=(0.5, 1, 2), reps=4,
                        tokens_from=2**10, tokens_to=2**12, restart_reps=4),
    "scg_problems": dict(dim=10, matrix_dim=3, logistic_dim=3, logistic_examples=8, reps=2),
    "nqm_gauss_newton": dict(dim=200, targets=(0.01,), batches=(4, 64, 1024)),
    "scg_muon": dict(dim=3, targets=(0.15, 0.1), batches=(1, 4, 16, 64), beyond_target=0.05,
                     beyond_batches=(1, 16), reps=4),
    "sfo_cbs": dict(dim=100, targets=(1e-2, 1e-3)),
    "sfo_growth": dict(nqm_targets=(0.1,), linreg_targets=(0.1,), dim=20, batch_factors=(2.0,)),
}


def test_every_figure_has_small_parameters_here():
    assert set(SMALL) == set(REGISTRY)
    for name, small in SMALL.items():
        assert set(small) <= set(parameters(name)), name


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SMALL))
def test_every_figure_draws_for_other_parameters_and_writes_its_data(name, tmp_path, monkeypatch):
    """compute(**small) → plot → PNG, PDF and JSON (CSV for tables) through the CLI's --set and --data; the data
    records the parameters it was computed with."""
    monkeypatch.setenv("BATCHLAB_CACHE", str(tmp_path / "cache"))
    assignments = [f"{key}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for key, v in SMALL[name].items()]
    assert parse_assignments(name, assignments) == SMALL[name]
    assert main(["figures", "--out", str(tmp_path), "--only", name, "--set", *assignments, "--data"]) == 0
    written = {path.name for path in tmp_path.iterdir()}
    assert {f"{name}.png", f"{name}.pdf", f"{name}.json"} <= written
    data = json.loads((tmp_path / f"{name}.json").read_text())
    assert data["parameters"] == {**parameters(name), **SMALL[name]} | {
        k: list(v) for k, v in {**parameters(name), **SMALL[name]}.items() if isinstance(v, tuple)}
    if "rows" in data:
        with (tmp_path / f"{name}.csv").open() as handle:
            assert len(list(csv.DictReader(handle))) == len(data["rows"])


def test_scg_figures_default_to_the_standard_experiment():
    from batchlab.sim.scg import STANDARD

    settings = STANDARD["settings"]
    for name in ("scg_ucurve", "scg_step_size", "scg_restart"):
        defaults = parameters(name)
        assert (defaults["alpha"], defaults["radius"], defaults["sigma_star"]) == \
            (settings.alpha, settings.radius, settings.sigma_star)
        assert [list(defaults[k]) for k in ("tokens", "bs", "c_grid")] == [list(STANDARD[k]) for k in
                                                                              ("tokens", "bs", "c_grid")]
        assert (defaults["reps"], defaults["seed"]) == (STANDARD["reps"], STANDARD["seed"])


def test_bad_figure_parameters_are_one_line_errors(tmp_path, capsys):
    for argv, flag in ((["--only", "nqm_ema", "--set", "dim=x"], "dim=<int>"),
                       (["--only", "nqm_ema", "--set", "nope=1"], "KEY=VALUE"),
                       (["--set", "dim=3"], "exactly one figure"),
                       (["--only", "nope"], "--only")):
        assert main(["figures", "--out", str(tmp_path), *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and flag in err, err
    unwritable = tmp_path / "file"
    unwritable.write_text("")
    assert main(["figures", "--out", str(unwritable / "sub"), "--only", "scg_bound"]) == 2
    assert "--out" in capsys.readouterr().err
