"""Where the time of a suite run goes, unprofiled: a ``ci`` run against the embedded
reference endpoint (its own process), with timers around each stage of a request, and the
time a raw loop of the suite's own mix takes per request on the same endpoint.

    .venv/bin/python benchmarks/time_budget.py [--profile ci] [--seconds 3] [--mix 100]

The stages, exclusive of each other (``benchmarks/budget_plugin.py`` wraps the functions
named): drawing the example (Hypothesis and the strategies), preparing the request (the
client's encoding and signing), the round trip (requests, the socket and the endpoint's own
time), the exchange's record (the rest of ``Client.send``), attaching (allure), judging
(``Judge.check_request`` without the stages above). What is left of the tests' time is
pytest's and Hypothesis's own per test and per example, the fixtures, and the tests that
send no request; start-up (the interpreter, imports, collection) and close (the reports) are
apart. Each line gives milliseconds per request sent, which is what the raw loop's rate is
compared with: the raw loop spends its whole time in a round trip of a pre-built request.

Numbers, not a test: they vary with the machine and its load. Timers cost a little (about
a microsecond each).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from wire_speed import IDENTITY_OPTIONS, raw_loop, shown  # noqa: E402

from ec2conformance.reference.process import start_process  # noqa: E402

STAGES = (
    "drawing the example",
    "preparing the request (encoding, signing)",
    "the round trip (requests, the socket, the endpoint)",
    "the exchange's record (Client.send, the rest)",
    "attaching (allure)",
    "judging (oracle, outcome, answer checks)",
)


def budgeted_run(url: str, profile: str) -> tuple[float, dict, int, str]:
    """(wall seconds, the plugin's figures, requests sent, command) of one suite run."""
    with tempfile.TemporaryDirectory() as tmp:
        figures_file = Path(tmp) / "budget.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "budget_plugin",
            f"--hypothesis-profile={profile}",
            f"--reports-dir={tmp}",
            f"--endpoint={url}",
            *IDENTITY_OPTIONS,
        ]
        env = {
            **os.environ,
            "BUDGET_FILE": str(figures_file),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH")])
            ),
        }
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        wall = time.perf_counter() - started
        figures = json.loads(figures_file.read_text(encoding="utf-8"))
        summary = json.loads((Path(tmp) / "summary.json").read_text(encoding="utf-8"))
    sent = summary.get("facts", {}).get("requests_sent", 0)
    return wall, figures, sent, shown(command[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the raw loop")
    parser.add_argument("--mix", type=int, default=100, help="requests in the raw loop's mix")
    args = parser.parse_args()
    reference = start_process()
    try:
        raw_rate, _, what = raw_loop(reference.url, args.mix, args.seconds)
        wall, figures, sent, command = budgeted_run(reference.url, args.profile)
    finally:
        reference.stop()
    spent = figures["spent"]
    per = 1000.0 / max(sent, 1)
    print(f"suite run: {command}")
    print(f"  {sent} requests in {wall:.2f} s wall ({sent / wall:.0f} requests/s)")
    print(f"raw loop: {1000.0 / raw_rate:.2f} ms a request ({raw_rate:.0f} requests/s; {what})")
    print(f"{'stage':<56} {'seconds':>8} {'ms/request':>10} {'share':>6}")
    rows = [(stage, spent.get(stage, 0.0)) for stage in STAGES]
    rest = figures["tests"] - sum(seconds for _, seconds in rows)
    rows.append(("the rest of the tests (pytest, Hypothesis, fixtures)", rest))
    rows.append(("close (the reports)", figures["close"]))
    startup = wall - figures["tests"] - figures["close"]
    rows.append(("start-up (interpreter, imports, collection) and exit", startup))
    for stage, seconds in rows:
        print(f"{stage:<56} {seconds:8.2f} {seconds * per:10.2f} {seconds / wall:6.1%}")
    print(f"{'whole run':<56} {wall:8.2f} {wall * per:10.2f} {1:6.0%}")
    round_trip = spent.get(STAGES[2], 0.0)
    print(
        f"the suite's rate if its requests cost only their round trip: "
        f"{sent / round_trip:.0f} requests/s; with start-up and close too: "
        f"{sent / (round_trip + startup + figures['close']):.0f} requests/s"
        if round_trip
        else "no request was sent"
    )


if __name__ == "__main__":
    main()
