"""The embedded reference endpoint: ImportInstance (and DescribeConversionTasks,
CancelConversionTask) as ``golden/requirements.json`` describes them, always with the first
alternative.

Use :func:`make_app` for the WSGI application (to mount or to wrap, e.g. with a
fault-injection middleware) and :func:`start` to serve one on a free loopback port::

    with start() as server:
        boto3.client("ec2", endpoint_url=server.url, region_name="us-east-1",
                     aws_access_key_id=PERMITTED.access_key_id,
                     aws_secret_access_key=PERMITTED.secret_access_key)

From a shell: ``python -m ec2conformance.reference --port 8080`` (``--workers``,
``--idle-timeout``, ``--request-timeout``, ``--max-connections``, ``--backlog``; Ctrl-C or
SIGTERM stops it with status 0). The server is :mod:`.server`: HTTP/1.1 with keep-alive and
pipelining, one event loop, a bounded pool of workers.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from .app import ReferenceApp, ReferenceConfig, make_app
from .identities import DENIED, PERMITTED, Identities
from .server import MAX_WORKERS, Server, ServerLimits
from .server import logger as server_logger

__all__ = [
    "DENIED",
    "MAX_WORKERS",
    "PERMITTED",
    "Identities",
    "ReferenceApp",
    "ReferenceConfig",
    "RunningServer",
    "ServerLimits",
    "make_app",
    "start",
]


class RunningServer:
    """A reference endpoint served on a daemon thread; a context manager that stops it."""

    def __init__(self, server: Server, app: Any) -> None:
        self._server = server
        self.app = app
        self._stopped = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=server.serve_forever,
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
    def limits(self) -> ServerLimits:
        """The server's limits (workers, timeouts, connections)."""
        return self._server.limits

    @property
    def connection_count(self) -> int:
        """How many connections are open now."""
        return self._server.connection_count

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
    limits: ServerLimits | None = None,
) -> RunningServer:
    """Serve ``app`` (default: ``make_app(config)``) on ``host:port`` in a daemon thread.

    Port 0 (the default) lets the OS choose; the chosen port is read back. The socket is
    listening when this returns, so no waiting is needed. The server (:mod:`.server`) is
    HTTP/1.1 with keep-alive and pipelining, an event loop and a pool of at most
    :data:`MAX_WORKERS` workers, within ``limits`` (default :class:`ServerLimits`).
    Per-request log lines (logger ``ec2conformance.reference.server``) are off unless
    ``log_requests``.
    """
    wsgi = app if app is not None else make_app(config)
    if log_requests:
        _log_to_stderr()
    server = Server(host, port, wsgi, limits, log_requests=log_requests)
    return RunningServer(server, wsgi)


def _log_to_stderr() -> None:
    """Per-request lines reach stderr even where logging is not set up (as werkzeug does)."""
    if server_logger.level == logging.NOTSET:
        server_logger.setLevel(logging.INFO)
    if not server_logger.hasHandlers():
        server_logger.addHandler(logging.StreamHandler())
