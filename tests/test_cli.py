"""The CLI contract: JSON shape, one-line errors with exit status 2, reproducibility."""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from batchlab.cli import build_parser, main
from batchlab.theory.linreg import ewa_cbs_exponent

from tolerances import ROUNDING_RTOL, assert_within_k_se, upper_limit

RISK = ["linreg", "risk", "--a", "1.5", "--b", "2", "--dim", "50", "--samples", "256", "--batch", "8", "--lr", "0.4"]
REQUIRED = {"last", "averaged", "tail_averaged", "bias", "variance", "method", "steps", "diverged"}


def run_json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object, nothing else on stdout
    return json.loads(out)


def with_changes(argv, change):
    """``argv`` with each flag's value replaced (or the flag appended)."""
    argv = list(argv)
    for key, value in change.items():
        if key in argv:
            argv[argv.index(key) + 1] = value
        else:
            argv += [key, value]
    return argv


def test_exact_json_shape(capsys):
    payload = run_json(capsys, RISK)
    assert REQUIRED <= payload.keys()
    assert payload["method"] == "exact" and payload["steps"] == 32 and payload["dim"] == 50
    assert payload["diverged"] is False and payload["sigma"] == 1.0
    assert payload["bias"] + payload["variance"] == pytest.approx(payload["averaged"], rel=ROUNDING_RTOL)


@pytest.mark.parametrize("method", ["mc", "mc-naive"])
def test_monte_carlo_json_shape_and_reproducibility(capsys, method):
    argv = RISK + ["--method", method, "--reps", "20", "--seed", "7"]
    first, second = run_json(capsys, argv), run_json(capsys, argv)
    assert REQUIRED | {"stderr_last", "stderr_averaged"} <= first.keys()
    assert first == second and first["method"] == method
    assert run_json(capsys, RISK + ["--method", method, "--reps", "20", "--seed", "8"]) != first


def test_model_dim_fits_the_first_features_with_the_rest_as_noise(capsys):
    """--model-dim N: the N-feature problem with the unlearned signal as label noise (tests/test_linreg_model_size.py
    holds it against a simulated learner); its risks are the model's, the unlearned part reported beside them."""
    whole = run_json(capsys, RISK)
    part = run_json(capsys, RISK + ["--model-dim", "10"])
    tail = sum(i**-2.0 for i in range(11, 51))
    assert part["model_dim"] == 10 and part["unlearned_risk"] == pytest.approx(tail, rel=1e-12)
    assert part["sigma"] == 1.0 and part["effective_sigma"] == pytest.approx(math.sqrt(1.0 + tail), rel=1e-12)
    assert part["averaged"] + part["unlearned_risk"] > whole["averaged"]  # the small model fits worse
    assert run_json(capsys, RISK + ["--model-dim", "50"])["averaged"] == pytest.approx(whole["averaged"], rel=1e-14)
    untruncated = run_json(capsys, with_changes(RISK, {"--dim": "inf", "--model-dim": "100000"}))
    assert untruncated["dim"] == "inf" and untruncated["model_dim"] == 100000 and untruncated["averaged"] > 0


def test_training_strategies_report_the_evaluated_point_and_the_last_iterate(capsys):
    """Any strategy flag runs batchlab.sim.linreg.Strategy: --strategy uniform is the plain run's average."""
    plain = run_json(capsys, RISK)
    uniform = run_json(capsys, RISK + ["--strategy", "uniform"])
    assert uniform["evaluated"] == pytest.approx(plain["averaged"], rel=1e-12)
    assert uniform["last"] == pytest.approx(plain["last"], rel=1e-12)
    ewa = run_json(capsys, RISK + ["--strategy", "ewa", "--ema-decay", "0.9", "--momentum", "0.3",
                                   "--schedule", "wsd", "--warmup", "0.1", "--decay", "0.3"])
    assert ewa["strategy"] == {"average": "ewa", "ema_decay": 0.9, "momentum": 0.3, "schedule": "wsd",
                               "warmup": 0.1, "decay": 0.3}
    argv = RISK + ["--schedule", "cosine", "--method", "mc-naive", "--reps", "400", "--seed", "1"]
    mc, exact = run_json(capsys, argv), run_json(capsys, RISK + ["--schedule", "cosine"])
    assert_within_k_se(mc["evaluated"], mc["stderr_evaluated"], exact["evaluated"])
    blown = run_json(capsys, RISK[:-1] + ["50", "--momentum", "0.5"])
    assert blown["diverged"] is True and blown["evaluated"] is None and blown["diverged_at"] >= 1


@pytest.mark.parametrize("change, flag", [({"--ema-decay": "1"}, "--ema-decay"), ({"--momentum": "-0.5"}, "--momentum"),
                                          ({"--warmup": "1"}, "--warmup"),
                                          ({"--schedule": "wsd", "--warmup": "0.5", "--decay": "0.6"}, "--decay"),
                                          ({"--momentum": "0.5", "--method": "spectral"}, "--method"),
                                          ({"--momentum": "0.5", "--method": "mc"}, "--method")])
def test_bad_strategies_name_the_flag(capsys, change, flag):
    assert main(with_changes(RISK, change)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err and "must be" in err


def test_diverged_run_is_null_not_nan(capsys):
    payload = run_json(capsys, RISK[:-1] + ["50"])
    assert payload["diverged"] is True and payload["averaged"] is None and payload["diverged_at"] >= 1


def test_human_readable_output(capsys):
    assert main(RISK) == 0
    assert "averaged" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, flag",
    [({"--lr": "-1"}, "--lr"), ({"--lr": "nan"}, "--lr"), ({"--batch": "0"}, "--batch"),
     ({"--samples": "100"}, "--samples"),
     ({"--dim": "0"}, "--dim"), ({"--a": "1"}, "--a"), ({"--a": "0.5"}, "--a"), ({"--b": "nan"}, "--b"),
     ({"--sigma": "-0.1"}, "--sigma"), ({"--samples": "0"}, "--samples"), ({"--model-dim": "0"}, "--model-dim"),
     ({"--model-dim": "51"}, "--model-dim")],
)
def test_bad_values_give_one_line_naming_the_parameter(capsys, change, flag):
    assert main(with_changes(RISK, change)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err and "must be" in err


@pytest.mark.parametrize("argv", [RISK + ["--method", "mc", "--reps", "1"], RISK + ["--method", "bogus"],
                                  RISK[:-2], RISK + ["--batch", "x"]])
def test_malformed_arguments_exit_2_with_one_line(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        status = main(argv)
        raise SystemExit(status)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_installed_console_script(tmp_path):
    beside_python = Path(sys.executable).with_name("batchlab")
    exe = str(beside_python) if beside_python.exists() else shutil.which("batchlab")
    assert exe, "the batchlab console script is not installed: pip install the package"
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert "linreg" in help_text and "figures" in help_text
    bad = subprocess.run([exe, *RISK[:-1], "0"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_figure_list_and_unknown_name(capsys, tmp_path):
    names = run_json(capsys, ["figures", "--list"])
    assert "linreg_lr_over_batch" in names and "linreg_bias_variance" in names
    assert main(["figures", "--out", str(tmp_path), "--only", "nope"]) == 2
    assert "--only" in capsys.readouterr().err


CBS = ["linreg", "cbs", "--a", "1.5", "--b", "2.5", "--dim", "60", "--samples", "768", "--lr-grid", "8"]


def test_cbs_json_contract(capsys, tmp_path):
    payload = run_json(capsys, CBS + ["--cache", str(tmp_path)])
    assert {"batch_sizes", "risk_lr", "risk", "steps", "cbs", "predicted_exponent", "definition"} <= payload.keys()
    assert payload["definition"] == "paper" and payload["cbs"] == payload["cbs_by_definition"]["paper"]
    assert payload["predicted_exponent"] == pytest.approx(0.4)
    n = len(payload["batch_sizes"])
    assert n >= 10 and len(payload["risk"]) == len(payload["risk_lr"]) == len(payload["steps"]) == n
    for definition in ("fit", "sfo", "noise"):  # served from the cache: the same numbers, another B*
        other = run_json(capsys, CBS + ["--cache", str(tmp_path), "--definition", definition])
        assert other["cbs"] == payload["cbs_by_definition"][definition] and other["risk"] == payload["risk"]


def test_cbs_human_readable_and_bad_input(capsys):
    assert main(CBS + ["--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "R_opt" in out and "B* (paper)" in out
    for change, flag in (({"--samples": "100", "--batches": "3"}, "--samples"), ({"--overhead": "1"}, "--overhead"),
                         ({"--target": "-1"}, "--target"), ({"--lr-grid": "2"}, "--lr-grid"),
                         ({"--max-overhead": "1.1"}, "--max-overhead"), ({"--workers": "0"}, "--workers")):
        assert main(with_changes(CBS, change) + ["--no-cache"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and flag in err, err


def test_cbs_scaling_json_and_its_agreement_with_cbs(capsys, tmp_path):
    argv = ["linreg", "cbs-scaling", "--a", "1.5", "--b", "2.5", "--dim", "60", "--lr-grid", "8",
            "--cache", str(tmp_path)]
    payload = run_json(capsys, argv + ["--samples", "384", "768"])
    assert payload["samples"] == [384, 768] and len(payload["cbs"]) == 2 and payload["predicted_exponent"] == 0.4
    want = math.log(payload["cbs"][1] / payload["cbs"][0]) / math.log(2)
    assert payload["fitted_exponent"] == pytest.approx(want, rel=ROUNDING_RTOL)
    single = run_json(capsys, CBS[:-2] + ["--lr-grid", "8", "--cache", str(tmp_path)])  # D = 768, from the cache
    assert single["cbs"] == payload["cbs"][1]
    assert main(argv + ["--samples", "768"]) == 2 and "--samples" in capsys.readouterr().err


def test_cbs_of_a_strategy_tunes_what_it_leaves_open(capsys, tmp_path):
    """--strategy ewa tunes τ per batch size (default), --momentum tuned β on the paper's grid; a fixed value stays."""
    small = ["linreg", "cbs", "--a", "1.5", "--b", "2.5", "--dim", "30", "--samples", "192", "--lr-grid", "5",
             "--cache", str(tmp_path)]
    ewa = run_json(capsys, small + ["--strategy", "ewa", "--momentum", "tuned"])
    assert ewa["strategy"] == {"average": "ewa", "ema_decay": None, "momentum": None, "schedule": "constant",
                               "warmup": 0.0, "decay": None} and ewa["iterate"] == "ewa"
    chosen = ewa["hyperparameters"]["steps"]
    reached = [k for k, steps in enumerate(ewa["steps"]) if steps is not None]
    assert all(0 <= chosen["ema_decay"][k] < 1 and chosen["momentum"][k] in (0, 0.8, 0.9, 0.95, 0.975)
               for k in reached)
    fixed = run_json(capsys, small + ["--strategy", "ewa", "--ema-decay", "0.9"])
    assert {tau for tau in fixed["hyperparameters"]["risk"]["ema_decay"]} == {0.9}
    # What theory predicts for B*(D) is said only where a theorem does ("Corollary 8" was printed for every strategy)
    assert fixed["prediction"] == "Corollary 8 without its cap at b = 2a + 1 (EWA)"
    assert fixed["predicted_exponent"] == ewa_cbs_exponent(1.5, 2.5)
    assert ewa["prediction"] is None and ewa["predicted_exponent"] is None  # momentum tuned: no theorem
    wsd = run_json(capsys, small + ["--strategy", "last", "--schedule", "wsd"])
    assert set(wsd["hyperparameters"]["steps"]["decay"]) - {None} <= {0.1, 0.2, 0.3}
    assert all(h is None or h >= s for h, s in zip(wsd["hyperparameters"]["steps"]["horizon"], wsd["steps"]))
    assert wsd["prediction"] is None
    assert main(small + ["--strategy", "last", "--schedule", "cosine"]) == 0
    out = capsys.readouterr().out
    assert "horizon" in out  # the human table shows what was chosen
    assert "no theorem predicts how B* grows with D" in out and "Corollary 8" not in out
    plain = run_json(capsys, small + ["--strategy", "uniform"])  # a plain strategy is plain SGD's protocol
    assert plain["strategy"] is None and plain["cbs"] == run_json(capsys, small)["cbs"]
    assert plain["prediction"] == "Corollary 8" and plain["predicted_exponent"] == 0.4
    assert run_json(capsys, small + ["--iterate", "last"])["prediction"] is None


@pytest.mark.parametrize("argv, flag", [
    (["--strategy", "ewa", "--iterate", "last"], "--iterate"),
    (["--momentum", "often"], "--momentum"),
    (["--strategy", "ewa", "--ema-decay", "1"], "--ema-decay"),
    (["--schedule", "wsd", "--warmup", "0.8"], "--warmup"),
])
def test_bad_strategy_flags_for_the_protocol_are_one_line(capsys, argv, flag):
    with pytest.raises(SystemExit) as exit_info:  # argparse exits on a malformed value, main returns on the others
        raise SystemExit(main(CBS + ["--no-cache"] + argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err, err


def test_tuned_is_for_the_protocol_only(capsys):
    assert main(RISK + ["--strategy", "ewa", "--ema-decay", "tuned"]) == 2
    assert "--ema-decay: must be a number for a single run" in capsys.readouterr().err


def test_cli_definition_choices_are_the_librarys():
    from batchlab.sim.linreg import DEFINITIONS

    cbs = build_parser()._subparsers._group_actions[0].choices["linreg"]._subparsers._group_actions[0].choices["cbs"]
    (definition,) = [a for a in cbs._actions if a.dest == "definition"]
    assert tuple(definition.choices) == tuple(DEFINITIONS)


NQM = ["nqm", "steps", "--dim", "1000", "--binned", "--batch", "64"]


@pytest.mark.parametrize("extra, hyperparameter", [([], None), (["--optimizer", "momentum"], "momentum"),
                                         (["--optimizer", "nesterov", "--precond", "0.5"], "momentum"),
                                         (["--ema"], "ema_decay")])
def test_nqm_steps_contract(capsys, extra, hyperparameter):
    """The issue's keys, with the tuned β or γ under its own name, and loss_at_steps at or below the target."""
    payload = run_json(capsys, NQM + extra)
    assert {"steps", "lr", "loss_at_steps", "method"} <= payload.keys() and payload["method"] == "exact"
    assert payload["reached"] and payload["loss_at_steps"] <= payload["target"] < payload["loss_before"]
    if hyperparameter:
        assert 0 <= payload[hyperparameter] < 1
    # both keys in every payload: null where the optimiser has no such hyperparameter
    assert (payload["momentum"] is not None) == (hyperparameter == "momentum")
    assert (payload["ema_decay"] is not None) == (hyperparameter == "ema_decay")


def test_nqm_steps_monte_carlo_agrees_with_the_exact_loss(capsys):
    exact = run_json(capsys, NQM + ["--optimizer", "momentum"])
    mc = run_json(capsys, NQM + ["--optimizer", "momentum", "--method", "mc", "--reps", "400", "--seed", "3"])
    assert mc["steps"] == exact["steps"] and mc["method"] == "mc"
    assert_within_k_se(mc["loss_at_steps"], mc["stderr_loss_at_steps"], exact["loss_at_steps"])


def test_nqm_curve_contract(capsys, tmp_path):
    argv = ["nqm", "curve", "--dim", "1000", "--binned", "--optimizer", "momentum", "--batches", "4", "64", "1024",
            "16384", "--cache", str(tmp_path)]
    payload = run_json(capsys, argv)
    assert payload["batch_sizes"] == [4, 64, 1024, 16384] and len(payload["steps"]) == 4
    assert set(payload["cbs_by_definition"]) == {"paper", "fit", "fit-alpha", "sfo", "noise"}
    assert payload["cbs"] == payload["cbs_by_definition"]["paper"] and len(payload["momentum"]) == 4
    assert main(argv) == 0 and "CBS (paper)" in capsys.readouterr().out  # the table, from the cache


@pytest.mark.parametrize("change, flag", [({"--batch": "0"}, "--batch"), ({"--precond": "1.5"}, "--precond"),
                                          ({"--target": "-1"}, "--target"), ({"--dim": "1"}, "--dim"),
                                          ({"--optimizer": "momentum", "--ema": None}, "--ema")])
def test_nqm_bad_input_is_one_line_exit_2(capsys, change, flag):
    argv = list(NQM)
    for key, value in change.items():
        argv += [key] if value is None else [key, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("batchlab nqm steps: error: " + flag)


BST = ["scg", "bst", "--L", "7.2", "--mu", "3.1", "--rho", "62.7", "--sigma-star", "1", "--tokens", "1.3e9"]


def test_scg_bst_contract(capsys):
    """The issue's keys; the headline with the theorem's constants unless --no-constants; the other variant nested."""
    payload = run_json(capsys, BST)
    expected = {"bs_star", "iterations", "beta", "alpha", "error", "bs_noise_boundary", "bs_starved_boundary"}
    assert expected <= payload.keys()
    assert payload["theorem_constants"] and not payload["without_constants"]["theorem_constants"]
    assert payload["iterations"] * payload["bs_star"] == pytest.approx(1.3e9)
    assert payload["beta"] == pytest.approx(1.0 / payload["iterations"])
    short = run_json(capsys, BST + ["--no-constants"])
    assert short["bs_star"] == pytest.approx((1.3e9 * 3.1 * 62.7 / 7.2) ** (2 / 3))
    assert short["with_constants"]["bs_star"] == pytest.approx(payload["bs_star"])


def test_scg_bst_at_a_given_bs_names_the_regime_under_both_conventions(capsys):
    """--bs X evaluates eq. 34 at B·S = X: the regime is the largest term, and it moves through the three regimes
    as X grows past the noise boundary and BS* (with the theorem's constants; the short form has its own)."""
    payload = run_json(capsys, BST)
    regimes = []
    for bs in (payload["bs_noise_boundary"] / 10, payload["bs_star"] / 10, payload["bs_star"] * 10):
        at = run_json(capsys, BST + ["--bs", str(bs)])["at_bs"]
        assert at["bs"] == pytest.approx(bs) and set(at) == {"bs", "with_constants", "without_constants"}
        for convention in ("with_constants", "without_constants"):
            terms, largest = at[convention]["terms"], max(at[convention]["terms"].values())
            assert at[convention]["error"] == largest and terms[at[convention]["regime"]] == largest
        regimes.append(at["with_constants"]["regime"])
    assert regimes == ["noise-dominated", "flat", "iteration-starved"]
    assert main(BST + ["--bs", "2048"]) == 0 and "eq. 34 at B*S = 2048" in capsys.readouterr().out
    assert main(BST + ["--bs", "1e12"]) == 2 and "--bs" in capsys.readouterr().err


def test_scg_transfer_contract(capsys):
    """Table 3 of the paper: 124M → 1B with its L, μ, ρ and T₁/T₀ = 1000/124 gives B·S ×4.37 and β ×0.54."""
    argv = ["scg", "transfer", "--tokens-from", "124", "--tokens-to", "1000", "--batch", "256", "--seq", "1024",
            "--beta", "3.6e-4", "--L", "7.2", "10.6", "--mu", "3.1", "2.9", "--rho", "62.7", "111.9"]
    payload = run_json(capsys, argv)
    assert payload["bs"] / 2**18 == pytest.approx(4.37, abs=0.005)
    assert payload["beta"] / 3.6e-4 == pytest.approx(0.54, abs=0.005)
    assert payload["beta_times_iterations"] == pytest.approx(payload["beta_times_iterations_from"])
    sqrt_rule = run_json(capsys, argv[:-9] + ["--rule", "sqrt"])
    assert sqrt_rule["bs"] == pytest.approx(2**18 * (1000 / 124) ** 0.5)


@pytest.mark.parametrize("argv, flag", [(BST[:3] + ["-1"] + BST[4:], "--L"), (BST + ["--c", "0"], "--c"),
                                        (["scg", "transfer", "--tokens-from", "1", "--tokens-to", "2", "--batch", "0",
                                          "--seq", "1", "--beta", "0.1"], "--batch"),
                                        (["scg", "transfer", "--tokens-from", "1", "--tokens-to", "2", "--batch", "1",
                                          "--seq", "1", "--beta", "0.1", "--rho", "1", "2", "--rule", "sqrt"],
                                         "--rule")])
def test_scg_bad_input_is_one_line_exit_2(capsys, argv, flag):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"error: {flag}" in err


SIMULATE = ["scg", "simulate", "--lmo", "linf", "--batch", "4", "--seq", "8", "--tokens", "16000", "--beta", "0.002",
            "--alpha", "0.2", "--radius", "2", "--dim", "20", "--reps", "32"]


def test_scg_simulate_contract(capsys):
    """The issue's keys; inside the theorem's conditions the simulated mean sits below eq. 26; seeds reproduce."""
    payload = run_json(capsys, SIMULATE)
    assert {"suboptimality", "stderr", "bound_eq26", "iterations", "diverged"} <= payload.keys()
    assert payload["iterations"] == 500 and payload["diverged"] is False and payload["bound_conditions_broken"] == []
    assert upper_limit(payload["suboptimality"], payload["stderr"]) <= payload["bound_eq26"]
    assert run_json(capsys, SIMULATE)["suboptimality"] == payload["suboptimality"]
    # with these constants eq. 26 exceeds what L-smoothness alone gives on the radius-2 ball: vacuous, and said so
    assert payload["bound_vacuous"] is True and "L-smoothness" in payload["bound_reason"]
    scion = run_json(capsys, SIMULATE + ["--m0", "zero", "--schedule", "warmdown"])
    assert scion["bound_conditions_broken"] == ["constant beta", "m0 a fresh gradient"]


@pytest.mark.parametrize("beta, reason", [("1", "overflows a float"), ("0.6", "L-smoothness")])
def test_a_bound_outside_the_theorem_is_reported_vacuous(capsys, beta, reason):
    """β = 1 (c = K) used to raise OverflowError, and β = 0.6 (c = 300) printed 5.5e+197 without a word."""
    payload = run_json(capsys, with_changes(SIMULATE, {"--beta": beta}))
    assert payload["bound_vacuous"] is True and reason in payload["bound_reason"]
    assert "K >= 2c (beta <= 1/2)" in payload["bound_conditions_broken"]
    assert (payload["bound_eq26"] is None) == (beta == "1")


@pytest.mark.parametrize("problem, lmo, extra", [("matrix", "spectral", []), ("matrix", "spectral-ns", []),
                                                 ("logistic", "l1", ["--sampling", "finite-sum"]),
                                                 ("exponential", "l2", ["--correlation", "0.5"])])
def test_scg_simulate_every_problem(capsys, problem, lmo, extra):
    """Each test problem from the command line; the bound holds where the run is inside the theorem's conditions,
    and the conditions an inexact LMO or finite-sum noise break are listed."""
    args = with_changes(SIMULATE, {"--lmo": lmo, "--dim": "6"}) + ["--problem", problem] + extra
    payload = run_json(capsys, args)
    assert payload["diverged"] is False and payload["spec"]["family"] in ("matrix", "separable")
    broken = {"spectral-ns": ["an exact LMO"], "l1": ["Gaussian noise of known sigma"]}.get(lmo, [])
    assert payload["bound_conditions_broken"] == broken
    if not broken:
        assert upper_limit(payload["suboptimality"], payload["stderr"]) <= payload["bound_eq26"]


@pytest.mark.parametrize("change, flag", [({"--beta": "1.5"}, "--beta"), ({"--alpha": "0"}, "--alpha"),
                                          ({"--tokens": "8"}, "--tokens"), ({"--radius": "-1"}, "--radius"),
                                          ({"--reps": "1"}, "--reps"), ({"--lmo": "spectral"}, "--lmo"),
                                          ({"--correlation": "1.5"}, "--correlation"),
                                          ({"--sampling": "finite-sum"}, "--sampling"),
                                          ({"--margin": "0", "--problem": "logistic"}, "--margin"),
                                          ({"--dim": "0"}, "--dim")])
def test_scg_simulate_bad_input(capsys, change, flag):
    assert main(with_changes(SIMULATE, change)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"error: {flag}" in err


@pytest.mark.parametrize("change, flag, needs", [({"--dim": "100000000000"}, "--dim", "TiB"),
                                                 ({"--samples": "100000000000000", "--batch": "1",
                                                   "--method": "recursion"}, "--samples", "PiB")])
def test_requests_beyond_memory_are_refused_up_front(capsys, change, flag, needs):
    """These ended in NumPy's _ArrayMemoryError (745 GiB, 728 TiB) after a traceback."""
    assert main(with_changes(RISK, change)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err and "fit in memory" in err and needs in err


def test_a_hundred_trillion_steps_are_the_spectral_engines(capsys):
    """The recursion would need 1.4 PiB for its paths; the spectral engine needs none, whatever n."""
    assert main(with_changes(RISK, {"--samples": "100000000000000", "--batch": "1"}) + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == "spectral" and out["steps"] == 10**14 and 0 < out["averaged"] < 1e-11


def test_an_unwritable_cache_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    argv = ["nqm", "curve", "--batches", "64", "1024", "--dim", "200"]
    assert main(argv + ["--cache", str(blocker / "cache")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--cache: must be a folder that can be created and written to" in err
    monkeypatch.setenv("BATCHLAB_CACHE", str(blocker / "cache"))
    assert main(argv) == 2
    assert "BATCHLAB_CACHE" in capsys.readouterr().err
    assert main(["figures", "--out", str(tmp_path / "out"), "--only", "linreg_bias_variance"]) == 2
    assert "--cache" in capsys.readouterr().err and not (tmp_path / "out" / "linreg_bias_variance.png").exists()
