"""The value syntax of the contract (as ``golden/domain.json`` records it in
``value_syntax``), and the error answers of stages 3 and 4 (:class:`~.catalogue.EC2Error`
builders).

Every pattern is used with ``fullmatch``.
"""

from __future__ import annotations

import re
from typing import Final

from .catalogue import Code, EC2Error

INTEGER: Final = re.compile(r"-?[0-9]+", re.ASCII)
LIST_INDEX: Final = re.compile(r"[1-9][0-9]*", re.ASCII)
MAX_LIST_INDEX: Final = 2**31 - 1
URL: Final = re.compile(r"[Hh][Tt][Tt][Pp][Ss]://[^/?#@\t\n\r ]+([/?#][^\t\n\r ]*)?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4: Final = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}", re.ASCII)
BASE64: Final = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?", re.ASCII
)
WHITE_SPACE: Final = "\t\n\r "
"""White space as the contract means it: U+0009, U+000A, U+000D, U+0020."""
NOT_XML_CHAR: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
CONVERSION_TASK_ID: Final = re.compile(r"import-(?:i|vol)-[0-9a-z]{8,17}", re.ASCII)

LONG_RANGE: Final = (-(2**63), 2**63 - 1)
INT_RANGE: Final = (-(2**31), 2**31 - 1)
POSITIVE_LONG: Final = (1, 2**63 - 1)


def show(value: str, limit: int = 100) -> str:
    """A value as messages quote it: shortened when long (the serializer escapes the rest)."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def invalid(name: str, value: str, reason: str) -> EC2Error:
    """``InvalidParameterValue`` for one parameter."""
    return EC2Error(
        Code.INVALID_PARAMETER_VALUE,
        f"Value ({show(value)}) for parameter {name} is invalid. {reason}",
    )


def missing(name: str) -> EC2Error:
    """``MissingParameter`` for one parameter."""
    return EC2Error(Code.MISSING_PARAMETER, f"The request must contain the parameter {name}")


def unknown(name: str, reason: str = "") -> EC2Error:
    """``UnknownParameter`` for one name (WIRE-UNKNOWN-PARAM, LIST-INDEX-INVALID)."""
    suffix = f" {reason}" if reason else ""
    return EC2Error(
        Code.UNKNOWN_PARAMETER, f"The parameter {show(name)} is not recognized.{suffix}"
    )


MAX_DIGITS = 40
"""Digits at most that are ever converted to a number (past every bound the contract has;
Python refuses to convert more than a few thousand, and converting is quadratic)."""


def bounded_int(text: str) -> int | None:
    """``text`` (``-?[0-9]+``, already checked) as a number, or None when it has more
    significant digits than any bound could allow."""
    digits = text.lstrip("-").lstrip("0")
    return None if len(digits) > MAX_DIGITS else int(text)


def is_list_index(text: str) -> bool:
    """A list index by the value syntax: ``[1-9][0-9]*``, at most 2^31-1 (LIST-INDEX-INVALID)."""
    if LIST_INDEX.fullmatch(text) is None:
        return False
    number = bounded_int(text)
    return number is not None and number <= MAX_LIST_INDEX


def parse_boolean(name: str, value: str) -> bool:
    """Exactly ``true`` or ``false`` (PERM-DRYRUN-VALUE, LAUNCH-BOOLEAN-INVALID)."""
    if value == "true":
        return True
    if value == "false":
        return False
    raise invalid(name, value, "Expected 'true' or 'false'.")


def parse_integer(name: str, value: str, bounds: tuple[int, int]) -> int:
    """``-?[0-9]+`` (leading zeros allowed) within ``bounds`` (DISK-BYTES/SIZE, LAUNCH-INTEGER)."""
    if INTEGER.fullmatch(value) is None:
        raise invalid(name, value, "Expected an integer.")
    number = bounded_int(value)
    low, high = bounds
    if number is None or not low <= number <= high:
        raise invalid(name, value, f"Expected an integer from {low} to {high}.")
    return number


def xml_text_problem(value: str) -> str | None:
    """Why ``value`` cannot be carried by XML 1.0 (PARAM-TEXT-INVALID), or None."""
    bad = NOT_XML_CHAR.search(value)
    if bad is None:
        return None
    return f"The character U+{ord(bad.group()):04X} cannot be carried by XML 1.0."
