"""A pytest plugin for ``benchmarks/time_budget.py``: timers around the stages of a request
(drawing the example, preparing the request, the round trip, attaching, judging), exclusive
of each other, and how long the tests took and what came after them until exit (the
reports). Loaded with ``-p budget_plugin`` (this directory on ``PYTHONPATH``); at exit it
writes the figures as JSON to the file named by ``BUDGET_FILE``. Not part of the suite: the
suite never loads it.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest

#: Stage -> seconds spent in it, its nested stages excluded.
spent: defaultdict[str, float] = defaultdict(float)
calls: defaultdict[str, int] = defaultdict(int)
_stack: list[list[float]] = []  # per open stage: [time spent in its nested stages]
marks: dict[str, float] = {}


def timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its own time added to ``stage`` (nested timed stages excluded)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _stack.append([0.0])
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            inclusive = time.perf_counter() - start
            nested = _stack.pop()[0]
            spent[stage] += inclusive - nested
            calls[stage] += 1
            if _stack:
                _stack[-1][0] += inclusive

    return wrapper


def _wrap(owner: Any, name: str, stage: str) -> None:
    setattr(owner, name, timed(stage, getattr(owner, name)))


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis.control import BuildContext

    from ec2conformance.checks.attachments import Attachments
    from ec2conformance.checks.judge import Judge
    from ec2conformance.client import Client
    from ec2conformance.transport import BoundedTransport

    atexit.register(_write_figures)
    _wrap(BuildContext, "prep_args_kwargs_from_strategies", "drawing the example")
    _wrap(Client, "prepare", "preparing the request (encoding, signing)")
    _wrap(BoundedTransport, "send", "the round trip (requests, the socket, the endpoint)")
    _wrap(Client, "send", "the exchange's record (Client.send, the rest)")
    _wrap(Attachments, "sent", "attaching (allure)")
    _wrap(Attachments, "failed", "attaching (allure)")
    _wrap(Judge, "check_request", "judging (oracle, outcome, answer checks)")


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Any:
    marks["first test"] = time.perf_counter()
    try:
        return (yield)
    finally:
        marks["last test"] = time.perf_counter()


def _write_figures() -> None:
    """At exit (after pytest's own unconfigure, where reports are written)."""
    path = os.environ.get("BUDGET_FILE")
    if not path:
        return
    ended = time.perf_counter()
    figures = {
        "spent": dict(spent),
        "calls": dict(calls),
        "tests": marks.get("last test", ended) - marks.get("first test", ended),
        "close": ended - marks.get("last test", ended),
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(figures, out)
