"""The tasks a run created are cancelled at its end (ec2conformance/lifecycle.py,
``cancel_created``), and the summary says what was created and cancelled."""

from __future__ import annotations

import pytest
from runner import run_suite

from ec2conformance.checks import Answer
from ec2conformance.client import Client
from ec2conformance.model import Identity, RequestSpec
from ec2conformance.reference import DENIED, PERMITTED, start


@pytest.mark.slow
def test_the_tasks_a_run_created_are_cancelled_at_its_end(tmp_path):
    with start() as server:
        run = run_suite(
            tmp_path,
            f"--endpoint={server.url}",
            f"--access-key-id={PERMITTED.access_key_id}",
            f"--secret-access-key={PERMITTED.secret_access_key}",
            f"--denied-access-key-id={DENIED.access_key_id}",
            f"--denied-secret-access-key={DENIED.secret_access_key}",
            "-k",
            "WIRE-POST or WIRE-GET or LIFE-DESCRIBE or RESP-GOLDEN",
        )
        assert run.returncode == 0, run.stdout[-3000:]
        tasks = run.summary["facts"]["tasks"]
        assert tasks["created"] >= 3, tasks
        assert tasks["cancelled"] == tasks["created"] and tasks["not_cancelled"] == [], tasks
        assert (
            f"{tasks['created']} created, {tasks['cancelled']} cancelled"
            in (tmp_path / "summary.md").read_text()
        )
        with Client(server.url, identities={Identity.PERMITTED: PERMITTED}) as client:
            answer = Answer.read(client.send(RequestSpec.of([], action="DescribeConversionTasks")))
        states = [(e.text or "").strip() for e in answer.elements("state")]
        assert states and all(s in ("cancelling", "cancelled") for s in states), states
