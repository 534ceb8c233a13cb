"""Bounded sending: one HTTP exchange that a hostile endpoint can neither hang nor flood.

:class:`BoundedTransport` sends a prepared request over one ``requests.Session`` and reads
the answer within two bounds. An overall deadline: a watchdog severs the connection when it
passes, whatever phase the exchange is in, so a server that drips headers or a body a byte
at a time is cut off too. A size cap: at most ``max_response_bytes`` of a body are kept, and
reading stops one byte past it. Redirects are never followed, and environment proxy settings
and ``.netrc`` are ignored. What comes back is a :class:`Transfer`; a failure to get an
answer is recorded in it (``error``), never raised.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
import requests.adapters
import urllib3.exceptions
import urllib3.util.url
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ec2conformance.exchange import shorten
from ec2conformance.health import Health
from ec2conformance.signing import Headers

__all__ = ["BoundedTransport", "Transfer", "sent_as_is"]

_CHUNK = 64 * 1024
# Socket timeouts are this much beyond the deadline: the watchdog is the authority.
_SOCKET_GRACE = 1.0
# What a failed exchange can raise; anything else is a bug and propagates.
_TRANSFER_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


# ---- URLs that are already percent-encoded
#
# urllib3 percent-encodes every request target it sends (``_encode_invalid_chars``, a Python
# loop over the bytes, twice a request: once in requests' URL preparation, once in
# ``urlopen``); for the suite's long generated queries that loop was a fifth of a
# request's time. A component made only of characters urllib3 allows and of ``%XX``
# escapes with upper-case hex comes out of that function unchanged, so the check below
# returns it at once; any other component takes urllib3's own path. The self-tests
# compare both on generated components (``selftests/test_transport_urls.py``).

_urllib3_encode = urllib3.util.url._encode_invalid_chars
_ENCODED: dict[int, tuple[object, re.Pattern[str]]] = {}


def _encoded_pattern(allowed_chars: Any) -> re.Pattern[str]:
    """The components that urllib3 leaves as they are, for one set of allowed characters."""
    held = _ENCODED.get(id(allowed_chars))
    if held is not None and held[0] is allowed_chars:
        return held[1]
    ascii_allowed = "".join(sorted(c for c in allowed_chars if c.isascii()))
    pattern = re.compile(f"(?:[{re.escape(ascii_allowed)}]|%[0-9A-F]{{2}})*")
    _ENCODED[id(allowed_chars)] = (allowed_chars, pattern)
    return pattern


def _encode_invalid_chars(component: str | None, allowed_chars: Any) -> str | None:
    """urllib3's percent-encoding of a URI component, returning at once a component that
    it would leave unchanged."""
    if isinstance(component, str) and _encoded_pattern(allowed_chars).fullmatch(component):
        return component
    return _urllib3_encode(component, allowed_chars)


urllib3.util.url._encode_invalid_chars = _encode_invalid_chars


def sent_as_is(path_and_query: str) -> bool:
    """Whether requests and urllib3 send this request target (``/path?query``) exactly as
    given: every character allowed where it stands, every ``%`` an upper-case escape."""
    path, mark, query = path_and_query.partition("?")
    if not _encoded_pattern(urllib3.util.url._PATH_CHARS).fullmatch(path):
        return False
    return not mark or bool(_encoded_pattern(urllib3.util.url._QUERY_CHARS).fullmatch(query))


@dataclass(frozen=True)
class Transfer:
    """What came back for one request, before redaction.

    ``status`` is None when no answer came; ``error`` then says why (``timeout after
    10.0s``, ``connection failed: ...``, ``connection dropped: ...``). An answer can have
    both a status and an error (the body broke off or ran past the deadline); ``body`` then
    holds what arrived. ``truncated``: the body was longer than the cap and was cut there.
    ``sent_at`` is the transport's clock when the exchange began.
    """

    status: int | None
    headers: Headers
    body: bytes
    truncated: bool
    elapsed: float
    error: str | None
    sent_at: datetime


class BoundedTransport:
    """Sends one request at a time within ``timeout`` seconds, keeping at most
    ``max_response_bytes`` of each body; safe to share between threads (sends are
    serialised). ``clock`` stamps each :class:`Transfer`'s ``sent_at``; ``health`` (the
    run's :class:`~ec2conformance.health.Health`) hears of every exchange and may refuse to
    send once the target has stopped answering."""

    def __init__(
        self,
        *,
        timeout: float,
        max_response_bytes: int,
        clock: Callable[[], datetime],
        health: Health | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        if timeout <= 0 or max_response_bytes < 0:
            raise ValueError("timeout must be positive and max_response_bytes not negative")
        self.timeout = float(timeout)
        self.max_response_bytes = max_response_bytes
        self._clock = clock
        self._health = health
        self._lock = threading.Lock()
        self._watchdog = _Watchdog()
        self._session = requests.Session()
        self._session.trust_env = False
        if ca_bundle is not None:  # a TLS failure is then the target's (transport errors)
            self._session.verify = ca_bundle
        adapter = _DeadlineAdapter(self._watchdog)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def send(self, request: requests.PreparedRequest) -> Transfer:
        """Send ``request`` as prepared and read its answer within the bounds
        (:class:`~ec2conformance.health.EndpointStoppedAnswering` once the target has stopped
        answering)."""
        if self._health is not None:
            self._health.before_send()
        with self._lock:
            sent_at = self._clock()
            start = time.monotonic()
            reading = _Reading(start + self.timeout, self.max_response_bytes)
            self._watchdog.arm(self.timeout)
            try:
                self._receive(request, reading)
            except _DeadlinePassed:
                reading.deadline_passed = True
            except _TRANSFER_ERRORS as exc:
                reading.error = _error_text(exc)
            finally:
                fired = self._watchdog.disarm()
                elapsed = time.monotonic() - start
                reading.let_go(reusable=reading.complete and not fired)
        if fired or reading.deadline_passed:
            reading.error = f"timeout after {self.timeout}s"
        transfer = reading.transfer(elapsed, sent_at)
        if self._health is not None:  # outside the lock: the health probe sends too
            self._health.after(transfer.status, transfer.error)
        return transfer

    def _receive(self, request: requests.PreparedRequest, reading: _Reading) -> None:
        response = self._session.send(
            request, stream=True, timeout=self.timeout + _SOCKET_GRACE, allow_redirects=False
        )
        reading.response = response
        if self._watchdog.fired:
            # Severed while reading the head: whatever http.client made of the partial head
            # is not an answer.
            raise _DeadlinePassed
        reading.read(response)

    def close(self) -> None:
        """Close the session's connections and end the watchdog's thread."""
        self._session.close()
        self._watchdog.close()


class _DeadlinePassed(Exception):
    """The overall deadline passed (noticed by the reading thread)."""


class _Reading:
    """The state of one exchange while its answer is read."""

    def __init__(self, deadline: float, limit: int) -> None:
        self.deadline = deadline
        self.limit = limit
        self.response: requests.Response | None = None
        self.status: int | None = None
        self.headers: Headers = ()
        self.buffer = bytearray()
        self.complete = False
        self.deadline_passed = False
        self.error: str | None = None

    def read(self, response: requests.Response) -> None:
        """Take the head, then read up to one byte past the cap, minding the deadline."""
        self.status = response.status_code
        self.headers = tuple((str(k), str(v)) for k, v in response.raw.headers.items())
        while len(self.buffer) <= self.limit:
            if time.monotonic() >= self.deadline:
                raise _DeadlinePassed
            wanted = min(_CHUNK, self.limit + 1 - len(self.buffer))
            chunk = response.raw.read(wanted, decode_content=False)
            if not chunk:
                self.complete = True
                return
            self.buffer += chunk

    def let_go(self, *, reusable: bool) -> None:
        """Return the connection to the pool, or drop it when its state is unknown."""
        if self.response is None:
            return
        if reusable:
            self.response.raw.release_conn()
        else:
            self.response.close()

    def transfer(self, elapsed: float, sent_at: datetime) -> Transfer:
        """What was read, the body cut at the cap."""
        truncated = len(self.buffer) > self.limit
        return Transfer(
            status=self.status,
            headers=self.headers,
            body=bytes(self.buffer[: self.limit]) if truncated else bytes(self.buffer),
            truncated=truncated,
            elapsed=elapsed,
            error=self.error,
            sent_at=sent_at,
        )


class _Watchdog:
    """Severs the connection of the exchange in flight once its deadline passes.

    Socket timeouts bound each read, not the exchange: a server sending one byte a second
    never trips them. The watchdog's thread shuts the socket down instead, which wakes any
    blocked send or receive (headers or body) with an error or an end of file. One thread
    serves every exchange of the transport (started on first use, ended by :meth:`close`):
    it sleeps until an exchange is armed, then until that exchange's deadline (an exchange
    that ends sooner does not wake it: it then finds no deadline, or a later exchange's, and
    sleeps on), and is woken only for a deadline sooner than the one it sleeps to. The pool
    reports the socket in use (see :func:`_tracking_pool`); the watchdog keeps its own
    reference, because http.client forgets the connection's socket once the headers of a
    ``Connection: close`` answer are read, while the body still streams from it.
    """

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._deadline: float | None = None  # of the exchange armed, if any
        self._sleeping_until: float | None = None  # what the thread's wait ends at, if timed
        self._fired = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.socket: Any = None

    def arm(self, seconds: float) -> None:
        with self._wake:
            self.socket = None
            self._fired = False
            self._deadline = time.monotonic() + seconds
            self._closed = False  # a transport used again after close is watched again
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._watch, name="ec2conformance-watchdog", daemon=True
                )
                self._thread.start()
            # The thread is woken only when it would otherwise sleep past this deadline
            # (idle, or timed for a later one): consecutive exchanges of one timeout leave
            # it asleep, so that a request costs no switch to it and back.
            until = self._sleeping_until
            if until is None or until > self._deadline:
                self._wake.notify()

    @property
    def fired(self) -> bool:
        """Whether the deadline has passed (so far) in the current exchange."""
        with self._wake:
            return self._fired

    def disarm(self) -> bool:
        """Stop watching; whether the deadline had passed."""
        with self._wake:  # the thread, asleep until the old deadline, then finds none
            self._deadline = None
            fired = self._fired
        return fired

    def close(self) -> None:
        """End the watchdog's thread (an exchange armed is no longer watched)."""
        with self._wake:
            self._closed = True
            self._deadline = None
            self._wake.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1)

    def _watch(self) -> None:
        with self._wake:
            while not self._closed:
                if self._deadline is None:
                    self._sleeping_until = None
                    self._wake.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._sleeping_until = self._deadline
                    self._wake.wait(remaining)
                    continue
                self._fired = True
                if self.socket is not None:
                    _sever(self.socket)
                    self._deadline = None  # this exchange is over: its reads now fail
                    continue
                # Still connecting (bounded by the connect timeout): look again shortly.
                self._wake.wait(0.05)


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
    detail = shorten(f"{type(root).__name__}: {root}", 200)
    verification = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if verification is not None:
        why = getattr(verification, "verify_message", None) or str(verification)
        return (
            f"TLS: the endpoint's certificate is not trusted ({shorten(why, 120)}); "
            "give --ca-bundle PATH to trust its authority"
        )
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return f"TLS failed: {shorten(f'{type(tls).__name__}: {tls}', 200)}"
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
