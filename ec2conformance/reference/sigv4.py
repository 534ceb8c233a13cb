"""Signature Version 4 verification, both forms: stage 1 of the order of checks (AUTH-*).

The signature is recomputed the way botocore's ``SigV4Auth`` (``Authorization`` header) and
``SigV4QueryAuth`` (``X-Amz-*`` query parameters) compute it, over the raw request bytes,
before anything is decoded. Where botocore and the published algorithm canonicalise a detail
differently, every reading a signer can have used is tried:

- the canonical query string is either the raw ``name=value`` pairs sorted as they came
  (botocore, for a URL that already carries its query) or the pairs decoded and re-encoded
  with ``quote(safe="-_.~")`` (botocore for ``params``, and the AWS documentation);
- the payload hash of a query-signed request is either the body's SHA-256 (botocore) or
  ``UNSIGNED-PAYLOAD`` (presigned URLs elsewhere).

Outcomes, each the first alternative the contract lists:

- neither an ``Authorization`` header nor ``X-Amz-*`` signing parameters in the query
  string: ``MissingAuthenticationToken`` (AUTH-UNSIGNED);
- a header or parameter set that is not well-formed SigV4 (algorithm, a missing
  ``Credential``, ``SignedHeaders`` or ``Signature``, a malformed date or scope):
  ``IncompleteSignature`` (AUTH-MALFORMED);
- an unknown key id, a scope naming another service or region, or a signature that does not
  match: ``AuthFailure`` (AUTH-UNKNOWN-KEY, AUTH-BAD-SIGNATURE);
- a correct signature whose ``X-Amz-Date`` is more than 15 minutes from the endpoint's
  clock, or (query form) past ``X-Amz-Expires``: ``RequestExpired`` (AUTH-EXPIRED).

The signature is checked before the clock, so ``RequestExpired`` is only ever said to a
caller that holds the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Final
from urllib.parse import quote_from_bytes, unquote_to_bytes

from .catalogue import Code, EC2Error, query_auth_names
from .identities import Identities, Principal
from .wire import HttpRequest, lenient_pairs

ALGORITHM: Final = "AWS4-HMAC-SHA256"
SERVICE: Final = "ec2"
TERMINATOR: Final = "aws4_request"
UNSIGNED_PAYLOAD: Final = "UNSIGNED-PAYLOAD"
MAX_SKEW: Final = timedelta(minutes=15)
MAX_EXPIRES: Final = 604800
TIMESTAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"

_TIMESTAMP = re.compile(r"[0-9]{8}T[0-9]{6}Z", re.ASCII)
_QUERY_AUTH_MARKERS = frozenset(
    {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature"}
)
QUERY_AUTH_NAMES: Final = query_auth_names()
"""The parameters of a query-signed request (SigV4's ``X-Amz-*``, ``golden/domain.json``)."""
_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"


def _incomplete(message: str) -> EC2Error:
    return EC2Error(Code.INCOMPLETE_SIGNATURE, message)


def _auth_failure(detail: str) -> EC2Error:
    return EC2Error(Code.AUTH_FAILURE, f"{_AUTH_FAILURE}: {detail}")


@dataclass(frozen=True)
class Claim:
    """What a request says about its signature, parsed but not yet verified."""

    form: str  # "header" or "query"
    access_key_id: str
    scope_date: str
    scope_region: str
    scope_service: str
    timestamp: str  # YYYYMMDDTHHMMSSZ, as it goes into the string to sign
    moment: datetime
    signed_headers: str
    signature: str
    expires: int | None = None


def parse_timestamp(value: str, what: str = "X-Amz-Date") -> datetime:
    """A ``YYYYMMDDTHHMMSSZ`` timestamp as an aware UTC datetime; IncompleteSignature if not."""
    if not _TIMESTAMP.fullmatch(value):
        raise _incomplete(f"{what} must have the form YYYYMMDDTHHMMSSZ.")
    try:  # the fields by position (the form is checked): strptime's cost, without strptime
        return datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        raise _incomplete(f"{what} is not a valid date and time.") from None


def _parse_credential(value: str) -> tuple[str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 5 or not parts[0]:
        raise _incomplete(
            "Credential must have the form <key id>/<YYYYMMDD>/<region>/<service>/aws4_request."
        )
    if parts[4] != TERMINATOR:
        raise _incomplete("Credential should be scoped with a valid terminator: 'aws4_request'.")
    return parts[0], parts[1], parts[2], parts[3]


def _header_timestamp(headers: Mapping[str, str]) -> tuple[str, datetime]:
    amz_date = headers.get("x-amz-date")
    if amz_date is not None:
        moment = parse_timestamp(amz_date.strip())
        return amz_date.strip(), moment
    date = headers.get("date")
    if date is None:
        raise _incomplete("Authorization header requires an X-Amz-Date or a Date header.")
    try:
        moment = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        raise _incomplete("The Date header is not a valid HTTP date.") from None
    # "-0000" (what botocore's formatdate writes) parses as naive: it is UTC.
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime(TIMESTAMP_FORMAT), moment


def parse_authorization(value: str, headers: Mapping[str, str]) -> Claim:
    """The claim of an ``Authorization`` header (AUTH-MALFORMED: IncompleteSignature)."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported authorization algorithm; expected {ALGORITHM}.")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, field_value = part.partition("=")
        key = key.strip()
        if not sep:
            raise _incomplete(f"Authorization header component {key!r} is not a key=value pair.")
        if key in fields:
            raise _incomplete(f"Authorization header gives {key} twice.")
        fields[key] = field_value.strip()
    for required in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(required):
            raise _incomplete(f"Authorization header requires a '{required}' parameter.")
    key_id, date, region, service = _parse_credential(fields["Credential"])
    timestamp, moment = _header_timestamp(headers)
    return Claim(
        form="header",
        access_key_id=key_id,
        scope_date=date,
        scope_region=region,
        scope_service=service,
        timestamp=timestamp,
        moment=moment,
        signed_headers=fields["SignedHeaders"],
        signature=fields["Signature"],
    )


def parse_query_auth(pairs: Iterable[tuple[str, str]]) -> Claim:
    """The claim of a query-signed request (AUTH-QUERY-SIGNATURE).

    Malformed: IncompleteSignature (AUTH-MALFORMED).
    """
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in QUERY_AUTH_NAMES:
            if name in values:
                raise _incomplete(f"The query string gives {name} twice.")
            values[name] = value
    for required in (
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ):
        if not values.get(required):
            raise _incomplete(f"A query-signed request requires the parameter {required}.")
    if values["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete(f"Unsupported X-Amz-Algorithm; expected {ALGORITHM}.")
    key_id, date, region, service = _parse_credential(values["X-Amz-Credential"])
    moment = parse_timestamp(values["X-Amz-Date"])
    expires: int | None = None
    if "X-Amz-Expires" in values:
        raw = values["X-Amz-Expires"]
        if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > 20:
            raise _incomplete("X-Amz-Expires must be a number of seconds.")
        expires = int(raw)
        if expires > MAX_EXPIRES:
            raise _auth_failure(f"X-Amz-Expires must be at most {MAX_EXPIRES} seconds")
    return Claim(
        form="query",
        access_key_id=key_id,
        scope_date=date,
        scope_region=region,
        scope_service=service,
        timestamp=values["X-Amz-Date"],
        moment=moment,
        signed_headers=values["X-Amz-SignedHeaders"],
        signature=values["X-Amz-Signature"],
        expires=expires,
    )


def _has_security_token(query: bytes) -> bool:
    """Whether the query string has an ``X-Amz-Security-Token`` parameter. Without a ``%``
    lenient decoding only turns ``+`` into a space, so the name must be there as it is."""
    if b"X-Amz-Security-Token" not in query and b"%" not in query:
        return False
    return any(name == "X-Amz-Security-Token" for name, _ in lenient_pairs(query))


def _raw_pairs(query: bytes) -> list[tuple[bytes, bytes]]:
    return [piece.partition(b"=")[::2] for piece in query.split(b"&")] if query else []


def _is_signature(raw_name: bytes) -> bool:
    return unquote_to_bytes(raw_name.replace(b"+", b" ")) == b"X-Amz-Signature"


def canonical_query_strings(query: bytes, *, exclude_signature: bool) -> list[bytes]:
    """The canonical query strings a signer can have meant, most likely first.

    The raw pairs sorted as they are (botocore's ``_canonical_query_string_url``, empty pairs
    included), and the pairs decoded (``+`` as space) and re-encoded with
    ``quote(safe="-_.~")`` (botocore's ``_canonical_query_string_params``; the AWS algorithm).
    A query-signed request's ``X-Amz-Signature`` is left out of both.
    """
    pairs = _raw_pairs(query)
    if exclude_signature:
        pairs = [(name, value) for name, value in pairs if not _is_signature(name)]
    raw = b"&".join(name + b"=" + value for name, value in sorted(pairs))
    encoded = sorted(
        (
            quote_from_bytes(unquote_to_bytes(name.replace(b"+", b" ")), safe="-_.~"),
            quote_from_bytes(unquote_to_bytes(value.replace(b"+", b" ")), safe="-_.~"),
        )
        for name, value in pairs
        if name or value
    )
    normalised = "&".join(f"{name}={value}" for name, value in encoded).encode("ascii")
    return [raw] if raw == normalised else [raw, normalised]


def canonical_request(
    method: str,
    query: bytes,
    header_lines: bytes,
    signed_headers: str,
    payload_hash: str,
) -> bytes:
    """The SigV4 canonical request, as bytes (the path is always ``/`` for EC2)."""
    return b"\n".join(
        [
            method.upper().encode("utf-8"),
            b"/",
            query,
            header_lines,
            signed_headers.encode("utf-8"),
            payload_hash.encode("utf-8"),
        ]
    )


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 signing key for one day, region and service (derived once, then cached:
    four HMACs a request saved)."""
    key = hmac.new(f"AWS4{secret}".encode(), date.encode("utf-8"), hashlib.sha256).digest()
    for part in (region, service, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(key: bytes, timestamp: str, scope: str, canonical: bytes) -> str:
    """The hex signature of a canonical request."""
    string_to_sign = "\n".join(
        [ALGORITHM, timestamp, scope, hashlib.sha256(canonical).hexdigest()]
    ).encode("utf-8")
    return hmac.new(key, string_to_sign, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verifier:
    """Verifies SigV4 signatures for one region against a set of identities."""

    identities: Identities
    region: str

    def claim(self, request: HttpRequest) -> Claim:
        """The request's claim, or MissingAuthenticationToken / IncompleteSignature."""
        authorization = request.headers.get("authorization")
        if authorization is not None:
            return parse_authorization(authorization, request.headers)
        pairs = lenient_pairs(request.query)
        if any(name in _QUERY_AUTH_MARKERS for name, _ in pairs):
            return parse_query_auth(pairs)
        raise EC2Error(
            Code.MISSING_AUTHENTICATION_TOKEN,
            "The request must contain valid credentials: it has neither an Authorization "
            "header nor an X-Amz-Signature query parameter.",
        )

    def authenticate(self, request: HttpRequest, now: datetime) -> Principal:
        """The authenticated principal of ``request``, or the stage-1 :class:`EC2Error`."""
        claim = self.claim(request)
        principal = self.identities.lookup(claim.access_key_id)
        if principal is None:
            raise _auth_failure("the access key id is not known")
        if claim.scope_service != SERVICE:
            raise _auth_failure(f"the credential scope names service {claim.scope_service!r}")
        if claim.scope_region != self.region:
            raise _auth_failure(f"the credential scope names region {claim.scope_region!r}")
        if claim.scope_date != claim.timestamp[:8]:
            raise _auth_failure("the credential scope date is not the request's date")
        if "x-amz-security-token" in request.headers or _has_security_token(request.query):
            raise _auth_failure("the security token is not valid for this access key")
        header_lines = self._header_lines(request, claim)
        expected = self._candidates(request, claim, header_lines, principal)
        given = claim.signature.encode("utf-8", "replace")
        if not any(hmac.compare_digest(candidate, given) for candidate in expected):
            raise _auth_failure(
                "the request signature we calculated does not match the signature you provided"
            )
        self._check_clock(claim, now)
        return principal

    @staticmethod
    def _header_lines(request: HttpRequest, claim: Claim) -> bytes:
        names = claim.signed_headers.split(";")
        if "host" not in names:
            raise _auth_failure("SignedHeaders must include host")
        if claim.form == "header" and "x-amz-date" in request.headers and "x-amz-date" not in names:
            raise _auth_failure("SignedHeaders must include x-amz-date")
        lines: list[bytes] = []
        for name in names:
            value = request.headers.get(name)
            if value is None:
                raise _auth_failure(f"the signed header {name!r} is not in the request")
            lines.append(f"{name}:{' '.join(value.split())}\n".encode())
        return b"".join(lines)

    def _payload_hashes(self, request: HttpRequest, claim: Claim) -> list[str]:
        actual = hashlib.sha256(request.body).hexdigest()
        declared = request.headers.get("x-amz-content-sha256")
        if declared is not None:
            if declared == actual or (claim.form == "query" and declared == UNSIGNED_PAYLOAD):
                return [declared]
            raise _auth_failure("x-amz-content-sha256 does not match the request body")
        return [actual] if claim.form == "header" else [actual, UNSIGNED_PAYLOAD]

    def _candidates(
        self, request: HttpRequest, claim: Claim, header_lines: bytes, principal: Principal
    ) -> list[bytes]:
        key = signing_key(
            principal.credentials.secret_access_key, claim.scope_date, self.region, SERVICE
        )
        scope = f"{claim.scope_date}/{self.region}/{SERVICE}/{TERMINATOR}"
        out: list[bytes] = []
        for query in canonical_query_strings(
            request.query, exclude_signature=claim.form == "query"
        ):
            for payload in self._payload_hashes(request, claim):
                canonical = canonical_request(
                    request.method, query, header_lines, claim.signed_headers, payload
                )
                out.append(signature(key, claim.timestamp, scope, canonical).encode("ascii"))
        return out

    @staticmethod
    def _check_clock(claim: Claim, now: datetime) -> None:
        skew = now - claim.moment
        if abs(skew) > MAX_SKEW:
            raise EC2Error(
                Code.REQUEST_EXPIRED,
                f"Request has expired: its date {claim.timestamp} is more than 15 minutes "
                f"from the server's time {now.strftime(TIMESTAMP_FORMAT)}.",
            )
        if claim.expires is not None and now > claim.moment + timedelta(seconds=claim.expires):
            raise EC2Error(
                Code.REQUEST_EXPIRED,
                f"Request has expired: it was signed at {claim.timestamp} to be valid for "
                f"{claim.expires} seconds.",
            )
