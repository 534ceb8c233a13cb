"""Faults of the permission group: the denied identity, and DryRun."""

from __future__ import annotations

from ec2conformance.model import Credentials

from .behaviours import rewriting, signing_as
from .call import Call, lenient_boolean, with_value, without
from .endpoint import Endpoint
from .layer import Behaviour, Group
from .reply import Reply

GROUP = Group("permission")

GROUP.fault(
    "dry-run-ignored",
    "PERM-DRYRUN-PERMITTED",
    "MUST",
    "DryRun=true is ignored: the request is carried out.",
    rewriting(
        lambda call: call.authenticated and call.get("DryRun") == "true",
        lambda call: without(call.params or (), "DryRun"),
    ),
)


def _denied_as_permitted(*, dry_run_only: bool) -> Behaviour:
    """Serve the denied identity's requests (only its DryRun=true ones: ``dry_run_only``)
    as the permitted identity's."""

    def who(call: Call, endpoint: Endpoint) -> Credentials | None:
        if call.principal is None or call.principal.permitted:
            return None
        if dry_run_only and call.get("DryRun") != "true":
            return None
        return endpoint.permitted

    return signing_as(who)


GROUP.fault(
    "denied-identity-allowed",
    "PERM-DENIED",
    "MUST",
    "The denied identity is served as if it were permitted.",
    _denied_as_permitted(dry_run_only=False),
)

GROUP.fault(
    "dry-run-before-permission",
    "PERM-DRYRUN-DENIED",
    "MUST",
    "DryRun is checked before permission: the denied identity gets DryRunOperation.",
    _denied_as_permitted(dry_run_only=True),
)


@GROUP.fault(
    "dry-run-creates-task",
    "PERM-DRYRUN-NO-SIDE-EFFECT",
    "MUST",
    "A DryRun request answered 412 creates the conversion task all the same.",
    selects="permission and not generated or lifecycle",
)
def _dry_run_creates_task(call: Call, endpoint: Endpoint) -> Reply:
    reply = endpoint.forward(call)
    if call.is_import and call.permitted and reply.status == 412:
        endpoint.forward(call, without(call.params or (), "DryRun"))
    return reply


GROUP.fault(
    "dry-run-false-is-dry-run",
    "PERM-DRYRUN-FALSE",
    "MUST",
    "DryRun=false is taken as a DryRun (the parameter's presence is what counts).",
    rewriting(
        lambda call: call.authenticated and call.get("DryRun") == "false",
        lambda call: with_value(call.params or (), "DryRun", "true"),
    ),
)

GROUP.fault(
    "dry-run-lenient-boolean",
    "PERM-DRYRUN-VALUE",
    "SHOULD",
    "DryRun is read leniently (yes, 1, True are true; anything else false).",
    rewriting(
        lambda call: call.authenticated and call.get("DryRun") not in (None, "true", "false"),
        lambda call: with_value(
            call.params or (), "DryRun", lenient_boolean(call.get("DryRun") or "")
        ),
    ),
)
