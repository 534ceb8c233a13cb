"""What one run keeps: the target, the run's state, and how a warned SHOULD is surfaced.

Below the checks and the plugin: the checks record findings and facts here, the plugin
(``ec2conformance/plugin/``) makes it at start-up and turns it into reports at the end.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ec2conformance import ROOT
from ec2conformance.findings import CaseStatus, Finding
from ec2conformance.fuzzing import DEFAULT_SHRINK_SECONDS
from ec2conformance.health import Health
from ec2conformance.model import Credentials, Identity
from ec2conformance.verdict import BaselineComparison, RunResult, Waiver

if TYPE_CHECKING:  # only for annotations: the fuzzing session and the embedded server
    from ec2conformance.fuzzing import FuzzSession
    from ec2conformance.reference import RunningServer
    from ec2conformance.reference.process import ReferenceProcess

DEFAULT_REPORTS = ROOT / "reports"


def now() -> str:
    """The current time as the reports write it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ConformanceWarning(UserWarning):
    """A SHOULD requirement failed (a warning unless --strict-conformance)."""


def warn_should(finding: Finding) -> None:
    """Surface a warned SHOULD in pytest's warnings summary too."""
    warnings.warn(ConformanceWarning(f"[{finding.requirement}] {finding.message}"), stacklevel=3)


@dataclass
class Target:
    """The endpoint under test and how the suite may talk to it."""

    endpoint: str
    region: str
    #: The zones valid requests name, the first the one-zone form's (``--availability-zone``):
    #: two or more, so that an endpoint answering one constant zone fails RESP-AZ-ECHO.
    availability_zones: tuple[str, ...]
    identities: dict[Identity, Credentials]
    strict: bool
    safe_mode: bool
    allow_mutating: bool
    request_timeout: float
    embedded: bool
    health: Health = field(default_factory=Health)
    shrink_seconds: float = DEFAULT_SHRINK_SECONDS
    ca_bundle: Path | None = None

    @property
    def availability_zone(self) -> str:
        """The first of :attr:`availability_zones` (the zone a single-zone request names)."""
        return self.availability_zones[0]

    @property
    def has_denied_identity(self) -> bool:
        return Identity.DENIED in self.identities


@dataclass
class RunState:
    """Everything the plugin keeps for one run (in ``config.stash``)."""

    target: Target | None = None
    reports_dir: Path = DEFAULT_REPORTS
    started: str = field(default_factory=now)
    #: Each distinct finding once, with how many times it was recorded, in the order first
    #: seen (:meth:`record`; read back by :meth:`all_findings`).
    counted_findings: dict[Finding, int] = field(default_factory=dict)
    #: Distinct failures, errors and skips kept with their texts, by (requirement, case).
    kept_in_full: dict[tuple[str, str], int] = field(default_factory=dict)
    waivers: dict[str, Waiver] = field(default_factory=dict)
    baseline: dict[str, str] | None = None
    implements_import_instance: bool | None = None
    sample_outcome: tuple[int, str | None] | None = None  # how the sample was answered
    not_run_reason: str | None = None
    server: RunningServer | ReferenceProcess | None = None  # the embedded endpoint
    result: RunResult | None = None
    baseline_comparison: BaselineComparison | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    recorded_by_case: dict[str, set[str]] = field(default_factory=dict)
    seen_request_ids: set[str] = field(default_factory=set)  # RESP-REQUEST-ID freshness
    seen_task_ids: set[str] = field(default_factory=set)  # RESP-TASK-ID freshness
    created_tasks: dict[str, None] = field(default_factory=dict)  # ids, in creation order
    fuzz: FuzzSession | None = None
    case_order: dict[str, int] = field(default_factory=dict)  # node id -> collection index
    lost_workers: list[str] = field(default_factory=list)  # parallel workers that died

    def record(self, finding: Finding, count: int = 1) -> None:
        """Record ``finding`` (``count`` times). Findings are counted, not listed: a long
        fuzzing session judges about a dozen a request, nearly all of them the same passed
        finding of the same test, and a list of them grew by about 1.7 KB a request. Past
        :data:`KEPT_IN_FULL` distinct failures, errors or skips of one requirement on one
        case, a finding's texts are dropped (each example's differ): the summary shows each
        requirement's first failure and first error, and the most common reason a skipped
        requirement gives, and counts the others, which stay counted."""
        if finding.status in _KEPT_STATUSES and finding not in self.counted_findings:
            key = (finding.requirement, finding.case)
            kept = self.kept_in_full.get(key, 0)
            if kept >= KEPT_IN_FULL:
                finding = replace(finding, message="", expected="", received="", reproduction="")
            else:
                self.kept_in_full[key] = kept + 1
        self.counted_findings[finding] = self.counted_findings.get(finding, 0) + count
        if finding.case:
            self.recorded_by_case.setdefault(finding.case, set()).add(finding.requirement)

    def all_findings(self) -> Iterator[Finding]:
        """Every finding recorded, as often as it was recorded (a distinct finding's repeats
        together, at its first place: the verdict counts them and reads each requirement's
        first failure, so their places do not matter)."""
        for finding, count in self.counted_findings.items():
            for _ in range(count):
                yield finding

    def count_request(self) -> None:
        self.facts["requests_sent"] = self.facts.get("requests_sent", 0) + 1

    def worker_output(self) -> dict[str, Any]:
        """What a parallel (pytest-xdist) worker hands the controller at its end: its
        findings, each distinct one with how often it was recorded and its case's place in
        the collection (so that the merged findings come in the order one process would
        have recorded them), and the run-level facts it learned. Only plain values: they
        cross execnet."""
        last = len(self.case_order)
        return {
            "endpoint": self.target.endpoint if self.target is not None else None,
            "findings": [
                [self.case_order.get(f.case, last), _finding_fields(f), count]
                for f, count in self.counted_findings.items()
            ],
            "facts": self.facts,
            "implements_import_instance": self.implements_import_instance,
            "seen_request_ids": sorted(self.seen_request_ids),
            "seen_task_ids": sorted(self.seen_task_ids),
            "fuzz_new_failures": self.fuzz.new_failures if self.fuzz is not None else {},
        }

    def merge_workers(self, outputs: list[dict[str, Any]]) -> None:
        """Merge the workers' :meth:`worker_output` into this (the controller's) state, as if
        one process had run every test:

        - findings, ordered by their case's collection index (ties keep each worker's own
          order), then a failure of RESP-REQUEST-ID / RESP-TASK-ID for each id that more
          than one worker saw (each worker judged freshness only among its own answers);
        - ``implements_import_instance``: no when any worker learned no, else yes when any
          learned yes;
        - facts: see :func:`merge_facts`;
        - new fuzz failures, by test (each test runs on one worker).
        """
        ordered: list[tuple[int, int, Finding, int]] = []
        seq = 0
        for output in outputs:
            for order, fields, count in output["findings"]:
                finding = Finding(**{**fields, "status": CaseStatus(fields["status"])})
                ordered.append((order, seq, finding, count))
                seq += 1
        for _, _, finding, count in sorted(ordered, key=lambda t: (t[0], t[1])):
            self.record(finding, count)
        for rid, key, what in (
            ("RESP-REQUEST-ID", "seen_request_ids", "requestId"),
            ("RESP-TASK-ID", "seen_task_ids", "conversionTaskId"),
        ):
            seen: set[str] = set()
            for output in outputs:
                ids = set(output[key])
                for repeated in sorted(ids & seen):
                    self.record(
                        Finding(
                            rid,
                            CaseStatus.FAILED,
                            f"{what} repeated (answered to two parallel workers)",
                            expected="a fresh id",
                            received=repeated,
                            case=ACROSS_WORKERS,
                        )
                    )
                seen |= ids
            getattr(self, key).update(seen)
        learned = [o["implements_import_instance"] for o in outputs]
        if False in learned:
            self.implements_import_instance = False
        elif True in learned:
            self.implements_import_instance = True
        self.facts = merge_facts([o["facts"] for o in outputs], into=self.facts)
        if self.fuzz is not None:
            for output in outputs:
                for test, entries in output["fuzz_new_failures"].items():
                    self.fuzz.new_failures.setdefault(test, []).extend(entries)


KEPT_IN_FULL = 20
"""Failures, errors and skips of one requirement on one case recorded with their texts;
later ones are counted without them (:meth:`RunState.record`)."""

_KEPT_STATUSES = frozenset({CaseStatus.FAILED, CaseStatus.ERROR, CaseStatus.SKIPPED})

ACROSS_WORKERS = "(across parallel workers)"
"""The case of a freshness failure found only when the workers' answers were merged."""


def _finding_fields(finding: Finding) -> dict[str, str]:
    return {
        "requirement": finding.requirement,
        "status": finding.status.value,
        "message": finding.message,
        "expected": finding.expected,
        "received": finding.received,
        "reproduction": finding.reproduction,
        "case": finding.case,
    }


def merge_facts(facts: list[dict[str, Any]], into: dict[str, Any] | None = None) -> dict[str, Any]:
    """The facts of one run from those of its parallel workers: ``requests_sent`` summed;
    ``tasks`` summed (created, cancelled), its ``not_cancelled`` joined, its first note;
    ``has_describe_conversion_tasks`` yes when any worker found it; ``not_shrunk`` joined;
    any other fact (``stopped_answering``, ...) as the first worker that has it says it."""
    merged: dict[str, Any] = dict(into or {})
    for worker in facts:
        for key, value in worker.items():
            if key == "requests_sent":
                merged[key] = merged.get(key, 0) + value
            elif key == "has_describe_conversion_tasks":
                merged[key] = bool(merged.get(key)) or bool(value)
            elif key == "not_shrunk":
                merged.setdefault(key, {}).update(value)
            elif key == "tasks":
                tasks = merged.setdefault(key, {"created": 0, "cancelled": 0, "not_cancelled": []})
                tasks["created"] += value.get("created", 0)
                tasks["cancelled"] += value.get("cancelled", 0)
                tasks["not_cancelled"] = [*tasks["not_cancelled"], *value.get("not_cancelled", [])]
                if value.get("note") and not tasks.get("note"):
                    tasks["note"] = value["note"]
            else:
                merged.setdefault(key, value)
    return merged


STATE = pytest.StashKey[RunState]()


def state_of(config: pytest.Config) -> RunState:
    return config.stash[STATE]
