"""Faults of the disk group: the disk image's fields, their values, and how many images."""

from __future__ import annotations

import math
from typing import Final

from ec2conformance.model import SAMPLE_MANIFEST_URL

from ..catalogue import Code
from ..syntax import INTEGER, NOT_XML_CHAR, URL
from ..validation import GIB
from .behaviours import IMPORT, importing, recode, values
from .call import (
    ENUMS,
    Call,
    Pairs,
    disks,
    fitting_size,
    integer,
    is_disk_field,
    with_value,
)
from .endpoint import Endpoint
from .layer import Group
from .reply import Reply, path

GROUP = Group("disk")


def _volume_size_added(call: Call) -> Pairs:
    params = call.params or ()
    for index, fields in disks(params).items():
        if "Volume.Size" not in fields:
            size = fitting_size(integer(fields.get("Image.Bytes")))
            params = (*params, (f"DiskImage.{index}.Volume.Size", size))
    return params


GROUP.fault(
    "volume-size-optional",
    "DISK-FIELD-MISSING",
    "MUST",
    "A disk image without Volume.Size gets the smallest size that holds its bytes.",
    importing(_volume_size_added),
)


def _format_upper(name: str, value: str) -> str:
    formats = ENUMS["DiskImageFormat"]
    if is_disk_field(name, "Image.Format") and value not in formats and value.upper() in formats:
        return value.upper()
    return value


GROUP.fault(
    "format-case-insensitive",
    "DISK-FORMAT-INVALID",
    "MUST",
    "Image.Format is matched case-insensitively (vmdk is VMDK).",
    values(_format_upper),
)


def _lenient_bytes(name: str, value: str) -> str:
    if not is_disk_field(name, "Image.Bytes") or INTEGER.fullmatch(value):
        return value
    try:
        number = float(value.strip())
    except ValueError:
        return value
    return str(int(number)) if math.isfinite(number) and number >= 1 else value


GROUP.fault(
    "bytes-lenient-number",
    "DISK-BYTES-INVALID",
    "MUST",
    "Image.Bytes is parsed as a float ('+12', ' 12', '1.5' accepted).",
    values(_lenient_bytes),
)


def _sizes_made_to_fit(call: Call, *, only_non_positive: bool) -> Pairs:
    params = call.params or ()
    for index, fields in disks(params).items():
        size = integer(fields.get("Volume.Size"))
        image_bytes = integer(fields.get("Image.Bytes"))
        if size is None:
            continue
        if only_non_positive:
            wrong = size <= 0
        else:
            wrong = image_bytes is not None and size >= 1 and image_bytes > size * GIB
        if wrong:
            params = with_value(params, f"DiskImage.{index}.Volume.Size", fitting_size(image_bytes))
    return params


GROUP.fault(
    "volume-size-zero-auto",
    "DISK-SIZE-INVALID",
    "MUST",
    "A Volume.Size of zero or less means 'as large as needed'.",
    importing(lambda call: _sizes_made_to_fit(call, only_non_positive=True)),
)

GROUP.fault(
    "size-fit-not-checked",
    "DISK-SIZE-TOO-SMALL",
    "SHOULD",
    "A volume too small for Image.Bytes is silently enlarged.",
    importing(lambda call: _sizes_made_to_fit(call, only_non_positive=False)),
)


def _url_replaced(name: str, value: str) -> str:
    if not is_disk_field(name, "Image.ImportManifestUrl"):
        return value
    if URL.fullmatch(value) and NOT_XML_CHAR.search(value) is None:
        return value
    return SAMPLE_MANIFEST_URL


GROUP.fault(
    "manifest-url-not-checked",
    "DISK-MANIFEST-URL-INVALID",
    "SHOULD",
    "Image.ImportManifestUrl is not checked (http://, relative, spaces accepted).",
    values(_url_replaced),
)


def _first_disk_only(call: Call) -> Pairs:
    params = call.params or ()
    images = disks(params)
    if len(images) < 2:
        return params
    keep = min(
        images, key=lambda index: (not index.isdigit(), int(index) if index.isdigit() else 0)
    )
    return tuple(
        (n, v)
        for n, v in params
        if not n.startswith("DiskImage.") or n.startswith(f"DiskImage.{keep}.")
    )


GROUP.fault(
    "extra-disks-ignored",
    "DISK-MULTIPLE",
    "MUST",
    "Disk images after the first are ignored instead of refused.",
    importing(_first_disk_only),
)

_PLACEHOLDER_DISK: Final = (
    ("DiskImage.1.Image.Format", "VMDK"),
    ("DiskImage.1.Image.Bytes", "1"),
    ("DiskImage.1.Image.ImportManifestUrl", SAMPLE_MANIFEST_URL),
    ("DiskImage.1.Volume.Size", "1"),
)


@GROUP.fault(
    "no-disk-accepted",
    "DISK-NONE",
    "SHOULD",
    "A request without a disk image is accepted (a task with no volumes).",
)
def _no_disk_accepted(call: Call, endpoint: Endpoint) -> Reply:
    params = call.params or ()
    if not call.is_import or any(n.startswith("DiskImage.") for n, _ in params):
        return endpoint.forward(call)
    reply = endpoint.forward(call, (*params, *_PLACEHOLDER_DISK))
    root = reply.xml() if reply.status == 200 else None
    volumes = None if root is None else path(root, *IMPORT, "volumes")
    if root is None or volumes is None:
        return reply
    for item in list(volumes):
        volumes.remove(item)
    return reply.with_xml(root)


def _bad_format(call: Call, endpoint: Endpoint) -> bool:
    return any(
        is_disk_field(n, "Image.Format") and v not in ENUMS["DiskImageFormat"]
        for n, v in call.params or ()
    )


GROUP.fault(
    "format-invalid-format",
    "DISK-FORMAT-INVALID",
    "ALTERNATIVE",
    "A bad Image.Format is answered InvalidFormat (a later alternative).",
    recode(Code.INVALID_PARAMETER_VALUE, "InvalidFormat", _bad_format),
)
