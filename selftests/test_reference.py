"""The reference endpoint over HTTP: a real boto3 client, and raw requests signed by botocore.

Every requirement row of golden/requirements.json has at least one case here (the case id
starts with the requirement id): every example case of golden/cases.json, sent by this
file's own means, and the requests the data does not have. The expected answer is always
the row's FIRST alternative, and the expected statuses are written out from
golden/error-catalogue.json by hand, so that a mistake in the reference's reading of the
catalogue shows.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from unittest import mock
from urllib.parse import quote, urlencode, urlsplit

import boto3
import botocore.config
import botocore.credentials
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError
from lxml import etree

from ec2conformance import golden
from ec2conformance.cases import example_cases
from ec2conformance.model import (
    SAMPLE_MANIFEST_URL,
    SAMPLE_PARAMS,
    AuthFault,
    Credentials,
    Identity,
    RequestSpec,
    Signing,
    WireFault,
    sample_api_parameters,
)
from ec2conformance.reference import DENIED, PERMITTED, start

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
HEAD = (("Action", "ImportInstance"), ("Version", "2016-11-15"))
SAMPLE = HEAD + SAMPLE_PARAMS
WRONG_SECRET = Credentials(PERMITTED.access_key_id, "not-the-secret")
UNKNOWN_KEY = Credentials("AKIDUNKNOWNKEY000001", "whatever")

# --------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def server():
    running = start()
    yield running
    running.stop()
    assert running.defects == [], "the reference answered InternalError to some request"


def ec2_client(server, credentials: Credentials = PERMITTED):
    return boto3.client(
        "ec2",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


@dataclass
class Answer:
    """One HTTP answer, with the parts the checks read."""

    status: int
    content_type: str
    body: bytes

    @cached_property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    def first(self, local_name: str) -> etree._Element | None:
        found = self.root.xpath(f"//*[local-name()='{local_name}']")
        return found[0] if found else None

    def text(self, local_name: str) -> str | None:
        element = self.first(local_name)
        return None if element is None else (element.text or "")

    @property
    def code(self) -> str | None:
        found = self.root.xpath("//*[local-name()='Error']/*[local-name()='Code']")
        return (found[0].text or "").strip() if found else None


def exchange(
    server,
    method: str,
    target: bytes,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
) -> Answer:
    """Send exactly these bytes (no client library rewrites them) and read the answer."""
    names = {name.lower() for name, _ in headers}
    lines = [method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: 127.0.0.1:{server.port}".encode())
    lines += [f"{name}: {value}".encode("latin-1") for name, value in headers]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}".encode())
    lines.append(b"Connection: close")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        data = response.read()
    return Answer(response.status, response.getheader("Content-Type", ""), data)


def sign(
    server,
    method: str,
    *,
    query: str = "",
    body: bytes | dict[str, str] = b"",
    credentials: Credentials = PERMITTED,
    signing: str = "header",
    service: str = "ec2",
    region: str = "us-east-1",
    when: datetime | None = None,
    content_type: str | None = FORM_CONTENT_TYPE,
) -> tuple[bytes, list[tuple[str, str]], bytes]:
    """Sign with botocore's own signers; returns the target, headers and body to send."""
    url = f"http://127.0.0.1:{server.port}/" + (f"?{query}" if query else "")
    headers = {"Content-Type": content_type} if content_type and method == "POST" else {}
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    moment = (when or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    creds = botocore.credentials.Credentials(
        credentials.access_key_id, credentials.secret_access_key
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        if signing == "header":
            SigV4Auth(creds, service, region).add_auth(request)
        else:
            SigV4QueryAuth(creds, service, region, expires=300).add_auth(request)
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent_body = request.body or b""
    return target.encode("ascii"), list(request.headers.items()), sent_body


@dataclass(frozen=True)
class Req:
    """A request of a case: parameters, how they travel and who signs them."""

    params: tuple[tuple[str, str], ...] = SAMPLE
    method: str = "POST"
    credentials: Credentials = PERMITTED
    signing: str = "header"  # header, query, none
    raw: bytes | None = None  # the encoded parameters as sent, when not just encoded
    when_offset: timedelta = timedelta(0)
    service: str = "ec2"
    auth_rewrite: tuple[str, str] | None = None  # (regex, replacement) on Authorization
    date_header: str | None = None  # replaces X-Amz-Date after signing
    extra_headers: tuple[tuple[str, str], ...] = field(default=())


def encoded(params: Sequence[tuple[str, str]], method: str = "POST") -> bytes:
    if method == "POST":
        return urlencode(list(params)).encode("ascii")
    return urlencode(list(params), quote_via=quote).encode("ascii")


def send(server, req: Req) -> Answer:
    data = req.raw if req.raw is not None else encoded(req.params, req.method)
    if req.signing == "none":
        if req.method == "POST":
            return exchange(server, "POST", b"/", [("Content-Type", FORM_CONTENT_TYPE)], body=data)
        return exchange(server, "GET", b"/?" + data)
    when = datetime.now(UTC) + req.when_offset
    if req.method == "POST" and req.signing == "header":
        target, headers, body = sign(
            server, "POST", body=data, credentials=req.credentials, when=when, service=req.service
        )
    elif req.method == "POST":
        target, headers, body = sign(
            server,
            "POST",
            body=dict(req.params),
            credentials=req.credentials,
            signing="query",
            when=when,
            service=req.service,
        )
    else:
        target, headers, body = sign(
            server,
            "GET",
            query=data.decode("ascii"),
            credentials=req.credentials,
            signing=req.signing,
            when=when,
            service=req.service,
        )
    headers = [(k, v) for k, v in headers if k.lower() != "host"]
    if req.auth_rewrite is not None:
        pattern, replacement = req.auth_rewrite
        headers = [
            (k, re.sub(pattern, replacement, v) if k.lower() == "authorization" else v)
            for k, v in headers
        ]
    if req.date_header is not None:
        headers = [(k, req.date_header if k.lower() == "x-amz-date" else v) for k, v in headers]
    return exchange(server, req.method, target, headers + list(req.extra_headers), body)


def sample(*changes: tuple[str, str | None], extra: Sequence[tuple[str, str]] = ()) -> tuple:
    """The sample with some parameters replaced (in place) or removed (None), and more added."""
    wanted = dict(changes)
    out = []
    for name, value in SAMPLE:
        if name in wanted:
            if wanted[name] is not None:
                out.append((name, wanted.pop(name)))
            else:
                wanted.pop(name)
        else:
            out.append((name, value))
    out += [(name, value) for name, value in wanted.items() if value is not None]
    return tuple(out) + tuple(extra)


def assert_error(answer: Answer, code: str, status: int) -> None:
    """The error envelope (ERR-ENVELOPE, ERR-NAMESPACE, ERR-CONTENT-TYPE) with code and status."""
    assert (answer.status, answer.code) == (status, code), answer.body
    assert answer.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert answer.content_type.split(";")[0].strip().lower() == "text/xml"
    root = answer.root
    assert root.tag == "Response"  # no namespace (ERR-NAMESPACE)
    assert root.nsmap == {}
    assert [child.tag for child in root] == ["Errors", "RequestID"]
    error = root.find("Errors/Error")
    assert [child.tag for child in error] == ["Code", "Message"]
    assert (error.findtext("Message") or "").strip()
    assert (root.findtext("RequestID") or "").strip()


def assert_import_ok(answer: Answer) -> None:
    assert answer.status == 200, answer.body
    assert answer.root.tag == f"{{{NAMESPACE}}}ImportInstanceResponse"
    assert answer.first("conversionTask") is not None


# --------------------------------------------------------------------------------------
# A real boto3 client (WIRE-POST, RESP-SDK-PARSE, PERM-*, LIFE-*)

SAMPLE_KWARGS = sample_api_parameters()


def test_boto3_import_instance_parses_into_model_types(server):
    """WIRE-POST, RESP-SDK-PARSE: botocore reads the task with integers where the model has them."""
    task = ec2_client(server).import_instance(**SAMPLE_KWARGS)["ConversionTask"]
    assert re.fullmatch(r"import-i-[0-9a-z]{8,17}", task["ConversionTaskId"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", task["ExpirationTime"])
    assert task["State"] == "active"
    instance = task["ImportInstance"]
    assert re.fullmatch(r"i-[0-9a-f]{17}", instance["InstanceId"])
    assert instance["Platform"] == "Windows"
    assert instance["Description"] == ""
    (volume,) = instance["Volumes"]
    assert volume["BytesConverted"] == 0 and type(volume["BytesConverted"]) is int
    assert volume["Image"]["Size"] == 1179593728 and type(volume["Image"]["Size"]) is int
    assert volume["Volume"]["Size"] == 12 and type(volume["Volume"]["Size"]) is int
    assert volume["Image"]["Format"] == "VMDK"
    assert volume["Image"]["ImportManifestUrl"] == SAMPLE_MANIFEST_URL
    assert volume["AvailabilityZone"] == "us-east-1a"
    assert re.fullmatch(r"vol-[0-9a-f]{17}", volume["Volume"]["Id"])
    assert volume["Status"] == "active"


def test_boto3_dry_run_is_412_dry_run_operation(server):
    """PERM-DRYRUN-PERMITTED through the SDK."""
    with pytest.raises(ClientError) as caught:
        ec2_client(server).import_instance(DryRun=True, **SAMPLE_KWARGS)
    error = caught.value.response
    assert error["Error"]["Code"] == "DryRunOperation"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert error["ResponseMetadata"]["RequestId"]


@pytest.mark.parametrize("dry_run", [False, True], ids=["PERM-DENIED", "PERM-DRYRUN-DENIED"])
def test_boto3_denied_identity_is_403_unauthorized(server, dry_run):
    """PERM-DENIED, PERM-DRYRUN-DENIED through the SDK."""
    with pytest.raises(ClientError) as caught:
        ec2_client(server, DENIED).import_instance(DryRun=dry_run, **SAMPLE_KWARGS)
    error = caught.value.response
    assert error["Error"]["Code"] == "UnauthorizedOperation"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_boto3_describe_and_cancel(server):
    """LIFE-DESCRIBE, LIFE-CANCEL through the SDK."""
    client = ec2_client(server)
    created = client.import_instance(Description="life", **SAMPLE_KWARGS)["ConversionTask"]
    task_id = created["ConversionTaskId"]
    described = client.describe_conversion_tasks(ConversionTaskIds=[task_id])["ConversionTasks"]
    assert described == [created]
    assert task_id in {
        task["ConversionTaskId"] for task in client.describe_conversion_tasks()["ConversionTasks"]
    }
    answer = client.cancel_conversion_task(ConversionTaskId=task_id, ReasonMessage="done")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    (after,) = client.describe_conversion_tasks(ConversionTaskIds=[task_id])["ConversionTasks"]
    assert after["State"] == "cancelling"
    assert after["ImportInstance"] == created["ImportInstance"]
    with pytest.raises(ClientError) as caught:
        client.cancel_conversion_task(ConversionTaskId=task_id)
    assert caught.value.response["Error"]["Code"] == "DeleteConversionTaskError"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_boto3_describe_unknown_and_malformed_ids(server):
    """LIFE-UNKNOWN-TASK through the SDK."""
    client = ec2_client(server)
    for task_id, code in [
        ("import-i-zzzzzzzz", "InvalidConversionTaskId"),
        ("import-vol-0123456789abcdefg", "InvalidConversionTaskId"),
        ("foo", "InvalidConversionTaskId.Malformed"),
    ]:
        with pytest.raises(ClientError) as caught:
            client.describe_conversion_tasks(ConversionTaskIds=[task_id])
        assert caught.value.response["Error"]["Code"] == code


# --------------------------------------------------------------------------------------
# One case per requirement row at least, with the first alternative's code and status

IPV = "InvalidParameterValue"
MISSING = "MissingParameter"
UNKNOWN = "UnknownParameter"
MALFORMED = "MalformedQueryString"
AUTH = "AuthFailure"
# The catalogue's statuses, written out by hand (golden/error-catalogue.json): a code without
# one there is a client code, so 400.
STATUS = {
    "AuthFailure": 401,
    "DryRunOperation": 412,
    "IncompleteSignature": 400,
    "InvalidAction": 400,
    "InvalidParameterValue": 400,
    "MalformedQueryString": 404,
    "MissingAction": 400,
    "MissingAuthenticationToken": 403,
    "MissingParameter": 400,
    "NoSuchVersion": 400,
    "RequestExpired": 400,
    "UnauthorizedOperation": 403,
    "UnknownParameter": 400,
    "InvalidConversionTaskId": 400,
    "InvalidConversionTaskId.Malformed": 400,
    "DeleteConversionTaskError": 400,
    "InvalidRequest": 400,
}
DISK = "DiskImage.1."
LS = "LaunchSpecification."
DRY = ("DryRun", "true")
BODY = encoded(SAMPLE)
GET_QUERY = encoded(SAMPLE, "GET")


def bad(name: str, value: str | None, **kwargs) -> Req:
    """The sample with one parameter replaced (or removed, with None)."""
    return Req(params=sample((name, value)), **kwargs)


def plus(*pairs: tuple[str, str], **kwargs) -> Req:
    """The sample with parameters added."""
    return Req(params=sample(extra=pairs), **kwargs)


def renamed(old: str, new: str) -> Req:
    """The sample with ``old`` replaced by ``new`` in every name."""
    return Req(params=tuple((n.replace(old, new), v) for n, v in SAMPLE))


#: How this file sends each of the model's signature faults: botocore's own signer with
#: other credentials, another service, another clock, or a rewritten header (never the
#: suite's client).
AUTH_FAULTS = {
    AuthFault.WRONG_SECRET: {"credentials": WRONG_SECRET},
    AuthFault.WRONG_SERVICE: {"service": "s3"},
    AuthFault.UNKNOWN_KEY: {"credentials": UNKNOWN_KEY},
    AuthFault.EXPIRED: {"when_offset": timedelta(minutes=-20)},
    AuthFault.MALFORMED_ALGORITHM: {"auth_rewrite": (r"^AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")},
    AuthFault.MALFORMED_NO_CREDENTIAL: {"auth_rewrite": (r"Credential=[^,]*, ", "")},
    AuthFault.MALFORMED_NO_SIGNED_HEADERS: {"auth_rewrite": (r"SignedHeaders=[^,]*, ", "")},
    AuthFault.MALFORMED_NO_SIGNATURE: {"auth_rewrite": (r", Signature=.*$", "")},
    AuthFault.MALFORMED_DATE: {"date_header": "2026-11-26T12:00:00Z"},
}
#: What this file appends to the encoded parameters for each of the model's wire faults.
WIRE_FAULTS = {
    WireFault.BAD_PERCENT: b"&Description=%zz",
    WireFault.NON_UTF8_RAW: b"&Description=a\xff",
    WireFault.NON_UTF8_DECODED: b"&Description=%FF",
    WireFault.EMPTY_NAME: b"&=x",
}


def req_of(spec: RequestSpec) -> Req:
    """How this file sends ``spec``: its parameters and method, its identity's credentials,
    its signing, and its signature or wire fault done by this file's own means."""
    fault = dict(AUTH_FAULTS[spec.auth_fault]) if spec.auth_fault is not None else {}
    if "auth_rewrite" in fault or "date_header" in fault:
        assert spec.signing is Signing.HEADER, "a header rewrite needs a header signature"
    if spec.identity is Identity.DENIED:
        assert "credentials" not in fault, "the denied identity with other credentials"
        fault["credentials"] = DENIED
    raw = None
    if spec.wire_fault is not None:
        assert spec.get("Description") is None, "the fault's Description would repeat a name"
        raw = encoded(spec.params, spec.method) + WIRE_FAULTS[spec.wire_fault]
    return Req(params=spec.params, method=spec.method, signing=spec.signing.value, raw=raw, **fault)


def first_code(rid: str) -> str | None:
    """The code of the row's first (strict) alternative; ``None`` for success."""
    return golden.requirements()[rid].expected[0].code


# Requests golden/cases.json does not have: other encodings of a fault, other ways of
# sending, and faults next to a fault of a later stage.
EXTRA_ROWS = [
    ("WIRE-MALFORMED-QUERY", "short-percent", Req(raw=BODY + b"&Description=%4")),
    ("WIRE-MALFORMED-QUERY", "raw-surrogate", Req(raw=BODY + b"&Description=\xed\xa0\x80")),
    ("WIRE-MALFORMED-QUERY", "decoded-overlong", Req(raw=BODY + b"&Description=%C0%AF")),
    ("WIRE-MALFORMED-QUERY", "bad-name-escape", Req(raw=BODY + b"&%zz=x")),
    (
        "WIRE-MALFORMED-QUERY",
        "get-bad-percent",
        Req(method="GET", raw=GET_QUERY + b"&Description=%zz"),
    ),
    (
        "WIRE-MALFORMED-QUERY",
        "get-decoded-ff",
        Req(method="GET", raw=GET_QUERY + b"&Description=%FF"),
    ),
    ("WIRE-UNKNOWN-PARAM", "structure", plus((LS + "Placement", "x"))),
    ("WIRE-UNKNOWN-PARAM", "list-itself", plus(("DiskImage.1", "x"))),
    ("WIRE-UNKNOWN-PARAM", "other-action", plus(("ConversionTaskId", "import-i-abcdefgh"))),
    ("WIRE-UNKNOWN-PARAM", "case-description", plus(("description", "x"))),
    ("AUTH-UNSIGNED", "get", Req(method="GET", signing="none")),
    ("AUTH-BAD-SIGNATURE", "tampered", Req(auth_rewrite=(r"Signature=[0-9a-f]", "Signature=g"))),
    ("AUTH-BAD-SIGNATURE", "query", Req(method="GET", signing="query", credentials=WRONG_SECRET)),
    ("AUTH-UNKNOWN-KEY", "query", Req(method="GET", signing="query", credentials=UNKNOWN_KEY)),
    ("AUTH-EXPIRED", "future", Req(when_offset=timedelta(minutes=20))),
    (
        "AUTH-EXPIRED",
        "query",
        Req(method="GET", signing="query", when_offset=timedelta(minutes=-20)),
    ),
    ("AUTH-MALFORMED", "scope", Req(auth_rewrite=(r"/aws4_request", ""))),
    ("AUTH-MALFORMED", "sigv2-header", Req(auth_rewrite=(r"^.*$", "AWS AKIDREFPERMITTED0001:abc"))),
    ("AUTH-QUERY-SIGNATURE", "post", Req(signing="query")),
    ("PARAM-PLATFORM-INVALID", "junk", bad("Platform", "W" * 300 + "\u2603")),
    ("PARAM-TEXT-INVALID", "zone-nul", plus((LS + "Placement.AvailabilityZone", "us\x00"))),
    ("PARAM-TEXT-INVALID", "disk-description-ufffe", plus((DISK + "Description", "\ufffe"))),
    (
        "DISK-FIELD-MISSING",
        "description-only",
        Req(params=(*HEAD, ("Platform", "Windows"), (DISK + "Description", "d"))),
    ),
    ("DISK-FORMAT-INVALID", "control", bad(DISK + "Image.Format", "VMDK\x00")),
    ("DISK-BYTES-INVALID", "unicode-digit", bad(DISK + "Image.Bytes", "\u0665")),
    ("DISK-SIZE-INVALID", "newline", bad(DISK + "Volume.Size", "12\n")),
    ("DISK-SIZE-INVALID", "thirty-digits", bad(DISK + "Volume.Size", "9" * 30)),
    ("DISK-MANIFEST-URL-INVALID", "no-host", bad(DISK + "Image.ImportManifestUrl", "https:///m")),
    (
        "DISK-MANIFEST-URL-INVALID",
        "control",
        bad(DISK + "Image.ImportManifestUrl", "https://h/\x0b"),
    ),
    ("DISK-MULTIPLE", "partial-second", plus(("DiskImage.3.Volume.Size", "12"))),
    # A disk image whose own index is bad: no valid disk image either (stage 3 before 4).
    ("LIST-INDEX-INVALID", "disk-zero", renamed(".1.", ".0.")),
    ("LIST-INDEX-INVALID", "disk-leading-zero", renamed(".1.", ".01.")),
    ("LIST-INDEX-INVALID", "disk-letter", renamed(".1.", ".x.")),
    ("LIST-INDEX-INVALID", "disk-empty", renamed(".1.", "..")),
    ("LIST-INDEX-INVALID", "disk-too-large", renamed(".1.", ".2147483648.")),
    ("LAUNCH-ENUM-INVALID", "architecture-short", bad(LS + "Architecture", "x86")),
    (
        "LAUNCH-ENUM-INVALID",
        "shutdown-capitalised",
        plus((LS + "InstanceInitiatedShutdownBehavior", "Stop")),
    ),
    ("LAUNCH-BOOLEAN-INVALID", "upper-case", plus((LS + "Monitoring", "TRUE"))),
    (
        "LAUNCH-INTEGER-INVALID",
        "low-no-group",
        plus((LS + "Placement.PartitionNumber", "-2147483649")),
    ),
    ("LAUNCH-IP-INVALID", "short-no-subnet", plus((LS + "PrivateIpAddress", "10.0.1"))),
]
ROWS = [
    pytest.param(req_of(case.spec), case.requirement, id=f"{case.requirement}[{case.name}]")
    for case in example_cases()
] + [pytest.param(req, rid, id=f"{rid}[{name}]") for rid, name, req in EXTRA_ROWS]


@pytest.mark.parametrize(("req", "rid"), ROWS)
def test_requirement_rows(server, req, rid):
    """Each row's request gets the first alternative the contract lists, with its status."""
    answer = send(server, req)
    code = first_code(rid)
    if code is None:
        assert_import_ok(answer)
    else:
        assert_error(answer, code, STATUS[code])


# --------------------------------------------------------------------------------------
# Order of checks: several faults in one request, the earliest stage answers

ORDER = [
    (
        "unsigned+missing-platform",
        bad("Platform", None, signing="none"),
        "MissingAuthenticationToken",
    ),
    (
        "unsigned+malformed-query",
        Req(raw=BODY + b"&Description=%zz", signing="none"),
        "MissingAuthenticationToken",
    ),
    ("unsigned+dry-run", plus(DRY, signing="none"), "MissingAuthenticationToken"),
    ("bad-signature+malformed-query", Req(raw=BODY + b"&=x", credentials=WRONG_SECRET), AUTH),
    ("unknown-key+no-action", Req(params=SAMPLE[1:], credentials=UNKNOWN_KEY), AUTH),
    (
        "expired+no-action",
        Req(params=SAMPLE[1:], when_offset=timedelta(minutes=-20)),
        "RequestExpired",
    ),
    (
        "malformed-query+unknown-param",
        Req(raw=encoded(sample(extra=[("Colour", "red")])) + b"&Description=%FF"),
        MALFORMED,
    ),
    (
        "bad-version+unknown-param",
        Req(params=sample(("Version", "latest"), extra=[("Colour", "red")])),
        "NoSuchVersion",
    ),
    ("unknown-action+denied", bad("Action", "RunWidget", credentials=DENIED), "InvalidAction"),
    ("no-version+dry-run", Req(params=sample(("Version", None), extra=[DRY])), MISSING),
    ("unknown-param+dry-run", plus(("Colour", "red"), DRY), UNKNOWN),
    (
        "unknown-param+missing-platform",
        Req(params=sample(("Platform", None), extra=[("Colour", "red")])),
        UNKNOWN,
    ),
    (
        "bad-index+missing-platform",
        Req(params=sample(("Platform", None), extra=[(LS + "GroupId.0", "sg-1")])),
        UNKNOWN,
    ),
    ("unknown-param+denied", plus(("Colour", "red"), credentials=DENIED), UNKNOWN),
    ("missing-platform+denied", bad("Platform", None, credentials=DENIED), MISSING),
    ("missing-platform+dry-run", Req(params=sample(("Platform", None), extra=[DRY])), MISSING),
    (
        "bad-bytes+denied+dry-run",
        Req(params=sample((DISK + "Image.Bytes", "0"), extra=[DRY]), credentials=DENIED),
        IPV,
    ),
    ("bad-dry-run+denied", plus(("DryRun", "maybe"), credentials=DENIED), IPV),
    ("denied+dry-run", plus(DRY, credentials=DENIED), "UnauthorizedOperation"),
    (
        "beyond-domain+missing-platform",
        Req(params=sample(("Platform", None), extra=[("Description", "d" * 1001)])),
        MISSING,
    ),
    (
        "beyond-domain+bad-bytes",
        Req(params=sample((DISK + "Image.Bytes", "x"), extra=[(LS + "Placement.HostId", "h")])),
        IPV,
    ),
]


@pytest.mark.parametrize(("req", "code"), [pytest.param(*row[1:], id=row[0]) for row in ORDER])
def test_order_of_checks(server, req, code):
    """Stage 1, then 2, 3, 4, 5, 6: the earliest stage's fault answers ("Order of checks")."""
    assert_error(send(server, req), code, STATUS[code])


# --------------------------------------------------------------------------------------
# Valid requests at the edges of the domain are accepted (FUZZ-ORACLE)

GROUPS = [(f"LaunchSpecification.GroupName.{i}", f"g{i}") for i in range(1, 11)]
VALID = [
    (
        "leading-zeros",
        sample(("DiskImage.1.Image.Bytes", "0001179593728"), ("DiskImage.1.Volume.Size", "0012")),
    ),
    ("bytes-fill-volume", sample(("DiskImage.1.Image.Bytes", str(12 * 2**30)))),
    ("largest-volume", sample(("DiskImage.1.Volume.Size", "16384"))),
    ("non-contiguous-index", tuple((n.replace(".1.", ".7."), v) for n, v in SAMPLE)),
    ("largest-index", tuple((n.replace(".1.", ".2147483647."), v) for n, v in SAMPLE)),
    (
        "minimal",
        (*HEAD, ("Platform", "Windows"), *(p for p in SAMPLE if p[0].startswith(DISK))),
    ),
    ("every-format-raw", sample(("DiskImage.1.Image.Format", "RAW"))),
    ("every-format-vhd", sample(("DiskImage.1.Image.Format", "VHD"))),
    ("url-scheme-case", sample(("DiskImage.1.Image.ImportManifestUrl", "HtTpS://h"))),
    ("url-fragment", sample(("DiskImage.1.Image.ImportManifestUrl", "https://h#f@x"))),
    ("ten-groups", sample(extra=GROUPS)),
    (
        "group-ids",
        sample(
            extra=[
                ("LaunchSpecification.GroupId.3", "sg-3"),
                ("LaunchSpecification.GroupId.1", "sg-1"),
            ]
        ),
    ),
    (
        "partition-zero",
        sample(
            extra=[
                ("LaunchSpecification.Placement.GroupId", "pg-1"),
                ("LaunchSpecification.Placement.PartitionNumber", "0"),
            ]
        ),
    ),
    (
        "partition-max",
        sample(
            extra=[
                ("LaunchSpecification.Placement.GroupName", "pg"),
                ("LaunchSpecification.Placement.PartitionNumber", "2147483647"),
            ]
        ),
    ),
    (
        "private-ip",
        sample(
            extra=[
                ("LaunchSpecification.SubnetId", "subnet-1"),
                ("LaunchSpecification.PrivateIpAddress", "0.10.255.199"),
            ]
        ),
    ),
    ("userdata-empty", sample(extra=[("LaunchSpecification.UserData.Data", "")])),
    (
        "userdata-padded",
        sample(extra=[("LaunchSpecification.UserData.Data", "aGVs" * 1023 + "aQ==")]),
    ),
    (
        "monitoring-tenancy-shutdown",
        sample(
            extra=[
                ("LaunchSpecification.Monitoring", "true"),
                ("LaunchSpecification.Placement.Tenancy", "dedicated"),
                ("LaunchSpecification.InstanceInitiatedShutdownBehavior", "terminate"),
            ]
        ),
    ),
    ("additional-info", sample(extra=[("LaunchSpecification.AdditionalInfo", "x" * 255)])),
    (
        "long-descriptions",
        sample(
            extra=[("Description", "\U0001f600" * 1000), ("DiskImage.1.Description", "é" * 1000)]
        ),
    ),
    (
        "empty-values",
        sample(
            extra=[
                ("Description", ""),
                ("DiskImage.1.Description", ""),
                ("LaunchSpecification.Placement.AvailabilityZone", ""),
            ]
        ),
    ),
    ("sigv2-names-known", sample(extra=[("SignatureVersion", "2")])),
]


@pytest.mark.parametrize("params", [pytest.param(p, id=i) for i, p in VALID])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_valid_requests_at_the_edges_are_accepted(server, params, method):
    """FUZZ-ORACLE: requests inside the valid domain, however unusual, get 200."""
    assert_import_ok(send(server, Req(params=params, method=method)))


OUTSIDE = [
    ("duplicate-name", Req(raw=encoded(SAMPLE) + b"&Platform=Windows")),
    ("description-too-long", Req(params=sample(extra=[("Description", "d" * 1001)]))),
    ("volume-too-large", Req(params=sample(("DiskImage.1.Volume.Size", "16385")))),
    (
        "eleven-groups",
        Req(params=sample(extra=[*GROUPS, ("LaunchSpecification.GroupName.11", "g")])),
    ),
    ("host-id", Req(params=sample(extra=[("LaunchSpecification.Placement.HostId", "h-1")]))),
    (
        "group-name-and-id",
        Req(
            params=sample(
                extra=[
                    ("LaunchSpecification.Placement.GroupName", "a"),
                    ("LaunchSpecification.Placement.GroupId", "b"),
                ]
            )
        ),
    ),
    (
        "negative-partition",
        Req(
            params=sample(
                extra=[
                    ("LaunchSpecification.Placement.GroupName", "a"),
                    ("LaunchSpecification.Placement.PartitionNumber", "-1"),
                ]
            )
        ),
    ),
    (
        "partition-without-group",
        Req(params=sample(extra=[("LaunchSpecification.Placement.PartitionNumber", "1")])),
    ),
    (
        "ip-without-subnet",
        Req(params=sample(extra=[("LaunchSpecification.PrivateIpAddress", "10.0.0.1")])),
    ),
    ("control-in-subnet", Req(params=sample(extra=[("LaunchSpecification.SubnetId", "s\x01")]))),
    ("published-old-version", Req(params=sample(("Version", "2014-09-01")))),
    (
        "sigv2-only",
        Req(params=sample(extra=[("AWSAccessKeyId", "AKID"), ("Signature", "x")]), signing="none"),
    ),
    ("json-body", Req(raw=b'{"Action": "ImportInstance"}')),
]


@pytest.mark.parametrize("req", [pytest.param(r, id=i) for i, r in OUTSIDE])
def test_outside_the_contract_gets_a_sane_error(server, req):
    """Outside the contract any answer passes; the reference refuses with an XML client error."""
    answer = send(server, req)
    assert 400 <= answer.status < 500
    assert answer.root.tag == "Response" and answer.code


def test_json_content_type_is_refused(server):
    target, headers, body = sign(
        server, "POST", body=encoded(SAMPLE), content_type="application/json"
    )
    answer = exchange(server, "POST", target, headers, body)
    assert_error(answer, "InvalidRequest", 400)


def test_post_without_content_type_is_a_form(server):
    """ "A POST without a Content-Type is read as a form"."""
    target, headers, body = sign(server, "POST", body=encoded(SAMPLE), content_type=None)
    assert_import_ok(exchange(server, "POST", target, headers, body))


def test_empty_pairs_are_ignored(server):
    """Empty pairs (``&&``, a trailing ``&``) are ignored."""
    raw = b"&&" + encoded(SAMPLE).replace(b"&", b"&&") + b"&"
    assert_import_ok(send(server, Req(raw=raw)))


def test_percent_twenty_and_plus_are_both_spaces(server):
    raw = encoded(SAMPLE) + b"&Description=a+b%20c"
    answer = send(server, Req(raw=raw))
    assert_import_ok(answer)
    assert (
        answer.root.find(f".//{{{NAMESPACE}}}importInstance/{{{NAMESPACE}}}description").text
        == "a b c"
    )


# --------------------------------------------------------------------------------------
# Success response (RESP-*, WIRE-UTF8, PARAM-DESCRIPTION-ECHO)

GOLDEN_ORDER = [
    "conversionTask",
    "conversionTaskId",
    "expirationTime",
    "importInstance",
    "volumes",
    "item",
    "bytesConverted",
    "availabilityZone",
    "image",
    "format",
    "size",
    "importManifestUrl",
    "description",
    "volume",
    "size",
    "id",
    "status",
    "statusMessage",
    "instanceId",
    "description",
]
ALLOWED_EXTRA = {"requestId", "state", "platform"}


def test_success_envelope_namespace_and_golden_order(server):
    """RESP-ENVELOPE, RESP-NAMESPACE, RESP-GOLDEN, RESP-GOLDEN-ORDER, RESP-STATE."""
    answer = send(server, Req())
    assert_import_ok(answer)
    assert answer.content_type == "text/xml;charset=UTF-8"
    assert answer.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert answer.root.nsmap == {None: NAMESPACE}
    names = [etree.QName(e).localname for e in answer.root.iter() if e is not answer.root]
    assert {etree.QName(e).namespace for e in answer.root.iter()} == {NAMESPACE}
    assert [n for n in names if n not in ALLOWED_EXTRA] == GOLDEN_ORDER
    assert answer.text("state") == "active"
    assert answer.text("platform") == "Windows"
    assert answer.text("status") == "active"
    assert answer.text("bytesConverted") == "0"
    assert answer.first("statusMessage").text is None
    assert answer.root[0].tag == f"{{{NAMESPACE}}}requestId"


def test_request_ids_and_task_ids_are_fresh(server):
    """RESP-REQUEST-ID, RESP-TASK-ID, RESP-INSTANCE: different on every response."""
    answers = [send(server, Req()) for _ in range(5)]
    for key in ("requestId", "conversionTaskId", "instanceId", "id"):
        values = [a.text(key) for a in answers]
        assert len(set(values)) == 5 and all(v and v.strip() for v in values), key
    for answer in answers:
        assert re.fullmatch(r"import-i-[0-9a-z]{8,17}", answer.text("conversionTaskId"))
        assert re.fullmatch(r"i-[0-9a-f]{8}([0-9a-f]{9})?", answer.text("instanceId"))
        assert re.fullmatch(r"vol-[0-9a-f]{8}([0-9a-f]{9})?", answer.text("id"))


def test_expiration_is_iso_and_in_the_future(server):
    """RESP-EXPIRATION, RESP-EXPIRATION-ISO."""
    text = send(server, Req()).text("expirationTime")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", text)
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert moment > datetime.now(UTC)


def test_volume_echo_with_integers_normalised(server):
    """RESP-VOLUME-ECHO: echoes compare as integers (``0012`` is ``12``)."""
    params = sample(
        ("DiskImage.1.Image.Bytes", "0001179593728"),
        ("DiskImage.1.Volume.Size", "0012"),
        extra=[("DiskImage.1.Description", "disk & <desc>")],
    )
    answer = send(server, Req(params=params))
    assert answer.text("format") == "VMDK"
    assert answer.text("importManifestUrl") == SAMPLE_MANIFEST_URL
    image, volume = answer.first("image"), answer.first("volume")
    assert image.findtext(f"{{{NAMESPACE}}}size") == "1179593728"
    assert volume.findtext(f"{{{NAMESPACE}}}size") == "12"
    assert answer.first("item").findtext(f"{{{NAMESPACE}}}description") == "disk & <desc>"
    assert answer.text("availabilityZone") == "us-east-1a"
    assert len(answer.first("volumes")) == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("eu-west-3c", "eu-west-3c"),
        ("", "us-east-1a"),
        (" \t\r\n", "us-east-1a"),
        ("\u3000\u00a0", "\u3000\u00a0"),
        ("zone <&>", "zone <&>"),
    ],
    ids=["named", "empty", "white-space", "other-spaces", "markup"],
)
def test_availability_zone_echo(server, given, expected):
    """RESP-AZ-ECHO: a given zone is echoed; an empty one counts as absent."""
    params = sample(extra=[("LaunchSpecification.Placement.AvailabilityZone", given)])
    assert send(server, Req(params=params)).text("availabilityZone") == expected


ECHOES = [
    ("markup", "<b>&amp;</b> \"quoted\" 'single'"),
    ("cr-lf", "line\r\nbreak\rcr\n"),
    ("tab-spaces", "\t  padded  \t"),
    ("non-bmp", "\U0001f600 \U00010000 \U0010fffd"),
    ("bmp-edges", "\ud7ff\ue000\ufffd\u0085\u2028"),
    ("cdata-end", "]]>"),
    ("empty", ""),
    ("long", "x" * 1000),
]


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("text", [pytest.param(t, id=i) for i, t in ECHOES])
def test_description_echo_is_exact(server, text, method):
    """WIRE-UTF8, PARAM-DESCRIPTION-ECHO: any echoed text comes back unchanged."""
    answer = send(server, Req(params=sample(extra=[("Description", text)]), method=method))
    assert_import_ok(answer)
    element = answer.root.find(f".//{{{NAMESPACE}}}importInstance/{{{NAMESPACE}}}description")
    assert (element.text or "") == text
    if "\r" in text:
        assert b"&#13;" in answer.body


def test_absent_description_is_an_empty_element(server):
    """PARAM-DESCRIPTION-ECHO: empty element when absent."""
    answer = send(server, Req())
    element = answer.root.find(f".//{{{NAMESPACE}}}importInstance/{{{NAMESPACE}}}description")
    assert element is not None and element.text is None


def test_dry_run_has_no_side_effect(server):
    """PERM-DRYRUN-NO-SIDE-EFFECT: a 412 creates no task."""
    marker = "marker-7f3c1d"
    client = ec2_client(server)
    before = len(client.describe_conversion_tasks()["ConversionTasks"])
    answer = send(server, Req(params=sample(extra=[("DryRun", "true"), ("Description", marker)])))
    assert_error(answer, "DryRunOperation", 412)
    tasks = client.describe_conversion_tasks()["ConversionTasks"]
    assert len(tasks) == before
    assert all(t["ImportInstance"].get("Description") != marker for t in tasks)


# --------------------------------------------------------------------------------------
# Lifecycle over the wire (LIFE-*)

DESCRIBE = (("Action", "DescribeConversionTasks"), ("Version", "2016-11-15"))
CANCEL = (("Action", "CancelConversionTask"), ("Version", "2016-11-15"))


def test_describe_with_no_ids_is_200_xml(server):
    """The probe for DescribeConversionTasks: 200 with an XML body."""
    answer = send(server, Req(params=DESCRIBE))
    assert answer.status == 200
    assert answer.root.tag == f"{{{NAMESPACE}}}DescribeConversionTasksResponse"
    assert answer.first("conversionTasks") is not None


def test_describe_empty_store_lists_nothing():
    with start() as fresh:
        answer = send(fresh, Req(params=DESCRIBE))
        assert answer.status == 200
        assert len(answer.first("conversionTasks")) == 0


def test_describe_returns_task_fields_directly_in_item(server):
    """LIFE-DESCRIBE: the task's fields directly in ``item``, the same importInstance."""
    created = send(server, Req(params=sample(extra=[("Description", "described")])))
    task_id = created.text("conversionTaskId")
    answer = send(
        server,
        Req(params=(*DESCRIBE, ("ConversionTaskId.1", task_id)), method="GET"),
    )
    assert answer.status == 200
    items = answer.first("conversionTasks")
    assert len(items) == 1
    item = items[0]
    assert [etree.QName(c).localname for c in item] == [
        "conversionTaskId",
        "expirationTime",
        "importInstance",
        "state",
    ]
    assert item.findtext(f"{{{NAMESPACE}}}conversionTaskId") == task_id
    assert etree.tostring(item.find(f"{{{NAMESPACE}}}importInstance")) == etree.tostring(
        created.first("importInstance")
    )


LIFE_ERRORS = [
    (
        "LIFE-UNKNOWN-TASK[instance]",
        (*DESCRIBE, ("ConversionTaskId.1", "import-i-00000000")),
        "InvalidConversionTaskId",
        400,
    ),
    (
        "LIFE-UNKNOWN-TASK[volume]",
        (*DESCRIBE, ("ConversionTaskId.1", "import-vol-0000000000")),
        "InvalidConversionTaskId",
        400,
    ),
    (
        "LIFE-UNKNOWN-TASK[malformed]",
        (*DESCRIBE, ("ConversionTaskId.1", "foo")),
        "InvalidConversionTaskId.Malformed",
        400,
    ),
    (
        "LIFE-UNKNOWN-TASK[upper-case]",
        (*DESCRIBE, ("ConversionTaskId.1", "import-i-ABCDEFGH")),
        "InvalidConversionTaskId.Malformed",
        400,
    ),
    (
        "LIFE-UNKNOWN-TASK[bad-index]",
        (*DESCRIBE, ("ConversionTaskId.0", "import-i-00000000")),
        "UnknownParameter",
        400,
    ),
    (
        "LIFE-UNKNOWN-TASK[unknown-param]",
        (*DESCRIBE, ("Filter.1.Name", "x")),
        "UnknownParameter",
        400,
    ),
    ("LIFE-UNKNOWN-TASK[bad-dry-run]", (*DESCRIBE, ("DryRun", "1")), "InvalidParameterValue", 400),
    (
        "LIFE-UNKNOWN-TASK[describe-dry-run]",
        (*DESCRIBE, ("DryRun", "true")),
        "DryRunOperation",
        412,
    ),
    ("LIFE-CANCEL[missing-id]", CANCEL, "MissingParameter", 400),
    (
        "LIFE-CANCEL[unknown-id]",
        (*CANCEL, ("ConversionTaskId", "import-i-00000000")),
        "InvalidConversionTaskId",
        400,
    ),
    (
        "LIFE-CANCEL[malformed-id]",
        (*CANCEL, ("ConversionTaskId", "nope")),
        "InvalidConversionTaskId.Malformed",
        400,
    ),
    (
        "LIFE-CANCEL[list-form]",
        (*CANCEL, ("ConversionTaskId.1", "import-i-00000000")),
        "UnknownParameter",
        400,
    ),
]


@pytest.mark.parametrize(
    ("params", "code", "status"), [pytest.param(*row[1:], id=row[0]) for row in LIFE_ERRORS]
)
def test_lifecycle_errors(server, params, code, status):
    assert_error(send(server, Req(params=params)), code, status)


def test_lifecycle_actions_honour_auth_and_permission(server):
    """Describe and Cancel authenticate and check permission like ImportInstance."""
    assert_error(
        send(server, Req(params=DESCRIBE, signing="none")), "MissingAuthenticationToken", 403
    )
    assert_error(
        send(server, Req(params=DESCRIBE, credentials=DENIED)), "UnauthorizedOperation", 403
    )
    assert_error(
        send(server, Req(params=(*DESCRIBE, ("DryRun", "true")), credentials=DENIED)),
        "UnauthorizedOperation",
        403,
    )


def test_cancel_dry_run_then_cancel(server):
    """LIFE-CANCEL: 200 with ``return`` true, state ``cancelling``; DryRun changes nothing."""
    task_id = send(server, Req()).text("conversionTaskId")
    dry = send(server, Req(params=(*CANCEL, ("ConversionTaskId", task_id), ("DryRun", "true"))))
    assert_error(dry, "DryRunOperation", 412)
    denied = send(server, Req(params=(*CANCEL, ("ConversionTaskId", task_id)), credentials=DENIED))
    assert_error(denied, "UnauthorizedOperation", 403)
    answer = send(
        server, Req(params=(*CANCEL, ("ConversionTaskId", task_id), ("ReasonMessage", "r")))
    )
    assert answer.status == 200
    assert answer.root.tag == f"{{{NAMESPACE}}}CancelConversionTaskResponse"
    assert answer.text("return") == "true"
    assert answer.text("requestId")
    described = send(server, Req(params=(*DESCRIBE, ("ConversionTaskId.1", task_id))))
    assert described.text("state") == "cancelling"
    again = send(server, Req(params=(*CANCEL, ("ConversionTaskId", task_id))))
    assert_error(again, "DeleteConversionTaskError", 400)


def test_describe_lists_ids_in_index_order(server):
    first = send(server, Req()).text("conversionTaskId")
    second = send(server, Req()).text("conversionTaskId")
    params = (*DESCRIBE, ("ConversionTaskId.9", first), ("ConversionTaskId.2", second))
    answer = send(server, Req(params=params))
    ids = [e.text for e in answer.root.iter(f"{{{NAMESPACE}}}conversionTaskId")]
    assert ids == [second, first]


# --------------------------------------------------------------------------------------
# Concurrency


def test_concurrent_imports_get_distinct_tasks(server):
    """The store is thread-safe: concurrent creates give distinct ids, none lost."""
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            task_id = send(server, Req()).text("conversionTaskId")
            with lock:
                results.append(task_id)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 40 and len(set(results)) == 40
    listed = send(server, Req(params=DESCRIBE))
    known = {e.text for e in listed.root.iter(f"{{{NAMESPACE}}}conversionTaskId")}
    assert set(results) <= known
