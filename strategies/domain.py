"""The valid domain, read once from ``golden/domain.json`` and ``golden/model.json``.

Every strategy takes its numbers and names from here, never from botocore's live model (so
a newer botocore cannot change the contract): the longest texts, the volume and list
limits, the value syntax (``golden/domain.json``'s ``value_syntax``), the model's enums and
its parameter name templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ec2conformance import golden

__all__ = [
    "DEFAULT_AVAILABILITY_ZONE",
    "DEFAULT_AVAILABILITY_ZONES",
    "DOMAIN",
    "ENUMS",
    "GIB",
    "LAUNCH",
    "LIMITS",
    "MAX_DESCRIPTION",
    "MAX_GROUP_ENTRIES",
    "MAX_INT32",
    "MAX_LIST_INDEX",
    "MAX_LONG",
    "MAX_TEXT",
    "MAX_USER_DATA",
    "MAX_VOLUME_GIB",
    "MODEL",
    "PLACEMENT",
    "TEMPLATES",
    "VALUE_SYNTAX",
]

#: ``golden/model.json`` and ``golden/domain.json``, as the golden loader reads them.
MODEL: Final[Mapping[str, Any]] = golden.model()
DOMAIN: Final[Mapping[str, Any]] = golden.domain()
#: The model's enums by shape name (``PlatformValues``, ``InstanceType``, ...).
ENUMS: Final[Mapping[str, Sequence[str]]] = MODEL["enums"]
#: The parameter name templates of ImportInstance (``DiskImage.{N}.Image.Bytes``, ...).
TEMPLATES: Final[tuple[str, ...]] = tuple(p["name"] for p in MODEL["import_instance_parameters"])
#: The wire and text limits (``golden/domain.json``'s ``limits``).
LIMITS: Final[Mapping[str, int]] = DOMAIN["limits"]
#: The value syntax: regular expressions, the boolean words, the XML character ranges.
VALUE_SYNTAX: Final[Mapping[str, Any]] = DOMAIN["value_syntax"]

#: The suite's zones, as strategies take them (``availability_zones=``): every zone a valid
#: request may name (``--availability-zones``), the first one first.
Zones = tuple[str, ...]
#: The zones a strategy names when it is not given them: two, so that an endpoint that
#: answers one constant zone whatever the request names is caught.
DEFAULT_AVAILABILITY_ZONES: Final[Zones] = ("us-east-1a", "us-east-1b")
#: The first of them (the zone an endpoint in us-east-1 might answer by default).
DEFAULT_AVAILABILITY_ZONE: Final = DEFAULT_AVAILABILITY_ZONES[0]
#: ``Image.Bytes`` per ``Volume.Size`` unit (GiB).
GIB: Final = int(DOMAIN["image_bytes_per_size_unit"])
#: The largest ``Volume.Size`` of the valid domain.
MAX_VOLUME_GIB: Final = int(DOMAIN["parameters"]["DiskImage.{N}.Volume.Size"]["domain_maximum"])
#: The longest ``Description`` / ``DiskImage.N.Description`` (code points).
MAX_DESCRIPTION: Final = int(DOMAIN["parameters"]["Description"]["max_length"])
#: The longest ``UserData.Data``.
MAX_USER_DATA: Final = int(DOMAIN["parameters"]["LaunchSpecification.UserData.Data"]["max_length"])
#: The longest other text value.
MAX_TEXT: Final = int(LIMITS["text_max_length"])
#: The most entries of ``GroupName.N`` and of ``GroupId.N``.
MAX_GROUP_ENTRIES: Final = int(DOMAIN["list_max_entries"]["LaunchSpecification.GroupName.{N}"])
#: The largest ``Image.Bytes``/``Volume.Size`` the value syntax allows (2^63-1).
MAX_LONG: Final = int(DOMAIN["parameters"]["DiskImage.{N}.Image.Bytes"]["maximum"])
#: The largest 32-bit integer (``Placement.PartitionNumber``).
MAX_INT32: Final = 2**31 - 1
#: The largest list index (``DiskImage.N``, ``GroupName.N``, ``GroupId.N``).
MAX_LIST_INDEX: Final = int(VALUE_SYNTAX["list_index_maximum"])

#: The prefixes of the launch specification's and the placement's parameter names.
LAUNCH: Final = "LaunchSpecification."
PLACEMENT: Final = "LaunchSpecification.Placement."
