"""Faults of the lists group: list indexes that are not ``[1-9][0-9]*``."""

from __future__ import annotations

from ..catalogue import Code
from .behaviours import importing, recode
from .call import Call, Pairs, name_kind
from .endpoint import Endpoint
from .layer import Group

GROUP = Group("lists")


def _bad_index_dropped(call: Call) -> Pairs:
    return tuple((n, v) for n, v in call.params or () if name_kind(n) != "bad-index")


GROUP.fault(
    "bad-list-index-ignored",
    "LIST-INDEX-INVALID",
    "SHOULD",
    "Parameters whose list index is not one (DiskImage.0, GroupName.x) are ignored.",
    importing(_bad_index_dropped),
)


def _has_bad_index(call: Call, endpoint: Endpoint) -> bool:
    return any(name_kind(n) == "bad-index" for n, _ in call.params or ())


GROUP.fault(
    "bad-list-index-invalid-parameter-value",
    "LIST-INDEX-INVALID",
    "ALTERNATIVE",
    "A bad list index is answered InvalidParameterValue (a later alternative).",
    recode(Code.UNKNOWN_PARAMETER, Code.INVALID_PARAMETER_VALUE, _has_bad_index),
)
