"""ec2conformance.client over real sockets, against small local servers (some of them hostile).

Each test gets its own server on 127.0.0.1, port 0. A handler that stalls waits on the
test's ``stop`` event, set at teardown; nothing here sleeps to synchronise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import http.server
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import quote, unquote_to_bytes, urlsplit

import pytest

from ec2conformance.client import REDACTED, Client, Exchange, MissingIdentity
from ec2conformance.model import AuthFault, Credentials, Identity, Signing, WireFault, sample
from ec2conformance.wire import apply_wire_fault, encode_form

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
PERMITTED = Credentials("AKIAPERMITTED0000001", SECRET)
DENIED = Credentials("AKIADENIED0000000001", "denied/Secret+Key/000000000000000000000000")
OK_XML = b"<ImportInstanceResponse><requestId>r</requestId></ImportInstanceResponse>"
TIMEOUT = 0.5


# -- the test server ----------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request exactly as the server read it off the socket."""

    method: str
    target: str  # the raw request target: path and query, as sent
    headers: tuple[tuple[str, str], ...]
    body: bytes
    client_port: int

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


Behaviour = Callable[["Handler", Received], None]


@dataclass
class Recorder:
    received: list[Received] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    behaviour: Behaviour | None = None
    stop: threading.Event = field(default_factory=threading.Event)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        recorder = self.server.recorder
        received = Received(
            self.command, self.path, tuple(self.headers.items()), body, self.client_address[1]
        )
        recorder.received.append(received)
        try:
            (recorder.behaviour or answer(200, OK_XML))(self, received)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up: expected for hostile servers
        except Exception as exc:  # surfaces in the test through the fixture
            recorder.errors.append(exc)
            raise

    do_GET = do_POST = do_PUT = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    recorder: Recorder


@dataclass
class Endpoint:
    url: str
    recorder: Recorder

    @property
    def received(self) -> list[Received]:
        return self.recorder.received

    def behave(self, behaviour: Behaviour) -> None:
        self.recorder.behaviour = behaviour


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Server(("127.0.0.1", 0), Handler)
    server.recorder = Recorder()
    # poll_interval only bounds how long shutdown() takes at teardown
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield Endpoint(f"http://127.0.0.1:{server.server_address[1]}", server.recorder)
    finally:
        server.recorder.stop.set()
        server.shutdown()
        server.server_close()
        thread.join()
    assert server.recorder.errors == []


@pytest.fixture
def client(endpoint: Endpoint) -> Iterator[Client]:
    with Client(
        endpoint.url,
        identities={Identity.PERMITTED: PERMITTED, Identity.DENIED: DENIED},
        timeout=TIMEOUT,
        max_response_bytes=64 * 1024,
    ) as c:
        yield c


@pytest.fixture
def fixed_client(endpoint: Endpoint) -> Iterator[Client]:
    """A client whose clock stands still, so prepare() and send() sign identically."""
    at = datetime.now(UTC).replace(microsecond=0)
    with Client(
        endpoint.url,
        identities={Identity.PERMITTED: PERMITTED, Identity.DENIED: DENIED},
        timeout=TIMEOUT,
        clock=lambda: at,
    ) as c:
        yield c


# -- behaviours ---------------------------------------------------------------------------


def answer(
    status: int, body: bytes = b"", content_type: str = "text/xml", **headers: str
) -> Behaviour:
    def behaviour(handler: Handler, received: Received) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return behaviour


def stall(handler: Handler, received: Received) -> None:
    """Read the request, never answer."""
    handler.server.recorder.stop.wait()
    handler.close_connection = True


def drip_body(handler: Handler, received: Received) -> None:
    """Headers at once, then a body one byte at a time, forever (until the client leaves)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/xml")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.flush()
    handler.close_connection = True
    while not handler.server.recorder.stop.wait(0.02):  # the drip's pace, not a sync
        handler.wfile.write(b"<")
        handler.wfile.flush()


def drip_headers(handler: Handler, received: Received) -> None:
    """A status line, then an endless header one byte at a time."""
    handler.close_connection = True
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    handler.wfile.flush()
    while not handler.server.recorder.stop.wait(0.02):
        handler.wfile.write(b"a")
        handler.wfile.flush()


def huge(handler: Handler, received: Received) -> None:
    """Announce 64 MiB and send until the client stops reading."""
    handler.close_connection = True
    handler.send_response(200)
    handler.send_header("Content-Type", "text/xml")
    handler.send_header("Content-Length", str(64 << 20))
    handler.end_headers()
    chunk = b"x" * 65536
    for _ in range(1024):
        if handler.server.recorder.stop.is_set():
            return
        handler.wfile.write(chunk)


def hang_up(handler: Handler, received: Received) -> None:
    """Close the connection without a word."""
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


# -- an independent SigV4 verifier (server side: from the received bytes) -------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return quote(raw, safe="-_.~")


def verify_sigv4(received: Received, secret: str, region: str = "us-east-1") -> bool:
    """Check a request's SigV4 signature the way a server would, by hand (no botocore)."""
    path, _, query = received.target.partition("?")
    pairs = []
    for item in query.split("&") if query else []:
        name, _, value = item.partition("=")
        pairs.append(
            (
                unquote_to_bytes(name.replace("+", " ")),
                unquote_to_bytes(value.replace("+", " ")),
            )
        )
    params = {n.decode(): v.decode() for n, v in pairs}
    authorization = received.header("Authorization")
    if authorization is not None:
        match = re.fullmatch(
            r"AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)",
            authorization,
        )
        assert match, authorization
        credential, signed, signature = match.groups()
        date = received.header("X-Amz-Date")
    else:
        credential = params["X-Amz-Credential"]
        signed = params["X-Amz-SignedHeaders"]
        signature = params["X-Amz-Signature"]
        date = params["X-Amz-Date"]
    _key, day, scope_region, service, _ = credential.split("/")
    canonical_query = "&".join(
        sorted(f"{_encode(n)}={_encode(v)}" for n, v in pairs if n != b"X-Amz-Signature")
    )
    canonical_headers = "".join(
        f"{name}:{' '.join((received.header(name) or '').split())}\n" for name in signed.split(";")
    )
    canonical = "\n".join(
        [
            received.method,
            path,
            canonical_query,
            canonical_headers,
            signed,
            hashlib.sha256(received.body).hexdigest(),
        ]
    )
    scope = f"{day}/{scope_region}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(f"AWS4{secret}".encode(), day)
    for part in (scope_region, service, "aws4_request"):
        key = _hmac(key, part)
    return scope_region == region and hmac.compare_digest(
        hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), signature
    )


def decoded_params(received: Received) -> list[tuple[str, str]]:
    """The form pairs of a request (query string for GET, body for POST), X-Amz-* left out."""
    raw = received.body if received.method == "POST" else received.target.partition("?")[2].encode()
    out = []
    for item in raw.split(b"&") if raw else []:
        name, _, value = item.partition(b"=")
        n = unquote_to_bytes(name.replace(b"+", b" ")).decode()
        if not n.startswith("X-Amz-"):
            out.append((n, unquote_to_bytes(value.replace(b"+", b" ")).decode()))
    return out


# -- what the server receives is what was signed ----------------------------------------

TRICKY = "a b+c~&=%/?é😀<&>\"'\r\n\tend"


@pytest.mark.parametrize(
    "spec",
    [
        sample(),
        sample(method="GET"),
        sample(method="GET", signing=Signing.QUERY),
        sample(signing=Signing.QUERY),
        sample().plus(("Description", TRICKY)),
        sample(method="GET").plus(("Description", TRICKY)),
        sample(method="GET", signing=Signing.QUERY).plus(("Description", TRICKY)),
        sample(identity=Identity.DENIED),
    ],
    ids=[
        "post",
        "get",
        "get-query-signed",
        "post-query-signed",
        "post-tricky",
        "get-tricky",
        "get-query-signed-tricky",
        "post-denied",
    ],
)
def test_server_receives_exactly_what_was_signed(
    fixed_client: Client, endpoint: Endpoint, spec
) -> None:
    """Method, target, headers and body arrive byte for byte as prepared and signed."""
    prepared = fixed_client.prepare(spec)
    exchange = fixed_client.send(spec)
    assert exchange.error is None and exchange.status == 200
    (received,) = endpoint.received
    parts = urlsplit(prepared.url)
    assert received.method == prepared.method == spec.method
    assert received.target == parts.path + (f"?{parts.query}" if parts.query else "")
    assert received.body == prepared.body
    length = (("Content-Length", str(len(prepared.body))),) if spec.method == "POST" else ()
    assert received.headers == prepared.headers + length
    assert decoded_params(received) == list(spec.params)
    secret = (DENIED if spec.identity is Identity.DENIED else PERMITTED).secret_access_key
    assert verify_sigv4(received, secret)
    # The record is what the server got, the signature redacted.
    assert [k for k, _ in exchange.request_headers] == [k for k, _ in received.headers]
    for (name, recorded), (_, actual) in zip(
        exchange.request_headers, received.headers, strict=True
    ):
        if name != "Authorization":
            assert recorded == actual
    assert exchange.request_body == received.body
    assert (
        exchange.url.partition("X-Amz-Signature=")[0]
        == (endpoint.url + received.target).partition("X-Amz-Signature=")[0]
    )


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("fault", list(WireFault), ids=[f.value for f in WireFault])
def test_wire_faults_arrive_raw_and_signed(
    client: Client, endpoint: Endpoint, fault: WireFault, method: str
) -> None:
    """A wire fault arrives byte for byte in a POST body, under a valid signature."""
    exchange = client.send(sample(method=method, wire_fault=fault))
    assert exchange.status == 200 and exchange.method == "POST"
    (received,) = endpoint.received
    assert received.method == "POST" and received.target == "/"
    assert received.body == apply_wire_fault(encode_form(sample().params), fault)
    assert verify_sigv4(received, SECRET)
    assert exchange.request_body == received.body


def test_unsigned_request_arrives_unsigned(client: Client, endpoint: Endpoint) -> None:
    """Signing.NONE sends no Authorization and no X-Amz-* at all."""
    client.send(sample(signing=Signing.NONE))
    (received,) = endpoint.received
    assert received.header("Authorization") is None
    assert received.header("X-Amz-Date") is None
    assert "X-Amz" not in received.target


def test_auth_fault_arrives_and_fails_verification(client: Client, endpoint: Endpoint) -> None:
    """A wrong secret arrives as a well-formed header that does not verify."""
    client.send(sample(auth_fault=AuthFault.WRONG_SECRET))
    (received,) = endpoint.received
    authorization = received.header("Authorization") or ""
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={PERMITTED.access_key_id}/")
    assert not verify_sigv4(received, SECRET)


def test_send_raw_is_signed_and_recorded(client: Client, endpoint: Endpoint) -> None:
    """send_raw sends the given bytes as they are, signs them, and records the exchange."""
    body = b'{"Action": "ImportInstance"}'
    exchange = client.send_raw(
        "POST",
        "/?Action=DescribeConversionTasks&Version=2016-11-15",
        {"Content-Type": "application/json"},
        body,
    )
    (received,) = endpoint.received
    assert received.target == "/?Action=DescribeConversionTasks&Version=2016-11-15"
    assert received.body == body
    assert received.header("Content-Type") == "application/json"
    assert verify_sigv4(received, SECRET)
    assert exchange.spec is None and exchange.status == 200
    assert client.exchanges[-1] is exchange


def test_send_raw_refuses_unencoded_targets(client: Client, endpoint: Endpoint) -> None:
    """A target requests would rewrite is refused rather than sent unsigned-as-sent."""
    with pytest.raises(ValueError, match="percent-encoded"):
        client.send_raw("GET", "/?Description=a b")
    assert endpoint.received == []


def test_missing_identity_sends_nothing(endpoint: Endpoint) -> None:
    """Without a denied identity, a spec asking for it raises before anything is sent."""
    client = Client(endpoint.url, identities={Identity.PERMITTED: PERMITTED})
    with client, pytest.raises(MissingIdentity):
        client.send(sample(identity=Identity.DENIED))
    assert endpoint.received == []


# -- hostile or odd answers ---------------------------------------------------------------


def test_redirect_is_not_followed(client: Client, endpoint: Endpoint) -> None:
    """A 3xx is recorded as the answer; the client never follows it."""
    endpoint.behave(answer(302, Location=f"{endpoint.url}/elsewhere"))
    exchange = client.send(sample())
    assert exchange.status == 302 and exchange.error is None
    assert exchange.header("Location") == f"{endpoint.url}/elsewhere"
    assert len(endpoint.received) == 1


def assert_a_stall_times_out_at_its_deadline(client: Client, endpoint: Endpoint) -> None:
    """A request the endpoint never answers: error says timeout, neither before the
    timeout nor more than a second after it."""
    endpoint.behave(stall)
    started = time.monotonic()
    exchange = client.send(sample())
    assert time.monotonic() - started < TIMEOUT + 1
    assert exchange.status is None
    assert exchange.error == f"timeout after {TIMEOUT}s"
    assert TIMEOUT <= exchange.elapsed < TIMEOUT + 1


def test_server_that_never_answers_times_out(client: Client, endpoint: Endpoint) -> None:
    """No answer: error says timeout, within the timeout plus a second."""
    assert_a_stall_times_out_at_its_deadline(client, endpoint)


def test_a_stall_after_quick_answers_is_cut_at_its_own_deadline(
    client: Client, endpoint: Endpoint
) -> None:
    """The watchdog's thread sleeps through quick exchanges (it is not woken for each):
    a stall that follows them still ends at its own deadline, neither sooner (at an earlier
    exchange's) nor later."""
    for _ in range(5):
        assert client.send(sample()).status == 200
    assert_a_stall_times_out_at_its_deadline(client, endpoint)


def test_body_dripping_forever_is_cut_at_the_deadline(client: Client, endpoint: Endpoint) -> None:
    """Headers then an endless slow body: the exchange still ends at the deadline."""
    endpoint.behave(drip_body)
    started = time.monotonic()
    exchange = client.send(sample())
    assert time.monotonic() - started < TIMEOUT + 1
    assert exchange.status == 200
    assert exchange.error == f"timeout after {TIMEOUT}s"
    assert set(exchange.response_body) <= {ord("<")}
    assert not exchange.truncated


def test_headers_dripping_forever_are_cut_at_the_deadline(
    client: Client, endpoint: Endpoint
) -> None:
    """An endless slow header line never trips a per-read timeout; the deadline still holds."""
    endpoint.behave(drip_headers)
    started = time.monotonic()
    exchange = client.send(sample())
    assert time.monotonic() - started < TIMEOUT + 1
    assert exchange.status is None
    assert exchange.error == f"timeout after {TIMEOUT}s"


def test_huge_answer_is_truncated_at_the_cap(client: Client, endpoint: Endpoint) -> None:
    """At most max_response_bytes are kept; the exchange says it was truncated."""
    endpoint.behave(huge)
    exchange = client.send(sample())
    assert exchange.status == 200 and exchange.error is None
    assert exchange.truncated
    assert len(exchange.response_body) == client.max_response_bytes == 64 * 1024
    assert "(truncated)" in exchange.describe()


def test_answer_exactly_at_the_cap_is_not_truncated(client: Client, endpoint: Endpoint) -> None:
    """A body of exactly max_response_bytes is complete."""
    endpoint.behave(answer(200, b"y" * client.max_response_bytes))
    exchange = client.send(sample())
    assert not exchange.truncated and len(exchange.response_body) == client.max_response_bytes


def test_hang_up_is_a_dropped_connection(client: Client, endpoint: Endpoint) -> None:
    """A connection closed without an answer is reported as dropped, not as a timeout."""
    endpoint.behave(hang_up)
    exchange = client.send(sample())
    assert exchange.status is None
    assert exchange.error is not None and exchange.error.startswith("connection dropped: ")
    assert exchange.elapsed < TIMEOUT


def test_refused_connection_is_reported() -> None:
    """Nothing listening: connection failed, at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}", identities={Identity.PERMITTED: PERMITTED}) as client:
        exchange = client.send(sample())
    assert exchange.status is None
    assert exchange.error is not None and exchange.error.startswith("connection failed: ")


def test_client_recovers_after_a_hostile_answer(client: Client, endpoint: Endpoint) -> None:
    """A severed connection is not reused: the next exchange works."""
    endpoint.behave(drip_body)
    assert client.send(sample()).error is not None
    endpoint.behave(answer(200, OK_XML))
    exchange = client.send(sample())
    assert exchange.error is None and exchange.response_body == OK_XML


def test_connection_is_reused(client: Client, endpoint: Endpoint) -> None:
    """One session: consecutive exchanges share a keep-alive connection."""
    for _ in range(3):
        assert client.send(sample()).status == 200
    assert len({r.client_port for r in endpoint.received}) == 1


def test_content_type_is_the_lowercased_media_type(client: Client, endpoint: Endpoint) -> None:
    """content_type drops parameters and case."""
    endpoint.behave(answer(200, OK_XML, content_type="Text/XML ; charset=UTF-8"))
    assert client.send(sample()).content_type == "text/xml"


def test_exchanges_are_bounded(endpoint: Endpoint) -> None:
    """Only the last max_exchanges exchanges are kept, oldest first."""
    with Client(
        endpoint.url, identities={Identity.PERMITTED: PERMITTED}, max_exchanges=3
    ) as client:
        sent = [client.send(sample().plus(("Description", str(i)))) for i in range(5)]
    assert list(client.exchanges) == sent[2:]


# -- no secret anywhere -------------------------------------------------------------------


def everything(exchange: Exchange) -> bytes:
    """Every field of an exchange, and its texts, as bytes."""
    texts = [repr(exchange), exchange.to_curl(), exchange.describe(), str(exchange.spec)]
    for f in dataclasses.fields(exchange):
        value = getattr(exchange, f.name)
        texts.append(value.decode("latin-1") if isinstance(value, bytes) else repr(value))
    return "\n".join(texts).encode("utf-8")


def secret_spellings(secret: str) -> list[bytes]:
    return [secret.encode(), encode_form((("", secret),))[1:], quote(secret, safe="").encode()]


@pytest.mark.parametrize(
    "spec",
    [
        sample(),
        sample(method="GET", signing=Signing.QUERY),
        sample(auth_fault=AuthFault.MALFORMED_NO_CREDENTIAL),
        sample(identity=Identity.DENIED),
    ],
    ids=["post", "get-query-signed", "malformed", "denied"],
)
def test_no_secret_and_no_signature_in_the_record(client: Client, endpoint: Endpoint, spec) -> None:
    """The record carries no secret key and no signature value, in any spelling."""
    exchange = client.send(spec)
    blob = everything(exchange)
    for credentials in (PERMITTED, DENIED):
        for spelling in secret_spellings(credentials.secret_access_key):
            assert spelling not in blob
    (received,) = endpoint.received
    authorization = received.header("Authorization")
    signature = (
        authorization.rpartition("Signature=")[2]
        if authorization
        else received.target.rpartition("X-Amz-Signature=")[2]
    )
    if spec.auth_fault is None:
        assert len(signature) == 64
        assert signature.encode() not in blob
        assert f"Signature={REDACTED}".encode() in blob


def test_secret_in_parameters_or_answer_is_redacted(client: Client, endpoint: Endpoint) -> None:
    """Even a secret that a request or an answer carries by accident is not recorded."""
    endpoint.behave(answer(200, b"<x>" + SECRET.encode() + b"</x>", X_Echo=SECRET))
    exchange = client.send(sample(method="GET").plus(("Description", f"key {SECRET} end")))
    assert (
        SECRET in endpoint.received[0].target or "wJalrXUtnFEMI%2F" in endpoint.received[0].target
    )
    blob = everything(exchange)
    for spelling in secret_spellings(SECRET):
        assert spelling not in blob
    assert exchange.response_body == f"<x>{REDACTED}</x>".encode()
    assert exchange.header("X-Echo") == REDACTED
    assert exchange.spec is not None and exchange.spec.get("Description") == f"key {REDACTED} end"


def test_short_placeholder_secret_is_kept_out_of_the_request_only(endpoint: Endpoint) -> None:
    """A placeholder secret such as 'test' is removed from the request record, but answers
    and specs keep the word (redacting it there would mangle what checks judge)."""
    endpoint.behave(answer(200, b"<x>test</x>"))
    with Client(endpoint.url, identities={Identity.PERMITTED: Credentials("test", "test")}) as c:
        exchange = c.send(sample().plus(("Description", "test")))
    assert b"test" not in exchange.request_body
    assert exchange.response_body == b"<x>test</x>"
    assert exchange.spec is not None and exchange.spec.get("Description") == "test"


# -- reproduction and description ---------------------------------------------------------


def test_to_curl_reproduces_without_credentials(client: Client, endpoint: Endpoint) -> None:
    """One line, re-signed by curl from environment placeholders, body and type kept."""
    exchange = client.send(sample())
    line = exchange.to_curl()
    assert "\n" not in line
    assert line.startswith(f"curl -sS -i -X POST {endpoint.url}/ ")
    assert "--aws-sigv4 aws:amz:us-east-1:ec2" in line
    assert '--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"' in line
    assert "'Content-Type: application/x-www-form-urlencoded; charset=utf-8'" in line
    assert "Authorization" not in line and "X-Amz-Date" not in line
    assert "--data-binary 'Action=ImportInstance&Version=2016-11-15&" in line
    assert "re-sign" in line


def test_to_curl_for_query_signing_and_faults(client: Client, endpoint: Endpoint) -> None:
    """Query auth parameters are left for curl to redo; faults are noted; raw bytes quoted."""
    line = client.send(sample(method="GET", signing=Signing.QUERY)).to_curl()
    assert "X-Amz-" not in line and "Action=ImportInstance" in line
    assert "signed in the query string" in line
    line = client.send(sample(wire_fault=WireFault.NON_UTF8_RAW)).to_curl()
    assert "--data-binary $'Action=ImportInstance" in line and "Description=\\xff'" in line
    line = client.send(sample(auth_fault=AuthFault.WRONG_SERVICE)).to_curl()
    assert "aws:amz:us-east-1:s3" in line and "wrong-service" in line
    line = client.send(sample(signing=Signing.NONE)).to_curl()
    assert "--aws-sigv4" not in line


def test_to_curl_pipes_a_body_starting_with_at(client: Client, endpoint: Endpoint) -> None:
    """A raw body starting with '@' is piped in, not taken as a file name by curl."""
    exchange = client.send_raw("POST", "/", {"Content-Type": "text/plain"}, b"@etc/passwd")
    line = exchange.to_curl()
    assert line.startswith("printf %s @etc/passwd | curl ")
    assert "--data-binary @- " in line


def test_describe_is_short(client: Client, endpoint: Endpoint) -> None:
    """describe() says what was sent and what came back, long bodies cut."""
    endpoint.behave(answer(400, b"<Response>" + b"e" * 5000 + b"</Response>"))
    text = client.send(sample().plus(("Description", "d" * 5000))).describe()
    assert text.startswith(f"POST {endpoint.url}/ [POST Action=ImportInstance")
    assert "-> 400 text/xml, 5021 bytes" in text
    assert len(text) < 1200


def test_sent_at_is_the_client_clock(endpoint: Endpoint) -> None:
    """The exchange records when it was sent, by the client's clock."""
    fixed = datetime.now(UTC).replace(microsecond=0)
    with Client(endpoint.url, identities={Identity.PERMITTED: PERMITTED}, clock=lambda: fixed) as c:
        exchange = c.send(sample())
    assert exchange.sent_at == fixed
    assert verify_sigv4(endpoint.received[0], SECRET)


def test_exchange_is_frozen(client: Client, endpoint: Endpoint) -> None:
    """An exchange cannot be changed after the fact."""
    exchange = client.send(sample())
    with pytest.raises(dataclasses.FrozenInstanceError):
        exchange.status = 500  # type: ignore[misc]
    assert replace(exchange, status=500).status == 500
