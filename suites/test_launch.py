"""Launch specification (LaunchSpecification.*).

The example cases of golden/cases.json for group `launch`.
"""

import pytest

from ec2conformance.suite import example_cases

pytestmark = pytest.mark.launch


@pytest.mark.parametrize("case", example_cases("launch"))
def test_example(case, judge):
    """Send the case; the oracle says what is acceptable; every answer is also checked."""
    judge.check_request(case.requirement, case.spec)
