"""Steps to target and log-scale tuning on functions with known answers."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.targets import steps_to_target
from batchlab.sim.tuning import coarse_to_fine, minimize_log, minimize_log_jointly


def test_first_crossing_is_found_in_a_non_monotone_path():
    """Dips below, comes back up, dips again: the answer is the first dip, not a bisection's guess."""
    losses = [5.0, 4.0, 2.0, 3.5, 3.0, 1.0]
    result = steps_to_target(losses, 2.5, first_step=1)
    assert result.steps == 3
    assert result.fractional == pytest.approx(2 + math.log(4.0 / 2.5) / math.log(4.0 / 2.0), rel=1e-14)
    assert steps_to_target(losses, 0.5).steps is None and not steps_to_target(losses, 0.5).reached


def test_start_below_target_and_last_iterate_convention():
    assert steps_to_target([1.0, 0.5], 2.0, first_step=0).steps == 0  # w_0 already good enough: 0 steps
    assert steps_to_target([1.0, 0.5], 2.0, first_step=1).fractional == 1.0
    assert steps_to_target([3.0, 0.0], 1.0).fractional == pytest.approx(1 + 2 / 3)  # zero loss: linear share


@given(st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=40), st.floats(1e-6, 1e6))
def test_fractional_steps_lie_in_the_last_unit_interval(losses, target):
    result = steps_to_target(losses, target)
    if result.reached:
        assert losses[result.steps - 1] <= target and all(v > target for v in losses[: result.steps - 1])
        assert result.steps - 1 < result.fractional <= result.steps
    else:
        assert min(losses) > target


def test_tuning_finds_a_known_optimum_and_its_flat_range():
    """(ln x − ln x₀)² + 1: optimum x₀, flat (within 1%) for |ln(x/x₀)| ≤ 0.1."""
    x0 = 0.037
    tuned = minimize_log(lambda x, cap: (math.log(x) - math.log(x0)) ** 2 + 1.0, 1e-4, 1.0)
    assert tuned.argmin == pytest.approx(x0, rel=0.01) and tuned.value == pytest.approx(1.0, abs=1e-4)
    lo, hi = tuned.flat_range
    # Interpolated between evaluated points, so inside the true range but not far inside.
    assert x0 * math.exp(-0.1) <= lo < x0 < hi <= x0 * math.exp(0.1)
    assert lo < x0 * math.exp(-0.07) and hi > x0 * math.exp(0.07)
    assert not tuned.at_edge and tuned.evaluations == len(set(tuned.points))


def test_tuning_flags_an_optimum_at_the_edge_and_survives_infinities():
    tuned = minimize_log(lambda x, cap: 1.0 / x if x < 0.5 else math.inf, 1e-3, 0.4)
    assert tuned.at_edge and tuned.argmin == pytest.approx(0.4)
    nothing = minimize_log(lambda x, cap: math.inf, 1.0, 2.0)
    assert not nothing.found and nothing.value == math.inf and nothing.flat_range is None


@given(st.floats(-6.5, 0.5), st.floats(0.05, 3.0), st.integers(3, 30))
def test_pruning_cap_never_changes_the_answer(log_center, width, grid):
    """A criterion that returns inf above the cap gives the same optimum and flat range as the full one."""
    def full(x, cap):
        return 100.0 * (1.0 + ((math.log(x) - log_center) / width) ** 2)

    def pruned(x, cap):
        value = full(x, cap)
        return value if value <= cap else math.inf

    a, b = minimize_log(full, 1e-3, 1.0, grid=grid), minimize_log(pruned, 1e-3, 1.0, grid=grid)
    assert a.argmin == b.argmin and a.value == b.value and a.flat_range == pytest.approx(b.flat_range)


@given(st.lists(st.tuples(st.floats(-6.5, 0.5), st.floats(0.05, 3.0)), min_size=1, max_size=4), st.integers(3, 30))
def test_joint_tuning_gives_each_criterion_its_own_answer(shapes, grid):
    """Criteria tuned on one grid by a joint evaluation (capped per criterion) = each tuned alone; and the joint
    evaluation is called once per grid point, whatever the number of criteria."""
    def criterion(center, width):
        def value(x, cap):
            v = 100.0 * (1.0 + ((math.log(x) - center) / width) ** 2)
            return v if v <= cap else math.inf
        return value

    criteria = [criterion(*shape) for shape in shapes]
    calls = []

    def joint(x, caps):
        calls.append(x)
        return [c(x, cap) for c, cap in zip(criteria, caps)]

    together = minimize_log_jointly(joint, criteria, 1e-3, 1.0, grid=grid)
    assert len(calls) == grid
    for tuned, c in zip(together, criteria):
        alone = minimize_log(c, 1e-3, 1.0, grid=grid)
        assert (tuned.argmin, tuned.value, tuned.flat_range) == (alone.argmin, alone.value, alone.flat_range)
        assert list(tuned.points) == list(alone.points)


@given(st.integers(1, 300))
def test_the_grid_is_visited_coarse_to_fine_each_point_once(count):
    order = coarse_to_fine(count)
    assert sorted(order) == list(range(count)) and order[0] == (count - 1) // 2


def test_bad_bounds_are_named():
    with pytest.raises(InvalidParameter, match="^high: must be"):
        minimize_log(lambda x, cap: x, 1.0, 0.5)
    with pytest.raises(InvalidParameter, match="^target: must be"):
        steps_to_target([1.0], 0.0)
