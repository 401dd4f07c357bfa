"""The contract every verb keeps in everyday use: a closed pipe, too many workers, long and endless requests, typos,
Ctrl-C, repeated targets, budgets written as 1e15, and messages that tell the truth."""

import json
import os
import subprocess
import sys

import pytest

from batchlab import _cli_common
from batchlab.cli import CLOSED_PIPE, main
from batchlab.sim import linreg
from batchlab.sim.linreg import _cost
from batchlab.sim.parallel import machine_cores

RISK = ["linreg", "risk", "--a", "1.5", "--b", "2", "--dim", "50", "--samples", "256", "--batch", "8", "--lr", "0.4"]
BST = ["scg", "bst", "--L", "7.2", "--mu", "3.1", "--rho", "62.7", "--sigma-star", "1", "--tokens", "1.3e9"]
SIMULATE = ["scg", "simulate", "--lmo", "l2", "--batch", "4", "--seq", "8", "--tokens", "16000", "--beta", "0.002",
            "--alpha", "0.2", "--radius", "2", "--dim", "20", "--reps", "8"]


def batchlab(*argv, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "batchlab", *argv], capture_output=True, text=True, **options)


def test_a_closed_pipe_ends_without_a_word():
    """``batchlab scg bst ... | head -1`` once ended in a BrokenPipeError traceback. The reader here is gone before
    the first byte is written (so the write fails every time, not only when head wins the race)."""
    read, write = os.pipe()
    run = subprocess.Popen([sys.executable, "-m", "batchlab", *BST], stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    os.close(read)
    _, err = run.communicate(timeout=120)
    assert run.returncode == CLOSED_PIPE and err == ""


@pytest.mark.parametrize("executor", ["threads", "processes", "dask"])
def test_more_workers_than_cores_are_capped_with_one_line(executor):
    """--workers 64 on 2 cores: Dask was still running after 120 s with 399 leaked semaphores, processes took ten
    times the threads' time. Now the count is capped at the cores, said in one line, and nothing leaks."""
    if executor == "dask":
        pytest.importorskip("distributed", reason='the dask extra: pip install "batchlab[dask]"')
    workers = 32 * machine_cores()
    run = batchlab("linreg", "cbs", "--a", "1.5", "--b", "2", "--dim", "20", "--samples", "96", "--lr-grid", "5",
                   "--executor", executor, "--workers", str(workers), "--no-cache", "--json", timeout=240)
    assert run.returncode == 0, run.stderr
    assert run.stderr == (f"batchlab: warning: workers: {workers} capped at this machine's {machine_cores()} "
                          "cores\n")
    assert json.loads(run.stdout)["cbs"] is not None


def test_a_hundred_trillion_monte_carlo_steps_are_refused_with_their_estimate(capsys):
    """``--samples 1e14 --batch 1 --method mc`` ran for ever without a word."""
    assert main(RISK[:-6] + ["--samples", "1e14", "--batch", "1", "--lr", "0.4", "--method", "mc"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--samples: must be small enough to finish within an hour" in err
    assert " h (got 100000000000000)" in err


def test_a_hundred_million_dimensions_are_announced_not_refused():
    """``linreg risk --dim 100000000`` printed nothing for minutes. Its estimate is between the announcement's
    threshold and the hour (so it runs, and says how long it will take), here and on the machine it was seen on."""
    seconds = linreg.estimated_seconds(10**8, steps=256, batch=256, method="auto")
    assert _cli_common.ANNOUNCE_FROM < seconds < _cli_common.HOUR


def test_a_long_request_off_a_terminal_says_its_estimate_in_one_line(capsys, monkeypatch):
    """The announcement itself, on a small request made to look long (its rate raised ten millionfold: 48 s)."""
    monkeypatch.setitem(_cost.RATES, "recursion", 3e-2)
    assert main(RISK + ["--method", "recursion", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "batchlab linreg risk: the exact risk over 32 steps of 50 coordinates: about 48 s\n"
    assert json.loads(captured.out)["steps"] == 32


def test_an_unknown_flag_is_named_beside_a_missing_one(capsys):
    """``--sample 3072`` was reported as 'the following arguments are required: --samples'."""
    argv = [flag if flag != "--samples" else "--sample" for flag in RISK]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err == ("batchlab linreg risk: error: unrecognized arguments: --sample (did you mean --samples?); and the "
                   "following arguments are required: --samples\n")


def test_ctrl_c_without_a_cache_says_nothing_was_cached(capsys, monkeypatch):
    """Ctrl-C under --no-cache said 'finished results are cached'."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("batchlab.sim.linreg.measure_cbs_scaling", interrupted)
    argv = ["linreg", "cbs", "--a", "1.5", "--b", "2", "--dim", "20", "--samples", "96"]
    assert main(argv + ["--no-cache"]) == 130
    assert capsys.readouterr().err == "batchlab linreg cbs: interrupted (nothing was cached: --no-cache)\n"


def test_repeated_targets_are_refused(capsys):
    """``sfo cbs --targets 0.001 0.001`` handed the duplicate to a fit (a warning, exit 0)."""
    assert main(["sfo", "cbs", "--system", "nqm", "--targets", "0.001", "0.001"]) == 2
    assert capsys.readouterr().err == ("batchlab sfo cbs: error: --targets: must be without repeated values (got "
                                       "'0.001 more than once')\n")


def test_integer_budgets_take_1e_notation(capsys):
    """``scg simulate --tokens 1e15`` was 'invalid int' while ``scg bst --tokens 1e10`` was accepted."""
    plain = _json(capsys, SIMULATE)
    written = _json(capsys, [value if value != "16000" else "1.6e4" for value in SIMULATE])
    assert written == plain and plain["tokens"] == 16000
    with pytest.raises(SystemExit) as exit_info:  # argparse exits on a malformed value
        main([value if value != "16000" else "1.6e4.5" for value in SIMULATE])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("batchlab scg simulate: error: argument --tokens: must be a whole number, e.g. "
                                       "65536 or 1e15 (got '1.6e4.5')\n")
    with pytest.raises(SystemExit):
        main([value if value != "16000" else "16000.5" for value in SIMULATE])
    assert "must be a whole number" in capsys.readouterr().err


def _json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_scg_simulate_echoes_the_dim_given_and_assesses_only_what_it_can(capsys):
    """A matrix problem's --dim 8 was echoed as dim 64, and bound_vacuous was False beside a bound of 2.6e64 where
    nothing had been assessed (only Algorithm 1 had a ceiling)."""
    matrix = _json(capsys, ["scg", "simulate", "--problem", "matrix", "--dim", "8", "--lmo", "spectral", "--batch",
                            "4", "--seq", "1", "--tokens", "400", "--beta", "0.1", "--alpha", "0.5", "--radius",
                            "0.05", "--algorithm", "sgd", "--reps", "4"])
    assert matrix["dim"] == 8 and matrix["parameters"] == 64
    assert matrix["bound_vacuous"] is None and matrix["bound_reason"].startswith("not assessed")
    uscg = _json(capsys, SIMULATE + ["--algorithm", "uscg", "--beta", "0.4"])
    assert uscg["bound_vacuous"] is True and "K steps of length eta" in uscg["bound_reason"]
