"""One request's round trip through the suite's transport (``BoundedTransport``: a deadline
per exchange kept by a watchdog thread, the body read within a cap) against a plain
``requests.Session``, the same prepared request on the same reference endpoint (its own
process), in alternating rounds.

    .venv/bin/python benchmarks/transport_speed.py [--requests 2000] [--rounds 2]

Prints microseconds a request for each, per round. Numbers, not a test: they vary with the
machine and its load.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ec2conformance.reference.process import start_process  # noqa: E402
from ec2conformance.transport import BoundedTransport  # noqa: E402

BODY = b"Action=ImportInstance&Version=2016-11-15"
"""An unsigned request: the endpoint refuses it quickly (AuthFailure), so the figures are
mostly the client's."""


def per_request(send: Callable[[], object], count: int) -> float:
    """Microseconds a request over ``count`` sends, after a warm-up."""
    for _ in range(count // 10):
        send()
    started = time.perf_counter()
    for _ in range(count):
        send()
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    reference = start_process()
    transport = BoundedTransport(
        timeout=10, max_response_bytes=1 << 20, clock=lambda: datetime.now(UTC)
    )
    session = requests.Session()
    request = requests.Request(
        "POST",
        reference.url + "/",
        data=BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).prepare()
    try:
        print(f"endpoint: {reference.url}; {args.requests} sends of one POST a round")
        for number in range(1, args.rounds + 1):
            ours = per_request(lambda: transport.send(request), args.requests)
            plain = per_request(lambda: session.send(request).content, args.requests)
            print(
                f"round {number}: BoundedTransport.send {ours:6.0f} us, "
                f"requests.Session.send {plain:6.0f} us"
            )
    finally:
        transport.close()
        session.close()
        reference.stop()


if __name__ == "__main__":
    main()
