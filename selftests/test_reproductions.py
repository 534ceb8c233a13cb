"""Reproductions that reproduce: each failure's ``reproduce:`` line in summary.json (a
``curl --aws-sigv4`` command reading the credentials from the environment), run as a user
would against the same faulty endpoint, gets the answer the suite recorded."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from faultruns import suite_arguments
from runner import run_suite

from ec2conformance.reference import DENIED, PERMITTED
from ec2conformance.reference.faults import FAULTS_BY_NAME, start_faulty

RECEIVED = re.compile(r"^received: (\d{3})(?: (\S+))?", re.M)
REPRODUCE = re.compile(r"^reproduce: (curl .*)$", re.M)
STATUS = re.compile(r"^HTTP/1\.[01] (\d{3})", re.M)
CODE = re.compile(r"<Code>([^<]*)</Code>")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("fault", ["get-refused", "platform-case-insensitive"])
def test_a_failures_curl_reproduction_gets_the_recorded_answer(tmp_path, fault):
    with start_faulty(fault) as server:
        args = suite_arguments(server.url, strict=False, selection=FAULTS_BY_NAME[fault].selection)
        run = run_suite(tmp_path, *args)
        failures = [
            row["first_failure"]
            for row in run.summary["requirements"].values()
            if row["status"] == "failed" and row["first_failure"]
        ]
        assert failures, run.stdout[-3000:]
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": PERMITTED.access_key_id,
            "AWS_SECRET_ACCESS_KEY": PERMITTED.secret_access_key,
        }
        checked = 0
        for text in failures:
            reproduce, received = REPRODUCE.search(text), RECEIVED.search(text)
            if reproduce is None or received is None:
                continue  # a failure without a plain exchange (no curl line to run)
            assert PERMITTED.secret_access_key not in reproduce.group(1)
            assert DENIED.secret_access_key not in reproduce.group(1)
            done = subprocess.run(
                ["bash", "-c", reproduce.group(1)],
                capture_output=True,
                text=True,
                env=env,
                timeout=30,
            )
            status = STATUS.search(done.stdout)
            assert status is not None, done.stdout[:500] + done.stderr[:500]
            assert status.group(1) == received.group(1), (reproduce.group(1), done.stdout[:500])
            if received.group(2):
                code = CODE.search(done.stdout)
                assert code is not None and code.group(1) == received.group(2), done.stdout[:500]
            checked += 1
        assert checked, failures[0][:2000]
