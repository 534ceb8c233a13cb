"""Generated requests (group ``fuzz``): one Hypothesis test per requirement, and the mixed
stream.

Each requirement a request can break, or a valid request can vary, has its own Hypothesis
test, fed by the strategy registered for it (``strategies/``): a Hypothesis test stops at its
first failure and merges failures from one place, so a single mixed stream would let a
common SHOULD finding hide a rarer MUST one. FUZZ-ORACLE sends the mixed stream of valid and
multi-fault requests and compares every outcome with the oracle. Every answer also passes the
generic checks (FUZZ-NO-SERVER-ERROR, ERR-*, RESP-*).

``--fuzz-minutes N`` turns these tests into an exploratory session
(``ec2conformance/fuzzing.py``); failures it finds are replayed first by every later run.
"""

import pytest

import ec2conformance.strategies  # noqa: F401 - registers every strategy
from ec2conformance import registry
from ec2conformance.cases import FUZZ_ORACLE
from ec2conformance.strategies.mixed import covering_cases
from ec2conformance.suite import param
from ec2conformance.verifiers import (
    edge_requests,
    valid_requests,
    verify_exchange,
    verify_generated,
)

GENERATED = {
    rid: make for rid, make in registry.registered_strategies().items() if rid != FUZZ_ORACLE
}
"""The strategy of every requirement a request can break or a valid request varies."""

pytestmark = [pytest.mark.fuzz, pytest.mark.generated]


@pytest.mark.parametrize("requirement", [param(rid, rid, "generated") for rid in sorted(GENERATED)])
def test_generated_requests_get_the_rows_outcome(requirement, judge, target, fuzz):
    """Generated requests of one requirement, each judged by the oracle and the checks."""
    strategy = GENERATED[requirement](availability_zones=target.availability_zones)
    verify_generated(judge, fuzz, strategy, key=requirement)


@pytest.mark.requirement(FUZZ_ORACLE)
def test_mixed_stream_gets_the_oracles_outcomes(judge, target, fuzz):
    """Valid and multi-fault requests: every outcome is one the oracle accepts."""
    mixed = registry.entry(FUZZ_ORACLE).strategy
    assert mixed is not None
    zones = target.availability_zones
    verify_generated(
        judge,
        fuzz,
        mixed(availability_zones=zones),
        key=FUZZ_ORACLE,
        row=False,
        explicit=covering_cases(availability_zones=zones),
    )


PLAIN = [name for name, _ in valid_requests(("",))] + [name for name, _ in edge_requests()]


@pytest.mark.parametrize("variant", [param("FUZZ-NO-SERVER-ERROR", n, n) for n in PLAIN])
def test_valid_request_gets_no_server_error(variant, judge, target):
    """Plain valid requests, and those at the edges of the domain, are answered in time,
    with XML, without a 5xx, and as the oracle says."""
    requests = dict(valid_requests(target.availability_zones) + edge_requests())
    verify_exchange(judge, "FUZZ-NO-SERVER-ERROR", requests[variant])
