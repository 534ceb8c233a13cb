"""The record of one exchange: what was sent and what came back, with secrets redacted.

:class:`PreparedExchange` is a request exactly as it goes on the wire (signed, nothing
redacted); :class:`Exchange` is what the checks and reports see of one request and its answer.
:class:`Redactor` builds the recorded fields: signature values, security tokens and the text
of every configured secret (in each spelling it can take on the wire) become ``REDACTED``.
:meth:`Exchange.to_curl` reproduces a request as a shell command that signs afresh, and
:meth:`Exchange.describe` is its short text for reports.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ec2conformance.model import RequestSpec, Signing
from ec2conformance.signing import Headers
from ec2conformance.wire import encode_form, encode_query

if TYPE_CHECKING:  # transport imports this module
    from ec2conformance.transport import Transfer

__all__ = ["REDACTED", "Exchange", "PreparedExchange", "Redactor", "shorten"]

#: What replaces a signature, a token or a secret in a recorded exchange.
REDACTED = "REDACTED"
_TEXT_LIMIT = 300
# Secrets shorter than this are placeholders (LocalStack's "test"): they are still removed
# from what was sent, but not hunted for in answers and specs, where a common word would be
# mangled and the checks misled.
_STRONG_SECRET = 8


@dataclass(frozen=True)
class PreparedExchange:
    """A request exactly as it would go on the wire (signed, nothing redacted)."""

    method: str
    url: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        return _first(self.headers, name)


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as recorded for checks and reports.

    The request fields are what was sent, with signature values, security tokens and the
    text of every configured secret replaced by ``REDACTED``. ``status`` is None when no
    answer came; ``error`` then says why (``timeout after 10.0s``, ``connection dropped:
    ...``). An answer can have both a status and an error (the body broke off or ran past
    the deadline); ``response_body`` then holds what arrived. ``truncated`` means the body
    was longer than the client's ``max_response_bytes`` and was cut there. ``spec`` is None
    for :meth:`~ec2conformance.client.Client.send_raw`.
    """

    spec: RequestSpec | None
    method: str
    url: str
    request_headers: Headers
    request_body: bytes
    status: int | None
    response_headers: Headers
    response_body: bytes
    truncated: bool
    elapsed: float
    error: str | None
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        answer = self.error if self.status is None else f"{self.status}"
        if self.status is not None and self.error:
            answer += f" ({self.error})"
        return (
            f"<Exchange {self.method} {self.url} -> {answer}, "
            f"{len(self.response_body)} bytes, {self.elapsed:.3f}s>"
        )

    def header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive), or None."""
        return _first(self.response_headers, name)

    def request_header(self, name: str) -> str | None:
        """The first request header called ``name`` (case-insensitive), or None."""
        return _first(self.request_headers, name)

    @property
    def content_type(self) -> str | None:
        """The response's media type (before any ``;``), lower-cased; None without one."""
        value = self.header("Content-Type")
        return None if value is None else value.split(";", 1)[0].strip().lower()

    def to_curl(self) -> str:
        """A one-line shell command that sends this request again.

        Credentials are never in it: curl signs afresh (``--aws-sigv4``) with
        ``$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY`` from the environment, so the new
        signature, date and ``X-Amz-*`` query parameters replace the recorded ones; a
        trailing comment says what curl cannot reproduce (a deliberate signature fault).
        """
        scope = _credential_scope(self)
        url = _strip_query_auth(self.url)
        parts = ["curl", "-sS", "-i", "-X", self.method, _shell_quote(url)]
        for name, value in self.request_headers:
            if name.lower() not in _CURL_DROPPED_HEADERS:
                parts += ["-H", _shell_quote(f"{name}: {value}")]
        prefix = ""
        if self.request_body.startswith(b"@"):  # curl would read a file: pipe the body in
            prefix = f"printf %s {_shell_quote_bytes(self.request_body)} | "
            parts += ["--data-binary", "@-"]
        elif self.request_body:
            parts += ["--data-binary", _shell_quote_bytes(self.request_body)]
        notes: list[str] = []
        if scope is not None:
            region, service = scope
            parts += [
                "--aws-sigv4",
                _shell_quote(f"aws:amz:{region}:{service}"),
                "--user",
                '"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"',
            ]
            notes.append("re-signed by curl with the credentials in the environment")
        if self.spec is not None and self.spec.auth_fault is not None:
            notes.append(f"the original carried the signature fault {self.spec.auth_fault.value}")
        if self.spec is not None and self.spec.signing is Signing.QUERY:
            notes.append("the original was signed in the query string")
        line = prefix + " ".join(parts)
        return f"{line}  # {'; '.join(notes)}" if notes else line

    def describe(self) -> str:
        """A short text for reports: what was sent, what came back."""
        what = f" [{shorten(self.spec.summary(), 200)}]" if self.spec is not None else " [raw]"
        lines = [f"{self.method} {shorten(self.url)}{what}"]
        if self.request_body:
            lines.append(f"  body: {shorten(_bytes_text(self.request_body))}")
        if self.status is None:
            lines.append(f"-> no answer after {self.elapsed:.3f}s: {self.error}")
        else:
            kind = self.content_type or "no content type"
            size = f"{len(self.response_body)} bytes" + (" (truncated)" if self.truncated else "")
            lines.append(f"-> {self.status} {kind}, {size}, {self.elapsed:.3f}s")
            location = self.header("Location") if 300 <= self.status < 400 else None
            if location is not None:
                lines.append(f"   Location: {shorten(location, 200)} (not followed)")
            if self.error:
                lines.append(f"   then: {self.error}")
            if self.response_body:
                lines.append(f"  {shorten(_bytes_text(self.response_body))}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# Redaction

_SIGNATURE_IN_HEADER = re.compile(r"(Signature=)[^,\s]*")
_SECRET_PARAMS = re.compile(r"((?:^|[?&])X-Amz-(?:Signature|Security-Token)=)[^&#]*")
_SECRET_PARAMS_BYTES = re.compile(rb"((?:^|&)X-Amz-(?:Signature|Security-Token)=)[^&]*")
_SECRET_HEADERS = frozenset({"x-amz-security-token"})
_SIGNATURE_ANYWHERE = re.compile(r"((?:X-Amz-)?Signature['\"]?\s*[=:]\s*['\"]?)[0-9A-Za-z+/=%]+")
_TOKEN_ANYWHERE = re.compile(
    r"((?:X-Amz-Security-Token|x-amz-security-token)['\"]?\s*[=:]\s*['\"]?)[^&\s'\",]+"
)


class Redactor:
    """Removes signatures, tokens and secret keys (in every spelling they could take).

    What was sent loses every configured secret; what came back (and a spec's parameters)
    only the secrets of at least eight characters, so that a placeholder secret does not
    mangle the answer the checks read.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        all_secrets = {s for s in secrets if s}
        self._all = self._spellings(all_secrets)
        self._strong = self._spellings({s for s in all_secrets if len(s) >= _STRONG_SECRET})
        self._strong_text = sorted(
            {s for s in all_secrets if len(s) >= _STRONG_SECRET}, key=len, reverse=True
        )

    @staticmethod
    def _spellings(secrets: set[str]) -> list[bytes]:
        forms: set[bytes] = set()
        for secret in secrets:
            forms.add(secret.encode("utf-8"))
            forms.add(encode_form((("", secret),))[1:])
            forms.add(encode_query((("", secret),)).encode("ascii")[1:])
        return sorted((f for f in forms if f), key=len, reverse=True)

    def _scrub(self, data: bytes, forms: list[bytes]) -> bytes:
        for form in forms:
            data = data.replace(form, REDACTED.encode())
        return data

    def url(self, url: str) -> str:
        """A sent URL without ``X-Amz-Signature``/``X-Amz-Security-Token`` values or secrets."""
        url = _SECRET_PARAMS.sub(rf"\g<1>{REDACTED}", url)
        return self._scrub(url.encode("utf-8"), self._all).decode("utf-8")

    def headers(self, headers: Headers, *, request_side: bool) -> Headers:
        """Headers without the ``Authorization`` signature, security tokens or secrets."""
        forms = self._all if request_side else self._strong
        out: list[tuple[str, str]] = []
        for name, value in headers:
            if name.lower() == "authorization":
                value = _SIGNATURE_IN_HEADER.sub(rf"\g<1>{REDACTED}", value)
            elif name.lower() in _SECRET_HEADERS:
                value = REDACTED
            raw = value.encode("utf-8", "surrogateescape")
            out.append((name, self._scrub(raw, forms).decode("utf-8", "surrogateescape")))
        return tuple(out)

    def body(self, body: bytes, *, request_side: bool) -> bytes:
        """A body without secrets (and, when sent, signature and token parameters)."""
        if request_side:
            body = _SECRET_PARAMS_BYTES.sub(rb"\g<1>" + REDACTED.encode(), body)
            return self._scrub(body, self._all)
        return self._scrub(body, self._strong)

    def exchange(
        self,
        spec: RequestSpec | None,
        prepared: PreparedExchange,
        sent_headers: Headers,
        transfer: Transfer,
    ) -> Exchange:
        """The exchange as recorded: what was sent and what came back, redacted."""
        return Exchange(
            spec=self.spec(spec),
            method=prepared.method,
            url=self.url(prepared.url),
            request_headers=self.headers(sent_headers, request_side=True),
            request_body=self.body(prepared.body, request_side=True),
            status=transfer.status,
            response_headers=self.headers(transfer.headers, request_side=False),
            response_body=self.body(transfer.body, request_side=False),
            truncated=transfer.truncated,
            elapsed=transfer.elapsed,
            error=transfer.error,
            sent_at=transfer.sent_at,
        )

    def spec(self, spec: RequestSpec | None) -> RequestSpec | None:
        """``spec`` with the long secrets removed from its parameters (itself if none)."""
        if spec is None or not self._strong_text:
            return spec
        params = tuple((self._text(k), self._text(v)) for k, v in spec.params)
        return spec if params == spec.params else replace(spec, params=params)

    def _text(self, text: str) -> str:
        for secret in self._strong_text:
            text = text.replace(secret, REDACTED)
        return text

    def free_text(self, text: str) -> str:
        """Any text (a log line): signatures (in a header or a query), security tokens and
        every configured secret removed."""
        text = _SIGNATURE_ANYWHERE.sub(rf"\g<1>{REDACTED}", text)
        text = _TOKEN_ANYWHERE.sub(rf"\g<1>{REDACTED}", text)
        return self._scrub(text.encode("utf-8", "surrogateescape"), self._all).decode(
            "utf-8", "surrogateescape"
        )


def redact_log_records(redactor: Redactor) -> Callable[[], None]:
    """Make every log record (botocore's debug log of the headers it signs, urllib3's, the
    suite's own) pass through ``redactor`` as it is created; returns the undo."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its message: leave it
            return record
        record.msg, record.args = redactor.free_text(message), None
        return record

    logging.setLogRecordFactory(factory)
    return lambda: logging.setLogRecordFactory(previous)


# ----------------------------------------------------------------------------------------
# The curl reproduction and text helpers

_CURL_DROPPED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "user-agent",
        "accept-encoding",
    }
)
_SCOPE_IN_HEADER = re.compile(r"Credential=[^/,\s]*/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
_SCOPE_IN_QUERY = re.compile(
    r"X-Amz-Credential=[^&]*?%2F\d{8}%2F([^&%]+)%2F([^&%]+)%2Faws4_request"
)


def _first(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers if k.lower() == wanted), None)


def _credential_scope(exchange: Exchange) -> tuple[str, str] | None:
    """(region, service) of the recorded signature, or None for an unsigned request."""
    authorization = exchange.request_header("Authorization")
    if authorization is not None:
        match = _SCOPE_IN_HEADER.search(authorization)
        return (match.group(1), match.group(2)) if match else ("us-east-1", "ec2")
    match = _SCOPE_IN_QUERY.search(exchange.url)
    if match:
        return match.group(1), match.group(2)
    if "X-Amz-Signature=" in exchange.url or "X-Amz-Algorithm=" in exchange.url:
        return "us-east-1", "ec2"
    return None


def _strip_query_auth(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [p for p in parts.query.split("&") if not p.startswith("X-Amz-")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), parts.fragment))


_SHELL_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def _shell_quote(text: str) -> str:
    if _SHELL_SAFE.fullmatch(text):
        return text
    if text.isprintable() and text.isascii():
        return "'" + text.replace("'", "'\"'\"'") + "'"
    return _shell_quote_bytes(text.encode("utf-8"))


def _shell_quote_bytes(data: bytes) -> str:
    """Bytes as a bash ``$'...'`` string (or a plain quoted one when printable ASCII)."""
    if all(0x20 <= b < 0x7F for b in data):
        return _shell_quote(data.decode("ascii")) if data else "''"
    out = []
    for b in data:
        if b in (0x27, 0x5C):  # ' and \
            out.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "$'" + "".join(out) + "'"


def _bytes_text(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def shorten(text: str, limit: int = _TEXT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} chars)"
