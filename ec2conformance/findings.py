"""What checks produce: findings, and the typed failure that carries them.

A check either records a pass, records a warning (a SHOULD that failed, outside
``--strict-conformance``), or raises :class:`ConformanceFailure`, an ``AssertionError``
subclass carrying the requirement id, what was expected, what was received and a command that
reproduces it. Raising (rather than recording) is what lets Hypothesis shrink a failing
generated request before it is reported.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class CaseStatus(enum.StrEnum):
    """The result of one case for one requirement."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One judgement of one requirement on one case."""

    requirement: str
    status: CaseStatus
    message: str = ""
    expected: str = ""
    received: str = ""
    reproduction: str = ""
    case: str = ""

    def text(self) -> str:
        """A short text for ``first_failure``: sent, received, expected, reproduction."""
        parts = [self.message]
        if self.expected:
            parts.append(f"expected: {self.expected}")
        if self.received:
            parts.append(f"received: {self.received}")
        if self.reproduction:
            parts.append(f"reproduce: {self.reproduction}")
        return "\n".join(p for p in parts if p)


class ConformanceFailure(AssertionError):
    """One or more requirements failed on a case.

    ``findings`` are the failed findings (at least one). The message lists each with its
    requirement id first, so a pytest failure line names the broken requirement, then the
    requirement's own sentence when ``sentences`` has it (as h2spec prints its requirement).
    """

    def __init__(self, findings: list[Finding], sentences: Mapping[str, str] | None = None) -> None:
        if not findings:
            raise ValueError("a ConformanceFailure needs at least one finding")
        self.findings = findings
        said = sentences or {}
        super().__init__(
            "\n\n".join(
                "\n".join(
                    p
                    for p in (f"[{f.requirement}] {said.get(f.requirement, '')}".rstrip(), f.text())
                    if p
                )
                for f in findings
            )
        )

    @classmethod
    def single(
        cls,
        requirement: str,
        message: str,
        *,
        expected: str = "",
        received: str = "",
        reproduction: str = "",
    ) -> ConformanceFailure:
        return cls(
            [
                Finding(
                    requirement,
                    CaseStatus.FAILED,
                    message,
                    expected=expected,
                    received=received,
                    reproduction=reproduction,
                )
            ]
        )

    @property
    def requirements(self) -> list[str]:
        return [f.requirement for f in self.findings]
