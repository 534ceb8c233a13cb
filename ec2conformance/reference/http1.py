"""HTTP/1.1 messages for the reference endpoint's server (:mod:`.server`): a request head
parsed and bounded, a body read as it arrives (by length or chunked), the WSGI environ of a
request (PEP 3333, ``QUERY_STRING`` as the raw bytes of the request target, latin-1), the
application's answer as bytes.

Nothing here owns a socket's life or a thread: :class:`Source` reads what a connection has
when asked, and :func:`answer_bytes` answers one whole request given as bytes (for tests and
benchmarks, with no socket at all).
"""

from __future__ import annotations

import logging
import re
import socket
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import unquote_to_bytes

logger = logging.getLogger("ec2conformance.reference.server")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

MAX_REQUEST_LINE: Final = 65536
"""A longer request line is answered 414 (as ``http.server`` does)."""
MAX_HEADERS: Final = 100
"""More header lines are answered 431 (as ``http.server`` does)."""
MAX_HEAD_BYTES: Final = MAX_REQUEST_LINE + 256 * 1024
"""A request head (request line and headers) longer than this is answered 431."""
SERVER_SOFTWARE: Final = "ec2conformance-reference/1.0"

RECV_BYTES = 256 * 1024
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")


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


def skip_blank_lines(buffer: bytearray) -> None:
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


class Source:
    """A connection's received bytes: what is buffered, then (blocking, bounded by the
    socket's timeout) what the socket still has. ``fill=False`` never touches the socket."""

    def __init__(self, sock: socket.socket | None, buffer: bytearray) -> None:
        self.sock = sock
        self.buffer = buffer
        self.fill = sock is not None

    def _more(self) -> bool:
        if not self.fill or self.sock is None:
            return False
        data = self.sock.recv(RECV_BYTES)
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


class Body:
    """``wsgi.input``: a request body of a known length, or chunked (de-chunked here)."""

    def __init__(self, source: Source, length: int | None, chunked: bool) -> None:
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
            data = self._source.take(min(wanted, self._remaining, RECV_BYTES))
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
                if not self.read(RECV_BYTES):
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
    body: Body,
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


def call_app(app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> bytes:
    """The application's body for ``environ``, whole; its iterable closed (PEP 3333)."""
    result = app(environ, start_response)
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def run_app(app: WSGIApp, environ: dict[str, Any], head: RequestHead, body: Body) -> Answer:
    """Call the application and write its answer as HTTP/1.1 bytes."""
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and captured:
            raise exc_info[1].with_traceback(exc_info[2])
        captured[:] = [status, headers]
        return _no_write

    try:
        payload = call_app(app, environ, start_response)
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
        skip_blank_lines(buffer)
        end = head_end(buffer)
        if end < 0:
            return bytes(out)
        try:
            head = parse_head(bytes(buffer[:end]))
        except BadRequest as bad:
            return bytes(out) + plain_answer(bad.status, bad.reason)
        del buffer[:end]
        body = Body(Source(None, buffer), head.content_length, head.chunked)
        environ = make_environ(head, body, "127.0.0.1", 80, ("127.0.0.1", 0))
        answer = run_app(app, environ, head, body)
        out += answer.data
        if not answer.keep_alive:
            return bytes(out)
