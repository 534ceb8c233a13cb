"""Small hostile HTTP servers for the self-tests: endpoints that are broken by definition.

:func:`hostile_server` listens on 127.0.0.1 and a port the OS chooses and answers every
connection in one of these ways (``mode``):

- ``silent``: accepts and never answers;
- ``drip``: a valid-looking 200 answer, one byte every ``drip_seconds``;
- ``reset``: closes each connection as soon as the request has arrived;
- ``huge``: a 200 with a ``Content-Length`` of 2 GB and a body that keeps coming.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"


def _read_request(conn: socket.socket) -> None:
    conn.settimeout(5)
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk


def _serve(conn: socket.socket, mode: str, stop: threading.Event, drip_seconds: float) -> None:
    with conn, contextlib.suppress(OSError):
        _read_request(conn)
        if mode == "silent":
            stop.wait()
        elif mode == "drip":
            for byte in HEAD + b"Content-Length: 100000\r\n\r\n" + b"<" * 100000:
                if stop.wait(drip_seconds):
                    return
                conn.sendall(bytes([byte]))
        elif mode == "reset":
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        elif mode == "huge":
            conn.sendall(HEAD + b"Content-Length: 2000000000\r\n\r\n")
            block = b"<a>" * 21845
            while not stop.is_set():
                conn.sendall(block)


@contextlib.contextmanager
def hostile_server(
    mode: str, *, drip_seconds: float = 0.2, connections: list[int] | None = None
) -> Iterator[str]:
    """A hostile server on 127.0.0.1; yields its URL; stops every connection on exit.

    ``connections``, if given, gets one item appended per connection accepted."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if connections is not None:
                connections.append(1)
            thread = threading.Thread(
                target=_serve, args=(conn, mode, stop, drip_seconds), daemon=True
            )
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        acceptor.join(5)
        for thread in threads:
            thread.join(5)
        time.sleep(0)
