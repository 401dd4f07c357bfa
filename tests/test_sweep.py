"""The sweep engine: parallel results independent of workers, the on-disk cache, kill and resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import batchlab as bl
from batchlab.sim import sweep as sw

import sweep_tasks

CONFIGS = [dict(index=i, seed=5, size=50) for i in range(12)]


def test_results_do_not_depend_on_workers_or_cache(tmp_path):
    plain = sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=None, workers=1)
    assert [r["index"] for r in plain] == list(range(12))
    assert sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=None, workers=3) == plain
    assert sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=tmp_path, workers=2) == plain  # fresh, stored
    sweep_tasks.CALLS.clear()
    assert sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=tmp_path, workers=2) == plain  # all from the cache
    assert sweep_tasks.CALLS == []


def test_cache_key_covers_the_whole_config_and_the_code(tmp_path, monkeypatch):
    cache = sw.Cache(tmp_path)
    key = cache.key(sweep_tasks.noisy_sum, CONFIGS[0])
    assert key != cache.key(sweep_tasks.noisy_sum, {**CONFIGS[0], "size": 51})
    assert key == cache.key(sweep_tasks.noisy_sum, dict(reversed(list(CONFIGS[0].items()))))  # order-free
    monkeypatch.setattr(sw, "code_fingerprint", lambda: "another version of the engines")
    assert cache.key(sweep_tasks.noisy_sum, CONFIGS[0]) != key


def test_corrupted_entries_are_reported_once_and_recomputed(tmp_path):
    first = sw.sweep(sweep_tasks.noisy_sum, CONFIGS[:4], cache=tmp_path)
    entries = sorted(tmp_path.rglob("*.json"))
    assert len(entries) == 4 and not list(tmp_path.rglob(".tmp-*"))
    entries[0].write_text(entries[0].read_text()[:40])  # truncated
    altered = json.loads(entries[1].read_text())
    altered["result"]["sum"] += 1e-12  # still valid JSON, but not what was stored
    entries[1].write_text(json.dumps(altered))
    sweep_tasks.CALLS.clear()
    with pytest.warns(sw.CacheWarning, match="2 corrupted cache entries recomputed") as caught:
        assert sw.sweep(sweep_tasks.noisy_sum, CONFIGS[:4], cache=tmp_path) == first
    assert len(caught) == 1 and len(sweep_tasks.CALLS) == 2
    sweep_tasks.CALLS.clear()
    assert sw.sweep(sweep_tasks.noisy_sum, CONFIGS[:4], cache=tmp_path) == first  # repaired: no warning now
    assert sweep_tasks.CALLS == []


def test_an_interrupted_store_leaves_no_entry_and_no_temporary(tmp_path, monkeypatch):
    """Ctrl-C while an entry is written: nothing named *.json appears, and the temporary file is removed."""
    def interrupted(_):
        raise KeyboardInterrupt
    monkeypatch.setattr(sw, "_checksum", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sw.Cache(tmp_path).store("ab" * 32, {"value": 1.0}, {"index": 0})
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_unwritable_cache_folder_is_refused_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    sweep_tasks.CALLS.clear()
    with pytest.raises(bl.InvalidParameter, match="cache: must be a folder that can be created and written to"):
        sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=blocker / "cache")
    assert sweep_tasks.CALLS == []


def _sweep_in_a_subprocess(cache, kill_at=None, workers=1):
    script = ("import json, sweep_tasks; from batchlab.sim.sweep import sweep; "
              f"print(json.dumps(sweep(sweep_tasks.noisy_sum, {CONFIGS!r}, cache={str(cache)!r}, "
              f"workers={workers})))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    if kill_at is not None:
        env["SWEEP_TEST_KILL_AT"] = str(kill_at)
    return subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_two_processes_sharing_a_cache_folder_both_finish_with_identical_results(tmp_path):
    runs = [_sweep_in_a_subprocess(tmp_path, workers=2) for _ in range(2)]
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    expected = sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=None)
    assert [json.loads(out) for out, _ in outputs] == [expected, expected]
    store = sw.Cache(tmp_path)
    assert store.load_all([store.key(sweep_tasks.noisy_sum, c) for c in CONFIGS], CONFIGS) == expected


def test_a_killed_sweep_resumes_where_it_stopped_with_identical_results(tmp_path):
    """SIGKILL the process at configuration 7 (one worker, so 0..6 are done and stored), then resume."""
    killed = _sweep_in_a_subprocess(tmp_path, kill_at=7)
    _, err = killed.communicate()
    assert killed.returncode == -9, err
    stored = {json.loads(p.read_text())["config"]["index"] for p in tmp_path.rglob("*.json")}
    assert stored == set(range(7))
    sweep_tasks.CALLS.clear()
    resumed = sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=tmp_path, workers=2)
    assert sorted(sweep_tasks.CALLS) == list(range(7, 12))
    assert resumed == sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=None)


def test_an_interrupted_sweep_keeps_what_finished(tmp_path):
    def stop_after_four(index, result):
        if index == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=tmp_path, workers=1, on_result=stop_after_four)
    assert len(list(tmp_path.rglob("*.json"))) >= 4
    assert sw.sweep(sweep_tasks.noisy_sum, CONFIGS, cache=tmp_path) == sw.sweep(sweep_tasks.noisy_sum, CONFIGS,
                                                                                  cache=None)


def test_default_cache_location(monkeypatch, tmp_path):
    monkeypatch.setenv("BATCHLAB_CACHE", str(tmp_path / "here"))
    assert sw.default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("BATCHLAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert sw.default_cache_dir() == tmp_path / "batchlab"
    assert sw.resolve_cache(None) is None and sw.resolve_cache(sw.DEFAULT).root == tmp_path / "batchlab"


def test_the_suite_keeps_to_a_home_of_its_own():
    """conftest.py: the user's cache and home are never read or written; a subprocess inherits the same."""
    import matplotlib

    from conftest import SESSION_HOME

    assert Path.home() == SESSION_HOME and SESSION_HOME.name.startswith("batchlab-tests-")
    assert sw.default_cache_dir() == SESSION_HOME / "cache"
    assert Path(matplotlib.get_configdir()) == SESSION_HOME / "matplotlib"
    child = subprocess.run([sys.executable, "-c", "import batchlab.sim.sweep as s; print(s.default_cache_dir())"],
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == str(SESSION_HOME / "cache")


@pytest.mark.parametrize("executor", ["threads", "processes", "dask"])
def test_ctrl_c_exits_130_with_one_line_and_a_consistent_cache(tmp_path, executor):
    """SIGINT to a running ``batchlab linreg cbs`` once a few results are stored: status 130 at once, one line."""
    if executor == "dask":
        pytest.importorskip("distributed", reason='the dask extra: pip install "batchlab[dask]"')
    argv = [sys.executable, "-m", "batchlab", "linreg", "cbs", "--a", "1.5", "--b", "2", "--dim", "800",
            "--samples", "49152", "--executor", executor, "--workers", "2", "--cache", str(tmp_path)]
    # SIGINT back to its default in the child: a runner started in the background (no job control) hands its
    # children SIGINT ignored, and Python then never raises KeyboardInterrupt.
    run = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while len(list(tmp_path.rglob("*.json"))) < 3 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, "the command finished before it could be interrupted"
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130 and out == ""
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err, err
    store = sw.Cache(tmp_path)
    for path in tmp_path.rglob("*.json"):  # every entry intact: load checks its config and its checksum
        assert store.load(path.stem, json.loads(path.read_text())["config"]) is not None
