"""Permission and DryRun (group ``permission``), with a raw request and through boto3 (the
way SDK users meet DryRunOperation and UnauthorizedOperation).

The requests are the example cases of ``golden/cases.json``; what each must get is its row's.
"""

import pytest

from ec2conformance.model import Identity
from ec2conformance.suite import first_case, group_cases, param
from ec2conformance.verifiers import verify_outcome, verify_sdk_refusal

pytestmark = pytest.mark.permission

SDK_ROWS = ("PERM-DRYRUN-PERMITTED", "PERM-DRYRUN-DENIED", "PERM-DENIED")
"""The rows whose request boto3 can send as it is (the first example case of each)."""


@pytest.mark.parametrize("case", group_cases("permission", refused=True))
def test_dry_run_or_denied_request_is_refused(case, judge):
    """DryRun from the permitted or the denied identity, the denied identity, a bad DryRun."""
    verify_outcome(judge, case)


@pytest.mark.parametrize("case", group_cases("permission", refused=False))
def test_dry_run_false_is_served(case, judge):
    """``DryRun=false`` is served like the same request without DryRun."""
    verify_outcome(judge, case)


@pytest.mark.parametrize("case", [param(rid, first_case(rid), "boto3") for rid in SDK_ROWS])
def test_boto3_gets_the_rows_error(case, sdk_client, judge):
    """boto3's import_instance gets the row's error (ClientError code and HTTP status)."""
    verify_sdk_refusal(
        judge,
        sdk_client,
        case.requirement,
        identity=Identity(case.spec.identity),
        dry_run=case.spec.get("DryRun") == "true",
    )
