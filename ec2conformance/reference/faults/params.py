"""Faults of the params group: ``Platform``, ``Description`` and text XML cannot carry."""

from __future__ import annotations

from ..syntax import NOT_XML_CHAR
from .behaviours import IMPORT, imported, leaf, rewriting, values
from .call import is_disk_field
from .layer import Group

GROUP = Group("params")

GROUP.fault(
    "platform-optional",
    "PARAM-PLATFORM-MISSING",
    "MUST",
    "A missing Platform defaults to Windows.",
    rewriting(
        lambda call: call.is_import and call.get("Platform") is None,
        lambda call: (*(call.params or ()), ("Platform", "Windows")),
    ),
)

GROUP.fault(
    "platform-case-insensitive",
    "PARAM-PLATFORM-INVALID",
    "MUST",
    "Platform is matched case-insensitively and trimmed (windows, 'Windows ').",
    values(lambda n, v: "Windows" if n == "Platform" and v.strip().lower() == "windows" else v),
)

GROUP.fault(
    "description-not-echoed",
    "PARAM-DESCRIPTION-ECHO",
    "MUST",
    "importInstance/description is always empty.",
    imported(leaf(*IMPORT, "description", change=lambda t: None)),
)


def _strip_non_xml(name: str, value: str) -> str:
    echoed = name in ("Description", "LaunchSpecification.Placement.AvailabilityZone")
    if echoed or is_disk_field(name, "Description"):
        return NOT_XML_CHAR.sub("", value)
    return value


GROUP.fault(
    "non-xml-text-stripped",
    "PARAM-TEXT-INVALID",
    "SHOULD",
    "Characters XML cannot carry are dropped from echoed text instead of refused.",
    values(_strip_non_xml),
)
