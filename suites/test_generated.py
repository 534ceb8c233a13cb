"""Generated requests (FUZZ-*): one Hypothesis test per requirement, and the mixed stream.

Each requirement a request can break (``strategies/invalid.py``) or a valid request can vary
(``strategies/valid.py``, ``VALID_ROWS``) has its own Hypothesis test, fed by its strategy:
a Hypothesis test stops at its first failure and merges
failures from one place, so a single mixed stream would let a common SHOULD finding hide a
rarer MUST one. FUZZ-ORACLE sends the mixed stream of valid and multi-fault requests and
compares every outcome with the oracle. Every answer also passes the generic checks
(FUZZ-NO-SERVER-ERROR, ERR-*, RESP-*).

``--fuzz-minutes N`` turns these tests into an exploratory session (see
``ec2conformance/fuzzing.py``); failures it finds are replayed first by every later run.
"""

import pytest

from ec2conformance.fuzzing import run_generated
from ec2conformance.suite import param, valid_variants
from strategies.invalid import INVALID
from strategies.mixed import mixed_requests
from strategies.valid import VALID_ROWS

GENERATED = {**INVALID, **VALID_ROWS}

pytestmark = [pytest.mark.fuzz, pytest.mark.generated]


@pytest.mark.parametrize("requirement", [param(rid, rid, "generated") for rid in sorted(GENERATED)])
def test_generated(requirement, judge, target, fuzz):
    """Generated requests of one requirement, each judged by the oracle and the checks."""
    strategy = GENERATED[requirement](availability_zone=target.availability_zone)
    run_generated(
        fuzz,
        strategy,
        lambda case: judge.check_request(case.requirement, case.spec),
        key=requirement,
    )


@pytest.mark.requirement("FUZZ-ORACLE")
def test_mixed_stream(judge, target, fuzz):
    """Valid and multi-fault requests: every outcome is one the oracle accepts."""
    strategy = mixed_requests(availability_zone=target.availability_zone)
    run_generated(
        fuzz,
        strategy,
        lambda case: judge.check_request("FUZZ-ORACLE", case.spec, row=False),
        key="FUZZ-ORACLE",
    )


@pytest.mark.parametrize(
    "spec",
    [param("FUZZ-NO-SERVER-ERROR", s, name) for name, s in valid_variants()],
)
def test_no_server_error(spec, judge):
    """Plain valid requests are answered in time, with XML, without a 5xx."""
    judge.check_request("FUZZ-NO-SERVER-ERROR", spec, row=False)
