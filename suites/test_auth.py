"""Signature Version 4 authentication.

The example cases of golden/cases.json for group `auth`.
"""

import pytest

from ec2conformance.suite import example_cases

pytestmark = pytest.mark.auth


@pytest.mark.parametrize("case", example_cases("auth"))
def test_example(case, judge):
    """Send the case; the oracle says what is acceptable; every answer is also checked."""
    judge.check_request(case.requirement, case.spec)
