"""boto3 clients bounded like the suite's own client: every request a boto3 client makes goes
through a :class:`~ec2conformance.transport.BoundedTransport` (one total deadline per
exchange, a cap on the body it keeps), so a drip, a huge body or a dropped connection is the
target's failure, never a hang or a suite error.

botocore signs the request as usual; the ``before-send`` event hands it to the transport
instead of botocore's own HTTP stack, and botocore parses what the transport read. A client's
:class:`SdkTap` hears of every exchange, redacted as the suite's own client redacts and with
its case (the parameters of the body botocore sent): the judge of the test counts, records
and, in differential mode, mirrors it (:meth:`~ec2conformance.checks.Judge.sent_by_sdk`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import boto3
import requests
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from ec2conformance import xmlsafe
from ec2conformance.exchange import Exchange, PreparedExchange, Redactor
from ec2conformance.health import Health
from ec2conformance.model import Credentials, Identity, RequestSpec
from ec2conformance.transport import BoundedTransport, Transfer

MAX_RESPONSE_BYTES = 1 << 20
"""The body an SDK call keeps at most, as the suite's client (``ec2conformance/client.py``)."""


class NoAnswer(Exception):
    """The target did not answer an SDK call in full within the deadline (or closed the
    connection, or sent more than the cap): its failure, with the transport's reason.

    ``status`` is the answer's status when its head arrived before it broke off (or before
    the body passed the cap), else None."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class UnsafeAnswer(Exception):
    """The answer's body declares a DOCTYPE or an entity: refused before botocore's parser
    (which would expand internal entities) sees it; the target's failure."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _Body:
    """What botocore reads an answer's body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class SdkTap:
    """Where a boto3 client's exchanges go besides botocore: ``observer``, while it is set,
    hears of each one as an :class:`~ec2conformance.exchange.Exchange`, redacted, its spec
    read from what botocore sent (:func:`spec_of_sent`)."""

    identity: Identity
    redactor: Redactor
    observer: Callable[[Exchange], None] | None = None

    def heard(self, request: requests.PreparedRequest, transfer: Transfer) -> None:
        if self.observer is None:
            return
        body = _bytes_of(request.body)
        method = request.method or "POST"
        url = request.url or ""
        spec = spec_of_sent(method, url, body, self.identity)
        headers = tuple((_text(k), _text(v)) for k, v in request.headers.items())
        sent = PreparedExchange(method, url, headers, body)
        self.observer(self.redactor.exchange(spec, sent, sent.headers, transfer))


def _text(value: str | bytes) -> str:
    """A header's name or value as text (botocore gives some as bytes)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _bytes_of(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    raise TypeError(f"botocore sent a body of type {type(body).__name__}")


def spec_of_sent(method: str, url: str, body: bytes, identity: Identity) -> RequestSpec:
    """The case of a request botocore sent: the parameters of its query and form body (in
    that order), its method and identity, signed in the header (as botocore signs)."""
    query = url.partition("?")[2]
    params = parse_qsl(query, keep_blank_values=True)
    params += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return RequestSpec(params=tuple(params), method=method.upper(), identity=identity)


def _sender(transport: BoundedTransport, tap: SdkTap | None) -> Any:
    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        prepared = requests.Request(
            method=request.method, url=request.url, headers=dict(request.headers)
        ).prepare()
        prepared.body = request.body
        transfer = transport.send(prepared)
        if tap is not None:
            tap.heard(prepared, transfer)
        if transfer.status is None or transfer.error or transfer.truncated:
            reason = transfer.error or (
                f"a body longer than {transport.max_response_bytes} bytes (reading stopped there)"
            )
            raise NoAnswer(reason, transfer.status)
        declaration = xmlsafe.declaration_in(transfer.body)
        if declaration is not None:
            raise UnsafeAnswer(
                f"the body contains {declaration} (refused, never expanded)", transfer.status
            )
        return AWSResponse(
            request.url, transfer.status, dict(transfer.headers), _Body(transfer.body)
        )

    return send


def bounded_client(
    endpoint: str,
    region: str,
    credentials: Credentials,
    *,
    timeout: float,
    health: Health | None = None,
    ca_bundle: str | None = None,
    tap: SdkTap | None = None,
) -> Any:
    """A boto3 EC2 client for ``endpoint`` (retries off) whose every exchange is bounded by
    ``timeout`` seconds in all and :data:`MAX_RESPONSE_BYTES`, and heard by ``tap``."""
    client = boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    transport = BoundedTransport(
        timeout=timeout,
        max_response_bytes=MAX_RESPONSE_BYTES,
        clock=lambda: datetime.now(UTC),
        health=health,
        ca_bundle=ca_bundle,
    )
    client.meta.events.register("before-send.ec2", _sender(transport, tap))
    return client
