"""What one run keeps: the target, the run's state, and how a warned SHOULD is surfaced.

Below the checks and the plugin: the checks record findings and facts here, the plugin
(``ec2conformance/plugin/``) makes it at start-up and turns it into reports at the end.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ec2conformance import ROOT
from ec2conformance.findings import Finding
from ec2conformance.fuzzing import DEFAULT_SHRINK_SECONDS
from ec2conformance.health import Health
from ec2conformance.model import Credentials, Identity
from ec2conformance.verdict import BaselineComparison, RunResult, Waiver

if TYPE_CHECKING:  # only for annotations: the fuzzing session and the embedded server
    from ec2conformance.fuzzing import FuzzSession
    from ec2conformance.reference import RunningServer

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
    availability_zone: str
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
    def has_denied_identity(self) -> bool:
        return Identity.DENIED in self.identities


@dataclass
class RunState:
    """Everything the plugin keeps for one run (in ``config.stash``)."""

    target: Target | None = None
    reports_dir: Path = DEFAULT_REPORTS
    started: str = field(default_factory=now)
    findings: list[Finding] = field(default_factory=list)
    waivers: dict[str, Waiver] = field(default_factory=dict)
    baseline: dict[str, str] | None = None
    implements_import_instance: bool | None = None
    sample_outcome: tuple[int, str | None] | None = None  # how the sample was answered
    not_run_reason: str | None = None
    server: RunningServer | None = None
    result: RunResult | None = None
    baseline_comparison: BaselineComparison | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    recorded_by_case: dict[str, set[str]] = field(default_factory=dict)
    seen_request_ids: set[str] = field(default_factory=set)  # RESP-REQUEST-ID freshness
    seen_task_ids: set[str] = field(default_factory=set)  # RESP-TASK-ID freshness
    created_tasks: dict[str, None] = field(default_factory=dict)  # ids, in creation order
    fuzz: FuzzSession | None = None

    def record(self, finding: Finding) -> None:
        self.findings.append(finding)
        if finding.case:
            self.recorded_by_case.setdefault(finding.case, set()).add(finding.requirement)

    def count_request(self) -> None:
        self.facts["requests_sent"] = self.facts.get("requests_sent", 0) + 1


STATE = pytest.StashKey[RunState]()


def state_of(config: pytest.Config) -> RunState:
    return config.stash[STATE]
