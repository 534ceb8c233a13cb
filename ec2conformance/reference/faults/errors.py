"""Faults of the errors group: the error envelope, its codes and statuses."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from ec2conformance.model import API_VERSION

from ..catalogue import Code
from .behaviours import answer
from .call import Call
from .endpoint import Endpoint
from .layer import Behaviour, Group
from .reply import Reply, child, error_code, renamespaced

GROUP = Group("errors")

ErrorEdit = Callable[[Reply, etree._Element, Endpoint], Reply | None]
"""An edit of an error answer, given the answer and its element tree (None keeps it)."""


def _errors(edit: ErrorEdit) -> Behaviour:
    """Edit every error answer (status >= 400 with an XML body)."""

    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        if reply.status < 400:
            return None
        root = reply.xml()
        return None if root is None else edit(reply, root, endpoint)

    return answer(change)


@GROUP.fault(
    "error-root-error-response",
    "ERR-ENVELOPE",
    "MUST",
    "Error answers have the root ErrorResponse instead of Response.",
    selects="not generated",
)
@_errors
def _error_root(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    root.tag = "ErrorResponse"
    return reply.with_xml(root)


@GROUP.fault(
    "error-without-request-id",
    "ERR-ENVELOPE",
    "MUST",
    "Error answers have no RequestID.",
    selects="not generated",
)
@_errors
def _no_request_id(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    element = child(root, "RequestID")
    if element is None:
        return None
    root.remove(element)
    return reply.with_xml(root)


@GROUP.fault(
    "error-namespace",
    "ERR-NAMESPACE",
    "SHOULD",
    "Error answers put <Response> in the EC2 namespace, as several emulators do.",
    selects="not generated",
)
@_errors
def _error_namespace(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    return reply.with_xml(renamespaced(root, f"http://ec2.amazonaws.com/doc/{API_VERSION}/"))


def _renamed_code(old: str, new: str) -> ErrorEdit:
    """Rename an error code, keeping the status (so the catalogue does not know it)."""

    def edit(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
        if reply.code != old:
            return None
        code = error_code(root)
        if code is None:
            return None
        code.text = new
        return reply.with_xml(root)

    return edit


GROUP.fault(
    "error-unknown-code",
    "ERR-CODE-KNOWN",
    "MUST",
    "IncompleteSignature is answered as IncompleteSignatureException, a code the "
    "catalogue does not have.",
    _errors(_renamed_code(Code.INCOMPLETE_SIGNATURE, "IncompleteSignatureException")),
    selects="not generated",
)


def _status_of(code: str, status: int) -> ErrorEdit:
    """Send error ``code`` with HTTP ``status`` instead of the catalogue's."""

    def edit(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
        return reply.with_status(status) if reply.code == code else None

    return edit


GROUP.fault(
    "auth-failure-403",
    "ERR-STATUS-MATCHES",
    "MUST",
    "AuthFailure is sent with status 403 (AWS sends 401).",
    _errors(_status_of(Code.AUTH_FAILURE, 403)),
    selects="not generated",
)

GROUP.fault(
    "malformed-query-400",
    "ERR-STATUS-DOCUMENTED",
    "SHOULD",
    "MalformedQueryString is sent with status 400 (the documented status is 404).",
    _errors(_status_of(Code.MALFORMED_QUERY_STRING, 400)),
    selects="not generated",
)


@GROUP.fault(
    "error-content-type-html",
    "ERR-CONTENT-TYPE",
    "MUST",
    "Error answers are labelled text/html.",
    selects="not generated",
)
@_errors
def _html_errors(reply: Reply, root: etree._Element, endpoint: Endpoint) -> Reply | None:
    return reply.with_header("Content-Type", "text/html; charset=utf-8")
