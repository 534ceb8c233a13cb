"""Faults below the parameters: the signature (AUTH-*) and the encoding (WIRE-MALFORMED-QUERY).

A fault here is data on the :class:`~ec2conformance.model.RequestSpec` (``signing``,
``auth_fault``, ``wire_fault``) or a pair with an empty name; the client turns it into bytes
and signs over exactly what it sends. Each ``*_faults(base)`` function returns a strategy of
:class:`~strategies.cases.Fault` objects for one requirement, applied by
:mod:`strategies.invalid` to a valid request; :data:`WIRE_FAULTS` registers them by
requirement id.

Rows covered: AUTH-UNSIGNED, AUTH-BAD-SIGNATURE, AUTH-UNKNOWN-KEY, AUTH-EXPIRED,
AUTH-MALFORMED, AUTH-BEFORE-DRYRUN, WIRE-MALFORMED-QUERY. Every signature fault is in the
``Authorization`` header, as the rows describe (a query-signed request 20 minutes old is
outside the contract).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.model import (
    MALFORMED_AUTH_FAULTS,
    AuthFault,
    RequestSpec,
    Signing,
    WireFault,
)
from ec2conformance.strategies.cases import Fault, put_param
from ec2conformance.strategies.faults_common import FaultGenerator, once
from ec2conformance.strategies.text import texts

__all__ = [
    "BAD_SIGNATURE_FAULTS",
    "WIRE_FAULTS",
    "auth_before_dry_run_faults",
    "bad_signature_faults",
    "empty_name_pairs",
    "expired_faults",
    "malformed_auth_faults",
    "malformed_query_faults",
    "unknown_key_faults",
    "unsigned_faults",
    "wire_fault_kinds",
]

#: The signature faults of AUTH-BAD-SIGNATURE (a wrong secret, another service's scope).
BAD_SIGNATURE_FAULTS: Final = (AuthFault.WRONG_SECRET, AuthFault.WRONG_SERVICE)

# What a signature fault changes: the signature. Without a signature, or with a key id the
# target does not know, no identity is left to be denied: those faults take the identity
# too, so the mixed stream never pairs them with the denied identity.
_AUTH_ASPECTS: Final = frozenset({"auth"})
_AUTH_AND_IDENTITY: Final = frozenset({"auth", "identity"})


def wire_fault_kinds() -> SearchStrategy[WireFault]:
    """The encoding faults the client can apply: ``%zz``, a raw 0xFF, ``%FF``, ``=x``."""
    return st.sampled_from(list(WireFault))


def _signed_in_header(spec: RequestSpec, fault: AuthFault) -> RequestSpec:
    return replace(spec, signing=Signing.HEADER, auth_fault=fault)


def _auth_fault(
    requirement: str,
    kinds: SearchStrategy[AuthFault],
    aspects: frozenset[str] = _AUTH_ASPECTS,
) -> SearchStrategy[Fault]:
    return kinds.map(
        lambda kind: Fault(
            requirement,
            lambda spec: _signed_in_header(spec, kind),
            aspects=aspects,
        )
    )


def unsigned_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """AUTH-UNSIGNED: no ``Authorization`` header and no ``X-Amz-Signature``."""
    return st.just(
        Fault(
            "AUTH-UNSIGNED",
            lambda spec: replace(spec, signing=Signing.NONE, auth_fault=None),
            aspects=_AUTH_AND_IDENTITY,
        )
    )


def bad_signature_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """AUTH-BAD-SIGNATURE: header-signed with the permitted key id and a wrong secret, or
    with a credential scope naming another service."""
    return _auth_fault("AUTH-BAD-SIGNATURE", st.sampled_from(BAD_SIGNATURE_FAULTS))


def unknown_key_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """AUTH-UNKNOWN-KEY: header-signed with a key id the target does not know."""
    return _auth_fault("AUTH-UNKNOWN-KEY", st.just(AuthFault.UNKNOWN_KEY), _AUTH_AND_IDENTITY)


def expired_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """AUTH-EXPIRED: header-signed correctly, ``X-Amz-Date`` 20 minutes in the past."""
    return _auth_fault("AUTH-EXPIRED", st.just(AuthFault.EXPIRED))


def malformed_auth_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """AUTH-MALFORMED: an ``Authorization`` header that is not well-formed SigV4 (unknown
    algorithm; no Credential, SignedHeaders or Signature; a malformed ``X-Amz-Date``)."""
    kinds = sorted(MALFORMED_AUTH_FAULTS, key=lambda f: f.value)
    return _auth_fault("AUTH-MALFORMED", st.sampled_from(kinds))


def auth_before_dry_run_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """AUTH-BEFORE-DRYRUN: a bad signature or an unknown key id, with ``DryRun=true``.
    Carries two faults: the AUTH-* one and PERM-DRYRUN-PERMITTED (the DryRun)."""
    kinds = st.sampled_from([*BAD_SIGNATURE_FAULTS, AuthFault.UNKNOWN_KEY])

    def fault(kind: AuthFault) -> Fault:
        auth = "AUTH-UNKNOWN-KEY" if kind is AuthFault.UNKNOWN_KEY else "AUTH-BAD-SIGNATURE"
        return Fault(
            "AUTH-BEFORE-DRYRUN",
            lambda spec: _signed_in_header(put_param(spec, "DryRun", "true"), kind),
            focus=("DryRun",),
            aspects=_AUTH_AND_IDENTITY | {"DryRun"},
            carries=(auth, "PERM-DRYRUN-PERMITTED"),
        )

    return kinds.map(fault)


def _not_in_query(spec: RequestSpec) -> Signing:
    # A wire fault goes in a POST body; a signature in the query string moves to the header
    # (an unsigned request stays unsigned).
    return Signing.HEADER if spec.signing is Signing.QUERY else spec.signing


def empty_name_pairs() -> SearchStrategy[tuple[str, str]]:
    """A pair with an empty name and a non-empty value (``=x``): it does not decode into a
    parameter (WIRE-MALFORMED-QUERY). An empty pair (``&&``) is ignored, so never that."""
    return texts(min_size=1, max_size=20).map(lambda value: ("", value))


def malformed_query_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """WIRE-MALFORMED-QUERY: a body that does not decode, as one of the client's wire faults
    (``%zz``, a raw 0xFF, ``%FF``, ``=x``; always sent as a POST, never query-signed), or
    a pair with an empty name among the parameters (as a POST body or a GET query)."""

    def with_wire_fault(kind: WireFault) -> Fault:
        return Fault(
            "WIRE-MALFORMED-QUERY",
            lambda spec: replace(spec, method="POST", signing=_not_in_query(spec), wire_fault=kind),
            aspects=frozenset({"wire"}),
        )

    def with_empty_name(pair: tuple[str, str]) -> Fault:
        return Fault(
            "WIRE-MALFORMED-QUERY",
            lambda spec: spec.plus(pair),
            note=f"={pair[1]!r}",
            aspects=frozenset({"wire"}),
        )

    # One choice among the client's wire faults and the pair with an empty name (the
    # first wire fault is the simplest); the pair's value is drawn only when chosen.
    kinds: list[WireFault | None] = [*WireFault, None]
    choices = st.sampled_from(kinds)
    pairs = empty_name_pairs()

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        kind = draw(choices)
        if kind is None:
            return with_empty_name(draw(pairs))
        return with_wire_fault(kind)

    return build()


#: The fault generators of this module by requirement id; each takes the valid request the
#: fault is applied to.
#: None depends on the request: each strategy is built once (:func:`once`).
WIRE_FAULTS: Final[dict[str, FaultGenerator]] = {
    "AUTH-UNSIGNED": once(unsigned_faults),
    "AUTH-BAD-SIGNATURE": once(bad_signature_faults),
    "AUTH-UNKNOWN-KEY": once(unknown_key_faults),
    "AUTH-EXPIRED": once(expired_faults),
    "AUTH-MALFORMED": once(malformed_auth_faults),
    "AUTH-BEFORE-DRYRUN": once(auth_before_dry_run_faults),
    "WIRE-MALFORMED-QUERY": once(malformed_query_faults),
}
