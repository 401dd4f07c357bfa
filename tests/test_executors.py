"""The executor seam: a sweep and a replicate map give bit-identical results on threads, processes and Dask.

Dask's LocalCluster (two single-threaded worker processes) is started and stopped here; the test needs the
``dask`` extra (``pip install "batchlab[dask]"``), which CI installs.
"""

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import batchlab as bl
from batchlab.sim import parallel
from batchlab.sim.sweep import sweep

import sweep_tasks

CONFIGS = [dict(index=i, seed=11, size=40) for i in range(10)]
PROBLEM = dict(a=1.5, b=2.0, dim=40)
SAMPLES = [96, 192]


@pytest.fixture(scope="module", autouse=True)
def tests_folder_importable():
    """Worker processes import the test's own tasks (sweep_tasks) from tests/."""
    here = str(Path(__file__).parent)
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, previous]))
    yield
    if previous is None:
        del os.environ["PYTHONPATH"]
    else:
        os.environ["PYTHONPATH"] = previous


def measurements(workers):
    """What a user computes: a cached-sweep CBS measurement and a Monte Carlo replicate map, on ``workers``."""
    problem = bl.linreg.LinRegProblem.power_law(**PROBLEM)
    cbs = bl.linreg.measure_cbs_scaling(problem, SAMPLES, cache=None, workers=workers).to_dict()
    mc = bl.linreg.monte_carlo_risk(problem, lr=0.3, batch=4, samples=192, reps=12, seed=3, workers=workers)
    toy = sweep(sweep_tasks.shuffled, CONFIGS, cache=None, workers=workers)
    return cbs, mc.to_dict(), toy


@pytest.fixture(scope="module")
def on_threads():
    return measurements(1)


def test_threads_agree_whatever_their_number(on_threads):
    assert measurements(3) == on_threads


def test_processes_give_the_same_bits(on_threads):
    with parallel.executor("processes", workers=2) as executor:
        assert isinstance(executor, ProcessPoolExecutor)
        assert measurements(executor) == on_threads


def test_a_dask_local_cluster_gives_the_same_bits(on_threads):
    pytest.importorskip("distributed", reason='the dask extra: pip install "batchlab[dask]"')
    with parallel.executor("dask", workers=2) as executor:
        client = executor._client
        assert len(client.scheduler_info()["workers"]) == 2
        assert measurements(executor) == on_threads
        # each task ran with Numba capped to one thread in its worker process
        caps = client.submit(parallel.capped, parallel.default_workers, pure=False).result()
        assert caps == 1


def test_a_task_runs_with_numba_capped_to_one_thread():
    assert parallel.default_workers() == int(os.environ.get("NUMBA_NUM_THREADS", parallel.default_workers()))
    assert sweep(sweep_tasks.numba_threads, [{}], cache=None, workers=2) == [{"threads": 1}]


def test_the_choice_of_executor_is_checked():
    with pytest.raises(bl.InvalidParameter, match="executor"):
        with parallel.executor("gpu"):
            pass
    with pytest.raises(bl.InvalidParameter, match="scheduler"):
        with parallel.executor("threads", scheduler="tcp://127.0.0.1:8786"):
            pass
