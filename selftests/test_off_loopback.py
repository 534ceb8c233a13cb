"""Off the loopback network, the client itself refuses to create or change anything without
--allow-mutating: a faulty reference endpoint on a non-loopback address (of a private network
namespace, so nothing leaves this machine), behind a logging layer, sees no ImportInstance
parameter set without DryRun=true and no CancelConversionTask, and creates no task."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from runner import ROOT

from ec2conformance.safety import READ_ONLY_ACTIONS


def _namespaces_work() -> str | None:
    """None when ``unshare -n`` can give this process a private network namespace."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "no unshare or ip command"
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, text=True
    )
    return None if probe.returncode == 0 else f"no private network namespace: {probe.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["no-action-defaults", "action-case-insensitive"])
def test_off_loopback_nothing_is_created_or_cancelled(tmp_path, fault):
    why = _namespaces_work()
    if why is not None:
        pytest.skip(why)
    out = tmp_path / "seen.json"
    subprocess.run(
        [
            "unshare",
            "-n",
            sys.executable,
            str(ROOT / "selftests" / "offloopback.py"),
            fault,
            str(tmp_path / "reports"),
            str(out),
        ],
        cwd=ROOT / "selftests",
        check=True,
        timeout=900,
    )
    seen = json.loads(out.read_text())
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    assert summary["safe_mode"] is True
    requests = [[tuple(p) for p in r] for r in seen["requests"]]
    assert len(requests) > 100, len(requests)
    mutating = [
        r
        for r in requests
        if not READ_ONLY_ACTIONS & {v.lower() for k, v in r if k == "Action"}
        and [v for k, v in r if k == "DryRun"] != ["true"]
    ]
    assert not mutating, mutating[:3]
    assert not [r for r in requests if ("Action", "CancelConversionTask") in r]
    assert seen["created"] == 0
