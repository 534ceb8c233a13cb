"""Small hostile HTTP servers for the self-tests: endpoints that are broken by definition.

:func:`hostile_server` listens on 127.0.0.1 and a port the OS chooses and answers every
connection in one of these ways (``mode``; :data:`MODES` lists them):

- ``silent``: accepts and never answers;
- ``drip``: a valid-looking 200 answer, one byte every ``drip_seconds``;
- ``reset``: closes each connection as soon as the request has arrived;
- ``huge``: a 200 with a ``Content-Length`` of 2 GB and a body that keeps coming;
- ``huge-chunked``: a 200 whose chunked body keeps coming (hundreds of megabytes and more);
- ``empty-200``: a 200 ``text/xml`` answer with an empty body;
- ``random-200``: a 200 ``text/xml`` answer of random bytes;
- ``entity-200``: a 200 whose XML declares an external entity pointing back at this server
  (``/entity``: a request for it would be recorded in ``paths``);
- ``bomb-200``: a 200 whose XML is an entity-expansion bomb (billion laughs);
- ``wrong-shape-200``: a 200 of well-formed XML in the EC2 namespace that is no answer;
- ``not-utf8-200``: a 200 ImportInstanceResponse declared UTF-8 with Latin-1 bytes in it;
- ``short-body``: a 200 whose ``Content-Length`` is longer than the body, then closed;
- ``redirect-loop``: a 307 to the same URL, every time;
- ``redirect-away``: a 307 to another host name (``localhost``, path ``/elsewhere``);
- ``many-headers``: a 200 with 10,000 headers;
- ``long-header``: a 200 with one header line of 1 MB;
- ``relay``: not hostile: every request is passed to ``upstream`` (a plain http endpoint)
  and its answer back, so that with ``tls`` a correct endpoint speaks https.

With ``tls`` (a certificate and key file, see :func:`self_signed_certificate`) every
connection is wrapped in TLS first.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import random
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
NAMESPACE = b"http://ec2.amazonaws.com/doc/2016-11-15/"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ImportInstanceResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<requestId>&lol9;</requestId></ImportInstanceResponse>"""

SUCCESS_TEMPLATE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ImportInstanceResponse xmlns="' + NAMESPACE + b'">'
    b"<requestId>%s</requestId><conversionTask><conversionTaskId>import-i-%s"
    b"</conversionTaskId><importInstance><description>%s</description>"
    b"</importInstance></conversionTask></ImportInstanceResponse>"
)

#: Every mode :func:`hostile_server` knows.
MODES = (
    "silent",
    "drip",
    "reset",
    "huge",
    "huge-chunked",
    "empty-200",
    "random-200",
    "entity-200",
    "bomb-200",
    "wrong-shape-200",
    "not-utf8-200",
    "short-body",
    "redirect-loop",
    "redirect-away",
    "many-headers",
    "long-header",
    "relay",
)


def _read_request(conn: socket.socket) -> bytes:
    """The request's head (up to the blank line), or what arrived before the peer stopped.
    Its body (by ``Content-Length``, at most 1 MiB) is read too, so that closing the
    connection afterwards is a clean end, not a reset of unread data."""
    conn.settimeout(5)
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = min(int(value.strip()), 1 << 20)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    return data


def _read_message(sock: socket.socket, data: bytes = b"") -> tuple[bytes, bytes] | None:
    """One HTTP message with a ``Content-Length`` body (or none): (message, what followed),
    or None when the peer closed first."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def _path_of(head: bytes) -> str:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    return parts[1].decode("latin-1") if len(parts) >= 2 else ""


def _answer(body: bytes, *, extra: bytes = b"") -> bytes:
    return HEAD + extra + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body


def _success_body(counter: int, description: bytes = b"an import") -> bytes:
    return SUCCESS_TEMPLATE % (b"req-%d" % counter, b"%08x" % counter, description)


class _Server:
    def __init__(self, mode: str, drip_seconds: float, port: int, upstream: str | None) -> None:
        self.upstream = upstream
        self.mode = mode
        self.drip_seconds = drip_seconds
        self.port = port
        self.stop = threading.Event()
        self.counter = 0
        self.rng = random.Random(20161115)
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()

    def close_all(self) -> None:
        """Wake every connection still open (a relay waiting for a client's next request)."""
        with self.lock:
            for conn in self.open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def serve(self, conn: socket.socket, paths: list[str] | None) -> None:
        if self.mode == "relay":
            with conn, contextlib.suppress(OSError, ValueError):
                self.relay(conn, paths)
            return
        with conn, contextlib.suppress(OSError):
            head = _read_request(conn)
            if paths is not None:
                paths.append(_path_of(head))
            with self.lock:
                self.counter += 1
                counter = self.counter
                noise = self.rng.randbytes(4096)
            handler = _HANDLERS[self.mode]
            handler(self, conn, counter, noise)

    # ---- the modes

    def silent(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        self.stop.wait()

    def drip(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        for byte in HEAD + b"Content-Length: 100000\r\n\r\n" + b"<" * 100000:
            if self.stop.wait(self.drip_seconds):
                return
            conn.sendall(bytes([byte]))

    def reset(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    def huge(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(HEAD + b"Content-Length: 2000000000\r\n\r\n")
        block = b"<a>" * 21845
        while not self.stop.is_set():
            conn.sendall(block)

    def huge_chunked(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
        block = b"<a>" * 21845
        chunk = b"%x\r\n" % len(block) + block + b"\r\n"
        while not self.stop.is_set():
            conn.sendall(chunk)

    def empty_200(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(_answer(b""))

    def random_200(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(_answer(noise))

    def entity_200(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        url = b"http://127.0.0.1:%d/entity" % self.port
        body = (
            b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "' + url + b'">]>\n'
            b'<ImportInstanceResponse xmlns="' + NAMESPACE + b'">'
            b"<requestId>&xxe;</requestId></ImportInstanceResponse>"
        )
        conn.sendall(_answer(body))

    def bomb_200(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(_answer(BILLION_LAUGHS))

    def wrong_shape_200(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        body = (
            b'<Nothing xmlns="' + NAMESPACE + b'"><requestId>r-%d</requestId></Nothing>' % (counter)
        )
        conn.sendall(_answer(body))

    def not_utf8_200(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(_answer(_success_body(counter, b"caf\xe9 cr\xe8me")))

    def short_body(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        body = _success_body(counter)
        head = HEAD + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (len(body) + 5000)
        conn.sendall(head + body[: len(body) // 2])

    def redirect_loop(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:%d/\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n" % self.port
        )

    def redirect_away(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        conn.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:%d/elsewhere\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n" % self.port
        )

    def many_headers(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        extra = b"".join(b"X-Filler-%d: %d\r\n" % (i, i) for i in range(10_000))
        conn.sendall(_answer(_success_body(counter), extra=extra))

    def long_header(self, conn: socket.socket, counter: int, noise: bytes) -> None:
        extra = b"X-Long: " + b"a" * (1 << 20) + b"\r\n"
        conn.sendall(_answer(_success_body(counter), extra=extra))

    def relay(self, conn: socket.socket, paths: list[str] | None) -> None:
        assert self.upstream is not None, "relay needs an upstream"
        parts = urlsplit(self.upstream)
        address = (parts.hostname or "127.0.0.1", parts.port or 80)
        conn.settimeout(30)
        pending = b""
        while not self.stop.is_set():
            request = _read_message(conn, pending)
            if request is None:
                return
            message, pending = request
            if paths is not None:
                paths.append(_path_of(message))
            with socket.create_connection(address, timeout=30) as upstream:
                upstream.sendall(message)
                answer = _read_message(upstream)
            if answer is None:
                return
            conn.sendall(answer[0])


_HANDLERS: dict[str, Callable[[_Server, socket.socket, int, bytes], None]] = {
    mode: getattr(_Server, mode.replace("-", "_")) for mode in MODES if mode != "relay"
}


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, written into ``directory``
    (made with the ``cryptography`` package where it is installed, else ``openssl``)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        openssl = shutil.which("openssl")
        if openssl is None:
            raise RuntimeError("neither cryptography nor openssl is available") from None
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@contextlib.contextmanager
def hostile_server(
    mode: str,
    *,
    drip_seconds: float = 0.2,
    connections: list[int] | None = None,
    paths: list[str] | None = None,
    tls: tuple[Path, Path] | None = None,
    upstream: str | None = None,
) -> Iterator[str]:
    """A hostile server on 127.0.0.1; yields its URL; stops every connection on exit.

    ``connections``, if given, gets one item appended per connection accepted; ``paths``
    the path of every request that arrived. ``tls`` is (certificate file, key file): the
    server then speaks https. ``upstream`` is the endpoint ``relay`` passes requests to."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    server = _Server(mode, drip_seconds, port, upstream)
    context = None
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
    threads: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with server.lock:
            server.open.add(conn)
        if context is not None:
            try:
                conn.settimeout(5)
                conn = context.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                return
        server.serve(conn, paths)

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if connections is not None:
                connections.append(1)
            thread = threading.Thread(target=handle, args=(conn,), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.stop.set()
        server.close_all()
        listener.close()
        acceptor.join(5)
        for thread in threads:
            thread.join(5)
        time.sleep(0)
