"""From findings to requirement statuses, a verdict and an exit status (the rules of the
README's "Verdict and exit status").

Pure functions over plain data, so the rules that users and CI rely on are tested directly.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ec2conformance.findings import CaseStatus, Finding


class Status(enum.StrEnum):
    """A requirement's status in ``summary.json``."""

    FAILED = "failed"
    ERROR = "error"
    WARNED = "warned"
    WAIVED = "waived"
    PASSED = "passed"
    SKIPPED = "skipped"


# Precedence when combining cases: the first that occurs wins.
PRECEDENCE = [Status.FAILED, Status.ERROR, Status.WARNED, Status.WAIVED, Status.PASSED]
# Order used by --baseline: lower is worse; skipped compares with nothing.
RANK = {Status.FAILED: 0, Status.ERROR: 1, Status.WARNED: 2, Status.WAIVED: 3, Status.PASSED: 4}


class Verdict(enum.StrEnum):
    CONFORMANT = "conformant"
    NON_CONFORMANT = "non-conformant"
    INCONCLUSIVE = "inconclusive"
    NOT_RUN = "not-run"


EXIT_CODES = {
    Verdict.CONFORMANT: 0,
    Verdict.NON_CONFORMANT: 1,
    Verdict.INCONCLUSIVE: 3,
    Verdict.NOT_RUN: 4,
}


@dataclass(frozen=True)
class Waiver:
    """A known deviation of the target: the requirement, why, and until when."""

    requirement: str
    reason: str
    link: str | None = None
    expires: date | None = None

    def active(self, today: date) -> bool:
        return self.expires is None or today <= self.expires


@dataclass
class RequirementResult:
    """One row of ``summary.json``'s ``requirements``."""

    level: str
    status: Status
    cases: int
    failed_cases: int
    first_failure: str | None
    reason: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "status": self.status.value,
            "cases": self.cases,
            "failed_cases": self.failed_cases,
            "first_failure": self.first_failure,
            "reason": self.reason,
        }


@dataclass
class RunResult:
    verdict: Verdict
    requirements: dict[str, RequirementResult]
    incomplete: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def totals(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for result in self.requirements.values():
            counts[result.status.value] += 1
        return {k: counts[k] for k in ("passed", "failed", "warned", "skipped", "waived", "error")}


@dataclass
class _Tally:
    """One requirement's findings counted: the status each case gives, and what the
    result reports of them."""

    statuses: list[Status] = field(default_factory=list)
    judged: int = 0
    failed_cases: int = 0
    first_failure: str | None = None
    error_reason: str | None = None
    skip_reasons: list[str] = field(default_factory=list)


def _tally(findings: Iterable[Finding], *, counts_as_failure: bool, waived: bool) -> _Tally:
    tally = _Tally()
    for f in findings:
        if f.status is not CaseStatus.SKIPPED:
            tally.judged += 1
        if f.status is CaseStatus.FAILED:
            tally.failed_cases += 1
            if tally.first_failure is None:
                tally.first_failure = f.text()
            if waived:
                tally.statuses.append(Status.WAIVED)
            else:
                tally.statuses.append(Status.FAILED if counts_as_failure else Status.WARNED)
        elif f.status is CaseStatus.ERROR:
            tally.statuses.append(Status.ERROR)
            tally.error_reason = tally.error_reason or f.message
        elif f.status is CaseStatus.PASSED:
            tally.statuses.append(Status.PASSED)
        else:
            tally.skip_reasons.append(f.message)
    return tally


def _reason(
    status: Status,
    tally: _Tally,
    waiver: Waiver | None,
    active_waiver: Waiver | None,
    unselected_reason: str,
) -> str | None:
    """What ``summary.json`` says of the status: why skipped, the error, the waiver."""
    if waiver is not None and active_waiver is None and status in (Status.FAILED, Status.WARNED):
        return f"the waiver expired on {waiver.expires}"
    if status is Status.SKIPPED:
        return _most_common(tally.skip_reasons) or unselected_reason
    if status is Status.ERROR:
        return tally.error_reason
    if status is Status.WAIVED and active_waiver is not None:
        reason = f"waived: {active_waiver.reason}"
        if active_waiver.link:
            reason += f" ({active_waiver.link})"
        return reason
    if status is Status.PASSED and waiver is not None:
        return "waived, but every case passed: the waiver can go"
    return None


def requirement_result(
    level: str,
    findings: Iterable[Finding],
    *,
    strict: bool,
    waiver: Waiver | None = None,
    today: date | None = None,
    unselected_reason: str = "no case of this requirement was selected",
) -> RequirementResult:
    """Combine one requirement's findings by precedence (failed > error > warned > ...)."""
    active_waiver = waiver if waiver and waiver.active(today or date.today()) else None
    tally = _tally(
        findings, counts_as_failure=level == "MUST" or strict, waived=active_waiver is not None
    )
    status = next((s for s in PRECEDENCE if s in tally.statuses), Status.SKIPPED)
    return RequirementResult(
        level=level,
        status=status,
        cases=tally.judged,
        failed_cases=tally.failed_cases,
        first_failure=tally.first_failure,
        reason=_reason(status, tally, waiver, active_waiver, unselected_reason),
    )


def _most_common(reasons: list[str]) -> str | None:
    """The reason given most often; a skip whose text was dropped (``""``, see
    ``RunState.record``) gives none."""
    given = [reason for reason in reasons if reason]
    if not given:
        return None
    return max(set(given), key=given.count)


def decide(
    levels: Mapping[str, str],
    findings: Iterable[Finding],
    *,
    strict: bool,
    waivers: Mapping[str, Waiver] | None = None,
    today: date | None = None,
    not_applicable: Collection[str] = (),
) -> RunResult:
    """Statuses of every requirement in ``levels`` and the run's verdict.

    ``not_applicable``: requirements judged only in a mode this run is not in (DIFF-SAME-OUTCOME
    without ``--reference-endpoint``); skipped, they do not make the run incomplete."""
    by_requirement: dict[str, list[Finding]] = {rid: [] for rid in levels}
    for f in findings:
        by_requirement.setdefault(f.requirement, []).append(f)
    waivers = waivers or {}
    results = {
        rid: requirement_result(
            levels.get(rid, "MUST"),
            items,
            strict=strict,
            waiver=waivers.get(rid),
            today=today,
        )
        for rid, items in by_requirement.items()
    }
    statuses = [r.status for r in results.values()]
    must_ran = any(r.level == "MUST" and r.status is not Status.SKIPPED for r in results.values())
    if Status.FAILED in statuses:
        verdict = Verdict.NON_CONFORMANT
    elif Status.ERROR in statuses or not must_ran:
        verdict = Verdict.INCONCLUSIVE
    else:
        verdict = Verdict.CONFORMANT
    incomplete = sorted(
        rid
        for rid, r in results.items()
        if r.status is Status.SKIPPED
        and (r.level == "MUST" or strict)
        and rid not in not_applicable
    )
    return RunResult(verdict=verdict, requirements=results, incomplete=incomplete)


@dataclass(frozen=True)
class BaselineComparison:
    worse: list[tuple[str, str, str]]  # (id, before, now)
    better: list[tuple[str, str, str]]

    @property
    def exit_code(self) -> int:
        return 1 if self.worse else 0


def compare_with_baseline(
    baseline: Mapping[str, str], current: Mapping[str, RequirementResult]
) -> BaselineComparison:
    """Which requirements got worse or better than in an earlier ``summary.json``.

    ``baseline`` maps requirement ids to their earlier status. Skipped compares with nothing.
    """
    worse: list[tuple[str, str, str]] = []
    better: list[tuple[str, str, str]] = []
    for rid, result in sorted(current.items()):
        before = baseline.get(rid)
        if before is None or before == Status.SKIPPED.value or result.status is Status.SKIPPED:
            continue
        try:
            before_rank = RANK[Status(before)]
        except (ValueError, KeyError):
            continue
        now_rank = RANK[result.status]
        if now_rank < before_rank:
            worse.append((rid, before, result.status.value))
        elif now_rank > before_rank:
            better.append((rid, before, result.status.value))
    return BaselineComparison(worse=worse, better=better)
