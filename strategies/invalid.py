"""Requests that break one requirement each: one strategy per requirement of the contract.

:data:`INVALID` maps every requirement a request can violate to a strategy factory
(keyword-only ``availability_zone``) of :class:`~strategies.cases.Case` objects. Each case is
a valid request (:func:`strategies.valid.import_instance_requests`, any of its forms) with
exactly ONE fault applied, without ``DryRun`` (the dedicated checks send one fault at a
time), except the rows that describe DryRun or an identity (PERM-*, AUTH-BEFORE-DRYRUN).
The case's ``requirement`` is the row and ``faults`` the requirement ids of what it
carries; the oracle confirms both in the self-tests, nothing is filtered at draw time.

How it is built:

- value generators (plural nouns, public): :func:`invalid_integers`,
  :func:`invalid_booleans`, :func:`invalid_enum_values`, :func:`invalid_instance_types`,
  :func:`invalid_manifest_urls`, :func:`invalid_ipv4_addresses`,
  :func:`invalid_user_data`, :func:`invalid_list_indexes`,
  :func:`unknown_parameter_names`, :func:`unknown_actions`, :func:`unpublished_versions`,
  :func:`non_xml_texts`, ... Each lists short, named examples first (what a failure
  shrinks to), then generated ones, and says which requirement its values violate;
- fault generators (``FAULTS``): for a requirement and a valid request, a strategy of
  :class:`~strategies.cases.Fault` (the change, what it touches, what to show);
- :func:`invalid_requests`: a valid request, one fault, a :class:`Case`.

A new requirement gets a value generator (if it needs one), a fault generator registered in
``FAULTS`` (or in :data:`strategies.wire.WIRE_FAULTS` for signature and encoding faults), and
so an entry in :data:`INVALID`; ``selftests/test_strategies_invalid.py`` then checks it
against the oracle and the reference endpoint without further changes.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance import golden
from ec2conformance.model import ACTION, API_VERSION, Identity, RequestSpec
from ec2conformance.wire import encode_query, to_wire_params
from strategies.cases import Case, Fault, drop_params, put_param
from strategies.valid import (
    DEFAULT_AVAILABILITY_ZONE,
    GIB,
    MAX_DESCRIPTION,
    MAX_TEXT,
    MAX_USER_DATA,
    MAX_VOLUME_GIB,
    descriptions,
    disk_images,
    echoed_texts,
    import_instance_requests,
    instance_types,
    manifest_urls,
    placement_group_names,
    subnet_ids,
    texts,
    user_data,
    xml_characters,
)
from strategies.wire import WIRE_FAULTS

__all__ = [
    "FAULTS",
    "INVALID",
    "any_characters",
    "disk_indexes",
    "fault_strategy",
    "finish",
    "invalid_booleans",
    "invalid_enum_values",
    "invalid_instance_types",
    "invalid_integers",
    "invalid_ipv4_addresses",
    "invalid_list_indexes",
    "invalid_manifest_urls",
    "invalid_platforms",
    "invalid_requests",
    "invalid_user_data",
    "non_xml_characters",
    "non_xml_texts",
    "unknown_actions",
    "unknown_parameter_names",
    "unpublished_versions",
]

_DOMAIN = golden.domain()
_SYNTAX = _DOMAIN["value_syntax"]
_ENUMS = golden.model()["enums"]
_ACTIONS: Final = frozenset(golden.ec2_api()["actions"])
_VERSIONS: Final = frozenset(golden.ec2_api()["published_versions"])
_TEMPLATES: Final = tuple(p["name"] for p in golden.model()["import_instance_parameters"])
_KNOWN_EXACT: Final = frozenset(
    [t for t in _TEMPLATES if "{N}" not in t]
    + list(_DOMAIN["envelope_names"])
    + list(_DOMAIN["sigv4_query_names"])
    + list(_DOMAIN["sigv2_names"])
)
_LIST_HEADS: Final = tuple(sorted({t.partition("{N}")[0] for t in _TEMPLATES if "{N}" in t}))
_INSTANCE_TYPE_SHAPE: Final = re.compile(
    _DOMAIN["parameters"]["LaunchSpecification.InstanceType"]["future_shape"]
)
_INTEGER: Final = re.compile(_SYNTAX["integer"])
_LIST_INDEX: Final = re.compile(_SYNTAX["list_index"])
_URL: Final = re.compile(_SYNTAX["url"])
_IPV4: Final = re.compile(_SYNTAX["ipv4"])
_BASE64: Final = re.compile(_SYNTAX["base64"])
_MAX_LONG: Final = 2**63 - 1
_MAX_INT: Final = 2**31 - 1
_MAX_INDEX: Final = int(_SYNTAX["list_index_maximum"])

_LS = "LaunchSpecification."
_PLACEMENT = "LaunchSpecification.Placement."
_DISK_NAME = re.compile(
    r"DiskImage\.([1-9][0-9]*)\.(Description|Image\.Format|Image\.Bytes|"
    r"Image\.ImportManifestUrl|Volume\.Size)"
)
_DISK_FIELDS: Final = ("Image.Format", "Image.Bytes", "Image.ImportManifestUrl", "Volume.Size")
# The aspect (see Fault.aspects) of each disk image member.
_DISK_ASPECT: Final = {
    "Description": "disk.Description",
    "Image.Format": "disk.Format",
    "Image.Bytes": "disk.Bytes",
    "Image.ImportManifestUrl": "disk.Url",
    "Volume.Size": "disk.Size",
}


# ------------------------------------------------------------------------------ helpers


def _xml_legal(text: str) -> bool:
    ranges = _SYNTAX["xml_char_ranges"]
    return all(any(lo <= ord(ch) <= hi for lo, hi in ranges) for ch in text)


def disk_indexes(spec: RequestSpec) -> list[str]:
    """The disk images of ``spec`` by list index (as written), in first-seen order."""
    seen: list[str] = []
    for name in spec.names():
        match = _DISK_NAME.fullmatch(name)
        if match and match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def _disk(spec: RequestSpec) -> str:
    indexes = disk_indexes(spec)
    return indexes[0] if indexes else "1"


def _is_known(name: str) -> bool:
    """Whether the contract knows ``name`` (with a valid index where it has one)."""
    if name in _KNOWN_EXACT:
        return True
    for template in _TEMPLATES:
        if "{N}" in template:
            head, _, tail = template.partition("{N}")
            if name.startswith(head) and name.endswith(tail) and len(name) > len(head + tail):
                index = name[len(head) : len(name) - len(tail)]
                if _LIST_INDEX.fullmatch(index) and int(index) <= _MAX_INDEX:
                    return True
    return False


def _insert(text: str, char: str, position: int) -> str:
    position = min(position, len(text))
    return text[:position] + char + text[position:]


def _placed(draw: st.DrawFn, base: str, chars: SearchStrategy[str], *, max_size: int) -> str:
    """``base`` (cut to leave room) with one character of ``chars`` inserted somewhere."""
    text = base[: max_size - 1]
    return _insert(text, draw(chars), draw(st.integers(0, len(text))))


def _fault(
    requirement: str,
    apply: Callable[[RequestSpec], RequestSpec],
    *focus: str,
    aspects: frozenset[str] | set[str] = frozenset(),
    note: str = "",
) -> Fault:
    return Fault(requirement, apply, focus=focus, note=note, aspects=frozenset(aspects))


def _setting(requirement: str, name: str, value: str, *aspects: str) -> Fault:
    """A fault that sets one parameter (in place, or added at the end)."""
    return _fault(
        requirement,
        lambda spec: put_param(spec, name, value),
        name,
        aspects=set(aspects) or {name},
    )


# ------------------------------------------------------------------------------ characters


def non_xml_characters() -> SearchStrategy[str]:
    """Characters XML 1.0 cannot carry (C0 controls other than tab, LF and CR; U+FFFE,
    U+FFFF); U+0001 first. Never a lone surrogate: that is not text, and cannot be sent."""
    controls = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
    return st.sampled_from(["\x01", "\ufffe", "\uffff", *[c for c in controls if c != "\x01"]])


def any_characters() -> SearchStrategy[str]:
    """Any character that can be sent as UTF-8: XML-legal ones first, then the others."""
    return st.one_of(xml_characters(), non_xml_characters())


def non_xml_texts(
    *, valid: SearchStrategy[str] | None = None, max_size: int = MAX_DESCRIPTION
) -> SearchStrategy[str]:
    """Text with at least one character XML 1.0 cannot carry (PARAM-TEXT-INVALID for an
    echoed parameter): a ``valid`` text with one such character inserted, or a short run of
    any characters with one; at most ``max_size`` code points. Shrinks to ``'\\x01'``."""
    bases = valid if valid is not None else echoed_texts(max_size=max_size)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        return _placed(draw, draw(bases), non_xml_characters(), max_size=max_size)

    return build()


def _junk(
    *, max_size: int = MAX_TEXT, chars: SearchStrategy[str] | None = None
) -> SearchStrategy[str]:
    return st.text(chars if chars is not None else xml_characters(), max_size=max_size)


def _not_in(values: frozenset[str], fix: Callable[[str], str]) -> Callable[[str], str]:
    """A repair that makes a generated value miss ``values`` (applied, never filtered)."""

    def repair(value: str) -> str:
        while value in values:
            value = fix(value)
        return value

    return repair


# ------------------------------------------------------------------------------ value generators


def invalid_platforms() -> SearchStrategy[str]:
    """``Platform`` values other than ``Windows`` (PARAM-PLATFORM-INVALID): other systems,
    other cases, empty, padded, long junk, any characters. Shrinks to ``'Linux'``."""
    named = st.sampled_from(
        ["Linux", "windows", "WINDOWS", "", "Windows ", " Windows", "Win", "Windows\n", "x" * 255]
    )
    valid = frozenset(_ENUMS["PlatformValues"])
    return st.one_of(named, _junk(chars=any_characters())).map(_not_in(valid, lambda v: v + "s"))


def invalid_booleans() -> SearchStrategy[str]:
    """Values that are not exactly ``true`` or ``false`` (LAUNCH-BOOLEAN-INVALID,
    PERM-DRYRUN-VALUE): ``yes``, ``1``, ``True``, empty, padded, any text. Shrinks to
    ``'yes'``."""
    named = st.sampled_from(
        ["yes", "1", "True", "", "FALSE", "0", "no", "on", " true", "false ", "t", "tru"]
    )
    valid = frozenset(_SYNTAX["boolean"])
    return st.one_of(named, _junk(max_size=20, chars=any_characters())).map(
        _not_in(valid, lambda v: v + "e")
    )


def invalid_integers(*, minimum: int, maximum: int) -> SearchStrategy[str]:
    """Values that are not an integer in ``minimum``..``maximum``: not ``-?[0-9]+`` at all
    (words, decimals, exponents, ``+12``, spaces, other digits, empty) or out of range
    (zero and negatives where the minimum is 1, one past either end, far beyond), with or
    without leading zeros. DISK-BYTES-INVALID, DISK-SIZE-INVALID, LAUNCH-INTEGER-INVALID.
    Shrinks to ``'twelve'``."""
    syntax = st.one_of(
        st.sampled_from(
            ["twelve", "1.5", "", "+12", " 12", "12 ", "1e9", "0x10", "١٢", "1,000", "12abc", "-"]
        ),
        st.tuples(
            st.integers(0, 10**6).map(str),
            st.sampled_from(list(".,_ eE+x")),
            st.integers(0, 99).map(str),
        ).map("".join),
        _junk(max_size=30, chars=any_characters()).map(
            lambda v: v + "x" if _INTEGER.fullmatch(v) else v
        ),
    )
    below = st.one_of(st.just(minimum - 1), st.integers(-(2**70), minimum - 1))
    above = st.one_of(st.just(maximum + 1), st.integers(maximum + 1, 2**70), st.just(10**30))
    numbers = st.one_of(below, above).map(str)
    zeros = st.tuples(st.integers(1, 3), numbers).map(
        lambda z: ("-" + "0" * z[0] + z[1][1:]) if z[1].startswith("-") else "0" * z[0] + z[1]
    )
    return st.one_of(syntax, numbers, zeros)


def invalid_enum_values(enum: str, *, named: list[str]) -> SearchStrategy[str]:
    """Values outside the model's enum ``enum`` (whatever their characters): the ``named``
    near misses first, then case changes of valid values, padded valid values and any text
    (DISK-FORMAT-INVALID, LAUNCH-ENUM-INVALID). Shrinks to ``named[0]``."""
    values = list(_ENUMS[enum])
    valid = frozenset(values)
    near = st.tuples(
        st.sampled_from(values),
        st.sampled_from(["upper", "lower", "title", "space", "newline", "tab", "suffix"]),
    ).map(_near_miss)
    return st.one_of(st.sampled_from(named), near, _junk(chars=any_characters())).map(
        _not_in(valid, lambda v: v + "_")
    )


def _near_miss(pair: tuple[str, str]) -> str:
    value, how = pair
    return {
        "upper": value.upper(),
        "lower": value.lower(),
        "title": value.title(),
        "space": value + " ",
        "newline": value + "\n",
        "tab": "\t" + value,
        "suffix": value + "x",
    }[how]


def invalid_instance_types() -> SearchStrategy[str]:
    """``InstanceType`` values outside the model's enum that never have the shape of a
    type the model could add later (never ``^[a-z][a-z0-9-]*\\.[a-z0-9-]+$``): upper case,
    no dot, two dots, an underscore, white space, empty, any text (LAUNCH-ENUM-INVALID).
    Shrinks to ``'M1.XLARGE'``."""
    named = st.sampled_from(["M1.XLARGE", "not a type", "", "m1xlarge", "m1.x.large", "m1_xlarge"])

    def mutate(pair: tuple[str, str]) -> str:
        value, how = pair
        head, _, tail = value.partition(".")
        return {
            "upper": value.upper(),
            "title": value[:1].upper() + value[1:],
            "nodot": head + tail,
            "twodots": value + ".large",
            "underscore": head + "_" + tail,
            "space": value + " ",
            "lead": " " + value,
            "plus": head + "+." + tail,
        }[how]

    hows = ["upper", "title", "nodot", "twodots", "underscore", "space", "lead", "plus"]
    near = st.tuples(instance_types(), st.sampled_from(hows)).map(mutate)
    return st.one_of(named, near, _junk(chars=any_characters())).map(_unshaped)


def _unshaped(value: str) -> str:
    # A future-shaped or valid value made unshaped: it no longer starts with [a-z].
    return "_" + value if _INSTANCE_TYPE_SHAPE.fullmatch(value) else value


def invalid_manifest_urls() -> SearchStrategy[str]:
    """``ImportManifestUrl`` values that are not a URL by the value syntax
    (DISK-MANIFEST-URL-INVALID): another scheme (``http``, ``ftp``, ``s3``), relative, no
    host, user information before the host, white space anywhere, a character XML cannot
    carry, empty; at most 255 code points. Shrinks to ``'http://s3.amazonaws.com/...'``."""
    named = st.sampled_from(
        [
            "http://s3.amazonaws.com/bucket/manifest.xml",
            "bucket/manifest.xml",
            "",
            "ftp://s3.amazonaws.com/bucket/manifest.xml",
            "s3://bucket/manifest.xml",
            "https://",
            "https:///manifest.xml",
            "https:/s3.amazonaws.com/m.xml",
            "https//s3.amazonaws.com/m.xml",
            "//s3.amazonaws.com/m.xml",
            "https://user@s3.amazonaws.com/m.xml",
            "https://s3.amazonaws.com/my bucket/manifest.xml",
            " https://s3.amazonaws.com/m.xml",
        ]
    )
    schemes = st.sampled_from(["http", "ftp", "s3", "file", "httpss", "htps", "https:", ""])

    @st.composite
    def other_scheme(draw: st.DrawFn) -> str:
        url = draw(manifest_urls())
        return (draw(schemes) + url[url.index(":") :])[:MAX_TEXT]

    @st.composite
    def with_space(draw: st.DrawFn) -> str:
        return _placed(draw, draw(manifest_urls()), st.sampled_from(" \t\n\r"), max_size=MAX_TEXT)

    @st.composite
    def with_non_xml(draw: st.DrawFn) -> str:
        return _placed(draw, draw(manifest_urls()), non_xml_characters(), max_size=MAX_TEXT)

    @st.composite
    def with_user(draw: st.DrawFn) -> str:
        url = draw(manifest_urls())
        user = draw(st.sampled_from(["user", "user:password", "a", ""]))
        at = url.index("://") + 3
        return (url[:at] + user + "@" + url[at:])[:MAX_TEXT]

    @st.composite
    def no_host(draw: st.DrawFn) -> str:
        url = draw(manifest_urls())
        return url[: url.index("://") + 3] + draw(st.sampled_from(["", "/", "?", "#"])) + "x"

    relative = st.text(st.sampled_from(string.ascii_lowercase + "/._-"), max_size=40).map(
        lambda v: v if not v.lower().startswith("https://") else "x" + v
    )
    return st.one_of(
        named, other_scheme(), with_space(), with_user(), no_host(), with_non_xml(), relative
    ).map(lambda v: v + " " if _URL.fullmatch(v) and _xml_legal(v) else v)


def invalid_ipv4_addresses() -> SearchStrategy[str]:
    """``PrivateIpAddress`` values that are not IPv4 by the value syntax
    (LAUNCH-IP-INVALID): an octet over 255, a leading zero, three or five parts, words,
    IPv6, a prefix length, white space, empty. Shrinks to ``'256.1.1.1'``."""
    named = st.sampled_from(
        [
            "256.1.1.1",
            "10.01.2.3",
            "10.1.2",
            "ten.one.two.three",
            "",
            "::1",
            "10.0.0.1/24",
            "10.0.0.1 ",
            "1.2.3.4.5",
            "10.0.0.",
            "-1.0.0.0",
            "0x0A.0.0.1",
        ]
    )
    octet = st.integers(0, 255).map(str)
    bad_octet = st.one_of(
        st.integers(256, 99999).map(str), st.integers(0, 99).map(lambda n: f"0{n}"), st.just("")
    )

    @st.composite
    def one_bad(draw: st.DrawFn) -> str:
        parts = [draw(octet) for _ in range(4)]
        parts[draw(st.integers(0, 3))] = draw(bad_octet)
        return ".".join(parts)

    wrong_count = st.one_of(
        st.lists(octet, min_size=1, max_size=3), st.lists(octet, min_size=5, max_size=8)
    ).map(".".join)
    return st.one_of(named, one_bad(), wrong_count, _junk(max_size=40, chars=any_characters())).map(
        lambda v: v + "." if _IPV4.fullmatch(v) else v
    )


def invalid_user_data() -> SearchStrategy[str]:
    """``UserData.Data`` values that are not base64 by the value syntax
    (LAUNCH-USERDATA-INVALID): a length that is not a multiple of 4, white space, the
    URL-safe alphabet, bad or misplaced padding, any other character; at most 4,096
    characters. Shrinks to ``'abc'``."""
    named = st.sampled_from(
        ["abc", "aGk g", "!!!!", "a===", "aG_-", "ab=c", "=abc", "ab==ab==", "YQ"]
    )
    bad_chars = st.one_of(st.sampled_from(list(" \n\r\t-_!.=é")), any_characters())

    @st.composite
    def with_bad_char(draw: st.DrawFn) -> str:
        return _placed(draw, draw(user_data()), bad_chars, max_size=MAX_USER_DATA)

    @st.composite
    def cut(draw: st.DrawFn) -> str:
        data = draw(user_data())[: MAX_USER_DATA - 4]
        extra = draw(
            st.text(
                st.sampled_from(string.ascii_letters + string.digits + "+/"), min_size=1, max_size=3
            )
        )
        return data + extra if len(data) % 4 == 0 and not data.endswith("=") else data + "!"

    return st.one_of(named, with_bad_char(), cut()).map(
        lambda v: v + "!" if _BASE64.fullmatch(v) else v
    )


def invalid_list_indexes() -> SearchStrategy[str]:
    """Strings that are not a list index by the value syntax (LIST-INDEX-INVALID): ``0``,
    leading zeros, past 2^31-1, negative, signed, padded, letters, other digits, empty;
    never a dot (it would end the index). Shrinks to ``'0'``."""
    named = st.sampled_from(
        ["0", "01", "x", "2147483648", "-1", "+1", " 1", "1 ", "", "00", "one", "١", "1e3", "0x1"]
    )
    big = st.integers(_MAX_INDEX + 1, 10**30).map(str)
    zeros = st.tuples(st.integers(1, 3), st.integers(0, 999)).map(lambda z: "0" * z[0] + str(z[1]))
    chars = any_characters().map(lambda c: "_" if c == "." else c)
    junk = st.text(chars, max_size=12)
    return st.one_of(named, big, zeros, junk).map(
        lambda v: "0" + v if _LIST_INDEX.fullmatch(v) and int(v) <= _MAX_INDEX else v
    )


_UNKNOWN_WORDS = [
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


def unknown_parameter_names(*, disk_index: str = "1") -> SearchStrategy[str]:
    """Parameter names the contract does not know, at every depth, with valid list indexes
    (WIRE-UNKNOWN-PARAM): made-up or misplaced members at the top level and under
    ``LaunchSpecification.``, ``.Placement.``, ``.UserData.``, ``DiskImage.N.``,
    ``.Image.``, ``.Volume.`` and a group entry; botocore's API names (``DiskImages.1...``,
    ``GroupNames.1``); known names in another case or with white space; a structure named
    without its member (``DiskImage.1.Image``). ``disk_index`` is the request's disk image.
    Never empty, never a SigV4/SigV2 name. Shrinks to ``'Colour'``."""
    d = disk_index
    prefixes = [
        "",
        _LS,
        _PLACEMENT,
        _LS + "UserData.",
        f"DiskImage.{d}.",
        f"DiskImage.{d}.Image.",
        f"DiskImage.{d}.Volume.",
        _LS + "GroupName.1.",
        _LS + "GroupId.2.",
    ]
    segment = st.one_of(
        st.sampled_from(_UNKNOWN_WORDS),
        st.from_regex(r"[A-Z][a-zA-Z0-9]{0,15}", fullmatch=True),
        st.text(xml_characters().map(lambda c: "_" if c == "." else c), min_size=1, max_size=20),
    )
    nested = st.tuples(st.sampled_from(prefixes), segment).map("".join)
    api_names = st.sampled_from(
        [
            f"DiskImages.{d}.Image.Format",
            _LS + "GroupNames.1",
            _LS + "GroupIds.1",
            _LS + "UserData",
            f"DiskImage.{d}",
            f"DiskImage.{d}.Image",
            f"DiskImage.{d}.Volume",
            _LS + "Placement",
            "LaunchSpecification",
            _LS + "GroupName",
            f"DiskImage.{d}.Size",
            _LS + "Platform",
            "Placement.Tenancy",
            f"DiskImage.{d}.Image.Bytes.Value",
        ]
    )

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

    recased = st.tuples(
        st.sampled_from(_TEMPLATES), st.sampled_from(["lower", "upper", "first", "pad", "lead"])
    ).map(recase)
    return st.one_of(api_names, nested, recased).map(_make_unknown)


def _make_unknown(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("x-amz-") or name.strip() == "":
        name = "Unknown" + name
    while _is_known(name) or name.lower() in _SIG_NAMES_LOWER or _bad_index_prefix(name):
        name += "X"
    return name


_SIG_NAMES_LOWER: Final = frozenset(
    n.lower() for n in [*_DOMAIN["sigv4_query_names"], *_DOMAIN["sigv2_names"], "Action", "Version"]
)


def _bad_index_prefix(name: str) -> bool:
    # A name under a list head whose index is not a list index is LIST-INDEX-INVALID's.
    for head in _LIST_HEADS:
        if name.startswith(head):
            index = name[len(head) :].split(".", 1)[0]
            return not (_LIST_INDEX.fullmatch(index) and int(index) <= _MAX_INDEX)
    return False


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
    return st.one_of(named, made_up, _junk(max_size=60)).map(_not_in(known, lambda v: v + "X"))


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
    return st.one_of(named, dates, _junk(max_size=40)).map(
        _not_in(published, lambda v: "1999" + v[4:] if len(v) > 4 else v + "x")
    )


# ------------------------------------------------------------------------------ faults


def _removing(requirement: str, names: list[str], *aspects: str) -> Fault:
    return _fault(requirement, lambda spec: drop_params(spec, *names), *names, aspects=set(aspects))


def _stage2(
    requirement: str, name: str, values: SearchStrategy[str] | None
) -> Callable[[RequestSpec], SearchStrategy[Fault]]:
    def faults(base: RequestSpec) -> SearchStrategy[Fault]:
        if values is None:
            return st.just(_removing(requirement, [name], name))
        return values.map(lambda v: _setting(requirement, name, v))

    return faults


def _unknown_param_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """WIRE-UNKNOWN-PARAM: one unknown name (:func:`unknown_parameter_names`) added."""
    disk = st.sampled_from([_disk(base), "1", "2"])

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        name = draw(unknown_parameter_names(disk_index=draw(disk)))
        value = draw(st.one_of(st.just("x"), texts(max_size=40)))
        return _fault("WIRE-UNKNOWN-PARAM", lambda spec: spec.plus((name, value)), name)

    return build()


_DISK_LEAF_VALUES: Final = {
    "Description": st.just("x"),
    "Image.Format": st.sampled_from(_ENUMS["DiskImageFormat"]),
    "Image.Bytes": st.just("1073741824"),
    "Image.ImportManifestUrl": st.just("https://s3.amazonaws.com/bucket/second.xml"),
    "Volume.Size": st.just("1"),
    "Image.Colour": st.just("blue"),
}


def _list_index_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LIST-INDEX-INVALID: one parameter whose list index is not one
    (:func:`invalid_list_indexes`), under ``DiskImage.``, ``GroupName.`` or ``GroupId.``,
    with a valid value (or, now and then, an unknown member: the index still decides)."""

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        index = draw(invalid_list_indexes())
        where = draw(st.sampled_from(["disk", "group-name", "group-id"]))
        if where == "disk":
            leaf = draw(st.sampled_from(list(_DISK_LEAF_VALUES)))
            name, value = f"DiskImage.{index}.{leaf}", draw(_DISK_LEAF_VALUES[leaf])
        else:
            kind = "GroupName" if where == "group-name" else "GroupId"
            name, value = f"{_LS}{kind}.{index}", draw(st.sampled_from(["default", "sg-12345678"]))
        return _fault("LIST-INDEX-INVALID", lambda spec: spec.plus((name, value)), name)

    return build()


def _text_faults(base: RequestSpec, *, availability_zone: str) -> SearchStrategy[Fault]:
    """PARAM-TEXT-INVALID: ``Description``, the disk's ``Description`` or
    ``Placement.AvailabilityZone`` with a character XML cannot carry."""
    disk = _disk(base)
    targets = {
        "Description": (non_xml_texts(), "Description"),
        f"DiskImage.{disk}.Description": (non_xml_texts(), "disk.Description"),
        _PLACEMENT + "AvailabilityZone": (
            non_xml_texts(valid=st.just(availability_zone), max_size=MAX_TEXT),
            "Placement.AvailabilityZone",
        ),
    }

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        name = draw(st.sampled_from(list(targets)))
        values, aspect = targets[name]
        return _setting("PARAM-TEXT-INVALID", name, draw(values), aspect)

    return build()


def _field_missing_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-FIELD-MISSING: one or more of the disk image's four required members removed
    (the image still there: when all four go, its ``Description`` stays or is added)."""
    disk = _disk(base)

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        gone = draw(st.lists(st.sampled_from(_DISK_FIELDS), min_size=1, max_size=4, unique=True))
        names = [f"DiskImage.{disk}.{f}" for f in gone]
        aspects = {_DISK_ASPECT[f] for f in gone} | {"disk.count"}
        description = f"DiskImage.{disk}.Description"
        keep = draw(descriptions()) if len(gone) == 4 else None

        def apply(spec: RequestSpec) -> RequestSpec:
            spec = drop_params(spec, *names)
            if keep is not None and spec.get(description) is None:
                spec = spec.plus((description, keep))
            return spec

        if keep is not None:
            aspects.add("disk.Description")
        return _fault("DISK-FIELD-MISSING", apply, *names, aspects=aspects)

    return build()


def _disk_value_faults(
    requirement: str, field: str, values: SearchStrategy[str]
) -> Callable[[RequestSpec], SearchStrategy[Fault]]:
    def faults(base: RequestSpec) -> SearchStrategy[Fault]:
        name = f"DiskImage.{_disk(base)}.{field}"
        return values.map(lambda v: _setting(requirement, name, v, _DISK_ASPECT[field]))

    faults.__doc__ = f"{requirement}: the disk image's ``{field}`` set to an invalid value."
    return faults


def _too_small_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-SIZE-TOO-SMALL: ``Image.Bytes`` greater than ``Volume.Size`` × 2^30, both
    valid integers (one byte over first, up to 2^63-1)."""
    disk = _disk(base)

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        size = draw(st.one_of(st.integers(1, 16), st.integers(1, MAX_VOLUME_GIB)))
        room = _MAX_LONG - size * GIB
        over = draw(st.one_of(st.just(1), st.integers(1, GIB), st.integers(1, room)))
        count = size * GIB + over
        names = (f"DiskImage.{disk}.Image.Bytes", f"DiskImage.{disk}.Volume.Size")

        def apply(spec: RequestSpec) -> RequestSpec:
            return put_param(put_param(spec, names[0], str(count)), names[1], str(size))

        return _fault("DISK-SIZE-TOO-SMALL", apply, *names, aspects={"disk.Bytes", "disk.Size"})

    return build()


def _disk_params(index: int, disk: dict[str, object]) -> list[tuple[str, str]]:
    pairs = to_wire_params({"DiskImages": [disk]})[2:]
    return [
        (name.replace("DiskImage.1.", f"DiskImage.{index}.", 1), value) for name, value in pairs
    ]


def _multiple_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-MULTIPLE: one to three more complete, valid disk images, at other indexes."""
    used = {int(i) for i in disk_indexes(base)}

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        count = draw(st.integers(1, 3))
        indexes = draw(
            st.lists(
                st.one_of(st.integers(1, 12), st.integers(1, _MAX_INDEX)),
                min_size=count,
                max_size=count,
                unique=True,
            ).map(lambda xs: [x for x in xs if x not in used] or [max(used | {0}) + 1])
        )
        pairs: list[tuple[str, str]] = []
        for index in indexes:
            pairs.extend(_disk_params(index, draw(disk_images())))
        names = tuple(dict.fromkeys(f"DiskImage.{i}.Image.Format" for i in indexes))
        return _fault(
            "DISK-MULTIPLE",
            lambda spec: spec.plus(*pairs),
            *names,
            aspects={"disk.count"},
        )

    return build()


def _none_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-NONE: every disk image parameter removed."""

    def apply(spec: RequestSpec) -> RequestSpec:
        return replace(spec, params=tuple(p for p in spec.params if not _DISK_NAME.fullmatch(p[0])))

    return st.just(
        _fault(
            "DISK-NONE",
            apply,
            aspects=set(_DISK_ASPECT.values()) | {"disk.count"},
            note="no disk image",
        )
    )


_LAUNCH_ENUMS: Final = {
    _LS + "Architecture": ("ArchitectureValues", ["x86-64", "X86_64", "", "amd64", "arm"]),
    _LS + "InstanceInitiatedShutdownBehavior": (
        "ShutdownBehavior",
        ["halt", "Stop", "", "shutdown"],
    ),
    _PLACEMENT + "Tenancy": ("Tenancy", ["shared", "Default", "", "Host", "dedicated "]),
}


def _launch_enum_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LAUNCH-ENUM-INVALID: ``Architecture``, ``InstanceType``,
    ``InstanceInitiatedShutdownBehavior`` or ``Placement.Tenancy`` outside the model's enum
    (an invalid InstanceType never has the shape of a future one)."""
    choices = {
        **{
            name: invalid_enum_values(enum, named=named)
            for name, (enum, named) in _LAUNCH_ENUMS.items()
        },
        _LS + "InstanceType": invalid_instance_types(),
    }

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        name = draw(st.sampled_from(sorted(choices)))
        return _setting("LAUNCH-ENUM-INVALID", name, draw(choices[name]))

    return build()


def _partition_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LAUNCH-INTEGER-INVALID: ``Placement.PartitionNumber`` not an integer in
    -2^31..2^31-1, with a placement group (the request's, or a ``GroupName`` added)."""
    name = _PLACEMENT + "PartitionNumber"

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        value = draw(invalid_integers(minimum=-(2**31), maximum=_MAX_INT))
        group = draw(placement_group_names())

        def apply(spec: RequestSpec) -> RequestSpec:
            if (
                spec.get(_PLACEMENT + "GroupName") is None
                and spec.get(_PLACEMENT + "GroupId") is None
            ):
                spec = put_param(spec, _PLACEMENT + "GroupName", group)
            return put_param(spec, name, value)

        return _fault("LAUNCH-INTEGER-INVALID", apply, name, aspects={name, "Placement.Group"})

    return build()


def _ip_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LAUNCH-IP-INVALID: ``PrivateIpAddress`` not IPv4, with a ``SubnetId`` (the
    request's, or one added)."""
    name = _LS + "PrivateIpAddress"

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        value = draw(invalid_ipv4_addresses())
        subnet = draw(subnet_ids())

        def apply(spec: RequestSpec) -> RequestSpec:
            if spec.get(_LS + "SubnetId") is None:
                spec = put_param(spec, _LS + "SubnetId", subnet)
            return put_param(spec, name, value)

        return _fault("LAUNCH-IP-INVALID", apply, name, aspects={name, _LS + "SubnetId"})

    return build()


def _setting_faults(
    requirement: str, name: str, values: SearchStrategy[str]
) -> Callable[[RequestSpec], SearchStrategy[Fault]]:
    def faults(base: RequestSpec) -> SearchStrategy[Fault]:
        return values.map(lambda v: _setting(requirement, name, v))

    faults.__doc__ = f"{requirement}: ``{name}`` set to an invalid value."
    return faults


def _dry_run_permitted_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """PERM-DRYRUN-PERMITTED: ``DryRun=true`` (a fault for the order of checks)."""
    return st.just(_setting("PERM-DRYRUN-PERMITTED", "DryRun", "true"))


def _denied_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """PERM-DENIED: the denied identity (valid credentials, no permission)."""
    return st.just(
        _fault(
            "PERM-DENIED",
            lambda spec: replace(spec, identity=Identity.DENIED),
            aspects={"identity"},
        )
    )


def _dry_run_denied_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """PERM-DRYRUN-DENIED: the denied identity with ``DryRun=true`` (carries both)."""
    return st.just(
        Fault(
            "PERM-DRYRUN-DENIED",
            lambda spec: replace(put_param(spec, "DryRun", "true"), identity=Identity.DENIED),
            focus=("DryRun",),
            aspects=frozenset({"identity", "DryRun"}),
            carries=("PERM-DRYRUN-DENIED", "PERM-DRYRUN-PERMITTED"),
        )
    )


#: Fault generators by requirement id: given the valid request, a strategy of faults.
#: ``availability_zone`` reaches the ones that need it through :func:`invalid_requests`.
FAULTS: Final[dict[str, Callable[..., SearchStrategy[Fault]]]] = {
    **WIRE_FAULTS,
    "WIRE-NO-ACTION": _stage2("WIRE-NO-ACTION", "Action", None),
    "WIRE-UNKNOWN-ACTION": _stage2("WIRE-UNKNOWN-ACTION", "Action", unknown_actions()),
    "WIRE-BAD-VERSION": _stage2("WIRE-BAD-VERSION", "Version", unpublished_versions()),
    "WIRE-NO-VERSION": _stage2("WIRE-NO-VERSION", "Version", None),
    "WIRE-UNKNOWN-PARAM": _unknown_param_faults,
    "LIST-INDEX-INVALID": _list_index_faults,
    "PERM-DRYRUN-PERMITTED": _dry_run_permitted_faults,
    "PERM-DRYRUN-DENIED": _dry_run_denied_faults,
    "PERM-DENIED": _denied_faults,
    "PERM-DRYRUN-VALUE": _setting_faults("PERM-DRYRUN-VALUE", "DryRun", invalid_booleans()),
    "PARAM-PLATFORM-MISSING": lambda base: st.just(
        _removing("PARAM-PLATFORM-MISSING", ["Platform"], "Platform")
    ),
    "PARAM-PLATFORM-INVALID": _setting_faults(
        "PARAM-PLATFORM-INVALID", "Platform", invalid_platforms()
    ),
    "PARAM-TEXT-INVALID": _text_faults,
    "DISK-FIELD-MISSING": _field_missing_faults,
    "DISK-FORMAT-INVALID": _disk_value_faults(
        "DISK-FORMAT-INVALID",
        "Image.Format",
        invalid_enum_values(
            "DiskImageFormat", named=["vmdk", "QCOW2", "", "VDMK", "VMDKé", "VHDX"]
        ),
    ),
    "DISK-BYTES-INVALID": _disk_value_faults(
        "DISK-BYTES-INVALID", "Image.Bytes", invalid_integers(minimum=1, maximum=_MAX_LONG)
    ),
    "DISK-SIZE-INVALID": _disk_value_faults(
        "DISK-SIZE-INVALID", "Volume.Size", invalid_integers(minimum=1, maximum=_MAX_LONG)
    ),
    "DISK-SIZE-TOO-SMALL": _too_small_faults,
    "DISK-MANIFEST-URL-INVALID": _disk_value_faults(
        "DISK-MANIFEST-URL-INVALID", "Image.ImportManifestUrl", invalid_manifest_urls()
    ),
    "DISK-MULTIPLE": _multiple_faults,
    "DISK-NONE": _none_faults,
    "LAUNCH-ENUM-INVALID": _launch_enum_faults,
    "LAUNCH-BOOLEAN-INVALID": _setting_faults(
        "LAUNCH-BOOLEAN-INVALID", _LS + "Monitoring", invalid_booleans()
    ),
    "LAUNCH-INTEGER-INVALID": _partition_faults,
    "LAUNCH-IP-INVALID": _ip_faults,
    "LAUNCH-USERDATA-INVALID": _setting_faults(
        "LAUNCH-USERDATA-INVALID", _LS + "UserData.Data", invalid_user_data()
    ),
    "LAUNCH-HOST-TENANCY": lambda base: st.just(
        _setting("LAUNCH-HOST-TENANCY", _PLACEMENT + "Tenancy", "host")
    ),
}

# The rows whose faults need the suite's zone.
_NEEDS_ZONE: Final = frozenset({"PARAM-TEXT-INVALID"})

# Rows describing DryRun or an identity keep the request's DryRun; every other row sends its
# fault without DryRun.
_KEEPS_DRY_RUN: Final = frozenset(
    {"PERM-DRYRUN-PERMITTED", "PERM-DRYRUN-DENIED", "PERM-DRYRUN-VALUE", "AUTH-BEFORE-DRYRUN"}
)

# Room a GET's URL keeps for the origin and the signature (see golden/domain.json).
_GET_LIMIT: Final = (
    _DOMAIN["limits"]["get_url_max_bytes"] - _DOMAIN["limits"]["get_url_allowance_bytes"] - 256
)


def fault_strategy(
    requirement: str, base: RequestSpec, *, availability_zone: str = DEFAULT_AVAILABILITY_ZONE
) -> SearchStrategy[Fault]:
    """The faults of ``requirement`` that can be applied to ``base``."""
    make = FAULTS[requirement]
    if requirement in _NEEDS_ZONE:
        return make(base, availability_zone=availability_zone)
    return make(base)


def finish(spec: RequestSpec) -> RequestSpec:
    """A faulty request made sendable as its row describes: a GET whose URL a fault made too
    long goes as a POST (same parameters)."""
    if spec.method == "GET" and len(encode_query(spec.params)) > _GET_LIMIT:
        return replace(spec, method="POST")
    return spec


def invalid_requests(
    requirement: str, *, availability_zone: str = DEFAULT_AVAILABILITY_ZONE
) -> SearchStrategy[Case]:
    """Requests that break ``requirement`` and nothing else: a valid request
    (:func:`~strategies.valid.import_instance_requests`, in any of its forms, POST or GET)
    with one fault of ``FAULTS[requirement]`` applied, as a :class:`Case` whose
    ``requirement`` is the row and whose ``faults`` are what it carries. ``DryRun`` is
    absent unless the row describes it. Shrinks towards the smallest valid request with
    the row's first named example."""
    if requirement not in FAULTS:
        raise KeyError(f"no invalid strategy for {requirement!r}")

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        base = draw(import_instance_requests(availability_zone=availability_zone))
        if requirement not in _KEEPS_DRY_RUN:
            base = drop_params(base, "DryRun")
        fault = draw(fault_strategy(requirement, base, availability_zone=availability_zone))
        spec = finish(fault.apply(base))
        return Case(spec, requirement, fault.faults, focus=fault.focus, note=fault.note)

    return build()


#: One strategy factory per requirement a request can violate (keyword-only
#: ``availability_zone``), each giving :class:`Case` objects that carry that fault alone
#: (or, for AUTH-BEFORE-DRYRUN and PERM-DRYRUN-DENIED, the combination the row describes).
INVALID: Final[dict[str, Callable[..., SearchStrategy[Case]]]] = {
    requirement: partial(invalid_requests, requirement) for requirement in FAULTS
}
