"""Outcomes: each test's result as findings, then the verdict, the exit status, ``reports/``
and the terminal summary.

Each test names its requirement with the ``requirement`` marker (``suites/``). A failure
carrying :class:`~ec2conformance.findings.ConformanceFailure` becomes a failed finding of each
requirement it names; any other exception is the suite breaking (``error``); a skip is a
skipped finding with its reason; a pass is a pass of every requirement of the test that its
checks did not already record.
"""

from __future__ import annotations

from typing import Any

import pytest

from ec2conformance import golden
from ec2conformance.findings import CaseStatus, ConformanceFailure, Finding
from ec2conformance.plugin.parallel import WORKER_OUTPUT, is_controller, is_worker, merge_into
from ec2conformance.report import RunInfo, group_table, write_reports
from ec2conformance.state import STATE, RunState, now, state_of
from ec2conformance.verdict import EXIT_CODES, Verdict, compare_with_baseline, decide

NOT_IMPLEMENTED = (
    "the target does not implement ImportInstance: a plain valid request was answered "
    "501, InvalidAction or a 5xx that is not XML"
)


def requirement_ids(item: pytest.Item) -> list[str]:
    """The requirement ids an item exercises (its ``requirement`` markers)."""
    return [m.args[0] for m in item.iter_markers("requirement")]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Requirement ids are keywords of their tests, so ``-k LIFE-CANCEL`` selects them."""
    for item in items:
        item.extra_keyword_matches.update(requirement_ids(item))


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None and state.fuzz is not None:
        state.fuzz.generated_tests = sum(
            1 for item in session.items if item.get_closest_marker("generated") is not None
        )


def _flatten(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [inner for group in exc.exceptions for inner in _flatten(group)]
    return [exc]


def _reproduction(item: pytest.Item, exc: BaseException) -> str:
    notes = [n for n in getattr(exc, "__notes__", []) if n.strip()]
    command = f"pytest '{item.nodeid}'"
    target = state_of(item.config).target
    if target is not None and not target.embedded:
        command += f" --endpoint {target.endpoint}"
    return "\n".join([*notes, command])


def _record_failure(state: RunState, item: pytest.Item, exc: BaseException) -> None:
    failures = _flatten(exc)
    for failure in failures:
        if not isinstance(failure, ConformanceFailure):
            message = f"the suite broke: {type(failure).__name__}: {failure}".strip()
            for rid in requirement_ids(item):
                state.record(Finding(rid, CaseStatus.ERROR, message[:2000], case=item.nodeid))
            continue
        repro = _reproduction(item, failure)
        for f in failure.findings:
            state.record(
                Finding(
                    f.requirement,
                    CaseStatus.FAILED,
                    f.message,
                    expected=f.expected,
                    received=f.received,
                    reproduction="\n".join(p for p in (f.reproduction, repro) if p),
                    case=item.nodeid,
                )
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    state = state_of(item.config)
    ids = requirement_ids(item)
    if not ids or report.when == "teardown" or (report.when == "setup" and report.passed):
        return report
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for rid in ids:
            state.record(
                Finding(rid, CaseStatus.SKIPPED, reason.removeprefix("Skipped: "), case=item.nodeid)
            )
    elif report.failed and call.excinfo is not None:
        _record_failure(state, item, call.excinfo.value)
    elif report.passed and report.when == "call":
        already = state.recorded_by_case.get(item.nodeid, set())
        for rid in ids:
            if rid not in already:
                state.record(Finding(rid, CaseStatus.PASSED, case=item.nodeid))
    return report


def _baseline_extra(state: RunState) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if state.baseline is not None and state.result is not None:
        comparison = compare_with_baseline(state.baseline, state.result.requirements)
        state.baseline_comparison = comparison
        extra["baseline"] = {
            "worse": [{"id": r, "before": b, "now": n} for r, b, n in comparison.worse],
            "better": [{"id": r, "before": b, "now": n} for r, b, n in comparison.better],
        }
    if state.facts:
        extra["facts"] = state.facts
    return extra


def _complete(session: pytest.Session, exitstatus: int) -> bool:
    """Whether the run went to its end: not interrupted (Ctrl-C, SIGTERM), not stopped by
    ``--maxfail`` or ``-x``."""
    stopped = bool(session.shouldfail or session.shouldstop)
    return exitstatus != pytest.ExitCode.INTERRUPTED and not stopped


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if STATE not in config.stash:
        return
    state = state_of(config)
    if state.target is None or state.not_run_reason is not None:
        return
    if is_worker(config):  # a parallel worker: the controller merges and reports
        config.workeroutput[WORKER_OUTPUT] = state.worker_output()  # type: ignore[attr-defined]
        return
    if is_controller(config):
        merge_into(config, state)
    levels = {rid: row.level for rid, row in golden.requirements().items()}
    state.result = decide(
        levels,
        state.all_findings(),
        strict=state.target.strict,
        waivers=state.waivers,
        not_applicable=modes_off(config),
    )
    complete = _complete(session, exitstatus) and not state.lost_workers
    if not complete and state.result.verdict is not Verdict.NON_CONFORMANT:
        state.result.verdict = Verdict.INCONCLUSIVE  # nothing proves conformance half-way
    info = RunInfo(
        endpoint=state.target.endpoint,
        strict=state.target.strict,
        started=state.started,
        finished=now(),
        implements_import_instance=state.implements_import_instance,
        safe_mode=state.target.safe_mode,
        complete=complete,
        extra=_baseline_extra(state),
    )
    write_reports(state.reports_dir, info, state.result)
    if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR):
        return
    if state.baseline_comparison is not None:
        session.exitstatus = state.baseline_comparison.exit_code
    else:
        session.exitstatus = EXIT_CODES[state.result.verdict]


#: The options that turn on a mode some requirements are judged only in.
MODE_OPTIONS = {"--reference-endpoint": ("reference_endpoint", "replay")}


def modes_off(config: pytest.Config) -> frozenset[str]:
    """The requirements judged only in a mode this run is not in (their row's
    ``only_with``): skipped, but the run is not incomplete for them."""
    off = set()
    for rid, row in golden.requirements().items():
        if row.only_with is None:
            continue
        dests = MODE_OPTIONS.get(row.only_with, ())
        if not any(config.getoption(dest, None) is not None for dest in dests):
            off.add(rid)
    return frozenset(off)


ONE_ZONE = (
    "note: one availability zone was given, so RESP-AZ-ECHO cannot tell an echo of it from an"
    " endpoint that answers that zone whatever it is asked; give two with"
    " --availability-zones"
)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.result is None or state.target is None:
        return
    tr = terminalreporter
    tr.section("ImportInstance conformance")
    for rid, r in sorted(state.result.requirements.items()):
        if r.status.value != "passed":
            detail = (r.first_failure or r.reason or "").splitlines()
            tr.write_line(f"{r.status.value:8} {r.level:6} {rid}: {detail[0] if detail else ''}")
    if state.baseline_comparison is not None:
        for rid, before, after in state.baseline_comparison.worse:
            tr.write_line(f"worse    {rid}: {before} -> {after}")
        for rid, before, after in state.baseline_comparison.better:
            tr.write_line(f"better   {rid}: {before} -> {after}")
    _say_not_shrunk(tr, state.facts.get("not_shrunk", {}))
    if len(state.target.availability_zones) == 1:
        tr.write_line(ONE_ZONE)
    if state.implements_import_instance is False:
        tr.write_line(NOT_IMPLEMENTED)
    # The per-group table and the verdict come last, after pytest's own counts line
    # (pytest_unconfigure).


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The console's last lines: the per-group table, then the verdict."""
    state = config.stash.get(STATE, None)
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if state is None or state.result is None or state.target is None or tr is None:
        return
    rows = {rid: {"status": r.status.value} for rid, r in state.result.requirements.items()}
    tr.write_line("")
    for line in group_table(rows, markdown=False):
        tr.write_line(line)
    totals = ", ".join(f"{v} {k}" for k, v in state.result.totals().items() if v)
    mode = " (strict)" if state.target.strict else ""
    tr.write_line(
        f"verdict: {state.result.verdict.value}{mode} against {state.target.endpoint} "
        f"({totals}); reports in {state.reports_dir}"
    )


def _say_not_shrunk(tr: Any, not_shrunk: dict[str, str]) -> None:
    """Once per reason: which generated tests reported their failure without shrinking it."""
    by_reason: dict[str, list[str]] = {}
    for key, why in not_shrunk.items():
        by_reason.setdefault(why, []).append(key)
    for why, keys in by_reason.items():
        tr.write_line(f"{len(keys)} generated test(s) reported unshrunk ({', '.join(keys)}): {why}")
