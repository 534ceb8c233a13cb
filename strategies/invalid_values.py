"""Invalid parameter values: one generator per kind of value, each naming the requirement its
values break.

- characters and text: :func:`non_xml_characters` (what XML 1.0 cannot carry),
  :func:`any_characters`, :func:`non_xml_texts` (PARAM-TEXT-INVALID), and the two
  building blocks of the others: :func:`junk_texts` (any text) and :func:`outside` (a
  repair that makes a generated value miss the valid ones);
- values: :func:`invalid_platforms`, :func:`invalid_booleans`, :func:`invalid_integers`,
  :func:`invalid_enum_values`, :func:`invalid_instance_types`,
  :func:`invalid_manifest_urls`, :func:`invalid_ipv4_addresses`, :func:`invalid_user_data`.

Each lists short, named examples first (what a failure shrinks to), then generated ones;
each value is invalid by construction (a generated value that happens to be valid is
repaired, never filtered). Names the contract does not know (parameters, actions,
versions, list indexes) are in :mod:`strategies.invalid_names`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Hashable
from functools import cache
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.strategies.domain import (
    DOMAIN,
    ENUMS,
    MAX_DESCRIPTION,
    MAX_TEXT,
    MAX_USER_DATA,
    VALUE_SYNTAX,
)
from ec2conformance.strategies.text import echoed_texts, xml_characters
from ec2conformance.strategies.values import instance_types, manifest_urls, user_data

__all__ = [
    "any_characters",
    "invalid_booleans",
    "invalid_enum_values",
    "invalid_instance_types",
    "invalid_integers",
    "invalid_ipv4_addresses",
    "invalid_manifest_urls",
    "invalid_platforms",
    "invalid_user_data",
    "junk_texts",
    "non_xml_characters",
    "non_xml_texts",
    "outside",
]

_INSTANCE_TYPE_SHAPE: Final = re.compile(
    DOMAIN["parameters"]["LaunchSpecification.InstanceType"]["future_shape"]
)
_INTEGER: Final = re.compile(VALUE_SYNTAX["integer"])
_URL: Final = re.compile(VALUE_SYNTAX["url"])
_IPV4: Final = re.compile(VALUE_SYNTAX["ipv4"])
_BASE64: Final = re.compile(VALUE_SYNTAX["base64"])


_XML_RANGES: Final = tuple((int(lo), int(hi)) for lo, hi in VALUE_SYNTAX["xml_char_ranges"])
# Where an inserted character goes: a position drawn once, reduced to the text's length.
_POSITIONS: Final = st.integers(0, 2**16)


def _xml_legal(text: str) -> bool:
    return all(any(lo <= ord(ch) <= hi for lo, hi in _XML_RANGES) for ch in text)


def _insert(text: str, char: str, position: int) -> str:
    position = min(position, len(text))
    return text[:position] + char + text[position:]


def _placed(draw: st.DrawFn, base: str, chars: SearchStrategy[str], *, max_size: int) -> str:
    """``base`` (cut to leave room) with one character of ``chars`` inserted somewhere."""
    text = base[: max_size - 1]
    return _insert(text, draw(chars), draw(_POSITIONS) % (len(text) + 1))


# ------------------------------------------------------------------------------ characters


@cache
def non_xml_characters() -> SearchStrategy[str]:
    """Characters XML 1.0 cannot carry (C0 controls other than tab, LF and CR; U+FFFE,
    U+FFFF); U+0001 first. Never a lone surrogate: that is not text, and cannot be sent."""
    controls = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
    return st.sampled_from(["\x01", "\ufffe", "\uffff", *[c for c in controls if c != "\x01"]])


@cache
def any_characters() -> SearchStrategy[str]:
    """Any character that can be sent as UTF-8: XML-legal ones first, then the others."""
    return st.one_of(xml_characters(), non_xml_characters())


@cache
def non_xml_texts(
    *, valid: SearchStrategy[str] | Hashable | None = None, max_size: int = MAX_DESCRIPTION
) -> SearchStrategy[str]:
    """Text with at least one character XML 1.0 cannot carry (PARAM-TEXT-INVALID for an
    echoed parameter): a ``valid`` text with one such character inserted, or a short run of
    any characters with one; at most ``max_size`` code points. Shrinks to ``'\\x01'``."""
    bases = valid if valid is not None else echoed_texts(max_size=max_size)
    chars = non_xml_characters()

    @st.composite
    def build(draw: st.DrawFn) -> str:
        return _placed(draw, draw(bases), chars, max_size=max_size)

    return build()


@cache
def junk_texts(
    *, max_size: int = MAX_TEXT, chars: SearchStrategy[str] | None = None
) -> SearchStrategy[str]:
    """Any text of ``chars`` (XML-legal characters unless given), up to ``max_size``: the
    catch-all branch of an invalid value generator. Shrinks towards ``""``."""
    return st.text(chars if chars is not None else xml_characters(), max_size=max_size)


def outside(values: frozenset[str], fix: Callable[[str], str]) -> Callable[[str], str]:
    """A repair that makes a generated value miss ``values`` (applied, never filtered)."""

    def repair(value: str) -> str:
        while value in values:
            value = fix(value)
        return value

    return repair


# ------------------------------------------------------------------------------ value generators


@cache
def invalid_platforms() -> SearchStrategy[str]:
    """``Platform`` values other than ``Windows`` (PARAM-PLATFORM-INVALID): other systems,
    other cases, empty, padded, long junk, any characters. Shrinks to ``'Linux'``."""
    named = st.sampled_from(
        ["Linux", "windows", "WINDOWS", "", "Windows ", " Windows", "Win", "Windows\n", "x" * 255]
    )
    valid = frozenset(ENUMS["PlatformValues"])
    return st.one_of(named, junk_texts(chars=any_characters())).map(
        outside(valid, lambda v: v + "s")
    )


@cache
def invalid_booleans() -> SearchStrategy[str]:
    """Values that are not exactly ``true`` or ``false`` (LAUNCH-BOOLEAN-INVALID,
    PERM-DRYRUN-VALUE): ``yes``, ``1``, ``True``, empty, padded, any text. Shrinks to
    ``'yes'``."""
    named = st.sampled_from(
        ["yes", "1", "True", "", "FALSE", "0", "no", "on", " true", "false ", "t", "tru"]
    )
    valid = frozenset(VALUE_SYNTAX["boolean"])
    return st.one_of(named, junk_texts(max_size=20, chars=any_characters())).map(
        outside(valid, lambda v: v + "e")
    )


@cache
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
        junk_texts(max_size=30, chars=any_characters()).map(
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


def invalid_enum_values(enum: str, *, named: list[str] | tuple[str, ...]) -> SearchStrategy[str]:
    """Values outside the model's enum ``enum`` (whatever their characters): the ``named``
    near misses first, then case changes of valid values, padded valid values and any text
    (DISK-FORMAT-INVALID, LAUNCH-ENUM-INVALID). Shrinks to ``named[0]``."""
    return _invalid_enum_values(enum, tuple(named))


@cache
def _invalid_enum_values(enum: str, named: tuple[str, ...]) -> SearchStrategy[str]:
    values = list(ENUMS[enum])
    valid = frozenset(values)
    near = st.tuples(
        st.sampled_from(values),
        st.sampled_from(["upper", "lower", "title", "space", "newline", "tab", "suffix"]),
    ).map(_near_miss)
    return st.one_of(st.sampled_from(list(named)), near, junk_texts(chars=any_characters())).map(
        outside(valid, lambda v: v + "_")
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


@cache
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
    return st.one_of(named, near, junk_texts(chars=any_characters())).map(_unshaped)


def _unshaped(value: str) -> str:
    # A future-shaped or valid value made unshaped: it no longer starts with [a-z].
    return "_" + value if _INSTANCE_TYPE_SHAPE.fullmatch(value) else value


_NAMED_BAD_URLS: Final = [
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
_OTHER_SCHEMES: Final = ["http", "ftp", "s3", "file", "httpss", "htps", "https:", ""]


_SCHEMES: Final = st.sampled_from(_OTHER_SCHEMES)
_URL_SPACES: Final = st.sampled_from(" \t\n\r")
_URL_USERS: Final = st.sampled_from(["user", "user:password", "a", ""])
_URL_NO_HOSTS: Final = st.sampled_from(["", "/", "?", "#"])


@st.composite
def _other_scheme_urls(draw: st.DrawFn) -> str:
    url = draw(manifest_urls())
    return (draw(_SCHEMES) + url[url.index(":") :])[:MAX_TEXT]


@st.composite
def _urls_with_space(draw: st.DrawFn) -> str:
    return _placed(draw, draw(manifest_urls()), _URL_SPACES, max_size=MAX_TEXT)


@st.composite
def _urls_with_non_xml(draw: st.DrawFn) -> str:
    return _placed(draw, draw(manifest_urls()), non_xml_characters(), max_size=MAX_TEXT)


@st.composite
def _urls_with_user(draw: st.DrawFn) -> str:
    url = draw(manifest_urls())
    user = draw(_URL_USERS)
    at = url.index("://") + 3
    return (url[:at] + user + "@" + url[at:])[:MAX_TEXT]


@st.composite
def _urls_without_host(draw: st.DrawFn) -> str:
    url = draw(manifest_urls())
    return url[: url.index("://") + 3] + draw(_URL_NO_HOSTS) + "x"


@cache
def invalid_manifest_urls() -> SearchStrategy[str]:
    """``ImportManifestUrl`` values that are not a URL by the value syntax
    (DISK-MANIFEST-URL-INVALID): another scheme (``http``, ``ftp``, ``s3``), relative, no
    host, user information before the host, white space anywhere, a character XML cannot
    carry, empty; at most 255 code points. Shrinks to ``'http://s3.amazonaws.com/...'``."""
    relative = st.text(st.sampled_from(string.ascii_lowercase + "/._-"), max_size=40).map(
        lambda v: v if not v.lower().startswith("https://") else "x" + v
    )
    return st.one_of(
        st.sampled_from(_NAMED_BAD_URLS),
        _other_scheme_urls(),
        _urls_with_space(),
        _urls_with_user(),
        _urls_without_host(),
        _urls_with_non_xml(),
        relative,
    ).map(lambda v: v + " " if _URL.fullmatch(v) and _xml_legal(v) else v)


@cache
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

    where = st.integers(0, 3)

    @st.composite
    def one_bad(draw: st.DrawFn) -> str:
        parts = [draw(octet) for _ in range(4)]
        parts[draw(where)] = draw(bad_octet)
        return ".".join(parts)

    wrong_count = st.one_of(
        st.lists(octet, min_size=1, max_size=3), st.lists(octet, min_size=5, max_size=8)
    ).map(".".join)
    junk = junk_texts(max_size=40, chars=any_characters())
    return st.one_of(named, one_bad(), wrong_count, junk).map(
        lambda v: v + "." if _IPV4.fullmatch(v) else v
    )


@cache
def invalid_user_data() -> SearchStrategy[str]:
    """``UserData.Data`` values that are not base64 by the value syntax
    (LAUNCH-USERDATA-INVALID): a length that is not a multiple of 4, white space, the
    URL-safe alphabet, bad or misplaced padding, any other character; at most 4,096
    characters. Shrinks to ``'abc'``."""
    named = st.sampled_from(
        ["abc", "aGk g", "!!!!", "a===", "aG_-", "ab=c", "=abc", "ab==ab==", "YQ"]
    )
    bad_chars = st.one_of(st.sampled_from(list(" \n\r\t-_!.=é")), any_characters())
    extras = st.text(
        st.sampled_from(string.ascii_letters + string.digits + "+/"), min_size=1, max_size=3
    )

    @st.composite
    def with_bad_char(draw: st.DrawFn) -> str:
        return _placed(draw, draw(user_data()), bad_chars, max_size=MAX_USER_DATA)

    @st.composite
    def cut(draw: st.DrawFn) -> str:
        data = draw(user_data())[: MAX_USER_DATA - 4]
        extra = draw(extras)
        return data + extra if len(data) % 4 == 0 and not data.endswith("=") else data + "!"

    return st.one_of(named, with_bad_char(), cut()).map(
        lambda v: v + "!" if _BASE64.fullmatch(v) else v
    )
