"""Where a suite run spends its time: the ``ci`` run (or a short fuzzing session) under
pyinstrument, against a reference endpoint in its own process, and the top entries of the
flat profile (each function's own time, as a share of the run).

    .venv/bin/python benchmarks/profile_run.py [--top 20] [--fuzz-minutes 0.3]

Only the suite's process is profiled: the endpoint's cost is not in these figures. The
README's performance table quotes the top entries. Numbers, not a test.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from wire_speed import IDENTITY_OPTIONS, shown  # noqa: E402

from ec2conformance.reference.process import start_process  # noqa: E402

ENTRY = re.compile(r"^\s*(?P<share>[0-9.]+)%\s+(?P<function>\S+)\s+(?P<where>\S+)")


def profile(url: str, extra: list[str], top: int) -> tuple[str, float, list[str]]:
    """(command, duration line, the top entries) of one profiled suite run."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "profile.txt"
        command = [
            sys.executable,
            "-m",
            "pyinstrument",
            "-r",
            "text",
            "-p",
            "flat",
            "-p",
            "time=percent_of_total",
            "-o",
            str(output),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--reports-dir={tmp}",
            f"--endpoint={url}",
            *IDENTITY_OPTIONS,
            *extra,
        ]
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        text = output.read_text(encoding="utf-8")
    timing = re.search(r"Duration: [0-9.]+\s+CPU time: [0-9.]+", text)
    duration = timing.group(0) if timing else ""
    entries = [line.strip() for line in text.splitlines() if ENTRY.match(line)][:top]
    return shown(["python", *command[1:]]), duration, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=20, help="entries to print")
    parser.add_argument(
        "--fuzz-minutes", type=float, default=0.0, help="also profile a fuzzing session"
    )
    args = parser.parse_args()
    reference = start_process()
    try:
        runs = [["--hypothesis-profile=ci"]]
        if args.fuzz_minutes:
            runs.append([f"--fuzz-minutes={args.fuzz_minutes}", "-k", "generated"])
        for extra in runs:
            command, duration, entries = profile(reference.url, extra, args.top)
            print(command)
            print(f"  {duration}")
            for entry in entries:
                print(f"  {entry}")
    finally:
        reference.stop()


if __name__ == "__main__":
    main()
