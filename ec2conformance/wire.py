"""Encoding a request's parameters for the wire, the way botocore 1.44.8 does it.

Three jobs, all pure functions over bytes and text:

- :func:`to_wire_params` flattens botocore-style API parameters (``{"DiskImages": [...]}``)
  into the Query protocol's name/value pairs (``DiskImage.1.Image.Format=VMDK``). It is
  written by hand from the parameter templates recorded in ``golden/model.json`` and is
  checked against botocore's own ``EC2Serializer`` by the self-tests; it never calls botocore.
- :func:`encode_form` writes pairs as an ``application/x-www-form-urlencoded`` body, byte for
  byte what botocore sends; :func:`encode_query` writes them for a URL query string.
- :func:`apply_wire_fault` breaks an encoded body in one of the ways botocore never would.

What botocore does, exactly (``QuerySerializer.serialize_to_request`` +
``AWSRequest.prepare()``): the serializer builds a ``dict`` whose keys are ``Action``,
``Version`` and then the parameters in the order the caller's dicts iterate (insertion
order, recursively; the model's member order plays no part); ``AWSRequestPreparer`` encodes
every key and value to UTF-8 and calls ``urllib.parse.urlencode(pairs, doseq=True)``, which
is ``quote_plus`` with ``safe=''``: ``A-Z a-z 0-9 - . _ ~`` stay as they are, a space
becomes ``+``, every other byte of the UTF-8 form becomes ``%XX`` with upper-case hex (so
``+`` is ``%2B``, ``~`` is kept, ``é`` is ``%C3%A9``, a non-BMP character is four escapes).
Pairs are joined with ``&``; an empty value gives ``Name=``. The EC2 serializer writes
lists as ``Name.1``, ``Name.2``, ... (no ``.member.``) and an empty list as nothing at all;
booleans as ``true``/``false``; integers with ``str()`` (decimal, ``-`` for negatives).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ec2conformance.model import ACTION, API_VERSION, Params, WireFault

__all__ = [
    "FORM_CONTENT_TYPE",
    "WIRE_FAULT_BYTES",
    "UnknownMember",
    "apply_wire_fault",
    "encode_form",
    "encode_query",
    "to_wire_params",
    "wire_templates",
]

#: The Content-Type botocore sends with a Query protocol body.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# One entry per byte value: how that byte is written.
_FORM_TABLE = tuple(
    chr(b) if b in _UNRESERVED else "+" if b == 0x20 else f"%{b:02X}" for b in range(256)
)
_QUERY_TABLE = tuple(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256))


def _escape(text: str, table: tuple[str, ...]) -> str:
    # str.encode raises UnicodeEncodeError (a ValueError) for lone surrogates: a spec's
    # values are text, and bytes that are not UTF-8 only come from a WireFault.
    return "".join([table[b] for b in text.encode("utf-8")])


def encode_form(params: Params) -> bytes:
    """The ``application/x-www-form-urlencoded`` body for ``params``, in their order.

    Byte for byte what botocore's ``AWSRequest.prepare()`` produces for the same pairs (see
    the module docstring): unreserved characters as they are, space as ``+``, everything
    else as upper-case ``%XX`` of its UTF-8 bytes, pairs joined by ``&``. Names are encoded
    like values; nothing is checked, so unknown or repeated names and empty values go out
    as given.
    """
    return "&".join(
        f"{_escape(name, _FORM_TABLE)}={_escape(value, _FORM_TABLE)}" for name, value in params
    ).encode("ascii")


def encode_query(params: Params) -> str:
    """``params`` as a URL query string (without ``?``), RFC 3986 style.

    Like :func:`encode_form` except that a space is ``%20``: this is what botocore's
    ``percent_encode_sequence`` writes into URLs, it decodes to the same pairs, and it is
    already the canonical form SigV4 signs, so a server that re-encodes the decoded pairs
    arrives at exactly the string that was signed.
    """
    return "&".join(
        f"{_escape(name, _QUERY_TABLE)}={_escape(value, _QUERY_TABLE)}" for name, value in params
    )


# --------------------------------------------------------------------------------------
# Wire faults (WIRE-MALFORMED-QUERY)

#: What each fault puts into a ``Description`` value (or, for EMPTY_NAME, the pair added).
WIRE_FAULT_BYTES: Mapping[WireFault, bytes] = {
    # A ``%`` not followed by two hex digits: no decoder can read it.
    WireFault.BAD_PERCENT: b"%zz",
    # A raw 0xFF byte: never valid in UTF-8, and not even legal in a URL.
    WireFault.NON_UTF8_RAW: b"\xff",
    # Well-formed percent-encoding whose decoded byte (0xFF) is not UTF-8.
    WireFault.NON_UTF8_DECODED: b"%FF",
    # A pair whose name is empty.
    WireFault.EMPTY_NAME: b"=x",
}

_FAULT_TARGET = b"Description="


def apply_wire_fault(body: bytes, fault: WireFault) -> bytes:
    """``body`` (an encoded form) with ``fault`` applied; the result is what gets signed.

    - ``BAD_PERCENT``, ``NON_UTF8_RAW``, ``NON_UTF8_DECODED``: the bytes ``%zz``, ``\\xff``
      or ``%FF`` are appended to the value of the first ``Description`` pair; without one, a
      pair ``Description=<bytes>`` is added at the end. Putting the fault into an existing
      value (not a second ``Description``) keeps the request free of repeated names, which
      would take it outside the contract.
    - ``EMPTY_NAME``: a pair ``=x`` is added at the end.

    Every other byte is left as it was. The result can only travel in a POST body: requests
    and urllib3 rewrite or refuse such bytes in a URL, which is why the client sends a spec
    with a wire fault as a POST whatever its method.
    """
    raw = WIRE_FAULT_BYTES[fault]
    if fault is WireFault.EMPTY_NAME:
        return body + b"&" + raw if body else raw
    pairs = body.split(b"&") if body else []
    for i, pair in enumerate(pairs):
        if pair.startswith(_FAULT_TARGET):
            pairs[i] = pair + raw
            return b"&".join(pairs)
    pairs.append(_FAULT_TARGET + raw)
    return b"&".join(pairs)


# --------------------------------------------------------------------------------------
# From botocore-style API parameters to wire pairs


class UnknownMember(ValueError):
    """An API parameter the action's input shape does not have (botocore refuses it too)."""


@dataclass(frozen=True)
class _Leaf:
    type: str  # "string", "boolean", "integer", "long": golden/model.json's type names


@dataclass(frozen=True)
class _List:
    member: _Shape


@dataclass(frozen=True)
class _Struct:
    # API member name -> (wire name, shape), in the model's member order
    members: Mapping[str, tuple[str, _Shape]]


_Shape = _Leaf | _List | _Struct

_STRING = _Leaf("string")
_BOOLEAN = _Leaf("boolean")
_INTEGER = _Leaf("integer")
_LONG = _Leaf("long")


def _struct(*members: tuple[str, str, _Shape]) -> _Struct:
    return _Struct({api: (wire, shape) for api, wire, shape in members})


# The EC2 protocol's wire name of a member is its queryName, else its locationName with the
# first letter capitalised, else the member name. Written from golden/model.json's templates
# (the self-tests compare wire_templates() with that file and with botocore's serializer).
_INPUTS: Mapping[str, _Struct] = {
    "ImportInstance": _struct(
        ("DryRun", "DryRun", _BOOLEAN),
        ("Description", "Description", _STRING),
        (
            "LaunchSpecification",
            "LaunchSpecification",
            _struct(
                ("Architecture", "Architecture", _STRING),
                ("GroupNames", "GroupName", _List(_STRING)),
                ("GroupIds", "GroupId", _List(_STRING)),
                ("AdditionalInfo", "AdditionalInfo", _STRING),
                ("UserData", "UserData", _struct(("Data", "Data", _STRING))),
                ("InstanceType", "InstanceType", _STRING),
                (
                    "Placement",
                    "Placement",
                    _struct(
                        ("AvailabilityZoneId", "AvailabilityZoneId", _STRING),
                        ("Affinity", "Affinity", _STRING),
                        ("GroupName", "GroupName", _STRING),
                        ("PartitionNumber", "PartitionNumber", _INTEGER),
                        ("HostId", "HostId", _STRING),
                        ("Tenancy", "Tenancy", _STRING),
                        ("SpreadDomain", "SpreadDomain", _STRING),
                        ("HostResourceGroupArn", "HostResourceGroupArn", _STRING),
                        ("GroupId", "GroupId", _STRING),
                        ("AvailabilityZone", "AvailabilityZone", _STRING),
                    ),
                ),
                ("Monitoring", "Monitoring", _BOOLEAN),
                ("SubnetId", "SubnetId", _STRING),
                ("InstanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior", _STRING),
                ("PrivateIpAddress", "PrivateIpAddress", _STRING),
            ),
        ),
        (
            "DiskImages",
            "DiskImage",
            _List(
                _struct(
                    ("Description", "Description", _STRING),
                    (
                        "Image",
                        "Image",
                        _struct(
                            ("Format", "Format", _STRING),
                            ("Bytes", "Bytes", _LONG),
                            ("ImportManifestUrl", "ImportManifestUrl", _STRING),
                        ),
                    ),
                    ("Volume", "Volume", _struct(("Size", "Size", _LONG))),
                )
            ),
        ),
        ("Platform", "Platform", _STRING),
    ),
    "DescribeConversionTasks": _struct(
        ("DryRun", "DryRun", _BOOLEAN),
        ("ConversionTaskIds", "ConversionTaskId", _List(_STRING)),
    ),
    "CancelConversionTask": _struct(
        ("DryRun", "DryRun", _BOOLEAN),
        ("ConversionTaskId", "ConversionTaskId", _STRING),
        ("ReasonMessage", "ReasonMessage", _STRING),
    ),
}


def _input(action: str) -> _Struct:
    try:
        return _INPUTS[action]
    except KeyError:
        known = ", ".join(sorted(_INPUTS))
        raise ValueError(f"no input shape for action {action!r} (known: {known})") from None


def wire_templates(action: str = ACTION) -> list[tuple[str, str]]:
    """Every leaf parameter of ``action`` as ``(template, type)``, in the model's order.

    Templates use ``{N}`` for a list index, as ``golden/model.json`` records them
    (``DiskImage.{N}.Image.Bytes``, ``long``).
    """
    out: list[tuple[str, str]] = []

    def walk(shape: _Shape, name: str) -> None:
        if isinstance(shape, _Struct):
            for wire, member in shape.members.values():
                walk(member, f"{name}.{wire}" if name else wire)
        elif isinstance(shape, _List):
            walk(shape.member, f"{name}.{{N}}")
        else:
            out.append((name, shape.type))

    walk(_input(action), "")
    return out


def to_wire_params(
    api_params: Mapping[str, Any], *, action: str = ACTION, version: str = API_VERSION
) -> Params:
    """botocore-style API parameters flattened into wire pairs, ``Action`` and ``Version`` first.

    Names and order follow botocore's ``EC2Serializer``: dicts in their iteration order,
    list items as ``.1``, ``.2``, ... (an empty list writes nothing), booleans as
    ``true``/``false``, integers in decimal. ``action`` picks the input shape
    (``ImportInstance``, ``DescribeConversionTasks`` or ``CancelConversionTask``).

    Values must have the model's types (``str``; ``bool``; ``int`` but not ``bool``; a list or
    tuple; a mapping): anything else raises ``TypeError``, and a member the shape does not have
    raises :class:`UnknownMember`. To send what botocore would refuse, edit the resulting pairs
    (:meth:`RequestSpec.with_params`) instead.
    """
    pairs: list[tuple[str, str]] = [("Action", action), ("Version", version)]
    pairs.extend(_flatten(api_params, _input(action), ""))
    return tuple(pairs)


def _flatten(value: Any, shape: _Shape, name: str) -> Iterator[tuple[str, str]]:
    where = name or "the parameters"
    if isinstance(shape, _Struct):
        if not isinstance(value, Mapping):
            raise TypeError(f"{where}: expected a mapping, got {type(value).__name__}")
        for key, item in value.items():
            if key not in shape.members:
                raise UnknownMember(f"{where}: unknown member {key!r}")
            wire, member = shape.members[key]
            yield from _flatten(item, member, f"{name}.{wire}" if name else wire)
    elif isinstance(shape, _List):
        if not isinstance(value, list | tuple):
            raise TypeError(f"{where}: expected a list, got {type(value).__name__}")
        for index, item in enumerate(value, 1):
            yield from _flatten(item, shape.member, f"{name}.{index}")
    elif shape.type == "boolean":
        if not isinstance(value, bool):
            raise TypeError(f"{where}: expected a bool, got {type(value).__name__}")
        yield name, "true" if value else "false"
    elif shape.type in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{where}: expected an int, got {type(value).__name__}")
        yield name, str(value)
    else:
        if not isinstance(value, str):
            raise TypeError(f"{where}: expected a str, got {type(value).__name__}")
        yield name, value
