"""The checks of every error answer (group ``errors``, rows that judge ``error-body``).

Each returns the problems it found, or ``None`` when it could not look (a body that is not
XML has no namespace and no code to look up): such a requirement neither passes nor fails on
that answer.
"""

from __future__ import annotations

from ec2conformance import golden, registry, xmlsafe
from ec2conformance.checks.answer import XML_MEDIA_TYPES, Problem, Seen, child, text


@registry.check("ERR-ENVELOPE")
def check_error_envelope(seen: Seen) -> list[Problem]:
    """``Response/Errors/Error/{Code,Message}`` and ``RequestID``, Code and RequestID non-empty."""
    answer = seen.answer
    if answer.root is None:
        return [
            Problem("ERR-ENVELOPE", "the error body is not XML", "XML", answer.parse_error or "")
        ]
    received = xmlsafe.local_name(answer.root)
    if received != "Response":
        return [Problem("ERR-ENVELOPE", "wrong root element", "Response", received)]
    error = child(child(answer.root, "Errors"), "Error")
    if error is None:
        return [Problem("ERR-ENVELOPE", "no Errors/Error element", "Errors/Error", "")]
    problems = []
    if not text(child(error, "Code")):
        problems.append(Problem("ERR-ENVELOPE", "Errors/Error/Code missing or empty"))
    if child(error, "Message") is None:
        problems.append(Problem("ERR-ENVELOPE", "Errors/Error/Message missing"))
    if not text(child(answer.root, "RequestID")):
        problems.append(Problem("ERR-ENVELOPE", "RequestID missing or empty", "RequestID", ""))
    return problems


@registry.check("ERR-NAMESPACE")
def check_error_namespace(seen: Seen) -> list[Problem] | None:
    """``<Response>`` carries no XML namespace (AWS sends none)."""
    root = seen.answer.root
    if root is None:
        return None
    namespace = root.nsmap.get(root.prefix)
    if namespace:
        return [Problem("ERR-NAMESPACE", "Response has a namespace", "none", namespace)]
    return []


@registry.check("ERR-CODE-KNOWN", "ERR-STATUS-MATCHES", "ERR-STATUS-DOCUMENTED")
def check_error_catalogue(seen: Seen) -> list[Problem] | None:
    """The code is in the catalogue (``golden/error-catalogue.json``) and the status fits it."""
    answer = seen.answer
    if answer.status is None or answer.root is None:
        return None
    return [
        Problem(rid, message) for rid, message in golden.status_findings(answer.code, answer.status)
    ]


@registry.check("ERR-CONTENT-TYPE")
def check_error_content_type(seen: Seen) -> list[Problem]:
    """``text/xml`` or ``application/xml``."""
    if seen.answer.media_type in XML_MEDIA_TYPES:
        return []
    expected = " or ".join(XML_MEDIA_TYPES)
    return [Problem("ERR-CONTENT-TYPE", "wrong content type", expected, seen.answer.media_type)]
