"""Differential mode: every request the suite sends to the target also goes to a reference
endpoint, and the two outcomes must be the same (DIFF-SAME-OUTCOME).

This is how a proxy is certified against the backend behind it: the target is the proxy,
the reference the backend. The same :class:`~ec2conformance.model.RequestSpec` (the case,
before it becomes bytes) is sent to both, so each endpoint's request is encoded and signed for
its own host and credentials by its own :class:`~ec2conformance.client.Client`, and a
signature fault (``spec.auth_fault``) or a wire fault is applied the same way to both.

Two outcomes are the same when they have the same status, the same error code, and, for
200s, the same normalised body (:func:`normalised_body`): every element with its namespace,
attributes and text in document order, white space trimmed as the golden comparison trims it
(:func:`~ec2conformance.xmlsafe.strip_white_space`), the texts that legitimately differ between
two endpoints masked (request id, task id, expiration time, instance id, volume id: the
rules :data:`DIFFERING_RULES` of the normalisation), and the body's character encoding and
media type. Ids the target gave (a task id) are translated to the reference's before a
later request naming them is mirrored.

A request the suite did not encode itself (boto3's, ``ec2conformance/sdk.py``) is mirrored
as it was sent: the same method, body, ``Content-Type`` and ``User-Agent``, signed again for
the reference (:meth:`Differential.mirror` with ``as_sent``); its case (the parameters read
from its body) is what a recorded session matches it by.

Time is not an outcome: a slower answer with the same content is the same outcome (the
request timeout, FUZZ-NO-SERVER-ERROR, is what judges slowness); both times are shown.

Off the loopback network the reference only gets what safe mode would send unchanged
(DryRun and read-only requests), unless ``--allow-mutating``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache

from lxml import etree

from ec2conformance import golden, xmlsafe
from ec2conformance.client import Client, Exchange
from ec2conformance.model import RequestSpec
from ec2conformance.recording import NotRecorded, Replay
from ec2conformance.safety import safe_spec
from ec2conformance.wire import encode_form

__all__ = [
    "DIFFERING_RULES",
    "NOT_DIFFERENTIAL",
    "NOT_SENT_OFF_LOOPBACK",
    "REQUIREMENT",
    "Differential",
    "differences",
    "normalised_body",
    "side_by_side",
]

REQUIREMENT = "DIFF-SAME-OUTCOME"
NOT_DIFFERENTIAL = "differential mode only"
"""Why DIFF-SAME-OUTCOME is skipped without ``--reference-endpoint``."""
NOT_SENT_OFF_LOOPBACK = (
    "not sent to the reference: it is off the loopback network and the request could change "
    "it (give --allow-mutating)"
)
DIFFERING_RULES = (
    "request-id",
    "task-id",
    "expiration-present",
    "expiration-iso",
    "instance-id",
    "volume-id",
)
"""The rules of ``golden/normalisation.json`` whose elements differ between two endpoints."""
# Error envelopes carry their request id in these elements (not a rule of the success body).
_ERROR_REQUEST_IDS = ("RequestID", "RequestId", "requestId")
_MASK = "*"
CANCEL_ACTION = "CancelConversionTask"
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", re.IGNORECASE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


@cache
def _masked_paths() -> frozenset[tuple[str, ...]]:
    """The path suffixes (local names) of the masked elements: each rule's last two names,
    so that the same element is masked in a DescribeConversionTasks answer too."""
    paths = set()
    for rule in golden.normalisation().rules:
        if rule.id in DIFFERING_RULES:
            paths.add(tuple(rule.path.split("/")[-2:]))
    return frozenset(paths)


def _is_masked(names: tuple[str, ...], masked: frozenset[tuple[str, ...]]) -> bool:
    if names[-1] in _ERROR_REQUEST_IDS:  # a request id, wherever it sits
        return True
    return any(_ends_with(names, p) for p in masked)


def _ends_with(names: tuple[str, ...], suffix: tuple[str, ...]) -> bool:
    """Whether ``names`` ends with ``suffix``, where a list's ``item`` stands for any one
    name: DescribeConversionTasks lists as ``conversionTasks/item/conversionTaskId`` what
    ImportInstance answers as ``conversionTask/conversionTaskId``."""
    if len(names) < len(suffix):
        return False
    tail = names[len(names) - len(suffix) :]
    return all(ours == theirs or ours == "item" for ours, theirs in zip(tail, suffix, strict=True))


def _lines(el: etree._Element, names: tuple[str, ...], masked: frozenset) -> Iterator[str]:
    here = (*names, xmlsafe.local_name(el))
    attrs = " ".join(f"{k}={v!r}" for k, v in sorted(el.attrib.items()))
    text = xmlsafe.strip_white_space(el.text or "")
    if _is_masked(here, masked) and text:
        text = _MASK
    depth = "  " * (len(here) - 1)
    yield f"{depth}{el.tag}{' ' + attrs if attrs else ''}: {text!r}"
    for child in el:
        if isinstance(child.tag, str):
            yield from _lines(child, here, masked)


def _encoding(exchange: Exchange) -> str:
    """The body's character encoding as the answer says it: BOM, XML declaration, charset."""
    body = exchange.response_body
    said = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            said.append(f"BOM {name}")
    bare = body
    for bom, _ in _BOMS:
        bare = bare.removeprefix(bom)
    declared = _DECLARED.match(bare.replace(b"\x00", b""))
    if declared:
        said.append(f"declared {declared.group(1).decode('ascii').lower()}")
    charset = _CHARSET.search(exchange.header("Content-Type") or "")
    if charset:
        said.append(f"charset {charset.group(1).lower()}")
    return ", ".join(said) or "unstated"


def normalised_body(exchange: Exchange) -> str | None:
    """A 200's body as compared (see the module docstring); None when it is not XML."""
    try:
        root = xmlsafe.parse_untrusted(exchange.response_body)
    except xmlsafe.UnsafeOrMalformedXML:
        return None
    return "\n".join(_lines(root, (), _masked_paths()))


def _code(exchange: Exchange) -> str | None:
    if exchange.status in (None, 200):
        return None
    try:
        return xmlsafe.error_code(xmlsafe.parse_untrusted(exchange.response_body))
    except xmlsafe.UnsafeOrMalformedXML:
        return None


def _answer(exchange: Exchange) -> str:
    if exchange.status is None:
        return f"no answer ({exchange.error})"
    code = _code(exchange)
    return f"{exchange.status} {code}" if code else str(exchange.status)


def differences(target: Exchange, reference: Exchange) -> list[str]:
    """How the target's outcome differs from the reference's (empty: the same outcome)."""
    if (target.status is None) != (reference.status is None):
        return [f"answer: target {_answer(target)}, reference {_answer(reference)}"]
    if target.status is None:
        return []
    found: list[str] = []
    if target.status != reference.status:
        found.append(f"status: target {target.status}, reference {reference.status}")
    ours_code, theirs_code = _code(target), _code(reference)
    if ours_code != theirs_code:
        found.append(f"error code: target {ours_code}, reference {theirs_code}")
    if found or target.status != 200:
        return found
    if target.content_type != reference.content_type:
        found.append(
            f"media type: target {target.content_type}, reference {reference.content_type}"
        )
    ours_encoding, theirs_encoding = _encoding(target), _encoding(reference)
    if ours_encoding != theirs_encoding:
        found.append(f"encoding: target {ours_encoding}, reference {theirs_encoding}")
    ours, theirs = normalised_body(target), normalised_body(reference)
    if ours != theirs:
        found.append("body: " + _first_difference(ours, theirs))
    return found


def _first_difference(ours: str | None, theirs: str | None) -> str:
    if ours is None or theirs is None:
        return f"target {'not XML' if ours is None else 'XML'}, reference " + (
            "not XML" if theirs is None else "XML"
        )
    a, b = ours.splitlines(), theirs.splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {i + 1}: target {x.strip()!r}, reference {y.strip()!r}"
    return f"target has {len(a)} elements, reference {len(b)}"


def side_by_side(target: Exchange, reference: Exchange, width: int = 78) -> str:
    """Both exchanges' descriptions in two columns (target left, reference right)."""
    left = ["TARGET", *target.describe().splitlines()]
    right = ["REFERENCE", *reference.describe().splitlines()]
    rows = []
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        rows.append(f"{a[:width]:<{width}} | {b[:width]}")
    return "\n".join(rows)


@dataclass
class Differential:
    """The reference side of differential mode: its client, and what it learned.

    ``may_mutate`` is false for a reference off the loopback network without
    ``--allow-mutating``: then only requests safe mode sends unchanged are mirrored.
    """

    client: Client | Replay
    may_mutate: bool = True
    ids: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)

    def mirror(
        self, spec: RequestSpec, target: Exchange, *, as_sent: bool = False
    ) -> Exchange | str:
        """Send ``spec`` (its ids translated) to the reference; the reference's exchange,
        or why it was not sent. With ``as_sent`` the reference gets the bytes the target
        got (``target``'s method, body and media type, see :meth:`_send_as_sent`)."""
        if not self.may_mutate and safe_spec(spec) != spec:
            return NOT_SENT_OFF_LOOPBACK
        translated = self.translate(spec)
        try:
            if as_sent and isinstance(self.client, Client):
                reference = self._send_as_sent(self.client, spec, translated, target)
            else:
                reference = self.client.send(translated)
        except NotRecorded as exc:  # --replay: a case the session did not record
            return str(exc)
        self.learn(target, reference)
        self._forget_cancelled(translated, reference)
        return reference

    @staticmethod
    def _send_as_sent(
        client: Client, spec: RequestSpec, translated: RequestSpec, target: Exchange
    ) -> Exchange:
        """``target``'s request sent again, signed for the reference: its method, query,
        body (encoded again only when an id in it was translated), ``Content-Type`` and
        ``User-Agent``."""
        body = target.request_body if translated == spec else encode_form(translated.params)
        kept = ("content-type", "user-agent")
        headers = [(k, v) for k, v in target.request_headers if k.lower() in kept]
        query = target.url.partition("?")[2]
        path = client.path + (f"?{query}" if query else "")
        sent = client.send_raw(
            target.method, path, headers, body, identity=spec.identity, signing=spec.signing
        )
        return replace(sent, spec=translated)

    def _forget_cancelled(self, spec: RequestSpec, reference: Exchange) -> None:
        """A mirrored CancelConversionTask the reference answered 200 has cancelled its task
        there: :meth:`cancel_created` need not cancel it again."""
        task_id = spec.get("ConversionTaskId")
        cancelled = spec.get("Action") == CANCEL_ACTION and reference.status == 200
        if cancelled and task_id in self.created:
            self.created.remove(task_id)

    def translate(self, spec: RequestSpec) -> RequestSpec:
        """``spec`` with each id the target gave replaced by the reference's."""
        if not self.ids:
            return spec
        params = tuple((k, self.ids.get(v, v)) for k, v in spec.params)
        return spec if params == spec.params else replace(spec, params=params)

    def learn(self, target: Exchange, reference: Exchange) -> None:
        """Pair the ids two 200s gave, in document order (task, instance and volume ids)."""
        if target.status != 200 or reference.status != 200:
            return
        ours, theirs = _ids_of(target), _ids_of(reference)
        for name in ours.keys() & theirs.keys():
            for mine, its in zip(ours[name], theirs[name], strict=False):
                self.ids.setdefault(mine, its)
                if name == "conversionTaskId" and its not in self.created:
                    self.created.append(its)

    def cancel_created(self) -> None:
        """Cancel the tasks the mirrored requests created on the reference (best effort)."""
        if not self.may_mutate or isinstance(self.client, Replay):
            return
        for task_id in self.created:
            spec = RequestSpec.of([("ConversionTaskId", task_id)], action=CANCEL_ACTION)
            try:
                self.client.send(spec)
            except Exception:
                return
        self.created.clear()


_ID_NAMES = ("conversionTaskId", "instanceId", "id")


def _ids_of(exchange: Exchange) -> dict[str, list[str]]:
    try:
        root = xmlsafe.parse_untrusted(exchange.response_body)
    except xmlsafe.UnsafeOrMalformedXML:
        return {}
    out: dict[str, list[str]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = xmlsafe.local_name(el)
        if name in _ID_NAMES and (el.text or "").strip():
            if name == "id" and xmlsafe.local_name(el.getparent()) != "volume":
                continue
            out.setdefault(name, []).append(el.text.strip())
    return out
