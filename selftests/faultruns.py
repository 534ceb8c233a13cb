"""Running the suite against broken endpoints, and judging whether it caught each fault.

Shared by ``selftests/test_faults.py`` and ``benchmarks/catch_rate.py``. Each run starts the
reference endpoint with one fault (:func:`ec2conformance.reference.faults.start_faulty`) on
127.0.0.1 and a free port in this process, and runs the suite against it in a subprocess as
a user would (``--endpoint`` and the two identities, the ``ci`` Hypothesis profile,
``--request-timeout 1``), narrowed to the tests that can see the fault (the fault's
``selection``) and with ``--shrink-seconds 1``; the control runs (the correct endpoint
through the same layer) run the whole suite with its defaults. Runs go in parallel, each
with its own reports directory.

What a correct suite makes of a fault depends on its level (see :mod:`...faults`):

- MUST: ``non-conformant``, the fault's requirement ``failed``;
- SHOULD: ``conformant`` with the requirement ``warned``; with ``--strict-conformance``
  ``non-conformant`` with it ``failed``;
- ALTERNATIVE: ``conformant`` with the requirement ``passed``; with ``--strict-conformance``
  ``non-conformant`` with it ``failed``;

and in every run no requirement is in ``error`` (that would be the suite breaking).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import not_passed, run_suite

from ec2conformance.reference import DENIED, PERMITTED
from ec2conformance.reference.faults import (
    FAULTS,
    FAULTS_BY_NAME,
    PASS_THROUGH,
    Fault,
    start_faulty,
)

REQUEST_TIMEOUT = "1"
"""The request timeout of every fault run: the slow fault answers after 3 s."""
SHRINK_SECONDS = "1"
"""``--shrink-seconds`` of every run against a fault: a fault run judges which requirement
fails, not how small the failing case gets (shrinking has its own tests, in
test_fuzzing.py). With the default 60 s, shrinking was about 40% of the fault runs' time
(the first 12 faults: 39.4 s in all, 28.7 s with 1 s). The control runs keep the default."""
RUN_TIMEOUT = 900.0
"""A bound on one suite run (seconds); a run that takes longer is a failure of the test."""
WORKERS = max(2, min(4, os.cpu_count() or 2))
"""Parallel runs: one per core, 2 to 4 (on 2 cores, 2 workers beat 4: the servers share
this process and the suite runs are CPU-bound)."""

RunKey = tuple[str, bool]  # (fault name, strict)


@dataclass(frozen=True)
class FaultRun:
    """One run of the suite against one faulty endpoint."""

    fault: str
    strict: bool
    returncode: int | None
    summary: dict[str, Any] | None
    seconds: float
    output: str
    defects: tuple[str, ...] = ()

    @property
    def verdict(self) -> str | None:
        return None if self.summary is None else self.summary.get("verdict")

    def status(self, requirement: str) -> str | None:
        if self.summary is None:
            return None
        row = self.summary["requirements"].get(requirement)
        return None if row is None else row["status"]

    def with_status(self, *statuses: str) -> list[str]:
        if self.summary is None:
            return []
        rows = self.summary["requirements"]
        return sorted(rid for rid, row in rows.items() if row["status"] in statuses)

    def describe(self, requirement: str | None = None) -> str:
        """One paragraph: verdict, what failed/warned/errored, the requirement's row."""
        if self.summary is None:
            return f"no summary.json (exit {self.returncode}): {self.output[-1500:]}"
        parts = [
            f"verdict {self.verdict} (exit {self.returncode}, {self.seconds:.0f}s)",
            f"failed {self.with_status('failed')}",
            f"warned {self.with_status('warned')}",
        ]
        errors = self.with_status("error")
        if errors:
            reasons = {r: self.summary["requirements"][r].get("reason") for r in errors}
            parts.append(f"error {reasons}")
        if requirement is not None and self.summary["requirements"].get(requirement):
            row = self.summary["requirements"][requirement]
            parts.append(
                f"{requirement}: {row['status']} ({row['cases']} cases) "
                f"{(row.get('first_failure') or row.get('reason') or '')[:300]!r}"
            )
        if self.defects:
            parts.append(f"defects of the endpoint {list(self.defects)}")
        return "; ".join(parts)


def planned(faults: Iterable[Fault]) -> list[RunKey]:
    """The runs the faults need: default mode always, strict mode for SHOULD/ALTERNATIVE."""
    keys: list[RunKey] = []
    for fault in faults:
        keys.append((fault.name, False))
        if fault.level != "MUST":
            keys.append((fault.name, True))
    return keys


CONTROL: tuple[RunKey, ...] = ((PASS_THROUGH.name, False), (PASS_THROUGH.name, True))
"""The correct endpoint through the same layer and path: the whole suite, both modes."""


def suite_arguments(
    url: str,
    *,
    strict: bool,
    selection: str | None,
    shrink_seconds: str | None = SHRINK_SECONDS,
) -> list[str]:
    """The options a user would give the suite for this endpoint (``shrink_seconds``
    None: the suite's default)."""
    args = [
        "--endpoint",
        url,
        "--access-key-id",
        PERMITTED.access_key_id,
        "--secret-access-key",
        PERMITTED.secret_access_key,
        "--denied-access-key-id",
        DENIED.access_key_id,
        "--denied-secret-access-key",
        DENIED.secret_access_key,
        "--request-timeout",
        REQUEST_TIMEOUT,
    ]
    if strict:
        args.append("--strict-conformance")
    if selection:
        args += ["-k", selection]
    if shrink_seconds is not None:
        args += ["--shrink-seconds", shrink_seconds]
    return args


def run_fault(name: str, strict: bool, reports: Path, *, timeout: float = RUN_TIMEOUT) -> FaultRun:
    """Serve fault ``name`` and run the suite against it (control: ``"none"``, unnarrowed)."""
    fault = FAULTS_BY_NAME[name]
    control = fault is PASS_THROUGH
    selection = None if control else fault.selection
    shrink_seconds = None if control else SHRINK_SECONDS
    started = time.monotonic()
    with start_faulty(name) as server:
        try:
            run = run_suite(
                reports,
                *suite_arguments(
                    server.url, strict=strict, selection=selection, shrink_seconds=shrink_seconds
                ),
                timeout=timeout,
            )
        except Exception as exc:  # a timeout or a crash of the run: reported, not raised
            return FaultRun(name, strict, None, None, time.monotonic() - started, repr(exc))
        defects = tuple(repr(d) for d in server.defects)
    try:
        summary = run.summary
    except (OSError, ValueError):
        summary = None
    return FaultRun(
        name,
        strict,
        run.returncode,
        summary,
        time.monotonic() - started,
        (run.stdout + run.stderr)[-4000:],
        defects,
    )


def run_all(
    keys: Sequence[RunKey], base: Path, *, workers: int = WORKERS
) -> dict[RunKey, FaultRun]:
    """Every run in ``keys``, ``workers`` at a time, each under ``base/<fault>-<mode>``."""

    def one(key: RunKey) -> FaultRun:
        name, strict = key
        return run_fault(name, strict, base / f"{name}-{'strict' if strict else 'default'}")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, keys))
    return dict(zip(keys, results, strict=True))


# ------------------------------------------------------------------------------ judging


@dataclass
class Judgement:
    """Whether the suite caught one fault, and what else the fault tripped."""

    fault: Fault
    caught: bool
    reasons: list[str] = field(default_factory=list)
    also_tripped: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if not self.caught:
            return "missed"
        return "also-tripped" if self.also_tripped else "caught"


def _expect(run: FaultRun | None, verdict: str, status: str, requirement: str) -> list[str]:
    if run is None:
        return ["the run is missing"]
    mode = "strict" if run.strict else "default"
    problems = []
    if run.summary is None:
        return [f"{mode}: {run.describe()}"]
    if run.verdict != verdict:
        problems.append(f"{mode}: verdict {run.verdict}, expected {verdict}")
    if run.status(requirement) != status:
        problems.append(f"{mode}: {requirement} {run.status(requirement)}, expected {status}")
    if run.with_status("error"):
        problems.append(f"{mode}: requirements in error {run.with_status('error')}")
    if run.defects:
        problems.append(f"{mode}: defects of the endpoint {list(run.defects)}")
    if problems:
        problems.append(f"{mode} run: {run.describe(requirement)}")
    return problems


def judge(fault: Fault, runs: dict[RunKey, FaultRun]) -> Judgement:
    """What the runs of ``fault`` say: caught on the right requirement or missed."""
    default = runs.get((fault.name, False))
    strict = runs.get((fault.name, True))
    rid = fault.requirement
    if fault.level == "MUST":
        reasons = _expect(default, "non-conformant", "failed", rid)
    elif fault.level == "SHOULD":
        reasons = _expect(default, "conformant", "warned", rid)
        reasons += _expect(strict, "non-conformant", "failed", rid)
    else:
        reasons = _expect(default, "conformant", "passed", rid)
        reasons += _expect(strict, "non-conformant", "failed", rid)
    tripped = [] if default is None else default.with_status("failed", "warned")
    return Judgement(fault, not reasons, reasons, [r for r in tripped if r != rid])


def judge_control(runs: dict[RunKey, FaultRun]) -> list[str]:
    """Problems of the correct endpoint's runs: anything but conformant, all passed."""
    problems = []
    for key in CONTROL:
        run = runs.get(key)
        mode = "strict" if key[1] else "default"
        if run is None or run.summary is None:
            problems.append(f"{mode}: no summary ({run.describe() if run else 'not run'})")
            continue
        if run.verdict != "conformant" or run.returncode != 0:
            problems.append(f"{mode}: {run.describe()}")
        missed = not_passed(run.summary)
        if missed:
            problems.append(f"{mode}: not passed {missed}")
        if run.defects:
            problems.append(f"{mode}: defects {list(run.defects)}")
    return problems


def all_faults() -> tuple[Fault, ...]:
    """The table of faults (:data:`ec2conformance.reference.faults.FAULTS`)."""
    return FAULTS
