"""How long a conformance run takes against the embedded reference endpoint, and how many
requests it sends: prints one line per profile and mode.

    .venv/bin/python benchmarks/suite_speed.py [--repeat 3]

Numbers, not a test: they vary with the machine. Each run is a subprocess, as a user runs it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(profile: str, extra: list[str]) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            f"--hypothesis-profile={profile}",
            f"--reports-dir={tmp}",
            f"--junitxml={tmp}/junit.xml",
            f"--alluredir={tmp}/allure",
            *extra,
        ]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        summary = json.loads((Path(tmp) / "summary.json").read_text())
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for profile, extra in (("ci", []), ("ci", ["--strict-conformance"]), ("default", [])):
        times = []
        summary: dict = {}
        for _ in range(args.repeat):
            elapsed, summary = one_run(profile, extra)
            times.append(elapsed)
        requests = summary.get("facts", {}).get("requests_sent", 0)
        median = statistics.median(times)
        mode = " ".join(extra) or "default mode"
        print(
            f"profile={profile:8} {mode:22} verdict={summary['verdict']:14} "
            f"median {median:6.1f} s (min {min(times):.1f}, max {max(times):.1f}, n={len(times)}), "
            f"{requests} requests, {requests / median:.0f} requests/s"
        )


if __name__ == "__main__":
    main()
