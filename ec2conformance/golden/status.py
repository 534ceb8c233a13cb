"""The catalogue's judgement of an error answer's code and status (:func:`status_findings`),
from ``golden/error-catalogue.json``."""

from __future__ import annotations

from ec2conformance.golden.loaders import CatalogueEntry, catalogue

__all__ = ["status_findings"]


def status_findings(code: str | None, status: int) -> list[tuple[str, str]]:
    """The catalogue's verdict on an error answer's code and status, as (requirement id,
    message) pairs; an empty list when nothing is wrong.

    - ERR-CODE-KNOWN: the code is in the catalogue of this contract version.
    - ERR-STATUS-MATCHES: for a code whose catalogue status is ``wire`` evidence, exactly
      that status; for any other client code a 4xx, for any other server code a 5xx.
    - ERR-STATUS-DOCUMENTED (SHOULD): for a code whose status has ``generic`` or
      ``emulator`` evidence, exactly that status.

    An answer without a code (``None``) has nothing to look up: ERR-ENVELOPE reports it.
    """
    if code is None:
        return []
    entry = catalogue().get(code)
    if entry is None:
        return [("ERR-CODE-KNOWN", f"{code!r} is not in the catalogue of contract version 3")]
    if entry.status_evidence == "wire":
        if status != entry.http_status:
            message = f"{code} is {entry.http_status} on the wire from AWS; received {status}"
            return [("ERR-STATUS-MATCHES", message)]
        return []
    return _class_finding(entry, status) + _documented_finding(entry, status)


def _class_finding(entry: CatalogueEntry, status: int) -> list[tuple[str, str]]:
    """ERR-STATUS-MATCHES for a code without wire evidence: its kind's status class."""
    low = 400 if entry.kind == "client" else 500
    if low <= status <= low + 99:
        return []
    wanted = f"expected a {low // 100}xx, received {status}"
    return [("ERR-STATUS-MATCHES", f"{entry.code} is a {entry.kind} error: {wanted}")]


def _documented_finding(entry: CatalogueEntry, status: int) -> list[tuple[str, str]]:
    """ERR-STATUS-DOCUMENTED: the exact status of ``generic`` or ``emulator`` evidence."""
    if entry.status_evidence not in ("generic", "emulator") or status == entry.http_status:
        return []
    evidence = f"{entry.http_status} by {entry.status_evidence} evidence"
    return [("ERR-STATUS-DOCUMENTED", f"{entry.code} is {evidence}; received {status}")]
