"""Requests that break one requirement each: one registered strategy per requirement.

:data:`INVALID` maps every requirement a request can violate to a strategy factory
(keyword-only ``availability_zones``) of :class:`~strategies.cases.Case` objects, each
registered in the requirement registry (``registry.strategy_of(rid)`` is ``INVALID[rid]``,
see ``ec2conformance/registry.py``). Each case is a valid request
(:func:`strategies.valid.import_instance_requests`, any of its forms) with exactly ONE
fault applied, without ``DryRun`` (the dedicated checks send one fault at a time), except
the rows that describe DryRun or an identity (PERM-*, AUTH-BEFORE-DRYRUN). The case's
``requirement`` is the row and ``faults`` the requirement ids of what it carries; the
oracle confirms both in the self-tests, nothing is filtered at draw time.

How it is built:

- invalid values and names: :mod:`strategies.invalid_values`, :mod:`strategies.invalid_names`;
- fault generators (:data:`FAULTS`): for a requirement and a valid request, a strategy of
  :class:`~strategies.cases.Fault` (the change, what it touches, what to show), from
  :mod:`strategies.faults_wire` (signature, encoding), :mod:`strategies.faults_params`
  (envelope, names, DryRun, identity, top-level values), :mod:`strategies.faults_disk`
  and :mod:`strategies.faults_launch`, in the order of checks;
- :func:`invalid_requests`: a valid request, one fault, a :class:`Case`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance import registry
from ec2conformance.model import RequestSpec
from ec2conformance.strategies.cases import Case, Fault, drop_params
from ec2conformance.strategies.domain import DEFAULT_AVAILABILITY_ZONES, Zones
from ec2conformance.strategies.faults_common import FaultGenerator
from ec2conformance.strategies.faults_disk import DISK_FAULTS
from ec2conformance.strategies.faults_domain import derived_fault_table
from ec2conformance.strategies.faults_launch import LAUNCH_FAULTS
from ec2conformance.strategies.faults_params import PARAMS_FAULTS
from ec2conformance.strategies.faults_wire import WIRE_FAULTS
from ec2conformance.strategies.fitting import finish
from ec2conformance.strategies.valid import import_instance_requests

__all__ = ["FAULTS", "INVALID", "fault_strategy", "invalid_requests"]

_HAND_WRITTEN: Final[dict[str, FaultGenerator]] = {
    **WIRE_FAULTS,
    **PARAMS_FAULTS,
    **DISK_FAULTS,
    **LAUNCH_FAULTS,
}

#: Fault generators by requirement id: given the valid request, a strategy of faults; the
#: hand-written ones, then those derived from ``golden/domain.json`` for the requirements
#: without one (:mod:`strategies.faults_domain`). ``availability_zones`` reaches the ones that
#: need it through :func:`fault_strategy`.
FAULTS: Final[dict[str, FaultGenerator]] = {
    **_HAND_WRITTEN,
    **derived_fault_table(_HAND_WRITTEN),
}

# The rows whose faults need the suite's zone.
_NEEDS_ZONE: Final = frozenset({"PARAM-TEXT-INVALID"})

# Rows describing DryRun or an identity keep the request's DryRun; every other row sends its
# fault without DryRun.
_KEEPS_DRY_RUN: Final = frozenset(
    {"PERM-DRYRUN-PERMITTED", "PERM-DRYRUN-DENIED", "PERM-DRYRUN-VALUE", "AUTH-BEFORE-DRYRUN"}
)


def fault_strategy(
    requirement: str,
    base: RequestSpec,
    *,
    availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES,
    generator: FaultGenerator | None = None,
) -> SearchStrategy[Fault]:
    """The faults of ``requirement`` that can be applied to ``base`` (from ``generator``,
    else from :data:`FAULTS`)."""
    make = generator or FAULTS[requirement]
    if requirement in _NEEDS_ZONE:
        return make(base, availability_zones=availability_zones)
    return make(base)


def invalid_requests(
    requirement: str,
    *,
    availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES,
    generator: FaultGenerator | None = None,
) -> SearchStrategy[Case]:
    """Requests that break ``requirement`` and nothing else: a valid request
    (:func:`~strategies.valid.import_instance_requests`, in any of its forms, POST or GET)
    with one fault of ``FAULTS[requirement]`` applied, as a :class:`Case` whose
    ``requirement`` is the row and whose ``faults`` are what it carries. ``DryRun`` is
    absent unless the row describes it. Shrinks towards the smallest valid request with
    the row's first named example. ``generator`` replaces the requirement's fault
    generator (a self-test's way to try a derived one)."""
    if generator is None and requirement not in FAULTS:
        raise KeyError(f"no invalid strategy for {requirement!r}")

    requests = import_instance_requests(availability_zones=availability_zones)

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        base = draw(requests)
        if requirement not in _KEEPS_DRY_RUN:
            base = drop_params(base, "DryRun")
        fault = draw(
            fault_strategy(
                requirement, base, availability_zones=availability_zones, generator=generator
            )
        )
        spec = finish(fault.apply(base))
        return Case(spec, requirement, fault.faults, focus=fault.focus, note=fault.note)

    return build()


def _registered(requirement: str) -> Callable[..., SearchStrategy[Case]]:
    """The strategy factory of ``requirement`` (:func:`invalid_requests` for it, described
    by its fault generator), registered as the requirement's strategy."""

    def strategy(*, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES) -> SearchStrategy[Case]:
        return invalid_requests(requirement, availability_zones=availability_zones)

    strategy.__name__ = strategy.__qualname__ = f"invalid_requests[{requirement}]"
    strategy.__doc__ = (
        f"invalid_requests({requirement!r}): valid requests with one fault, "
        f"{FAULTS[requirement].__doc__}"
    )
    return registry.strategy(requirement)(strategy)


#: One registered strategy factory per requirement a request can violate (keyword-only
#: ``availability_zones``), each giving :class:`Case` objects that carry that fault alone
#: (or, for AUTH-BEFORE-DRYRUN and PERM-DRYRUN-DENIED, the combination the row describes).
INVALID: Final[dict[str, Callable[..., SearchStrategy[Case]]]] = {
    requirement: _registered(requirement) for requirement in FAULTS
}
