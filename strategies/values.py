"""Valid parameter values, one strategy per kind of value, built valid (nothing is filtered).

- enums, from ``golden/model.json``: :func:`platforms`, :func:`architectures`,
  :func:`instance_types`, :func:`tenancies`, :func:`shutdown_behaviors`,
  :func:`disk_formats`;
- values with a syntax (``golden/domain.json``'s ``value_syntax``): :func:`manifest_urls`,
  :func:`image_sizes` (``Image.Bytes`` and the ``Volume.Size`` that holds it, drawn
  together), :func:`user_data`, :func:`ipv4_addresses`;
- names of resources that must exist (the oracle also accepts their ``.NotFound``
  answers): :func:`subnet_ids`, :func:`group_ids`, :func:`group_names`,
  :func:`placement_group_names`, :func:`placement_group_ids`; and free text
  (:func:`additional_infos`).

Text values of their own (descriptions) are in :mod:`strategies.text`.
"""

from __future__ import annotations

import base64
import string
from functools import cache

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.model import SAMPLE_MANIFEST_URL
from ec2conformance.strategies.domain import (
    ENUMS,
    GIB,
    MAX_GROUP_ENTRIES,
    MAX_TEXT,
    MAX_USER_DATA,
    MAX_VOLUME_GIB,
)
from ec2conformance.strategies.text import texts

__all__ = [
    "additional_infos",
    "architectures",
    "disk_formats",
    "group_ids",
    "group_names",
    "image_sizes",
    "instance_types",
    "ipv4_addresses",
    "manifest_urls",
    "placement_group_ids",
    "placement_group_names",
    "platforms",
    "shutdown_behaviors",
    "subnet_ids",
    "tenancies",
    "user_data",
]

# ------------------------------------------------------------------------------ enums


def _enum(name: str, *, exclude: frozenset[str] = frozenset()) -> SearchStrategy[str]:
    return st.sampled_from([v for v in ENUMS[name] if v not in exclude])


@cache
def platforms() -> SearchStrategy[str]:
    """A valid ``Platform``: the model's ``PlatformValues`` (only ``Windows``)."""
    return _enum("PlatformValues")


@cache
def architectures() -> SearchStrategy[str]:
    """A valid ``LaunchSpecification.Architecture`` (the model's ``ArchitectureValues``);
    shrinks towards the model's first value."""
    return _enum("ArchitectureValues")


@cache
def instance_types() -> SearchStrategy[str]:
    """A valid ``LaunchSpecification.InstanceType``: one of the model's ~1,400 values,
    sampled (shrinks towards the model's first, ``a1.medium``)."""
    return _enum("InstanceType")


@cache
def tenancies() -> SearchStrategy[str]:
    """A valid ``Placement.Tenancy``: the model's ``Tenancy`` values except ``host``
    (LAUNCH-HOST-TENANCY)."""
    return _enum("Tenancy", exclude=frozenset({"host"}))


@cache
def shutdown_behaviors() -> SearchStrategy[str]:
    """A valid ``InstanceInitiatedShutdownBehavior`` (the model's ``ShutdownBehavior``)."""
    return _enum("ShutdownBehavior")


@cache
def disk_formats() -> SearchStrategy[str]:
    """A valid ``Image.Format`` (the model's ``DiskImageFormat``: VMDK, RAW, VHD)."""
    return _enum("DiskImageFormat")


# ------------------------------------------------------------------------------ values


# Characters a URL's host may have ([^/?#@\t\n\r ], XML-legal) and the rest ([^\t\n\r ]);
# sets of characters (no .map), so that st.text draws a whole string at once.
_URL_REST_CHARS = st.one_of(
    st.sampled_from(list(string.ascii_letters + string.digits + "-._~/?#=&%+:@!$'()*,;[]")),
    st.characters(min_codepoint=0x21, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
_URL_HOST_CHARS = st.one_of(
    st.sampled_from(list(string.ascii_letters + string.digits + "-._~=&%+:!$'()*,;[]")),
    st.characters(min_codepoint=0x21, max_codepoint=0xD7FF, exclude_characters="/?#@"),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
_HOSTS = [
    "s3.amazonaws.com",
    "amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com",
    "s3.eu-west-1.amazonaws.com:443",
    "127.0.0.1:8443",
    "[::1]",
    "xn--bcher-kva.example",
]


@cache
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


@cache
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
    # The volume: the smallest that holds the bytes, or a larger one (an offset above it,
    # drawn without building a strategy per example).
    larger = st.booleans()
    offsets = st.integers(0, MAX_VOLUME_GIB - 1)

    @st.composite
    def pairs(draw: st.DrawFn) -> tuple[int, int]:
        image_bytes = draw(sizes_of_bytes)
        smallest = -(-image_bytes // GIB)
        size = smallest
        if draw(larger):
            size = smallest + draw(offsets) % (MAX_VOLUME_GIB - smallest + 1)
        return image_bytes, size

    return pairs()


_B64 = string.ascii_letters + string.digits + "+/"


@cache
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


@cache
def ipv4_addresses() -> SearchStrategy[str]:
    """A valid ``PrivateIpAddress``: four decimal numbers 0-255 without leading zeros,
    joined by dots. Shrinks towards ``0.0.0.0``."""
    octet = st.integers(0, 255).map(str)
    return st.tuples(octet, octet, octet, octet).map(".".join)


@cache
def _hex_ids(prefix: str) -> SearchStrategy[str]:
    digits = st.sampled_from("0123456789abcdef")
    return st.one_of(
        st.text(digits, min_size=8, max_size=8), st.text(digits, min_size=17, max_size=17)
    ).map(lambda h: prefix + h)


def _resource_names(ids: SearchStrategy[str]) -> SearchStrategy[str]:
    # A name of the resource's usual shape, or any non-empty XML-legal text up to 255.
    return st.one_of(ids, texts(min_size=1))


@cache
def subnet_ids() -> SearchStrategy[str]:
    """A ``SubnetId`` (a resource that must exist: the oracle also accepts NotFound):
    ``subnet-`` and 8 or 17 hex digits, or any non-empty XML-legal text up to 255."""
    return _resource_names(_hex_ids("subnet-"))


@cache
def group_ids() -> SearchStrategy[list[str]]:
    """``GroupId.N`` entries (security groups that must exist): 0..10 of them, each
    ``sg-`` and hex digits or any non-empty XML-legal text. Shrinks towards ``[]``."""
    return st.lists(_resource_names(_hex_ids("sg-")), max_size=MAX_GROUP_ENTRIES)


@cache
def group_names() -> SearchStrategy[list[str]]:
    """``GroupName.N`` entries (security groups that must exist): 0..10 of them, each
    ``default``, a plain name or any non-empty XML-legal text. Shrinks towards ``[]``."""
    plain = st.sampled_from(["default", "web", "conformance-sg", "launch-wizard-1"])
    return st.lists(_resource_names(plain), max_size=MAX_GROUP_ENTRIES)


@cache
def placement_group_names() -> SearchStrategy[str]:
    """A ``Placement.GroupName`` (a placement group that must exist)."""
    return _resource_names(st.sampled_from(["conformance-pg", "cluster-1", "spread"]))


@cache
def placement_group_ids() -> SearchStrategy[str]:
    """A ``Placement.GroupId`` (a placement group that must exist): ``pg-`` and hex digits,
    or any non-empty XML-legal text."""
    return _resource_names(_hex_ids("pg-"))


@cache
def additional_infos() -> SearchStrategy[str]:
    """A valid ``AdditionalInfo``: any XML-legal text up to 255 code points (empty too)."""
    return texts()
