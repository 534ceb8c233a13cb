"""The embedded reference endpoint: ImportInstance (and DescribeConversionTasks,
CancelConversionTask) as ``golden/requirements.json`` describes them, always with the first
alternative.

Use :func:`make_app` for the WSGI application (to mount or to wrap, e.g. with a
fault-injection middleware) and :func:`start` to serve one on a free loopback port::

    with start() as server:
        boto3.client("ec2", endpoint_url=server.url, region_name="us-east-1",
                     aws_access_key_id=PERMITTED.access_key_id,
                     aws_secret_access_key=PERMITTED.secret_access_key)

From a shell: ``python -m ec2conformance.reference --port 8080``.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import ReferenceApp, ReferenceConfig, make_app
from .identities import DENIED, PERMITTED, Identities

__all__ = [
    "DENIED",
    "PERMITTED",
    "Identities",
    "ReferenceApp",
    "ReferenceConfig",
    "RunningServer",
    "make_app",
    "start",
]

# Bytes that str.split() takes for white space although HTTP does not: in a request line they
# would cut the request target apart (http.server splits the latin-1 decoded line).
_SPLITTING_BYTES = bytes([0x1C, 0x1D, 0x1E, 0x1F, 0x85, 0xA0])
_PLACEHOLDER = b"\x00"


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, keeping the query string's raw bytes (PEP 3333) and quiet.

    werkzeug's development server re-encodes ``QUERY_STRING`` (a raw ``0xFF`` arrives as
    ``Ã¿``) and lets ``http.server`` split the request line on bytes like ``0x85``; both
    would hide a malformed query (WIRE-MALFORMED-QUERY) behind another answer.
    """

    log_requests = False

    def parse_request(self) -> bool:
        """http.server's parsing, with the request target's bytes kept as they came."""
        raw = self.raw_requestline
        if not any(byte in raw for byte in _SPLITTING_BYTES):
            return super().parse_request()
        original = raw.decode("latin-1").rstrip("\r\n")
        self.raw_requestline = raw.translate(
            bytes.maketrans(_SPLITTING_BYTES, _PLACEHOLDER * len(_SPLITTING_BYTES))
        )
        try:
            parsed = super().parse_request()
        finally:
            self.raw_requestline = raw
        if parsed:
            sanitised = self.requestline
            start = sanitised.find(self.path, len(self.command))
            if start >= 0:
                self.path = original[start : start + len(self.path)]
            self.requestline = original
        return parsed

    def make_environ(self) -> dict[str, Any]:
        """werkzeug's environ, with ``QUERY_STRING`` as PEP 3333 has it (raw, latin-1)."""
        environ = super().make_environ()
        environ["QUERY_STRING"] = urlsplit(self.path).query
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """werkzeug's per-request log line, only where asked for."""
        if self.log_requests:
            super().log_request(code, size)


class _LoggingRequestHandler(_RequestHandler):
    log_requests = True


class RunningServer:
    """A reference endpoint served on a daemon thread; a context manager that stops it."""

    def __init__(self, server: BaseWSGIServer, app: Any) -> None:
        self._server = server
        self.app = app
        self._stopped = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ec2-reference-{server.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._server.host

    @property
    def port(self) -> int:
        """The port the server is bound to (the OS's choice when started with port 0)."""
        return self._server.port

    @property
    def url(self) -> str:
        """The endpoint URL, e.g. ``http://127.0.0.1:50123``."""
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def defects(self) -> list[BaseException]:
        """Exceptions the app answered with InternalError (see :attr:`ReferenceApp.defects`)."""
        return list(getattr(self.app, "defects", []))

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call more than once."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningServer({self.url!r})"


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    config: ReferenceConfig | None = None,
    app: Any = None,
    *,
    log_requests: bool = False,
) -> RunningServer:
    """Serve ``app`` (default: ``make_app(config)``) on ``host:port`` in a daemon thread.

    Port 0 (the default) lets the OS choose; the chosen port is read back. The socket is
    listening when this returns, so no waiting is needed. werkzeug's per-request log lines
    are off unless ``log_requests``.
    """
    wsgi = app if app is not None else make_app(config)
    handler = _LoggingRequestHandler if log_requests else _RequestHandler
    try:
        server = make_server(host, port, wsgi, threaded=True, request_handler=handler)
    except SystemExit as exc:  # werkzeug exits the process when it cannot bind
        raise OSError(f"cannot listen on {host}:{port}") from exc
    return RunningServer(server, wsgi)
