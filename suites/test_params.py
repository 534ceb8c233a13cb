"""Top-level parameters: Platform, Description, echoed text.

The example cases of golden/cases.json for group `params`.
"""

import pytest

from ec2conformance.suite import example_cases

pytestmark = pytest.mark.params


@pytest.mark.parametrize("case", example_cases("params"))
def test_example(case, judge):
    """Send the case; the oracle says what is acceptable; every answer is also checked."""
    judge.check_request(case.requirement, case.spec)
