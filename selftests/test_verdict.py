"""The verdict rules (README.md, "Verdict and exit status"), applied to findings directly."""

from datetime import date

import pytest

from ec2conformance.findings import CaseStatus, Finding
from ec2conformance.verdict import (
    RequirementResult,
    Status,
    Verdict,
    Waiver,
    compare_with_baseline,
    decide,
    requirement_result,
)

P, F, S, E = CaseStatus.PASSED, CaseStatus.FAILED, CaseStatus.SKIPPED, CaseStatus.ERROR


def findings(rid, *statuses):
    return [Finding(rid, s, f"case {i}") for i, s in enumerate(statuses)]


@pytest.mark.parametrize(
    ("level", "strict", "statuses", "expected"),
    [
        ("MUST", False, [P, P], Status.PASSED),
        ("MUST", False, [P, S], Status.PASSED),
        ("MUST", False, [S, S], Status.SKIPPED),
        ("MUST", False, [], Status.SKIPPED),
        ("MUST", False, [P, F], Status.FAILED),
        ("MUST", False, [P, E], Status.ERROR),
        ("MUST", False, [E, F], Status.FAILED),
        ("SHOULD", False, [P, F], Status.WARNED),
        ("SHOULD", True, [P, F], Status.FAILED),
        ("SHOULD", False, [F, E], Status.ERROR),
    ],
)
def test_precedence_of_case_statuses(level, strict, statuses, expected):
    result = requirement_result(level, findings("X-Y", *statuses), strict=strict)
    assert result.status is expected
    assert result.failed_cases == statuses.count(F)
    assert result.cases == len([s for s in statuses if s is not S])


def test_first_failure_and_skip_reason_are_reported():
    result = requirement_result("MUST", findings("X-Y", P, F, F), strict=False)
    assert result.first_failure == "case 1"
    skipped = requirement_result(
        "MUST", [Finding("X-Y", S, "safe mode: DryRun only")], strict=False
    )
    assert skipped.reason == "safe mode: DryRun only"


def test_waiver_turns_failure_into_waived_until_it_expires():
    waiver = Waiver("X-Y", "known", "https://example.org/1", date(2027, 1, 1))
    before = requirement_result(
        "MUST", findings("X-Y", F), strict=False, waiver=waiver, today=date(2026, 12, 31)
    )
    assert before.status is Status.WAIVED
    assert "known" in before.reason
    after = requirement_result(
        "MUST", findings("X-Y", F), strict=False, waiver=waiver, today=date(2027, 1, 2)
    )
    assert after.status is Status.FAILED
    assert "expired" in after.reason


def test_waived_requirement_that_passes_says_the_waiver_can_go():
    result = requirement_result(
        "MUST", findings("X-Y", P), strict=False, waiver=Waiver("X-Y", "known")
    )
    assert result.status is Status.PASSED
    assert "can go" in result.reason


def test_verdicts():
    levels = {"A-1": "MUST", "B-1": "SHOULD"}
    assert decide(levels, findings("A-1", P), strict=False).verdict is Verdict.CONFORMANT
    assert decide(levels, findings("A-1", F), strict=False).verdict is Verdict.NON_CONFORMANT
    warned = decide(levels, findings("A-1", P) + findings("B-1", F), strict=False)
    assert warned.verdict is Verdict.CONFORMANT
    assert warned.requirements["B-1"].status is Status.WARNED
    strict = decide(levels, findings("A-1", P) + findings("B-1", F), strict=True)
    assert strict.verdict is Verdict.NON_CONFORMANT
    assert decide(levels, findings("A-1", E), strict=False).verdict is Verdict.INCONCLUSIVE
    nothing = decide(levels, [], strict=False)
    assert nothing.verdict is Verdict.INCONCLUSIVE, "a run that ran no case is never a pass"
    assert nothing.exit_code == 3


def test_incomplete_lists_skipped_musts_and_in_strict_mode_shoulds():
    levels = {"A-1": "MUST", "A-2": "MUST", "B-1": "SHOULD"}
    run = decide(levels, findings("A-1", P), strict=False)
    assert run.incomplete == ["A-2"]
    assert run.verdict is Verdict.CONFORMANT
    assert decide(levels, findings("A-1", P), strict=True).incomplete == ["A-2", "B-1"]


def test_a_requirement_of_a_mode_that_is_off_does_not_make_the_run_incomplete():
    levels = {"A-1": "MUST", "D-1": "MUST"}
    run = decide(levels, findings("A-1", P), strict=True, not_applicable={"D-1"})
    assert run.incomplete == []
    assert run.requirements["D-1"].status.value == "skipped"
    assert decide(levels, findings("A-1", P), strict=False).incomplete == ["D-1"]


def test_only_differential_mode_judges_diff_same_outcome():
    from ec2conformance import golden

    modal = {rid: r.only_with for rid, r in golden.requirements().items() if r.only_with}
    assert modal == {"DIFF-SAME-OUTCOME": "--reference-endpoint"}


def test_every_requirement_appears_and_totals_add_up():
    levels = {"A-1": "MUST", "A-2": "MUST", "B-1": "SHOULD"}
    run = decide(levels, findings("A-1", P) + findings("B-1", F), strict=False)
    assert set(run.requirements) == set(levels)
    assert run.totals() == {
        "passed": 1,
        "failed": 0,
        "warned": 1,
        "skipped": 1,
        "waived": 0,
        "error": 0,
    }


def row(status):
    return RequirementResult("MUST", status, 1, 0, None, None)


def test_baseline_exit_status_only_when_something_got_worse():
    baseline = {"A": "passed", "B": "failed", "C": "skipped", "D": "warned"}
    same = compare_with_baseline(
        baseline,
        {"A": row(Status.PASSED), "B": row(Status.FAILED), "D": row(Status.WARNED)},
    )
    assert same.exit_code == 0, "unchanged failures do not fail a baseline run"
    worse = compare_with_baseline(baseline, {"A": row(Status.WARNED), "B": row(Status.PASSED)})
    assert worse.worse == [("A", "passed", "warned")]
    assert worse.better == [("B", "failed", "passed")]
    assert worse.exit_code == 1
    skipped = compare_with_baseline(baseline, {"A": row(Status.SKIPPED), "C": row(Status.FAILED)})
    assert skipped.exit_code == 0, "skipped compares with nothing"
