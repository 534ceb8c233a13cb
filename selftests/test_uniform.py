"""A target that answers every request with the same error (an emulator without
ImportInstance) is certified quickly: its generated tests' failures are reported unshrunk,
said once, and the run stays small (ec2conformance/fuzzing.py, Judge.not_worth_shrinking)."""

from __future__ import annotations

import pytest
from runner import SuiteRun, run_suite
from werkzeug.wrappers import Request, Response

from ec2conformance import golden
from ec2conformance.reference import start

NOT_IMPLEMENTED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InternalFailure'
    "</Code><Message>The API action is not implemented</Message></Error></Errors>"
    "<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"
)


@Request.application
def not_implemented(request: Request) -> Response:
    return Response(NOT_IMPLEMENTED, status=501, content_type="text/xml")


def run_against_uniform(reports, *args: str) -> SuiteRun:
    """The suite against an endpoint that answers every request 501 InternalFailure."""
    with start(app=not_implemented) as server:
        return run_suite(
            reports,
            f"--endpoint={server.url}",
            "--access-key-id=AKIDUNIFORM",
            "--secret-access-key=uniform-secret",
            *args,
        )


@pytest.mark.slow
def test_uniform_failures_are_not_shrunk(tmp_path):
    run = run_against_uniform(tmp_path, "-m", "generated")
    summary = run.summary
    assert summary["verdict"] == "non-conformant", run.stdout[-3000:]
    assert summary["implements_import_instance"] is False
    not_shrunk = summary["facts"]["not_shrunk"]
    assert len(not_shrunk) >= 20, not_shrunk
    assert all("501 InternalFailure" in why for why in not_shrunk.values()), not_shrunk
    said = [line for line in run.stdout.splitlines() if "reported unshrunk" in line]
    assert len(said) == 1, said  # one reason, said once
    # Each generated test sends its passing examples and one failing case, no shrink steps:
    # far fewer than the ci profile's 25 examples per test.
    tests = len(not_shrunk)
    assert summary["facts"]["requests_sent"] < tests * 10, summary["facts"]["requests_sent"]


@pytest.mark.slow
def test_the_same_error_for_everything_passes_only_the_error_body_checks(tmp_path):
    # Whatever a requirement expects (a 200, a 412, another error), one error for every
    # request meets none of it: only the checks of error bodies (group "errors") can pass.
    run = run_against_uniform(tmp_path)
    summary = run.summary
    assert summary["verdict"] == "non-conformant", run.stdout[-3000:]
    requirements = golden.requirements()
    passed = [rid for rid, row in summary["requirements"].items() if row["status"] == "passed"]
    assert all(requirements[rid].group == "errors" for rid in passed), passed
    assert not [r for r, row in summary["requirements"].items() if row["status"] == "error"]
