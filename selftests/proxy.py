"""A pass-through HTTP proxy for the differential self-tests, with one alteration at a time.

:func:`start_proxy` serves on 127.0.0.1 and a port the OS chooses, on threads of this
process, and forwards every request as it came (its Host header too, so that the signature
still holds) to a backend (the embedded reference endpoint), and every answer back. Each
:data:`MODES` entry but ``pass`` alters one thing on the way.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import urlsplit

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "upgrade"}
)
LATENCY_SECONDS = 2.0
"""The delay the ``latency`` mode adds to one request in ten."""
REWRITTEN_CODE = (b"<Code>MissingParameter</Code>", b"<Code>InvalidParameterValue</Code>")
"""The ``rewrite-error-code`` mode's rewrite (every other code passes unchanged)."""
ADDED_NAMESPACE = b' xmlns="urn:example:proxy"'

Headers = list[tuple[str, str]]


def _add_namespace(status: int, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    if status == 200:
        body = body.replace(b"<requestId>", b"<requestId" + ADDED_NAMESPACE + b">", 1)
    return headers, body


def _rewrite_code(status: int, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    return headers, body.replace(*REWRITTEN_CODE)


_DECLARATION = re.compile(rb"^<\?xml[^>]*\?>")


def _re_encode(status: int, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    """A 200's body in UTF-16 (with its BOM, declaration and charset saying so)."""
    if status != 200:
        return headers, body
    text = _DECLARATION.sub(b"", body).decode("utf-8")
    encoded = ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")
    kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
    return [*kept, ("Content-Type", "text/xml; charset=UTF-16")], encoded


_FIRST_TWO = re.compile(
    rb"(<conversionTaskId>.*?</conversionTaskId>)(\s*)(<expirationTime>.*?</expirationTime>)",
    re.DOTALL,
)


def _reorder(status: int, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    """conversionTaskId and expirationTime swapped in a 200's body."""
    if status != 200:
        return headers, body
    return headers, _FIRST_TWO.sub(rb"\3\2\1", body)


EXTRA_ELEMENT = b"<proxiedBy>example</proxiedBy>"
"""What the ``*-extra-element`` modes add after a 200's ``requestId``."""


def _extra_element(status: int, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    if status != 200:
        return headers, body
    return headers, re.sub(rb"(</requestId>)", rb"\1" + EXTRA_ELEMENT, body, count=1)


Alteration = Callable[[int, Headers, bytes], tuple[Headers, bytes]]
ANSWER_ALTERATIONS: dict[str, Alteration] = {
    "add-namespace": _add_namespace,
    "rewrite-error-code": _rewrite_code,
    "re-encode": _re_encode,
    "reorder": _reorder,
    "boto3-extra-element": _extra_element,
    "describe-extra-element": _extra_element,
    "cancel-extra-element": _extra_element,
}
Request = tuple[Headers, str, bytes]  # headers, path and query, body


def _from_boto3(request: Request) -> bool:
    headers = request[0]
    return any(k.lower() == "user-agent" and v.startswith("Boto3/") for k, v in headers)


def _action_is(action: bytes) -> Callable[[Request], bool]:
    wanted = re.compile(rb"(^|[?&])Action=" + action + rb"(&|$)")

    def applies(request: Request) -> bool:
        _, path, body = request
        return bool(wanted.search(path.encode("utf-8")) or wanted.search(body))

    return applies


ONLY_FOR: dict[str, Callable[[Request], bool]] = {
    "boto3-extra-element": _from_boto3,
    "describe-extra-element": _action_is(b"DescribeConversionTasks"),
    "cancel-extra-element": _action_is(b"CancelConversionTask"),
}
"""The modes that alter the answers of some requests only: those their test says."""
DROPPED_HEADER = "X-Amz-Date"
"""The signed header the ``drop-signed-header`` mode removes from each request."""
MODES = ("pass", "drop-signed-header", "latency", *ANSWER_ALTERATIONS)


@dataclass
class RunningProxy:
    url: str
    server: ThreadingHTTPServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start_proxy(backend: str, mode: str = "pass") -> RunningProxy:
    """Serve the proxy in ``mode`` (one of :data:`MODES`) in front of ``backend``."""
    if mode not in MODES:
        raise ValueError(f"unknown proxy mode {mode!r}; one of {MODES}")
    target = urlsplit(backend)
    numbers = count(1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
            if mode == "drop-signed-header":
                headers = [(k, v) for k, v in headers if k.lower() != DROPPED_HEADER.lower()]
            if mode == "latency":
                with lock:
                    number = next(numbers)
                if number % 10 == 0:
                    time.sleep(LATENCY_SECONDS)
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                connection.putrequest(
                    self.command, self.path, skip_host=True, skip_accept_encoding=True
                )
                for name, value in headers:
                    connection.putheader(name, value)
                if body or self.command not in ("GET", "HEAD"):
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body)
                answer = connection.getresponse()
                status = answer.status
                answer_headers = [
                    (k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP
                ]
                answer_body = answer.read()
            finally:
                connection.close()
            alter = ANSWER_ALTERATIONS.get(mode)
            applies = ONLY_FOR.get(mode, lambda _: True)
            if alter is not None and applies((headers, self.path, body)):
                answer_headers, answer_body = alter(status, answer_headers, answer_body)
            self.send_response_only(status)
            for name, value in answer_headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer_body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer_body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    return RunningProxy(f"http://{host}:{port}", server, thread)
