"""Sending requests and recording what happened.

:class:`Client` turns a :class:`~ec2conformance.model.RequestSpec` into bytes (encoding by
:mod:`ec2conformance.wire`, signing by :mod:`ec2conformance.signing`), sends them through a
:class:`~ec2conformance.transport.BoundedTransport` and returns an
:class:`~ec2conformance.exchange.Exchange`: what went on the wire and what came back, with
secrets and signatures already redacted. The client never judges an answer.

A hostile endpoint cannot hang or exhaust the suite: every exchange has an overall deadline,
at most ``max_response_bytes`` of a body are kept, and redirects are never followed (see
:mod:`ec2conformance.transport`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import requests

from ec2conformance.exchange import REDACTED, Exchange, PreparedExchange, Redactor
from ec2conformance.health import Health
from ec2conformance.model import AuthFault, Credentials, Identity, RequestSpec, Signing
from ec2conformance.safety import NOT_SENT_REASON, SafeModeRefusal, safe_spec
from ec2conformance.signing import Headers, host_header, sign_request
from ec2conformance.transport import BoundedTransport, sent_as_is
from ec2conformance.wire import FORM_CONTENT_TYPE, apply_wire_fault, encode_form, encode_query

__all__ = [
    "REDACTED",
    "USER_AGENT",
    "Client",
    "Exchange",
    "MissingIdentity",
    "PreparedExchange",
]

USER_AGENT = "ec2conformance/0.1"
# Sent with every request so that what is recorded is all that is sent (urllib3 would add
# its own User-Agent, http.client an Accept-Encoding).
_FIXED_HEADERS: Headers = (("User-Agent", USER_AGENT), ("Accept-Encoding", "identity"))
# Methods whose parameters go in the query string; every other method sends a form body.
_QUERY_METHODS = frozenset({"GET", "HEAD"})


class MissingIdentity(LookupError):
    """A spec asks for an identity the client was not given (e.g. no denied identity)."""


class Client:
    """Encodes, signs and sends requests to one endpoint, and records the exchanges.

    ``identities`` maps each identity the suite may use to its credentials; a spec naming
    one that is missing raises :class:`MissingIdentity` before anything is sent. ``clock``
    gives the signing time (default: now, UTC). ``timeout`` bounds a whole exchange
    (connect, send, headers, body); ``max_response_bytes`` bounds the body kept.
    ``exchanges`` holds the last ``max_exchanges`` exchanges, oldest first. ``health`` (the
    run's :class:`~ec2conformance.health.Health`) hears of every exchange and stops the client
    sending once the target has stopped answering; ``ca_bundle`` is the PEM file an https
    endpoint's certificate is checked against (default: the system's authorities).

    The client is safe to share between threads (sends are serialised). Environment proxy
    settings and ``.netrc`` are ignored: what is sent is exactly what is recorded.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        region: str = "us-east-1",
        identities: Mapping[Identity, Credentials],
        timeout: float = 10.0,
        max_response_bytes: int = 1 << 20,
        clock: Callable[[], datetime] | None = None,
        max_exchanges: int = 100,
        safe_mode: bool = False,
        health: Health | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"endpoint must be an http(s) URL with a host, got {endpoint!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"endpoint must not have a query or fragment: {endpoint!r}")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._transport = BoundedTransport(
            timeout=timeout,
            max_response_bytes=max_response_bytes,
            clock=self._clock,
            health=health,
            ca_bundle=ca_bundle,
        )
        self.endpoint = endpoint
        self.region = region
        self.safe_mode = safe_mode
        self.exchanges: deque[Exchange] = deque(maxlen=max_exchanges)
        self._identities = dict(identities)
        self._origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self._path = parts.path or "/"
        self._host = host_header(endpoint)
        self._redactor = Redactor(c.secret_access_key for c in self._identities.values())

    @property
    def path(self) -> str:
        """The endpoint's path (``/`` when its URL has none): where requests are sent."""
        return self._path

    @property
    def timeout(self) -> float:
        """The bound of a whole exchange, in seconds."""
        return self._transport.timeout

    @property
    def max_response_bytes(self) -> int:
        """The most of a response body that is kept."""
        return self._transport.max_response_bytes

    # -- building requests ------------------------------------------------------------

    def credentials(self, identity: Identity) -> Credentials:
        """The credentials of ``identity``; :class:`MissingIdentity` when not configured."""
        try:
            return self._identities[identity]
        except KeyError:
            raise MissingIdentity(
                f"no credentials for the {identity.value} identity were given"
            ) from None

    def prepare(self, spec: RequestSpec) -> PreparedExchange:
        """The request ``spec`` describes, exactly as :meth:`send` would send it.

        A GET (or HEAD) carries the parameters in the query string (:func:`encode_query`);
        any other method in a form body (:func:`encode_form`, ``Content-Type:
        application/x-www-form-urlencoded; charset=utf-8``). A spec with a wire fault is
        always sent as a **POST**, whatever its method: the faulty bytes cannot travel in a
        URL (requests and urllib3 rewrite or refuse them). The request is signed as
        ``spec.signing`` and ``spec.auth_fault`` say, as of the client's clock; the
        identity is needed unless the spec is unsigned.
        """
        if not spec.method:
            raise ValueError("a spec needs an HTTP method")
        credentials = self._signing_credentials(spec.identity, spec.signing)
        method = "POST" if spec.wire_fault is not None else spec.method.upper()
        url, headers, body = self._encode(spec, method)
        url, signed = self._sign(
            method, url, headers, body, credentials, spec.signing, spec.auth_fault
        )
        return PreparedExchange(method, url, (*signed, *_FIXED_HEADERS), body)

    def _signing_credentials(self, identity: Identity, signing: Signing) -> Credentials:
        """The credentials a request signed as ``signing`` needs (none when unsigned)."""
        return self.credentials(identity) if signing is not Signing.NONE else Credentials("", "")

    def _encode(self, spec: RequestSpec, method: str) -> tuple[str, Headers, bytes]:
        """The URL, headers to sign and body that carry ``spec``'s parameters."""
        url = f"{self._origin}{self._path}"
        if method in _QUERY_METHODS:
            query = encode_query(spec.params)
            return url + (f"?{query}" if query else ""), (("Host", self._host),), b""
        body = encode_form(spec.params)
        if spec.wire_fault is not None:
            body = apply_wire_fault(body, spec.wire_fault)
        return url, (("Host", self._host), ("Content-Type", FORM_CONTENT_TYPE)), body

    def _sign(
        self,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        credentials: Credentials,
        signing: Signing,
        auth_fault: AuthFault | None = None,
    ) -> tuple[str, Headers]:
        """:func:`sign_request` in this client's region, as of its clock."""
        return sign_request(
            method,
            url,
            headers,
            body,
            credentials=credentials,
            region=self.region,
            when=self._clock(),
            signing=signing,
            auth_fault=auth_fault,
        )

    # -- sending ----------------------------------------------------------------------

    def send(self, spec: RequestSpec) -> Exchange:
        """Send ``spec`` and record the exchange (see :meth:`prepare` for the encoding).

        In safe mode ``spec`` goes out as :func:`ec2conformance.safety.safe_spec` makes it
        (:class:`~ec2conformance.safety.SafeModeRefusal` when it is not to be sent)."""
        if self.safe_mode:
            safe = safe_spec(spec)
            if safe is None:
                raise SafeModeRefusal(NOT_SENT_REASON)
            spec = safe
        return self._exchange(spec, self.prepare(spec))

    def send_raw(
        self,
        method: str,
        path_and_query: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        *,
        identity: Identity = Identity.PERMITTED,
        signing: Signing = Signing.HEADER,
    ) -> Exchange:
        """Send a request built by hand, signed over exactly these bytes, and record it.

        ``path_and_query`` (``/?Action=...``) must be percent-encoded already; it is sent as
        given. ``headers`` are sent and signed as given (a ``Host`` header is added unless
        present; nothing else is, besides the signature and ``User-Agent``/
        ``Accept-Encoding``). With ``Signing.QUERY`` the ``X-Amz-*`` parameters are
        appended to the query string.
        """
        if self.safe_mode:
            raise SafeModeRefusal("safe mode: a request built by hand is not sent")
        if not path_and_query.startswith("/"):
            raise ValueError(f"path_and_query must start with '/': {path_and_query!r}")
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
        if not any(name.lower() == "host" for name, _ in pairs):
            pairs.insert(0, ("Host", self._host))
        credentials = self._signing_credentials(identity, signing)
        url, signed = self._sign(
            method, f"{self._origin}{path_and_query}", pairs, body, credentials, signing
        )
        names = {name.lower() for name, _ in signed}
        extra = tuple((k, v) for k, v in _FIXED_HEADERS if k.lower() not in names)
        return self._exchange(None, PreparedExchange(method, url, (*signed, *extra), body))

    def _exchange(self, spec: RequestSpec | None, prepared: PreparedExchange) -> Exchange:
        request = requests.PreparedRequest()
        origin_and_path = prepared.url.partition("?")[0]
        target = prepared.url[len(self._origin) :]
        # A query that requests and urllib3 send as it is skips requests' own URL
        # preparation (a loop over every byte); the rest of the URL is still checked.
        skip_query = prepared.url.startswith(self._origin) and sent_as_is(target)
        request.prepare(
            method=prepared.method,
            url=origin_and_path if skip_query else prepared.url,
            headers=dict(prepared.headers),
            data=prepared.body,
        )
        if skip_query and request.url == origin_and_path:
            request.url = prepared.url
        if request.url != prepared.url:
            raise ValueError(
                f"requests would send {request.url!r} instead of the signed {prepared.url!r}"
                " (pass a percent-encoded URL)"
            )
        sent_headers = tuple((str(k), str(v)) for k, v in request.headers.items())
        exchange = self._redactor.exchange(
            spec, prepared, sent_headers, self._transport.send(request)
        )
        self.exchanges.append(exchange)
        return exchange

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the session's connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
