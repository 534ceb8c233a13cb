"""The reference's SigV4 verifier against botocore's own signers (SigV4Auth, SigV4QueryAuth).

Requests are signed by botocore and handed to the verifier as the bytes a server would see:
the query string as sent, the body as sent, the headers (plus the Host the HTTP client adds).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import botocore.credentials
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from ec2conformance.model import Credentials
from ec2conformance.reference import DENIED, PERMITTED, Identities
from ec2conformance.reference.catalogue import EC2Error
from ec2conformance.reference.sigv4 import Verifier, canonical_query_strings
from ec2conformance.reference.wire import HttpRequest

T0 = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
URL = "http://127.0.0.1:8080/"
HOST = "127.0.0.1:8080"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
VERIFIER = Verifier(Identities(), "us-east-1")


def botocore_signed(
    method: str = "POST",
    url: str = URL,
    *,
    data: bytes | dict[str, str] = b"Action=ImportInstance&Version=2016-11-15",
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    credentials: Credentials = PERMITTED,
    query: bool = False,
    expires: int = 300,
    region: str = "us-east-1",
    service: str = "ec2",
    when: datetime = T0,
) -> HttpRequest:
    """A request signed by botocore, as the server receives it."""
    if headers is None:
        headers = {"Content-Type": FORM} if method == "POST" else {}
    if query and isinstance(data, bytes):
        # SigV4QueryAuth moves a form body into the query string; it wants it as a dict.
        data = dict(parse_qsl(data.decode("utf-8")))
    request = AWSRequest(method=method, url=url, data=data, params=params or {}, headers=headers)
    creds = botocore.credentials.Credentials(
        credentials.access_key_id, credentials.secret_access_key
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
        if query:
            SigV4QueryAuth(creds, service, region, expires=expires).add_auth(request)
        else:
            SigV4Auth(creds, service, region).add_auth(request)
    prepared = request.prepare()
    sent = {name.lower(): value for name, value in prepared.headers.items()}
    sent.setdefault("host", HOST)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(
        method=prepared.method,
        path="/",
        query=urlsplit(prepared.url).query.encode("latin-1"),
        headers=sent,
        body=body,
    )


def code_of(request: HttpRequest, now: datetime = T0) -> str | None:
    try:
        VERIFIER.authenticate(request, now)
    except EC2Error as error:
        return error.code
    return None


# --------------------------------------------------------------------------------------
# What botocore signs, the verifier accepts

ACCEPTED = {
    "post-form": {},
    "post-empty-body": {"data": b""},
    "post-raw-bytes": {"data": b"Description=\xff\x00\x85&=x&%zz"},
    "post-large-body": {"data": b"Description=" + b"x" * 500_000},
    "post-no-content-type": {"headers": {}},
    "post-odd-header-spacing": {"headers": {"Content-Type": FORM, "X-Custom": "  a   b \t c  "}},
    "post-date-header": {"headers": {"Content-Type": FORM, "Date": "ignored by botocore"}},
    "get-url-query": {
        "method": "GET",
        "url": URL + "?Action=ImportInstance&Version=2016-11-15&Description=a+b%20c%7E~",
        "data": b"",
    },
    "get-url-unsorted-repeated-empty-pairs": {
        "method": "GET",
        "url": URL + "?b=2&a=2&a=1&&c&=x&d=%zz",
        "data": b"",
    },
    "get-params": {
        "method": "GET",
        "params": {"Action": "ImportInstance", "Description": "a b/c~é\U0001f600*'()"},
        "data": b"",
    },
    "get-utf8-url": {"method": "GET", "url": URL + "?Description=%C3%A9%F0%9F%98%80", "data": b""},
    "query-get": {"method": "GET", "url": URL + "?Action=ImportInstance", "query": True},
    "query-get-params": {
        "method": "GET",
        "params": {"Action": "ImportInstance", "Description": "x y+z"},
        "query": True,
        "data": b"",
    },
    "query-post-moves-body": {
        "data": {"Action": "ImportInstance", "Description": "a b"},
        "query": True,
    },
    "denied-identity": {"credentials": DENIED},
}


@pytest.mark.parametrize("kwargs", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_botocore_signatures_verify(kwargs):
    """AUTH-QUERY-SIGNATURE and every signed row: a botocore signature is accepted."""
    request = botocore_signed(**kwargs)
    credentials = kwargs.get("credentials", PERMITTED)
    principal = VERIFIER.authenticate(request, T0)
    assert principal.access_key_id == credentials.access_key_id
    assert principal.permitted is (credentials is PERMITTED)


def test_declared_payload_hash():
    """An ``X-Amz-Content-SHA256`` header is used as botocore uses it, and must be true."""
    body = b"Action=ImportInstance"
    good = {"Content-Type": FORM, "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
    assert code_of(botocore_signed(data=body, headers=good)) is None
    unsigned = {"Content-Type": FORM, "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    assert code_of(botocore_signed(data=body, headers=unsigned)) == "AuthFailure"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    body=st.binary(max_size=200),
    names=st.lists(st.text(min_size=1, max_size=8), max_size=4),
    values=st.lists(st.text(max_size=12), max_size=4),
    flip=st.integers(min_value=0),
)
def test_any_body_and_params_verify_and_any_change_breaks(body, names, values, flip):
    """Over arbitrary bytes and parameters: botocore's signature verifies; one flipped bit
    in the body, or one extra query parameter, makes it fail (AUTH-BAD-SIGNATURE)."""
    params = dict(zip(names, values, strict=False))
    request = botocore_signed(data=body, params=params)
    assert code_of(request) is None
    if body:
        position = flip % len(body)
        changed = body[:position] + bytes([body[position] ^ 1]) + body[position + 1 :]
        tampered = HttpRequest(request.method, "/", request.query, request.headers, changed)
        assert code_of(tampered) == "AuthFailure"
    extra = request.query + (b"&" if request.query else b"") + b"Injected=1"
    injected = HttpRequest(request.method, "/", extra, request.headers, request.body)
    assert code_of(injected) == "AuthFailure"


# --------------------------------------------------------------------------------------
# Failures, each with the first alternative of its row


def test_unsigned_is_missing_authentication_token():
    """AUTH-UNSIGNED."""
    request = HttpRequest("POST", "/", b"", {"host": HOST}, b"Action=ImportInstance")
    assert code_of(request) == "MissingAuthenticationToken"


def test_sigv4_names_in_a_post_body_do_not_sign():
    """``X-Amz-Signature`` in a POST body is not a query signature (outside the contract)."""
    signed = botocore_signed("GET", URL + "?Action=ImportInstance", query=True, data=b"")
    request = HttpRequest("POST", "/", b"", {"host": HOST}, signed.query)
    assert code_of(request) == "MissingAuthenticationToken"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        pytest.param({"credentials": Credentials(PERMITTED.access_key_id, "x")}, "AuthFailure",
                     id="AUTH-BAD-SIGNATURE[secret]"),
        pytest.param({"service": "s3"}, "AuthFailure", id="AUTH-BAD-SIGNATURE[service]"),
        pytest.param({"region": "eu-west-1"}, "AuthFailure", id="AUTH-BAD-SIGNATURE[region]"),
        pytest.param({"credentials": Credentials("AKIDNOBODY", "x")}, "AuthFailure",
                     id="AUTH-UNKNOWN-KEY"),
        pytest.param({"when": T0 - timedelta(minutes=20)}, "RequestExpired", id="AUTH-EXPIRED"),
        pytest.param({"when": T0 + timedelta(minutes=20)}, "RequestExpired",
                     id="AUTH-EXPIRED[future]"),
        pytest.param({"credentials": Credentials(PERMITTED.access_key_id, "x"), "query": True},
                     "AuthFailure", id="AUTH-BAD-SIGNATURE[query]"),
        pytest.param({"service": "s3", "query": True}, "AuthFailure",
                     id="AUTH-BAD-SIGNATURE[query-service]"),
        pytest.param({"when": T0 - timedelta(minutes=20), "query": True, "expires": 3600},
                     "RequestExpired", id="AUTH-EXPIRED[query-15-minutes]"),
    ],
)  # fmt: skip
def test_bad_signatures(kwargs, code):
    assert code_of(botocore_signed(**kwargs)) == code


@pytest.mark.parametrize(
    ("offset", "code"),
    [
        (timedelta(minutes=15), None),
        (timedelta(minutes=15, seconds=1), "RequestExpired"),
        (timedelta(minutes=-15), None),
        (timedelta(minutes=-15, seconds=-1), "RequestExpired"),
    ],
    ids=["15-min-old", "just-over-15-min-old", "15-min-ahead", "just-over-15-min-ahead"],
)
def test_header_clock_window(offset, code):
    """AUTH-EXPIRED: the header form allows 15 minutes either way."""
    assert code_of(botocore_signed(), now=T0 + offset) == code


@pytest.mark.parametrize(
    ("expires", "elapsed", "code"),
    [
        (300, timedelta(seconds=300), None),
        (300, timedelta(seconds=301), "RequestExpired"),
        (3600, timedelta(minutes=15), None),
        (3600, timedelta(minutes=15, seconds=1), "RequestExpired"),
        (604800, timedelta(0), None),
        (604801, timedelta(0), "AuthFailure"),
    ],
)
def test_query_expiry(expires, elapsed, code):
    """The query form: valid for X-Amz-Expires, and never more than 15 minutes after signing."""
    request = botocore_signed("GET", URL + "?Action=ImportInstance", query=True, expires=expires)
    assert code_of(request, now=T0 + elapsed) == code


def _header(request: HttpRequest, name: str, value: str | None) -> HttpRequest:
    headers = dict(request.headers)
    if value is None:
        headers.pop(name, None)
    else:
        headers[name] = value
    return HttpRequest(request.method, request.path, request.query, headers, request.body)


def _authorization(request: HttpRequest, old: str, new: str) -> HttpRequest:
    return _header(request, "authorization", request.headers["authorization"].replace(old, new))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        pytest.param(lambda r: _authorization(r, "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA512 "),
                     "IncompleteSignature", id="algorithm"),
        pytest.param(lambda r: _authorization(r, "Credential=", "Kredential="),
                     "IncompleteSignature", id="no-credential"),
        pytest.param(lambda r: _authorization(r, "SignedHeaders=", "Signed="),
                     "IncompleteSignature", id="no-signed-headers"),
        pytest.param(lambda r: _authorization(r, "Signature=", "Sig="),
                     "IncompleteSignature", id="no-signature"),
        pytest.param(lambda r: _authorization(r, ", Signature=", ", Signature=, X="),
                     "IncompleteSignature", id="empty-signature"),
        pytest.param(lambda r: _authorization(r, "/aws4_request", "/aws5_request"),
                     "IncompleteSignature", id="terminator"),
        pytest.param(lambda r: _authorization(r, "Credential=", "Credential=/"),
                     "IncompleteSignature", id="scope-parts"),
        pytest.param(lambda r: _header(r, "authorization", ""), "IncompleteSignature",
                     id="empty-header"),
        pytest.param(lambda r: _header(r, "x-amz-date", "2026-11-26T12:00:00Z"),
                     "IncompleteSignature", id="date-iso"),
        pytest.param(lambda r: _header(r, "x-amz-date", "20261399T250000Z"),
                     "IncompleteSignature", id="date-impossible"),
        pytest.param(lambda r: _header(r, "x-amz-date", None), "IncompleteSignature",
                     id="no-date"),
        pytest.param(lambda r: _authorization(r, "/20261126/", "/20261125/"), "AuthFailure",
                     id="scope-date"),
        pytest.param(lambda r: _authorization(r, "SignedHeaders=content-type;host;",
                                              "SignedHeaders=content-type;"), "AuthFailure",
                     id="host-unsigned"),
        pytest.param(lambda r: _header(r, "content-type", None), "AuthFailure",
                     id="signed-header-absent"),
        pytest.param(lambda r: _header(r, "content-type", "text/plain"), "AuthFailure",
                     id="signed-header-changed"),
        pytest.param(lambda r: _header(r, "host", "example.com"), "AuthFailure",
                     id="host-changed"),
        pytest.param(lambda r: _header(r, "user-agent", "changed"), None,
                     id="unsigned-header-changed"),
        pytest.param(lambda r: _header(r, "x-amz-security-token", "tok"), "AuthFailure",
                     id="session-token"),
        pytest.param(lambda r: _authorization(r, "Signature=", "Signature=\u00e9\u2603"),
                     "AuthFailure", id="non-ascii-signature"),
        pytest.param(lambda r: _header(r, "authorization",
                                       r.headers["authorization"].replace(", ", " ,  ")),
                     None, id="spacing-in-header"),
    ],
)  # fmt: skip
def test_header_form_faults(change, code):
    """AUTH-MALFORMED (IncompleteSignature) and AUTH-BAD-SIGNATURE (AuthFailure)."""
    assert code_of(change(botocore_signed())) == code


def _query_param(request: HttpRequest, name: str, value: str | None) -> HttpRequest:
    pairs = [p.partition(b"=") for p in request.query.split(b"&")]
    out = []
    for key, _, old in pairs:
        if key == name.encode():
            if value is not None:
                out.append(key + b"=" + value.encode())
        else:
            out.append(key + b"=" + old)
    return HttpRequest(request.method, request.path, b"&".join(out), request.headers, request.body)


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA512", "IncompleteSignature"),
        ("X-Amz-Algorithm", None, "IncompleteSignature"),
        ("X-Amz-Credential", None, "IncompleteSignature"),
        ("X-Amz-SignedHeaders", None, "IncompleteSignature"),
        ("X-Amz-Signature", None, "IncompleteSignature"),
        ("X-Amz-Date", None, "IncompleteSignature"),
        ("X-Amz-Date", "2026-11-26T12%3A00%3A00Z", "IncompleteSignature"),
        ("X-Amz-Expires", "soon", "IncompleteSignature"),
        ("X-Amz-Expires", "301", "AuthFailure"),
        ("X-Amz-Signature", "0" * 64, "AuthFailure"),
        ("Action", "DescribeConversionTasks", "AuthFailure"),
    ],
)
def test_query_form_faults(name, value, code):
    request = botocore_signed("GET", URL + "?Action=ImportInstance", query=True, data=b"")
    assert code_of(_query_param(request, name, value)) == code


def test_query_form_given_twice_is_incomplete():
    request = botocore_signed("GET", URL + "?Action=ImportInstance", query=True, data=b"")
    doubled = HttpRequest(
        "GET", "/", request.query + b"&X-Amz-Date=20261126T120000Z", request.headers, b""
    )
    assert code_of(doubled) == "IncompleteSignature"


def test_denied_identity_authenticates_without_permission():
    """The denied identity is known (not AuthFailure) but not permitted (stage 5 decides)."""
    principal = VERIFIER.authenticate(botocore_signed(credentials=DENIED), T0)
    assert principal.access_key_id == DENIED.access_key_id and not principal.permitted


def test_identities_without_a_denied_one():
    verifier = Verifier(Identities(denied=None), "us-east-1")
    with pytest.raises(EC2Error) as caught:
        verifier.authenticate(botocore_signed(credentials=DENIED), T0)
    assert caught.value.code == "AuthFailure"


def test_other_region_endpoint():
    verifier = Verifier(Identities(), "eu-west-1")
    assert verifier.authenticate(botocore_signed(region="eu-west-1"), T0).permitted
    with pytest.raises(EC2Error):
        verifier.authenticate(botocore_signed(), T0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"", [b""]),
        (b"b=2&a=1", [b"a=1&b=2"]),
        (b"a=x+y", [b"a=x+y", b"a=x%20y"]),
        (b"a=%7e", [b"a=%7e", b"a=~"]),
        (b"a=1&&b", [b"=&a=1&b=", b"a=1&b="]),
    ],
)
def test_canonical_query_string_readings(query, expected):
    """botocore's raw reading first, then the decoded and re-encoded one where it differs."""
    assert canonical_query_strings(query, exclude_signature=False) == expected
