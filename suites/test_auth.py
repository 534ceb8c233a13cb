"""Signature Version 4 authentication (group ``auth``).

The requests are the example cases of ``golden/cases.json``; what each must get is its row's.
"""

import pytest

from ec2conformance.suite import group_cases
from ec2conformance.verifiers import verify_outcome

pytestmark = pytest.mark.auth


@pytest.mark.parametrize("case", group_cases("auth", refused=True))
def test_request_without_a_valid_signature_is_refused(case, judge):
    """Unsigned, a wrong signature, an unknown key, expired, a malformed header, before DryRun."""
    verify_outcome(judge, case)


@pytest.mark.parametrize("case", group_cases("auth", refused=False))
def test_presigned_request_is_served(case, judge):
    """A GET signed in the query string (X-Amz-* parameters) is served like a signed header."""
    verify_outcome(judge, case)
