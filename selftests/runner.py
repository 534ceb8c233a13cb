"""Running the conformance suite the way a user does: ``pytest`` in a subprocess.

Each run gets its own reports directory, so runs can go in parallel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def mode_only() -> frozenset[str]:
    """The requirements judged only in a mode a plain run is not in (DIFF-SAME-OUTCOME:
    differential mode); a plain run skips them, with the reason."""
    from ec2conformance import golden

    return frozenset(rid for rid, row in golden.requirements().items() if row.only_with)


def not_passed(summary: dict[str, Any]) -> dict[str, str]:
    """The requirements of a plain run's summary that did not pass, except those of a mode
    it is not in, which must be skipped (they are reported as not passed otherwise)."""
    modal = mode_only()
    return {
        rid: row["status"]
        for rid, row in summary["requirements"].items()
        if row["status"] != ("skipped" if rid in modal else "passed")
    }


@dataclass
class SuiteRun:
    returncode: int
    stdout: str
    stderr: str
    reports: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.reports / "summary.json").read_text())

    def status(self, requirement: str) -> str:
        return self.summary["requirements"][requirement]["status"]

    def with_status(self, status: str) -> list[str]:
        return sorted(
            r for r, row in self.summary["requirements"].items() if row["status"] == status
        )


def suite_command(reports: Path, *args: str) -> list[str]:
    """``pytest`` on the suites as a user runs it in CI: the ci profile, reports under
    ``reports``, then ``args``."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:randomly",
        "--hypothesis-profile=ci",
        f"--reports-dir={reports}",
        *args,
    ]


def run_suite(
    reports: Path,
    *args: str,
    timeout: float = 900,
    env: dict[str, str] | None = None,
    artifact_options: bool = True,
) -> SuiteRun:
    """Run ``pytest`` on the suites with the ci profile, reports under ``reports``
    (``--reports-dir``, and ``--junitxml``/``--alluredir`` too unless ``artifact_options``
    is false: then ``--reports-dir`` alone must put them there)."""
    reports.mkdir(parents=True, exist_ok=True)
    artifacts = [f"--junitxml={reports / 'junit.xml'}", f"--alluredir={reports / 'allure-results'}"]
    command = suite_command(reports, *(artifacts if artifact_options else []), *args)
    full_env = {**os.environ, "CI": "true", **(env or {})}
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=subprocess.DEVNULL,
    )
    return SuiteRun(done.returncode, done.stdout, done.stderr, reports)
