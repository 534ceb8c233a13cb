"""The loaders of ``golden/``, each cached and returning read-only views of one file, and
the types of the rows they read.

- :func:`requirements`: every requirement of the contract (``requirements.json``), as
  :class:`Requirement` rows with their :class:`Alternative` outcomes and :class:`Variant`
  requests.
- :func:`catalogue`: the error codes of the contract version (``error-catalogue.json``), as
  :class:`CatalogueEntry` rows.
- :func:`model`, :func:`domain`, :func:`ec2_api`: ``model.json``, ``domain.json`` and
  ``ec2-api.json`` as parsed (read-only) JSON.
- :func:`golden_response` and :func:`error_envelope`: the golden XML documents under
  ``golden/responses/``.
- :func:`load_json`: any data file of ``golden/`` (what the others read through).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from ec2conformance import GOLDEN

__all__ = [
    "Alternative",
    "CatalogueEntry",
    "Requirement",
    "Variant",
    "catalogue",
    "domain",
    "ec2_api",
    "error_envelope",
    "golden_response",
    "load_json",
    "model",
    "requirements",
]


def _freeze(value: Any) -> Any:
    """A read-only view of parsed JSON (mappings become proxies, lists become tuples)."""
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@cache
def load_json(name: str) -> Mapping[str, Any]:
    """The parsed, read-only content of ``golden/<name>`` (cached)."""
    return _freeze(json.loads((GOLDEN / name).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Alternative:
    """One acceptable outcome a requirement row names.

    ``status`` ``None`` means any status (the exact status is judged by ERR-STATUS-*);
    ``code`` ``None`` with status 200 is success.
    """

    status: int | None
    code: str | None


@dataclass(frozen=True)
class Variant:
    """One of several requests a row describes, with its own expected outcomes."""

    name: str
    request: str
    expected: tuple[Alternative, ...]


@dataclass(frozen=True)
class Requirement:
    """One requirement of the contract (a row of ``requirements.json``)."""

    id: str
    level: Literal["MUST", "SHOULD"]
    decided: bool
    group: str
    stage: int | None
    documentation: str
    source: str
    request: str | None
    judges: str
    safe_mode: str
    expected: tuple[Alternative, ...]
    response: Mapping[str, Any]
    variants: tuple[Variant, ...]

    @property
    def only_with(self) -> str | None:
        """The option without which the requirement is not judged (``--reference-endpoint``
        for DIFF-SAME-OUTCOME), or None."""
        value = self.response.get("only_with")
        return None if value is None else str(value)

    def codes(self) -> frozenset[str]:
        """Every error code the row names, its variants' included."""
        alternatives = list(self.expected)
        for variant in self.variants:
            alternatives.extend(variant.expected)
        return frozenset(a.code for a in alternatives if a.code is not None)


@dataclass(frozen=True)
class CatalogueEntry:
    """One code of the error catalogue (ERR-CODE-KNOWN, ERR-STATUS-*)."""

    code: str
    http_status: int | None
    status_evidence: Literal["wire", "generic", "emulator", "none"]
    kind: Literal["client", "server"]
    description: str
    source: str


def _alternatives(items: Any) -> tuple[Alternative, ...]:
    return tuple(Alternative(status=i["status"], code=i["code"]) for i in items)


def _requirement(row: Mapping[str, Any]) -> Requirement:
    return Requirement(
        id=row["id"],
        level=row["level"],
        decided=row["decided"],
        group=row["group"],
        stage=row["stage"],
        documentation=row["documentation"],
        source=row["source"],
        request=row["request"],
        judges=row["judges"],
        safe_mode=row["safe_mode"],
        expected=_alternatives(row["expected"]),
        response=row.get("response", MappingProxyType({})),
        variants=tuple(
            Variant(v["name"], v["request"], _alternatives(v["expected"]))
            for v in row.get("variants", ())
        ),
    )


@cache
def requirements() -> Mapping[str, Requirement]:
    """Every requirement of the contract by id, in the contract's order."""
    rows = load_json("requirements.json")["requirements"]
    return MappingProxyType({row["id"]: _requirement(row) for row in rows})


@cache
def catalogue() -> Mapping[str, CatalogueEntry]:
    """The error catalogue of the contract version, by code."""
    return MappingProxyType(
        {
            e["code"]: CatalogueEntry(
                code=e["code"],
                http_status=e["http_status"],
                status_evidence=e["status_evidence"],
                kind=e["kind"],
                description=e["description"],
                source=e["source"],
            )
            for e in load_json("error-catalogue.json")["codes"]
        }
    )


def model() -> Mapping[str, Any]:
    """botocore 1.44.8's EC2 model as the contract uses it (``model.json``): parameter
    name templates, enums and the element tree of ``ImportInstanceResult``."""
    return load_json("model.json")


def domain() -> Mapping[str, Any]:
    """The request side of the contract as data (``domain.json``)."""
    return load_json("domain.json")


def ec2_api() -> Mapping[str, Any]:
    """EC2's published API versions and action names (``ec2-api.json``)."""
    return load_json("ec2-api.json")


@cache
def golden_response() -> bytes:
    """The contract's golden response, byte for byte as the contract prints it (the file
    ``normalisation.json`` names)."""
    return (GOLDEN / load_json("normalisation.json")["golden"]).read_bytes()


@cache
def error_envelope(code: str) -> bytes:
    """A golden EC2 error envelope (``responses/errors/<code>.xml``)."""
    path = GOLDEN / "responses" / "errors" / f"{code}.xml"
    if path.parent != GOLDEN / "responses" / "errors":
        raise ValueError(f"not an error code: {code!r}")
    return path.read_bytes()
