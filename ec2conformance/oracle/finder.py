"""What the oracle collects while it walks one request (:class:`Finder`): its faults, what
lies beyond the valid domain, the other items outside the contract, and the parameters
that name a resource that must already exist."""

from __future__ import annotations

from dataclasses import dataclass, field

from ec2conformance import golden
from ec2conformance.model import RequestSpec
from ec2conformance.oracle.outcomes import Fault, Outcome

__all__ = ["Finder"]


@dataclass
class Finder:
    """Walks one request and collects its faults, domain violations and outside items."""

    spec: RequestSpec
    availability_zones: tuple[str, ...]  # the suite's zones: naming another names a resource
    faults: list[Fault] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)  # beyond the valid domain (bulleted)
    outside: list[str] = field(default_factory=list)  # the other "Outside the contract" items
    resources: list[str] = field(default_factory=list)

    def fault(self, requirement: str, detail: str) -> None:
        """Record a fault of ``requirement``, with the row's stage, level and outcomes."""
        row = golden.requirements()[requirement]
        outcomes = tuple(Outcome(a.status, a.code) for a in row.expected)
        stage = row.stage
        if stage is None:  # pragma: no cover - every fault row has a stage
            raise ValueError(f"{requirement} has no stage")
        self.faults.append(Fault(requirement, stage, row.level, outcomes, detail))
