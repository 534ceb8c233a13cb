"""The oracle's look at the request as a whole: authentication (stage 1), the query, action
and version (stage 2), the items outside the contract that concern the whole request, its
size, and permission and DryRun (stages 5 and 6)."""

from __future__ import annotations

import urllib.parse

from ec2conformance import golden
from ec2conformance.model import ACTION, API_VERSION, AuthFault, Identity, Signing
from ec2conformance.oracle.contract import contract, has_surrogate, integer
from ec2conformance.oracle.finder import Finder

__all__ = ["authentication", "envelope", "permission"]

Pairs = list[tuple[str, str]]


def authentication(finder: Finder) -> None:
    """Stage 1: the signature (AUTH-*)."""
    spec = finder.spec
    if spec.signing is Signing.NONE:
        finder.fault("AUTH-UNSIGNED", "no Authorization header and no X-Amz-Signature")
        return
    fault = spec.auth_fault
    if fault is None:
        return
    if fault in (AuthFault.WRONG_SECRET, AuthFault.WRONG_SERVICE):
        finder.fault("AUTH-BAD-SIGNATURE", fault.value)
    elif fault is AuthFault.UNKNOWN_KEY:
        finder.fault("AUTH-UNKNOWN-KEY", fault.value)
    elif fault is AuthFault.EXPIRED:
        if spec.signing is Signing.QUERY:
            finder.outside.append("a query-signed request whose X-Amz-Date is over 15 minutes old")
        else:
            finder.fault("AUTH-EXPIRED", "X-Amz-Date 20 minutes in the past")
    else:
        finder.fault("AUTH-MALFORMED", fault.value)


def envelope(finder: Finder, pairs: Pairs) -> None:
    """Stage 2 and the outside items that concern the request as a whole."""
    _decoding(finder, pairs)
    _outside_items(finder, pairs)
    _action_and_version(finder)
    _size(finder, pairs)


def _decoding(finder: Finder, pairs: Pairs) -> None:
    """WIRE-MALFORMED-QUERY: a query that does not decode."""
    wire_fault = finder.spec.wire_fault
    if wire_fault is not None:
        finder.fault("WIRE-MALFORMED-QUERY", wire_fault.value)
    if any(name == "" for name, _ in pairs):
        finder.fault("WIRE-MALFORMED-QUERY", "an empty parameter name")
    if any(has_surrogate(n) or has_surrogate(v) for n, v in pairs):
        finder.fault("WIRE-MALFORMED-QUERY", "text that is not UTF-8 (a lone surrogate)")


def _outside_items(finder: Finder, pairs: Pairs) -> None:
    """The method, repeated names, SigV2, a signature in a POST body, a long expiry."""
    spec = finder.spec
    dom = golden.domain()
    if spec.method not in dom["methods"]:
        finder.outside.append(f"HTTP method {spec.method!r}")
    counts: dict[str, int] = {}
    for name, _ in pairs:
        counts[name] = counts.get(name, 0) + 1
    twice = sorted(n for n, c in counts.items() if c > 1)
    if twice:
        finder.outside.append(f"parameter names given twice: {', '.join(twice)}")
    if any(name in contract().sigv2 for name, _ in pairs):
        finder.outside.append("SigV2 parameters")
    if spec.method == "POST" and any(name == "X-Amz-Signature" for name, _ in pairs):
        finder.outside.append("X-Amz-Signature in a POST body")
    expires = spec.get("X-Amz-Expires")
    if expires is not None:
        seconds = integer(expires)
        if seconds is not None and seconds > dom["limits"]["query_expires_maximum"]:
            finder.outside.append("X-Amz-Expires over 604800")


def _action_and_version(finder: Finder) -> None:
    """WIRE-NO-ACTION, WIRE-UNKNOWN-ACTION, WIRE-NO-VERSION, WIRE-BAD-VERSION (another EC2
    action and an earlier published version are outside the contract)."""
    known = contract()
    action = finder.spec.get("Action")
    if action is None:
        finder.fault("WIRE-NO-ACTION", "no Action")
    elif action != ACTION:
        if action in known.actions:
            finder.outside.append(f"another EC2 action ({action})")
        else:
            finder.fault("WIRE-UNKNOWN-ACTION", f"Action={action!r}")
    version = finder.spec.get("Version")
    if version is None:
        finder.fault("WIRE-NO-VERSION", "no Version")
    elif version != API_VERSION:
        if version in known.versions:
            finder.outside.append(f"an earlier published Version ({version})")
        else:
            finder.fault("WIRE-BAD-VERSION", f"Version={version!r}")


def _size(finder: Finder, pairs: Pairs) -> None:
    """The valid domain's limits on a GET URL and a POST body."""
    limits = golden.domain()["limits"]
    method = finder.spec.method
    # Measured as sent: a GET's query string escapes a space as %20, a POST's form body
    # writes it as '+' (application/x-www-form-urlencoded, as botocore sends it).
    quote_via = urllib.parse.quote if method == "GET" else urllib.parse.quote_plus
    try:
        encoded = urllib.parse.urlencode(pairs, quote_via=quote_via, safe="-_.~")
    except UnicodeEncodeError:
        return  # a lone surrogate: already WIRE-MALFORMED-QUERY
    if method == "GET":
        length = len(encoded) + limits["get_url_allowance_bytes"]
        if length > limits["get_url_max_bytes"]:
            finder.domain.append(f"a GET URL of about {length} bytes")
    elif len(encoded) > limits["post_body_max_bytes"]:
        finder.domain.append(f"a POST body of {len(encoded)} bytes")


def permission(finder: Finder) -> None:
    """Stages 5 and 6: a denied identity and ``DryRun=true`` count as faults."""
    dry_run = finder.spec.get("DryRun") == "true"
    if finder.spec.identity is Identity.DENIED:
        requirement = "PERM-DRYRUN-DENIED" if dry_run else "PERM-DENIED"
        finder.fault(requirement, "the denied identity")
    if dry_run:
        finder.fault("PERM-DRYRUN-PERMITTED", "DryRun=true")
