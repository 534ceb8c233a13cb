"""boto3 calls are bounded like the suite's own (ec2conformance/sdk.py): against a server
that never answers, drips, resets or sends a huge body, an SDK call ends within its deadline
with the target's failure (no answer), never a hang, a suite error or unbounded memory."""

from __future__ import annotations

import time

import pytest
from hostile import hostile_server

from ec2conformance.model import Credentials, sample_api_parameters
from ec2conformance.reference import PERMITTED, start
from ec2conformance.sdk import bounded_client
from ec2conformance.verifiers import sdk_call

TIMEOUT = 1.0


@pytest.mark.parametrize("mode", ["silent", "drip", "reset", "huge"])
def test_an_sdk_call_to_a_hostile_server_ends_in_time(mode):
    with hostile_server(mode) as url:
        client = bounded_client(url, "us-east-1", Credentials("AKIDX", "secret"), timeout=TIMEOUT)
        started = time.monotonic()
        status, code, result = sdk_call(client, "import_instance", **sample_api_parameters())
        elapsed = time.monotonic() - started
    assert status is None and result is None
    assert code is not None and code.startswith("(no answer"), code
    assert elapsed < TIMEOUT + 5, elapsed


def test_an_sdk_call_to_the_reference_is_answered():
    with start() as server:
        client = bounded_client(server.url, "us-east-1", PERMITTED, timeout=10)
        status, code, _ = sdk_call(
            client, "import_instance", DryRun=True, **sample_api_parameters()
        )
    assert (status, code) == (412, "DryRunOperation")
