"""Permission and DryRun.

The example cases of golden/cases.json for group `permission`, and the same through a real
boto3 client (the way SDK users meet DryRunOperation and UnauthorizedOperation).
"""

import pytest

from ec2conformance.findings import ConformanceFailure
from ec2conformance.model import Identity
from ec2conformance.suite import example_cases, param, sdk_call, sdk_sample_parameters

pytestmark = pytest.mark.permission


@pytest.mark.parametrize("case", example_cases("permission"))
def test_example(case, judge):
    """Send the case; the oracle says what is acceptable; every answer is also checked."""
    judge.check_request(case.requirement, case.spec)


@pytest.mark.parametrize(
    "row",
    [
        param("PERM-DRYRUN-PERMITTED", (Identity.PERMITTED, True, 412, "DryRunOperation"), "boto3"),
        param("PERM-DRYRUN-DENIED", (Identity.DENIED, True, 403, "UnauthorizedOperation"), "boto3"),
        param("PERM-DENIED", (Identity.DENIED, False, 403, "UnauthorizedOperation"), "boto3"),
    ],
)
def test_sdk_refusal(row, request, sdk_client, target):
    """boto3's import_instance gets the row's error (ClientError code and HTTP status)."""
    identity, dry_run, status, code = row
    if target.safe_mode and not dry_run:
        pytest.skip("safe mode: DryRun only")
    requirement = request.node.get_closest_marker("requirement").args[0]
    ec2 = sdk_client(identity)
    got_status, got_code, _ = sdk_call(
        ec2, "import_instance", DryRun=dry_run, **sdk_sample_parameters()
    )
    received = (got_status, got_code)
    if received != (status, code):
        raise ConformanceFailure.single(
            requirement,
            "boto3's import_instance got another answer",
            expected=f"{status} {code}",
            received=f"{received[0]} {received[1] or ''}".strip(),
        )
