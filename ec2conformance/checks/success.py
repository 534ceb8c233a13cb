"""The checks of every 200 to a valid ImportInstance request (group ``response``, and the
echoes the golden comparison judges, PARAM-DESCRIPTION-ECHO among them).

RESP-ENVELOPE and RESP-NAMESPACE are gates: without a usable envelope the body is not
compared, so the checks after them could not look.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.parsers
import botocore.session

from ec2conformance import golden, registry, xmlsafe
from ec2conformance.checks.answer import XML_MEDIA_TYPES, Problem, Seen, child, text
from ec2conformance.model import ACTION, API_VERSION

NAMESPACE = f"http://ec2.amazonaws.com/doc/{API_VERSION}/"
INTEGER_MEMBERS = ("Image.Size", "Volume.Size", "BytesConverted")


@registry.check("RESP-ENVELOPE", gate=True)
def check_success_envelope(seen: Seen) -> list[Problem]:
    """XML content type, root ``ImportInstanceResponse`` holding ``conversionTask``."""
    answer = seen.answer
    problems = []
    if answer.media_type not in XML_MEDIA_TYPES:
        problems.append(
            Problem("RESP-ENVELOPE", "wrong content type", "text/xml", answer.media_type)
        )
    if answer.root is None:
        problems.append(
            Problem("RESP-ENVELOPE", "not well-formed XML", "XML", answer.parse_error or "")
        )
        return problems
    root_name = xmlsafe.local_name(answer.root)
    if root_name != "ImportInstanceResponse":
        problems.append(Problem("RESP-ENVELOPE", "wrong root", "ImportInstanceResponse", root_name))
    elif child(answer.root, "conversionTask") is None:
        problems.append(Problem("RESP-ENVELOPE", "no conversionTask child", "conversionTask"))
    return problems


@registry.check("RESP-NAMESPACE", gate=True)
def check_success_namespace(seen: Seen) -> list[Problem] | None:
    """The 2016-11-15 namespace, with the trailing slash (strict) or without (None: there is
    no ImportInstanceResponse whose namespace could be judged)."""
    root = seen.answer.root
    if root is None or xmlsafe.local_name(root) != "ImportInstanceResponse":
        return None
    namespace = root.nsmap.get(root.prefix) or ""
    allowed = (NAMESPACE,) if seen.target.strict else (NAMESPACE, NAMESPACE.rstrip("/"))
    if namespace in allowed:
        return []
    return [Problem("RESP-NAMESPACE", "wrong root namespace", " or ".join(allowed), namespace)]


def _fresh(rid: str, value: str, seen_before: set[str], what: str) -> list[Problem]:
    if value in seen_before:
        return [Problem(rid, f"{what} repeated", "a fresh id", value)]
    seen_before.add(value)
    return []


@registry.check("RESP-REQUEST-ID")
def check_request_id(seen: Seen) -> list[Problem] | None:
    """``requestId`` present, non-empty, and never seen before in the run (None: no XML
    body to look in)."""
    if seen.answer.root is None:
        return None
    request_id = text(child(seen.answer.root, "requestId"))
    if not request_id:
        return [Problem("RESP-REQUEST-ID", "requestId missing or empty")]
    return _fresh("RESP-REQUEST-ID", request_id, seen.state.seen_request_ids, "requestId")


@registry.check(*sorted(golden.COMPARE_REQUIREMENTS))
def check_golden(seen: Seen) -> list[Problem] | None:
    """The body against the golden response after ``golden/normalisation.json``; the task
    id is also fresh across the run (RESP-TASK-ID). None when the body is not XML (there is
    nothing to compare)."""
    if seen.answer.root is None:
        return None
    task_id = text(child(child(seen.answer.root, "conversionTask"), "conversionTaskId"))
    problems = (
        _fresh("RESP-TASK-ID", task_id, seen.state.seen_task_ids, "conversionTaskId")
        if task_id
        else []
    )
    differences = golden.compare_success(
        seen.exchange.response_body,
        seen.spec,
        availability_zone=seen.target.availability_zone,
        strict=seen.target.strict,
    )
    problems += [
        Problem(d.requirement, f"{d.kind} at {d.path}", str(d.expected), str(d.received))
        for d in differences
    ]
    return problems


@cache
def output_shape(action: str) -> Any:
    """The output shape of ``action`` in botocore's EC2 model, loaded once per action."""
    model = botocore.session.get_session().get_service_model("ec2")
    return model.operation_model(action).output_shape


def parse_with_botocore(status: int, headers: dict[str, str], body: bytes, shape: Any) -> Any:
    """What botocore's EC2 parser makes of an answer (raises on what it cannot read)."""
    response = {"status_code": status, "headers": headers, "body": body}
    return botocore.parsers.create_parser("ec2").parse(response, shape)


def integer_problems(volumes: list[dict[str, Any]], *, absent_ok: bool) -> list[str]:
    """The integer members of parsed volumes that botocore did not read as integers."""
    problems = []
    for volume in volumes:
        for path in INTEGER_MEMBERS:
            head, _, tail = path.rpartition(".")
            value = (volume.get(head, {}) if head else volume).get(tail)
            if value is None and absent_ok:
                continue
            if not isinstance(value, int):
                problems.append(f"{path} is {value!r}, not an integer")
    return problems


@registry.check("RESP-SDK-PARSE")
def check_sdk_parse(seen: Seen) -> list[Problem]:
    """botocore's EC2 parser reads the body into the model's types.

    It reads the raw body, not the suite's reading of it, so it runs even after a gate
    found a problem (``READS_RAW_BODY``). A body that broke off, was cut at the cap or
    declares a DOCTYPE or an entity is not given to botocore: it cannot be read."""
    exchange = seen.exchange
    rid = "RESP-SDK-PARSE"
    if exchange.error or exchange.truncated:
        why = seen.answer.parse_error or exchange.error or "the body was cut at the cap"
        return [Problem(rid, "botocore cannot read an incomplete answer", "all of it", why)]
    declaration = xmlsafe.declaration_in(exchange.response_body)
    if declaration is not None:
        received = f"the body contains {declaration} (refused, never expanded)"
        return [Problem(rid, "botocore is not given an unsafe body", "no DOCTYPE", received)]
    try:
        parsed = parse_with_botocore(
            exchange.status or 0,
            dict(exchange.response_headers),
            exchange.response_body,
            output_shape(ACTION),
        )
    except Exception as exc:  # botocore raises several types on bad input
        return [Problem(rid, "botocore cannot parse the body", "", repr(exc)[:300])]
    task = parsed.get("ConversionTask")
    if not isinstance(task, dict):
        return [
            Problem(
                "RESP-SDK-PARSE", "no ConversionTask in the parsed result", "", str(parsed)[:300]
            )
        ]
    volumes = task.get("ImportInstance", {}).get("Volumes", [])
    return [
        Problem("RESP-SDK-PARSE", message, "int")
        for message in integer_problems(volumes, absent_ok=True)
    ]


READS_RAW_BODY = frozenset({check_sdk_parse})
"""Checks that read the raw body themselves: a failed gate does not keep them from it."""
