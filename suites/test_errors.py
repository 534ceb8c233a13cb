"""Error responses (ERR-*): every error answer's envelope, code, status and content type.

Every error answer anywhere in the suite passes through the same checks; here each ERR
requirement has its own cases (requests that must be refused), so each is covered even when
selected alone.
"""

from dataclasses import replace

import pytest

from ec2conformance.checks import ERROR_REQUIREMENTS
from ec2conformance.model import Identity, Signing, sample
from ec2conformance.suite import param

pytestmark = pytest.mark.errors

REFUSED = [
    ("missing-platform", sample().without("Platform")),
    ("unknown-action", sample().with_params(Action="FrobnicateWidgets")),
    ("unsigned", replace(sample(), signing=Signing.NONE)),
    ("dry-run", sample().with_params(DryRun="true")),
    ("denied", replace(sample(), identity=Identity.DENIED)),
]


@pytest.mark.parametrize("refused", REFUSED, ids=lambda r: r[0])
@pytest.mark.parametrize("requirement", [param(rid, rid) for rid in ERROR_REQUIREMENTS])
def test_error_body(requirement, refused, judge):
    """A request that must be refused is answered with an error meeting ``requirement``."""
    _, spec = refused
    exchange = judge.check_request(requirement, spec, row=False, finish=False)
    judge.done()
    if exchange.status == 200:
        pytest.skip("no error to judge: the request was accepted")
