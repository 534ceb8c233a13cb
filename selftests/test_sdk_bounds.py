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
    assert result is None
    if mode == "huge":  # the head arrived, the body passed the cap
        assert status == 200
        assert code is not None and code.startswith("(the answer broke off: a body longer"), code
    else:
        assert status is None
        assert code is not None and code.startswith("(no answer"), code
    assert elapsed < TIMEOUT + 5, elapsed


def test_an_sdk_call_to_the_reference_is_answered():
    with start() as server:
        client = bounded_client(server.url, "us-east-1", PERMITTED, timeout=10)
        status, code, _ = sdk_call(
            client, "import_instance", DryRun=True, **sample_api_parameters()
        )
    assert (status, code) == (412, "DryRunOperation")


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("short-body", "(the answer broke off: connection dropped: IncompleteRead"),
        ("huge-chunked", "(the answer broke off: a body longer than"),
        ("bomb-200", "(refused: the body contains <!DOCTYPE"),
        ("entity-200", "(refused: the body contains <!DOCTYPE"),
    ],
)
def test_an_sdk_call_to_an_answer_that_breaks_off_or_is_unsafe_keeps_its_status(mode, said):
    # The head arrived: the status is the target's, the reason says what went wrong, and
    # an unsafe body never reaches botocore's parser (which expands internal entities).
    paths: list[str] = []
    with hostile_server(mode, paths=paths) as url:
        client = bounded_client(url, "us-east-1", Credentials("AKIDX", "secret"), timeout=TIMEOUT)
        status, code, result = sdk_call(client, "import_instance", **sample_api_parameters())
    assert (status, result) == (200, None)
    assert code is not None and code.startswith(said), code
    assert "/entity" not in paths


def test_botocores_own_connection_errors_are_no_answer():
    # A client without the bounded transport: botocore raises ConnectionClosedError (or
    # another HTTPClientError) itself; that is the target's failure, not the suite's.
    import boto3
    from botocore.config import Config

    with hostile_server("reset") as url:
        client = boto3.client(
            "ec2",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="AKIDX",
            aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=2),
        )
        status, code, result = sdk_call(client, "import_instance", **sample_api_parameters())
    assert status is None and result is None
    assert code is not None and code.startswith("(no answer: "), code
    assert "Error" in code, code
