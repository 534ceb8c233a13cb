"""A target that stops answering ends the run early, with a full report.

The run's :class:`~ec2conformance.health.Health` (``ec2conformance/health.py``) opens after
``--max-unanswered`` consecutive exchanges without a whole answer and a plain DryRun probe
that went unanswered too. From then on:

- the test that was sending is skipped with the reason (its own failures are moot: nothing
  more can be asked), and FUZZ-NO-SERVER-ERROR is failed once with it;
- every test not yet run is skipped with the same reason before its fixtures are set up;
- ``summary.json`` says so in its facts (``stopped_answering``), the terminal in one line.

The verdict is then ``non-conformant`` (FUZZ-NO-SERVER-ERROR is a MUST).
"""

from __future__ import annotations

from typing import Any

import pytest

from ec2conformance.findings import CaseStatus, Finding
from ec2conformance.health import EndpointStoppedAnswering, Health
from ec2conformance.model import sample
from ec2conformance.state import STATE, RunState

NO_SERVER_ERROR = "FUZZ-NO-SERVER-ERROR"


def _state(config: pytest.Config) -> RunState | None:
    state = config.stash.get(STATE, None)
    return state if state is not None and state.target is not None else None


def install_probe(health: Health, send: Any, count: Any = None) -> None:
    """Give ``health`` its probe: the sample request with ``DryRun=true`` sent by ``send`` (the
    run's client), answered when a status line and a whole body came back. ``count`` (the
    run's request counter) hears of each probe sent."""

    def probe() -> bool:
        if count is not None:
            count()
        exchange = send(sample().with_params(DryRun="true"))
        return exchange.status is not None and not exchange.error

    health.probe = probe


def _stopped(state: RunState, item: pytest.Item, reason: str) -> None:
    """Record, once, that the target stopped answering (FUZZ-NO-SERVER-ERROR failed)."""
    if "stopped_answering" in state.facts:
        return
    state.facts["stopped_answering"] = reason
    state.record(
        Finding(
            NO_SERVER_ERROR,
            CaseStatus.FAILED,
            reason,
            expected="an answer to every request within the request timeout",
            received=reason,
            case=item.nodeid,
        )
    )


def _skip_when_stopped(item: pytest.Item) -> Any:
    """The body of the setup and call wrappers: the send that found the target stopped
    skips its test (FUZZ-NO-SERVER-ERROR is failed once with the reason)."""
    try:
        return (yield)
    except EndpointStoppedAnswering as exc:
        state = _state(item.config)
        if state is not None:
            _stopped(state, item, str(exc))
        pytest.skip(str(exc))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test after the target stopped answering is skipped before its fixtures are set up
    (a plain hook, so that every wrapper around the setup has run its own part)."""
    state = _state(item.config)
    reason = state.target.health.stopped if state is not None and state.target else None
    if state is not None and reason:
        _stopped(state, item, reason)
        pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_runtest_setup")
def setup_wrapper(item: pytest.Item) -> Any:
    return (yield from _skip_when_stopped(item))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    return (yield from _skip_when_stopped(item))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = _state(config)
    if state is not None and "stopped_answering" in state.facts:
        terminalreporter.write_line(
            f"{state.facts['stopped_answering']}; the tests after it were skipped "
            "(--max-unanswered sets how many unanswered requests end a run)"
        )
