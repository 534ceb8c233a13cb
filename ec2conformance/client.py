"""Sending requests and recording what happened.

:class:`Client` turns a :class:`~ec2conformance.model.RequestSpec` into bytes (encoding by
:mod:`ec2conformance.wire`, signing by :mod:`ec2conformance.signing`), sends them over one
``requests.Session`` and returns an :class:`Exchange`: what went on the wire and what came
back, with secrets and signatures already redacted. The client never judges an answer.

A hostile endpoint cannot hang or exhaust the suite: every exchange has an overall deadline
(a watchdog severs the connection when it passes, whatever phase the exchange is in, so a
server that drips headers or a body a byte at a time is cut off too), at most
``max_response_bytes`` of a body are kept, and redirects are never followed.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import requests.adapters
import urllib3.exceptions
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ec2conformance.model import Credentials, Identity, RequestSpec, Signing
from ec2conformance.signing import Headers, host_header, sign_request
from ec2conformance.wire import FORM_CONTENT_TYPE, apply_wire_fault, encode_form, encode_query

__all__ = [
    "REDACTED",
    "USER_AGENT",
    "Client",
    "Exchange",
    "MissingIdentity",
    "PreparedExchange",
]

#: What replaces a signature, a token or a secret in a recorded exchange.
REDACTED = "REDACTED"
USER_AGENT = "ec2conformance/0.1"
# Sent with every request so that what is recorded is all that is sent (urllib3 would add
# its own User-Agent, http.client an Accept-Encoding).
_FIXED_HEADERS: Headers = (("User-Agent", USER_AGENT), ("Accept-Encoding", "identity"))
# Methods whose parameters go in the query string; every other method sends a form body.
_QUERY_METHODS = frozenset({"GET", "HEAD"})
_CHUNK = 64 * 1024
_TEXT_LIMIT = 300
# Secrets shorter than this are placeholders (LocalStack's "test"): they are still removed
# from what was sent, but not hunted for in answers and specs, where a common word would be
# mangled and the checks misled.
_STRONG_SECRET = 8


class MissingIdentity(LookupError):
    """A spec asks for an identity the client was not given (e.g. no denied identity)."""


@dataclass(frozen=True)
class PreparedExchange:
    """A request exactly as it would go on the wire (signed, nothing redacted)."""

    method: str
    url: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        return _first(self.headers, name)


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as recorded for checks and reports.

    The request fields are what was sent, with signature values, security tokens and the
    text of every configured secret replaced by ``REDACTED``. ``status`` is None when no
    answer came; ``error`` then says why (``timeout after 10.0s``, ``connection dropped:
    ...``). An answer can have both a status and an error (the body broke off or ran past
    the deadline); ``response_body`` then holds what arrived. ``truncated`` means the body
    was longer than the client's ``max_response_bytes`` and was cut there.
    ``spec`` is None for :meth:`Client.send_raw`.
    """

    spec: RequestSpec | None
    method: str
    url: str
    request_headers: Headers
    request_body: bytes
    status: int | None
    response_headers: Headers
    response_body: bytes
    truncated: bool
    elapsed: float
    error: str | None
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        answer = self.error if self.status is None else f"{self.status}"
        if self.status is not None and self.error:
            answer += f" ({self.error})"
        return (
            f"<Exchange {self.method} {self.url} -> {answer}, "
            f"{len(self.response_body)} bytes, {self.elapsed:.3f}s>"
        )

    def header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive), or None."""
        return _first(self.response_headers, name)

    def request_header(self, name: str) -> str | None:
        """The first request header called ``name`` (case-insensitive), or None."""
        return _first(self.request_headers, name)

    @property
    def content_type(self) -> str | None:
        """The response's media type (before any ``;``), lower-cased; None without one."""
        value = self.header("Content-Type")
        return None if value is None else value.split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        """The response body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.response_body.decode("utf-8", "replace")

    def to_curl(self) -> str:
        """A one-line shell command that sends this request again.

        Credentials are never in it: curl signs afresh (``--aws-sigv4``) with
        ``$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY`` from the environment, so the new
        signature, date and ``X-Amz-*`` query parameters replace the recorded ones; a
        trailing comment says what curl cannot reproduce (a deliberate signature fault).
        """
        scope = _credential_scope(self)
        url = _strip_query_auth(self.url)
        parts = ["curl", "-sS", "-i", "-X", self.method, _shell_quote(url)]
        for name, value in self.request_headers:
            if name.lower() not in _CURL_DROPPED_HEADERS:
                parts += ["-H", _shell_quote(f"{name}: {value}")]
        prefix = ""
        if self.request_body.startswith(b"@"):  # curl would read a file: pipe the body in
            prefix = f"printf %s {_shell_quote_bytes(self.request_body)} | "
            parts += ["--data-binary", "@-"]
        elif self.request_body:
            parts += ["--data-binary", _shell_quote_bytes(self.request_body)]
        notes: list[str] = []
        if scope is not None:
            region, service = scope
            parts += [
                "--aws-sigv4",
                _shell_quote(f"aws:amz:{region}:{service}"),
                "--user",
                '"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"',
            ]
            notes.append("re-signed by curl with the credentials in the environment")
        if self.spec is not None and self.spec.auth_fault is not None:
            notes.append(f"the original carried the signature fault {self.spec.auth_fault.value}")
        if self.spec is not None and self.spec.signing is Signing.QUERY:
            notes.append("the original was signed in the query string")
        line = prefix + " ".join(parts)
        return f"{line}  # {'; '.join(notes)}" if notes else line

    def describe(self) -> str:
        """A short text for reports: what was sent, what came back."""
        what = f" [{_shorten(self.spec.summary(), 200)}]" if self.spec is not None else " [raw]"
        lines = [f"{self.method} {_shorten(self.url)}{what}"]
        if self.request_body:
            lines.append(f"  body: {_shorten(_bytes_text(self.request_body))}")
        if self.status is None:
            lines.append(f"-> no answer after {self.elapsed:.3f}s: {self.error}")
        else:
            kind = self.content_type or "no content type"
            size = f"{len(self.response_body)} bytes" + (" (truncated)" if self.truncated else "")
            lines.append(f"-> {self.status} {kind}, {size}, {self.elapsed:.3f}s")
            if self.error:
                lines.append(f"   then: {self.error}")
            if self.response_body:
                lines.append(f"  {_shorten(_bytes_text(self.response_body))}")
        return "\n".join(lines)


class Client:
    """Encodes, signs and sends requests to one endpoint, and records the exchanges.

    ``identities`` maps each identity the suite may use to its credentials; a spec naming
    one that is missing raises :class:`MissingIdentity` before anything is sent. ``clock``
    gives the signing time (default: now, UTC). ``timeout`` bounds a whole exchange
    (connect, send, headers, body); ``max_response_bytes`` bounds the body kept.
    ``exchanges`` holds the last ``max_exchanges`` exchanges, oldest first.

    The client is safe to share between threads (sends are serialised). Environment proxy
    settings and ``.netrc`` are ignored: what is sent is exactly what is recorded.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        region: str = "us-east-1",
        identities: Mapping[Identity, Credentials],
        timeout: float = 10.0,
        max_response_bytes: int = 1 << 20,
        clock: Callable[[], datetime] | None = None,
        max_exchanges: int = 10_000,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"endpoint must be an http(s) URL with a host, got {endpoint!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"endpoint must not have a query or fragment: {endpoint!r}")
        if timeout <= 0 or max_response_bytes < 0:
            raise ValueError("timeout must be positive and max_response_bytes not negative")
        self.endpoint = endpoint
        self.region = region
        self.timeout = float(timeout)
        self.max_response_bytes = max_response_bytes
        self.exchanges: deque[Exchange] = deque(maxlen=max_exchanges)
        self._identities = dict(identities)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self._path = parts.path or "/"
        self._host = host_header(endpoint)
        self._redactor = _Redactor(c.secret_access_key for c in self._identities.values())
        self._lock = threading.Lock()
        self._watchdog = _Watchdog()
        self._session = requests.Session()
        self._session.trust_env = False
        adapter = _DeadlineAdapter(self._watchdog)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # -- building requests ------------------------------------------------------------

    def credentials(self, identity: Identity) -> Credentials:
        """The credentials of ``identity``; :class:`MissingIdentity` when not configured."""
        try:
            return self._identities[identity]
        except KeyError:
            raise MissingIdentity(
                f"no credentials for the {identity.value} identity were given"
            ) from None

    def prepare(self, spec: RequestSpec) -> PreparedExchange:
        """The request ``spec`` describes, exactly as :meth:`send` would send it.

        A GET (or HEAD) carries the parameters in the query string (:func:`encode_query`);
        any other method in a form body (:func:`encode_form`, ``Content-Type:
        application/x-www-form-urlencoded; charset=utf-8``). A spec with a wire fault is
        always sent as a **POST**, whatever its method: the faulty bytes cannot travel in a
        URL (requests and urllib3 rewrite or refuse them). The request is signed as
        ``spec.signing`` and ``spec.auth_fault`` say, as of the client's clock; the
        identity is needed unless the spec is unsigned.
        """
        if not spec.method:
            raise ValueError("a spec needs an HTTP method")
        credentials = (
            self.credentials(spec.identity)
            if spec.signing is not Signing.NONE
            else Credentials("", "")
        )
        method = "POST" if spec.wire_fault is not None else spec.method.upper()
        headers: list[tuple[str, str]] = [("Host", self._host)]
        if method in _QUERY_METHODS:
            query = encode_query(spec.params)
            url = f"{self._origin}{self._path}" + (f"?{query}" if query else "")
            body = b""
        else:
            url = f"{self._origin}{self._path}"
            body = encode_form(spec.params)
            if spec.wire_fault is not None:
                body = apply_wire_fault(body, spec.wire_fault)
            headers.append(("Content-Type", FORM_CONTENT_TYPE))
        url, signed = sign_request(
            method,
            url,
            headers,
            body,
            credentials=credentials,
            region=self.region,
            when=self._clock(),
            signing=spec.signing,
            auth_fault=spec.auth_fault,
        )
        return PreparedExchange(method, url, (*signed, *_FIXED_HEADERS), body)

    # -- sending ----------------------------------------------------------------------

    def send(self, spec: RequestSpec) -> Exchange:
        """Send ``spec`` and record the exchange (see :meth:`prepare` for the encoding)."""
        return self._exchange(spec, self.prepare(spec))

    def send_raw(
        self,
        method: str,
        path_and_query: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        *,
        identity: Identity = Identity.PERMITTED,
        signing: Signing = Signing.HEADER,
    ) -> Exchange:
        """Send a request built by hand, signed over exactly these bytes, and record it.

        ``path_and_query`` (``/?Action=...``) must be percent-encoded already; it is sent as
        given. ``headers`` are sent and signed as given (a ``Host`` header is added unless
        present; nothing else is, besides the signature and ``User-Agent``/
        ``Accept-Encoding``). With ``Signing.QUERY`` the ``X-Amz-*`` parameters are
        appended to the query string.
        """
        if not path_and_query.startswith("/"):
            raise ValueError(f"path_and_query must start with '/': {path_and_query!r}")
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
        if not any(name.lower() == "host" for name, _ in pairs):
            pairs.insert(0, ("Host", self._host))
        credentials = (
            self.credentials(identity) if signing is not Signing.NONE else Credentials("", "")
        )
        url, signed = sign_request(
            method,
            f"{self._origin}{path_and_query}",
            pairs,
            body,
            credentials=credentials,
            region=self.region,
            when=self._clock(),
            signing=signing,
        )
        names = {name.lower() for name, _ in signed}
        extra = tuple((k, v) for k, v in _FIXED_HEADERS if k.lower() not in names)
        return self._exchange(None, PreparedExchange(method, url, (*signed, *extra), body))

    def _exchange(self, spec: RequestSpec | None, prepared: PreparedExchange) -> Exchange:
        request = requests.PreparedRequest()
        request.prepare(
            method=prepared.method,
            url=prepared.url,
            headers=dict(prepared.headers),
            data=prepared.body,
        )
        if request.url != prepared.url:
            raise ValueError(
                f"requests would send {request.url!r} instead of the signed {prepared.url!r}"
                " (pass a percent-encoded URL)"
            )
        sent_headers = tuple((str(k), str(v)) for k, v in request.headers.items())
        with self._lock:
            sent_at = self._clock()
            result = self._transfer(request)
        exchange = Exchange(
            spec=self._redactor.spec(spec),
            method=prepared.method,
            url=self._redactor.url(prepared.url),
            request_headers=self._redactor.headers(sent_headers, request_side=True),
            request_body=self._redactor.body(prepared.body, request_side=True),
            status=result.status,
            response_headers=self._redactor.headers(result.headers, request_side=False),
            response_body=self._redactor.body(result.body, request_side=False),
            truncated=result.truncated,
            elapsed=result.elapsed,
            error=result.error,
            sent_at=sent_at,
        )
        self.exchanges.append(exchange)
        return exchange

    def _transfer(self, request: requests.PreparedRequest) -> _Result:
        result = _Result()
        buffer = bytearray()
        start = time.monotonic()
        deadline = start + self.timeout
        # Socket timeouts a little beyond the deadline: the watchdog is the authority.
        socket_timeout = self.timeout + 1.0
        self._watchdog.arm(self.timeout)
        response: requests.Response | None = None
        complete = deadline_passed = False
        try:
            response = self._session.send(
                request, stream=True, timeout=socket_timeout, allow_redirects=False
            )
            if self._watchdog.fired:
                # Severed while reading the head: whatever http.client made of the partial
                # head is not an answer.
                raise _DeadlinePassed
            result.status = response.status_code
            result.headers = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
            limit = self.max_response_bytes
            while len(buffer) <= limit:
                if time.monotonic() >= deadline:
                    raise _DeadlinePassed
                chunk = response.raw.read(
                    min(_CHUNK, limit + 1 - len(buffer)), decode_content=False
                )
                if not chunk:
                    complete = True
                    break
                buffer += chunk
        except _DeadlinePassed:
            deadline_passed = True
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
        ) as exc:
            result.error = _error_text(exc)
        finally:
            fired = self._watchdog.disarm()
            result.elapsed = time.monotonic() - start
            if response is not None:
                if complete and not fired:
                    response.raw.release_conn()
                else:
                    response.close()  # drops the connection: its state is unknown
        if fired or deadline_passed:
            result.error = f"timeout after {self.timeout}s"
        if len(buffer) > self.max_response_bytes:
            result.truncated = True
            del buffer[self.max_response_bytes :]
        result.body = bytes(buffer)
        return result

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the session's connections."""
        self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# ----------------------------------------------------------------------------------------
# Deadline enforcement


class _DeadlinePassed(Exception):
    """The overall deadline passed (noticed by the reading thread)."""


@dataclass
class _Result:
    status: int | None = None
    headers: Headers = ()
    body: bytes = b""
    truncated: bool = False
    elapsed: float = 0.0
    error: str | None = None


class _Watchdog:
    """Severs the connection of the exchange in flight once its deadline passes.

    Socket timeouts bound each read, not the exchange: a server sending one byte a second
    never trips them. The watchdog's timer thread shuts the socket down instead, which
    wakes any blocked send or receive (headers or body) with an error or an end of file.
    The pool reports the socket in use (see :func:`_tracking_pool`); the watchdog keeps its
    own reference, because http.client forgets the connection's socket once the headers of a
    ``Connection: close`` answer are read, while the body still streams from it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed = False
        self._fired = False
        self._done = threading.Event()
        self._timer: threading.Timer | None = None
        self.socket: Any = None

    def arm(self, seconds: float) -> None:
        with self._lock:
            self.socket = None
            self._armed = True
            self._fired = False
        self._done.clear()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def fired(self) -> bool:
        """Whether the deadline has passed (so far) in the current exchange."""
        with self._lock:
            return self._fired

    def disarm(self) -> bool:
        """Stop watching; whether the deadline had passed."""
        with self._lock:
            self._armed = False
            fired = self._fired
        self._done.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return fired

    def _fire(self) -> None:
        while True:
            with self._lock:
                if not self._armed:
                    return
                self._fired = True
                if self.socket is not None:
                    _sever(self.socket)
                    return
            # Still connecting (bounded by the connect timeout): look again shortly.
            if self._done.wait(0.05):
                return


def _sever(sock: Any) -> None:
    try:
        if isinstance(sock, socket.socket):
            # The plain socket's shutdown, also for TLS sockets (SSLSocket's own would pull
            # the TLS state from under the reading thread).
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, AttributeError, ValueError):
        pass


def _tracking_pool(base: type[HTTPConnectionPool], watchdog: _Watchdog) -> type[Any]:
    """A pool class that reports to ``watchdog`` the socket each exchange uses."""

    class _TrackingConnection(base.ConnectionCls):  # type: ignore[name-defined,misc]
        def connect(self) -> None:
            super().connect()
            watchdog.socket = self.sock

    class _TrackingPool(base):  # type: ignore[valid-type,misc]
        ConnectionCls = _TrackingConnection

        def _get_conn(self, timeout: float | None = None) -> Any:
            connection = super()._get_conn(timeout)
            watchdog.socket = connection.sock  # None until a new connection connects
            return connection

    _TrackingConnection.__name__ = f"Tracking{base.ConnectionCls.__name__}"
    _TrackingPool.__name__ = f"Tracking{base.__name__}"
    return _TrackingPool


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose pools report the socket of each exchange to the watchdog."""

    def __init__(self, watchdog: _Watchdog) -> None:
        self._watchdog = watchdog
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _tracking_pool(HTTPConnectionPool, self._watchdog),
            "https": _tracking_pool(HTTPSConnectionPool, self._watchdog),
        }


def _error_text(exc: BaseException) -> str:
    """A short text for a failed exchange: the innermost cause, classified."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        reason = getattr(current, "reason", None)
        inner = next((a for a in current.args if isinstance(a, BaseException)), None)
        if isinstance(reason, BaseException):
            current = reason
        elif inner is not None:
            current = inner
        else:
            current = current.__cause__ or current.__context__
    root = chain[-1]
    detail = _shorten(f"{type(root).__name__}: {root}", 200)
    # NewConnectionError subclasses urllib3's ConnectTimeoutError: test it first.
    if any(
        isinstance(e, urllib3.exceptions.NewConnectionError | ConnectionRefusedError) for e in chain
    ):
        return f"connection failed: {detail}"
    if any(
        isinstance(e, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError)
        for e in chain
    ):
        return f"timeout: {detail}"
    return f"connection dropped: {detail}"


# ----------------------------------------------------------------------------------------
# Redaction

_SIGNATURE_IN_HEADER = re.compile(r"(Signature=)[^,\s]*")
_SECRET_PARAMS = re.compile(r"((?:^|[?&])X-Amz-(?:Signature|Security-Token)=)[^&#]*")
_SECRET_PARAMS_BYTES = re.compile(rb"((?:^|&)X-Amz-(?:Signature|Security-Token)=)[^&]*")
_SECRET_HEADERS = frozenset({"x-amz-security-token"})


class _Redactor:
    """Removes signatures, tokens and secret keys (in every spelling they could take)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        all_secrets = {s for s in secrets if s}
        self._all = self._spellings(all_secrets)
        self._strong = self._spellings({s for s in all_secrets if len(s) >= _STRONG_SECRET})
        self._strong_text = sorted(
            {s for s in all_secrets if len(s) >= _STRONG_SECRET}, key=len, reverse=True
        )

    @staticmethod
    def _spellings(secrets: set[str]) -> list[bytes]:
        forms: set[bytes] = set()
        for secret in secrets:
            forms.add(secret.encode("utf-8"))
            forms.add(encode_form((("", secret),))[1:])
            forms.add(encode_query((("", secret),)).encode("ascii")[1:])
        return sorted((f for f in forms if f), key=len, reverse=True)

    def _scrub(self, data: bytes, forms: list[bytes]) -> bytes:
        for form in forms:
            data = data.replace(form, REDACTED.encode())
        return data

    def url(self, url: str) -> str:
        url = _SECRET_PARAMS.sub(rf"\g<1>{REDACTED}", url)
        return self._scrub(url.encode("utf-8"), self._all).decode("utf-8")

    def headers(self, headers: Headers, *, request_side: bool) -> Headers:
        forms = self._all if request_side else self._strong
        out: list[tuple[str, str]] = []
        for name, value in headers:
            if name.lower() == "authorization":
                value = _SIGNATURE_IN_HEADER.sub(rf"\g<1>{REDACTED}", value)
            elif name.lower() in _SECRET_HEADERS:
                value = REDACTED
            raw = value.encode("utf-8", "surrogateescape")
            out.append((name, self._scrub(raw, forms).decode("utf-8", "surrogateescape")))
        return tuple(out)

    def body(self, body: bytes, *, request_side: bool) -> bytes:
        if request_side:
            body = _SECRET_PARAMS_BYTES.sub(rb"\g<1>" + REDACTED.encode(), body)
            return self._scrub(body, self._all)
        return self._scrub(body, self._strong)

    def spec(self, spec: RequestSpec | None) -> RequestSpec | None:
        if spec is None or not self._strong_text:
            return spec
        params = tuple((self._text(k), self._text(v)) for k, v in spec.params)
        return spec if params == spec.params else replace(spec, params=params)

    def _text(self, text: str) -> str:
        for secret in self._strong_text:
            text = text.replace(secret, REDACTED)
        return text


# ----------------------------------------------------------------------------------------
# Text helpers

_CURL_DROPPED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "user-agent",
        "accept-encoding",
    }
)
_SCOPE_IN_HEADER = re.compile(r"Credential=[^/,\s]*/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
_SCOPE_IN_QUERY = re.compile(
    r"X-Amz-Credential=[^&]*?%2F\d{8}%2F([^&%]+)%2F([^&%]+)%2Faws4_request"
)


def _first(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers if k.lower() == wanted), None)


def _credential_scope(exchange: Exchange) -> tuple[str, str] | None:
    """(region, service) of the recorded signature, or None for an unsigned request."""
    authorization = exchange.request_header("Authorization")
    if authorization is not None:
        match = _SCOPE_IN_HEADER.search(authorization)
        return (match.group(1), match.group(2)) if match else ("us-east-1", "ec2")
    match = _SCOPE_IN_QUERY.search(exchange.url)
    if match:
        return match.group(1), match.group(2)
    if "X-Amz-Signature=" in exchange.url or "X-Amz-Algorithm=" in exchange.url:
        return "us-east-1", "ec2"
    return None


def _strip_query_auth(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [p for p in parts.query.split("&") if not p.startswith("X-Amz-")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), parts.fragment))


_SHELL_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def _shell_quote(text: str) -> str:
    if _SHELL_SAFE.fullmatch(text):
        return text
    if text.isprintable() and text.isascii():
        return "'" + text.replace("'", "'\"'\"'") + "'"
    return _shell_quote_bytes(text.encode("utf-8"))


def _shell_quote_bytes(data: bytes) -> str:
    """Bytes as a bash ``$'...'`` string (or a plain quoted one when printable ASCII)."""
    if all(0x20 <= b < 0x7F for b in data):
        return _shell_quote(data.decode("ascii")) if data else "''"
    out = []
    for b in data:
        if b in (0x27, 0x5C):  # ' and \
            out.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "$'" + "".join(out) + "'"


def _bytes_text(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def _shorten(text: str, limit: int = _TEXT_LIMIT) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} chars)"
