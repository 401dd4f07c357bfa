"""Figure saving is deterministic; every registered figure module has the compute/plot interface, draws for
other parameters than the gallery's and writes its data."""

import csv
import json

import matplotlib.pyplot as plt
import pytest

from batchlab.cli import main
from batchlab.figures import REGISTRY, parameters, parse_assignments
from batchlab.figures._save import save
from batchlab.figures._ticks import label_log_axes


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
    # dim = 100: the standard quadratic's U-curves, which test_scg_ucurve measures too (one sweep, the session cache)
    "scg_problems": dict(dim=100, matrix_dim=3, logistic_dim=3, logistic_examples=8, reps=2),
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
    records the parameters it was computed with; every axis as saved has three labelled ticks. Sweeps go to the
    session's cache, where a claim test of the same measurement finds them."""
    unreadable = []

    def save_and_look(fig, out_dir, figure_name):  # as saved: every axis of every panel reads at a glance
        unreadable.extend(unreadable_axes(fig))
        return save(fig, out_dir, figure_name)

    monkeypatch.setattr("batchlab.figures.save", save_and_look)
    assignments = [f"{key}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for key, v in SMALL[name].items()]
    assert parse_assignments(name, assignments) == SMALL[name]
    assert main(["figures", "--out", str(tmp_path), "--only", name, "--set", *assignments, "--data"]) == 0
    assert unreadable == []
    written = {path.name for path in tmp_path.iterdir()}
    assert {f"{name}.png", f"{name}.pdf", f"{name}.json"} <= written
    data = json.loads((tmp_path / f"{name}.json").read_text())
    assert data["parameters"] == {**parameters(name), **SMALL[name]} | {
        k: list(v) for k, v in {**parameters(name), **SMALL[name]}.items() if isinstance(v, tuple)}
    if "rows" in data:
        with (tmp_path / f"{name}.csv").open() as handle:
            assert len(list(csv.DictReader(handle))) == len(data["rows"])


def labelled_ticks(axis) -> list[tuple[float, str]]:
    """(value, text) of the tick labels of ``axis`` (major and minor) inside its view that have some text."""
    low, high = sorted(axis.get_view_interval())
    index = 0 if axis.axis_name == "x" else 1
    labels = [(label.get_position()[index], label.get_text()) for label in axis.get_ticklabels(which="both")]
    return [(value, text) for value, text in labels if text and low <= value <= high]


def unreadable_axes(fig) -> list[str]:
    """Every axis of ``fig`` with ticks but fewer than three labelled ones, or labels like '4×10⁰' for numbers
    that read better plain (0.001 to 10⁵), as "panel title: axis [labels]". An axis sharing its neighbour's
    labels (``sharey``) is read there."""
    fig.canvas.draw()
    found = []
    for ax in fig.axes:
        for axis, side in ((ax.xaxis, ("labelbottom", "labeltop")), (ax.yaxis, ("labelleft", "labelright"))):
            shown = axis.get_tick_params(which="major")
            if not (ax.axison and axis.get_visible() and axis.get_ticklocs().size and any(shown[k] for k in side)):
                continue
            labels = labelled_ticks(axis)
            if len(labels) < 3 or any("times10" in text and 1e-3 <= value < 1e5 for value, text in labels):
                found.append(f"{ax.get_title() or ax.get_label()}: {axis.axis_name} {[t for _, t in labels]}")
    return found


@pytest.mark.parametrize("low, high", [(1.2, 4.5), (0.0011, 0.012), (10.0, 90.0), (30.0, 41.0), (20.0, 5e4)])
def test_a_log_axis_over_a_short_range_gets_three_plain_labels(low, high):
    """Matplotlib labels a log axis at its decades: 1.2-4.5 read '2×10⁰ 3×10⁰ 4×10⁰' (linreg_cbs_scaling), 30-41
    had no label at all."""
    def drawn(mend):
        fig, ax = plt.subplots()
        ax.plot([1, 2], [low, high])
        ax.set(yscale="log", ylim=(low, high))
        if mend:
            label_log_axes(fig)
        return fig

    default, mended = drawn(False), drawn(True)
    assert unreadable_axes(mended) == []
    if (low, high) in ((1.2, 4.5), (30.0, 41.0)):
        assert unreadable_axes(default) != []  # what the helper mends: the check can fail
    plt.close(default)
    plt.close(mended)


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
