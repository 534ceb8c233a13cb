"""Credentials and signatures never appear in anything a run writes or prints: a run with a
recognisable secret, against a faulty endpoint (so that failures, reproductions and
attachments are written), with ``-v -rA``, leaves the secret in no report, no allure result,
no console line and no fuzz-failures.json."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pytest
from runner import ROOT, run_suite

from ec2conformance.model import Credentials
from ec2conformance.reference.app import ReferenceConfig
from ec2conformance.reference.faults import start_faulty
from ec2conformance.reference.identities import Identities

PERMITTED = Credentials("AKIDSECRETSEARCH0001", "Recognisable/Secret+Key=0123456789abcdef")
DENIED = Credentials("AKIDSECRETSEARCH0002", "Denied/Recognisable+Secret=fedcba9876543210")


def spellings(secret: str) -> list[bytes]:
    """The secret as it could be written: raw, URL-encoded (either way), form-encoded."""
    return sorted(
        {
            secret.encode(),
            quote(secret, safe="").encode(),
            quote(secret).encode(),
            quote(secret, safe="").replace("%20", "+").encode(),
        }
    )


def written_since(root: Path, started: float) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime >= started]


@pytest.mark.slow
def test_no_secret_in_anything_a_failing_run_writes_or_prints(tmp_path):
    config = ReferenceConfig(identities=Identities(permitted=PERMITTED, denied=DENIED))
    started = time.time() - 1
    with start_faulty("description-not-echoed", config=config) as server:
        run = run_suite(
            tmp_path / "reports",
            f"--endpoint={server.url}",
            f"--access-key-id={PERMITTED.access_key_id}",
            f"--secret-access-key={PERMITTED.secret_access_key}",
            f"--denied-access-key-id={DENIED.access_key_id}",
            f"--denied-secret-access-key={DENIED.secret_access_key}",
            "-v",
            "-rA",
            "-m",
            "params or auth or permission",
        )
    assert run.returncode == 1, run.stdout[-3000:]  # failures were written and printed
    files = written_since(tmp_path, started) + written_since(ROOT / ".hypothesis", started)
    assert any(p.name == "summary.json" for p in files)
    assert any("allure-results" in p.parts for p in files)
    leaks = []
    for credentials in (PERMITTED, DENIED):
        for spelling in spellings(credentials.secret_access_key):
            if spelling in (run.stdout + run.stderr).encode():
                leaks.append(("console", spelling))
            leaks += [(str(p), spelling) for p in files if spelling in p.read_bytes()]
    assert not leaks, leaks
    # The search reads what the requests were recorded in: their parameters are there.
    assert any(b"Action=ImportInstance" in p.read_bytes() for p in files)
