"""The correct endpoint as a fault's behaviour sees it (:class:`Endpoint`).

The endpoint reads a request the way the reference does (:meth:`Endpoint.read`), forwards
it to the reference as it came or rewritten (a rewritten request is re-signed, so that the
reference sees a correctly signed request), and answers errors the way the reference
writes them.
"""

from __future__ import annotations

import hashlib
import io
import threading
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import quote

from ec2conformance.model import Credentials

from ..app import ReferenceApp, WSGIEnviron
from ..catalogue import Code, EC2Error, error_catalogue
from ..identities import Principal
from ..sigv4 import (
    ALGORITHM,
    QUERY_AUTH_NAMES,
    SERVICE,
    TERMINATOR,
    TIMESTAMP_FORMAT,
    Verifier,
    canonical_query_strings,
    canonical_request,
    signature,
    signing_key,
)
from ..wire import read_request, request_parameters
from ..wsgi import call_app
from .call import Call, Pairs
from .reply import Reply, error_code

FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded; charset=utf-8"


class Endpoint:
    """The correct endpoint as a fault's behaviour sees it: forward a request (as it came,
    or rewritten and re-signed), or answer an error the way the reference writes one."""

    def __init__(self, app: ReferenceApp) -> None:
        self.app = app
        self.verifier = Verifier(app.config.identities, app.config.region)
        self.catalogue = error_catalogue()
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------

    def read(self, environ: WSGIEnviron) -> tuple[Call | None, WSGIEnviron]:
        """The request as a :class:`Call` (None when its body cannot be read within the
        reference's limits) and an environ that replays it to the reference."""
        stream = _Recording(environ.get("wsgi.input"))
        reading = {**environ, "wsgi.input": stream}
        try:
            request = read_request(reading, self.app.config.max_body_bytes)
        except EC2Error:
            rest = environ.get("wsgi.input")
            return None, {**environ, "wsgi.input": _Chained(stream.recorded, rest)}
        replay = {**environ, "wsgi.input": io.BytesIO(request.body)}
        try:
            params: Pairs | None = tuple(request_parameters(request).items())
        except EC2Error:
            params = None
        key_id: str | None
        try:
            key_id = self.verifier.claim(request).access_key_id
        except EC2Error:
            key_id = None
        principal: Principal | None
        auth_error: EC2Error | None = None
        try:
            principal = self.verifier.authenticate(request, self.app.now())
        except EC2Error as error:
            principal, auth_error = None, error
        return Call(replay, request, params, principal, auth_error, key_id), replay

    def claimed(self, call: Call) -> Principal | None:
        """The identity whose access key id ``call`` claims, when the endpoint knows it."""
        return None if call.key_id is None else self.app.config.identities.lookup(call.key_id)

    @property
    def permitted(self) -> Credentials:
        """The permitted identity's credentials."""
        return self.app.config.identities.permitted

    # -- forwarding ----------------------------------------------------------------------

    def forward(
        self,
        call: Call,
        params: Iterable[tuple[str, str]] | None = None,
        *,
        credentials: Credentials | None = None,
    ) -> Reply:
        """The reference's answer to ``call``: as it came (no ``params``, no
        ``credentials``), or rewritten with ``params`` and/or signed by ``credentials``
        (default: the caller's, else the permitted identity's). A rewritten request is
        signed in the ``Authorization`` header, as of the endpoint's clock."""
        if params is None and credentials is None:
            return self.run({**call.environ, "wsgi.input": io.BytesIO(call.request.body)})
        signer = credentials or (
            call.principal.credentials if call.principal is not None else self.permitted
        )
        method = call.request.method if call.request.method in ("GET", "POST") else "POST"
        if params is None:
            query, body = call.request.query, call.request.body
            content_type = call.request.headers.get("content-type")
        else:
            encoded = _encode([p for p in params if p[0] not in QUERY_AUTH_NAMES])
            query, body = (encoded, b"") if method == "GET" else (b"", encoded)
            content_type = None if method == "GET" else FORM_CONTENT_TYPE
        headers = self._signed_headers(call, method, query, body, content_type, signer)
        return self.run(_environ(call, method, query, body, headers))

    def _signed_headers(
        self,
        call: Call,
        method: str,
        query: bytes,
        body: bytes,
        content_type: str | None,
        credentials: Credentials,
    ) -> dict[str, str]:
        """The headers of the rewritten request, ``authorization`` included (SigV4, header
        form, as of the endpoint's clock)."""
        timestamp = self.app.now().strftime(TIMESTAMP_FORMAT)
        date = timestamp[:8]
        server = call.environ.get("SERVER_NAME", "localhost")
        host = call.request.headers.get("host") or f"{server}:{call.environ.get('SERVER_PORT')}"
        headers = {"host": host, "x-amz-date": timestamp}
        if content_type:
            headers["content-type"] = content_type
        signed = ";".join(sorted(headers))
        lines = "".join(f"{k}:{' '.join(headers[k].split())}\n" for k in sorted(headers)).encode()
        canonical = canonical_request(
            method,
            canonical_query_strings(query, exclude_signature=False)[0],
            lines,
            signed,
            hashlib.sha256(body).hexdigest(),
        )
        region = self.app.config.region
        scope = f"{date}/{region}/{SERVICE}/{TERMINATOR}"
        key = signing_key(credentials.secret_access_key, date, region, SERVICE)
        headers["authorization"] = (
            f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature(key, timestamp, scope, canonical)}"
        )
        return headers

    def run(self, environ: WSGIEnviron) -> Reply:
        """Call the reference with ``environ`` and collect its answer."""
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = tuple(headers)
            return lambda data: None

        body = call_app(self.app, environ, start_response)
        return Reply(captured["status"], captured["headers"], body)

    # -- answering -----------------------------------------------------------------------

    def error(self, code: str, message: str) -> Reply:
        """An error answer written by the reference's serializer, its status from the
        catalogue."""
        response = self.app.serializer.error(EC2Error(code, message), str(uuid.uuid4()))
        return Reply(
            response.status_code, tuple(response.headers.to_wsgi_list()), response.get_data()
        )

    def server_error(self) -> Reply:
        """The reference's own answer to a defect: 500 InternalError."""
        return self.error(Code.INTERNAL_ERROR, "An internal error has occurred.")

    def with_code(self, reply: Reply, code: str) -> Reply:
        """``reply`` with its error code replaced by ``code`` (and the catalogue's status)."""
        root = reply.xml()
        if root is None:
            return reply
        element = error_code(root)
        if element is None:
            return reply
        element.text = code
        return reply.with_xml(root).with_status(self.catalogue.status(code))

    def remember(self, key: str, value: str) -> str:
        """The first value ever remembered under ``key`` (``value`` the first time)."""
        with self._lock:
            return self._memory.setdefault(key, value)


def _environ(
    call: Call, method: str, query: bytes, body: bytes, headers: dict[str, str]
) -> WSGIEnviron:
    """``call``'s environ carrying the rewritten request instead (its HTTP headers replaced
    by ``headers``)."""
    environ = {
        k: v
        for k, v in call.environ.items()
        if not k.startswith("HTTP_")
        and k not in ("CONTENT_TYPE", "CONTENT_LENGTH", "wsgi.input_terminated")
    }
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": "/",
            "QUERY_STRING": query.decode("latin-1"),
            "HTTP_HOST": headers["host"],
            "HTTP_X_AMZ_DATE": headers["x-amz-date"],
            "HTTP_AUTHORIZATION": headers["authorization"],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    if "content-type" in headers:
        environ["CONTENT_TYPE"] = headers["content-type"]
    return environ


def _encode(pairs: Sequence[tuple[str, str]]) -> bytes:
    return "&".join(
        f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}" for name, value in pairs
    ).encode("ascii")


class _Recording:
    """A ``wsgi.input`` that keeps what was read from it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._parts: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        if self._stream is None:
            return b""
        data = self._stream.read(size)
        self._parts.append(data)
        return data

    @property
    def recorded(self) -> bytes:
        return b"".join(self._parts)


class _Chained:
    """What was read already, then the rest of the original stream."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self._head = io.BytesIO(head)
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        data = self._head.read(size)
        if (size < 0 or len(data) < size) and self._rest is not None:
            data += self._rest.read(-1 if size < 0 else size - len(data))
        return data
