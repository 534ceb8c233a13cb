"""Faults of the wire group: methods, ``Action``, ``Version``, decoding, parameter names, UTF-8."""

from __future__ import annotations

from ec2conformance.model import ACTION, API_VERSION

from ..catalogue import Code
from .behaviours import IMPORT, imported, importing, leaf, recode, rewriting
from .call import Call, Pairs, name_kind, with_value
from .endpoint import Endpoint
from .layer import Group
from .reply import Reply

GROUP = Group("wire")


@GROUP.fault(
    "get-refused",
    "WIRE-GET",
    "MUST",
    "GET requests are refused with InvalidRequest; only POST is served.",
)
def _get_refused(call: Call, endpoint: Endpoint) -> Reply:
    if call.request.method == "GET":
        return endpoint.error(Code.INVALID_REQUEST, "The HTTP method GET is not supported.")
    return endpoint.forward(call)


@GROUP.fault(
    "post-action-first-only",
    "WIRE-POST",
    "MUST",
    "A POST body is read for Action in its first pair only: a body that does not begin with "
    "Action gets MissingAction.",
)
def _post_action_first_only(call: Call, endpoint: Endpoint) -> Reply:
    first = (call.params or (("", ""),))[0][0]
    if call.request.method == "POST" and call.is_import and first != "Action":
        return endpoint.error(Code.MISSING_ACTION, "The request must contain an Action.")
    return endpoint.forward(call)


GROUP.fault(
    "no-action-defaults",
    "WIRE-NO-ACTION",
    "MUST",
    "A request without Action is taken as ImportInstance.",
    rewriting(
        lambda call: call.authenticated and call.get("Action") is None,
        lambda call: (("Action", ACTION), *(call.params or ())),
    ),
)


def _canonical_action(call: Call) -> Pairs | None:
    action = call.get("Action")
    for known in (ACTION, "DescribeConversionTasks", "CancelConversionTask"):
        if action is not None and action != known and action.lower() == known.lower():
            return with_value(call.params or (), "Action", known)
    return None


GROUP.fault(
    "action-case-insensitive",
    "WIRE-UNKNOWN-ACTION",
    "MUST",
    "Action is matched case-insensitively (importinstance is ImportInstance).",
    rewriting(lambda call: call.authenticated, _canonical_action),
)

GROUP.fault(
    "version-ignored",
    "WIRE-BAD-VERSION",
    "MUST",
    "Any Version is served as 2016-11-15: NoSuchVersion is never given.",
    rewriting(
        lambda call: call.authenticated and call.get("Version") not in (None, API_VERSION),
        lambda call: with_value(call.params or (), "Version", API_VERSION),
    ),
)

GROUP.fault(
    "missing-version-defaults",
    "WIRE-NO-VERSION",
    "SHOULD",
    "A request without Version is served as 2016-11-15.",
    rewriting(
        lambda call: call.authenticated and call.get("Version") is None,
        lambda call: with_value(call.params or (), "Version", API_VERSION),
    ),
)


@GROUP.fault(
    "lenient-decoding",
    "WIRE-MALFORMED-QUERY",
    "SHOULD",
    "A body or query that does not decode is read leniently (bad escapes kept, bad "
    "UTF-8 replaced, empty names dropped) instead of refused.",
)
def _lenient_decoding(call: Call, endpoint: Endpoint) -> Reply:
    if call.principal is None or call.params is not None or not call.served:
        return endpoint.forward(call)
    seen: dict[str, str] = {}
    for name, value in call.lenient:
        if name and name not in seen:
            seen[name] = value
    return endpoint.forward(call, tuple(seen.items()))


GROUP.fault(
    "unknown-params-ignored",
    "WIRE-UNKNOWN-PARAM",
    "MUST",
    "Unknown parameter names are ignored instead of refused with UnknownParameter.",
    importing(
        lambda call: tuple((n, v) for n, v in call.params or () if name_kind(n) != "unknown")
    ),
)

GROUP.fault(
    "description-cr-to-lf",
    "WIRE-UTF8",
    "MUST",
    "The echoed Description has its CRs turned into LFs (a CR written raw into the XML).",
    imported(leaf(*IMPORT, "description", change=lambda t: t.replace("\r", "\n"))),
)


def _non_bmp_replaced(text: str) -> str:
    return "".join(c if ord(c) <= 0xFFFF else "\ufffd" for c in text)


GROUP.fault(
    "description-non-bmp-replaced",
    "WIRE-UTF8",
    "MUST",
    "Characters outside the BMP in the echoed Description come back as U+FFFD.",
    imported(leaf(*IMPORT, "description", change=_non_bmp_replaced)),
)

GROUP.fault(
    "no-action-invalid-action",
    "WIRE-NO-ACTION",
    "ALTERNATIVE",
    "A request without Action is answered InvalidAction (a later alternative).",
    recode(Code.MISSING_ACTION, Code.INVALID_ACTION),
)
