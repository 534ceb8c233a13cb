"""Faults of the auth group: SigV4 authentication, and its place before DryRun."""

from __future__ import annotations

from typing import Literal

from ec2conformance.model import Credentials

from ..catalogue import Code
from ..wire import lenient_pairs
from .behaviours import recode, signing_as
from .call import Call
from .endpoint import Endpoint
from .layer import Behaviour, Group
from .reply import Reply

GROUP = Group("auth")


def _served_despite(code: str | None, key: Literal["any", "known", "unknown"]) -> Behaviour:
    """Skip a failed authentication: serve a request whose authentication failed with
    ``code`` (None: with any code) and whose claimed access key id is ``key`` to the
    endpoint (``any``: whether or not the request claims one). It is served as the claimed
    identity when ``key`` is ``known``, else as the permitted identity."""

    def who(call: Call, endpoint: Endpoint) -> Credentials | None:
        if call.auth_error is None or code not in (None, call.auth_error.code):
            return None
        claimed = endpoint.claimed(call)
        if key == "known":
            return None if claimed is None else claimed.credentials
        if key == "unknown" and (call.key_id is None or claimed is not None):
            return None
        return endpoint.permitted

    return signing_as(who)


GROUP.fault(
    "unsigned-accepted",
    "AUTH-UNSIGNED",
    "MUST",
    "A request without any signature is served as the permitted identity.",
    _served_despite(Code.MISSING_AUTHENTICATION_TOKEN, "any"),
)

GROUP.fault(
    "signature-not-checked",
    "AUTH-BAD-SIGNATURE",
    "MUST",
    "The signature of a known key id is not checked (wrong secret, wrong service).",
    _served_despite(Code.AUTH_FAILURE, "known"),
)

GROUP.fault(
    "unknown-key-accepted",
    "AUTH-UNKNOWN-KEY",
    "MUST",
    "An access key id the endpoint does not know is served as the permitted identity.",
    _served_despite(None, "unknown"),
)

GROUP.fault(
    "clock-not-checked",
    "AUTH-EXPIRED",
    "MUST",
    "X-Amz-Date is not compared with the clock: a 20-minute-old signature is accepted.",
    _served_despite(Code.REQUEST_EXPIRED, "known"),
)

GROUP.fault(
    "malformed-authorization-accepted",
    "AUTH-MALFORMED",
    "SHOULD",
    "An Authorization header that is not well-formed SigV4 is ignored and the request "
    "served as the permitted identity.",
    _served_despite(Code.INCOMPLETE_SIGNATURE, "any"),
)


@GROUP.fault(
    "query-signature-unsupported",
    "AUTH-QUERY-SIGNATURE",
    "SHOULD",
    "A request signed in the query string is answered MissingAuthenticationToken.",
)
def _query_signature_unsupported(call: Call, endpoint: Endpoint) -> Reply:
    signed_in_query = any(
        name == "X-Amz-Signature" for name, _ in lenient_pairs(call.request.query)
    )
    if "authorization" not in call.request.headers and signed_in_query:
        return endpoint.error(
            Code.MISSING_AUTHENTICATION_TOKEN, "The request must contain an Authorization header."
        )
    return endpoint.forward(call)


@GROUP.fault(
    "dry-run-before-authentication",
    "AUTH-BEFORE-DRYRUN",
    "MUST",
    "DryRun=true is answered DryRunOperation before the signature is checked.",
)
def _dry_run_before_authentication(call: Call, endpoint: Endpoint) -> Reply:
    if call.auth_error is not None and dict(call.lenient).get("DryRun") == "true":
        return endpoint.error(
            Code.DRY_RUN_OPERATION, "Request would have succeeded, but DryRun flag is set."
        )
    return endpoint.forward(call)


GROUP.fault(
    "unsigned-auth-failure",
    "AUTH-UNSIGNED",
    "ALTERNATIVE",
    "An unsigned request is answered AuthFailure (a later alternative).",
    recode(Code.MISSING_AUTHENTICATION_TOKEN, Code.AUTH_FAILURE),
)

GROUP.fault(
    "bad-signature-signature-does-not-match",
    "AUTH-BAD-SIGNATURE",
    "ALTERNATIVE",
    "A wrong signature of a known key id is answered SignatureDoesNotMatch (a later alternative).",
    recode(
        Code.AUTH_FAILURE,
        "SignatureDoesNotMatch",
        lambda call, endpoint: endpoint.claimed(call) is not None and call.principal is None,
    ),
)
