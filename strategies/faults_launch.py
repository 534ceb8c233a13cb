"""Faults of the launch specification (``LaunchSpecification.*``): one generator per
LAUNCH-* requirement.

A member outside the model's enum (LAUNCH-ENUM-INVALID), ``Monitoring`` not a boolean
(LAUNCH-BOOLEAN-INVALID), ``Placement.PartitionNumber`` not a 32-bit integer
(LAUNCH-INTEGER-INVALID, with a placement group), ``PrivateIpAddress`` not IPv4
(LAUNCH-IP-INVALID, with a subnet), ``UserData.Data`` not base64
(LAUNCH-USERDATA-INVALID), the ``host`` tenancy (LAUNCH-HOST-TENANCY).
:data:`LAUNCH_FAULTS` holds the generators by requirement id.
"""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.model import RequestSpec
from ec2conformance.strategies.cases import Fault, put_param
from ec2conformance.strategies.domain import LAUNCH, MAX_INT32, PLACEMENT
from ec2conformance.strategies.faults_common import (
    FaultGenerator,
    make_fault,
    setting,
    setting_faults,
)
from ec2conformance.strategies.invalid_values import (
    invalid_booleans,
    invalid_enum_values,
    invalid_instance_types,
    invalid_integers,
    invalid_ipv4_addresses,
    invalid_user_data,
)
from ec2conformance.strategies.values import placement_group_names, subnet_ids

__all__ = [
    "LAUNCH_FAULTS",
    "host_tenancy_faults",
    "ip_faults",
    "launch_enum_faults",
    "partition_faults",
]

_LAUNCH_ENUMS: Final = {
    LAUNCH + "Architecture": ("ArchitectureValues", ["x86-64", "X86_64", "", "amd64", "arm"]),
    LAUNCH + "InstanceInitiatedShutdownBehavior": (
        "ShutdownBehavior",
        ["halt", "Stop", "", "shutdown"],
    ),
    PLACEMENT + "Tenancy": ("Tenancy", ["shared", "Default", "", "Host", "dedicated "]),
}


def launch_enum_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LAUNCH-ENUM-INVALID: ``Architecture``, ``InstanceType``,
    ``InstanceInitiatedShutdownBehavior`` or ``Placement.Tenancy`` outside the model's enum
    (an invalid InstanceType never has the shape of a future one)."""
    return _LAUNCH_ENUM_FAULTS


_ENUM_CHOICES: Final = {
    **{
        name: invalid_enum_values(enum, named=named)
        for name, (enum, named) in _LAUNCH_ENUMS.items()
    },
    LAUNCH + "InstanceType": invalid_instance_types(),
}
_ENUM_NAMES: Final = st.sampled_from(sorted(_ENUM_CHOICES))


@st.composite
def _launch_enum_faults(draw: st.DrawFn) -> Fault:
    name = draw(_ENUM_NAMES)
    return setting("LAUNCH-ENUM-INVALID", name, draw(_ENUM_CHOICES[name]))


_LAUNCH_ENUM_FAULTS: Final = _launch_enum_faults()


def partition_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LAUNCH-INTEGER-INVALID: ``Placement.PartitionNumber`` not an integer in
    -2^31..2^31-1, with a placement group (the request's, or a ``GroupName`` added)."""
    return _PARTITION_FAULTS


@st.composite
def _partition_faults(draw: st.DrawFn) -> Fault:
    name = PLACEMENT + "PartitionNumber"
    value = draw(invalid_integers(minimum=-(2**31), maximum=MAX_INT32))
    group = draw(placement_group_names())

    def apply(spec: RequestSpec) -> RequestSpec:
        if spec.get(PLACEMENT + "GroupName") is None and spec.get(PLACEMENT + "GroupId") is None:
            spec = put_param(spec, PLACEMENT + "GroupName", group)
        return put_param(spec, name, value)

    return make_fault("LAUNCH-INTEGER-INVALID", apply, name, aspects={name, "Placement.Group"})


_PARTITION_FAULTS: Final = _partition_faults()


def ip_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LAUNCH-IP-INVALID: ``PrivateIpAddress`` not IPv4, with a ``SubnetId`` (the
    request's, or one added)."""
    return _IP_FAULTS


@st.composite
def _ip_faults(draw: st.DrawFn) -> Fault:
    name = LAUNCH + "PrivateIpAddress"
    value = draw(invalid_ipv4_addresses())
    subnet = draw(subnet_ids())

    def apply(spec: RequestSpec) -> RequestSpec:
        if spec.get(LAUNCH + "SubnetId") is None:
            spec = put_param(spec, LAUNCH + "SubnetId", subnet)
        return put_param(spec, name, value)

    return make_fault("LAUNCH-IP-INVALID", apply, name, aspects={name, LAUNCH + "SubnetId"})


_IP_FAULTS: Final = _ip_faults()


def host_tenancy_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LAUNCH-HOST-TENANCY: ``Placement.Tenancy=host`` (ImportInstance does not support it)."""
    return _HOST_TENANCY


_HOST_TENANCY: Final = st.just(setting("LAUNCH-HOST-TENANCY", PLACEMENT + "Tenancy", "host"))


#: The fault generators of this module by requirement id.
LAUNCH_FAULTS: Final[dict[str, FaultGenerator]] = {
    "LAUNCH-ENUM-INVALID": launch_enum_faults,
    "LAUNCH-BOOLEAN-INVALID": setting_faults(
        "LAUNCH-BOOLEAN-INVALID", LAUNCH + "Monitoring", invalid_booleans()
    ),
    "LAUNCH-INTEGER-INVALID": partition_faults,
    "LAUNCH-IP-INVALID": ip_faults,
    "LAUNCH-USERDATA-INVALID": setting_faults(
        "LAUNCH-USERDATA-INVALID", LAUNCH + "UserData.Data", invalid_user_data()
    ),
    "LAUNCH-HOST-TENANCY": host_tenancy_faults,
}
