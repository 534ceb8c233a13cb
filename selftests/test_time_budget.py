"""benchmarks/time_budget.py's timers, checked and not timed: each stage counts its own time,
not that of the stages nested in it, so the stages add up to the time they cover."""

from __future__ import annotations

import pytest

from benchmarks import budget_plugin


class FakeClock:
    """``perf_counter`` that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(budget_plugin.time, "perf_counter", fake)
    monkeypatch.setattr(budget_plugin, "spent", type(budget_plugin.spent)(float))
    monkeypatch.setattr(budget_plugin, "calls", type(budget_plugin.calls)(int))
    return fake


def test_a_stage_counts_its_own_time_without_the_stages_nested_in_it(clock: FakeClock) -> None:
    def inner() -> str:
        clock.now += 2.0
        return "inner"

    timed_inner = budget_plugin.timed("inner", inner)

    def outer() -> str:
        clock.now += 1.0
        result = timed_inner()
        clock.now += 3.0
        return result

    timed_outer = budget_plugin.timed("outer", outer)
    assert timed_outer() == "inner"
    assert timed_inner() == "inner"
    assert budget_plugin.spent == {"outer": 4.0, "inner": 4.0}
    assert budget_plugin.calls == {"outer": 1, "inner": 2}
    assert budget_plugin._stack == []


def test_a_stage_that_raises_is_counted_and_leaves_no_stage_open(clock: FakeClock) -> None:
    def broken() -> None:
        clock.now += 0.5
        raise ValueError("broken")

    timed = budget_plugin.timed("broken", broken)
    with pytest.raises(ValueError, match="broken"):
        timed()
    assert budget_plugin.spent == {"broken": 0.5}
    assert budget_plugin._stack == []
