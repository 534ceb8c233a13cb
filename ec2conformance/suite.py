"""Helpers the modules of ``suites/`` share: example cases as pytest parameters.

A test id is the requirement id followed by the case's name (``PARAM-PLATFORM-INVALID-linux``),
so ``-k`` selects by requirement and each parameter carries its ``requirement`` marker.
"""

from __future__ import annotations

from typing import Any

import pytest

from ec2conformance.cases import example_cases as example_cases_table
from ec2conformance.model import RequestSpec, sample


def group_of(requirement: str) -> str:
    from ec2conformance import golden

    return golden.requirements()[requirement].group


def param(requirement: str, value: Any, name: str | None = None) -> Any:
    """A pytest parameter for ``requirement``: its id, its requirement and group markers."""
    case_id = f"{requirement}-{name}" if name else requirement
    marks = [pytest.mark.requirement(requirement), getattr(pytest.mark, group_of(requirement))]
    return pytest.param(value, id=case_id, marks=marks)


def example_cases(group: str) -> list[Any]:
    """The example cases (``golden/cases.json``) of one requirement group, as parameters."""
    return [
        param(case.requirement, case, case.name)
        for case in example_cases_table()
        if group_of(case.requirement) == group
    ]


def requirement_ids(group: str) -> list[str]:
    from ec2conformance import golden

    return sorted(rid for rid, r in golden.requirements().items() if r.group == group)


def valid_variants() -> list[tuple[str, RequestSpec]]:
    """Valid requests whose 200 answers the success checks judge (RESP-*)."""
    base = sample()
    return [
        ("sample", base),
        (
            "described",
            base.with_params(
                Description='import of a <Windows> & "server"',
                DiskImage__1__Description="system disk",
                LaunchSpecification__Placement__AvailabilityZone=None,
            ),
        ),
        (
            "leading-zeros",
            base.with_params(
                DiskImage__1__Image__Bytes="0001179593728", DiskImage__1__Volume__Size="012"
            ),
        ),
    ]


def sdk_sample_parameters() -> dict[str, Any]:
    """The contract's sample as boto3 ``import_instance`` keyword arguments."""
    from ec2conformance.model import sample_api_parameters

    return sample_api_parameters()


UNPARSEABLE = "(botocore could not parse the answer)"


def sdk_call(client: Any, operation: str, **kwargs: Any) -> tuple[int | None, str | None, Any]:
    """Call a boto3 operation (retries off): (HTTP status, error code, result).

    The status is read from the HTTP response before botocore parses it, so an answer
    botocore cannot parse (a non-XML 500, say) still has its status; its code is then
    :data:`UNPARSEABLE` and the result None. A success has code None.
    """
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError

    seen: dict[str, int] = {}

    def remember(response_dict: dict[str, Any], **_: Any) -> None:
        seen["status"] = response_dict.get("status_code")

    event = "before-parse.ec2." + "".join(w.capitalize() for w in operation.split("_"))
    client.meta.events.register(event, remember)
    try:
        result = getattr(client, operation)(**kwargs)
    except ClientError as exc:
        error = exc.response
        return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"].get("Code"), None
    except ResponseParserError:
        return seen.get("status"), UNPARSEABLE, None
    finally:
        client.meta.events.unregister(event, remember)
    return result["ResponseMetadata"]["HTTPStatusCode"], None, result
