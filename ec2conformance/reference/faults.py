"""Fault injection for self-certification: broken endpoints made from the correct one.

A fault is a WSGI layer around the reference endpoint (:func:`make_app`), switched on by
configuration (``python -m ec2conformance.reference --fault NAME``, :func:`faulty_app`,
:func:`start_faulty`), so that the correct endpoint's handlers carry no fault code
(DESIGN.md). The layer reads each request the way the reference does (its decoder and its
SigV4 verifier, used read-only), and a fault's behaviour then decides the answer: it may
forward the request unchanged, forward a rewritten one (re-signed by the layer, so that the
reference sees a correctly signed request), answer by itself, or rewrite the reference's
answer (with lxml, never with regular expressions on XML).

:data:`FAULTS` is the one table of faults: each has a name, the requirement it breaks, a
level and a one-line description, and says which of the suite's tests can see it
(``selects``, a pytest ``-k`` expression). The level says what a correct suite makes of the
fault:

- ``MUST``: the endpoint is non-conformant, with the fault's requirement failed;
- ``SHOULD``: conformant, the requirement warned; with ``--strict-conformance``
  non-conformant, the requirement failed;
- ``ALTERNATIVE``: the fault picks a later alternative of a requirement (or the lenient
  order of checks): conformant, the requirement passed; with ``--strict-conformance``
  non-conformant, the requirement failed.

A SHOULD fault is written so that it breaks its SHOULD alone: it accepts what it should
refuse by reading the request leniently (so a request with a second fault gets that
fault's answer, which the order of checks allows or records against the SHOULD), rather
than answering a code that no fault of a multi-fault request would give (which the
contract records against every fault, MUSTs included).
"""

from __future__ import annotations

import hashlib
import http
import io
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from lxml import etree

from ec2conformance.model import ACTION, API_VERSION, SAMPLE_MANIFEST_URL

from . import RunningServer, start
from .app import ReferenceApp, ReferenceConfig, StartResponse, WSGIEnviron, make_app
from .catalogue import Code, EC2Error, error_catalogue, model_data
from .identities import Principal
from .serializer import XML_DECLARATION
from .sigv4 import (
    ALGORITHM,
    SERVICE,
    TERMINATOR,
    TIMESTAMP_FORMAT,
    Verifier,
    canonical_query_strings,
    canonical_request,
    signature,
    signing_key,
)
from .validation import (
    BASE64,
    INTEGER,
    IPV4,
    NOT_XML_CHAR,
    URL,
    ParameterSet,
    is_list_index,
)
from .wire import HttpRequest, lenient_pairs, read_request, request_parameters

__all__ = [
    "FAULTS",
    "FAULTS_BY_NAME",
    "PASS_THROUGH",
    "SLOW_SECONDS",
    "Call",
    "Endpoint",
    "Fault",
    "FaultyApp",
    "Reply",
    "fault_table_markdown",
    "faulty_app",
    "start_faulty",
]

Level = Literal["MUST", "SHOULD", "ALTERNATIVE"]
Pairs = tuple[tuple[str, str], ...]

SLOW_SECONDS: Final = 3.0
"""How long the deliberately slow fault waits (the self-tests use ``--request-timeout 1``)."""

GIB: Final = 2**30
LONG_TEXT: Final = 200
"""A description longer than this (code points) makes the slow fault wait."""

FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded; charset=utf-8"
_QUERY_AUTH_NAMES: Final = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Expires",
        "X-Amz-Security-Token",
    }
)
_STAGE_3_4_CODES: Final = frozenset(
    {
        Code.UNKNOWN_PARAMETER,
        Code.MISSING_PARAMETER,
        Code.INVALID_PARAMETER_VALUE,
        Code.INVALID_PARAMETER_COMBINATION,
    }
)
_TRUTHY: Final = frozenset({"true", "1", "yes", "y", "on", "t"})
_DISK_FIELDS: Final = (
    "Image.Format",
    "Image.Bytes",
    "Image.ImportManifestUrl",
    "Volume.Size",
    "Description",
)
_IMPORT_PARAMETERS: Final = ParameterSet(model_data().import_instance)
_LIST_HEADS: Final = tuple(
    sorted(
        {
            t.template.partition("{N}")[0]
            for t in model_data().import_instance
            if "{N}" in t.template
        }
    )
)
_ENUMS: Final = model_data().enums


# ------------------------------------------------------------------------------ the request


@dataclass(frozen=True)
class Call:
    """One request as the fault layer read it: the raw request, its parameters when they
    decode, and what authentication made of it (all as the reference itself reads them).

    ``principal`` is the authenticated caller (None when authentication failed, and then
    ``auth_error`` is the reference's stage-1 answer); ``key_id`` is the access key id the
    request claims, when its signature parses at all.
    """

    environ: Mapping[str, Any]
    request: HttpRequest
    params: Pairs | None
    principal: Principal | None
    auth_error: EC2Error | None
    key_id: str | None

    def get(self, name: str) -> str | None:
        """The value of parameter ``name`` (None when absent or the request does not decode)."""
        for key, value in self.params or ():
            if key == name:
                return value
        return None

    @property
    def lenient(self) -> Pairs:
        """The parameters decoded leniently (never fails: bad escapes kept, bad UTF-8
        replaced); the query string's, then a POST's body."""
        pairs = lenient_pairs(self.request.query)
        if self.request.method == "POST":
            pairs += lenient_pairs(self.request.body)
        return tuple(pairs)

    @property
    def served(self) -> bool:
        """Whether the request reaches the action table: GET or POST on ``/``."""
        return self.request.method in ("GET", "POST") and self.request.path in ("", "/")

    @property
    def authenticated(self) -> bool:
        """Authenticated, decoded, and served (a fault rewriting it keeps stage 1 right)."""
        return self.principal is not None and self.params is not None and self.served

    @property
    def is_import(self) -> bool:
        """An authenticated, decodable ImportInstance request."""
        return self.authenticated and self.get("Action") == ACTION

    @property
    def permitted(self) -> bool:
        """Authenticated as the permitted identity."""
        return self.principal is not None and self.principal.permitted


# ------------------------------------------------------------------------------ the answer


@dataclass(frozen=True)
class Reply:
    """One answer: status, headers and body, as the client will see them."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def with_header(self, name: str, value: str) -> Reply:
        """The same answer with header ``name`` set to ``value``."""
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return Reply(self.status, (*kept, (name, value)), self.body)

    def with_status(self, status: int) -> Reply:
        """The same answer with another HTTP status."""
        return Reply(status, self.headers, self.body)

    def xml(self) -> etree._Element | None:
        """The body as an element tree (a fresh copy), or None when it is not XML."""
        try:
            return etree.fromstring(self.body, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return None

    def with_xml(self, root: etree._Element) -> Reply:
        """The same answer with ``root`` as its body, written as the serializer writes."""
        body = XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)
        return Reply(self.status, self.headers, body).with_header("Content-Length", str(len(body)))

    @property
    def root_name(self) -> str | None:
        """The local name of the body's root element, or None."""
        root = self.xml()
        return None if root is None else etree.QName(root).localname

    @property
    def code(self) -> str | None:
        """The error code: the first ``Code`` inside the first ``Error``, whatever the root."""
        root = self.xml()
        if root is None or self.status == 200:
            return None
        error = next(iter(_named(root, "Error")), None)
        code = next(iter(_named(error, "Code")), None) if error is not None else None
        return None if code is None else (code.text or "").strip()

    def respond(self, start_response: StartResponse) -> Iterable[bytes]:
        """Send the answer through WSGI."""
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {reason}", headers)
        return [self.body]


# ------------------------------------------------------------------------------ XML helpers


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _named(element: etree._Element, name: str) -> list[etree._Element]:
    """Every descendant of ``element`` (itself included) with local name ``name``."""
    return [e for e in element.iter() if isinstance(e.tag, str) and _local(e) == name]


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    return next((c for c in element if isinstance(c.tag, str) and _local(c) == name), None)


def _path(root: etree._Element, *names: str) -> etree._Element | None:
    """The element reached from ``root`` through children of these local names."""
    node: etree._Element | None = root
    for name in names:
        node = _child(node, name)
    return node


def _sibling_tag(element: etree._Element, name: str) -> str:
    """A tag called ``name`` in the namespace of ``element``."""
    namespace = etree.QName(element).namespace
    return f"{{{namespace}}}{name}" if namespace else name


def _renamespaced(root: etree._Element, namespace: str | None) -> etree._Element:
    """A copy of ``root`` with every element in ``namespace`` (None: no namespace)."""

    def tag(element: etree._Element) -> str:
        name = _local(element)
        return f"{{{namespace}}}{name}" if namespace else name

    def copy(element: etree._Element, parent: etree._Element | None) -> etree._Element:
        if parent is None:
            new = etree.Element(tag(element), nsmap={None: namespace} if namespace else None)
        else:
            new = etree.SubElement(parent, tag(element))
        new.text = element.text
        for child in element:
            if isinstance(child.tag, str):
                copy(child, new).tail = child.tail
        return new

    return copy(root, None)


# ------------------------------------------------------------------------------ parameters


def _without(params: Pairs, *names: str) -> Pairs:
    return tuple((k, v) for k, v in params if k not in names)


def _with(params: Pairs, name: str, value: str) -> Pairs:
    """``params`` with ``name`` set to ``value``: in place where present, else at the end."""
    if any(k == name for k, _ in params):
        return tuple((k, value if k == name else v) for k, v in params)
    return (*params, (name, value))


def _mapped(params: Pairs, change: Callable[[str, str], str | None]) -> Pairs:
    """``params`` with each value replaced by ``change(name, value)`` (None drops it)."""
    out: list[tuple[str, str]] = []
    for name, value in params:
        new = change(name, value)
        if new is not None:
            out.append((name, new))
    return tuple(out)


def _name_kind(name: str) -> Literal["known", "bad-index", "unknown"]:
    """How the reference's stage 3 sees an ImportInstance parameter name."""
    try:
        _IMPORT_PARAMETERS.resolve({name: ""})
    except EC2Error:
        pass
    else:
        return "known"
    for head in _LIST_HEADS:
        if name.startswith(head) and not is_list_index(name[len(head) :].split(".", 1)[0]):
            return "bad-index"
    return "unknown"


def _disks(params: Pairs) -> dict[str, dict[str, str]]:
    """The disk images by index (as written), each field (``Image.Bytes``, ...) to its value."""
    images: dict[str, dict[str, str]] = {}
    for name, value in params:
        if not name.startswith("DiskImage."):
            continue
        index, _, field = name[len("DiskImage.") :].partition(".")
        if field in _DISK_FIELDS:
            images.setdefault(index, {})[field] = value
    return images


def _integer(value: str | None) -> int | None:
    if value is None or INTEGER.fullmatch(value) is None:
        return None
    return int(value)


def _fitting_size(image_bytes: int | None) -> str:
    """The smallest ``Volume.Size`` (GiB) that holds ``image_bytes`` (at least 1)."""
    if image_bytes is None or image_bytes < 1:
        return "1"
    return str(max(1, math.ceil(image_bytes / GIB)))


def _is_disk_field(name: str, field: str) -> bool:
    return name.startswith("DiskImage.") and name.count(".") >= 2 and name.endswith("." + field)


def _disk_descriptions(call: Call) -> list[str]:
    return [v for n, v in call.params or () if _is_disk_field(n, "Description")]


# ------------------------------------------------------------------------------ the endpoint


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

    # -- forwarding ----------------------------------------------------------------------

    def forward(
        self,
        call: Call,
        params: Iterable[tuple[str, str]] | None = None,
        *,
        credentials: Any = None,
    ) -> Reply:
        """The reference's answer to ``call``: as it came (no ``params``, no
        ``credentials``), or rewritten with ``params`` and/or signed by ``credentials``
        (default: the caller's, else the permitted identity's). A rewritten request is
        signed in the ``Authorization`` header, as of the endpoint's clock."""
        if params is None and credentials is None:
            return self.run({**call.environ, "wsgi.input": io.BytesIO(call.request.body)})
        signer = credentials or (
            call.principal.credentials
            if call.principal is not None
            else self.app.config.identities.permitted
        )
        method = call.request.method if call.request.method in ("GET", "POST") else "POST"
        if params is None:
            query, body = call.request.query, call.request.body
            content_type = call.request.headers.get("content-type")
        else:
            encoded = _encode([p for p in params if p[0] not in _QUERY_AUTH_NAMES])
            query, body = (encoded, b"") if method == "GET" else (b"", encoded)
            content_type = None if method == "GET" else FORM_CONTENT_TYPE
        return self.run(self._signed_environ(call, method, query, body, content_type, signer))

    def _signed_environ(
        self,
        call: Call,
        method: str,
        query: bytes,
        body: bytes,
        content_type: str | None,
        credentials: Any,
    ) -> WSGIEnviron:
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
        authorization = (
            f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature(key, timestamp, scope, canonical)}"
        )
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
                "HTTP_HOST": host,
                "HTTP_X_AMZ_DATE": timestamp,
                "HTTP_AUTHORIZATION": authorization,
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
            }
        )
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        return environ

    def run(self, environ: WSGIEnviron) -> Reply:
        """Call the reference with ``environ`` and collect its answer."""
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = tuple(headers)
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
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
        error = next(iter(_named(root, "Error")), None)
        element = _child(error, "Code")
        if element is None:
            return reply
        element.text = code
        return reply.with_xml(root).with_status(self.catalogue.status(code))

    def remember(self, key: str, value: str) -> str:
        """The first value ever remembered under ``key`` (``value`` the first time)."""
        with self._lock:
            return self._memory.setdefault(key, value)


def _encode(pairs: Sequence[tuple[str, str]]) -> bytes:
    from urllib.parse import quote

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


# ------------------------------------------------------------------------------ the middleware

Behaviour = Callable[[Call, Endpoint], Reply]


class FaultyApp:
    """A WSGI application: the reference endpoint with one fault's behaviour around it."""

    def __init__(self, fault: Fault, app: ReferenceApp) -> None:
        self.fault = fault
        self.endpoint = Endpoint(app)
        self._defects: list[BaseException] = []
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        call, replay = self.endpoint.read(environ)
        try:
            if call is None:
                reply = self.endpoint.run(replay)
            else:
                reply = self.fault.behaviour(call, self.endpoint)
        except Exception as exc:  # a defect of the fault layer: answer like the reference
            with self._lock:
                self._defects.append(exc)
            reply = self.endpoint.server_error()
        return reply.respond(start_response)

    @property
    def defects(self) -> list[BaseException]:
        """Exceptions of the fault layer and of the reference (none, when both are correct)."""
        with self._lock:
            return [*self._defects, *self.endpoint.app.defects]


# ------------------------------------------------------------------------------ behaviours
# Each takes the call and the endpoint and returns the answer. Helpers first.


def _forward(call: Call, endpoint: Endpoint) -> Reply:
    return endpoint.forward(call)


def _rewriting(
    applies: Callable[[Call], bool], rewrite: Callable[[Call], Pairs | None]
) -> Behaviour:
    """Forward ``rewrite(call)`` (re-signed) where ``applies``; a None rewrite or an
    unchanged one forwards the request as it came."""

    def behave(call: Call, endpoint: Endpoint) -> Reply:
        if applies(call) and call.params is not None:
            params = rewrite(call)
            if params is not None and params != call.params:
                return endpoint.forward(call, params)
        return endpoint.forward(call)

    return behave


def _importing(rewrite: Callable[[Call], Pairs | None]) -> Behaviour:
    """A rewrite of authenticated ImportInstance requests."""
    return _rewriting(lambda call: call.is_import, rewrite)


def _values(change: Callable[[str, str], str | None]) -> Behaviour:
    """A rewrite of every ImportInstance parameter value (None drops the parameter)."""
    return _importing(lambda call: _mapped(call.params or (), change))


def _answer(edit: Callable[[Call, Reply, Endpoint], Reply | None]) -> Behaviour:
    """Forward as it came, then let ``edit`` change the answer (None keeps it)."""

    def behave(call: Call, endpoint: Endpoint) -> Reply:
        reply = endpoint.forward(call)
        edited = edit(call, reply, endpoint)
        return reply if edited is None else edited

    return behave


def _success(root_name: str, edit: Callable[[etree._Element, Call, Endpoint], None]) -> Behaviour:
    """Edit the XML of 200 answers whose root is ``root_name``."""

    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        if reply.status != 200:
            return None
        root = reply.xml()
        if root is None or _local(root) != root_name:
            return None
        edit(root, call, endpoint)
        return reply.with_xml(root)

    return _answer(change)


def _imported(edit: Callable[[etree._Element, Call, Endpoint], None]) -> Behaviour:
    return _success("ImportInstanceResponse", edit)


def _described(edit: Callable[[etree._Element, Call, Endpoint], None]) -> Behaviour:
    return _success("DescribeConversionTasksResponse", edit)


def _leaf(*path: str, change: Callable[[str], str | None]) -> Callable[..., None]:
    """An edit that replaces the text of the element at ``path`` (under the root)."""

    def edit(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
        element = _path(root, *path)
        if element is not None:
            element.text = change(element.text or "")

    return edit


def _errors(edit: Callable[[Reply, etree._Element, Endpoint], Reply | None]) -> Behaviour:
    """Edit every error answer (status >= 400 with an XML body)."""

    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        if reply.status < 400:
            return None
        root = reply.xml()
        return None if root is None else edit(reply, root, endpoint)

    return _answer(change)


def _always(call: Call, endpoint: Endpoint) -> bool:
    return True


def _recode(old: str, new: str, when: Callable[[Call, Endpoint], bool] = _always) -> Behaviour:
    """Answer ``new`` (with its catalogue status) where the reference answers ``old`` and
    ``when`` holds."""

    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        if reply.code == old and when(call, endpoint):
            return endpoint.with_code(reply, new)
        return None

    return _answer(change)


TASK: Final = ("conversionTask",)
IMPORT: Final = (*TASK, "importInstance")
ITEM: Final = (*IMPORT, "volumes", "item")


# -- wire ----------------------------------------------------------------------------------


def _get_refused(call: Call, endpoint: Endpoint) -> Reply:
    if call.request.method == "GET":
        return endpoint.error(Code.INVALID_REQUEST, "The HTTP method GET is not supported.")
    return endpoint.forward(call)


def _canonical_action(call: Call) -> Pairs | None:
    action = call.get("Action")
    for known in (ACTION, "DescribeConversionTasks", "CancelConversionTask"):
        if action is not None and action != known and action.lower() == known.lower():
            return _with(call.params or (), "Action", known)
    return None


def _lenient_decoding(call: Call, endpoint: Endpoint) -> Reply:
    if call.principal is None or call.params is not None or not call.served:
        return endpoint.forward(call)
    seen: dict[str, str] = {}
    for name, value in call.lenient:
        if name and name not in seen:
            seen[name] = value
    return endpoint.forward(call, tuple(seen.items()))


def _non_bmp_replaced(text: str) -> str:
    return "".join(c if ord(c) <= 0xFFFF else "\ufffd" for c in text)


# -- authentication ------------------------------------------------------------------------


def _auth_code(call: Call) -> str | None:
    return None if call.auth_error is None else call.auth_error.code


def _accepting(when: Callable[[Call, Endpoint], Any]) -> Behaviour:
    """Sign the request as ``when(call, endpoint)`` returns (credentials) where it returns
    any: the failed authentication is skipped."""

    def behave(call: Call, endpoint: Endpoint) -> Reply:
        credentials = when(call, endpoint) if call.served else None
        if credentials is not None:
            return endpoint.forward(call, credentials=credentials)
        return endpoint.forward(call)

    return behave


def _identity(endpoint: Endpoint, key_id: str | None) -> Principal | None:
    return None if key_id is None else endpoint.app.config.identities.lookup(key_id)


def _unsigned(call: Call, endpoint: Endpoint) -> Any:
    if _auth_code(call) == Code.MISSING_AUTHENTICATION_TOKEN:
        return endpoint.app.config.identities.permitted
    return None


def _bad_signature(call: Call, endpoint: Endpoint) -> Any:
    principal = _identity(endpoint, call.key_id)
    if _auth_code(call) == Code.AUTH_FAILURE and principal is not None:
        return principal.credentials
    return None


def _unknown_key(call: Call, endpoint: Endpoint) -> Any:
    if call.key_id is not None and _identity(endpoint, call.key_id) is None:
        return endpoint.app.config.identities.permitted
    return None


def _expired(call: Call, endpoint: Endpoint) -> Any:
    principal = _identity(endpoint, call.key_id)
    if _auth_code(call) == Code.REQUEST_EXPIRED and principal is not None:
        return principal.credentials
    return None


def _malformed(call: Call, endpoint: Endpoint) -> Any:
    if _auth_code(call) == Code.INCOMPLETE_SIGNATURE:
        return endpoint.app.config.identities.permitted
    return None


def _query_signature_unsupported(call: Call, endpoint: Endpoint) -> Reply:
    signed_in_query = any(
        name == "X-Amz-Signature" for name, _ in lenient_pairs(call.request.query)
    )
    if "authorization" not in call.request.headers and signed_in_query:
        return endpoint.error(
            Code.MISSING_AUTHENTICATION_TOKEN, "The request must contain an Authorization header."
        )
    return endpoint.forward(call)


def _dry_run_before_authentication(call: Call, endpoint: Endpoint) -> Reply:
    if call.auth_error is not None and dict(call.lenient).get("DryRun") == "true":
        return endpoint.error(
            Code.DRY_RUN_OPERATION, "Request would have succeeded, but DryRun flag is set."
        )
    return endpoint.forward(call)


def _known_key_bad_signature(call: Call, endpoint: Endpoint) -> bool:
    return _identity(endpoint, call.key_id) is not None and call.principal is None


# -- permission and DryRun -----------------------------------------------------------------


def _denied_allowed(call: Call, endpoint: Endpoint) -> Any:
    if call.principal is not None and not call.principal.permitted:
        return endpoint.app.config.identities.permitted
    return None


def _denied_dry_run(call: Call, endpoint: Endpoint) -> Any:
    if call.principal is not None and not call.permitted and call.get("DryRun") == "true":
        return endpoint.app.config.identities.permitted
    return None


def _dry_run_creates_task(call: Call, endpoint: Endpoint) -> Reply:
    reply = endpoint.forward(call)
    if call.is_import and call.permitted and reply.status == 412:
        endpoint.forward(call, _without(call.params or (), "DryRun"))
    return reply


def _lenient_boolean(value: str) -> str:
    return "true" if value.strip().lower() in _TRUTHY else "false"


# -- parameters and disks ------------------------------------------------------------------


def _strip_non_xml(name: str, value: str) -> str:
    echoed = name in ("Description", "LaunchSpecification.Placement.AvailabilityZone")
    if echoed or _is_disk_field(name, "Description"):
        return NOT_XML_CHAR.sub("", value)
    return value


def _volume_size_added(call: Call) -> Pairs:
    params = call.params or ()
    for index, fields in _disks(params).items():
        if "Volume.Size" not in fields:
            size = _fitting_size(_integer(fields.get("Image.Bytes")))
            params = (*params, (f"DiskImage.{index}.Volume.Size", size))
    return params


def _format_upper(name: str, value: str) -> str:
    formats = _ENUMS["DiskImageFormat"]
    if _is_disk_field(name, "Image.Format") and value not in formats and value.upper() in formats:
        return value.upper()
    return value


def _lenient_bytes(name: str, value: str) -> str:
    if not _is_disk_field(name, "Image.Bytes") or INTEGER.fullmatch(value):
        return value
    try:
        number = float(value.strip())
    except ValueError:
        return value
    return str(int(number)) if math.isfinite(number) and number >= 1 else value


def _sizes_made_to_fit(call: Call, *, only_non_positive: bool) -> Pairs:
    params = call.params or ()
    for index, fields in _disks(params).items():
        size = _integer(fields.get("Volume.Size"))
        image_bytes = _integer(fields.get("Image.Bytes"))
        if size is None:
            continue
        if only_non_positive:
            wrong = size <= 0
        else:
            wrong = image_bytes is not None and size >= 1 and image_bytes > size * GIB
        if wrong:
            params = _with(params, f"DiskImage.{index}.Volume.Size", _fitting_size(image_bytes))
    return params


def _url_replaced(name: str, value: str) -> str:
    if not _is_disk_field(name, "Image.ImportManifestUrl"):
        return value
    if URL.fullmatch(value) and NOT_XML_CHAR.search(value) is None:
        return value
    return SAMPLE_MANIFEST_URL


def _first_disk_only(call: Call) -> Pairs:
    params = call.params or ()
    disks = _disks(params)
    if len(disks) < 2:
        return params
    keep = min(disks, key=lambda index: (not index.isdigit(), int(index) if index.isdigit() else 0))
    return tuple(
        (n, v)
        for n, v in params
        if not n.startswith("DiskImage.") or n.startswith(f"DiskImage.{keep}.")
    )


_PLACEHOLDER_DISK: Final = (
    ("DiskImage.1.Image.Format", "VMDK"),
    ("DiskImage.1.Image.Bytes", "1"),
    ("DiskImage.1.Image.ImportManifestUrl", SAMPLE_MANIFEST_URL),
    ("DiskImage.1.Volume.Size", "1"),
)


def _no_disk_accepted(call: Call, endpoint: Endpoint) -> Reply:
    params = call.params or ()
    if not call.is_import or any(n.startswith("DiskImage.") for n, _ in params):
        return endpoint.forward(call)
    reply = endpoint.forward(call, (*params, *_PLACEHOLDER_DISK))
    root = reply.xml() if reply.status == 200 else None
    volumes = None if root is None else _path(root, *IMPORT, "volumes")
    if root is None or volumes is None:
        return reply
    for item in list(volumes):
        volumes.remove(item)
    return reply.with_xml(root)


def _bad_format(call: Call, endpoint: Endpoint) -> bool:
    return any(
        _is_disk_field(n, "Image.Format") and v not in _ENUMS["DiskImageFormat"]
        for n, v in call.params or ()
    )


# -- list indexes and the launch specification ---------------------------------------------


def _bad_index_dropped(call: Call) -> Pairs:
    return tuple((n, v) for n, v in call.params or () if _name_kind(n) != "bad-index")


def _has_bad_index(call: Call, endpoint: Endpoint) -> bool:
    return any(_name_kind(n) == "bad-index" for n, _ in call.params or ())


def _launch(name: str, value: str, field: str, valid: Callable[[str], bool]) -> str | None:
    if name == f"LaunchSpecification.{field}" and not valid(value):
        return None
    return value


def _int32(value: str) -> bool:
    number = _integer(value)
    return number is not None and -(2**31) <= number <= 2**31 - 1


def _monitoring(name: str, value: str) -> str:
    if name == "LaunchSpecification.Monitoring" and value not in ("true", "false"):
        return _lenient_boolean(value)
    return value


# -- the success response ------------------------------------------------------------------


def _remembered(key: str) -> Callable[..., None]:
    """An edit that gives every answer the first answer's ``key`` element text."""
    path = {"requestId": ("requestId",), "conversionTaskId": (*TASK, "conversionTaskId")}[key]

    def edit(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
        element = _path(root, *path)
        if element is not None and element.text:
            element.text = endpoint.remember(key, element.text)

    return edit


def _disk_description_from_task(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    item = _path(root, *ITEM, "description")
    task = _path(root, *IMPORT, "description")
    if item is not None and task is not None:
        item.text = task.text


def _drop_status_message(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    element = _path(root, *ITEM, "statusMessage")
    if element is not None:
        element.getparent().remove(element)


def _extra_element(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    task = _path(root, *TASK)
    if task is not None:
        etree.SubElement(task, _sibling_tag(task, "progress")).text = "0"


def _reordered(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    details = _path(root, *IMPORT)
    volumes = _child(details, "volumes")
    instance = _child(details, "instanceId")
    if details is not None and volumes is not None and instance is not None:
        volumes.addprevious(instance)


def _zone_is_region(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    zone = _path(root, *ITEM, "availabilityZone")
    if zone is not None:
        zone.text = endpoint.app.config.region


def _namespace(namespace: str) -> Behaviour:
    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        root = reply.xml() if reply.status == 200 else None
        if root is None or _local(root) != "ImportInstanceResponse":
            return None
        return reply.with_xml(_renamespaced(root, namespace))

    return _answer(change)


def _success_content_type(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
    if reply.status == 200 and reply.root_name == "ImportInstanceResponse":
        return reply.with_header("Content-Type", "application/json")
    return None


# -- errors --------------------------------------------------------------------------------


def _error_root(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    root.tag = "ErrorResponse"
    return reply.with_xml(root)


def _no_request_id(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    element = _child(root, "RequestID")
    if element is None:
        return None
    root.remove(element)
    return reply.with_xml(root)


def _error_namespace(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    return reply.with_xml(_renamespaced(root, f"http://ec2.amazonaws.com/doc/{API_VERSION}/"))


def _html_errors(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    return reply.with_header("Content-Type", "text/html; charset=utf-8")


def _renamed_code(old: str, new: str) -> Callable[[Reply, etree._Element, Endpoint], Reply | None]:
    """Rename an error code, keeping the status (so the catalogue does not know it)."""

    def edit(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
        if reply.code != old:
            return None
        error = next(iter(_named(root, "Error")), None)
        code = _child(error, "Code")
        if code is None:
            return None
        code.text = new
        return reply.with_xml(root)

    return edit


def _status_of(code: str, status: int) -> Callable[[Reply, etree._Element, Endpoint], Reply | None]:
    def edit(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
        return reply.with_status(status) if reply.code == code else None

    return edit


# -- generated requests --------------------------------------------------------------------


def _large_image_crash(call: Call, endpoint: Endpoint) -> Reply:
    reply = endpoint.forward(call)
    if not call.is_import or reply.status not in (200, 403, 412):
        return reply
    sizes = [_integer(v) for n, v in call.params or () if _is_disk_field(n, "Image.Bytes")]
    if any(size is not None and size >= 2**31 for size in sizes):
        return endpoint.server_error()
    return reply


def _many_groups_crash(call: Call, endpoint: Endpoint) -> Reply:
    groups = [n for n, _ in call.params or () if n.startswith("LaunchSpecification.GroupName.")]
    if call.get("Action") == ACTION and len(groups) >= 3:
        return endpoint.server_error()
    return endpoint.forward(call)


def _non_ascii_crash(call: Call, endpoint: Endpoint) -> Reply:
    if call.get("Action") == ACTION and any(not d.isascii() for d in _disk_descriptions(call)):
        return endpoint.server_error()
    return endpoint.forward(call)


def _slow_for_long_text(call: Call, endpoint: Endpoint) -> Reply:
    if call.get("Action") == ACTION and any(len(d) > LONG_TEXT for d in _disk_descriptions(call)):
        time.sleep(SLOW_SECONDS)  # the fault itself: an answer later than the timeout
    return endpoint.forward(call)


def _disk_index_one(call: Call, endpoint: Endpoint) -> Reply:
    if call.is_import:
        for index in _disks(call.params or ()):
            if index != "1" and is_list_index(index):
                return endpoint.error(
                    Code.UNKNOWN_PARAMETER,
                    f"The parameter DiskImage.{index} is not recognized; disk images are "
                    "numbered from 1.",
                )
    return endpoint.forward(call)


_INTEGER_FIELDS: Final = ("Image.Bytes", "Volume.Size")


def _leading_zeros_refused(call: Call, endpoint: Endpoint) -> Reply:
    if call.is_import:
        for name, value in call.params or ():
            integer_name = name == "LaunchSpecification.Placement.PartitionNumber" or any(
                _is_disk_field(name, f) for f in _INTEGER_FIELDS
            )
            if integer_name and len(value) > 1 and value.startswith("0") and value.isdigit():
                return endpoint.error(
                    Code.INVALID_PARAMETER_VALUE,
                    f"Value ({value}) for parameter {name} is invalid. Expected an integer.",
                )
    return endpoint.forward(call)


def _permission_before_parameters(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
    if not call.is_import or call.get("Version") != API_VERSION:
        return None
    if reply.code not in _STAGE_3_4_CODES:
        return None
    if not call.permitted:
        return endpoint.error(
            Code.UNAUTHORIZED_OPERATION, "You are not authorized to perform this operation."
        )
    if call.get("DryRun") == "true":
        return endpoint.error(
            Code.DRY_RUN_OPERATION, "Request would have succeeded, but DryRun flag is set."
        )
    return None


# -- lifecycle -----------------------------------------------------------------------------


def _task_states(old: str, new: str) -> Callable[..., None]:
    def edit(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
        for task in _named(root, "conversionTasks"):
            for item in task:
                state = _child(item, "state")
                if state is not None and state.text == old:
                    state.text = new

    return edit


def _described_description_dropped(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    for tasks in _named(root, "conversionTasks"):
        for item in tasks:
            description = _path(item, "importInstance", "description")
            if description is not None:
                description.text = None


def _is_describe(call: Call, endpoint: Endpoint) -> bool:
    return call.get("Action") == "DescribeConversionTasks"


# ------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Fault:
    """One broken endpoint: its name, the requirement it breaks and at which level, what it
    does, how it does it, and which of the suite's tests can see it.

    ``selects`` is a pytest ``-k`` expression for a narrowed run; ``None`` means the
    default: the example-based tests of the requirement's group (its marker) and the
    generated tests of the requirement.
    """

    name: str
    requirement: str
    level: Level
    description: str
    behaviour: Behaviour
    selects: str | None = None

    @property
    def group(self) -> str:
        """The requirement's group, which is also the suite's marker for it."""
        return _GROUPS[self.requirement.split("-", 1)[0]]

    @property
    def selection(self) -> str:
        """The ``-k`` expression of the tests that can see this fault."""
        return self.selects or f"{self.group} and not generated or {self.requirement}"


_GROUPS: Final = {
    "WIRE": "wire",
    "AUTH": "auth",
    "PERM": "permission",
    "PARAM": "params",
    "DISK": "disk",
    "LIST": "lists",
    "LAUNCH": "launch",
    "RESP": "response",
    "ERR": "errors",
    "FUZZ": "fuzz",
    "LIFE": "lifecycle",
}


PASS_THROUGH: Final = Fault(
    "none",
    "FUZZ-ORACLE",
    "MUST",
    "No fault: every request goes to the reference unchanged (the layer's own control).",
    _forward,
)

_GENERATED: Final = "mixed_stream or FUZZ-NO-SERVER-ERROR or WIRE-GET-gen or PERM-DRYRUN-FALSE-gen"
"""The generated tests that send valid requests of every shape (the mixed stream's, the
valid rows'), and the plain valid requests of FUZZ-NO-SERVER-ERROR."""

FAULTS: Final[tuple[Fault, ...]] = (
    # -- wire
    Fault(
        "get-refused",
        "WIRE-GET",
        "MUST",
        "GET requests are refused with InvalidRequest; only POST is served.",
        _get_refused,
    ),
    Fault(
        "no-action-defaults",
        "WIRE-NO-ACTION",
        "MUST",
        "A request without Action is taken as ImportInstance.",
        _rewriting(
            lambda call: call.authenticated and call.get("Action") is None,
            lambda call: (("Action", ACTION), *(call.params or ())),
        ),
    ),
    Fault(
        "action-case-insensitive",
        "WIRE-UNKNOWN-ACTION",
        "MUST",
        "Action is matched case-insensitively (importinstance is ImportInstance).",
        _rewriting(lambda call: call.authenticated, _canonical_action),
    ),
    Fault(
        "version-ignored",
        "WIRE-BAD-VERSION",
        "MUST",
        "Any Version is served as 2016-11-15: NoSuchVersion is never given.",
        _rewriting(
            lambda call: call.authenticated and call.get("Version") not in (None, API_VERSION),
            lambda call: _with(call.params or (), "Version", API_VERSION),
        ),
    ),
    Fault(
        "missing-version-defaults",
        "WIRE-NO-VERSION",
        "SHOULD",
        "A request without Version is served as 2016-11-15.",
        _rewriting(
            lambda call: call.authenticated and call.get("Version") is None,
            lambda call: _with(call.params or (), "Version", API_VERSION),
        ),
    ),
    Fault(
        "lenient-decoding",
        "WIRE-MALFORMED-QUERY",
        "SHOULD",
        "A body or query that does not decode is read leniently (bad escapes kept, bad "
        "UTF-8 replaced, empty names dropped) instead of refused.",
        _lenient_decoding,
    ),
    Fault(
        "unknown-params-ignored",
        "WIRE-UNKNOWN-PARAM",
        "MUST",
        "Unknown parameter names are ignored instead of refused with UnknownParameter.",
        _importing(
            lambda call: tuple((n, v) for n, v in call.params or () if _name_kind(n) != "unknown")
        ),
    ),
    Fault(
        "description-cr-to-lf",
        "WIRE-UTF8",
        "MUST",
        "The echoed Description has its CRs turned into LFs (a CR written raw into the XML).",
        _imported(_leaf(*IMPORT, "description", change=lambda t: t.replace("\r", "\n"))),
    ),
    Fault(
        "description-non-bmp-replaced",
        "WIRE-UTF8",
        "MUST",
        "Characters outside the BMP in the echoed Description come back as U+FFFD.",
        _imported(_leaf(*IMPORT, "description", change=_non_bmp_replaced)),
    ),
    Fault(
        "no-action-invalid-action",
        "WIRE-NO-ACTION",
        "ALTERNATIVE",
        "A request without Action is answered InvalidAction (a later alternative).",
        _recode(Code.MISSING_ACTION, Code.INVALID_ACTION),
    ),
    # -- authentication
    Fault(
        "unsigned-accepted",
        "AUTH-UNSIGNED",
        "MUST",
        "A request without any signature is served as the permitted identity.",
        _accepting(_unsigned),
    ),
    Fault(
        "signature-not-checked",
        "AUTH-BAD-SIGNATURE",
        "MUST",
        "The signature of a known key id is not checked (wrong secret, wrong service).",
        _accepting(_bad_signature),
    ),
    Fault(
        "unknown-key-accepted",
        "AUTH-UNKNOWN-KEY",
        "MUST",
        "An access key id the endpoint does not know is served as the permitted identity.",
        _accepting(_unknown_key),
    ),
    Fault(
        "clock-not-checked",
        "AUTH-EXPIRED",
        "MUST",
        "X-Amz-Date is not compared with the clock: a 20-minute-old signature is accepted.",
        _accepting(_expired),
    ),
    Fault(
        "malformed-authorization-accepted",
        "AUTH-MALFORMED",
        "SHOULD",
        "An Authorization header that is not well-formed SigV4 is ignored and the request "
        "served as the permitted identity.",
        _accepting(_malformed),
    ),
    Fault(
        "query-signature-unsupported",
        "AUTH-QUERY-SIGNATURE",
        "SHOULD",
        "A request signed in the query string is answered MissingAuthenticationToken.",
        _query_signature_unsupported,
    ),
    Fault(
        "dry-run-before-authentication",
        "AUTH-BEFORE-DRYRUN",
        "MUST",
        "DryRun=true is answered DryRunOperation before the signature is checked.",
        _dry_run_before_authentication,
    ),
    Fault(
        "unsigned-auth-failure",
        "AUTH-UNSIGNED",
        "ALTERNATIVE",
        "An unsigned request is answered AuthFailure (a later alternative).",
        _recode(Code.MISSING_AUTHENTICATION_TOKEN, Code.AUTH_FAILURE),
    ),
    Fault(
        "bad-signature-signature-does-not-match",
        "AUTH-BAD-SIGNATURE",
        "ALTERNATIVE",
        "A wrong signature of a known key id is answered SignatureDoesNotMatch (a later "
        "alternative).",
        _recode(Code.AUTH_FAILURE, "SignatureDoesNotMatch", _known_key_bad_signature),
    ),
    # -- permission and DryRun
    Fault(
        "dry-run-ignored",
        "PERM-DRYRUN-PERMITTED",
        "MUST",
        "DryRun=true is ignored: the request is carried out.",
        _rewriting(
            lambda call: call.authenticated and call.get("DryRun") == "true",
            lambda call: _without(call.params or (), "DryRun"),
        ),
    ),
    Fault(
        "denied-identity-allowed",
        "PERM-DENIED",
        "MUST",
        "The denied identity is served as if it were permitted.",
        _accepting(_denied_allowed),
    ),
    Fault(
        "dry-run-before-permission",
        "PERM-DRYRUN-DENIED",
        "MUST",
        "DryRun is checked before permission: the denied identity gets DryRunOperation.",
        _accepting(_denied_dry_run),
    ),
    Fault(
        "dry-run-creates-task",
        "PERM-DRYRUN-NO-SIDE-EFFECT",
        "MUST",
        "A DryRun request answered 412 creates the conversion task all the same.",
        _dry_run_creates_task,
        selects="permission and not generated or lifecycle",
    ),
    Fault(
        "dry-run-false-is-dry-run",
        "PERM-DRYRUN-FALSE",
        "MUST",
        "DryRun=false is taken as a DryRun (the parameter's presence is what counts).",
        _rewriting(
            lambda call: call.authenticated and call.get("DryRun") == "false",
            lambda call: _with(call.params or (), "DryRun", "true"),
        ),
    ),
    Fault(
        "dry-run-lenient-boolean",
        "PERM-DRYRUN-VALUE",
        "SHOULD",
        "DryRun is read leniently (yes, 1, True are true; anything else false).",
        _rewriting(
            lambda call: call.authenticated and call.get("DryRun") not in (None, "true", "false"),
            lambda call: _with(
                call.params or (), "DryRun", _lenient_boolean(call.get("DryRun") or "")
            ),
        ),
    ),
    # -- parameters
    Fault(
        "platform-optional",
        "PARAM-PLATFORM-MISSING",
        "MUST",
        "A missing Platform defaults to Windows.",
        _rewriting(
            lambda call: call.is_import and call.get("Platform") is None,
            lambda call: (*(call.params or ()), ("Platform", "Windows")),
        ),
    ),
    Fault(
        "platform-case-insensitive",
        "PARAM-PLATFORM-INVALID",
        "MUST",
        "Platform is matched case-insensitively and trimmed (windows, 'Windows ').",
        _values(
            lambda n, v: "Windows" if n == "Platform" and v.strip().lower() == "windows" else v
        ),
    ),
    Fault(
        "description-not-echoed",
        "PARAM-DESCRIPTION-ECHO",
        "MUST",
        "importInstance/description is always empty.",
        _imported(_leaf(*IMPORT, "description", change=lambda t: None)),
    ),
    Fault(
        "non-xml-text-stripped",
        "PARAM-TEXT-INVALID",
        "SHOULD",
        "Characters XML cannot carry are dropped from echoed text instead of refused.",
        _values(_strip_non_xml),
    ),
    # -- disk images
    Fault(
        "volume-size-optional",
        "DISK-FIELD-MISSING",
        "MUST",
        "A disk image without Volume.Size gets the smallest size that holds its bytes.",
        _importing(_volume_size_added),
    ),
    Fault(
        "format-case-insensitive",
        "DISK-FORMAT-INVALID",
        "MUST",
        "Image.Format is matched case-insensitively (vmdk is VMDK).",
        _values(_format_upper),
    ),
    Fault(
        "bytes-lenient-number",
        "DISK-BYTES-INVALID",
        "MUST",
        "Image.Bytes is parsed as a float ('+12', ' 12', '1.5' accepted).",
        _values(_lenient_bytes),
    ),
    Fault(
        "volume-size-zero-auto",
        "DISK-SIZE-INVALID",
        "MUST",
        "A Volume.Size of zero or less means 'as large as needed'.",
        _importing(lambda call: _sizes_made_to_fit(call, only_non_positive=True)),
    ),
    Fault(
        "size-fit-not-checked",
        "DISK-SIZE-TOO-SMALL",
        "SHOULD",
        "A volume too small for Image.Bytes is silently enlarged.",
        _importing(lambda call: _sizes_made_to_fit(call, only_non_positive=False)),
    ),
    Fault(
        "manifest-url-not-checked",
        "DISK-MANIFEST-URL-INVALID",
        "SHOULD",
        "Image.ImportManifestUrl is not checked (http://, relative, spaces accepted).",
        _values(_url_replaced),
    ),
    Fault(
        "extra-disks-ignored",
        "DISK-MULTIPLE",
        "MUST",
        "Disk images after the first are ignored instead of refused.",
        _importing(_first_disk_only),
    ),
    Fault(
        "no-disk-accepted",
        "DISK-NONE",
        "SHOULD",
        "A request without a disk image is accepted (a task with no volumes).",
        _no_disk_accepted,
    ),
    Fault(
        "format-invalid-format",
        "DISK-FORMAT-INVALID",
        "ALTERNATIVE",
        "A bad Image.Format is answered InvalidFormat (a later alternative).",
        _recode(Code.INVALID_PARAMETER_VALUE, "InvalidFormat", _bad_format),
    ),
    # -- list indexes
    Fault(
        "bad-list-index-ignored",
        "LIST-INDEX-INVALID",
        "SHOULD",
        "Parameters whose list index is not one (DiskImage.0, GroupName.x) are ignored.",
        _importing(_bad_index_dropped),
    ),
    Fault(
        "bad-list-index-invalid-parameter-value",
        "LIST-INDEX-INVALID",
        "ALTERNATIVE",
        "A bad list index is answered InvalidParameterValue (a later alternative).",
        _recode(Code.UNKNOWN_PARAMETER, Code.INVALID_PARAMETER_VALUE, _has_bad_index),
    ),
    # -- launch specification
    Fault(
        "instance-type-not-checked",
        "LAUNCH-ENUM-INVALID",
        "MUST",
        "An InstanceType outside the model's enum is ignored instead of refused.",
        _values(lambda n, v: _launch(n, v, "InstanceType", lambda x: x in _ENUMS["InstanceType"])),
    ),
    Fault(
        "monitoring-lenient",
        "LAUNCH-BOOLEAN-INVALID",
        "SHOULD",
        "Monitoring is read leniently (yes, 1, True are true).",
        _values(_monitoring),
    ),
    Fault(
        "partition-number-not-checked",
        "LAUNCH-INTEGER-INVALID",
        "MUST",
        "A Placement.PartitionNumber that is not a 32-bit integer is ignored.",
        _values(lambda n, v: _launch(n, v, "Placement.PartitionNumber", _int32)),
    ),
    Fault(
        "private-ip-not-checked",
        "LAUNCH-IP-INVALID",
        "SHOULD",
        "A PrivateIpAddress that is not IPv4 is ignored.",
        _values(lambda n, v: _launch(n, v, "PrivateIpAddress", lambda x: bool(IPV4.fullmatch(x)))),
    ),
    Fault(
        "user-data-not-checked",
        "LAUNCH-USERDATA-INVALID",
        "SHOULD",
        "UserData.Data that is not base64 is ignored.",
        _values(lambda n, v: _launch(n, v, "UserData.Data", lambda x: bool(BASE64.fullmatch(x)))),
    ),
    Fault(
        "host-tenancy-accepted",
        "LAUNCH-HOST-TENANCY",
        "SHOULD",
        "Placement.Tenancy=host is accepted (served as dedicated).",
        _values(
            lambda n, v: (
                "dedicated" if n == "LaunchSpecification.Placement.Tenancy" and v == "host" else v
            )
        ),
    ),
    # -- the success response
    Fault(
        "success-content-type-json",
        "RESP-ENVELOPE",
        "MUST",
        "The success answer is labelled application/json.",
        _answer(_success_content_type),
        selects="response",
    ),
    Fault(
        "namespace-2014",
        "RESP-NAMESPACE",
        "MUST",
        "The success answer carries the 2014-06-15 namespace.",
        _namespace("http://ec2.amazonaws.com/doc/2014-06-15/"),
        selects="response",
    ),
    Fault(
        "namespace-without-slash",
        "RESP-NAMESPACE",
        "ALTERNATIVE",
        "The success answer's namespace lacks the trailing slash (a later alternative).",
        _namespace(f"http://ec2.amazonaws.com/doc/{API_VERSION}"),
        selects="response",
    ),
    Fault(
        "request-id-reused",
        "RESP-REQUEST-ID",
        "MUST",
        "Every success answer carries the first answer's requestId.",
        _imported(_remembered("requestId")),
        selects="response",
    ),
    Fault(
        "task-id-repeated",
        "RESP-TASK-ID",
        "MUST",
        "Every success answer carries the first task's conversionTaskId.",
        _imported(_remembered("conversionTaskId")),
        selects="response",
    ),
    Fault(
        "task-id-upper-case",
        "RESP-TASK-ID",
        "MUST",
        "conversionTaskId is written in upper case after import-i-.",
        _imported(_leaf(*TASK, "conversionTaskId", change=lambda t: "import-i-" + t[9:].upper())),
        selects="response",
    ),
    Fault(
        "expiration-empty",
        "RESP-EXPIRATION",
        "MUST",
        "expirationTime is empty.",
        _imported(_leaf(*TASK, "expirationTime", change=lambda t: None)),
        selects="response",
    ),
    Fault(
        "expiration-stale",
        "RESP-EXPIRATION-ISO",
        "SHOULD",
        "expirationTime is the sample's 2010-12-22T12:01Z, long past.",
        _imported(_leaf(*TASK, "expirationTime", change=lambda t: "2010-12-22T12:01Z")),
        selects="response",
    ),
    Fault(
        "format-echo-lower-case",
        "RESP-VOLUME-ECHO",
        "MUST",
        "image/format is echoed in lower case.",
        _imported(_leaf(*ITEM, "image", "format", change=str.lower)),
        selects="response",
    ),
    Fault(
        "image-size-in-kib",
        "RESP-VOLUME-ECHO",
        "MUST",
        "image/size is echoed in KiB, a different integer.",
        _imported(_leaf(*ITEM, "image", "size", change=lambda t: str(int(t) // 1024))),
        selects="response",
    ),
    Fault(
        "disk-description-from-task",
        "RESP-VOLUME-ECHO",
        "MUST",
        "The volume's description echoes the task's Description, not the disk image's.",
        _imported(_disk_description_from_task),
        selects="response",
    ),
    Fault(
        "zone-is-region",
        "RESP-AZ-ECHO",
        "SHOULD",
        "The volume's availabilityZone is the region, not the requested zone.",
        _imported(_zone_is_region),
        selects="response",
    ),
    Fault(
        "instance-id-ten-digits",
        "RESP-INSTANCE",
        "MUST",
        "instanceId has 10 hexadecimal digits (neither 8 nor 17).",
        _imported(_leaf(*IMPORT, "instanceId", change=lambda t: t[:12])),
        selects="response",
    ),
    Fault(
        "volume-status-pending",
        "RESP-STATE",
        "SHOULD",
        "The volume's status is pending, not active.",
        _imported(_leaf(*ITEM, "status", change=lambda t: "pending")),
        selects="response",
    ),
    Fault(
        "status-message-missing",
        "RESP-GOLDEN",
        "MUST",
        "The golden response's (empty) statusMessage element is left out.",
        _imported(_drop_status_message),
        selects="response",
    ),
    Fault(
        "unknown-element",
        "RESP-GOLDEN",
        "MUST",
        "conversionTask carries a <progress> element the model does not define.",
        _imported(_extra_element),
        selects="response",
    ),
    Fault(
        "elements-reordered",
        "RESP-GOLDEN-ORDER",
        "SHOULD",
        "importInstance lists instanceId before volumes.",
        _imported(_reordered),
        selects="response",
    ),
    Fault(
        "bytes-converted-decimal",
        "RESP-SDK-PARSE",
        "MUST",
        "bytesConverted is written 0.0, which botocore cannot read as an integer.",
        _imported(_leaf(*ITEM, "bytesConverted", change=lambda t: "0.0")),
        selects="response",
    ),
    # -- error responses
    Fault(
        "error-root-error-response",
        "ERR-ENVELOPE",
        "MUST",
        "Error answers have the root ErrorResponse instead of Response.",
        _errors(_error_root),
        selects="not generated",
    ),
    Fault(
        "error-without-request-id",
        "ERR-ENVELOPE",
        "MUST",
        "Error answers have no RequestID.",
        _errors(_no_request_id),
        selects="not generated",
    ),
    Fault(
        "error-namespace",
        "ERR-NAMESPACE",
        "SHOULD",
        "Error answers put <Response> in the EC2 namespace, as several emulators do.",
        _errors(_error_namespace),
        selects="not generated",
    ),
    Fault(
        "error-unknown-code",
        "ERR-CODE-KNOWN",
        "MUST",
        "IncompleteSignature is answered as IncompleteSignatureException, a code the "
        "catalogue does not have.",
        _errors(_renamed_code(Code.INCOMPLETE_SIGNATURE, "IncompleteSignatureException")),
        selects="not generated",
    ),
    Fault(
        "auth-failure-403",
        "ERR-STATUS-MATCHES",
        "MUST",
        "AuthFailure is sent with status 403 (AWS sends 401).",
        _errors(_status_of(Code.AUTH_FAILURE, 403)),
        selects="not generated",
    ),
    Fault(
        "malformed-query-400",
        "ERR-STATUS-DOCUMENTED",
        "SHOULD",
        "MalformedQueryString is sent with status 400 (the documented status is 404).",
        _errors(_status_of(Code.MALFORMED_QUERY_STRING, 400)),
        selects="not generated",
    ),
    Fault(
        "error-content-type-html",
        "ERR-CONTENT-TYPE",
        "MUST",
        "Error answers are labelled text/html.",
        _errors(_html_errors),
        selects="not generated",
    ),
    # -- generated requests
    Fault(
        "large-image-crash",
        "FUZZ-NO-SERVER-ERROR",
        "MUST",
        "A valid request with Image.Bytes of 2^31 or more is answered 500 (a 32-bit overflow "
        "after validation).",
        _large_image_crash,
        selects=_GENERATED,
    ),
    Fault(
        "many-groups-crash",
        "FUZZ-NO-SERVER-ERROR",
        "MUST",
        "A request with three or more GroupName.N entries is answered 500.",
        _many_groups_crash,
        selects=_GENERATED,
    ),
    Fault(
        "non-ascii-disk-description-crash",
        "FUZZ-NO-SERVER-ERROR",
        "MUST",
        "A request whose DiskImage.N.Description is not ASCII is answered 500.",
        _non_ascii_crash,
        selects=_GENERATED,
    ),
    Fault(
        "long-disk-description-slow",
        "FUZZ-NO-SERVER-ERROR",
        "MUST",
        f"A request whose DiskImage.N.Description is longer than {LONG_TEXT} characters is "
        f"answered after {SLOW_SECONDS:g} s (beyond the self-tests' 1 s request timeout).",
        _slow_for_long_text,
        selects="mixed_stream",
    ),
    Fault(
        "disk-index-must-be-one",
        "FUZZ-ORACLE",
        "MUST",
        "A disk image numbered other than 1 (DiskImage.3.* alone) is refused UnknownParameter.",
        _disk_index_one,
        selects=_GENERATED,
    ),
    Fault(
        "leading-zeros-refused",
        "FUZZ-ORACLE",
        "MUST",
        "Integers with leading zeros (0012) are refused InvalidParameterValue.",
        _leading_zeros_refused,
        selects=_GENERATED,
    ),
    Fault(
        "permission-before-parameters",
        "FUZZ-ORACLE",
        "ALTERNATIVE",
        "Permission and DryRun are checked before missing and malformed parameters (the "
        "lenient order of checks).",
        _answer(_permission_before_parameters),
        selects=_GENERATED,
    ),
    # -- lifecycle
    Fault(
        "describe-forgets-description",
        "LIFE-DESCRIBE",
        "SHOULD",
        "DescribeConversionTasks shows the task without its Description.",
        _described(_described_description_dropped),
        selects="lifecycle",
    ),
    Fault(
        "cancel-stays-active",
        "LIFE-CANCEL",
        "SHOULD",
        "A cancelled task is still shown active.",
        _described(_task_states("cancelling", "active")),
        selects="lifecycle",
    ),
    Fault(
        "cancel-shows-cancelled",
        "LIFE-CANCEL",
        "ALTERNATIVE",
        "A cancelled task is shown cancelled rather than cancelling (a later alternative).",
        _described(_task_states("cancelling", "cancelled")),
        selects="lifecycle",
    ),
    Fault(
        "unknown-task-invalid-parameter-value",
        "LIFE-UNKNOWN-TASK",
        "SHOULD",
        "An unknown conversion task id is answered InvalidParameterValue.",
        _recode(Code.INVALID_CONVERSION_TASK_ID, Code.INVALID_PARAMETER_VALUE, _is_describe),
        selects="lifecycle",
    ),
)

FAULTS_BY_NAME: Final[Mapping[str, Fault]] = {f.name: f for f in (*FAULTS, PASS_THROUGH)}


def _check_table() -> None:
    names = [f.name for f in FAULTS]
    if len(set(names)) != len(names) or PASS_THROUGH.name in names:
        raise ValueError("fault names must be unique")


_check_table()


# ------------------------------------------------------------------------------ API


def faulty_app(name: str, config: ReferenceConfig | None = None) -> FaultyApp:
    """The reference endpoint (a new one, with its own task store) with fault ``name``
    switched on (``"none"``: the layer without a fault). KeyError for an unknown name."""
    fault = FAULTS_BY_NAME[name]
    return FaultyApp(fault, make_app(config))


def start_faulty(
    name: str,
    host: str = "127.0.0.1",
    port: int = 0,
    config: ReferenceConfig | None = None,
    *,
    log_requests: bool = False,
) -> RunningServer:
    """Serve :func:`faulty_app` on ``host:port`` (port 0: the OS chooses) in a daemon
    thread, like :func:`~ec2conformance.reference.start`."""
    return start(host, port, app=faulty_app(name, config), log_requests=log_requests)


def fault_table_markdown() -> str:
    """The table of faults as a markdown document (``selftests/FAULTS.md``)."""
    lines = [
        "# Faults the suite must catch",
        "",
        "Generated from `ec2conformance/reference/faults.py` (`FAULTS`) by "
        "`python -m ec2conformance.reference --list-faults`; do not edit by hand.",
        "",
        "Each fault is the reference endpoint with one deliberate defect "
        "(`python -m ec2conformance.reference --fault NAME`). Level **MUST**: the suite must "
        "say non-conformant with the requirement failed. **SHOULD**: conformant with the "
        "requirement warned, and non-conformant with `--strict-conformance`. "
        "**ALTERNATIVE** (a later alternative, or the lenient order of checks): conformant "
        "with the requirement passed, and non-conformant with `--strict-conformance`.",
        "",
        f"{len(FAULTS)} faults: "
        + ", ".join(
            f"{sum(f.level == level for f in FAULTS)} {level}"
            for level in ("MUST", "SHOULD", "ALTERNATIVE")
        )
        + ".",
        "",
        "| fault | requirement | level | description |",
        "|---|---|---|---|",
    ]
    for fault in FAULTS:
        description = fault.description.replace("|", "\\|")
        lines.append(f"| `{fault.name}` | {fault.requirement} | {fault.level} | {description} |")
    return "\n".join(lines) + "\n"


def fault_names() -> Iterator[str]:
    """The names of the faults of the table, in its order."""
    return (f.name for f in FAULTS)
