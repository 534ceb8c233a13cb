"""Names the contract does not know: parameter names, list indexes, actions, versions.

- :func:`unknown_parameter_names` (WIRE-UNKNOWN-PARAM): made-up or misplaced members at
  every depth, botocore's API names, known names recased or padded;
- :func:`invalid_list_indexes` (LIST-INDEX-INVALID): strings that are not a list index;
- :func:`unknown_actions` (WIRE-UNKNOWN-ACTION), :func:`unpublished_versions`
  (WIRE-BAD-VERSION): ``Action`` and ``Version`` values EC2 does not have.

The known names are ``golden/model.json``'s templates, ``golden/domain.json``'s envelope,
SigV4 and SigV2 names; the known actions and versions ``golden/ec2_api.json``'s. As in
:mod:`strategies.invalid_values`, named examples come first and a generated value that
happens to be known is repaired, never filtered.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance import golden
from ec2conformance.model import ACTION, API_VERSION
from ec2conformance.strategies.domain import (
    DOMAIN,
    LAUNCH,
    MAX_LIST_INDEX,
    PLACEMENT,
    TEMPLATES,
    VALUE_SYNTAX,
)
from ec2conformance.strategies.invalid_values import any_characters, junk_texts, outside
from ec2conformance.strategies.text import xml_characters

__all__ = [
    "invalid_list_indexes",
    "unknown_actions",
    "unknown_parameter_names",
    "unpublished_versions",
]

_ACTIONS: Final = frozenset(golden.ec2_api()["actions"])
_VERSIONS: Final = frozenset(golden.ec2_api()["published_versions"])
_KNOWN_EXACT: Final = frozenset(
    [t for t in TEMPLATES if "{N}" not in t]
    + list(DOMAIN["envelope_names"])
    + list(DOMAIN["sigv4_query_names"])
    + list(DOMAIN["sigv2_names"])
)
_SIG_NAMES_LOWER: Final = frozenset(
    n.lower() for n in [*DOMAIN["sigv4_query_names"], *DOMAIN["sigv2_names"], "Action", "Version"]
)
_LIST_HEADS: Final = tuple(sorted({t.partition("{N}")[0] for t in TEMPLATES if "{N}" in t}))
_LIST_INDEX: Final = re.compile(VALUE_SYNTAX["list_index"])


def _valid_index(index: str) -> bool:
    return bool(_LIST_INDEX.fullmatch(index)) and int(index) <= MAX_LIST_INDEX


def _is_known(name: str) -> bool:
    """Whether the contract knows ``name`` (with a valid index where it has one)."""
    if name in _KNOWN_EXACT:
        return True
    for template in TEMPLATES:
        if "{N}" in template:
            head, _, tail = template.partition("{N}")
            fits = name.startswith(head) and name.endswith(tail) and len(name) > len(head + tail)
            if fits and _valid_index(name[len(head) : len(name) - len(tail)]):
                return True
    return False


def _bad_index_prefix(name: str) -> bool:
    # A name under a list head whose index is not a list index is LIST-INDEX-INVALID's.
    for head in _LIST_HEADS:
        if name.startswith(head):
            return not _valid_index(name[len(head) :].split(".", 1)[0])
    return False


def _make_unknown(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("x-amz-") or name.strip() == "":
        name = "Unknown" + name
    while _is_known(name) or name.lower() in _SIG_NAMES_LOWER or _bad_index_prefix(name):
        # A bad list index stays bad whatever follows it: move the name off the list head.
        name = "X" + name if _bad_index_prefix(name) else name + "X"
    return name


@cache
def invalid_list_indexes() -> SearchStrategy[str]:
    """Strings that are not a list index by the value syntax (LIST-INDEX-INVALID): ``0``,
    leading zeros, past 2^31-1, negative, signed, padded, letters, other digits, empty;
    never a dot (it would end the index). Shrinks to ``'0'``."""
    named = st.sampled_from(
        ["0", "01", "x", "2147483648", "-1", "+1", " 1", "1 ", "", "00", "one", "١", "1e3", "0x1"]
    )
    big = st.integers(MAX_LIST_INDEX + 1, 10**30).map(str)
    zeros = st.tuples(st.integers(1, 3), st.integers(0, 999)).map(lambda z: "0" * z[0] + str(z[1]))
    chars = any_characters().map(lambda c: "_" if c == "." else c)
    junk = st.text(chars, max_size=12)
    return st.one_of(named, big, zeros, junk).map(lambda v: "0" + v if _valid_index(v) else v)


# ------------------------------------------------------------------------------ parameter names

_UNKNOWN_WORDS: Final = [
    "Colour",
    "ImageId",
    "KeyName",
    "ClientToken",
    "InstanceId",
    "TagSpecification",
    "Platforms",
    "Size",
    "Bytes",
    "Format",
    "Tenancy",
    "Data",
    "Größe",
    "Description ",
]
_RECASINGS: Final = ["lower", "upper", "first", "pad", "lead"]


def _nested_names(d: str) -> SearchStrategy[str]:
    """An unknown segment under one of the request's structures (or at the top level)."""
    prefixes = [
        "",
        LAUNCH,
        PLACEMENT,
        LAUNCH + "UserData.",
        f"DiskImage.{d}.",
        f"DiskImage.{d}.Image.",
        f"DiskImage.{d}.Volume.",
        LAUNCH + "GroupName.1.",
        LAUNCH + "GroupId.2.",
    ]
    segment = st.one_of(
        st.sampled_from(_UNKNOWN_WORDS),
        st.from_regex(r"[A-Z][a-zA-Z0-9]{0,15}", fullmatch=True),
        st.text(xml_characters().map(lambda c: "_" if c == "." else c), min_size=1, max_size=20),
    )
    return st.tuples(st.sampled_from(prefixes), segment).map("".join)


def _api_names(d: str) -> SearchStrategy[str]:
    """botocore's API names and structures named without their member."""
    return st.sampled_from(
        [
            f"DiskImages.{d}.Image.Format",
            LAUNCH + "GroupNames.1",
            LAUNCH + "GroupIds.1",
            LAUNCH + "UserData",
            f"DiskImage.{d}",
            f"DiskImage.{d}.Image",
            f"DiskImage.{d}.Volume",
            LAUNCH + "Placement",
            "LaunchSpecification",
            LAUNCH + "GroupName",
            f"DiskImage.{d}.Size",
            LAUNCH + "Platform",
            "Placement.Tenancy",
            f"DiskImage.{d}.Image.Bytes.Value",
        ]
    )


def _recased_names(d: str) -> SearchStrategy[str]:
    """Known names (their list index ``d``) in another case or with white space."""

    def recase(pair: tuple[str, str]) -> str:
        template, how = pair
        name = template.replace("{N}", d)
        return {
            "lower": name.lower(),
            "upper": name.upper(),
            "first": name[:1].lower() + name[1:],
            "pad": name + " ",
            "lead": " " + name,
        }[how]

    return st.tuples(st.sampled_from(TEMPLATES), st.sampled_from(_RECASINGS)).map(recase)


@lru_cache(maxsize=256)
def unknown_parameter_names(*, disk_index: str = "1") -> SearchStrategy[str]:
    """Parameter names the contract does not know, at every depth, with valid list indexes
    (WIRE-UNKNOWN-PARAM): made-up or misplaced members at the top level and under
    ``LaunchSpecification.``, ``.Placement.``, ``.UserData.``, ``DiskImage.N.``,
    ``.Image.``, ``.Volume.`` and a group entry; botocore's API names (``DiskImages.1...``,
    ``GroupNames.1``); known names in another case or with white space; a structure named
    without its member (``DiskImage.1.Image``). ``disk_index`` is the request's disk image.
    Never empty, never a SigV4/SigV2 name. Shrinks to ``'Colour'``."""
    names = st.one_of(_api_names(disk_index), _nested_names(disk_index), _recased_names(disk_index))
    return names.map(_make_unknown)


# ------------------------------------------------------------------------------ Action, Version


@cache
def unknown_actions() -> SearchStrategy[str]:
    """``Action`` values that name no EC2 action (WIRE-UNKNOWN-ACTION): typos and case
    changes of ``ImportInstance``, empty, padded, made-up names, any XML-legal text; never
    an action of the model (that is another request, not a fault). Shrinks to
    ``'ImportInstances'``."""
    named = st.sampled_from(
        [
            "ImportInstances",
            "importinstance",
            "",
            "IMPORTINSTANCE",
            "Import Instance",
            "ImportInstance ",
            " ImportInstance",
            "FrobnicateWidgets",
            "Import-Instance",
        ]
    )
    made_up = st.from_regex(r"[A-Z][a-z]{2,10}[A-Z][a-z]{2,10}", fullmatch=True)
    known = frozenset(_ACTIONS | {ACTION})
    return st.one_of(named, made_up, junk_texts(max_size=60)).map(outside(known, lambda v: v + "X"))


@cache
def unpublished_versions() -> SearchStrategy[str]:
    """``Version`` values EC2 never published (WIRE-BAD-VERSION): dates outside its history
    (``1999-01-01``, ``2099-01-01``, any date EC2 did not use), ``latest``, empty, the
    current version padded or reformatted, any XML-legal text. Shrinks to ``'1999-01-01'``."""
    named = st.sampled_from(
        [
            "1999-01-01",
            "2099-01-01",
            "latest",
            "",
            "2016-11-15 ",
            " 2016-11-15",
            "2016/11/15",
            "20161115",
            "2016-11-15T00:00:00Z",
            "v2016-11-15",
            "2016-11-16",
            "2016-11",
        ]
    )
    dates = st.tuples(st.integers(1900, 2999), st.integers(1, 12), st.integers(1, 31)).map(
        lambda ymd: f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}"
    )
    published = frozenset(_VERSIONS | {API_VERSION})
    return st.one_of(named, dates, junk_texts(max_size=40)).map(
        outside(published, lambda v: "1999" + v[4:] if len(v) > 4 else v + "x")
    )
