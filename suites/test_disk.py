"""Disk images (DiskImage.N.*).

The example cases of golden/cases.json for group `disk`.
"""

import pytest

from ec2conformance.suite import example_cases

pytestmark = pytest.mark.disk


@pytest.mark.parametrize("case", example_cases("disk"))
def test_example(case, judge):
    """Send the case; the oracle says what is acceptable; every answer is also checked."""
    judge.check_request(case.requirement, case.spec)
