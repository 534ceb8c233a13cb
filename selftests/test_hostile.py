"""Hostile endpoints (selftests/hostile.py): every hostile answer is the target's failure,
named, within bounded memory; a body that says nothing passes nothing.

Each slow test runs the suite in a subprocess as a user does, against one mode of
:func:`hostile_server`, and reads its ``summary.json``: the run finished, its verdict is
non-conformant, nothing is in ``error``, no requirement that needs a body passed, the
failures name the problem, and the suite process's peak resident memory stayed under
:data:`PEAK_RSS_LIMIT_MB` (measured with ``os.wait4`` on that one child). Only the empty-200
run is a full run; the others select the requirements that read an answer (``-k``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hostile import hostile_server, self_signed_certificate
from runner import ROOT, SuiteRun, suite_command

from ec2conformance.client import Client
from ec2conformance.model import Identity, sample
from ec2conformance.reference import PERMITTED, start

PEAK_RSS_LIMIT_MB = 300
TIMEOUT = 2
CREDENTIALS = ["--access-key-id=AKIDHOSTILE", "--secret-access-key=hostile-secret"]
# The requirements that read an answer: the outcome rows of 200s, the body checks, boto3's.
READERS = "WIRE-POST or WIRE-GET or RESP-NAMESPACE or RESP-GOLDEN or RESP-SDK-PARSE"
# What may pass against an endpoint that answers every request 200 with well-formed XML of
# the wrong shape: no 5xx, XML, in time (FUZZ-NO-SERVER-ERROR judges nothing more).
PASSES_ON_WRONG_SHAPE = {"FUZZ-NO-SERVER-ERROR"}
# Requests a hostile server must never get: the entity's and the redirect's targets.
NEVER_REQUESTED = ("/entity", "/elsewhere")


def run_measured(reports: Path, *args: str, timeout: float = 1200) -> tuple[SuiteRun, float]:
    """Run the suite as :func:`runner.run_suite` does; also its peak RSS (MB), measured by
    ``scripts/peak_rss.py`` (not by this process: a child forked from a long self-test
    session would count the session's own memory)."""
    reports.mkdir(parents=True, exist_ok=True)
    peak_file = reports / "peak-rss-kib.txt"
    wrapper = [sys.executable, str(ROOT / "scripts" / "peak_rss.py"), str(peak_file)]
    command = [*wrapper, *suite_command(reports, *args)]
    out, err = reports / "stdout.txt", reports / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "CI": "true"},
            start_new_session=True,
        )
        killer = threading.Timer(timeout, os.killpg, (child.pid, signal.SIGKILL))
        killer.start()
        try:
            returncode = child.wait()
        finally:
            killer.cancel()
    run = SuiteRun(returncode, out.read_text(), err.read_text(), reports)
    peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("inf")
    return run, peak


def run_against(mode: str, reports: Path, *args: str) -> tuple[SuiteRun, float, list[str]]:
    paths: list[str] = []
    with hostile_server(mode, paths=paths) as url:
        run, peak = run_measured(
            reports, f"--endpoint={url}", f"--request-timeout={TIMEOUT}", *CREDENTIALS, *args
        )
    return run, peak, paths


def assert_no_false_pass(run: SuiteRun, peak: float, paths: list[str], allowed: set[str]):
    """The common verdict on a hostile run; returns its requirement rows."""
    assert (run.reports / "summary.json").exists(), run.stdout[-3000:] + run.stderr[-3000:]
    summary = run.summary
    rows = summary["requirements"]
    assert run.returncode == 1, run.stdout[-3000:]
    assert summary["verdict"] == "non-conformant"
    assert summary["complete"] is True
    assert not run.with_status("error"), {r: rows[r]["reason"] for r in run.with_status("error")}
    passed = set(run.with_status("passed"))
    assert passed <= allowed, passed - allowed
    assert peak < PEAK_RSS_LIMIT_MB, f"peak RSS {peak:.0f} MB"
    assert not [p for p in paths if p.startswith(NEVER_REQUESTED)], "fetched or followed"
    for rid in run.with_status("skipped"):
        assert rows[rid]["reason"], rid
    return rows


def failure_texts(rows: dict) -> str:
    return "\n".join(r["first_failure"] or "" for r in rows.values())


@pytest.mark.slow
def test_a_full_run_against_empty_200_passes_nothing(tmp_path):
    # Every generated test fails here, as the sample does: reported unshrunk, said once.
    run, peak, paths = run_against("empty-200", tmp_path)
    rows = assert_no_false_pass(run, peak, paths, allowed=set())
    assert run.summary["facts"]["not_shrunk"], run.summary["facts"]
    assert "a body that says nothing" in run.stdout, run.stdout[-3000:]
    for rid in ("RESP-ENVELOPE", "WIRE-POST", "WIRE-GET", "RESP-SDK-PARSE"):
        assert rows[rid]["status"] == "failed", (rid, rows[rid])
    assert "empty body" in rows["RESP-ENVELOPE"]["first_failure"]
    assert "a 200 whose body says nothing" in rows["WIRE-POST"]["first_failure"]
    for rid in ("RESP-GOLDEN", "RESP-TASK-ID", "RESP-VOLUME-ECHO", "RESP-NAMESPACE"):
        assert rows[rid]["status"] == "skipped", (rid, rows[rid])
        assert rows[rid]["reason"].startswith(("nothing to read", "not judged")), rows[rid]
    for rid in ("PARAM-DESCRIPTION-ECHO", "WIRE-UTF8", "PERM-DRYRUN-FALSE"):
        assert rows[rid]["status"] in ("failed", "warned"), (rid, rows[rid])


# mode -> (what the failures must say, what may pass)
MODES = {
    "random-200": ("the body is not XML", set()),
    "entity-200": ("refused: the body contains <!DOCTYPE", set()),
    "bomb-200": ("refused: the body contains <!DOCTYPE", set()),
    "wrong-shape-200": ("a body whose root is Nothing", PASSES_ON_WRONG_SHAPE),
    "not-utf8-200": ("Invalid bytes in character encoding", set()),
    "short-body": ("IncompleteRead", set()),
    "huge": ("a body longer than the limit", set()),
    "huge-chunked": ("a body longer than the limit", set()),
    "redirect-loop": ("a redirect to http://127.0.0.1:", set()),
    "redirect-away": ("a redirect to http://localhost:", set()),
    "many-headers": ("got more than 100 headers", set()),
    "long-header": ("got more than 65536 bytes when reading header line", set()),
}


@pytest.mark.slow
@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_hostile_answer_fails_named_and_bounded(mode, tmp_path):
    named, allowed = MODES[mode]
    run, peak, paths = run_against(mode, tmp_path, "-k", READERS)
    rows = assert_no_false_pass(run, peak, paths, allowed)
    failed = run.with_status("failed")
    assert "FUZZ-NO-SERVER-ERROR" in failed or "RESP-ENVELOPE" in failed, rows
    assert named in failure_texts(rows), failure_texts(rows)[:3000]


@pytest.mark.slow
def test_an_untrusted_certificate_is_named_and_ca_bundle_trusts_it(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    selection = ["-k", "WIRE-POST or RESP-GOLDEN or RESP-SDK-PARSE"]
    with (
        start() as reference,
        hostile_server("relay", upstream=reference.url, tls=(cert, key)) as url,
    ):
        common = [f"--endpoint={url}", f"--request-timeout={TIMEOUT}"]
        common += ["--access-key-id=" + PERMITTED.access_key_id]
        common += ["--secret-access-key=" + PERMITTED.secret_access_key]
        untrusted, peak = run_measured(tmp_path / "untrusted", *common, *selection)
        trusted, _ = run_measured(tmp_path / "trusted", *common, f"--ca-bundle={cert}", *selection)
    rows = assert_no_false_pass(untrusted, peak, [], allowed=set())
    assert "certificate is not trusted" in failure_texts(rows), failure_texts(rows)[:3000]
    assert "--ca-bundle" in failure_texts(rows)
    assert trusted.summary["verdict"] == "conformant", trusted.stdout[-3000:]
    assert {"WIRE-POST", "RESP-GOLDEN", "RESP-SDK-PARSE"} <= set(trusted.with_status("passed"))


def test_the_client_names_an_untrusted_certificate_and_trusts_the_ca_bundle(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    with (
        start() as reference,
        hostile_server("relay", upstream=reference.url, tls=(cert, key)) as url,
    ):
        identities = {Identity.PERMITTED: PERMITTED}
        with Client(url, identities=identities, timeout=5) as client:
            refused = client.send(sample())
        with Client(url, identities=identities, timeout=5, ca_bundle=str(cert)) as client:
            accepted = client.send(sample())
    assert refused.status is None
    assert refused.error is not None and "certificate is not trusted" in refused.error
    assert "--ca-bundle" in refused.error
    assert accepted.status == 200 and accepted.error is None
