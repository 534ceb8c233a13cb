"""Query protocol: methods, Action, Version, parameter names, encoding.

The example cases of golden/cases.json for group `wire`.
"""

import pytest

from ec2conformance.suite import example_cases

pytestmark = pytest.mark.wire


@pytest.mark.parametrize("case", example_cases("wire"))
def test_example(case, judge):
    """Send the case; the oracle says what is acceptable; every answer is also checked."""
    judge.check_request(case.requirement, case.spec)
