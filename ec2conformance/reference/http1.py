"""HTTP/1.1 requests for the reference endpoint's server (:mod:`.server`): a request head
parsed and bounded, a body read as it arrives (by length or chunked). The answer side (the
WSGI environ, the application's answer as bytes) is :mod:`.wsgi`.

Nothing here owns a socket's life or a thread: :class:`Source` reads what a connection has
when asked.
"""

from __future__ import annotations

import re
import socket
import sys
from dataclasses import dataclass
from typing import Any, Final

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
