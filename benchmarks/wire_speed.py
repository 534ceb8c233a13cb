"""The suite against the speed of the wire: how many requests a second the suite sends, next
to a raw loop sending the suite's own request mix, pre-built and pre-signed, to the same
endpoint; and a fuzzing session's rate.

    .venv/bin/python benchmarks/wire_speed.py [--seconds 10] [--fuzz-minutes 0.5] [--mix 400]
        [--fuzz-variants 7,0]

One reference endpoint (``python -m ec2conformance.reference``, its own process, as a user
runs it) serves every measurement in turn:

- the raw loop: ``--mix`` requests drawn from the suite's own strategies (the mixed
  FUZZ-ORACLE stream: valid requests and requests with faults), encoded and signed by the
  suite's client once, then replayed for ``--seconds`` over one keep-alive
  ``requests.Session`` (no judging, no generation, no recording);
- the suite's ``ci`` run against that endpoint (a subprocess, as a user runs it): requests
  sent (``summary.json``) over the run's wall time, start-up included;
- a fuzzing session (``--fuzz-minutes``): its requests and its cases (the examples
  Hypothesis drew; a session sends each with its variants, ``ec2conformance/variants.py``)
  over its wall time, start-up included, and the last progress line the session printed
  (whose rates count from the session's start);
- the peak resident memory of each suite run (``scripts/peak_rss.py``).

Prints each figure with the command that gave it, and the ratio of the suite's rate to the
raw loop's. Numbers, not a test: they vary with the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ec2conformance.client import Client  # noqa: E402
from ec2conformance.model import Identity  # noqa: E402
from ec2conformance.reference import DENIED, PERMITTED  # noqa: E402
from ec2conformance.reference.process import start_process  # noqa: E402

PROGRESS = re.compile(r"^\.*fuzz \S+: (\d+) requests \(\d+/s\)(?:, (\d+) cases)?")
IDENTITY_OPTIONS = [
    f"--access-key-id={PERMITTED.access_key_id}",
    f"--secret-access-key={PERMITTED.secret_access_key}",
    f"--denied-access-key-id={DENIED.access_key_id}",
    f"--denied-secret-access-key={DENIED.secret_access_key}",
]
SECRETS = (PERMITTED.secret_access_key, DENIED.secret_access_key)


def shown(command: list[str]) -> str:
    """The command line as printed: secrets replaced."""
    text = shlex.join(command)
    for secret in SECRETS:
        text = text.replace(secret, "<secret>")
    return text


def draw_mix(count: int) -> list:
    """``count`` cases of the suite's mixed stream, derandomised (generation only)."""
    from hypothesis import HealthCheck, Phase, given, settings

    import ec2conformance.strategies  # noqa: F401 - registers the profiles
    from ec2conformance.strategies.mixed import mixed_requests

    drawn: list = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(mixed_requests())
    def collect(case) -> None:
        drawn.append(case)

    collect()
    return drawn[:count]


def raw_loop(url: str, mix: int, seconds: float) -> tuple[float, int, str]:
    """Replay the suite's mix, pre-built and pre-signed, for ``seconds``: requests/s."""
    identities = {Identity.PERMITTED: PERMITTED, Identity.DENIED: DENIED}
    # Signed a minute ahead: the whole loop stays well inside SigV4's allowed clock skew.
    when = datetime.now(UTC) + timedelta(seconds=30)
    client = Client(url, identities=identities, clock=lambda: when)
    prepared = []
    for case in draw_mix(mix):
        exchange = client.prepare(case.spec)
        request = requests.Request(
            exchange.method, exchange.url, headers=dict(exchange.headers), data=exchange.body
        ).prepare()
        prepared.append(request)
    client.close()
    session = requests.Session()
    sent = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for request in prepared:
            response = session.send(request, allow_redirects=False, timeout=10)
            response.content  # noqa: B018 - read the whole body, as the suite does
            sent += 1
    elapsed = time.perf_counter() - started
    session.close()
    return sent / elapsed, sent, f"{len(prepared)} requests of the mixed stream, replayed"


def suite_run(url: str, extra: list[str]) -> tuple[float, int, float, str, str, int]:
    """One suite run against ``url``: (seconds, requests sent, peak RSS MB, command, last
    progress line, cases that line counts)."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak-rss-kib.txt"
        command = [
            sys.executable,
            str(ROOT / "scripts" / "peak_rss.py"),
            str(peak_file),
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            f"--reports-dir={tmp}",
            f"--endpoint={url}",
            *IDENTITY_OPTIONS,
            *extra,
        ]
        started = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        output, _ = child.communicate()
        elapsed = time.perf_counter() - started
        summary = json.loads((Path(tmp) / "summary.json").read_text())
        peak = int(peak_file.read_text()) / 1024
    # Progress lines ("fuzz KEY: N requests (R/s), C cases ..."), after pytest's progress dots;
    # not the group table's "fuzz" row.
    counted = [(m, line) for line in output.splitlines() if (m := PROGRESS.search(line))]
    counted.sort(key=lambda pair: int(pair[0].group(1)))
    last, cases = "", 0
    if counted:
        match, line = counted[-1]
        last, cases = line.lstrip("."), int(match.group(2) or 0)
    requests_sent = summary.get("facts", {}).get("requests_sent", 0)
    return elapsed, requests_sent, peak, shown(command[3:]), last, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the raw loop")
    parser.add_argument("--fuzz-minutes", type=float, default=0.5)
    parser.add_argument("--mix", type=int, default=400, help="requests in the raw loop's mix")
    parser.add_argument(
        "--fuzz-variants",
        default="7",
        help="comma-separated values of the suite's --fuzz-variants: one session each",
    )
    args = parser.parse_args()
    reference = start_process()
    url = reference.url
    try:
        print(f"endpoint: {url} (python -m ec2conformance.reference --port 0)")
        raw_rate, raw_sent, what = raw_loop(url, args.mix, args.seconds)
        print(
            f"raw loop: {raw_rate:7.1f} requests/s ({raw_sent} sent in {args.seconds:.0f} s; "
            f"{what})"
        )
        ci = suite_run(url, ["--hypothesis-profile=ci"])
        ci_rate = ci[1] / ci[0]
        print(
            f"suite ci: {ci_rate:7.1f} requests/s ({ci[1]} requests in {ci[0]:.1f} s, "
            f"peak RSS {ci[2]:.0f} MB)\n  {ci[3]}"
        )
        print(f"ratio suite/raw: {ci_rate / raw_rate:.2f}")
        minutes = f"--fuzz-minutes={args.fuzz_minutes}"
        for count in (int(n) for n in args.fuzz_variants.split(",")):
            fuzz = suite_run(
                url,
                [
                    "--hypothesis-profile=default",
                    minutes,
                    f"--fuzz-variants={count}",
                    *("-k", "generated"),
                ],
            )
            print(
                f"fuzz session ({count} variants): {fuzz[1] / fuzz[0]:7.1f} requests/s, "
                f"{fuzz[5] / fuzz[0]:.1f} cases/s ({fuzz[1]} requests, {fuzz[5]} cases in "
                f"{fuzz[0]:.1f} s, start-up included; peak RSS {fuzz[2]:.0f} MB)\n"
                f"  {fuzz[3]}\n  progress line with the most requests: {fuzz[4]}"
            )
    finally:
        reference.stop()


if __name__ == "__main__":
    main()
