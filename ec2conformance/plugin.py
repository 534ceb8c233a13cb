"""The suite's pytest plugin: options, the target and its fixtures, the verdict, reports.

Loaded by the repository's ``conftest.py``. Everything it keeps lives in ``config.stash``.

Flow of a run: ``pytest_configure`` resolves the target (starting the embedded reference
endpoint when no ``--endpoint`` is given) and stops the run at once, with one line and a
``not-run`` summary, when it cannot run at all. Each test names its requirement with the
``requirement`` marker; its outcome becomes findings (``pytest_runtest_makereport``); at the
end the findings become requirement statuses, a verdict, the exit status and ``reports/``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ec2conformance import ROOT
from ec2conformance.findings import CaseStatus, ConformanceFailure, Finding
from ec2conformance.fuzzing import FuzzSession
from ec2conformance.model import Credentials, Identity
from ec2conformance.report import RunInfo, write_reports
from ec2conformance.verdict import (
    EXIT_CODES,
    BaselineComparison,
    RunResult,
    Verdict,
    Waiver,
    compare_with_baseline,
    decide,
)
from ec2conformance.waivers import WaiverFileError, load_waivers

DEFAULT_REPORTS = ROOT / "reports"


class ConformanceWarning(UserWarning):
    """A SHOULD requirement failed (a warning unless --strict-conformance)."""


# --------------------------------------------------------------------------- options


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reject(option: str, message: str) -> argparse.ArgumentTypeError:
    """A bad option value: still write a not-run summary, then let pytest name the option."""
    _write_not_run(DEFAULT_REPORTS, None, False, f"bad value for {option}: {message}")
    return argparse.ArgumentTypeError(message)


def _endpoint(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _reject("--endpoint", f"{value!r} is not an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise _reject("--endpoint", f"{value!r} has a bad port") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _reject("--endpoint", f"{value!r}: give the endpoint's root (no path or query)")
    return value.rstrip("/")


def _region(value: str) -> str:
    if not value or not all(c.isalnum() or c == "-" for c in value) or value != value.lower():
        raise _reject("--region", f"{value!r} is not a region name such as us-east-1")
    return value


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise _reject("--request-timeout", f"{value!r} is not a number of seconds") from None
    if not 0 < seconds <= 600:
        raise _reject("--request-timeout", f"{value!r} is not between 0 and 600 seconds")
    return seconds


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        raise _reject("--fuzz-minutes", f"{value!r} is not a number of minutes") from None
    if not 0 < minutes <= 24 * 60:
        raise _reject("--fuzz-minutes", f"{value!r} is not between 0 and 1440 minutes")
    return minutes


def _existing_file(option: str) -> Any:
    def convert(value: str) -> Path:
        path = Path(value)
        if not path.is_file():
            raise _reject(option, f"{value!r} is not a readable file")
        return path

    return convert


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "ImportInstance conformance (see README.md)")
    group.addoption(
        "--endpoint",
        type=_endpoint,
        default=None,
        help="the target, e.g. http://127.0.0.1:4566 (default: the embedded reference endpoint)",
    )
    group.addoption("--region", type=_region, default="us-east-1", help="SigV4 region")
    group.addoption(
        "--access-key-id", default=None, help="permitted identity (default $AWS_ACCESS_KEY_ID)"
    )
    group.addoption(
        "--secret-access-key",
        default=None,
        help="permitted identity's secret (default $AWS_SECRET_ACCESS_KEY)",
    )
    group.addoption(
        "--denied-access-key-id",
        default=None,
        help="an identity with valid credentials but no permission for ImportInstance",
    )
    group.addoption("--denied-secret-access-key", default=None, help="the denied identity's secret")
    group.addoption(
        "--availability-zone", default=None, help="the zone valid requests name (<region>a)"
    )
    group.addoption(
        "--strict-conformance",
        action="store_true",
        default=False,
        help="SHOULD counts as MUST; only first alternatives; the order of checks is enforced",
    )
    group.addoption(
        "--waivers",
        type=_existing_file("--waivers"),
        default=None,
        help="TOML/JSON file of known deviations (requirement id, reason, link, expires)",
    )
    group.addoption(
        "--allow-mutating",
        action="store_true",
        default=False,
        help="permit requests that create or cancel tasks on a non-loopback target",
    )
    group.addoption(
        "--safe-mode",
        action="store_true",
        default=False,
        help="DryRun-only requests even on a loopback target (as for a remote one)",
    )
    group.addoption(
        "--baseline",
        type=_existing_file("--baseline"),
        default=None,
        help="an earlier summary.json: exit 1 only when a requirement got worse",
    )
    group.addoption(
        "--request-timeout",
        type=_timeout,
        default=10.0,
        help="seconds per request (default 10)",
    )
    group.addoption(
        "--fuzz-minutes",
        type=_minutes,
        default=None,
        help="an exploratory session: share N minutes among the selected generated tests",
    )
    group.addoption(
        "--reports-dir",
        type=Path,
        default=None,
        help="where summary.json and summary.md go (default reports/)",
    )


# --------------------------------------------------------------------------- state


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

    @property
    def has_denied_identity(self) -> bool:
        return Identity.DENIED in self.identities


@dataclass
class RunState:
    """Everything the plugin keeps for one run (in ``config.stash``)."""

    target: Target | None = None
    reports_dir: Path = DEFAULT_REPORTS
    started: str = field(default_factory=_now)
    findings: list[Finding] = field(default_factory=list)
    waivers: dict[str, Waiver] = field(default_factory=dict)
    baseline: dict[str, str] | None = None
    implements_import_instance: bool | None = None
    not_run_reason: str | None = None
    server: Any = None
    result: RunResult | None = None
    baseline_comparison: BaselineComparison | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    recorded_by_case: dict[str, set[str]] = field(default_factory=dict)
    seen_request_ids: set[str] = field(default_factory=set)  # RESP-REQUEST-ID freshness
    seen_task_ids: set[str] = field(default_factory=set)  # RESP-TASK-ID freshness
    fuzz: FuzzSession | None = None

    def record(self, finding: Finding) -> None:
        self.findings.append(finding)
        if finding.case:
            self.recorded_by_case.setdefault(finding.case, set()).add(finding.requirement)


STATE = pytest.StashKey[RunState]()


def state_of(config: pytest.Config) -> RunState:
    return config.stash[STATE]


# --------------------------------------------------------------------------- start-up


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1, or a host name that resolves only to those."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def _reachable(endpoint: str, timeout: float) -> str | None:
    """None when a TCP connection to the endpoint opens, else why not."""
    parts = urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=min(timeout, 10.0)):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def _load_requirement_levels() -> dict[str, str]:
    from ec2conformance import golden

    return {rid: req.level for rid, req in golden.requirements().items()}


def _write_not_run(directory: Path, endpoint: str | None, strict: bool, reason: str) -> None:
    try:
        levels = _load_requirement_levels()
    except Exception:  # the data itself may be what is broken
        levels = {}
    result = decide(levels, [], strict=strict)
    result.verdict = Verdict.NOT_RUN
    now = _now()
    info = RunInfo(endpoint=endpoint, strict=strict, started=now, finished=now, reason=reason)
    write_reports(directory, info, result)


def _not_run(config: pytest.Config, state: RunState, reason: str) -> None:
    state.not_run_reason = reason
    endpoint = config.getoption("endpoint")
    _write_not_run(state.reports_dir, endpoint, config.getoption("strict_conformance"), reason)
    raise pytest.UsageError(f"not-run: {reason}")


def _identity(key_id: str | None, secret: str | None) -> Credentials | None:
    if key_id and secret:
        return Credentials(key_id, secret)
    return None


def pytest_configure(config: pytest.Config) -> None:
    state = RunState()
    config.stash[STATE] = state
    reports = config.getoption("reports_dir")
    if reports is not None:
        state.reports_dir = reports if reports.is_absolute() else Path.cwd() / reports
    state.fuzz = FuzzSession(state.reports_dir, minutes=config.getoption("fuzz_minutes"))
    state.fuzz.load()
    state.fuzz.out = _live_writer(config)
    if config.getoption("help") or config.getoption("collectonly"):
        return
    strict = config.getoption("strict_conformance")
    region = config.getoption("region")
    zone = config.getoption("availability_zone") or f"{region}a"
    timeout = config.getoption("request_timeout")
    endpoint = config.getoption("endpoint")

    waivers_path = config.getoption("waivers")
    if waivers_path is not None:
        try:
            state.waivers = load_waivers(waivers_path, set(_load_requirement_levels()))
        except WaiverFileError as exc:
            _not_run(config, state, str(exc))
    baseline_path = config.getoption("baseline")
    if baseline_path is not None:
        try:
            doc = json.loads(baseline_path.read_text(encoding="utf-8"))
            state.baseline = {rid: row["status"] for rid, row in doc["requirements"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            _not_run(config, state, f"--baseline {baseline_path} is not a summary.json ({exc})")

    identities: dict[Identity, Credentials] = {}
    if endpoint is None:
        from ec2conformance import reference

        state.server = reference.start(host="127.0.0.1", port=0)
        config.add_cleanup(state.server.stop)
        endpoint = state.server.url
        identities[Identity.PERMITTED] = reference.PERMITTED
        identities[Identity.DENIED] = reference.DENIED
        embedded = True
    else:
        embedded = False
        why = _reachable(endpoint, timeout)
        if why is not None:
            _not_run(config, state, f"the endpoint {endpoint} is unreachable: {why}")
        permitted = _identity(
            config.getoption("access_key_id") or os.environ.get("AWS_ACCESS_KEY_ID"),
            config.getoption("secret_access_key") or os.environ.get("AWS_SECRET_ACCESS_KEY"),
        )
        if permitted is None:
            _not_run(
                config,
                state,
                "no permitted identity: give --access-key-id and --secret-access-key "
                "(or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            )
        identities[Identity.PERMITTED] = permitted  # type: ignore[assignment]
        denied = _identity(
            config.getoption("denied_access_key_id"), config.getoption("denied_secret_access_key")
        )
        if denied is not None:
            identities[Identity.DENIED] = denied

    host = urlsplit(endpoint).hostname or ""
    allow_mutating = config.getoption("allow_mutating")
    state.target = Target(
        endpoint=endpoint,
        region=region,
        availability_zone=zone,
        identities=identities,
        strict=strict,
        safe_mode=config.getoption("safe_mode") or (not _is_loopback(host) and not allow_mutating),
        allow_mutating=allow_mutating,
        request_timeout=timeout,
        embedded=embedded,
    )


def _live_writer(config: pytest.Config) -> Any:
    """A function that prints a line to the terminal now, past pytest's output capture."""

    def write(text: str) -> None:
        capture = config.pluginmanager.getplugin("capturemanager")
        terminal = config.pluginmanager.getplugin("terminalreporter")
        if terminal is None:
            return
        if capture is None:
            terminal.write_line(text)
            return
        with capture.global_and_fixture_disabled():
            terminal.write_line(text)

    return write


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def run_state(pytestconfig: pytest.Config) -> RunState:
    """The run's state (findings, facts learned about the target)."""
    return state_of(pytestconfig)


@pytest.fixture(scope="session")
def target(run_state: RunState) -> Target:
    """The endpoint under test, its identities and the run's mode."""
    if run_state.target is None:
        pytest.skip("no target (collection only)")
    return run_state.target


@pytest.fixture(scope="session")
def client(target: Target) -> Iterator[Any]:
    """One client (one connection pool) for the whole run."""
    from ec2conformance.client import Client

    with Client(
        target.endpoint,
        region=target.region,
        identities=target.identities,
        timeout=target.request_timeout,
    ) as c:
        yield c


@pytest.fixture(scope="session")
def sdk_client(target: Target) -> Any:
    """A factory of boto3 EC2 clients for the target, one per identity, retries off."""
    import boto3
    from botocore.config import Config

    made: dict[Identity, Any] = {}

    def make(identity: Identity) -> Any:
        if identity not in target.identities:
            pytest.skip(
                "no denied identity: give --denied-access-key-id and --denied-secret-access-key"
            )
        if identity not in made:
            creds = target.identities[identity]
            made[identity] = boto3.client(
                "ec2",
                endpoint_url=target.endpoint,
                region_name=target.region,
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret_access_key,
                config=Config(
                    retries={"max_attempts": 1, "mode": "standard"},
                    connect_timeout=target.request_timeout,
                    read_timeout=target.request_timeout,
                ),
            )
        return made[identity]

    return make


@pytest.fixture
def judge(request: pytest.FixtureRequest, run_state: RunState, target: Target, client: Any) -> Any:
    """A :class:`~ec2conformance.checks.Judge` for this test case."""
    from ec2conformance.checks import Judge

    return Judge(
        state=run_state,
        target=target,
        client=client,
        case=request.node.nodeid,
        levels=_load_requirement_levels(),
        attach=_allure_attach,
    )


def _allure_attach(name: str, text: str) -> None:
    try:
        import allure
    except ImportError:  # pragma: no cover - allure-pytest is a pinned dependency
        return
    allure.attach(text, name=name, attachment_type=allure.attachment_type.TEXT)


@pytest.fixture(scope="session")
def fuzz(run_state: RunState) -> FuzzSession:
    """What generated tests share: saved failures to replay, a fuzzing session's budget."""
    assert run_state.fuzz is not None
    return run_state.fuzz


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


# --------------------------------------------------------------------------- outcomes


def requirement_ids(item: pytest.Item) -> list[str]:
    """The requirement ids an item exercises (its ``requirement`` markers)."""
    return [m.args[0] for m in item.iter_markers("requirement")]


def _flatten(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        out: list[BaseException] = []
        for inner in exc.exceptions:
            out.extend(_flatten(inner))
        return out
    return [exc]


def _reproduction(item: pytest.Item, exc: BaseException) -> str:
    notes = [n for n in getattr(exc, "__notes__", []) if n.strip()]
    command = f"pytest '{item.nodeid}'"
    target = state_of(item.config).target
    if target is not None and not target.embedded:
        command += f" --endpoint {target.endpoint}"
    return "\n".join([*notes, command])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    state = state_of(item.config)
    ids = requirement_ids(item)
    if not ids or report.when == "teardown":
        return report
    if report.when == "setup" and report.passed:
        return report
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        for rid in ids:
            state.record(Finding(rid, CaseStatus.SKIPPED, reason, case=item.nodeid))
    elif report.failed and call.excinfo is not None:
        failures = _flatten(call.excinfo.value)
        conformance = [e for e in failures if isinstance(e, ConformanceFailure)]
        others = [e for e in failures if not isinstance(e, ConformanceFailure)]
        for exc in conformance:
            repro = _reproduction(item, exc)
            for f in exc.findings:
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
        for exc in others:
            message = f"the suite broke: {type(exc).__name__}: {exc}".strip()
            for rid in ids:
                state.record(Finding(rid, CaseStatus.ERROR, message[:2000], case=item.nodeid))
    elif report.passed and report.when == "call":
        already = state.recorded_by_case.get(item.nodeid, set())
        for rid in ids:
            if rid not in already:
                state.record(Finding(rid, CaseStatus.PASSED, case=item.nodeid))
    return report


# --------------------------------------------------------------------------- verdict


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if STATE not in config.stash:
        return
    state = state_of(config)
    if state.target is None or state.not_run_reason is not None:
        return
    strict = state.target.strict
    levels = _load_requirement_levels()
    result = decide(levels, state.findings, strict=strict, waivers=state.waivers)
    state.result = result
    extra: dict[str, Any] = {}
    if state.baseline is not None:
        comparison = compare_with_baseline(state.baseline, result.requirements)
        state.baseline_comparison = comparison
        extra["baseline"] = {
            "worse": [{"id": r, "before": b, "now": n} for r, b, n in comparison.worse],
            "better": [{"id": r, "before": b, "now": n} for r, b, n in comparison.better],
        }
    if state.facts:
        extra["facts"] = state.facts
    info = RunInfo(
        endpoint=state.target.endpoint,
        strict=strict,
        started=state.started,
        finished=_now(),
        implements_import_instance=state.implements_import_instance,
        safe_mode=state.target.safe_mode,
        extra=extra,
    )
    write_reports(state.reports_dir, info, result)
    if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR):
        return
    if state.baseline_comparison is not None:
        session.exitstatus = state.baseline_comparison.exit_code
    else:
        session.exitstatus = EXIT_CODES[result.verdict]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if STATE not in config.stash:
        return
    state = state_of(config)
    result = state.result
    if result is None or state.target is None:
        return
    tr = terminalreporter
    tr.section("ImportInstance conformance")
    interesting = [
        (rid, r) for rid, r in sorted(result.requirements.items()) if r.status.value != "passed"
    ]
    for rid, r in interesting:
        detail = (r.first_failure or r.reason or "").splitlines()
        tr.write_line(f"{r.status.value:8} {r.level:6} {rid}: {detail[0] if detail else ''}")
    if state.baseline_comparison is not None:
        for rid, before, now in state.baseline_comparison.worse:
            tr.write_line(f"worse    {rid}: {before} -> {now}")
        for rid, before, now in state.baseline_comparison.better:
            tr.write_line(f"better   {rid}: {before} -> {now}")
    if state.implements_import_instance is False:
        tr.write_line(
            "the target does not implement ImportInstance: a plain valid request was answered "
            "501, InvalidAction or a 5xx that is not XML"
        )
    totals = ", ".join(f"{v} {k}" for k, v in result.totals().items() if v)
    mode = " (strict)" if state.target.strict else ""
    tr.write_line(
        f"verdict: {result.verdict.value}{mode} against {state.target.endpoint} "
        f"({totals}); reports in {state.reports_dir}"
    )


def warn_should(finding: Finding) -> None:
    """Surface a warned SHOULD in pytest's warnings summary too."""
    warnings.warn(ConformanceWarning(f"[{finding.requirement}] {finding.message}"), stacklevel=2)
