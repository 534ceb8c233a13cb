"""A target that stops answering ends the run early, with a full report
(ec2conformance/health.py, ec2conformance/plugin/health.py).

Against a server that never answers, drips or resets every connection, the suite sends
``--max-unanswered`` requests and one probe, then skips every test left with the reason,
fails FUZZ-NO-SERVER-ERROR and writes a complete summary with verdict non-conformant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from hostile import hostile_server
from runner import ROOT, run_suite

from ec2conformance.health import DEFAULT_LIMIT, EndpointStoppedAnswering, Health
from ec2conformance.reference import PERMITTED, start

TIMEOUT = 1
CREDENTIALS = ["--access-key-id=AKIDHEALTH", "--secret-access-key=health-secret"]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["silent", "drip", "reset"])
def test_a_target_that_stops_answering_ends_the_run_with_a_report(mode, tmp_path):
    connections: list[int] = []
    with hostile_server(mode, connections=connections) as url:
        started = time.monotonic()
        run = run_suite(tmp_path, f"--endpoint={url}", f"--request-timeout={TIMEOUT}", *CREDENTIALS)
        elapsed = time.monotonic() - started
    summary = run.summary
    assert run.returncode == 1, run.stdout[-3000:]
    assert summary["verdict"] == "non-conformant"
    assert summary["complete"] is True
    reason = summary["facts"]["stopped_answering"]
    assert reason.startswith("the endpoint stopped answering"), reason
    rows = summary["requirements"]
    assert rows["FUZZ-NO-SERVER-ERROR"]["status"] == "failed"
    skipped = [rid for rid, row in rows.items() if row["status"] == "skipped"]
    assert skipped and all(rows[rid]["reason"] == reason for rid in skipped), rows
    assert not [rid for rid, row in rows.items() if row["status"] in ("passed", "error")]
    # Start-up's reachability check, the limit's requests and one probe (a connection each):
    # nothing more reached the target.
    assert summary["facts"]["requests_sent"] <= DEFAULT_LIMIT + 1  # the probe is counted
    assert len(connections) <= 1 + DEFAULT_LIMIT + 1, len(connections)
    assert reason in run.stdout  # the terminal says it too
    # The bound: 10 request timeouts plus 30 s (the run itself takes a few seconds).
    assert elapsed < 10 * TIMEOUT + 30, elapsed


def _unanswered(health: Health, n: int) -> None:
    for _ in range(n):
        health.after(None, "timeout after 1.0s")


def test_the_breaker_opens_after_the_limit_when_the_probe_goes_unanswered():
    probes: list[int] = []
    health = Health(limit=3, probe=lambda: bool(probes.append(1)))
    _unanswered(health, 2)
    health.before_send()  # still closed
    _unanswered(health, 1)
    assert probes == [1]
    assert health.stopped is not None and "3 consecutive" in health.stopped
    with pytest.raises(EndpointStoppedAnswering, match="stopped answering"):
        health.before_send()


def test_an_answered_probe_keeps_the_run_going():
    # A target slow or broken only for some requests answers the plain probe: not stopped.
    health = Health(limit=2, probe=lambda: True)
    _unanswered(health, 7)
    assert health.stopped is None
    assert health.unanswered == 7
    health.before_send()


def test_an_answer_resets_the_count():
    health = Health(limit=2, probe=lambda: False)
    for _ in range(5):
        _unanswered(health, 1)
        health.after(200, None)
    assert health.stopped is None and health.consecutive == 0


def test_a_limit_of_zero_never_stops():
    health = Health(limit=0, probe=lambda: False)
    _unanswered(health, 50)
    assert health.stopped is None


@pytest.mark.slow
def test_a_target_that_goes_away_mid_run_ends_it_with_what_was_judged(tmp_path):
    # The reference answers the first tests, then stops listening: every later connection
    # is refused. The run ends within the bound, keeping the verdicts it reached.
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-v",
        "-p",
        "no:randomly",
        "--hypothesis-profile=ci",
        f"--reports-dir={tmp_path}",
        f"--request-timeout={TIMEOUT}",
        f"--access-key-id={PERMITTED.access_key_id}",
        f"--secret-access-key={PERMITTED.secret_access_key}",
    ]
    reference = start()
    command.append(f"--endpoint={reference.url}")
    env = {**os.environ, "CI": "true"}
    started = time.monotonic()
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as run:
        assert run.stdout is not None
        passed = 0
        for line in run.stdout:  # some tests pass, then the target goes away
            passed += " PASSED" in line
            if passed >= 5:
                break
        reference.stop()
        rest, _ = run.communicate(timeout=10 * TIMEOUT + 60)
    elapsed = time.monotonic() - started
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert run.returncode == 1, rest[-3000:]
    assert summary["verdict"] == "non-conformant"
    reason = summary["facts"]["stopped_answering"]
    assert reason.startswith("the endpoint stopped answering"), reason
    assert "refused" in reason.lower(), reason
    rows = summary["requirements"]
    assert rows["FUZZ-NO-SERVER-ERROR"]["status"] == "failed"
    assert [rid for rid, row in rows.items() if row["status"] == "passed"], rows
    assert [rid for rid, row in rows.items() if row["reason"] == reason], rows
    assert reason in rest
    assert elapsed < 10 * TIMEOUT + 60, elapsed
