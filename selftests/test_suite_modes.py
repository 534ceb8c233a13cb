"""The suite's modes against the reference endpoint started here (so its store can be read):
safe mode creates nothing; a missing denied identity skips exactly the rows that need it."""

import pytest
from runner import run_suite

from ec2conformance.reference import DENIED, PERMITTED, start


@pytest.fixture
def server():
    with start() as running:
        yield running


def identity_args(*, denied=True):
    args = [
        f"--access-key-id={PERMITTED.access_key_id}",
        f"--secret-access-key={PERMITTED.secret_access_key}",
    ]
    if denied:
        args += [
            f"--denied-access-key-id={DENIED.access_key_id}",
            f"--denied-secret-access-key={DENIED.secret_access_key}",
        ]
    return args


@pytest.mark.slow
def test_safe_mode_sends_dry_run_only_and_creates_nothing(tmp_path, server):
    run = run_suite(tmp_path, f"--endpoint={server.url}", "--safe-mode", *identity_args())
    assert run.returncode == 0, run.stdout[-3000:]
    summary = run.summary
    assert summary["verdict"] == "conformant"
    assert summary["safe_mode"] is True
    assert len(server.app.store) == 0, "a safe-mode run created conversion tasks"
    skipped = {
        rid: row["reason"]
        for rid, row in summary["requirements"].items()
        if row["status"] == "skipped"
    }
    assert skipped["RESP-GOLDEN"] == "safe mode: DryRun only"
    assert skipped["PERM-DRYRUN-FALSE"] == "safe mode: DryRun only"
    assert "RESP-GOLDEN" in summary["incomplete"]
    assert summary["requirements"]["PERM-DRYRUN-PERMITTED"]["status"] == "passed"
    assert summary["requirements"]["WIRE-POST"]["status"] == "passed"  # 412 in safe mode


@pytest.mark.slow
def test_without_denied_identity_its_rows_are_skipped_with_the_reason(tmp_path, server):
    run = run_suite(
        tmp_path, f"--endpoint={server.url}", "-m", "permission", *identity_args(denied=False)
    )
    summary = run.summary
    for rid in ("PERM-DENIED", "PERM-DRYRUN-DENIED"):
        row = summary["requirements"][rid]
        assert row["status"] == "skipped", rid
        assert "denied identity" in row["reason"]
    assert "PERM-DENIED" in summary["incomplete"]
    assert summary["requirements"]["PERM-DRYRUN-PERMITTED"]["status"] == "passed"
    assert run.returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["no-action-defaults", "action-case-insensitive"])
def test_safe_mode_cannot_be_tricked_into_creating_tasks(tmp_path, fault):
    """Behind a fault that serves a request without Action (or with Action=importinstance)
    as ImportInstance, a safe-mode run still creates nothing: the client itself sends every
    such request with DryRun=true (ec2conformance/safety.py)."""
    from ec2conformance.reference.faults import start_faulty

    with start_faulty(fault) as faulty:
        run = run_suite(tmp_path, f"--endpoint={faulty.url}", "--safe-mode", *identity_args())
        created = len(faulty.app.endpoint.app.store)
    assert run.summary["safe_mode"] is True
    assert created == 0, f"{created} conversion tasks created through the {fault} fault"
