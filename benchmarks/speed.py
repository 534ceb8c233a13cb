"""Every speed figure of the suite in one run: runs the other benchmarks one after another
and prints each one's output under its command line, then the machine's load.

    .venv/bin/python benchmarks/speed.py [--quick]

- ``wire_speed.py``: the raw loop of the suite's own mix, the suite's ``ci`` rate, their
  ratio, a fuzzing session's rate, the peak memory of each run;
- ``suite_speed.py``: whole-run times of the ``ci`` (default and strict mode) and
  ``default`` profiles against the embedded endpoint;
- ``xdist_speed.py``: ``-n 2`` against ``-n 0``;
- ``reference_speed.py``: the reference endpoint against a bare werkzeug app;
- ``transport_speed.py``: one request's round trip through the suite's transport against a
  plain ``requests.Session``;
- ``time_budget.py``: where the ``ci`` run's time goes, stage by stage, per request, and the
  rate the suite would reach if its requests cost only their round trip;
- ``profile_run.py``: the top entries of the ``ci`` run's profile (pyinstrument).

``--quick`` runs each once and short (a minute or two in all) instead of the medians of
several rounds. Numbers, not a test: they vary with the machine and what else runs on it,
which is why the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

RUNS: dict[bool, list[list[str]]] = {
    False: [
        ["wire_speed.py", "--seconds", "10", "--fuzz-minutes", "1", "--fuzz-variants", "7,0"],
        ["suite_speed.py", "--repeat", "3"],
        ["xdist_speed.py", "--repeat", "3"],
        ["reference_speed.py"],
        ["transport_speed.py", "--rounds", "3"],
        ["time_budget.py", "--seconds", "10", "--mix", "400"],
        ["profile_run.py", "--top", "15"],
    ],
    True: [
        [
            *("wire_speed.py", "--seconds", "3", "--fuzz-minutes", "0.2", "--mix", "100"),
            *("--fuzz-variants", "7,0"),
        ],
        ["suite_speed.py", "--repeat", "1"],
        ["xdist_speed.py", "--repeat", "1"],
        ["reference_speed.py", "--seconds", "2", "--rounds", "1", "--top", "5"],
        ["transport_speed.py", "--requests", "1000"],
        ["time_budget.py"],
        ["profile_run.py", "--top", "10"],
    ],
}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="each benchmark once, short")
    args = parser.parse_args()
    print(f"# before: {load()}", flush=True)
    for script, *options in RUNS[args.quick]:
        command = [sys.executable, str(HERE / script), *options]
        print(f"\n## {shlex.join(['benchmarks/' + script, *options])}", flush=True)
        started = time.perf_counter()
        subprocess.run(command, check=False)
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"\n# after: {load()}")


if __name__ == "__main__":
    main()
