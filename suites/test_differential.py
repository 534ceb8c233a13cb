"""Differential mode (group ``differential``): with ``--reference-endpoint`` every request
of every test is also sent to the reference and the outcomes compared (DIFF-SAME-OUTCOME,
judged where each request is sent: :class:`~ec2conformance.checks.Judge`). This module's
test sends the contract's sample, so that the requirement is judged even on a small
selection; without a reference it is skipped with the reason."""

import pytest

from ec2conformance.differential import NOT_DIFFERENTIAL, REQUIREMENT
from ec2conformance.model import sample

pytestmark = pytest.mark.differential


@pytest.mark.requirement(REQUIREMENT)
def test_sample_has_the_reference_outcome(judge):
    """The sample (DryRun in safe mode) gets the reference's outcome."""
    if judge.differential is None:
        judge.skipped(REQUIREMENT, NOT_DIFFERENTIAL)
        pytest.skip(NOT_DIFFERENTIAL)
    with judge.case():
        judge.send(judge.adapt(sample()))
