"""Launch specification (group ``launch``): enums, booleans, integers, addresses, user data,
tenancy.

The requests are the example cases of ``golden/cases.json``; what each must get is its row's.
"""

import pytest

from ec2conformance.suite import group_cases
from ec2conformance.verifiers import verify_outcome

pytestmark = pytest.mark.launch


@pytest.mark.parametrize("case", group_cases("launch", refused=True))
def test_bad_launch_specification_is_refused(case, judge):
    """A value outside its enum, a bad boolean, integer, address or base64, host tenancy."""
    verify_outcome(judge, case)
