"""The answer side of the reference endpoint's server (:mod:`.server`): the WSGI environ of
a request (PEP 3333, ``QUERY_STRING`` as the raw bytes of the request target, latin-1), the
application called and its answer written as HTTP/1.1 bytes, and the answers the server
gives by itself. The requests themselves are :mod:`.http1`'s.

:func:`answer_bytes` answers whole requests given as bytes (for tests and benchmarks, with
no socket at all).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

from .http1 import (
    SERVER_SOFTWARE,
    BadRequest,
    Body,
    RequestHead,
    Source,
    head_end,
    parse_head,
    skip_blank_lines,
)

logger = logging.getLogger("ec2conformance.reference.server")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

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
