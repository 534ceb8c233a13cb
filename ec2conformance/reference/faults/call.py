"""The request as the fault layer reads it (:class:`Call`), and helpers over its parameters.

A :class:`Call` holds what the reference itself makes of a request (its decoder and its SigV4
verifier, used read-only); the helpers below read and rewrite parameter lists the way the
behaviours of the group modules need, judging names and values with the reference's own
rules (:mod:`ec2conformance.reference.names`, :mod:`ec2conformance.reference.syntax`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from ec2conformance.model import ACTION

from ..catalogue import EC2Error, model_data
from ..identities import Principal
from ..names import ParameterSet
from ..syntax import INTEGER, is_list_index
from ..validation import GIB
from ..wire import HttpRequest, lenient_pairs

Pairs = tuple[tuple[str, str], ...]

ENUMS: Final = model_data().enums
"""The model's enums (``golden/model.json``), by name."""

_TRUTHY: Final = frozenset({"true", "1", "yes", "y", "on", "t"})
_DISK_FIELDS: Final = (
    "Image.Format",
    "Image.Bytes",
    "Image.ImportManifestUrl",
    "Volume.Size",
    "Description",
)
_IMPORT_PARAMETERS: Final = ParameterSet(model_data().import_instance)
_LIST_HEADS: Final = tuple(
    sorted(
        {
            t.template.partition("{N}")[0]
            for t in model_data().import_instance
            if "{N}" in t.template
        }
    )
)


@dataclass(frozen=True)
class Call:
    """One request as the fault layer read it: the raw request, its parameters when they
    decode, and what authentication made of it (all as the reference itself reads them).

    ``principal`` is the authenticated caller (None when authentication failed, and then
    ``auth_error`` is the reference's stage-1 answer); ``key_id`` is the access key id the
    request claims, when its signature parses at all.
    """

    environ: Mapping[str, Any]
    request: HttpRequest
    params: Pairs | None
    principal: Principal | None
    auth_error: EC2Error | None
    key_id: str | None

    def get(self, name: str) -> str | None:
        """The value of parameter ``name`` (None when absent or the request does not decode)."""
        for key, value in self.params or ():
            if key == name:
                return value
        return None

    @property
    def lenient(self) -> Pairs:
        """The parameters decoded leniently (never fails: bad escapes kept, bad UTF-8
        replaced); the query string's, then a POST's body."""
        pairs = lenient_pairs(self.request.query)
        if self.request.method == "POST":
            pairs += lenient_pairs(self.request.body)
        return tuple(pairs)

    @property
    def served(self) -> bool:
        """Whether the request reaches the action table: GET or POST on ``/``."""
        return self.request.method in ("GET", "POST") and self.request.path in ("", "/")

    @property
    def authenticated(self) -> bool:
        """Authenticated, decoded, and served (a fault rewriting it keeps stage 1 right)."""
        return self.principal is not None and self.params is not None and self.served

    @property
    def is_import(self) -> bool:
        """An authenticated, decodable ImportInstance request."""
        return self.authenticated and self.get("Action") == ACTION

    @property
    def permitted(self) -> bool:
        """Authenticated as the permitted identity."""
        return self.principal is not None and self.principal.permitted


# ------------------------------------------------------------------------------ rewriting


def without(params: Pairs, *names: str) -> Pairs:
    """``params`` without the parameters called ``names``."""
    return tuple((k, v) for k, v in params if k not in names)


def with_value(params: Pairs, name: str, value: str) -> Pairs:
    """``params`` with ``name`` set to ``value``: in place where present, else at the end."""
    if any(k == name for k, _ in params):
        return tuple((k, value if k == name else v) for k, v in params)
    return (*params, (name, value))


def mapped(params: Pairs, change: Callable[[str, str], str | None]) -> Pairs:
    """``params`` with each value replaced by ``change(name, value)`` (None drops it)."""
    out: list[tuple[str, str]] = []
    for name, value in params:
        new = change(name, value)
        if new is not None:
            out.append((name, new))
    return tuple(out)


# ------------------------------------------------------------------------------ reading


def name_kind(name: str) -> Literal["known", "bad-index", "unknown"]:
    """How the reference's stage 3 sees an ImportInstance parameter name."""
    try:
        _IMPORT_PARAMETERS.resolve({name: ""})
    except EC2Error:
        pass
    else:
        return "known"
    for head in _LIST_HEADS:
        if name.startswith(head) and not is_list_index(name[len(head) :].split(".", 1)[0]):
            return "bad-index"
    return "unknown"


def disks(params: Pairs) -> dict[str, dict[str, str]]:
    """The disk images by index (as written), each field (``Image.Bytes``, ...) to its value."""
    images: dict[str, dict[str, str]] = {}
    for name, value in params:
        if not name.startswith("DiskImage."):
            continue
        index, _, field = name[len("DiskImage.") :].partition(".")
        if field in _DISK_FIELDS:
            images.setdefault(index, {})[field] = value
    return images


def integer(value: str | None) -> int | None:
    """``value`` as an integer when it has the integer syntax, else None."""
    if value is None or INTEGER.fullmatch(value) is None:
        return None
    return int(value)


def fitting_size(image_bytes: int | None) -> str:
    """The smallest ``Volume.Size`` (GiB) that holds ``image_bytes`` (at least 1)."""
    if image_bytes is None or image_bytes < 1:
        return "1"
    return str(max(1, math.ceil(image_bytes / GIB)))


def is_disk_field(name: str, field: str) -> bool:
    """Whether ``name`` is ``DiskImage.<index>.<field>``."""
    return name.startswith("DiskImage.") and name.count(".") >= 2 and name.endswith("." + field)


def disk_descriptions(call: Call) -> list[str]:
    """The values of the request's ``DiskImage.N.Description`` parameters."""
    return [v for n, v in call.params or () if is_disk_field(n, "Description")]


def lenient_boolean(value: str) -> str:
    """``value`` read as a lenient boolean (yes, 1, True, ... are true; all else false)."""
    return "true" if value.strip().lower() in _TRUTHY else "false"
