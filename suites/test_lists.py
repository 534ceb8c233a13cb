"""List indexes (group ``lists``): indexes that are not list indexes.

The requests are the example cases of ``golden/cases.json``; what each must get is its row's.
"""

import pytest

from ec2conformance.suite import group_cases
from ec2conformance.verifiers import verify_outcome

pytestmark = pytest.mark.lists


@pytest.mark.parametrize("case", group_cases("lists", refused=True))
def test_bad_list_index_is_refused(case, judge):
    """``GroupName.0``, ``GroupName.x``, ``GroupName.01`` and friends."""
    verify_outcome(judge, case)
