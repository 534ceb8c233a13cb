"""What the oracle says about a request: the acceptable outcomes (:class:`Outcome`), the
faults it found (:class:`Fault`), and the verdict before any answer is seen
(:class:`Expectation`), with where a wrong answer is recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ec2conformance import golden
from ec2conformance.model import RequestSpec

__all__ = ["SUCCESS", "Expectation", "Fault", "Outcome", "is_throttled"]


@dataclass(frozen=True)
class Outcome:
    """One acceptable answer: ``Outcome(200, None)`` is success; an error ``code`` with
    ``status`` ``None`` passes with any error status (the exact status is judged by
    ERR-STATUS-MATCHES and ERR-STATUS-DOCUMENTED); a row that names its status
    (PERM-DRYRUN-PERMITTED 412, PERM-DRYRUN-DENIED and PERM-DENIED 403) fixes it."""

    status: int | None
    code: str | None

    def matches(self, status: int, code: str | None) -> bool:
        """Whether an answer is this outcome: kind, code and, where fixed, status."""
        if not self.matches_kind_and_code(status, code):
            return False
        return self.status is None or status == self.status

    def matches_kind_and_code(self, status: int, code: str | None) -> bool:
        """Whether an answer is this outcome by kind (200 or error) and code alone."""
        if self.code is None:
            return status == 200 and code is None
        return code == self.code and not 200 <= status < 300

    def __str__(self) -> str:
        if self.code is None:
            return str(self.status)
        return f"{self.status or 'any error status'} {self.code}"


SUCCESS = Outcome(200, None)


@dataclass(frozen=True)
class Fault:
    """One fault found in a request: the requirement it breaks, its stage in the order of
    checks, the requirement's level and the outcomes it alone would be answered with (all
    the row's alternatives, first the strict one)."""

    requirement: str
    stage: int
    level: str
    outcomes: tuple[Outcome, ...]
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.requirement} (stage {self.stage}): {self.detail}"


@dataclass(frozen=True)
class Expectation:
    """The contract's verdict on one request, before any answer is seen.

    ``faults`` are in stage order. ``valid`` means inside the contract with no fault at
    stages 1-4 (a denied identity or ``DryRun=true`` leave a request valid: the PERM-* rows
    describe valid requests). ``outside_contract`` requests are judged only on an answer
    within the timeout on a connection that is not dropped (``outside_reasons`` says why).
    ``acceptable`` lists every outcome that passes, the strict one first; ``resources`` names
    the parameters that name a resource that must already exist.
    """

    spec: RequestSpec
    strict: bool
    safe_mode: bool
    faults: tuple[Fault, ...]
    outside_contract: bool
    outside_reasons: tuple[str, ...]
    acceptable: tuple[Outcome, ...]
    resources: tuple[str, ...] = ()
    resource_outcomes: tuple[Outcome, ...] = ()
    describing: tuple[str, ...] = ()
    allowed_stages: frozenset[int] = field(default_factory=frozenset)

    @property
    def valid(self) -> bool:
        return not self.outside_contract and not any(f.stage <= 4 for f in self.faults)

    @property
    def exercises(self) -> tuple[str, ...]:
        """The requirement ids this request exercises: the rows that describe it, else its
        faults' requirements, else FUZZ-ORACLE (a valid generated request)."""
        if self.describing:
            return self.describing
        if self.faults:
            return _unique(f.requirement for f in self.faults)
        return ("FUZZ-ORACLE",)

    def accepts(self, status: int, code: str | None) -> bool:
        """Whether the answer's kind and code (and status, where a row fixes it) pass.

        A 5xx is besides always FUZZ-NO-SERVER-ERROR's failure (see :meth:`record_against`);
        a request outside the contract accepts every answer."""
        if self.outside_contract:
            return True
        return any(o.matches(status, code) for o in self.acceptable)

    def record_against(self, status: int, code: str | None) -> tuple[str, ...]:
        """The requirement ids a wrong answer is recorded against ("Where a failure is
        recorded"); empty for an acceptable answer, a request outside the contract, or a
        throttled answer (503 RequestLimitExceeded/ServiceUnavailable: skipped, never
        failed). A 5xx adds FUZZ-NO-SERVER-ERROR."""
        if self.outside_contract or is_throttled(status, code):
            return ()
        extra = ("FUZZ-NO-SERVER-ERROR",) if status >= 500 else ()
        if self.accepts(status, code):
            return extra
        return _unique([*self._wrong(status, code), *extra])

    def _wrong(self, status: int, code: str | None) -> list[str]:
        if self.describing:
            return list(self.describing)
        if not self.faults:
            return ["FUZZ-ORACLE"]
        if len(self.faults) == 1:
            return [self.faults[0].requirement]
        candidates = [
            (f.stage, f.requirement)
            for f in self.faults
            if any(o.matches_kind_and_code(status, code) for o in f.outcomes)
        ]
        if any(o.matches_kind_and_code(status, code) for o in self.resource_outcomes):
            candidates.append((4, ""))
        if not candidates:
            # An outcome none of the faults would give alone: each fault's requirement.
            return [f.requirement for f in self.faults]
        in_place = [req for stage, req in candidates if stage in self.allowed_stages and req]
        if in_place:
            # In order, but a status the row fixes or (strict) not the first alternative.
            return in_place
        first = min(stage for stage, _ in candidates)
        earlier = sorted({f.stage for f in self.faults if f.stage < first})
        if any(stage in (1, 2) for stage in earlier):
            return [f.requirement for f in self.faults if f.stage == earlier[0]]
        if first == 6 and 5 in earlier:
            return [f.requirement for f in self.faults if f.stage == 5]
        return ["FUZZ-ORACLE"]

    def inconclusive_in_safe_mode(self, status: int, code: str | None) -> bool:
        """Whether the answer is the inconclusive 412 DryRunOperation to a request with a
        stage 3-4 fault in safe mode (the case is skipped with that reason, never passed)."""
        return (
            self.safe_mode
            and status == 412
            and code == "DryRunOperation"
            and any(f.stage in (3, 4) for f in self.faults)
        )

    def describe(self) -> str:
        """One line for reports: the faults and what passes."""
        if self.outside_contract:
            return "outside the contract: " + "; ".join(self.outside_reasons)
        faults = "; ".join(str(f) for f in self.faults) or "valid"
        return f"{faults} → acceptable: {' | '.join(str(o) for o in self.acceptable)}"


def is_throttled(status: int, code: str | None) -> bool:
    """A throttling answer (503 with RequestLimitExceeded or ServiceUnavailable): retried
    with back-off and, if it persists, skipped as throttled, never failed."""
    throttling = golden.domain()["throttling"]
    return status == throttling["status"] and code in throttling["codes"]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
