"""The sweep engine: parallel results independent of workers, the on-disk cache, kill and resume."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_unreadable_entries_are_recomputed(tmp_path):
    first = sw.sweep(sweep_tasks.noisy_sum, CONFIGS[:3], cache=tmp_path)
    entries = sorted(tmp_path.rglob("*.json"))
    assert len(entries) == 3 and not list(tmp_path.rglob(".tmp-*"))
    entries[0].write_text('{"result": ')  # truncated, as by a crash mid-write without atomic replace
    sweep_tasks.CALLS.clear()
    assert sw.sweep(sweep_tasks.noisy_sum, CONFIGS[:3], cache=tmp_path) == first
    assert len(sweep_tasks.CALLS) == 1


def test_a_killed_sweep_resumes_where_it_stopped_with_identical_results(tmp_path):
    """SIGKILL the process at configuration 7 (one worker, so 0..6 are done and stored), then resume."""
    script = ("import sweep_tasks; from batchlab.sim.sweep import sweep; "
              f"sweep(sweep_tasks.noisy_sum, {CONFIGS!r}, cache={str(tmp_path)!r}, workers=1)")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent), "SWEEP_TEST_KILL_AT": "7"}
    killed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
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
