"""Valid ImportInstance requests, built directly from the contract's valid domain.

Everything here generates values the contract accepts ("Valid requests", "Value syntax" in
``CONTRACT.md``): enums come from ``golden/model.json`` (never from botocore's live model, so
a newer botocore cannot change the contract), limits from ``golden/domain.json``. Nothing is
filtered: each value is built valid, and where several parts must agree (``Image.Bytes``
and ``Volume.Size``, ``PrivateIpAddress`` and ``SubnetId``, a placement group and its
partition) they are drawn together.

Layers, smallest first:

- values: :func:`platforms`, :func:`descriptions`, :func:`manifest_urls`,
  :func:`image_sizes`, :func:`user_data`, :func:`ipv4_addresses`, :func:`instance_types`,
  :func:`group_names`, :func:`group_ids`, :func:`subnet_ids`, ...;
- botocore-style structures: :func:`disk_images`, :func:`placements`,
  :func:`launch_specifications`, :func:`botocore_parameter_sets` (the API dict that
  botocore's ``ImportInstance`` takes, flattened by :func:`ec2conformance.wire.to_wire_params`);
- requests: :func:`import_instance_requests` (a :class:`RequestSpec`, in botocore's forms or
  in the forms only the contract allows: non-contiguous list indexes, integers with leading
  zeros, parameters in any order) and :func:`valid_cases` (the same as :class:`Case`);
- :data:`VALID_ROWS`: the requirement rows that describe a valid request (WIRE-POST,
  WIRE-GET, WIRE-UTF8, AUTH-QUERY-SIGNATURE, PERM-DRYRUN-FALSE, PARAM-DESCRIPTION-ECHO), one
  strategy of :class:`Case` each.

Shrinking: every ``one_of`` lists its simplest branch first, optional members are dropped
first, lists shrink towards empty, integers towards the smallest valid value, and the
contract-only forms switch off, so a failing example ends as a short request in botocore's
own form.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance import golden
from ec2conformance.model import (
    SAMPLE_MANIFEST_URL,
    Params,
    RequestSpec,
    Signing,
    sample,
)
from ec2conformance.wire import encode_form, encode_query, to_wire_params
from strategies.cases import FUZZ_ORACLE, Case

__all__ = [
    "DEFAULT_AVAILABILITY_ZONE",
    "GIB",
    "MAX_DESCRIPTION",
    "MAX_GROUP_ENTRIES",
    "MAX_LONG",
    "MAX_TEXT",
    "MAX_USER_DATA",
    "MAX_VOLUME_GIB",
    "VALID_ROWS",
    "additional_infos",
    "architectures",
    "botocore_parameter_sets",
    "contract_forms",
    "descriptions",
    "disk_formats",
    "disk_images",
    "echoed_texts",
    "fit_get",
    "fits",
    "group_ids",
    "group_names",
    "http_methods",
    "image_sizes",
    "import_instance_requests",
    "instance_types",
    "ipv4_addresses",
    "launch_specifications",
    "manifest_urls",
    "placement_group_ids",
    "placement_group_names",
    "placements",
    "platforms",
    "shutdown_behaviors",
    "subnet_ids",
    "tenancies",
    "texts",
    "user_data",
    "utf8_descriptions",
    "valid_cases",
    "xml_characters",
]

_MODEL = golden.model()
_DOMAIN = golden.domain()
_ENUMS: Mapping[str, Sequence[str]] = _MODEL["enums"]
_LIMITS: Mapping[str, int] = _DOMAIN["limits"]

DEFAULT_AVAILABILITY_ZONE: Final = "us-east-1a"
#: ``Image.Bytes`` per ``Volume.Size`` unit (GiB).
GIB: Final = int(_DOMAIN["image_bytes_per_size_unit"])
#: The largest ``Volume.Size`` of the valid domain.
MAX_VOLUME_GIB: Final = int(_DOMAIN["parameters"]["DiskImage.{N}.Volume.Size"]["domain_maximum"])
#: The longest ``Description`` / ``DiskImage.N.Description`` (code points).
MAX_DESCRIPTION: Final = int(_DOMAIN["parameters"]["Description"]["max_length"])
#: The longest ``UserData.Data``.
MAX_USER_DATA: Final = int(_DOMAIN["parameters"]["LaunchSpecification.UserData.Data"]["max_length"])
#: The longest other text value.
MAX_TEXT: Final = int(_LIMITS["text_max_length"])
#: The most entries of ``GroupName.N`` and of ``GroupId.N``.
MAX_GROUP_ENTRIES: Final = int(_DOMAIN["list_max_entries"]["LaunchSpecification.GroupName.{N}"])
#: The largest ``Image.Bytes``/``Volume.Size`` the value syntax allows (2^63-1).
MAX_LONG: Final = int(_DOMAIN["parameters"]["DiskImage.{N}.Image.Bytes"]["maximum"])
_MAX_INT32: Final = 2**31 - 1
_MAX_LIST_INDEX: Final = int(_DOMAIN["value_syntax"]["list_index_maximum"])

# What a valid request may occupy on the wire. A GET's URL also holds the origin and, when
# signed in the query, the X-Amz-* parameters: domain.json's allowance, and some more room
# for the invalid strategies, which add a parameter or two to a valid request.
_GET_QUERY_BUDGET: Final = _LIMITS["get_url_max_bytes"] - _LIMITS["get_url_allowance_bytes"] - 1024
_POST_BODY_BUDGET: Final = _LIMITS["post_body_max_bytes"] - 16 * 1024


# ------------------------------------------------------------------------------ text


def xml_characters() -> SearchStrategy[str]:
    """Single characters XML 1.0 can carry (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD,
    U+10000-U+10FFFF). Printable ASCII first (what a shrunk example shows), then markup and
    white space (``<``, ``&``, quotes, CR), then the rest of the BMP and the astral planes."""
    return st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from(["<", "&", '"', "'", ">", "\r", "\n", "\t", " "]),
        st.characters(min_codepoint=0x7F, max_codepoint=0xD7FF),
        st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
        st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    )


def texts(*, min_size: int = 0, max_size: int = MAX_TEXT) -> SearchStrategy[str]:
    """Text of XML-legal characters, ``min_size``..``max_size`` code points; mostly short,
    sometimes at the limit. Shrinks towards ``min_size`` ``0`` characters."""
    alphabet = xml_characters()
    short = st.text(alphabet, min_size=min_size, max_size=min(max_size, max(min_size, 20)))
    if max_size <= 20:
        return short
    return st.one_of(
        short,
        st.text(alphabet, min_size=min_size, max_size=max_size),
        st.text(alphabet, min_size=max(min_size, max_size - 3), max_size=max_size),
    )


def echoed_texts(*, max_size: int = MAX_DESCRIPTION) -> SearchStrategy[str]:
    """Text the response must carry back unchanged (``Description``, ``DiskImage.N.Description``):
    any XML-legal characters, markup, CR and non-BMP included, up to ``max_size`` code points
    (the empty text too). Shrinks towards ``""``."""
    return texts(max_size=max_size)


def descriptions() -> SearchStrategy[str]:
    """A valid ``Description`` / ``DiskImage.N.Description``: echoed text of 0..1000 code
    points (:func:`echoed_texts`), now and then one that uses markup, CR or astral
    characters on purpose (:func:`utf8_descriptions`). Shrinks towards ``""``."""
    return st.one_of(echoed_texts(), utf8_descriptions())


def utf8_descriptions() -> SearchStrategy[str]:
    """Descriptions that are hard to carry (WIRE-UTF8): each holds at least one of ``<``,
    ``&``, a quote, CR (alone or in CRLF), white space at either end or a non-BMP character,
    among other echoed text; at most 150 code points (so that one fits a GET). Shrinks
    towards one such character."""
    specials = st.one_of(
        st.sampled_from(["<", "&", '"', "'", "\r", "\r\n", " ", "\t", "]]>", "&amp;", "%20", "+"]),
        st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    )
    filler = st.text(xml_characters(), max_size=20)
    return st.lists(st.tuples(filler, specials), min_size=1, max_size=6).map(
        lambda parts: "".join(a + b for a, b in parts)[:MAX_DESCRIPTION]
    )


# ------------------------------------------------------------------------------ enums


def _enum(name: str, *, exclude: frozenset[str] = frozenset()) -> SearchStrategy[str]:
    return st.sampled_from([v for v in _ENUMS[name] if v not in exclude])


def platforms() -> SearchStrategy[str]:
    """A valid ``Platform``: the model's ``PlatformValues`` (only ``Windows``)."""
    return _enum("PlatformValues")


def architectures() -> SearchStrategy[str]:
    """A valid ``LaunchSpecification.Architecture`` (the model's ``ArchitectureValues``);
    shrinks towards the model's first value."""
    return _enum("ArchitectureValues")


def instance_types() -> SearchStrategy[str]:
    """A valid ``LaunchSpecification.InstanceType``: one of the model's ~1,400 values,
    sampled (shrinks towards the model's first, ``a1.medium``)."""
    return _enum("InstanceType")


def tenancies() -> SearchStrategy[str]:
    """A valid ``Placement.Tenancy``: the model's ``Tenancy`` values except ``host``
    (LAUNCH-HOST-TENANCY)."""
    return _enum("Tenancy", exclude=frozenset({"host"}))


def shutdown_behaviors() -> SearchStrategy[str]:
    """A valid ``InstanceInitiatedShutdownBehavior`` (the model's ``ShutdownBehavior``)."""
    return _enum("ShutdownBehavior")


def disk_formats() -> SearchStrategy[str]:
    """A valid ``Image.Format`` (the model's ``DiskImageFormat``: VMDK, RAW, VHD)."""
    return _enum("DiskImageFormat")


# ------------------------------------------------------------------------------ values


# Characters a URL's host may have ([^/?#@\t\n\r ], XML-legal) and the rest ([^\t\n\r ]).
_URL_REST_CHARS = st.one_of(
    st.sampled_from(list(string.ascii_letters + string.digits + "-._~/?#=&%+:@!$'()*,;[]")),
    st.characters(min_codepoint=0x21, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
_URL_HOST_CHARS = _URL_REST_CHARS.map(lambda c: c if c not in "/?#@" else "-")
_HOSTS = [
    "s3.amazonaws.com",
    "amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com",
    "s3.eu-west-1.amazonaws.com:443",
    "127.0.0.1:8443",
    "[::1]",
    "xn--bcher-kva.example",
]


def manifest_urls() -> SearchStrategy[str]:
    """A valid ``Image.ImportManifestUrl``: ``https`` in any case, ``://``, a host without
    user information, then optionally a path, query or fragment without white space; only
    XML-legal characters, at most 255 code points (the contract's sample among them).
    Shrinks towards ``https://s3.amazonaws.com/bucket/manifest.xml``."""
    schemes = st.sampled_from(["https", "HTTPS", "Https", "hTTpS"])
    hosts = st.one_of(st.sampled_from(_HOSTS), st.text(_URL_HOST_CHARS, min_size=1, max_size=60))
    tails = st.one_of(
        st.just(""),
        st.sampled_from(["/bucket/manifest.xml", "/", "?", "#frag", "/a%20b/c?x=1&y=2#z"]),
        st.tuples(st.sampled_from("/?#"), st.text(_URL_REST_CHARS, max_size=MAX_TEXT)).map("".join),
    )

    def build(parts: tuple[str, str, str]) -> str:
        scheme, host, tail = parts
        return f"{scheme}://{host}{tail}"[:MAX_TEXT]

    named = st.sampled_from(["https://s3.amazonaws.com/bucket/manifest.xml", SAMPLE_MANIFEST_URL])
    return st.one_of(named, st.tuples(schemes, hosts, tails).map(build))


def image_sizes() -> SearchStrategy[tuple[int, int]]:
    """``(Image.Bytes, Volume.Size)`` pairs of the valid domain: Bytes anywhere in 1..2^44
    (small, around 2^31 and 2^32, a whole number of GiB, the largest a 16 TiB volume holds)
    and a Size of 1..16384 that holds it (Bytes ≤ Size × 2^30). Shrinks towards ``(1, 1)``."""
    max_bytes = MAX_VOLUME_GIB * GIB
    edges = [2**31 - 1, 2**31, 2**31 + 1, 2**32 - 1, 2**32, 2**32 + 1, GIB, GIB + 1, max_bytes]
    sizes_of_bytes = st.one_of(
        st.integers(1, 2**20),
        st.sampled_from(edges),
        st.integers(2**31 - 64, 2**32 + 64),
        st.integers(1, max_bytes),
        st.integers(1, MAX_VOLUME_GIB).map(lambda gib: gib * GIB),
    )

    @st.composite
    def pairs(draw: st.DrawFn) -> tuple[int, int]:
        image_bytes = draw(sizes_of_bytes)
        smallest = -(-image_bytes // GIB)
        size = draw(st.one_of(st.just(smallest), st.integers(smallest, MAX_VOLUME_GIB)))
        return image_bytes, size

    return pairs()


_B64 = string.ascii_letters + string.digits + "+/"


def user_data() -> SearchStrategy[str]:
    """A valid ``UserData.Data``: standard base64 with ``=`` padding, no white space, at most
    4,096 characters; the encoding of some bytes, or any string of the right shape (the
    unused low bits are not checked, so ``QR==`` is valid). Shrinks towards ``""``."""
    encoded = st.binary(max_size=MAX_USER_DATA // 4 * 3).map(lambda b: base64.b64encode(b).decode())
    alphabet = st.sampled_from(_B64)
    groups = st.text(alphabet, max_size=MAX_USER_DATA - 4).map(lambda s: s[: len(s) // 4 * 4])
    tails = st.one_of(
        st.just(""),
        st.text(alphabet, min_size=2, max_size=2).map(lambda s: s + "=="),
        st.text(alphabet, min_size=3, max_size=3).map(lambda s: s + "="),
    )
    shaped = st.tuples(groups, tails).map("".join)
    return st.one_of(encoded, shaped)


def ipv4_addresses() -> SearchStrategy[str]:
    """A valid ``PrivateIpAddress``: four decimal numbers 0-255 without leading zeros,
    joined by dots. Shrinks towards ``0.0.0.0``."""
    octet = st.integers(0, 255).map(str)
    return st.tuples(octet, octet, octet, octet).map(".".join)


def _hex_ids(prefix: str) -> SearchStrategy[str]:
    digits = st.sampled_from("0123456789abcdef")
    return st.one_of(
        st.text(digits, min_size=8, max_size=8), st.text(digits, min_size=17, max_size=17)
    ).map(lambda h: prefix + h)


def _resource_names(ids: SearchStrategy[str]) -> SearchStrategy[str]:
    # A name of the resource's usual shape, or any non-empty XML-legal text up to 255.
    return st.one_of(ids, texts(min_size=1))


def subnet_ids() -> SearchStrategy[str]:
    """A ``SubnetId`` (a resource that must exist: the oracle also accepts NotFound):
    ``subnet-`` and 8 or 17 hex digits, or any non-empty XML-legal text up to 255."""
    return _resource_names(_hex_ids("subnet-"))


def group_ids() -> SearchStrategy[list[str]]:
    """``GroupId.N`` entries (security groups that must exist): 0..10 of them, each
    ``sg-`` and hex digits or any non-empty XML-legal text. Shrinks towards ``[]``."""
    return st.lists(_resource_names(_hex_ids("sg-")), max_size=MAX_GROUP_ENTRIES)


def group_names() -> SearchStrategy[list[str]]:
    """``GroupName.N`` entries (security groups that must exist): 0..10 of them, each
    ``default``, a plain name or any non-empty XML-legal text. Shrinks towards ``[]``."""
    plain = st.sampled_from(["default", "web", "conformance-sg", "launch-wizard-1"])
    return st.lists(_resource_names(plain), max_size=MAX_GROUP_ENTRIES)


def placement_group_names() -> SearchStrategy[str]:
    """A ``Placement.GroupName`` (a placement group that must exist)."""
    return _resource_names(st.sampled_from(["conformance-pg", "cluster-1", "spread"]))


def placement_group_ids() -> SearchStrategy[str]:
    """A ``Placement.GroupId`` (a placement group that must exist): ``pg-`` and hex digits,
    or any non-empty XML-legal text."""
    return _resource_names(_hex_ids("pg-"))


def additional_infos() -> SearchStrategy[str]:
    """A valid ``AdditionalInfo``: any XML-legal text up to 255 code points (empty too)."""
    return texts()


# ------------------------------------------------------------------------------ structures


def disk_images() -> SearchStrategy[dict[str, Any]]:
    """One botocore-style ``DiskImage``: ``Image`` (Format, Bytes, ImportManifestUrl) and
    ``Volume`` (Size) always, ``Description`` sometimes; Bytes fits the volume
    (:func:`image_sizes`). Shrinks towards a 1-byte VMDK on a 1 GiB volume, no
    description."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        image_bytes, size = draw(image_sizes())
        disk: dict[str, Any] = {}
        if draw(st.booleans()):
            disk["Description"] = draw(descriptions())
        disk["Image"] = {
            "Format": draw(disk_formats()),
            "Bytes": image_bytes,
            "ImportManifestUrl": draw(manifest_urls()),
        }
        disk["Volume"] = {"Size": size}
        return disk

    return build()


def placements(
    *, availability_zone: str = DEFAULT_AVAILABILITY_ZONE, name_resources: bool = True
) -> SearchStrategy[dict[str, Any]]:
    """A botocore-style ``Placement`` inside the valid domain: the suite's zone (or an empty
    one, which counts as absent), a placement group by name or by id (never both) with an
    optional partition number 0..2^31-1, a tenancy other than ``host``; every member
    optional. No HostId, Affinity, HostResourceGroupArn, SpreadDomain or AvailabilityZoneId.
    With ``name_resources=False`` no placement group. Shrinks towards ``{}``."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        placement: dict[str, Any] = {}
        if draw(st.booleans()):
            placement["AvailabilityZone"] = draw(st.sampled_from([availability_zone, ""]))
        group = draw(st.sampled_from(["none", "name", "id"])) if name_resources else "none"
        if group == "name":
            placement["GroupName"] = draw(placement_group_names())
        elif group == "id":
            placement["GroupId"] = draw(placement_group_ids())
        if group != "none" and draw(st.booleans()):
            placement["PartitionNumber"] = draw(
                st.one_of(st.integers(0, 7), st.integers(0, _MAX_INT32))
            )
        if draw(st.booleans()):
            placement["Tenancy"] = draw(tenancies())
        return draw(_shuffled_dicts(placement))

    return build()


def launch_specifications(
    *, availability_zone: str = DEFAULT_AVAILABILITY_ZONE, name_resources: bool = True
) -> SearchStrategy[dict[str, Any]]:
    """A botocore-style ``LaunchSpecification`` inside the valid domain; every member
    optional: Architecture, InstanceType, Monitoring, InstanceInitiatedShutdownBehavior,
    AdditionalInfo, UserData, Placement (:func:`placements`), and (unless
    ``name_resources=False``) GroupNames, GroupIds (0..10 each) and SubnetId, with a
    PrivateIpAddress only where there is a SubnetId. Members in the model's order or
    shuffled. Shrinks towards ``{}``."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        spec: dict[str, Any] = {}

        def maybe(key: str, values: SearchStrategy[Any]) -> None:
            if draw(st.booleans()):
                spec[key] = draw(values)

        maybe("Architecture", architectures())
        if name_resources:
            maybe("GroupNames", group_names())
            maybe("GroupIds", group_ids())
        maybe("AdditionalInfo", additional_infos())
        maybe("UserData", user_data().map(lambda data: {"Data": data}))
        maybe("InstanceType", instance_types())
        maybe(
            "Placement",
            placements(availability_zone=availability_zone, name_resources=name_resources),
        )
        maybe("Monitoring", st.booleans())
        if name_resources:
            maybe("SubnetId", subnet_ids())
        maybe("InstanceInitiatedShutdownBehavior", shutdown_behaviors())
        if "SubnetId" in spec:
            maybe("PrivateIpAddress", ipv4_addresses())
        return draw(_shuffled_dicts(spec))

    return build()


def _shuffled_dicts(mapping: dict[str, Any]) -> SearchStrategy[dict[str, Any]]:
    # The same members in the same order or in another (botocore keeps insertion order).
    if len(mapping) < 2:
        return st.just(mapping)
    keys = list(mapping)
    return st.one_of(
        st.just(mapping),
        st.permutations(keys).map(lambda order: {k: mapping[k] for k in order}),
    )


def botocore_parameter_sets(
    *,
    availability_zone: str = DEFAULT_AVAILABILITY_ZONE,
    name_resources: bool = True,
    method: str = "POST",
) -> SearchStrategy[dict[str, Any]]:
    """botocore-style ``ImportInstance`` parameters of a valid request, as
    ``boto3.client("ec2").import_instance(**params)`` takes them: ``Platform``, exactly one
    disk image (:func:`disk_images`), and optionally ``Description``,
    ``LaunchSpecification`` (:func:`launch_specifications`) and ``DryRun=False``
    (``DryRun=True`` is a fault of the order of checks, never valid here). Members in the
    model's order or shuffled. The result fits the wire budget of ``method`` (a GET's URL
    of 8 KiB, a POST's body of 64 KiB, with room left for one added fault). Shrinks towards
    ``{"DiskImages": [<1-byte disk>], "Platform": "Windows"}``."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if draw(st.booleans()):
            params["DryRun"] = False
        if draw(st.booleans()):
            params["Description"] = draw(descriptions())
        if draw(st.booleans()):
            params["LaunchSpecification"] = draw(
                launch_specifications(
                    availability_zone=availability_zone, name_resources=name_resources
                )
            )
        params["DiskImages"] = [draw(disk_images())]
        params["Platform"] = draw(platforms())
        params = draw(_shuffled_dicts(params))
        return fit_get(params) if method == "GET" else _fit(params, _fits_post)

    return build()


# ------------------------------------------------------------------------------ wire budget


def _fits_post(params: Mapping[str, Any]) -> bool:
    return len(encode_form(to_wire_params(params))) <= _POST_BODY_BUDGET


def _fits_get(params: Mapping[str, Any]) -> bool:
    return len(encode_query(to_wire_params(params))) <= _GET_QUERY_BUDGET


def fits(params: Params, method: str) -> bool:
    """Whether wire pairs fit ``method``'s budget (see :func:`botocore_parameter_sets`)."""
    if method == "GET":
        return len(encode_query(params)) <= _GET_QUERY_BUDGET
    return len(encode_form(params)) <= _POST_BODY_BUDGET


def _halve(text: str) -> str:
    return text[: len(text) // 2]


def _fit(
    params: dict[str, Any],
    ok: Callable[[Mapping[str, Any]], bool],
) -> dict[str, Any]:
    """``params`` made to fit, by shortening its longest free-text value step by step.

    Only values whose shorter forms are still valid are shortened (descriptions and
    AdditionalInfo halved, group entries dropped from the end, UserData cut to whole
    4-character groups), so the result is still valid. Nothing changes when ``params``
    fits already.
    """
    if ok(params):
        return params
    params = _deep_copy(params)
    launch = params.get("LaunchSpecification", {})
    disk = params["DiskImages"][0]
    user = launch.get("UserData", {})
    while not ok(params):
        sizes: dict[str, int] = {}
        sizes["Description"] = len(params.get("Description", ""))
        sizes["DiskImage.Description"] = len(disk.get("Description", ""))
        sizes["AdditionalInfo"] = len(launch.get("AdditionalInfo", ""))
        sizes["GroupNames"] = sum(map(len, launch.get("GroupNames", [])))
        sizes["GroupIds"] = sum(map(len, launch.get("GroupIds", [])))
        sizes["UserData"] = len(user.get("Data", ""))
        longest = max(sizes, key=lambda k: sizes[k])
        if sizes[longest] == 0:  # pragma: no cover - the required members alone always fit
            raise AssertionError(f"cannot fit {params!r}")
        if longest == "Description":
            params["Description"] = _halve(params["Description"])
        elif longest == "DiskImage.Description":
            disk["Description"] = _halve(disk["Description"])
        elif longest == "AdditionalInfo":
            launch["AdditionalInfo"] = _halve(launch["AdditionalInfo"])
        elif longest in ("GroupNames", "GroupIds"):
            launch[longest].pop()
        else:
            user["Data"] = user["Data"][: len(user["Data"]) // 8 * 4]
    return params


def fit_get(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` shortened (still valid) until its query string fits a GET's 8 KiB URL."""
    return _fit(params, _fits_get)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


# ------------------------------------------------------------------------------ contract-only forms

_INTEGER_NAMES = ("Image.Bytes", "Volume.Size", "Placement.PartitionNumber")


def _list_names(params: Params, prefix: str) -> list[str]:
    """The list indexes used under ``prefix`` (``DiskImage.``), in first-seen order."""
    seen: list[str] = []
    for name, _ in params:
        if name.startswith(prefix):
            index = name[len(prefix) :].split(".", 1)[0]
            if index not in seen:
                seen.append(index)
    return seen


def _relabel(params: Params, prefix: str, mapping: Mapping[str, int]) -> Params:
    out: list[tuple[str, str]] = []
    for name, value in params:
        if name.startswith(prefix):
            index, dot, rest = name[len(prefix) :].partition(".")
            if index in mapping:
                name = f"{prefix}{mapping[index]}{dot}{rest}"
        out.append((name, value))
    return tuple(out)


def _indexes(count: int) -> SearchStrategy[list[int]]:
    small = st.lists(st.integers(1, 12), min_size=count, max_size=count, unique=True)
    large = st.lists(st.integers(1, _MAX_LIST_INDEX), min_size=count, max_size=count, unique=True)
    return st.one_of(small, large)


def contract_forms(params: Params) -> SearchStrategy[Params]:
    """The same valid request in forms botocore never produces but the contract allows:
    list indexes renumbered to any distinct valid indexes (``DiskImage.3.*`` alone,
    ``GroupName.2`` and ``GroupName.7``, up to 2^31-1), integers with leading zeros
    (``0012``), and the parameters (``Action`` and ``Version`` included) in another order.
    Each form is switched on separately; shrinks towards ``params`` unchanged."""

    @st.composite
    def build(draw: st.DrawFn) -> Params:
        out = params
        for prefix in (
            "DiskImage.",
            "LaunchSpecification.GroupName.",
            "LaunchSpecification.GroupId.",
        ):
            used = _list_names(out, prefix)
            if used and draw(st.booleans()):
                new = draw(_indexes(len(used)))
                out = _relabel(out, prefix, dict(zip(used, new, strict=True)))
        if draw(st.booleans()):
            zeros = st.integers(0, 3)
            out = tuple(
                (name, "0" * draw(zeros) + value if name.endswith(_INTEGER_NAMES) else value)
                for name, value in out
            )
        if draw(st.booleans()):
            out = tuple(draw(st.permutations(out)))
        return out

    return build()


# ------------------------------------------------------------------------------ requests


def http_methods() -> SearchStrategy[str]:
    """The HTTP methods of the Query protocol: ``POST`` (shrinks to it), ``GET``."""
    return st.sampled_from(["POST", "GET"])


def import_instance_requests(
    *,
    availability_zone: str = DEFAULT_AVAILABILITY_ZONE,
    botocore_forms_only: bool = False,
    name_resources: bool = True,
    methods: SearchStrategy[str] | None = None,
) -> SearchStrategy[RequestSpec]:
    """Valid ImportInstance requests: every MUST and SHOULD requirement met, inside the
    valid domain, signed in the ``Authorization`` header by the permitted identity, as a
    POST or a GET (``methods`` to choose).

    The parameters are :func:`botocore_parameter_sets` flattened by
    :func:`~ec2conformance.wire.to_wire_params`; unless ``botocore_forms_only``, then also
    rewritten by :func:`contract_forms` (non-contiguous indexes, leading zeros, any order).
    With ``botocore_forms_only=True`` the pairs are exactly what botocore's serializer
    writes for the same API parameters. ``name_resources=False`` leaves out every member
    that names a resource that must exist (SubnetId, GroupName.N, GroupId.N, a placement
    group), so the only acceptable answer is 200; otherwise the oracle also accepts the
    ``.NotFound`` answers. ``Placement.AvailabilityZone``, when given, is
    ``availability_zone`` or empty. Shrinks towards a POST of the smallest request
    (``Platform`` and one 1-byte disk image).
    """
    chosen_methods = methods if methods is not None else http_methods()

    @st.composite
    def build(draw: st.DrawFn) -> RequestSpec:
        method = draw(chosen_methods)
        api = draw(
            botocore_parameter_sets(
                availability_zone=availability_zone,
                name_resources=name_resources,
                method=method,
            )
        )
        params = to_wire_params(api)
        if not botocore_forms_only:
            params = draw(contract_forms(params))
        return RequestSpec(params=params, method=method)

    return build()


def valid_cases(
    *,
    availability_zone: str = DEFAULT_AVAILABILITY_ZONE,
    botocore_forms_only: bool = False,
    name_resources: bool = True,
) -> SearchStrategy[Case]:
    """:func:`import_instance_requests` as :class:`Case` objects (requirement
    ``FUZZ-ORACLE``, no faults)."""
    return import_instance_requests(
        availability_zone=availability_zone,
        botocore_forms_only=botocore_forms_only,
        name_resources=name_resources,
    ).map(lambda spec: Case(spec, FUZZ_ORACLE, ()))


# ------------------------------------------------------------------------------ valid rows


def _row(
    requirement: str,
    *,
    availability_zone: str = DEFAULT_AVAILABILITY_ZONE,
    method: str | None = None,
    signing: Signing = Signing.HEADER,
    set_params: Mapping[str, SearchStrategy[Any]] | None = None,
) -> SearchStrategy[Case]:
    """Valid requests of one row: top-level members set (``None`` removes), then fitted
    to the method's budget, then in contract forms."""
    chosen = st.just(method) if method is not None else http_methods()

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        how = draw(chosen)
        api = draw(botocore_parameter_sets(availability_zone=availability_zone, method="POST"))
        focus: list[str] = []
        for name, values in (set_params or {}).items():
            value = draw(values)
            if value is None:
                api.pop(name, None)
            else:
                api[name] = value
            focus.append(name)
        api = _fit(api, _fits_get if how == "GET" else _fits_post)
        params = draw(contract_forms(to_wire_params(api)))
        spec = RequestSpec(params=params, method=how, signing=signing)
        return Case(spec, requirement, (), focus=tuple(focus))

    return build()


def _descriptions_or_absent() -> SearchStrategy[str | None]:
    return st.one_of(st.none(), descriptions())


def _sample_rows(
    requirement: str,
    *,
    availability_zone: str = DEFAULT_AVAILABILITY_ZONE,
    method: str | None = None,
    description: SearchStrategy[str | None] | None = None,
) -> SearchStrategy[Case]:
    """The contract's sample (the rows that say "the sample"), its parameters in the
    sample's order or any other, with a ``Description`` from ``description`` (``None``:
    none) appended before the order is drawn. ``availability_zone`` is unused (the sample
    names no zone); it is accepted like every row's."""
    chosen = st.just(method) if method is not None else http_methods()
    texts_or_none = description if description is not None else st.none()

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        how = draw(chosen)
        spec = sample(method=how)
        text = draw(texts_or_none)
        focus: tuple[str, ...] = ()
        if description is not None:
            focus = ("Description",)
            if text is not None:
                spec = spec.plus(("Description", text))
        if draw(st.booleans()):
            spec = replace(spec, params=tuple(draw(st.permutations(spec.params))))
        return Case(spec, requirement, (), focus=focus)

    return build()


#: The rows whose request is valid, each with a strategy of varied :class:`Case` objects
#: (no faults; ``requirement`` is the row). Keyword-only ``availability_zone``.
VALID_ROWS: Final[dict[str, Callable[..., SearchStrategy[Case]]]] = {
    "WIRE-POST": partial(_sample_rows, "WIRE-POST", method="POST"),
    "WIRE-GET": partial(_row, "WIRE-GET", method="GET"),
    "WIRE-UTF8": partial(_sample_rows, "WIRE-UTF8", description=utf8_descriptions()),
    "AUTH-QUERY-SIGNATURE": partial(
        _row, "AUTH-QUERY-SIGNATURE", method="GET", signing=Signing.QUERY
    ),
    "PERM-DRYRUN-FALSE": partial(_row, "PERM-DRYRUN-FALSE", set_params={"DryRun": st.just(False)}),
    "PARAM-DESCRIPTION-ECHO": partial(
        _sample_rows,
        "PARAM-DESCRIPTION-ECHO",
        method="POST",
        description=_descriptions_or_absent(),
    ),
}
