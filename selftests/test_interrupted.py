"""An interrupted run still reports, and never claims conformance: Ctrl-C, SIGTERM or
--maxfail write summary.json with "complete": false and verdict inconclusive (unless a MUST
already failed), replacing an earlier summary whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from runner import ROOT, run_suite

from ec2conformance.reference import DENIED, PERMITTED
from ec2conformance.reference.faults import start_faulty


def _identities() -> list[str]:
    return [
        f"--access-key-id={PERMITTED.access_key_id}",
        f"--secret-access-key={PERMITTED.secret_access_key}",
        f"--denied-access-key-id={DENIED.access_key_id}",
        f"--denied-secret-access-key={DENIED.secret_access_key}",
    ]


def _default_sigint() -> None:
    # A job started in the background inherits SIGINT ignored; Ctrl-C must reach the run.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signalled_run_writes_an_incomplete_summary(tmp_path, signum):
    # Ctrl-C, or SIGTERM (a CI time limit), which the suite turns into pytest's interrupt.
    (tmp_path / "summary.json").write_text('{"verdict": "conformant", "old": true}')
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:randomly",
        "--hypothesis-profile=ci",
        f"--reports-dir={tmp_path}",
        "-v",
    ]
    env = {**os.environ, "CI": "true"}
    with subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        preexec_fn=_default_sigint,
    ) as run:
        assert run.stdout is not None
        passed = 0
        for line in run.stdout:  # wait until some tests have passed, then signal
            passed += " PASSED" in line
            if passed >= 5:
                break
        run.send_signal(signum)
        run.communicate(timeout=120)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "old" not in summary
    assert summary["complete"] is False
    assert summary["verdict"] == "inconclusive"
    assert any(row["status"] == "passed" for row in summary["requirements"].values())
    assert "interrupted" in (tmp_path / "summary.md").read_text()
    assert oct((tmp_path / "summary.json").stat().st_mode & 0o777) == oct(
        (tmp_path / "summary.md").stat().st_mode & 0o777
    )


@pytest.mark.slow
def test_maxfail_after_a_must_failure_stays_non_conformant(tmp_path):
    with start_faulty("get-refused") as faulty:
        run = run_suite(
            tmp_path, f"--endpoint={faulty.url}", *_identities(), "-m", "wire", "--maxfail=1"
        )
    assert run.summary["complete"] is False
    assert run.summary["verdict"] == "non-conformant"
    failed = [r for r, row in run.summary["requirements"].items() if row["status"] == "failed"]
    assert len(failed) == 1, failed
    assert any(row["status"] == "skipped" for row in run.summary["requirements"].values())


@pytest.mark.slow
def test_a_whole_run_is_complete(tmp_path):
    run = run_suite(tmp_path, "-m", "params")
    assert run.summary["complete"] is True
    assert run.summary["verdict"] == "conformant"
