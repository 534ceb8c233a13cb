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
head is at most :data:`.http1.MAX_REQUEST_LINE` bytes of request line and
:data:`.http1.MAX_HEADERS` header lines.

The requests themselves (a head parsed, a body read) are :mod:`.http1`'s, the answers (the
WSGI environ, the answer's bytes) :mod:`.wsgi`'s; the WSGI environ follows PEP 3333, with
``QUERY_STRING`` as the raw bytes of the request target (latin-1): nothing is re-encoded, so
a malformed query stays malformed (WIRE-MALFORMED-QUERY). A connection that is closed while
the client may still be sending (an answer given before a large body was read) is closed
gracefully: the write side is shut, what the client still sends is read and dropped for a
short while, then the socket is closed, so the client reads the answer instead of a reset.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import logging
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from .http1 import (
    MAX_HEAD_BYTES,
    RECV_BYTES,
    BadRequest,
    Body,
    RequestHead,
    Source,
    chunked_end,
    head_end,
    parse_head,
    skip_blank_lines,
)
from .wire import MAX_BODY_BYTES
from .wsgi import Answer, WSGIApp, make_environ, plain_answer, run_app

logger = logging.getLogger("ec2conformance.reference.server")

MAX_WORKERS: Final = 16
"""The most workers a server may have."""


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
            data = connection.sock.recv(RECV_BYTES)
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
        skip_blank_lines(buffer)
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
                skip_blank_lines(connection.buffer)
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
        skip_blank_lines(connection.buffer)
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
        body = Body(Source(connection.sock, buffer), head.content_length, head.chunked)
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
