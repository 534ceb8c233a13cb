"""How much faster a parallel run (pytest-xdist ``-n 2``) is than a single one (``-n 0``)
against the embedded reference endpoint: prints each command line, each time and the
speed-up, and whether the two summaries agree (statuses, case counts, verdict).

    .venv/bin/python benchmarks/xdist_speed.py [--repeat 3] [--workers 2] [--profile default]

Numbers, not a test: they vary with the machine and what else runs on it. Each run is a
subprocess, as a user runs it; the runs alternate, and the median of each is compared.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def command(profile: str, workers: int, reports: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-n",
        str(workers),
        f"--hypothesis-profile={profile}",
        f"--reports-dir={reports}",
    ]


def one_run(profile: str, workers: int) -> tuple[float, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        argv = command(profile, workers, Path(tmp))
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        summary = json.loads((Path(tmp) / "summary.json").read_text(encoding="utf-8"))
    return elapsed, summary


def rows(summary: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {r: (row["status"], row["cases"]) for r, row in summary["requirements"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", default="default")
    args = parser.parse_args()
    times: dict[int, list[float]] = {0: [], args.workers: []}
    summaries: dict[int, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for workers in times:
            elapsed, summaries[workers] = one_run(args.profile, workers)
            times[workers].append(elapsed)
    for workers, measured in times.items():
        shown = shlex.join(command(args.profile, workers, Path("DIR")))
        shown = shown.replace(sys.executable, "python")
        summary = summaries[workers]
        print(
            f"{shown}\n    median {statistics.median(measured):6.1f} s "
            f"(min {min(measured):.1f}, max {max(measured):.1f}, n={len(measured)}), "
            f"verdict {summary['verdict']}, "
            f"{summary.get('facts', {}).get('requests_sent', 0)} requests"
        )
    single, parallel = (statistics.median(times[w]) for w in times)
    print(f"speed-up -n {args.workers} over -n 0: {single / parallel:.2f}x")
    same = rows(summaries[0]) == rows(summaries[args.workers])
    statuses = {r: s for r, (s, _) in rows(summaries[0]).items()} == {
        r: s for r, (s, _) in rows(summaries[args.workers]).items()
    }
    print(
        f"summaries: statuses {'the same' if statuses else 'DIFFER'}, case counts "
        f"{'the same' if same else 'differ'} (with a profile that is not derandomised, "
        "as default, case counts vary from run to run even without -n)"
    )


if __name__ == "__main__":
    main()
