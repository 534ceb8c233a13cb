"""The oracle: what the contract accepts as the answer to a request, and where a wrong
answer is recorded.

:func:`expect` is a pure function of a :class:`~ec2conformance.model.RequestSpec` and the
contract's data in ``golden/`` (``requirements.json``, ``domain.json``, ``model.json``,
``ec2-api.json``, ``error-catalogue.json``). It finds every fault of the request with its
stage in the contract's order of checks:

1. authentication (AUTH-*)
2. a query that does not decode, action and version (WIRE-MALFORMED-QUERY, WIRE-NO-ACTION,
   WIRE-UNKNOWN-ACTION, WIRE-BAD-VERSION, WIRE-NO-VERSION)
3. unknown parameters and list indexes (WIRE-UNKNOWN-PARAM, LIST-INDEX-INVALID)
4. missing and malformed parameters (PARAM-*, PERM-DRYRUN-VALUE, DISK-*, LAUNCH-*)
5. permission (PERM-DENIED, PERM-DRYRUN-DENIED): a denied identity counts as a fault
6. DryRun (PERM-DRYRUN-PERMITTED): ``DryRun=true`` counts as a fault
7. success

and from them the acceptable outcomes: in both modes stage 1 before 2 before 3-6 and 5
before 6; by default either of stages 3-4 and 5-6 passes, with ``strict`` the earliest stage
wins and each requirement's alternatives narrow to the first. Within a stage any fault's
outcome passes. Naming a resource that must already exist adds the catalogue's
``.NotFound``/``.Malformed``/``.Unknown`` codes wherever stage 4 would pass (never narrowed).

The modules: :mod:`~ec2conformance.oracle.outcomes` (what the oracle says: outcomes, faults,
the expectation and where a wrong answer is recorded), :mod:`~ec2conformance.oracle.contract`
(the data it reads, prepared once), :mod:`~ec2conformance.oracle.finder` (what it collects
while walking a request), :mod:`~ec2conformance.oracle.request` (stages 1, 2, 5 and 6),
:mod:`~ec2conformance.oracle.parameters` (stages 3 and 4) and
:mod:`~ec2conformance.oracle.acceptable` (the order of checks and :func:`expect`).

The oracle shares data with the reference endpoint, never code: it imports nothing from
:mod:`ec2conformance.reference`.
"""

from ec2conformance.oracle.acceptable import expect
from ec2conformance.oracle.outcomes import SUCCESS, Expectation, Fault, Outcome, is_throttled

__all__ = [
    "SUCCESS",
    "Expectation",
    "Fault",
    "Outcome",
    "expect",
    "is_throttled",
]
