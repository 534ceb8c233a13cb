"""Lifecycle (LIFE-*) and PERM-DRYRUN-NO-SIDE-EFFECT: DescribeConversionTasks and
CancelConversionTask, where the target has them.

A target has DescribeConversionTasks (and is taken to have CancelConversionTask) when
``Action=DescribeConversionTasks`` with no ids is answered 200 with an XML body (the probe,
whose answer no ERR-* check judges).
"""

from __future__ import annotations

import uuid

import pytest

from ec2conformance import xmlsafe
from ec2conformance.checks import Answer, Problem
from ec2conformance.model import RequestSpec, sample

pytestmark = pytest.mark.lifecycle

DESCRIBE = "DescribeConversionTasks"
CANCEL = "CancelConversionTask"
UNKNOWN_TASK = "import-i-zzzzzzzzzzzzzzzzz"


def _parse(action: str, body: bytes, status: int) -> dict:
    import botocore.parsers
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    shape = model.operation_model(action).output_shape
    response = {"status_code": status, "headers": {}, "body": body}
    return botocore.parsers.create_parser("ec2").parse(response, shape)


@pytest.fixture(scope="session")
def describe_available(client, run_state) -> bool:
    """The probe: does the target have DescribeConversionTasks?"""
    if "has_describe_conversion_tasks" not in run_state.facts:
        exchange = client.send(RequestSpec.of([], action=DESCRIBE))
        answer = Answer.read(exchange)
        run_state.facts["has_describe_conversion_tasks"] = answer.status == 200 and answer.is_xml
    return run_state.facts["has_describe_conversion_tasks"]


@pytest.fixture
def lifecycle(describe_available, target):
    if not describe_available:
        pytest.skip("the target does not have DescribeConversionTasks (the probe was not 200 XML)")
    return target


def _describe(judge, *ids: str):
    params = [(f"ConversionTaskId.{i}", task_id) for i, task_id in enumerate(ids, start=1)]
    exchange = judge.send(RequestSpec.of(params, action=DESCRIBE))
    answer = judge.observe(exchange)
    return exchange, answer


def _tasks(exchange, answer) -> list[dict] | None:
    if answer.status != 200 or not answer.is_xml:
        return None
    return _parse(DESCRIBE, exchange.response_body, 200).get("ConversionTasks", [])


def _create_task(judge, target, description: str | None = None) -> str:
    if target.safe_mode:
        pytest.skip("safe mode: DryRun only")
    spec = sample() if description is None else sample().with_params(Description=description)
    exchange = judge.check_request("LIFE-DESCRIBE", spec, row=False, finish=False)
    judge.done()
    if exchange.status != 200:
        pytest.skip(f"no task to follow: ImportInstance was answered {exchange.status}")
    root = xmlsafe.parse_untrusted(exchange.response_body)
    ids = [
        e.text or ""
        for e in root.iter()
        if isinstance(e.tag, str) and xmlsafe.local_name(e) == "conversionTaskId"
    ]
    if not ids:
        pytest.skip("no conversionTaskId in the answer (see RESP-TASK-ID)")
    return ids[0].strip()


@pytest.mark.requirement("LIFE-DESCRIBE")
def test_describe_returns_the_task(lifecycle, judge):
    """DescribeConversionTasks with the new task's id returns it, fields directly in item."""
    marker = f"conformance {uuid.uuid4()}"
    task_id = _create_task(judge, lifecycle, marker)
    exchange, answer = _describe(judge, task_id)
    tasks = _tasks(exchange, answer)
    problems = []
    if tasks is None:
        problems.append(Problem("LIFE-DESCRIBE", "Describe refused", "200", str(answer.status)))
    else:
        found = [t for t in tasks if t.get("ConversionTaskId") == task_id]
        if len(found) != 1:
            problems.append(
                Problem(
                    "LIFE-DESCRIBE",
                    "the task is not listed (fields directly in item)",
                    task_id,
                    str(tasks)[:300],
                )
            )
        else:
            details = found[0].get("ImportInstance", {})
            volumes = details.get("Volumes", [])
            image = volumes[0].get("Image", {}) if volumes else {}
            seen = (details.get("Description"), image.get("Format"), image.get("Size"))
            if seen != (marker, "VMDK", 1179593728):
                problems.append(
                    Problem(
                        "LIFE-DESCRIBE",
                        "importInstance details differ",
                        str((marker, "VMDK", 1179593728)),
                        str(seen),
                    )
                )
    judge.judge(("LIFE-DESCRIBE",), problems, exchange)
    judge.done()


@pytest.mark.requirement("LIFE-CANCEL")
def test_cancel_an_active_task(lifecycle, judge):
    """CancelConversionTask answers 200 (return true) and the task shows cancelling/cancelled."""
    task_id = _create_task(judge, lifecycle)
    exchange = judge.send(RequestSpec.of([("ConversionTaskId", task_id)], action=CANCEL))
    answer = judge.observe(exchange)
    problems = []
    if answer.status != 200:
        problems.append(
            Problem("LIFE-CANCEL", "cancel refused", "200", f"{answer.status} {answer.code}")
        )
    elif answer.is_xml:
        returned = [
            e
            for e in answer.root.iter()
            if isinstance(e.tag, str) and xmlsafe.local_name(e) == "return"
        ]
        if returned and (returned[0].text or "").strip() != "true":
            problems.append(
                Problem("LIFE-CANCEL", "return is not true", "true", returned[0].text or "")
            )
    described, d_answer = _describe(judge, task_id)
    tasks = _tasks(described, d_answer) or []
    states = [t.get("State") for t in tasks if t.get("ConversionTaskId") == task_id]
    allowed = ("cancelling",) if lifecycle.strict else ("cancelling", "cancelled")
    if not problems and (len(states) != 1 or states[0] not in allowed):
        problems.append(
            Problem("LIFE-CANCEL", "wrong state after cancel", " or ".join(allowed), str(states))
        )
    judge.judge(("LIFE-CANCEL",), problems, exchange)
    judge.done()


@pytest.mark.parametrize(
    ("task_id", "codes"),
    [
        pytest.param(
            UNKNOWN_TASK,
            ("InvalidConversionTaskId",),
            id="LIFE-UNKNOWN-TASK-unknown",
            marks=pytest.mark.requirement("LIFE-UNKNOWN-TASK"),
        ),
        pytest.param(
            "foo",
            ("InvalidConversionTaskId.Malformed", "InvalidConversionTaskId"),
            id="LIFE-UNKNOWN-TASK-malformed",
            marks=pytest.mark.requirement("LIFE-UNKNOWN-TASK"),
        ),
    ],
)
def test_describe_unknown_task(task_id, codes, lifecycle, judge):
    """An unknown or malformed task id is refused with InvalidConversionTaskId(.Malformed)."""
    exchange, answer = _describe(judge, task_id)
    allowed = codes[:1] if lifecycle.strict else codes
    problems = []
    if answer.status == 200 or answer.code not in allowed:
        problems.append(
            Problem(
                "LIFE-UNKNOWN-TASK",
                "wrong answer",
                "error " + " or ".join(allowed),
                f"{answer.status} {answer.code}",
            )
        )
    judge.judge(("LIFE-UNKNOWN-TASK",), problems, exchange)
    judge.done()


@pytest.mark.requirement("PERM-DRYRUN-NO-SIDE-EFFECT")
def test_dry_run_creates_nothing(lifecycle, judge):
    """A DryRun request answered 412 leaves no task behind (PERM-DRYRUN-NO-SIDE-EFFECT)."""
    before_ex, before_answer = _describe(judge)
    before = _tasks(before_ex, before_answer)
    marker = f"conformance dry run {uuid.uuid4()}"
    spec = sample().with_params(Description=marker, DryRun="true")
    exchange = judge.check_request("PERM-DRYRUN-PERMITTED", spec, row=False, finish=False)
    judge.done()
    if exchange.status != 412:
        pytest.skip(f"the DryRun request was answered {exchange.status}, not 412")
    after_ex, after_answer = _describe(judge)
    after = _tasks(after_ex, after_answer)
    if before is None or after is None:
        pytest.skip("Describe did not answer 200 before and after")
    problems = []
    carrying = [
        t for t in after if marker in str(t.get("ImportInstance", {}).get("Description", ""))
    ]
    if carrying:
        problems.append(
            Problem(
                "PERM-DRYRUN-NO-SIDE-EFFECT",
                "a task carries the DryRun marker",
                "none",
                str(carrying)[:300],
            )
        )
    shows_descriptions = any("Description" in t.get("ImportInstance", {}) for t in after)
    if not shows_descriptions and len(after) > len(before):
        problems.append(
            Problem(
                "PERM-DRYRUN-NO-SIDE-EFFECT",
                "the number of tasks grew",
                str(len(before)),
                str(len(after)),
            )
        )
    judge.judge(("PERM-DRYRUN-NO-SIDE-EFFECT",), problems, exchange)
    judge.done()
