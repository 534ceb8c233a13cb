"""The lifecycle checks (rows judging ``lifecycle`` or ``state``): DescribeConversionTasks
and CancelConversionTask after an ImportInstance, where the target has them.

Each reads what it expects from its row of ``golden/requirements.json``: the action, the
states after a cancel (the first alone under ``--strict-conformance``), the codes of each
variant of an unknown task id, what a DryRun must leave behind.
"""

from __future__ import annotations

from typing import Any

from ec2conformance import registry
from ec2conformance.checks.answer import Answer, Problem
from ec2conformance.checks.success import output_shape, parse_with_botocore

SAMPLE_DETAILS = ("VMDK", 1179593728)
"""The sample's disk image format and size, as DescribeConversionTasks must show them."""


def action_of(rid: str) -> str:
    """The action a lifecycle row is about (its ``response.action`` or ``needs_action``)."""
    response = registry.entry(rid).row.response
    return response.get("action") or response["needs_action"]


def tasks_of(action: str, answer: Answer, body: bytes) -> list[dict[str, Any]] | None:
    """The conversion tasks a 200 XML answer lists (botocore's reading), else None."""
    if answer.status != 200 or not answer.is_xml:
        return None
    return parse_with_botocore(200, {}, body, output_shape(action)).get("ConversionTasks", [])


@registry.check("LIFE-DESCRIBE")
def check_described_task(
    tasks: list[dict[str, Any]] | None, task_id: str, description: str, status: int | None
) -> list[Problem]:
    """The new task is listed once, fields directly in ``item``, with the request's details."""
    rid = "LIFE-DESCRIBE"
    if tasks is None:
        return [Problem(rid, "Describe refused", "200", str(status))]
    found = [t for t in tasks if t.get("ConversionTaskId") == task_id]
    if len(found) != 1:
        return [
            Problem(
                rid, "the task is not listed (fields directly in item)", task_id, str(tasks)[:300]
            )
        ]
    details = found[0].get("ImportInstance", {})
    volumes = details.get("Volumes", [])
    image = volumes[0].get("Image", {}) if volumes else {}
    seen = (details.get("Description"), image.get("Format"), image.get("Size"))
    wanted = (description, *SAMPLE_DETAILS)
    if seen != wanted:
        return [Problem(rid, "importInstance details differ", str(wanted), str(seen))]
    return []


@registry.check("LIFE-CANCEL")
def check_cancelled_task(
    cancel: Answer, tasks: list[dict[str, Any]] | None, task_id: str, *, strict: bool
) -> list[Problem]:
    """Cancel answers 200 (``return`` true when present); the task then shows an allowed state."""
    rid = "LIFE-CANCEL"
    response = registry.entry(rid).row.response
    if cancel.status != 200:
        return [Problem(rid, "cancel refused", "200", f"{cancel.status} {cancel.code}")]
    returned = cancel.elements("return")
    if returned and (returned[0].text or "").strip() != response["return"]:
        return [Problem(rid, "return is not true", response["return"], returned[0].text or "")]
    states = [t.get("State") for t in tasks or [] if t.get("ConversionTaskId") == task_id]
    allowed = tuple(response["states"][:1] if strict else response["states"])
    if len(states) != 1 or states[0] not in allowed:
        return [Problem(rid, "wrong state after cancel", " or ".join(allowed), str(states))]
    return []


@registry.check("LIFE-UNKNOWN-TASK")
def check_unknown_task(answer: Answer, variant: str, *, strict: bool) -> list[Problem]:
    """An unknown or malformed task id is refused with the variant's code."""
    allowed = [
        a.code
        for a in registry.entry("LIFE-UNKNOWN-TASK").alternatives(strict=strict, variant=variant)
    ]
    if answer.status == 200 or answer.code not in allowed:
        return [
            Problem(
                "LIFE-UNKNOWN-TASK",
                "wrong answer",
                "error " + " or ".join(str(c) for c in allowed),
                f"{answer.status} {answer.code}",
            )
        ]
    return []


@registry.check("PERM-DRYRUN-NO-SIDE-EFFECT")
def check_no_side_effect(
    before: list[dict[str, Any]], after: list[dict[str, Any]], marker: str
) -> list[Problem]:
    """No task carries the DryRun request's marker; where Describe shows no descriptions, the
    number of tasks did not grow."""
    rid = "PERM-DRYRUN-NO-SIDE-EFFECT"
    carrying = [
        t for t in after if marker in str(t.get("ImportInstance", {}).get("Description", ""))
    ]
    if carrying:
        return [Problem(rid, "a task carries the DryRun marker", "none", str(carrying)[:300])]
    shows_descriptions = any("Description" in t.get("ImportInstance", {}) for t in after)
    if not shows_descriptions and len(after) > len(before):
        return [Problem(rid, "the number of tasks grew", str(len(before)), str(len(after)))]
    return []
