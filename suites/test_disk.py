"""Disk images (group ``disk``): every ``DiskImage.N.*`` field missing or malformed, several
disks, none.

The requests are the example cases of ``golden/cases.json``; what each must get is its row's.
"""

import pytest

from ec2conformance.suite import group_cases
from ec2conformance.verifiers import verify_outcome

pytestmark = pytest.mark.disk


@pytest.mark.parametrize("case", group_cases("disk", refused=True))
def test_bad_disk_image_is_refused(case, judge):
    """A missing field, a bad format, byte count, size or manifest URL, two disks, none."""
    verify_outcome(judge, case)
