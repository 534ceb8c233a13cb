"""The run's findings are counted, not listed (``RunState.record``): a long fuzzing session
judges about a dozen findings a request, nearly all the same passed finding of the same
test. What the verdict makes of them is what it made of a list of every finding: the same
statuses, case counts, first failures and skip reasons, in one process and merged from
parallel workers."""

from __future__ import annotations

from ec2conformance.findings import CaseStatus, Finding
from ec2conformance.state import KEPT_IN_FULL, RunState
from ec2conformance.verdict import Status, decide

LEVELS = {"X-PASSES": "MUST", "X-FAILS": "MUST", "X-SKIPS": "MUST"}
CASE = "suites/test_fuzz.py::test_generated[X]"


def failure(number: int, case: str = CASE) -> Finding:
    return Finding("X-FAILS", CaseStatus.FAILED, f"example {number} failed", case=case)


def test_repeated_findings_are_kept_once_and_counted_in_full() -> None:
    state = RunState()
    for _ in range(1000):
        state.record(Finding("X-PASSES", CaseStatus.PASSED, case=CASE))
    assert len(state.counted_findings) == 1
    assert sum(1 for _ in state.all_findings()) == 1000
    result = decide(LEVELS, state.all_findings(), strict=False).requirements["X-PASSES"]
    assert (result.status, result.cases, result.failed_cases) == (Status.PASSED, 1000, 0)


def test_failures_past_the_kept_ones_are_counted_without_their_texts() -> None:
    state = RunState()
    for number in range(KEPT_IN_FULL + 30):
        state.record(failure(number))
    assert len(state.counted_findings) == KEPT_IN_FULL + 1  # the kept ones and one without text
    stripped = list(state.counted_findings)[-1]
    assert (stripped.message, state.counted_findings[stripped]) == ("", 30)
    result = decide(LEVELS, state.all_findings(), strict=False).requirements["X-FAILS"]
    assert (result.status, result.cases, result.failed_cases) == (Status.FAILED, 50, 50)
    assert result.first_failure == "example 0 failed"


def test_the_kept_failures_are_counted_per_requirement_and_case() -> None:
    state = RunState()
    for number in range(KEPT_IN_FULL):
        state.record(failure(number))
    state.record(failure(99, case="suites/test_fuzz.py::test_generated[Y]"))
    assert all(finding.message for finding in state.counted_findings)


def test_a_skip_reason_is_never_a_dropped_text() -> None:
    state = RunState()
    for number in range(KEPT_IN_FULL + 100):
        reason = "not judged: X failed first" if number < 3 else f"not judged ({number})"
        state.record(Finding("X-SKIPS", CaseStatus.SKIPPED, reason, case=CASE))
    result = decide(LEVELS, state.all_findings(), strict=False).requirements["X-SKIPS"]
    assert result.status is Status.SKIPPED and result.cases == 0
    assert result.reason == "not judged: X failed first"  # most common of the kept texts


def test_workers_findings_merge_as_one_process_recorded_them() -> None:
    cases = ["suites/a.py::test_one", "suites/b.py::test_two"]
    single, first, second = RunState(), RunState(), RunState()
    for state in (single, first, second):
        state.case_order = {case: i for i, case in enumerate(cases)}
    for _ in range(7):  # the earlier case: passes, then one failure, on the first worker
        for state in (single, first):
            state.record(Finding("X-FAILS", CaseStatus.PASSED, case=cases[0]))
    for state in (single, first):
        state.record(failure(100, case=cases[0]))
    for number in range(KEPT_IN_FULL + 5):  # the later case's failures, on the second worker
        for state in (single, second):
            state.record(failure(number, case=cases[1]))
    merged = RunState()
    merged.merge_workers([second.worker_output(), first.worker_output()])
    one = decide(LEVELS, single.all_findings(), strict=False).requirements["X-FAILS"]
    both = decide(LEVELS, merged.all_findings(), strict=False).requirements["X-FAILS"]
    assert (both.status, both.cases, both.failed_cases) == (Status.FAILED, 33, 26)
    assert (one.status, one.cases, one.failed_cases) == (Status.FAILED, 33, 26)
    assert both.first_failure == one.first_failure == "example 100 failed"
    assert len(merged.counted_findings) == len(single.counted_findings)
