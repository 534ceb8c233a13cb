"""Recorded sessions: every exchange of a run written down, and served again as the reference
of differential mode.

``--record DIR`` writes ``DIR/session.json``: the run's facts (endpoint, date, suite and
contract versions) and every exchange the judge sent, as the client recorded it (the request
as sent and the answer as received, signatures, tokens and secrets already ``REDACTED``).
``--replay DIR`` reads it back into a :class:`Replay`, which answers a case with the
recorded answer to the case with the same parameters, method, identity, signing and fault
(never by its signature, which differs on every run): it stands where differential mode's
reference client stands (:class:`~ec2conformance.differential.Differential`).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ec2conformance import __version__, golden
from ec2conformance.client import REDACTED, Exchange
from ec2conformance.model import AuthFault, Identity, RequestSpec, Signing, WireFault

__all__ = ["SESSION_FILE", "Recorder", "Replay", "case_key"]

SESSION_FILE = "session.json"
FORMAT = 1


def case_key(spec: RequestSpec) -> str:
    """What a recorded exchange is matched by: the case, not its bytes or signature."""
    return json.dumps(
        {
            "params": [list(p) for p in spec.params],
            "method": spec.method.upper(),
            "identity": spec.identity.value,
            "signing": spec.signing.value,
            "auth_fault": spec.auth_fault.value if spec.auth_fault else None,
            "wire_fault": spec.wire_fault.value if spec.wire_fault else None,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def _spec_of(key: str) -> RequestSpec:
    data = json.loads(key)
    return RequestSpec(
        params=tuple((k, v) for k, v in data["params"]),
        method=data["method"],
        identity=Identity(data["identity"]),
        signing=Signing(data["signing"]),
        auth_fault=AuthFault(data["auth_fault"]) if data["auth_fault"] else None,
        wire_fault=WireFault(data["wire_fault"]) if data["wire_fault"] else None,
    )


def _bytes(data: bytes) -> dict[str, str]:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _unbytes(data: dict[str, str]) -> bytes:
    if "text" in data:
        return data["text"].encode("utf-8")
    return base64.b64decode(data["base64"])


_KEY_ID = re.compile(r"((?:X-Amz-)?Credential=)[^/%&,\s]+")


def _without_key_id(text: str) -> str:
    """The access key id of a signature's credential scope replaced (the client already
    replaced signatures, tokens and secrets)."""
    return _KEY_ID.sub(rf"\g<1>{REDACTED}", text)


def _exchange_record(exchange: Exchange) -> dict[str, Any]:
    assert exchange.spec is not None
    return {
        "case": case_key(exchange.spec),
        "request": {
            "method": exchange.method,
            "url": _without_key_id(exchange.url),
            "headers": [[k, _without_key_id(v)] for k, v in exchange.request_headers],
            "body": _bytes(exchange.request_body),
        },
        "answer": {
            "status": exchange.status,
            "headers": [list(h) for h in exchange.response_headers],
            "body": _bytes(exchange.response_body),
            "truncated": exchange.truncated,
            "error": exchange.error,
            "elapsed": round(exchange.elapsed, 6),
        },
        "sent_at": exchange.sent_at.isoformat(),
    }


def _exchange_of(record: dict[str, Any]) -> Exchange:
    request, answer = record["request"], record["answer"]
    return Exchange(
        spec=_spec_of(record["case"]),
        method=request["method"],
        url=request["url"],
        request_headers=tuple((k, v) for k, v in request["headers"]),
        request_body=_unbytes(request["body"]),
        status=answer["status"],
        response_headers=tuple((k, v) for k, v in answer["headers"]),
        response_body=_unbytes(answer["body"]),
        truncated=answer["truncated"],
        elapsed=answer["elapsed"],
        error=answer["error"],
        sent_at=datetime.fromisoformat(record["sent_at"]),
    )


@dataclass
class Recorder:
    """Collects a run's exchanges; :meth:`write` puts them in ``directory/session.json``."""

    directory: Path
    endpoint: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    def add(self, exchange: Exchange) -> None:
        if exchange.spec is not None:
            self.exchanges.append(_exchange_record(exchange))

    def write(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / SESSION_FILE
        document = {
            "format": FORMAT,
            "endpoint": self.endpoint,
            "date": self.started.isoformat(timespec="seconds"),
            "suite_version": __version__,
            "contract_version": golden.load_json("requirements.json")["contract_version"],
            "exchanges": self.exchanges,
        }
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
        return path


class ReplayVersionWarning(UserWarning):
    """A replayed session recorded by another suite or contract version."""


class NotRecorded(LookupError):
    """A case the recorded session has no answer to."""


@dataclass
class Replay:
    """A recorded session as a reference client: :meth:`send` answers a case with the
    recorded answer to the same case (the first one not yet served, then the last again)."""

    facts: dict[str, Any]
    answers: dict[str, list[Exchange]]
    served: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> Replay:
        document = json.loads((directory / SESSION_FILE).read_text(encoding="utf-8"))
        answers: dict[str, list[Exchange]] = {}
        for record in document.pop("exchanges"):
            answers.setdefault(record["case"], []).append(_exchange_of(record))
        return cls(document, answers)

    def version_mismatch(self) -> str | None:
        """What differs between the session's suite and contract versions and this suite's,
        or None: a session recorded by another version may lack cases or answer a request
        this version builds differently (its ``NotRecorded`` skips say which)."""
        ours = {
            "suite_version": __version__,
            "contract_version": golden.load_json("requirements.json")["contract_version"],
        }
        differ = [
            f"{name.replace('_', ' ')} {self.facts.get(name)!s} (this suite: {mine})"
            for name, mine in ours.items()
            if self.facts.get(name) != mine
        ]
        if not differ:
            return None
        return "the replayed session was recorded with " + ", ".join(differ)

    @property
    def endpoint(self) -> str:
        return f"the session recorded against {self.facts['endpoint']} on {self.facts['date']}"

    def send(self, spec: RequestSpec) -> Exchange:
        key = case_key(spec)
        recorded = self.answers.get(key)
        if not recorded:
            raise NotRecorded(f"not in the recorded session: {spec.summary()}")
        n = self.served.get(key, 0)
        self.served[key] = n + 1
        return recorded[min(n, len(recorded) - 1)]

    def close(self) -> None:
        """Nothing to close (the interface of a client)."""
