"""Query protocol (group ``wire``): methods, Action, Version, parameter names, encoding.

The requests are the example cases of ``golden/cases.json``; what each must get is its row's.
"""

import pytest

from ec2conformance.suite import group_cases
from ec2conformance.verifiers import verify_outcome

pytestmark = pytest.mark.wire


@pytest.mark.parametrize("case", group_cases("wire", refused=True))
def test_request_outside_the_protocol_is_refused(case, judge):
    """No or an unknown Action, a bad or no Version, a malformed encoding, an unknown name."""
    verify_outcome(judge, case)


@pytest.mark.parametrize("case", group_cases("wire", refused=False))
def test_well_formed_request_is_served(case, judge):
    """POST with a form body, GET with a query, and any echoed text, carried back unchanged."""
    verify_outcome(judge, case)
