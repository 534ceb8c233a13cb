"""The success answer (group ``response``): valid requests from the permitted identity,
without DryRun.

Every 200 to a valid request anywhere in the suite passes through the same checks; here each
RESP requirement has its own cases, so each is covered even when selected alone.
"""

import pytest

from ec2conformance import registry
from ec2conformance.suite import param, requirement_params
from ec2conformance.verifiers import (
    VALID_REQUEST_NAMES,
    valid_requests,
    verify_sdk_parse,
    verify_success_body,
)

pytestmark = pytest.mark.response

RESPONSE_ROWS = registry.ids_of_group("response")


@pytest.mark.parametrize("variant", VALID_REQUEST_NAMES)
@pytest.mark.parametrize("requirement", requirement_params(RESPONSE_ROWS))
def test_success_body_meets_the_requirement(requirement, variant, judge, target):
    """A valid request is answered 200 with a body that meets ``requirement``."""
    spec = dict(valid_requests(target.availability_zones))[variant]
    verify_success_body(judge, requirement, spec)


@pytest.mark.parametrize("requirement", [param("RESP-SDK-PARSE", "RESP-SDK-PARSE", "boto3")])
def test_boto3_reads_the_answer(requirement, sdk_client, judge):
    """boto3's import_instance with the sample returns a ConversionTask of the model's types."""
    verify_sdk_parse(judge, sdk_client)
