"""Error answers (group ``errors``): every error's envelope, code, status and content type.

Every error answer anywhere in the suite passes through the same checks; here each ERR
requirement has its own cases (requests that must be refused, the first example case of a
few refusing rows), so each is covered even when selected alone.
"""

import pytest

from ec2conformance import registry
from ec2conformance.suite import first_case, requirement_params
from ec2conformance.verifiers import verify_error_body

pytestmark = pytest.mark.errors

REFUSED = (
    "PARAM-PLATFORM-MISSING",
    "WIRE-UNKNOWN-ACTION",
    "AUTH-UNSIGNED",
    "PERM-DRYRUN-PERMITTED",
    "PERM-DENIED",
)
"""Rows whose first example case must be refused: a parameter, the protocol, the signature,
DryRun and permission each give an error."""


@pytest.mark.parametrize(
    "refused", [first_case(rid) for rid in REFUSED], ids=lambda c: c.requirement
)
@pytest.mark.parametrize("requirement", requirement_params(registry.ids_judging("error-body")))
def test_error_body_meets_the_requirement(requirement, refused, judge):
    """A request that must be refused is answered with an error meeting ``requirement``."""
    verify_error_body(judge, requirement, refused.spec)
