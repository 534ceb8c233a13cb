"""Safe mode's rule (ec2conformance/safety.py) and its guard in the client: what goes out."""

from __future__ import annotations

import pytest

from ec2conformance.client import Client
from ec2conformance.model import Identity, RequestSpec, sample
from ec2conformance.reference import PERMITTED, start
from ec2conformance.safety import SafeModeRefusal, safe_spec


@pytest.mark.parametrize(
    "spec",
    [
        sample(),
        sample().with_params(DryRun="false"),
        sample().plus(("DryRun", "true"), ("DryRun", "false")),
        sample().with_params(Action="importinstance"),
        sample().with_params(Action=None),
        sample().with_params(Action="FrobnicateWidgets"),
    ],
    ids=["plain", "dry-run-false", "two-dry-runs", "lower-case-action", "no-action", "unknown"],
)
def test_every_request_but_a_read_goes_out_with_exactly_dry_run_true(spec):
    safe = safe_spec(spec)
    assert safe is not None
    assert [v for k, v in safe.params if k == "DryRun"] == ["true"]
    assert [p for p in safe.params if p[0] != "DryRun"] == [
        p for p in spec.params if p[0] != "DryRun"
    ]


def test_reads_go_out_as_they_are_and_cancels_not_at_all():
    describe = RequestSpec.of(
        [("ConversionTaskId.1", "import-i-abc")], action="DescribeConversionTasks"
    )
    assert safe_spec(describe) is describe
    for action in ("CancelConversionTask", "cancelconversiontask"):
        assert safe_spec(RequestSpec.of([("ConversionTaskId", "x")], action=action)) is None


def test_the_client_in_safe_mode_guards_what_it_sends():
    with (
        start() as server,
        Client(server.url, identities={Identity.PERMITTED: PERMITTED}, safe_mode=True) as client,
    ):
        answer = client.send(sample().with_params(Action=None))
        assert "DryRun=true" in answer.request_body.decode()
        assert client.send(sample()).status == 412
        with pytest.raises(SafeModeRefusal):
            client.send(RequestSpec.of([("ConversionTaskId", "x")], action="CancelConversionTask"))
        with pytest.raises(SafeModeRefusal):
            client.send_raw("POST", "/", body=b"Action=ImportInstance")
        assert len(server.app.store) == 0
