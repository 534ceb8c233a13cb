"""What a check looks at: the answer read once, the problems it finds, and how outcomes are
written in messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from lxml import etree

from ec2conformance import xmlsafe
from ec2conformance.client import Exchange
from ec2conformance.model import RequestSpec
from ec2conformance.oracle import Outcome
from ec2conformance.state import RunState, Target

XML_MEDIA_TYPES = ("text/xml", "application/xml")


class Problem(NamedTuple):
    """One problem a check found: the requirement it breaks, and what it saw."""

    requirement: str
    message: str
    expected: str = ""
    received: str = ""


def outcome_text(status: int | None, code: str | None) -> str:
    if status is None:
        return "no answer"
    return f"{status} {code}" if code else f"{status}"


def redirect_text(exchange: Exchange) -> str | None:
    """What a 3xx answer says (it is never followed), or None for any other answer."""
    if exchange.status is None or not 300 <= exchange.status < 400:
        return None
    location = exchange.header("Location")
    where = f" to {location[:200]}" if location else ""
    return f"a redirect{where} (not followed)"


def acceptable_text(outcomes: Iterable[Outcome]) -> str:
    return " or ".join(
        outcome_text(o.status, o.code) if o.status else f"error {o.code}" for o in outcomes
    )


@dataclass
class Answer:
    """What came back, read once: status, media type, the parsed body (or why not), code."""

    status: int | None
    media_type: str
    root: etree._Element | None
    parse_error: str | None
    code: str | None

    @classmethod
    def read(cls, exchange: Exchange) -> Answer:
        if exchange.status is None:
            return cls(None, "", None, exchange.error or "no answer", None)
        media = xmlsafe.media_type(exchange.header("Content-Type") or "")
        if exchange.truncated:  # what was kept is a prefix: never a document
            why = f"a body longer than the limit, cut after {len(exchange.response_body)} bytes"
            return cls(exchange.status, media, None, why, None)
        if exchange.error:  # the body broke off: what arrived is not the answer
            why = f"the answer broke off ({exchange.error})"
            return cls(exchange.status, media, None, why, None)
        try:
            root = xmlsafe.parse_untrusted(exchange.response_body)
        except xmlsafe.UnsafeOrMalformedXML as exc:
            return cls(exchange.status, media, None, str(exc) or "not XML", None)
        code = xmlsafe.error_code(root) if exchange.status != 200 else None
        return cls(exchange.status, media, root, None, code)

    @property
    def is_xml(self) -> bool:
        return self.root is not None

    def elements(self, name: str) -> list[etree._Element]:
        """Every element of the body with this local name, in document order."""
        if self.root is None:
            return []
        return [
            e for e in self.root.iter() if isinstance(e.tag, str) and xmlsafe.local_name(e) == name
        ]


@dataclass(frozen=True)
class Seen:
    """Everything a check of an answer may look at: the request, the exchange, the answer
    read once, the target (mode, zone) and the run (ids seen so far)."""

    spec: RequestSpec
    exchange: Exchange
    answer: Answer
    target: Target
    state: RunState


def children(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [c for c in element if isinstance(c.tag, str) and xmlsafe.local_name(c) == name]


def child(element: etree._Element | None, name: str) -> etree._Element | None:
    found = children(element, name)
    return found[0] if found else None


def text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""
