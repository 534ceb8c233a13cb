"""The request as it came off the wire, and its strict decoding into parameters.

Two steps with a stage of the contract's order of checks between them ("Order of checks"):

1. :func:`read_request` takes what authentication needs from the WSGI environ: the method,
   the raw query string, the headers and the raw body (bounded; see :data:`MAX_BODY_BYTES`).
   Nothing is decoded yet, so a request that is both unsigned and malformed gets the stage-1
   answer.
2. :func:`request_parameters` decodes the query string and, for a POST, the form body, as
   ``application/x-www-form-urlencoded`` and strictly (WIRE-MALFORMED-QUERY, stage 2):
   werkzeug's own decoder is lenient (it keeps ``%zz`` and replaces bad UTF-8), which would
   turn a malformed request into a valid-looking one.

The query string is taken from ``QUERY_STRING`` as PEP 3333 defines it (the raw bytes as
latin-1 text); :func:`ec2conformance.reference.start` serves with a request handler that
keeps it that way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from .catalogue import Code, EC2Error

MAX_BODY_BYTES = 1 << 20
"""Bodies above this are refused unread (the contract's valid bodies stop at 64 KiB)."""

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request, undecoded: what SigV4 verification works on.

    ``headers`` maps lower-case header names to their values (repeated headers joined with
    ``,``, as the WSGI server hands them over); ``query`` and ``body`` are the raw bytes.
    """

    method: str
    path: str
    query: bytes
    headers: Mapping[str, str]
    body: bytes


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if not isinstance(value, str):
            continue
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value != "":
            headers[key.replace("_", "-").lower()] = value
    return headers


def _read_exactly(stream: Any, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> EC2Error:
    return EC2Error(
        Code.INVALID_REQUEST, f"The request body is larger than {limit} bytes; it was not read."
    )


def read_body(environ: Mapping[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw request body (see :func:`_read_body`); a body that cannot be read (the client
    stopped sending, or its chunked framing is broken) is the client's InvalidRequest."""
    try:
        return _read_body(environ, limit)
    except OSError:
        raise EC2Error(Code.INVALID_REQUEST, "The request body could not be read.") from None


def _read_body(environ: Mapping[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw request body, at most ``limit`` bytes; a larger one is refused unread.

    A declared ``Content-Length`` above the limit is refused before a byte is read (the
    server drains and closes the connection after the answer, so the client sees the
    answer, not a reset). A chunked body is read up to one byte past the limit.
    """
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if environ.get("wsgi.input_terminated"):
        body = _read_exactly(stream, limit + 1)
        if len(body) > limit:
            raise _too_large(limit)
        return body
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared:
        return b""
    if not (declared.isascii() and declared.isdigit()):
        raise EC2Error(Code.INVALID_REQUEST, "The Content-Length header is not a number.")
    size = int(declared)
    if size > limit:
        raise _too_large(limit)
    body = _read_exactly(stream, size)
    if len(body) < size:
        raise EC2Error(Code.INVALID_REQUEST, "The request body is shorter than its Content-Length.")
    return body


def read_request(environ: Mapping[str, Any], limit: int = MAX_BODY_BYTES) -> HttpRequest:
    """The request in ``environ``, undecoded, with its body read (see :func:`read_body`)."""
    return HttpRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=str(environ.get("PATH_INFO", "")),
        query=str(environ.get("QUERY_STRING", "")).encode("latin-1", "replace"),
        headers=_headers(environ),
        body=read_body(environ, limit),
    )


def _malformed(where: str, problem: str) -> EC2Error:
    return EC2Error(Code.MALFORMED_QUERY_STRING, f"The {where} is malformed: {problem}.")


def _decode_component(raw: bytes, where: str) -> str:
    if b"%" not in raw and raw.isascii():  # the common case: nothing to check or decode
        return raw.decode("ascii").replace("+", " ")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed(where, f"byte 0x{raw[exc.start]:02X} is not UTF-8") from None
    bad = _BAD_ESCAPE.search(raw)
    if bad is not None:
        raise _malformed(where, "a '%' is not followed by two hexadecimal digits")
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed(
            where, f"percent-decoded byte 0x{decoded[exc.start]:02X} is not UTF-8"
        ) from None


def decode_form(raw: bytes, where: str = "query string") -> list[tuple[str, str]]:
    """Decode ``application/x-www-form-urlencoded`` bytes strictly (WIRE-MALFORMED-QUERY).

    Pairs are split on ``&`` (empty pairs ignored) and then on the first ``=`` (a pair without
    one has an empty value); ``+`` is a space; every ``%`` must be followed by two hex
    digits; the raw bytes and the percent-decoded bytes must both be UTF-8; a name must not be
    empty. Any breach raises :class:`EC2Error` ``MalformedQueryString``.
    """
    pairs: list[tuple[str, str]] = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        if not raw_name:
            raise _malformed(where, "a parameter has an empty name")
        pairs.append((_decode_component(raw_name, where), _decode_component(raw_value, where)))
    return pairs


def lenient_pairs(raw: bytes) -> list[tuple[str, str]]:
    """Decode form bytes without ever failing (bad escapes kept, bad UTF-8 replaced).

    For authentication only, which runs before the strict decoding (stage 1 before stage 2)
    and needs the ``X-Amz-*`` parameters of a query-signed request.
    """
    out: list[tuple[str, str]] = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        out.append(
            (
                unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8", "replace"),
                unquote_to_bytes(raw_value.replace(b"+", b" ")).decode("utf-8", "replace"),
            )
        )
    return out


def media_type(content_type: str) -> str:
    """The media type of a ``Content-Type`` value: the part before ``;``, lower-cased."""
    return content_type.split(";", 1)[0].strip().lower()


def request_parameters(request: HttpRequest) -> dict[str, str]:
    """The request's parameters: the query string's, then (for a POST) the form body's.

    Stage 2 of the order of checks. Raises :class:`EC2Error`: ``MalformedQueryString`` for
    bytes that do not decode (WIRE-MALFORMED-QUERY); ``InvalidRequest`` for a POST body that
    is not a form and ``InvalidParameter`` for a name given twice (both outside the contract).
    A POST without ``Content-Type`` is read as a form ("Value syntax").
    """
    pairs = decode_form(request.query, "query string")
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").strip()
        if content_type and media_type(content_type) != FORM_MEDIA_TYPE:
            raise EC2Error(
                Code.INVALID_REQUEST,
                f"The request body must be {FORM_MEDIA_TYPE}, not {media_type(content_type)}.",
            )
        pairs += decode_form(request.body, "request body")
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise EC2Error(Code.INVALID_PARAMETER, f"The parameter {name} is given more than once.")
        params[name] = value
    return params
