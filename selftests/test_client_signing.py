"""ec2conformance.signing (through Client.prepare): SigV4 recomputed with botocore."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import botocore.auth
import botocore.compat
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from ec2conformance.client import Client, MissingIdentity, PreparedExchange
from ec2conformance.model import (
    MALFORMED_AUTH_FAULTS,
    AuthFault,
    Credentials,
    Identity,
    Signing,
    WireFault,
    sample,
)
from ec2conformance.signing import (
    DEFAULT_EXPIRES,
    UNKNOWN_ACCESS_KEY_ID,
    WRONG_SECRET_ACCESS_KEY,
    amz_date,
    sign_request,
)
from ec2conformance.wire import apply_wire_fault, encode_form

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
PERMITTED = Credentials("AKIAPERMITTED0000001", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
DENIED = Credentials("AKIADENIED0000000001", "denied/Secret+Key/000000000000000000000000")
REGION = "eu-west-3"
AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<scope>[^,]+), "
    r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


@pytest.fixture
def client() -> Client:
    with Client(
        "http://127.0.0.1:8999",
        region=REGION,
        identities={Identity.PERMITTED: PERMITTED, Identity.DENIED: DENIED},
        clock=lambda: NOW,
    ) as c:
        yield c


def botocore_signature(
    prepared: PreparedExchange,
    secret: str,
    *,
    key: str = PERMITTED.access_key_id,
    service: str = "ec2",
    region: str = REGION,
) -> str:
    """The signature botocore computes for a prepared request, from its own pieces."""
    parts = urlsplit(prepared.url)
    query = "&".join(p for p in parts.query.split("&") if not p.startswith("X-Amz-Signature="))
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    authorization = prepared.header("Authorization")
    if authorization is not None:
        signed = AUTH.match(authorization)["signed"].split(";")  # type: ignore[index]
        date = prepared.header("X-Amz-Date")
    else:
        params = dict(parse_qsl(parts.query))
        signed = params["X-Amz-SignedHeaders"].split(";")
        date = params["X-Amz-Date"]
    headers = {k: v for k, v in prepared.headers if k.lower() in signed}
    request = AWSRequest(method=prepared.method, url=url, headers=headers, data=prepared.body)
    request.context["timestamp"] = date
    auth = SigV4Auth(BotoCredentials(key, secret), service, region)
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request)


def header_signature(prepared: PreparedExchange) -> re.Match[str]:
    match = AUTH.match(prepared.header("Authorization") or "")
    assert match is not None, prepared.header("Authorization")
    return match


def query_params(prepared: PreparedExchange) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(prepared.url).query, keep_blank_values=True))


def test_header_signed_post_verifies(client: Client) -> None:
    """A header-signed POST carries botocore's signature over its exact body."""
    prepared = client.prepare(sample())
    match = header_signature(prepared)
    assert match["key"] == PERMITTED.access_key_id
    assert match["scope"] == f"20250102/{REGION}/ec2/aws4_request"
    assert match["signed"] == "content-type;host;x-amz-date"
    assert match["sig"] == botocore_signature(prepared, PERMITTED.secret_access_key)
    assert prepared.body == encode_form(sample().params)
    assert prepared.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8"
    assert prepared.url == "http://127.0.0.1:8999/"


def test_header_signed_get_verifies(client: Client) -> None:
    """A header-signed GET signs its query string; no body, no Content-Type."""
    prepared = client.prepare(sample(method="GET"))
    match = header_signature(prepared)
    assert match["signed"] == "host;x-amz-date"
    assert match["sig"] == botocore_signature(prepared, PERMITTED.secret_access_key)
    assert prepared.body == b""
    assert prepared.header("Content-Type") is None
    assert query_params(prepared) == dict(sample().params)


def test_query_signed_get_verifies(client: Client) -> None:
    """A query-signed GET has the six X-Amz-* parameters, after the request's, signature last."""
    prepared = client.prepare(sample(method="GET", signing=Signing.QUERY))
    assert prepared.header("Authorization") is None
    assert prepared.header("X-Amz-Date") is None
    names = [p.partition("=")[0] for p in urlsplit(prepared.url).query.split("&")]
    assert names[: len(sample().params)] == sample().names()
    assert names[len(sample().params) :] == [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ]
    params = query_params(prepared)
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert (
        params["X-Amz-Credential"]
        == f"{PERMITTED.access_key_id}/20250102/{REGION}/ec2/aws4_request"
    )
    assert params["X-Amz-Date"] == "20250102T030405Z"
    assert params["X-Amz-Expires"] == str(DEFAULT_EXPIRES) == "300"
    assert params["X-Amz-SignedHeaders"] == "host"
    assert params["X-Amz-Signature"] == botocore_signature(prepared, PERMITTED.secret_access_key)


def test_query_signed_post_keeps_body(client: Client) -> None:
    """A query-signed POST keeps its form body (signed by hash) and signs only the host."""
    prepared = client.prepare(sample(signing=Signing.QUERY))
    assert prepared.body == encode_form(sample().params)
    assert prepared.header("Content-Type") is not None
    params = query_params(prepared)
    assert set(params) >= {"X-Amz-Signature", "X-Amz-Credential"}
    assert params["X-Amz-Signature"] == botocore_signature(prepared, PERMITTED.secret_access_key)


def test_query_signing_keeps_repeated_names_and_order(client: Client) -> None:
    """Unlike botocore's presigner, repeated names survive query signing, in their order."""
    spec = sample(method="GET").plus(("Platform", "Windows"), ("Description", "a b"))
    prepared = client.prepare(replace(spec, signing=Signing.QUERY))
    pairs = parse_qsl(urlsplit(prepared.url).query, keep_blank_values=True)
    assert pairs[: len(spec.params)] == list(spec.params)
    assert query_params(prepared)["X-Amz-Signature"] == botocore_signature(
        prepared, PERMITTED.secret_access_key
    )


def test_clock_sets_the_date(client: Client) -> None:
    """The signing time is the client's clock, not botocore's."""
    prepared = client.prepare(sample())
    assert prepared.header("X-Amz-Date") == "20250102T030405Z" == amz_date(NOW)
    other = Client(
        "http://127.0.0.1:8999",
        identities={Identity.PERMITTED: PERMITTED},
        clock=lambda: datetime(2031, 12, 31, 23, 59, 59),  # naive: taken as UTC
    )
    assert other.prepare(sample()).header("X-Amz-Date") == "20311231T235959Z"


def test_clock_override_patches_nothing_global(client: Client) -> None:
    """botocore's own clock is left alone: a plain SigV4Auth signs as of now."""
    before = botocore.auth.get_current_datetime
    client.prepare(sample())
    assert botocore.auth.get_current_datetime is before is botocore.compat.get_current_datetime
    request = AWSRequest(method="POST", url="http://h/", headers={}, data=b"")
    SigV4Auth(BotoCredentials("a", "b"), "ec2", "us-east-1").add_auth(request)
    signed_at = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert abs(signed_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


def test_expired_signs_twenty_minutes_ago(client: Client) -> None:
    """EXPIRED: a correct signature as of 20 minutes before the clock."""
    prepared = client.prepare(sample(auth_fault=AuthFault.EXPIRED))
    assert prepared.header("X-Amz-Date") == "20250102T024405Z"
    assert header_signature(prepared)["scope"].startswith("20250102/")
    assert header_signature(prepared)["sig"] == botocore_signature(
        prepared, PERMITTED.secret_access_key
    )


def test_expired_across_midnight_moves_the_scope_date() -> None:
    """The credential scope's date follows the signing time."""
    client = Client(
        "http://127.0.0.1:8999",
        identities={Identity.PERMITTED: PERMITTED},
        clock=lambda: datetime(2025, 1, 2, 0, 10, tzinfo=UTC),
    )
    prepared = client.prepare(sample(auth_fault=AuthFault.EXPIRED))
    assert prepared.header("X-Amz-Date") == "20250101T235000Z"
    assert header_signature(prepared)["scope"].startswith("20250101/")


def test_wrong_secret_changes_only_the_signature(client: Client) -> None:
    """WRONG_SECRET: the permitted key id, a signature made with another secret."""
    good = client.prepare(sample())
    bad = client.prepare(sample(auth_fault=AuthFault.WRONG_SECRET))
    assert header_signature(bad)["key"] == PERMITTED.access_key_id
    assert header_signature(bad)["sig"] != header_signature(good)["sig"]
    assert header_signature(bad)["sig"] != botocore_signature(bad, PERMITTED.secret_access_key)
    assert header_signature(bad)["sig"] == botocore_signature(bad, WRONG_SECRET_ACCESS_KEY)
    assert bad.body == good.body


def test_wrong_service_names_s3(client: Client) -> None:
    """WRONG_SERVICE: a correct signature for another service's scope."""
    prepared = client.prepare(sample(auth_fault=AuthFault.WRONG_SERVICE))
    match = header_signature(prepared)
    assert match["scope"] == f"20250102/{REGION}/s3/aws4_request"
    assert match["sig"] == botocore_signature(prepared, PERMITTED.secret_access_key, service="s3")


def test_unknown_key(client: Client) -> None:
    """UNKNOWN_KEY: a well-formed key id that is none of the configured ones."""
    prepared = client.prepare(sample(auth_fault=AuthFault.UNKNOWN_KEY))
    match = header_signature(prepared)
    assert match["key"] == UNKNOWN_ACCESS_KEY_ID
    assert match["key"] not in (PERMITTED.access_key_id, DENIED.access_key_id)
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", match["key"])
    assert match["sig"] == botocore_signature(
        prepared, WRONG_SECRET_ACCESS_KEY, key=UNKNOWN_ACCESS_KEY_ID
    )


def test_denied_identity_signs_with_its_own_key(client: Client) -> None:
    """Identity.DENIED uses the denied credentials."""
    prepared = client.prepare(sample(identity=Identity.DENIED))
    match = header_signature(prepared)
    assert match["key"] == DENIED.access_key_id
    assert match["sig"] == botocore_signature(
        prepared, DENIED.secret_access_key, key=DENIED.access_key_id
    )


def test_missing_denied_identity_raises() -> None:
    """A spec for an identity the client was not given raises MissingIdentity."""
    client = Client("http://127.0.0.1:8999", identities={Identity.PERMITTED: PERMITTED})
    with pytest.raises(MissingIdentity, match="denied"):
        client.prepare(sample(identity=Identity.DENIED))
    with pytest.raises(MissingIdentity):
        client.send(sample(identity=Identity.DENIED))
    assert len(client.exchanges) == 0


# Header-form rewrites of MALFORMED_* faults, as (check on Authorization, on X-Amz-Date).
MALFORMED_HEADER = {
    AuthFault.MALFORMED_ALGORITHM: lambda auth, good: (
        auth == good.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA512 ", 1)
    ),
    AuthFault.MALFORMED_NO_CREDENTIAL: lambda auth, good: (
        auth == "AWS4-HMAC-SHA256 " + good.split(", ", 1)[1]
    ),
    AuthFault.MALFORMED_NO_SIGNED_HEADERS: lambda auth, good: (
        auth == ", ".join(p for p in good.split(", ") if not p.startswith("SignedHeaders="))
    ),
    AuthFault.MALFORMED_NO_SIGNATURE: lambda auth, good: auth == good.rsplit(", ", 1)[0],
    AuthFault.MALFORMED_DATE: lambda auth, good: auth == good,
}


@pytest.mark.parametrize("fault", sorted(MALFORMED_AUTH_FAULTS), ids=lambda f: f.value)
def test_malformed_header_faults(client: Client, fault: AuthFault) -> None:
    """Each MALFORMED_* fault signs correctly, then rewrites one documented thing."""
    good = client.prepare(sample())
    bad = client.prepare(sample(auth_fault=fault))
    good_auth = good.header("Authorization")
    bad_auth = bad.header("Authorization")
    assert good_auth is not None and bad_auth is not None
    assert MALFORMED_HEADER[fault](bad_auth, good_auth), bad_auth
    if fault is AuthFault.MALFORMED_DATE:
        assert bad.header("X-Amz-Date") == "2025-01-02T03:04:05Z"
    else:
        assert bad.header("X-Amz-Date") == good.header("X-Amz-Date")
    assert bad.body == good.body
    assert set(MALFORMED_HEADER) == MALFORMED_AUTH_FAULTS


@pytest.mark.parametrize("fault", sorted(MALFORMED_AUTH_FAULTS), ids=lambda f: f.value)
def test_malformed_query_faults(client: Client, fault: AuthFault) -> None:
    """In the query form the same faults rewrite the X-Amz-* parameters."""
    good = query_params(client.prepare(sample(method="GET", signing=Signing.QUERY)))
    bad = query_params(
        client.prepare(sample(method="GET", signing=Signing.QUERY, auth_fault=fault))
    )
    changed = {k for k in good.keys() | bad.keys() if good.get(k) != bad.get(k)}
    expected = {
        AuthFault.MALFORMED_ALGORITHM: ({"X-Amz-Algorithm"}, "AWS4-HMAC-SHA512"),
        AuthFault.MALFORMED_NO_CREDENTIAL: ({"X-Amz-Credential"}, None),
        AuthFault.MALFORMED_NO_SIGNED_HEADERS: ({"X-Amz-SignedHeaders"}, None),
        AuthFault.MALFORMED_NO_SIGNATURE: ({"X-Amz-Signature"}, None),
        AuthFault.MALFORMED_DATE: ({"X-Amz-Date"}, "2025-01-02T03:04:05Z"),
    }[fault]
    assert changed == expected[0]
    assert bad.get(next(iter(changed))) == expected[1]


def test_unsigned_has_no_signature(client: Client) -> None:
    """Signing.NONE: no Authorization, no X-Amz-Date, no X-Amz-* parameters."""
    for method in ("POST", "GET"):
        prepared = client.prepare(sample(method=method, signing=Signing.NONE))
        names = {k.lower() for k, _ in prepared.headers}
        assert "authorization" not in names and "x-amz-date" not in names
        assert "X-Amz-" not in prepared.url


def test_unsigned_needs_no_identity() -> None:
    """An unsigned request can be prepared without any credentials."""
    client = Client("http://127.0.0.1:8999", identities={})
    prepared = client.prepare(sample(signing=Signing.NONE, identity=Identity.DENIED))
    assert prepared.header("Authorization") is None


def test_fault_without_signature_is_refused(client: Client) -> None:
    """An auth fault needs a signature to break."""
    with pytest.raises(ValueError, match="needs a signature"):
        client.prepare(sample(signing=Signing.NONE, auth_fault=AuthFault.WRONG_SECRET))


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("fault", list(WireFault), ids=[f.value for f in WireFault])
def test_wire_fault_body_is_what_is_signed(client: Client, fault: WireFault, method: str) -> None:
    """A wire fault goes in a POST body, and the signature covers exactly those bytes."""
    prepared = client.prepare(sample(method=method, wire_fault=fault))
    assert prepared.method == "POST"
    assert prepared.body == apply_wire_fault(encode_form(sample().params), fault)
    assert urlsplit(prepared.url).query == ""
    assert header_signature(prepared)["sig"] == botocore_signature(
        prepared, PERMITTED.secret_access_key
    )


def test_payload_hash_is_of_the_raw_body() -> None:
    """The canonical request hashes the exact body bytes, 0xFF included."""
    body = b"Action=ImportInstance&Description=\xff"
    url, headers = sign_request(
        "POST",
        "http://127.0.0.1:1/",
        [("Host", "127.0.0.1:1")],
        body,
        credentials=PERMITTED,
        region="us-east-1",
        when=NOW,
    )
    request = AWSRequest(method="POST", url=url, headers=dict(headers), data=body)
    canonical = SigV4Auth(BotoCredentials("a", "b"), "ec2", "us-east-1").canonical_request(request)
    assert canonical.endswith(hashlib.sha256(body).hexdigest())
