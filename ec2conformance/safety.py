"""Safe mode's rule, in one place: what may be sent to a target the suite must not change.

Off the loopback network without ``--allow-mutating``, or with ``--safe-mode``, every
request goes out as :func:`safe_spec` makes it: a request for a read-only action as it is;
CancelConversionTask (in any spelling) not at all; every other request (ImportInstance in any
spelling, no Action, an unknown one, whatever it carries) with exactly ``DryRun=true``. The
client applies it to everything it sends (``ec2conformance/client.py``), so no test can
create or cancel a task by mistake; the judge applies it before asking the oracle, so the
oracle judges the request as sent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from ec2conformance.model import RequestSpec

READ_ONLY_ACTIONS: Final = frozenset({"describeconversiontasks"})
"""Actions (lower case) that change nothing: sent as they are."""
NEVER_SENT_ACTIONS: Final = frozenset({"cancelconversiontask"})
"""Actions (lower case) that change a task and have no DryRun the suite relies on."""
NOT_SENT_REASON = "safe mode: a request that would cancel a task is not sent"


class SafeModeRefusal(Exception):
    """A request safe mode does not send (see :data:`NEVER_SENT_ACTIONS`)."""


def safe_spec(spec: RequestSpec) -> RequestSpec | None:
    """``spec`` as safe mode sends it, or None when it is not sent at all."""
    action = (spec.get("Action") or "").lower()
    if action in READ_ONLY_ACTIONS:
        return spec
    if action in NEVER_SENT_ACTIONS:
        return None
    if [v for k, v in spec.params if k == "DryRun"] == ["true"]:
        return spec
    others = tuple(p for p in spec.params if p[0] != "DryRun")
    return replace(spec, params=(*others, ("DryRun", "true")))
