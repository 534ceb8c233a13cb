"""The success response (RESP-*): valid requests from the permitted identity, without DryRun.

Every 200 to a valid request anywhere in the suite passes through the same success checks;
here each RESP requirement has its own cases, so each is covered even when selected alone.
"""

import pytest

from ec2conformance.checks import SUCCESS_REQUIREMENTS
from ec2conformance.findings import ConformanceFailure
from ec2conformance.model import Identity
from ec2conformance.suite import (
    UNPARSEABLE,
    param,
    sdk_call,
    sdk_sample_parameters,
    valid_variants,
)

pytestmark = pytest.mark.response

RESP_IDS = [rid for rid in SUCCESS_REQUIREMENTS if rid.startswith("RESP-")]


@pytest.mark.parametrize("variant", valid_variants(), ids=lambda v: v[0])
@pytest.mark.parametrize("requirement", [param(rid, rid) for rid in RESP_IDS])
def test_success_body(requirement, variant, judge, target):
    """A valid request is answered 200 with a body that meets ``requirement``."""
    name, spec = variant
    if name == "described":
        spec = spec.with_params(
            LaunchSpecification__Placement__AvailabilityZone=target.availability_zone
        )
    exchange = judge.check_request(requirement, spec, row=False, finish=False)
    judge.done()
    if exchange.status != 200:
        pytest.skip(f"no 200 to judge: the valid request was answered {exchange.status}")


@pytest.mark.parametrize("requirement", [param("RESP-SDK-PARSE", "RESP-SDK-PARSE", "boto3")])
def test_sdk_import_instance(requirement, sdk_client, target):
    """boto3's import_instance with the sample returns a ConversionTask of the model's types."""
    if target.safe_mode:
        pytest.skip("safe mode: DryRun only")
    ec2 = sdk_client(Identity.PERMITTED)
    status, code, result = sdk_call(ec2, "import_instance", **sdk_sample_parameters())
    if status != 200:
        pytest.skip(f"no 200 to parse: the sample was answered {status} {code or ''}".rstrip())
    problems = []
    if result is None:
        problems.append(f"a 200 that botocore cannot parse {UNPARSEABLE}")
        volumes = []
    else:
        task = result.get("ConversionTask", {})
        volumes = task.get("ImportInstance", {}).get("Volumes", [])
        if not task.get("ConversionTaskId"):
            problems.append("no ConversionTaskId")
        if len(volumes) != 1:
            problems.append(f"{len(volumes)} volumes")
    for volume in volumes:
        for path, value in (
            ("Image.Size", volume.get("Image", {}).get("Size")),
            ("Volume.Size", volume.get("Volume", {}).get("Size")),
            ("BytesConverted", volume.get("BytesConverted")),
        ):
            if not isinstance(value, int):
                problems.append(f"{path} is {value!r}, not an integer")
    if problems:
        raise ConformanceFailure.single(
            "RESP-SDK-PARSE",
            "boto3 did not read the answer into the model's types",
            expected="ConversionTask with integer Size, Bytes, BytesConverted",
            received="; ".join(problems),
        )
