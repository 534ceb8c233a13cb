"""List indexes.

The example cases of golden/cases.json for group `lists`.
"""

import pytest

from ec2conformance.suite import example_cases

pytestmark = pytest.mark.lists


@pytest.mark.parametrize("case", example_cases("lists"))
def test_example(case, judge):
    """Send the case; the oracle says what is acceptable; every answer is also checked."""
    judge.check_request(case.requirement, case.spec)
