"""The lifecycle verifiers: an ImportInstance followed by DescribeConversionTasks and
CancelConversionTask (LIFE-*), and PERM-DRYRUN-NO-SIDE-EFFECT.

A target has DescribeConversionTasks (and is taken to have CancelConversionTask) when
``Action=DescribeConversionTasks`` with no ids is answered 200 with an XML body (the probe,
:func:`has_describe`, whose answer no error check judges). The checks themselves are in
:mod:`ec2conformance.checks.lifecycle`; what they expect comes from the rows.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ec2conformance import registry
from ec2conformance.checks import Answer, Judge
from ec2conformance.checks.lifecycle import (
    action_of,
    check_cancelled_task,
    check_described_task,
    check_no_side_effect,
    check_unknown_task,
    tasks_of,
)
from ec2conformance.client import Exchange
from ec2conformance.model import RequestSpec, sample
from ec2conformance.state import RunState

DESCRIBE = action_of("LIFE-DESCRIBE")
CANCEL = action_of("LIFE-CANCEL")
UNKNOWN_TASK_IDS = {"well-formed-unknown": "import-i-zzzzzzzzzzzzzzzzz", "malformed": "foo"}
"""A task id for each variant of LIFE-UNKNOWN-TASK's row."""


def has_describe(judge: Judge) -> bool:
    """The probe, asked once per run: does the target have DescribeConversionTasks? Sent by
    ``judge`` at run level (recorded, and mirrored in differential mode, its findings
    recorded at once: the probe is no test's case)."""
    state = judge.state
    if "has_describe_conversion_tasks" not in state.facts:
        probe = judge if judge.at_once else judge.at_run_level()
        exchange = probe.send(RequestSpec.of([], action=DESCRIBE))
        answer = Answer.read(exchange)
        has = answer.status == 200 and answer.is_xml
        state.facts["has_describe_conversion_tasks"] = has
        if not has:
            state.facts["describe_probe"] = _probe_answer(exchange, answer)
    return bool(state.facts["has_describe_conversion_tasks"])


def _probe_answer(exchange: Exchange, answer: Answer) -> str:
    """What the probe got, when it was no 200 with an XML body (the lifecycle tests' skip
    reason): a target that lists more tasks than the client's cap on a body fails it too."""
    if exchange.status is None:
        return f"no answer ({exchange.error})"
    if exchange.truncated:
        return f"{exchange.status} with a body longer than the client keeps (cut there)"
    if answer.status != 200:
        return f"{exchange.status} {answer.code or ''}".rstrip()
    return f"200 with a body that is not XML ({answer.parse_error or 'unreadable'})"


def no_describe_reason(state: RunState) -> str:
    """Why the lifecycle tests are skipped: the probe's answer."""
    got = state.facts.get("describe_probe", "not 200 XML")
    return f"the target does not have DescribeConversionTasks (the probe got {got})"


def _describe(judge: Judge, *ids: str) -> tuple[Exchange, Answer, list[dict[str, Any]] | None]:
    params = [(f"ConversionTaskId.{i}", task_id) for i, task_id in enumerate(ids, start=1)]
    spec = RequestSpec.of(params, action=DESCRIBE)
    exchange = judge.send(spec)
    answer = judge.observe(spec, exchange)
    return exchange, answer, tasks_of(DESCRIBE, answer, exchange.response_body)


def _create_task(judge: Judge, description: str | None = None) -> str:
    if judge.target.safe_mode:
        pytest.skip(registry.SAFE_MODE_REASON)
    spec = sample() if description is None else sample().with_params(Description=description)
    with judge.case():
        exchange = judge.check_request("LIFE-DESCRIBE", spec, row=False)
    if exchange.status != 200:
        pytest.skip(f"no task to follow: ImportInstance was answered {exchange.status}")
    ids = [(e.text or "").strip() for e in Answer.read(exchange).elements("conversionTaskId")]
    if not ids:
        pytest.skip("no conversionTaskId in the answer (see RESP-TASK-ID)")
    return ids[0]


def verify_describe(judge: Judge) -> None:
    """DescribeConversionTasks with the new task's id returns it with the same details."""
    marker = f"conformance {uuid.uuid4()}"
    task_id = _create_task(judge, marker)
    exchange, answer, tasks = _describe(judge, task_id)
    with judge.case():
        problems = check_described_task(tasks, task_id, marker, answer.status)
        judge.judge(("LIFE-DESCRIBE",), problems, exchange)


def verify_cancel(judge: Judge) -> None:
    """CancelConversionTask answers 200 and the task then shows an allowed state."""
    task_id = _create_task(judge)
    spec = RequestSpec.of([("ConversionTaskId", task_id)], action=CANCEL)
    exchange = judge.send(spec)
    cancel = judge.observe(spec, exchange)
    _, _, tasks = _describe(judge, task_id)
    with judge.case():
        problems = check_cancelled_task(cancel, tasks, task_id, strict=judge.target.strict)
        judge.judge(("LIFE-CANCEL",), problems, exchange)


def verify_unknown_task(judge: Judge, variant: str) -> None:
    """An unknown (or malformed) task id is refused with the variant's code."""
    exchange, answer, _ = _describe(judge, UNKNOWN_TASK_IDS[variant])
    with judge.case():
        problems = check_unknown_task(answer, variant, strict=judge.target.strict)
        judge.judge(("LIFE-UNKNOWN-TASK",), problems, exchange)


def verify_dry_run_leaves_nothing(judge: Judge) -> None:
    """A DryRun request answered 412 leaves no task behind."""
    rid = "PERM-DRYRUN-NO-SIDE-EFFECT"
    _, _, before = _describe(judge)
    marker = f"conformance dry run {uuid.uuid4()}"
    spec = sample().with_params(Description=marker, DryRun="true")
    with judge.case():
        exchange = judge.check_request("PERM-DRYRUN-PERMITTED", spec, row=False)
    if exchange.status != 412:
        pytest.skip(f"the DryRun request was answered {exchange.status}, not 412")
    _, _, after = _describe(judge)
    if before is None or after is None:
        pytest.skip("Describe did not answer 200 before and after")
    with judge.case():
        judge.judge((rid,), check_no_side_effect(before, after, marker), exchange)


CANCEL_AT_END_LIMIT = 5000
"""Tasks cancelled at the end of a run at most (one request each)."""


def _has_describe_at_end(judge: Judge) -> bool:
    """The probe at the end of a run: persistent throttling is a no (no test to skip)."""
    try:
        return has_describe(judge)
    except pytest.skip.Exception:
        return False


END_OF_RUN = "end of run: cancelling the tasks the run created"
"""The case of the end-of-run cancels (and of the probe, when they send it)."""


def cancel_created(judge: Judge) -> None:
    """Cancel the conversion tasks the run created, where the target has
    CancelConversionTask (taken to, when it has DescribeConversionTasks), and say in the
    run's facts what was created and cancelled. The embedded endpoint ends with the run:
    nothing is cancelled there. Nothing is sent once the target has stopped answering.

    ``judge`` is a run-level judge (:meth:`~ec2conformance.checks.Judge.at_run_level`): in
    differential mode each cancel goes to the reference too (the task id translated to the
    reference's), and a difference is recorded in the run's findings."""
    state = judge.state
    target = state.target
    created = list(state.created_tasks)
    facts: dict[str, Any] = {"created": len(created), "cancelled": 0, "not_cancelled": []}
    state.facts["tasks"] = facts
    if not created or target is None:
        return
    if target.embedded:
        facts["note"] = "the embedded endpoint ends with the run: nothing to cancel"
        return
    if target.health.stopped:
        facts["note"] = "not cancelled: the target stopped answering"
        facts["not_cancelled"] = created
        return
    if target.safe_mode or not _has_describe_at_end(judge):
        facts["note"] = "not cancelled: the target has no DescribeConversionTasks"
        facts["not_cancelled"] = created
        return
    for task_id in created[:CANCEL_AT_END_LIMIT]:
        if target.health.stopped:
            facts["not_cancelled"].append(task_id)
            continue
        spec = RequestSpec.of([("ConversionTaskId", task_id)], action=CANCEL)
        try:
            exchange = judge.send(spec)
        except pytest.skip.Exception:  # throttled to the end
            facts["not_cancelled"].append(task_id)
            continue
        if exchange.status == 200:
            facts["cancelled"] += 1
        else:
            facts["not_cancelled"].append(task_id)
    facts["not_cancelled"] += created[CANCEL_AT_END_LIMIT:]
