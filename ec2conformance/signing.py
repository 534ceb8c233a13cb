"""Signature Version 4 for the suite's requests, by botocore's own signer.

The arithmetic (canonical request, string to sign, key derivation) is botocore's
(:class:`botocore.auth.SigV4Auth`, :class:`botocore.auth.SigV4QueryAuth`); this module only
chooses its inputs and, for the deliberate faults of the AUTH group, rewrites its output:

- the identity (:class:`~ec2conformance.model.Credentials`) and the clock: requests are
  signed as of a given UTC time. botocore reads the time with
  ``botocore.compat.get_current_datetime()`` at the start of ``add_auth`` and keeps it in
  ``request.context["timestamp"]``; the subclasses here overwrite that value in
  ``_modify_request_before_signing`` (the first step after it is read, before anything uses
  it), so nothing global is patched;
- the fault, if any (:func:`sign_request`'s ``auth_fault``), which changes the inputs or
  rewrites the result:

  - ``WRONG_SECRET``: the given key id with :data:`WRONG_SECRET_ACCESS_KEY`;
  - ``UNKNOWN_KEY``: :data:`UNKNOWN_ACCESS_KEY_ID` (with the wrong secret);
  - ``WRONG_SERVICE``: the credential scope names :data:`WRONG_SERVICE` (``s3``);
  - ``EXPIRED``: signed correctly as of ``when - EXPIRED_BY`` (20 minutes earlier);
  - ``MALFORMED_*``: signed correctly, then rewritten. In the header form
    ``MALFORMED_ALGORITHM`` names ``AWS4-HMAC-SHA512``; ``MALFORMED_NO_CREDENTIAL``,
    ``MALFORMED_NO_SIGNED_HEADERS`` and ``MALFORMED_NO_SIGNATURE`` drop that component of
    ``Authorization``; ``MALFORMED_DATE`` replaces ``X-Amz-Date`` with
    :func:`malformed_amz_date`. In the query form the same faults apply to the
    ``X-Amz-Algorithm`` value, the ``X-Amz-Credential``, ``X-Amz-SignedHeaders`` and
    ``X-Amz-Signature`` parameters (dropped), and the ``X-Amz-Date`` value.

The signature covers exactly the bytes given (``body`` is hashed as is, the URL's query is
canonicalised as written), so a caller must hand over what will go on the wire.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import botocore.credentials
from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.utils import percent_encode_sequence

from ec2conformance.model import MALFORMED_AUTH_FAULTS, AuthFault, Credentials, Signing

__all__ = [
    "ALGORITHM",
    "DEFAULT_EXPIRES",
    "EXPIRED_BY",
    "MALFORMED_ALGORITHM",
    "SERVICE",
    "UNKNOWN_ACCESS_KEY_ID",
    "WRONG_SECRET_ACCESS_KEY",
    "WRONG_SERVICE",
    "Headers",
    "amz_date",
    "host_header",
    "malformed_amz_date",
    "sign_request",
]

Headers = tuple[tuple[str, str], ...]

ALGORITHM = "AWS4-HMAC-SHA256"
#: The algorithm named by ``AuthFault.MALFORMED_ALGORITHM``.
MALFORMED_ALGORITHM = "AWS4-HMAC-SHA512"
SERVICE = "ec2"
#: The service named in the credential scope by ``AuthFault.WRONG_SERVICE``.
WRONG_SERVICE = "s3"
#: The key id of ``AuthFault.UNKNOWN_KEY``: well-formed (``AKIA`` + 16), known to no target.
UNKNOWN_ACCESS_KEY_ID = "AKIAEC2CONFUNKNOWN00"
#: The secret of ``AuthFault.WRONG_SECRET`` (and of the unknown key): 40 characters, public.
WRONG_SECRET_ACCESS_KEY = "ec2conformance/wrong-secret/000000000000"
#: How far in the past ``AuthFault.EXPIRED`` signs.
EXPIRED_BY = timedelta(minutes=20)
#: ``X-Amz-Expires`` of a query-signed request.
DEFAULT_EXPIRES = 300


def amz_date(when: datetime) -> str:
    """``when`` as SigV4's ``YYYYMMDDTHHMMSSZ`` (a naive datetime is taken as UTC)."""
    return _utc(when).strftime(SIGV4_TIMESTAMP)


def malformed_amz_date(when: datetime) -> str:
    """The ``X-Amz-Date`` of ``AuthFault.MALFORMED_DATE``: the same instant in ISO 8601's
    extended form (``2025-01-02T03:04:05Z``), which is not ``YYYYMMDDTHHMMSSZ``."""
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def host_header(url: str) -> str:
    """The ``Host`` header for ``url``: lower-case host, port unless it is the scheme's
    default, IPv6 literals in brackets (what botocore derives when none is given)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port != default:
        host = f"{host}:{parts.port}"
    return host


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class _ClockedSigV4Auth(SigV4Auth):
    """botocore's header signer, signing as of a chosen time instead of now."""

    def __init__(
        self, credentials: Any, service_name: str, region_name: str, when: datetime
    ) -> None:
        super().__init__(credentials, service_name, region_name)
        self._timestamp = amz_date(when)

    def _modify_request_before_signing(self, request: AWSRequest) -> None:
        # add_auth has just stored get_current_datetime() here; nothing has read it yet.
        request.context["timestamp"] = self._timestamp
        super()._modify_request_before_signing(request)


class _ClockedSigV4QueryAuth(SigV4QueryAuth):
    """botocore's query-string signer, as of a chosen time, keeping the query as written.

    botocore's own ``_modify_request_before_signing`` parses the query string into a dict
    and re-encodes it (and moves a form body into the query): repeated names collapse and
    the order may change. Here the ``X-Amz-*`` parameters are appended to the query exactly
    as given, and a body stays a body (signed by its hash); the parameters themselves are
    built as botocore builds them.
    """

    def __init__(
        self,
        credentials: Any,
        service_name: str,
        region_name: str,
        when: datetime,
        expires: int = DEFAULT_EXPIRES,
    ) -> None:
        super().__init__(credentials, service_name, region_name, expires=expires)
        self._timestamp = amz_date(when)

    def _modify_request_before_signing(self, request: AWSRequest) -> None:
        request.context["timestamp"] = self._timestamp
        auth_params: dict[str, Any] = {
            "X-Amz-Algorithm": ALGORITHM,
            "X-Amz-Credential": self.scope(request),
            "X-Amz-Date": self._timestamp,
            "X-Amz-Expires": self._expires,
            "X-Amz-SignedHeaders": self.signed_headers(self.headers_to_sign(request)),
        }
        parts = urlsplit(request.url)
        query = f"{parts.query}&" if parts.query else ""
        query += percent_encode_sequence(auth_params)
        request.url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def sign_request(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    credentials: Credentials,
    region: str,
    when: datetime,
    signing: Signing = Signing.HEADER,
    auth_fault: AuthFault | None = None,
    service: str = SERVICE,
    expires: int = DEFAULT_EXPIRES,
) -> tuple[str, Headers]:
    """Sign a request; returns the URL and headers to send (the body is unchanged).

    ``url`` must already be encoded as it will be sent (its query string is canonicalised as
    written); ``headers`` are the headers to sign (give ``Host``; for a body, its
    ``Content-Type``). ``when`` is the signing time (UTC; naive means UTC).

    - ``Signing.HEADER``: adds ``X-Amz-Date`` and ``Authorization`` (signed headers: all of
      ``headers`` plus ``x-amz-date``).
    - ``Signing.QUERY``: appends ``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``,
      ``X-Amz-Expires`` (``expires``), ``X-Amz-SignedHeaders`` and, last,
      ``X-Amz-Signature`` to the query string. Only ``Host`` is signed (botocore drops its
      own form Content-Type from a presigned request as well); the other ``headers`` are
      returned unsigned after it.
    - ``Signing.NONE``: returns ``url`` and ``headers`` untouched (no fault allowed).

    ``auth_fault`` changes the inputs or rewrites the result, as the module docstring lists.
    """
    given = tuple(headers)
    if signing is Signing.NONE:
        if auth_fault is not None:
            raise ValueError(f"auth fault {auth_fault.value} needs a signature (signing=none)")
        return url, given
    inputs = _signing_inputs(credentials, service, region, when, auth_fault)
    if signing is Signing.HEADER:
        return url, _sign_in_header(method, url, given, body, inputs, auth_fault)
    if signing is Signing.QUERY:
        return _sign_in_query(method, url, given, body, inputs, expires, auth_fault)
    raise ValueError(f"unknown signing mode {signing!r}")


@dataclass(frozen=True)
class _Inputs:
    """What botocore's signer is given: the key pair, the scope and the time."""

    credentials: botocore.credentials.Credentials
    service: str
    region: str
    when: datetime


def _signing_inputs(
    credentials: Credentials,
    service: str,
    region: str,
    when: datetime,
    auth_fault: AuthFault | None,
) -> _Inputs:
    """The signer's inputs, changed as ``WRONG_SECRET``, ``UNKNOWN_KEY``, ``WRONG_SERVICE``
    and ``EXPIRED`` say (the other faults sign correctly and rewrite afterwards)."""
    key_id, secret = credentials.access_key_id, credentials.secret_access_key
    if auth_fault is AuthFault.WRONG_SECRET:
        secret = WRONG_SECRET_ACCESS_KEY
    elif auth_fault is AuthFault.UNKNOWN_KEY:
        key_id, secret = UNKNOWN_ACCESS_KEY_ID, WRONG_SECRET_ACCESS_KEY
    if auth_fault is AuthFault.WRONG_SERVICE:
        service = WRONG_SERVICE
    if auth_fault is AuthFault.EXPIRED:
        when = _utc(when) - EXPIRED_BY
    return _Inputs(botocore.credentials.Credentials(key_id, secret), service, region, when)


def _sign_in_header(
    method: str,
    url: str,
    given: Headers,
    body: bytes,
    inputs: _Inputs,
    auth_fault: AuthFault | None,
) -> Headers:
    """The headers with ``X-Amz-Date`` and ``Authorization`` (replacing any given)."""
    given = tuple((k, v) for k, v in given if k.lower() not in ("authorization", "x-amz-date"))
    request = AWSRequest(method=method, url=url, headers=dict(given), data=body)
    signer = _ClockedSigV4Auth(inputs.credentials, inputs.service, inputs.region, inputs.when)
    signer.add_auth(request)
    date = request.headers["X-Amz-Date"]
    authorization = request.headers["Authorization"]
    if auth_fault is AuthFault.MALFORMED_DATE:
        date = malformed_amz_date(inputs.when)
    elif auth_fault in MALFORMED_AUTH_FAULTS:
        authorization = _malformed_authorization(authorization, auth_fault)
    return (*given, ("X-Amz-Date", date), ("Authorization", authorization))


def _sign_in_query(
    method: str,
    url: str,
    given: Headers,
    body: bytes,
    inputs: _Inputs,
    expires: int,
    auth_fault: AuthFault | None,
) -> tuple[str, Headers]:
    """The URL with the ``X-Amz-*`` parameters appended; ``Host`` first, the only one signed."""
    host = [(k, v) for k, v in given if k.lower() == "host"]
    others = tuple((k, v) for k, v in given if k.lower() != "host")
    request = AWSRequest(method=method, url=url, headers=dict(host), data=body)
    signer = _ClockedSigV4QueryAuth(
        inputs.credentials, inputs.service, inputs.region, inputs.when, expires
    )
    signer.add_auth(request)
    signed_url = request.url
    if auth_fault in MALFORMED_AUTH_FAULTS:
        signed_url = _malformed_query(signed_url, auth_fault, inputs.when)
    return signed_url, (*host, *others)


# The part of an Authorization header each MALFORMED_NO_* fault drops.
_DROPPED_COMPONENT = {
    AuthFault.MALFORMED_NO_CREDENTIAL: "Credential=",
    AuthFault.MALFORMED_NO_SIGNED_HEADERS: "SignedHeaders=",
    AuthFault.MALFORMED_NO_SIGNATURE: "Signature=",
}
_DROPPED_QUERY_PARAM = {
    AuthFault.MALFORMED_NO_CREDENTIAL: "X-Amz-Credential=",
    AuthFault.MALFORMED_NO_SIGNED_HEADERS: "X-Amz-SignedHeaders=",
    AuthFault.MALFORMED_NO_SIGNATURE: "X-Amz-Signature=",
}


def _malformed_authorization(header: str, fault: AuthFault) -> str:
    # botocore writes "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
    algorithm, _, rest = header.partition(" ")
    components = rest.split(", ")
    if fault is AuthFault.MALFORMED_ALGORITHM:
        algorithm = MALFORMED_ALGORITHM
    elif fault in _DROPPED_COMPONENT:
        components = [c for c in components if not c.startswith(_DROPPED_COMPONENT[fault])]
    else:
        raise AssertionError(f"not a header rewrite: {fault}")  # pragma: no cover
    return f"{algorithm} {', '.join(components)}"


def _malformed_query(url: str, fault: AuthFault, when: datetime) -> str:
    parts = urlsplit(url)
    pairs = parts.query.split("&")
    if fault is AuthFault.MALFORMED_ALGORITHM:
        pairs = [
            f"X-Amz-Algorithm={MALFORMED_ALGORITHM}" if p.startswith("X-Amz-Algorithm=") else p
            for p in pairs
        ]
    elif fault is AuthFault.MALFORMED_DATE:
        bad = percent_encode_sequence([("X-Amz-Date", malformed_amz_date(when))])
        pairs = [bad if p.startswith("X-Amz-Date=") else p for p in pairs]
    elif fault in _DROPPED_QUERY_PARAM:
        pairs = [p for p in pairs if not p.startswith(_DROPPED_QUERY_PARAM[fault])]
    else:
        raise AssertionError(f"not a query rewrite: {fault}")  # pragma: no cover
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(pairs), parts.fragment))
