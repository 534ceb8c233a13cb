"""Faults of the fuzz group: defects only generated requests find (crashes, a slow answer,
an oracle the reference's order of checks or value syntax contradicts)."""

from __future__ import annotations

import time
from typing import Final

from ec2conformance.model import ACTION, API_VERSION

from ..catalogue import Code
from ..syntax import is_list_index
from .behaviours import answer
from .call import Call, disk_descriptions, disks, integer, is_disk_field
from .endpoint import Endpoint
from .layer import Group
from .reply import Reply

GROUP = Group("fuzz")

SLOW_SECONDS: Final = 3.0
"""How long the deliberately slow fault waits (the self-tests use ``--request-timeout 1``)."""
LONG_TEXT: Final = 200
"""A description longer than this (code points) makes the slow fault wait."""

_GENERATED: Final = "mixed_stream or FUZZ-NO-SERVER-ERROR or WIRE-GET-gen or PERM-DRYRUN-FALSE-gen"
"""The generated tests that send valid requests of every shape (the mixed stream's, the
valid rows'), and the plain valid requests of FUZZ-NO-SERVER-ERROR."""


@GROUP.fault(
    "large-image-crash",
    "FUZZ-NO-SERVER-ERROR",
    "MUST",
    "A valid request with Image.Bytes of 2^31 or more is answered 500 (a 32-bit overflow "
    "after validation).",
    selects=_GENERATED,
)
def _large_image_crash(call: Call, endpoint: Endpoint) -> Reply:
    reply = endpoint.forward(call)
    if not call.is_import or reply.status not in (200, 403, 412):
        return reply
    sizes = [integer(v) for n, v in call.params or () if is_disk_field(n, "Image.Bytes")]
    if any(size is not None and size >= 2**31 for size in sizes):
        return endpoint.server_error()
    return reply


@GROUP.fault(
    "many-groups-crash",
    "FUZZ-NO-SERVER-ERROR",
    "MUST",
    "A request with three or more GroupName.N entries is answered 500.",
    selects=_GENERATED,
)
def _many_groups_crash(call: Call, endpoint: Endpoint) -> Reply:
    groups = [n for n, _ in call.params or () if n.startswith("LaunchSpecification.GroupName.")]
    if call.get("Action") == ACTION and len(groups) >= 3:
        return endpoint.server_error()
    return endpoint.forward(call)


@GROUP.fault(
    "non-ascii-disk-description-crash",
    "FUZZ-NO-SERVER-ERROR",
    "MUST",
    "A request whose DiskImage.N.Description is not ASCII is answered 500.",
    selects=_GENERATED,
)
def _non_ascii_crash(call: Call, endpoint: Endpoint) -> Reply:
    if call.get("Action") == ACTION and any(not d.isascii() for d in disk_descriptions(call)):
        return endpoint.server_error()
    return endpoint.forward(call)


@GROUP.fault(
    "long-disk-description-slow",
    "FUZZ-NO-SERVER-ERROR",
    "MUST",
    f"A request whose DiskImage.N.Description is longer than {LONG_TEXT} characters is "
    f"answered after {SLOW_SECONDS:g} s (beyond the self-tests' 1 s request timeout).",
    selects="mixed_stream",
)
def _slow_for_long_text(call: Call, endpoint: Endpoint) -> Reply:
    if call.get("Action") == ACTION and any(len(d) > LONG_TEXT for d in disk_descriptions(call)):
        time.sleep(SLOW_SECONDS)  # the fault itself: an answer later than the timeout
    return endpoint.forward(call)


@GROUP.fault(
    "disk-index-must-be-one",
    "FUZZ-ORACLE",
    "MUST",
    "A disk image numbered other than 1 (DiskImage.3.* alone) is refused UnknownParameter.",
    selects=_GENERATED,
)
def _disk_index_one(call: Call, endpoint: Endpoint) -> Reply:
    if call.is_import:
        for index in disks(call.params or ()):
            if index != "1" and is_list_index(index):
                return endpoint.error(
                    Code.UNKNOWN_PARAMETER,
                    f"The parameter DiskImage.{index} is not recognized; disk images are "
                    "numbered from 1.",
                )
    return endpoint.forward(call)


_INTEGER_FIELDS: Final = ("Image.Bytes", "Volume.Size")


@GROUP.fault(
    "leading-zeros-refused",
    "FUZZ-ORACLE",
    "MUST",
    "Integers with leading zeros (0012) are refused InvalidParameterValue.",
    selects=_GENERATED,
)
def _leading_zeros_refused(call: Call, endpoint: Endpoint) -> Reply:
    if call.is_import:
        for name, value in call.params or ():
            integer_name = name == "LaunchSpecification.Placement.PartitionNumber" or any(
                is_disk_field(name, f) for f in _INTEGER_FIELDS
            )
            if integer_name and len(value) > 1 and value.startswith("0") and value.isdigit():
                return endpoint.error(
                    Code.INVALID_PARAMETER_VALUE,
                    f"Value ({value}) for parameter {name} is invalid. Expected an integer.",
                )
    return endpoint.forward(call)


_STAGE_3_4_CODES: Final = frozenset(
    {
        Code.UNKNOWN_PARAMETER,
        Code.MISSING_PARAMETER,
        Code.INVALID_PARAMETER_VALUE,
        Code.INVALID_PARAMETER_COMBINATION,
    }
)


@GROUP.fault(
    "permission-before-parameters",
    "FUZZ-ORACLE",
    "ALTERNATIVE",
    "Permission and DryRun are checked before missing and malformed parameters (the "
    "lenient order of checks).",
    selects=_GENERATED,
)
@answer
def _permission_before_parameters(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
    if not call.is_import or call.get("Version") != API_VERSION:
        return None
    if reply.code not in _STAGE_3_4_CODES:
        return None
    if not call.permitted:
        return endpoint.error(
            Code.UNAUTHORIZED_OPERATION, "You are not authorized to perform this operation."
        )
    if call.get("DryRun") == "true":
        return endpoint.error(
            Code.DRY_RUN_OPERATION, "Request would have succeeded, but DryRun flag is set."
        )
    return None
