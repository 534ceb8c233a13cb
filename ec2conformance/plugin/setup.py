"""Start-up: the run's state, the target, waivers and baseline, or a ``not-run`` stop.

``pytest_configure`` resolves the target, starting the embedded reference endpoint
(``ec2conformance/reference/``) when no ``--endpoint`` is given, and stops the run at once,
with one line and a ``not-run`` summary, when it cannot run at all (an unreachable endpoint,
no permitted identity, a bad waivers or baseline file).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

from ec2conformance import golden, reference
from ec2conformance.exchange import Redactor, redact_log_records
from ec2conformance.fuzzing import FuzzFileWarning, FuzzSession
from ec2conformance.health import Health
from ec2conformance.model import Credentials, Identity
from ec2conformance.plugin.options import write_not_run
from ec2conformance.plugin.parallel import (
    EMBEDDED_PER_WORKER,
    WorkerFuzzSession,
    controller_input,
    is_worker,
    will_hand_out_tests,
)
from ec2conformance.reference.process import ReferenceProcess, start_process
from ec2conformance.state import STATE, RunState, Target
from ec2conformance.waivers import WaiverFileError, load_waivers

NO_PERMITTED_IDENTITY = (
    "no permitted identity: give --access-key-id and --secret-access-key "
    "(or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
)


def is_loopback(host: str) -> bool:
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


def unreachable(endpoint: str, timeout: float) -> str | None:
    """None when a TCP connection to the endpoint opens, else why not."""
    parts = urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=min(timeout, 10.0)):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


class _Start:
    """The start-up of one run: reads the options, fills the state, or stops the run."""

    def __init__(self, config: pytest.Config, state: RunState) -> None:
        self.config = config
        self.state = state
        self.option = config.getoption

    def stop(self, reason: str) -> NoReturn:
        self.state.not_run_reason = reason
        strict = self.option("strict_conformance")
        if not is_worker(self.config):  # a parallel run's reports are the controller's
            write_not_run(self.state.reports_dir, self.option("endpoint"), strict, reason)
        raise pytest.UsageError(f"not-run: {reason}")

    def waivers_and_baseline(self) -> None:
        path = self.option("waivers")
        if path is not None:
            try:
                self.state.waivers = load_waivers(path, set(golden.requirements()))
            except WaiverFileError as exc:
                self.stop(str(exc))
        path = self.option("baseline")
        if path is not None:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                self.state.baseline = {r: row["status"] for r, row in doc["requirements"].items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                self.stop(f"--baseline {path} is not a summary.json ({exc})")

    def embedded(self) -> tuple[str, dict[Identity, Credentials]]:
        """Start the reference endpoint on 127.0.0.1 and a free port, in a process of its
        own (in this one with ``--embedded-in-process``); its identities."""
        server: reference.RunningServer | ReferenceProcess
        if self.option("embedded_in_process"):
            server = reference.start(host="127.0.0.1", port=0)
        else:
            try:
                server = start_process("127.0.0.1")
            except (OSError, RuntimeError) as exc:
                self.stop(f"the embedded reference endpoint did not start: {exc}")
        self.state.server = server
        self.config.add_cleanup(server.stop)
        return server.url, {
            Identity.PERMITTED: reference.PERMITTED,
            Identity.DENIED: reference.DENIED,
        }

    def remote(self, endpoint: str) -> dict[Identity, Credentials]:
        """The given endpoint's identities, once it is known to answer."""
        why = unreachable(endpoint, self.option("request_timeout"))
        if why is not None:
            self.stop(f"the endpoint {endpoint} is unreachable: {why}")
        permitted = _credentials(
            self.option("access_key_id") or os.environ.get("AWS_ACCESS_KEY_ID"),
            self.option("secret_access_key") or os.environ.get("AWS_SECRET_ACCESS_KEY"),
        )
        if permitted is None:
            self.stop(NO_PERMITTED_IDENTITY)
        identities = {Identity.PERMITTED: permitted}
        denied = _credentials(
            self.option("denied_access_key_id"), self.option("denied_secret_access_key")
        )
        if denied is not None:
            identities[Identity.DENIED] = denied
        return identities

    def availability_zones(self, region: str) -> tuple[str, ...]:
        """``--availability-zones``, else the one zone of ``--availability-zone``, else
        ``<region>a,<region>b``."""
        zones: tuple[str, ...] | None = self.option("availability_zones")
        if zones:
            return zones
        one = self.option("availability_zone")
        return (one,) if one else (f"{region}a", f"{region}b")

    def target(self) -> Target:
        endpoint = self.option("endpoint")
        if endpoint is None and will_hand_out_tests(self.config):
            # a parallel run's controller: each worker starts its own embedded endpoint
            # (ec2conformance/plugin/parallel.py says why); their URLs are merged at the end
            endpoint = EMBEDDED_PER_WORKER
            identities = {
                Identity.PERMITTED: reference.PERMITTED,
                Identity.DENIED: reference.DENIED,
            }
        elif endpoint is None:
            endpoint, identities = self.embedded()
        else:
            identities = self.remote(endpoint)
        region = self.option("region")
        allow_mutating = self.option("allow_mutating")
        off_loopback = endpoint != EMBEDDED_PER_WORKER and not is_loopback(
            urlsplit(endpoint).hostname or ""
        )
        return Target(
            endpoint=endpoint,
            region=region,
            availability_zones=self.availability_zones(region),
            identities=identities,
            strict=self.option("strict_conformance"),
            safe_mode=self.option("safe_mode") or (off_loopback and not allow_mutating),
            allow_mutating=allow_mutating,
            request_timeout=self.option("request_timeout"),
            embedded=self.option("endpoint") is None,
            health=Health(limit=self.option("max_unanswered")),
            shrink_seconds=self.option("shrink_seconds"),
            ca_bundle=self.option("ca_bundle"),
        )


def _credentials(key_id: str | None, secret: str | None) -> Credentials | None:
    return Credentials(key_id, secret) if key_id and secret else None


def live_writer(config: pytest.Config) -> Callable[[str], None]:
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


DEFAULT_ARTIFACTS = {"xmlpath": "reports/junit.xml", "allure_report_dir": "reports/allure-results"}
"""The report paths ``pytest.ini`` gives (``--junitxml``, ``--alluredir``), by option."""


def redirect_artifacts(config: pytest.Config, reports_dir: Path) -> None:
    """With ``--reports-dir``, the JUnit file and the allure results go there too, unless
    their own option names another place."""
    for option, default in DEFAULT_ARTIFACTS.items():
        if getattr(config.option, option, None) == default:
            setattr(config.option, option, str(reports_dir / Path(default).name))


def _interrupt_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def stop_cleanly_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM (a CI time limit, ``kill``) interrupts the run as Ctrl-C does, so that the
    summary is still written, marked incomplete."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    config.add_cleanup(lambda: signal.signal(signal.SIGTERM, previous))


@pytest.hookimpl(tryfirst=True)  # before junitxml and allure read their paths
def pytest_configure(config: pytest.Config) -> None:
    state = RunState()
    config.stash[STATE] = state
    reports: Path | None = config.getoption("reports_dir")
    if reports is not None:
        state.reports_dir = reports if reports.is_absolute() else Path.cwd() / reports
        redirect_artifacts(config, state.reports_dir)
    worker = is_worker(config)
    if worker:
        given = controller_input(config) or {}
        state.started = given.get("started", state.started)
        # the controller cleaned the allure results once, before any worker wrote there
        config.option.clean_alluredir = False
    fuzz_session = WorkerFuzzSession if worker else FuzzSession
    state.fuzz = fuzz_session(
        state.reports_dir,
        minutes=config.getoption("fuzz_minutes"),
        variants_per_case=config.getoption("fuzz_variants"),
    )
    state.fuzz.load()
    if state.fuzz.notice is not None:
        config.issue_config_time_warning(FuzzFileWarning(state.fuzz.notice), stacklevel=2)
    state.fuzz.out = live_writer(config)
    if config.getoption("help") or config.getoption("collectonly"):
        return
    stop_cleanly_on_sigterm(config)
    start = _Start(config, state)
    if not worker:  # a parallel run's verdict (waivers, baseline) is the controller's
        start.waivers_and_baseline()
    state.target = start.target()
    secrets = [c.secret_access_key for c in state.target.identities.values()]
    config.add_cleanup(redact_log_records(Redactor(secrets)))
