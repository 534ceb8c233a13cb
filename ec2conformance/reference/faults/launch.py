"""Faults of the launch group: the values of ``LaunchSpecification.*``."""

from __future__ import annotations

from collections.abc import Callable

from ..syntax import BASE64, INT_RANGE, IPV4
from .behaviours import values
from .call import ENUMS, integer, lenient_boolean
from .layer import Group

GROUP = Group("launch")


def _launch(name: str, value: str, field: str, valid: Callable[[str], bool]) -> str | None:
    if name == f"LaunchSpecification.{field}" and not valid(value):
        return None
    return value


GROUP.fault(
    "instance-type-not-checked",
    "LAUNCH-ENUM-INVALID",
    "MUST",
    "An InstanceType outside the model's enum is ignored instead of refused.",
    values(lambda n, v: _launch(n, v, "InstanceType", lambda x: x in ENUMS["InstanceType"])),
)


def _monitoring(name: str, value: str) -> str:
    if name == "LaunchSpecification.Monitoring" and value not in ("true", "false"):
        return lenient_boolean(value)
    return value


GROUP.fault(
    "monitoring-lenient",
    "LAUNCH-BOOLEAN-INVALID",
    "SHOULD",
    "Monitoring is read leniently (yes, 1, True are true).",
    values(_monitoring),
)


def _int32(value: str) -> bool:
    number = integer(value)
    low, high = INT_RANGE
    return number is not None and low <= number <= high


GROUP.fault(
    "partition-number-not-checked",
    "LAUNCH-INTEGER-INVALID",
    "MUST",
    "A Placement.PartitionNumber that is not a 32-bit integer is ignored.",
    values(lambda n, v: _launch(n, v, "Placement.PartitionNumber", _int32)),
)

GROUP.fault(
    "private-ip-not-checked",
    "LAUNCH-IP-INVALID",
    "SHOULD",
    "A PrivateIpAddress that is not IPv4 is ignored.",
    values(lambda n, v: _launch(n, v, "PrivateIpAddress", lambda x: bool(IPV4.fullmatch(x)))),
)

GROUP.fault(
    "user-data-not-checked",
    "LAUNCH-USERDATA-INVALID",
    "SHOULD",
    "UserData.Data that is not base64 is ignored.",
    values(lambda n, v: _launch(n, v, "UserData.Data", lambda x: bool(BASE64.fullmatch(x)))),
)

GROUP.fault(
    "host-tenancy-accepted",
    "LAUNCH-HOST-TENANCY",
    "SHOULD",
    "Placement.Tenancy=host is accepted (served as dedicated).",
    values(
        lambda n, v: (
            "dedicated" if n == "LaunchSpecification.Placement.Tenancy" and v == "host" else v
        )
    ),
)
