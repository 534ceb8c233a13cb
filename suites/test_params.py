"""Top-level parameters (group ``params``): Platform, Description, text XML cannot carry.

The requests are the example cases of ``golden/cases.json``; what each must get is its row's.
"""

import pytest

from ec2conformance.suite import group_cases
from ec2conformance.verifiers import verify_outcome

pytestmark = pytest.mark.params


@pytest.mark.parametrize("case", group_cases("params", refused=True))
def test_bad_parameter_is_refused(case, judge):
    """A missing or unknown Platform, text with characters XML cannot carry."""
    verify_outcome(judge, case)


@pytest.mark.parametrize("case", group_cases("params", refused=False))
def test_description_is_carried_back(case, judge):
    """The request's Description comes back in importInstance/description."""
    verify_outcome(judge, case)
