"""Parallel runs (pytest-xdist, ``-n N``): the workers judge, the controller reports.

- The controller resolves the target as a single run does, except that it starts no
  embedded reference endpoint: each worker starts its own, as a single run does, and the
  summary names them all (``facts.endpoints``; ``endpoint`` is the first). One endpoint per
  worker rather than one for all: each endpoint then sees one worker's requests (its tasks,
  its ids) as a single run's endpoint sees the run's, and the workers do not queue behind
  one server in the controller's process (on a 2-core machine, a shared endpoint in the
  controller made ``-n 2`` about 1.3 times as fast as ``-n 0``, one per worker about 1.7
  times: ``benchmarks/xdist_speed.py``). Request and task
  ids are still judged fresh across the run: each worker among its own answers, the
  controller across workers. With ``--endpoint`` every worker talks to that endpoint.
- Each worker keeps its own run state (its client, its circuit breaker, the sample outcome
  it learns, the tasks it created and cancels at its end) and, at its end, hands its findings
  and facts to the controller (``workeroutput``) instead of writing reports.
- The controller merges them (:meth:`~ec2conformance.state.RunState.merge_workers`) as each
  worker goes down (``pytest_testnodedown``), then writes the one ``summary.json`` /
  ``summary.md``, the verdict and the exit status (``ec2conformance.plugin.outcomes``) and
  the saved fuzz failures. JUnit is the controller's (pytest-xdist's own); allure results are
  each worker's files in the one results directory (cleaned once, by the controller).

Without ``-n`` (or with ``-n 0``) none of this runs. The xdist hooks are optional: the suite
runs without pytest-xdist installed.
"""

from __future__ import annotations

from typing import Any

import pytest

from ec2conformance.fuzzing import FuzzSession
from ec2conformance.state import STATE, RunState

WORKER_INPUT = "ec2conformance"
"""The key of what the controller hands each worker in ``workerinput``."""

WORKER_OUTPUT = "ec2conformance"
"""The key of what each worker hands back in ``workeroutput``."""

OUTPUTS = pytest.StashKey[list[dict[str, Any]]]()


class WorkerFuzzSession(FuzzSession):
    """A worker's fuzzing session: its new failures go to the controller, which writes the
    one failures file (two workers writing it would each drop the other's)."""

    def write(self) -> None:
        return None


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker."""
    return hasattr(config, "workerinput")


def controller_input(config: pytest.Config) -> dict[str, Any] | None:
    """On a worker: what the controller handed it (None elsewhere)."""
    workerinput = getattr(config, "workerinput", None)
    return None if workerinput is None else workerinput.get(WORKER_INPUT)


EMBEDDED_PER_WORKER = "(an embedded reference endpoint per worker)"
"""A parallel run's controller's endpoint until the workers have said theirs."""


def will_hand_out_tests(config: pytest.Config) -> bool:
    """Whether this process is to be a pytest-xdist controller; known from ``pytest_configure``
    on (before xdist registers its session), unlike :func:`is_controller`."""
    if is_worker(config) or config.getoption("collectonly"):
        return False
    return config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") != "no"


def is_controller(config: pytest.Config) -> bool:
    """Whether this process hands tests to pytest-xdist workers (``-n`` of 1 or more)."""
    return not is_worker(config) and config.pluginmanager.hasplugin("dsession")


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Any:
    """``-n`` without ``--dist``: xdist's ``worksteal`` instead of its default ``load``.

    The generated tests (``suites/test_fuzz.py``) are a fifth of the tests and three
    quarters of the time, and sit together in the collection order: ``load`` hands tests
    out in large consecutive batches and never takes them back, so one worker often got
    nearly all of them and the other sat idle (``-n 2`` on the ``default`` profile: 16 s
    as often as 11 s, against 15.8 s for ``-n 0``); ``worksteal`` moves the tests still
    queued to whichever worker runs out (11 s every time). An explicit ``--dist`` is kept.
    A wrapper: it runs before xdist's own hook, which sets ``load`` where ``--dist`` was
    not given."""
    option = config.option
    asked = getattr(option, "numprocesses", None)
    if asked and getattr(option, "dist", None) == "no" and not getattr(option, "distload", False):
        option.dist = "worksteal"
    return (yield)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand each worker the run's start time (the summary's ``started``)."""
    state = node.config.stash.get(STATE, None)
    if state is None or state.target is None:
        return
    node.workerinput[WORKER_INPUT] = {"started": state.started}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """Keep a finished worker's findings; a worker that died leaves the run incomplete."""
    state: RunState | None = node.config.stash.get(STATE, None)
    if state is None:
        return
    output = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
    if output is None:
        state.lost_workers.append(f"{node.gateway.id}: {error or 'no findings handed back'}")
        return
    node.config.stash.setdefault(OUTPUTS, []).append(output)


def merge_into(config: pytest.Config, state: RunState) -> None:
    """On the controller, before the verdict: the workers' findings and facts, merged once."""
    outputs = config.stash.get(OUTPUTS, [])
    config.stash[OUTPUTS] = []
    state.merge_workers(outputs)
    if state.target is not None and state.target.endpoint == EMBEDDED_PER_WORKER:
        endpoints = sorted({o["endpoint"] for o in outputs})
        if endpoints:
            state.target.endpoint = endpoints[0]
            state.facts["endpoints"] = endpoints
    if state.lost_workers:
        state.facts["lost_workers"] = list(state.lost_workers)
    if state.fuzz is not None and any(o["fuzz_new_failures"] for o in outputs):
        state.fuzz.write()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a worker, the generated tests first (in their own order), then the others.

    The generated tests are the long ones: started first, they leave the short ones for
    the end, where they fill in whichever worker is idle (``worksteal``) instead of one
    worker finishing a long test alone (``-n 2``, ``default`` profile: 10.1-10.4 s against
    about 11 s in the collection order). Every worker sorts alike, so their collections
    stay the same. Before sorting, the run state keeps each test's place in the collection
    order a single run has (``RunState.case_order``), by which the controller merges the
    workers' findings. Runs after the selection (``-k``, ``-m``)."""
    if not is_worker(config):
        return
    state = config.stash.get(STATE, None)
    if state is not None:
        state.case_order = {item.nodeid: i for i, item in enumerate(items)}
    items.sort(key=lambda item: item.get_closest_marker("generated") is None)
