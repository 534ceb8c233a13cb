"""The reference endpoint's HTTP/1.1 server: one event loop, a small pool of workers.

The event loop (one thread, :mod:`selectors`) owns every connection that is not being
answered: it accepts, reads, and waits until a whole request has arrived (its head, and its
body when that is at most :attr:`ServerLimits.max_buffered_body` bytes); only then does a
worker of the bounded pool (:attr:`ServerLimits.workers`, at most :data:`MAX_WORKERS`) take
the connection, call the WSGI application and write the answer. The worker then answers
every further request already read on the connection, in order (pipelining), and hands the
connection back to the loop, which waits for the next request (HTTP/1.1 keep-alive). An
idle connection costs a few hundred bytes and no thread, so many idle or slow clients never
hold a worker.

Limits (:class:`ServerLimits`): a connection idle for :attr:`~ServerLimits.idle_timeout`
seconds is closed; a request must arrive whole within
:attr:`~ServerLimits.request_timeout` seconds of its first byte (and each socket read or
write of a worker is bounded by the same time); at most
:attr:`~ServerLimits.max_connections` connections are open at once (past that the listener
pauses and the kernel's backlog, :attr:`~ServerLimits.backlog`, holds new ones); a request
head is at most :data:`MAX_REQUEST_LINE` bytes of request line and :data:`MAX_HEADERS`
header lines.

The WSGI environ follows PEP 3333, with ``QUERY_STRING`` as the raw bytes of the request
target (latin-1): nothing is re-encoded, so a malformed query stays malformed
(WIRE-MALFORMED-QUERY). A connection that is closed while the client may still be sending
(an answer given before a large body was read) is closed gracefully: the write side is shut,
what the client still sends is read and dropped for a short while, then the socket is
closed, so the client reads the answer instead of a reset.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import logging
import re
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import unquote_to_bytes

from .wire import MAX_BODY_BYTES

logger = logging.getLogger("ec2conformance.reference.server")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

MAX_WORKERS: Final = 16
"""The most workers a server may have."""
MAX_REQUEST_LINE: Final = 65536
"""A longer request line is answered 414 (as ``http.server`` does)."""
MAX_HEADERS: Final = 100
"""More header lines are answered 431 (as ``http.server`` does)."""
MAX_HEAD_BYTES: Final = MAX_REQUEST_LINE + 256 * 1024
"""A request head (request line and headers) longer than this is answered 431."""
SERVER_SOFTWARE: Final = "ec2conformance-reference/1.0"

_RECV_BYTES = 256 * 1024
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")


@dataclass(frozen=True)
class ServerLimits:
    """How much a server takes on (see the module for what each limit does)."""

    workers: int = 8
    idle_timeout: float = 5.0
    request_timeout: float = 30.0
    max_connections: int = 4096
    backlog: int = 1024
    max_buffered_body: int = MAX_BODY_BYTES + 64 * 1024
    linger_seconds: float = 2.0

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ValueError(f"workers must be between 1 and {MAX_WORKERS}")
        for name in ("idle_timeout", "request_timeout", "linger_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_connections < 1 or self.backlog < 1 or self.max_buffered_body < 0:
            raise ValueError("max_connections and backlog must be positive")


# --- parsing --------------------------------------------------------------------------------


class BadRequest(Exception):
    """A request the server answers by itself (status and reason) and then closes."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class RequestHead:
    """A parsed request line and header block."""

    method: str
    target: str  # latin-1 text of the raw bytes
    version: tuple[int, int]
    headers: list[tuple[str, str]]  # names lower-cased, in order, repeated ones kept
    content_length: int | None
    chunked: bool
    keep_alive: bool
    expect_continue: bool


def head_end(buffer: bytes | bytearray) -> int:
    """Where the request head in ``buffer`` ends (after its empty line), or -1."""
    crlf = buffer.find(b"\r\n\r\n")
    lf = buffer.find(b"\n\n")
    if crlf < 0 and lf < 0:
        return -1
    if lf < 0 or (0 <= crlf < lf):
        return crlf + 4
    return lf + 2


def _skip_blank_lines(buffer: bytearray) -> None:
    """Drop the empty lines a client may send before a request (RFC 9112, 2.2)."""
    start = 0
    while buffer.startswith(b"\r\n", start) or buffer.startswith(b"\n", start):
        start += 2 if buffer.startswith(b"\r\n", start) else 1
    if start:
        del buffer[:start]


def parse_head(raw: bytes) -> RequestHead:
    """The request line and headers of ``raw`` (the head, up to its empty line)."""
    lines = raw.split(b"\n")
    request_line = lines[0].rstrip(b"\r")
    if len(request_line) > MAX_REQUEST_LINE:
        raise BadRequest(414, "Request-URI Too Long")
    parts = request_line.split(b" ")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise BadRequest(400, "Bad request syntax")
    method_raw, target_raw, version_raw = parts
    version_match = _VERSION.fullmatch(version_raw)
    if version_match is None or not _TOKEN.fullmatch(method_raw):
        raise BadRequest(400, "Bad request version or method")
    version = (int(version_match.group(1)), int(version_match.group(2)))
    if version[0] != 1:
        raise BadRequest(505, "HTTP Version Not Supported")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        line = line.rstrip(b"\r")
        if not line:
            continue
        if line[:1] in (b" ", b"\t"):  # obsolete line folding: part of the previous value
            if not headers:
                raise BadRequest(400, "Bad header continuation")
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip().decode('latin-1')}")
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise BadRequest(400, "Bad header line")
        headers.append((name.decode("ascii").lower(), value.strip(b" \t").decode("latin-1")))
        if len(headers) > MAX_HEADERS:
            raise BadRequest(431, "Too many headers")
    lengths = {value for name, value in headers if name == "content-length"}
    codings = [value for name, value in headers if name == "transfer-encoding"]
    chunked = False
    content_length: int | None = None
    if codings:
        joined = ",".join(codings).lower().replace(" ", "").replace("\t", "")
        if joined != "chunked":
            raise BadRequest(501, "Transfer-Encoding not supported")
        chunked = True
    elif lengths:
        if len(lengths) != 1:
            raise BadRequest(400, "Conflicting Content-Length")
        declared = lengths.pop()
        if not (declared.isascii() and declared.isdigit()) or len(declared) > 18:
            raise BadRequest(400, "Bad Content-Length")
        content_length = int(declared)
    tokens = {
        token.strip().lower()
        for name, value in headers
        if name == "connection"
        for token in value.split(",")
    }
    keep_alive = "close" not in tokens if version >= (1, 1) else "keep-alive" in tokens
    expect = any(name == "expect" and value.lower() == "100-continue" for name, value in headers)
    return RequestHead(
        method=method_raw.decode("ascii"),
        target=target_raw.decode("latin-1"),
        version=version,
        headers=headers,
        content_length=content_length,
        chunked=chunked,
        keep_alive=keep_alive,
        expect_continue=expect and version >= (1, 1),
    )


def chunked_end(buffer: bytes | bytearray, start: int) -> int:
    """Where a chunked body starting at ``start`` ends (after its trailers), -1 when not all
    of it is in ``buffer``, -2 when it is malformed (the worker answers that)."""
    position = start
    while True:
        line_end = buffer.find(b"\n", position)
        if line_end < 0:
            return -1
        size_text = bytes(buffer[position:line_end]).rstrip(b"\r").split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text) or len(size_text) > 16:
            return -2
        size = int(size_text, 16)
        position = line_end + 1
        if size == 0:
            while True:  # trailers, up to the empty line
                line_end = buffer.find(b"\n", position)
                if line_end < 0:
                    return -1
                empty = line_end == position or buffer[position:line_end] == b"\r"
                position = line_end + 1
                if empty:
                    return position
        position += size
        if len(buffer) < position + 1:
            return -1
        if buffer.startswith(b"\r\n", position):
            position += 2
        elif buffer.startswith(b"\n", position):
            position += 1
        else:
            return -2 if len(buffer) >= position + 2 else -1


# --- a connection's bytes -------------------------------------------------------------------


class _Source:
    """A connection's received bytes: what is buffered, then (blocking, bounded by the
    socket's timeout) what the socket still has. ``fill=False`` never touches the socket."""

    def __init__(self, sock: socket.socket | None, buffer: bytearray) -> None:
        self.sock = sock
        self.buffer = buffer
        self.fill = sock is not None

    def _more(self) -> bool:
        if not self.fill or self.sock is None:
            return False
        data = self.sock.recv(_RECV_BYTES)
        if not data:
            return False
        self.buffer += data
        return True

    def take(self, size: int) -> bytes:
        """Up to ``size`` bytes (fewer only at the end of the stream)."""
        while len(self.buffer) < size and self._more():
            pass
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def take_line(self, limit: int = 65536) -> bytes:
        """One line with its ``\\n`` (or what there is at the end of the stream)."""
        while True:
            end = self.buffer.find(b"\n", 0, limit)
            if end >= 0:
                return self.take(end + 1)
            if len(self.buffer) >= limit or not self._more():
                return self.take(min(len(self.buffer), limit))


class _Body:
    """``wsgi.input``: a request body of a known length, or chunked (de-chunked here)."""

    def __init__(self, source: _Source, length: int | None, chunked: bool) -> None:
        self._source = source
        self._remaining = length or 0
        self._chunked = chunked
        self._done = not chunked and not length
        self.broken = False

    def _next_chunk(self) -> None:
        line = self._source.take_line()
        size_text = line.rstrip(b"\r\n").split(b";", 1)[0].strip()
        if not line.endswith(b"\n") or not _HEX.fullmatch(size_text) or len(size_text) > 16:
            self.broken = True
            raise OSError("malformed chunked body")
        self._remaining = int(size_text, 16)
        if self._remaining == 0:
            while True:  # trailers
                trailer = self._source.take_line()
                if not trailer.endswith(b"\n"):
                    self.broken = True
                    raise OSError("unterminated chunked body")
                if trailer in (b"\r\n", b"\n"):
                    break
            self._done = True

    def _chunk_end(self) -> None:
        ending = self._source.take_line(4)
        if ending not in (b"\r\n", b"\n"):
            self.broken = True
            raise OSError("malformed chunk ending")

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the body (all that is left when ``size`` < 0)."""
        out: list[bytes] = []
        wanted = size if size is not None and size >= 0 else sys.maxsize
        while wanted > 0 and not self._done:
            if self._chunked and self._remaining == 0:
                self._next_chunk()
                continue
            data = self._source.take(min(wanted, self._remaining, _RECV_BYTES))
            if not data:
                self.broken = True
                self._done = True
                break
            out.append(data)
            wanted -= len(data)
            self._remaining -= len(data)
            if self._remaining == 0:
                if self._chunked:
                    self._chunk_end()
                else:
                    self._done = True
        return b"".join(out)

    def readline(self, size: int = -1) -> bytes:
        """A line of the body (for WSGI; the reference reads with :meth:`read`)."""
        out = bytearray()
        while size < 0 or len(out) < size:
            byte = self.read(1)
            if not byte:
                break
            out += byte
            if byte == b"\n":
                break
        return bytes(out)

    def readlines(self, hint: int = -1) -> list[bytes]:
        """The body's lines."""
        return list(iter(self.readline, b""))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def finish(self) -> bool:
        """Drop what the application left unread, from the buffer only; whether the whole
        body is consumed (and so the connection can carry another request)."""
        fill, self._source.fill = self._source.fill, False
        try:
            while not self._done:
                if not self.read(_RECV_BYTES):
                    break
        except OSError:
            return False
        finally:
            self._source.fill = fill
        return self._done and not self.broken


# --- one exchange -----------------------------------------------------------------------------

_date_cache: list[Any] = [0, ""]


def http_date() -> str:
    """The current time as an HTTP date (computed once a second)."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = formatdate(now, usegmt=True)
        _date_cache[0] = now
    return str(_date_cache[1])


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def plain_answer(status: int, reason: str) -> bytes:
    """An answer the server gives by itself, before any application: text, then close."""
    body = f"{status} {_reason(status)}: {reason}\n".encode()
    return (
        f"HTTP/1.1 {status} {_reason(status)}\r\nServer: {SERVER_SOFTWARE}\r\n"
        f"Date: {http_date()}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1") + body


def make_environ(
    head: RequestHead,
    body: _Body,
    server_name: str,
    server_port: int,
    peer: tuple[str, int],
) -> dict[str, Any]:
    """The PEP 3333 environ of one request (``QUERY_STRING``: the raw bytes, latin-1)."""
    target = head.target
    if target.startswith(("http://", "https://")):  # absolute form: keep path and query
        after_scheme = target.split("//", 1)[1]
        authority, slash, rest = after_scheme.partition("/")
        target = slash + rest if slash else "/"
        if "?" in authority:
            authority, _, query_part = authority.partition("?")
            target = "/?" + query_part
    else:
        authority = ""
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": SERVER_SOFTWARE,
        "REQUEST_METHOD": head.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1") if "%" in path else path,
        "QUERY_STRING": query,
        "REQUEST_URI": head.target,
        "RAW_URI": head.target,
        "REMOTE_ADDR": peer[0],
        "REMOTE_PORT": peer[1],
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": f"HTTP/{head.version[0]}.{head.version[1]}",
    }
    for name, value in head.headers:
        if "_" in name:  # as werkzeug: a name with "_" would pass for one with "-"
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
            if key in environ:
                value = f"{environ[key]},{value}"
        environ[key] = value
    if head.chunked:
        environ["wsgi.input_terminated"] = True
        environ.pop("CONTENT_LENGTH", None)
    if authority:
        environ["HTTP_HOST"] = authority
    return environ


@dataclass
class Answer:
    """The bytes of one answer and whether the connection stays open after it."""

    data: bytes
    keep_alive: bool
    status: int


def run_app(app: WSGIApp, environ: dict[str, Any], head: RequestHead, body: _Body) -> Answer:
    """Call the application and write its answer as HTTP/1.1 bytes."""
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and captured:
            raise exc_info[1].with_traceback(exc_info[2])
        captured[:] = [status, headers]
        return _no_write

    try:
        result = app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except Exception:
        logger.exception("the application failed on %s %s", head.method, head.target)
        return Answer(plain_answer(500, "the application failed"), False, 500)
    if not captured:
        logger.error("the application did not call start_response")
        return Answer(plain_answer(500, "the application gave no status"), False, 500)
    status_line, app_headers = captured
    status = int(str(status_line).split(" ", 1)[0])
    keep_alive = head.keep_alive and body.finish()
    lines = [f"HTTP/1.1 {status_line}\r\n"]
    seen: set[str] = set()
    for name, value in app_headers:
        lowered = name.lower()
        if lowered in ("connection", "keep-alive", "transfer-encoding"):
            continue
        seen.add(lowered)
        lines.append(f"{name}: {value}\r\n")
    if "server" not in seen:
        lines.append(f"Server: {SERVER_SOFTWARE}\r\n")
    if "date" not in seen:
        lines.append(f"Date: {http_date()}\r\n")
    no_body = head.method == "HEAD" or status < 200 or status in (204, 304)
    if "content-length" not in seen and not (status < 200 or status in (204, 304)):
        lines.append(f"Content-Length: {len(payload)}\r\n")
    if not keep_alive:
        lines.append("Connection: close\r\n")
    elif head.version < (1, 1):
        lines.append("Connection: keep-alive\r\n")
    lines.append("\r\n")
    data = "".join(lines).encode("latin-1")
    if not no_body:
        data += payload
    return Answer(data, keep_alive, status)


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the reference's server has no write() callable; return the body")


def answer_bytes(app: WSGIApp, raw: bytes) -> bytes:
    """The answer to the request(s) in ``raw``, as the server would write it, with no socket
    (for benchmarks and tests): every whole request in ``raw`` is answered, in order."""
    buffer = bytearray(raw)
    out = bytearray()
    while True:
        _skip_blank_lines(buffer)
        end = head_end(buffer)
        if end < 0:
            return bytes(out)
        try:
            head = parse_head(bytes(buffer[:end]))
        except BadRequest as bad:
            return bytes(out) + plain_answer(bad.status, bad.reason)
        del buffer[:end]
        body = _Body(_Source(None, buffer), head.content_length, head.chunked)
        environ = make_environ(head, body, "127.0.0.1", 80, ("127.0.0.1", 0))
        answer = run_app(app, environ, head, body)
        out += answer.data
        if not answer.keep_alive:
            return bytes(out)


# --- the server -----------------------------------------------------------------------------

_READING: Final = "reading"
_BUSY: Final = "busy"
_LINGER: Final = "linger"


class _Connection:
    __slots__ = (
        "buffer",
        "continued",
        "deadline",
        "parsed",
        "peer",
        "sock",
        "started",
        "state",
    )

    def __init__(self, sock: socket.socket, peer: tuple[str, int], deadline: float) -> None:
        self.sock = sock
        self.peer = peer
        self.buffer = bytearray()
        self.state = _READING
        self.deadline = deadline  # idle, request or linger deadline, by state
        self.started = False  # some bytes of a request have arrived
        self.continued = False  # a 100 Continue was sent for the request being read
        self.parsed: tuple[int, RequestHead] | None = None  # the buffered head, parsed


class Server:
    """An HTTP/1.1 server for one WSGI application (see the module).

    Binds and listens when made (port 0: the OS chooses; :attr:`port` has the choice);
    :meth:`serve_forever` runs the event loop until :meth:`shutdown`; :meth:`server_close`
    closes the listener and every connection.
    """

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApp,
        limits: ServerLimits | None = None,
        *,
        log_requests: bool = False,
    ) -> None:
        self.app = app
        self.limits = limits or ServerLimits()
        self.log_requests = log_requests
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server(
            (host, port), family=family, backlog=self.limits.backlog
        )
        self._listener.setblocking(False)
        address = self._listener.getsockname()
        self.host: str = host
        self.port: int = address[1]
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._returned: collections.deque[_Connection] = collections.deque()
        self._connections: set[_Connection] = set()
        self._count_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=self.limits.workers, thread_name_prefix=f"ec2-reference-{self.port}"
        )
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._state_lock = threading.Lock()
        self._running = False
        self._idle_workers = _Gauge()
        self._accepting = False
        self._accept_paused_until = 0.0
        self._closed = False

    # -- figures -------------------------------------------------------------------------

    @property
    def connection_count(self) -> int:
        """How many connections are open (idle, being read, being answered, closing)."""
        with self._count_lock:
            return len(self._connections)

    # -- the loop ------------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.25) -> None:
        """Run the event loop in this thread until :meth:`shutdown`."""
        with self._state_lock:
            if self._stop.is_set():
                return
            self._running = True
            self._stopped.clear()
        try:
            self._selector.register(self._wake_read, selectors.EVENT_READ, None)
            self._listen(True)
            next_sweep = time.monotonic() + poll_interval
            while not self._stop.is_set():
                timeout = max(0.0, next_sweep - time.monotonic())
                for key, _ in self._selector.select(timeout):
                    self._event(key.data)
                self._take_returned()
                now = time.monotonic()
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + min(poll_interval, self.limits.idle_timeout / 4)
        finally:
            self._stopped.set()

    def _event(self, data: Any) -> None:
        """One readiness event; a defect here costs its connection, never the loop."""
        try:
            if data is None:
                self._drain_wake()
            elif data == "listener":
                self._accept()
            else:
                self._readable(data)
        except Exception:
            logger.exception("reference server defect in the event loop")
            if isinstance(data, _Connection):
                self._close(data)

    def shutdown(self) -> None:
        """Stop the event loop (answers under way go on); returns when it has stopped."""
        with self._state_lock:
            self._stop.set()
            running = self._running
        self._wake()
        if running:
            self._stopped.wait()

    def server_close(self, grace: float = 2.0) -> None:
        """Close the listener and every connection, once the workers are done.

        Requests being answered finish (a worker waiting for more of a body gets the end of
        it at once); after ``grace`` seconds the connections still busy are cut.
        """
        with self._state_lock:
            if self._closed:
                return
            self._closed = True
        self.shutdown()
        with self._count_lock:
            busy = [c for c in self._connections if c.state == _BUSY]
        for connection in busy:  # reads end now; the answers can still be written
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RD)
        if not self._idle_workers.wait_for(grace):
            with self._count_lock:
                busy = [c for c in self._connections if c.state == _BUSY]
            for connection in busy:
                with contextlib.suppress(OSError):
                    connection.sock.shutdown(socket.SHUT_RDWR)
        self._pool.shutdown(wait=True, cancel_futures=True)
        try:
            self._listener.close()
        finally:
            with self._count_lock:
                remaining = list(self._connections)
                self._connections.clear()
            for connection in remaining:
                _close_quietly(connection.sock)
            self._selector.close()
            self._wake_read.close()
            self._wake_write.close()

    def _listen(self, on: bool) -> None:
        if on and not self._accepting:
            self._selector.register(self._listener, selectors.EVENT_READ, "listener")
            self._accepting = True
        elif not on and self._accepting:
            self._selector.unregister(self._listener)
            self._accepting = False

    def _wake(self) -> None:
        # BlockingIOError: a wake-up is pending already; OSError: the server is closed
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")

    def _drain_wake(self) -> None:
        try:
            while self._wake_read.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _accept(self) -> None:
        for _ in range(64):
            if self.connection_count >= self.limits.max_connections:
                self._listen(False)
                return
            try:
                sock, peer = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    logger.warning("cannot accept a connection now: %s", exc)
                    self._listen(False)
                    self._accept_paused_until = time.monotonic() + 0.1
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(
                sock, (str(peer[0]), int(peer[1])), time.monotonic() + self.limits.idle_timeout
            )
            with self._count_lock:
                self._connections.add(connection)
            self._selector.register(sock, selectors.EVENT_READ, connection)

    def _readable(self, connection: _Connection) -> None:
        try:
            data = connection.sock.recv(_RECV_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if connection.state == _LINGER:
            if not data:
                self._close(connection)
            return
        if not data:
            self._close(connection)
            return
        connection.buffer += data
        if not connection.started:
            connection.started = True
            connection.deadline = time.monotonic() + self.limits.request_timeout
        self._consider(connection)

    def _consider(self, connection: _Connection) -> None:
        """Hand the connection to a worker once a whole request is buffered."""
        buffer = connection.buffer
        _skip_blank_lines(buffer)
        if not buffer:
            return
        end = head_end(buffer)
        if end < 0:
            if len(buffer) > MAX_HEAD_BYTES:
                self._refuse(connection, BadRequest(431, "Request header fields too large"))
            return
        if not self._whole(connection, end):
            return
        self._selector.unregister(connection.sock)
        connection.state = _BUSY
        self._idle_workers.add(1)
        self._pool.submit(self._serve, connection)

    def _whole(self, connection: _Connection, end: int) -> bool:
        """Whether the request whose head ends at ``end`` can be answered now."""
        buffer = connection.buffer
        if len(buffer) == end:  # the head alone: most often a GET
            head_bytes = bytes(buffer[:end]).lower()
            if b"content-length" not in head_bytes and b"transfer-encoding" not in head_bytes:
                return True
        try:
            head = parse_head(bytes(buffer[:end]))
        except BadRequest:
            return True  # the worker answers it
        connection.parsed = (end, head)
        limit = self.limits.max_buffered_body
        if head.chunked:
            done = chunked_end(buffer, end)
            if done == -2:
                self._refuse(connection, BadRequest(400, "Malformed chunked body"))
                return False
            ready = done >= 0 or len(buffer) - end > limit
        elif head.content_length:
            ready = len(buffer) - end >= head.content_length or head.content_length > limit
        else:
            ready = True
        if not ready and head.expect_continue and not connection.continued:
            connection.continued = True
            with contextlib.suppress(OSError):
                connection.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        return ready

    def _refuse(self, connection: _Connection, bad: BadRequest) -> None:
        with contextlib.suppress(OSError):
            connection.sock.send(plain_answer(bad.status, bad.reason))
        self._linger(connection)

    def _linger(self, connection: _Connection) -> None:
        """Shut the write side; read and drop what comes for a while; then close."""
        try:
            connection.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(connection)
            return
        connection.state = _LINGER
        connection.buffer.clear()
        connection.deadline = time.monotonic() + self.limits.linger_seconds

    def _close(self, connection: _Connection) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(connection.sock)
        _close_quietly(connection.sock)
        with self._count_lock:
            self._connections.discard(connection)
        self._resume_accepting()

    def _resume_accepting(self) -> None:
        """Listen again once below the connection limit (and past an EMFILE pause)."""
        if (
            not self._accepting
            and not self._stop.is_set()
            and time.monotonic() >= self._accept_paused_until
            and self.connection_count < self.limits.max_connections
        ):
            self._listen(True)

    def _sweep(self, now: float) -> None:
        self._resume_accepting()
        with self._count_lock:
            connections = list(self._connections)
        for connection in connections:
            if connection.state != _BUSY and now >= connection.deadline:
                if connection.state == _READING and connection.started:
                    self._refuse(connection, BadRequest(408, "the request did not arrive in time"))
                    continue
                self._close(connection)

    def _take_returned(self) -> None:
        while self._returned:
            connection = self._returned.popleft()
            if connection.state == _LINGER:
                self._selector.register(connection.sock, selectors.EVENT_READ, connection)
                continue
            if connection.sock.fileno() < 0:
                with self._count_lock:
                    self._connections.discard(connection)
                continue
            connection.state = _READING
            connection.continued = False
            connection.parsed = None
            now = time.monotonic()
            if connection.buffer:
                connection.started = True
                connection.deadline = now + self.limits.request_timeout
            else:
                connection.started = False
                connection.deadline = now + self.limits.idle_timeout
            self._selector.register(connection.sock, selectors.EVENT_READ, connection)
            if connection.buffer:
                self._consider(connection)
        self._resume_accepting()

    # -- a worker ------------------------------------------------------------------------

    def _serve(self, connection: _Connection) -> None:
        """Answer every whole request buffered on ``connection``; then hand it back."""
        sock = connection.sock
        linger = False
        try:
            sock.settimeout(self.limits.request_timeout)
            while True:
                _skip_blank_lines(connection.buffer)
                end = head_end(connection.buffer)
                if end < 0:
                    break
                answer = self._answer_one(connection, end)
                sock.sendall(answer.data)
                if not answer.keep_alive:
                    linger = True
                    break
                if not self._buffered_whole(connection):
                    break
            sock.setblocking(False)
        except OSError:  # the client went away, or a read or write timed out
            _close_quietly(sock)
        except Exception:  # a defect of the server: log it, drop the connection
            logger.exception("reference server defect")
            _close_quietly(sock)
        if linger and sock.fileno() >= 0:
            try:
                sock.shutdown(socket.SHUT_WR)
                connection.state = _LINGER
                connection.buffer.clear()
                connection.deadline = time.monotonic() + self.limits.linger_seconds
            except OSError:
                _close_quietly(sock)
        self._returned.append(connection)
        self._wake()
        self._idle_workers.add(-1)

    def _buffered_whole(self, connection: _Connection) -> bool:
        _skip_blank_lines(connection.buffer)
        end = head_end(connection.buffer)
        if end < 0:
            return False
        try:
            head = parse_head(bytes(connection.buffer[:end]))
        except BadRequest:
            return True
        connection.parsed = (end, head)
        if head.chunked:
            return chunked_end(connection.buffer, end) >= 0
        return len(connection.buffer) - end >= (head.content_length or 0)

    def _answer_one(self, connection: _Connection, end: int) -> Answer:
        buffer = connection.buffer
        parsed, connection.parsed = connection.parsed, None
        try:
            head = parsed[1] if parsed and parsed[0] == end else parse_head(bytes(buffer[:end]))
        except BadRequest as bad:
            return Answer(plain_answer(bad.status, bad.reason), False, bad.status)
        del buffer[:end]
        body = _Body(_Source(connection.sock, buffer), head.content_length, head.chunked)
        environ = make_environ(head, body, self.host, self.port, connection.peer)
        answer = run_app(self.app, environ, head, body)
        if self.log_requests:
            logger.info(
                '%s - - "%s %s HTTP/%d.%d" %d -',
                connection.peer[0],
                head.method,
                head.target,
                *head.version,
                answer.status,
            )
        return answer


class _Gauge:
    """A count of connections handed to workers, and a wait for it to reach zero."""

    def __init__(self) -> None:
        self._value = 0
        self._condition = threading.Condition()

    def add(self, delta: int) -> None:
        with self._condition:
            self._value += delta
            if self._value == 0:
                self._condition.notify_all()

    def wait_for(self, timeout: float) -> bool:
        """Whether the count reached zero within ``timeout`` seconds."""
        with self._condition:
            return self._condition.wait_for(lambda: self._value == 0, timeout)


def _close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
