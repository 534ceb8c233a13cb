"""Run the reference endpoint until Ctrl-C or SIGTERM (either: a clean exit, status 0).

``python -m ec2conformance.reference --port 8080 [--host 127.0.0.1] [--region us-east-1]
[--workers 8] [--idle-timeout 5] [--request-timeout 30] [--max-connections 4096]
[--backlog 1024]``

``--fault NAME`` serves a deliberately broken endpoint (self-certification, see
:mod:`.faults`); ``--list-faults`` prints the table of faults.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import resource
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from . import DENIED, MAX_WORKERS, PERMITTED, ReferenceConfig, ServerLimits, start


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _workers(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_WORKERS}, not {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _allow_descriptors(connections: int) -> None:
    """Raise the soft limit of open files towards what ``connections`` need (best effort)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 64
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, serve, print where, and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m ec2conformance.reference",
        description="Serve the ImportInstance reference endpoint (EC2 Query API 2016-11-15).",
    )
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: any)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--region", default="us-east-1", help="SigV4 region of the endpoint")
    parser.add_argument(
        "--log-requests", action="store_true", help="print a line for every request"
    )
    defaults = ServerLimits()
    parser.add_argument(
        "--workers",
        type=_workers,
        default=defaults.workers,
        help=f"threads answering requests (1 to {MAX_WORKERS}; default {defaults.workers})",
    )
    parser.add_argument(
        "--idle-timeout",
        type=_positive,
        default=defaults.idle_timeout,
        help=f"seconds an idle keep-alive connection is kept (default {defaults.idle_timeout:g})",
    )
    parser.add_argument(
        "--request-timeout",
        type=_positive,
        default=defaults.request_timeout,
        help="seconds a request may take to arrive, and each read or write of its answer "
        f"(default {defaults.request_timeout:g})",
    )
    parser.add_argument(
        "--max-connections",
        type=_count,
        default=defaults.max_connections,
        help=f"connections open at once (default {defaults.max_connections})",
    )
    parser.add_argument(
        "--backlog",
        type=_count,
        default=defaults.backlog,
        help=f"the listen backlog (default {defaults.backlog})",
    )
    parser.add_argument("--fault", help="serve with this fault switched on (see --list-faults)")
    parser.add_argument("--list-faults", action="store_true", help="print the faults and exit")
    args = parser.parse_args(argv)
    if args.list_faults or args.fault:
        from . import faults
    if args.list_faults:
        print(faults.fault_table_markdown(), end="")
        return 0
    if args.fault and args.fault not in faults.FAULTS_BY_NAME:
        parser.error(f"unknown fault {args.fault!r} (see --list-faults)")
    config = ReferenceConfig(region=args.region)
    limits = ServerLimits(
        workers=args.workers,
        idle_timeout=args.idle_timeout,
        request_timeout=args.request_timeout,
        max_connections=args.max_connections,
        backlog=args.backlog,
    )
    if args.log_requests:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    _allow_descriptors(limits.max_connections)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    app = faults.faulty_app(args.fault, config) if args.fault else None
    try:
        server = start(
            args.host, args.port, config, app, log_requests=args.log_requests, limits=limits
        )
    except OSError as exc:
        parser.exit(1, f"cannot listen on {args.host}:{args.port}: {exc}\n")
    fault = f", fault {args.fault}" if args.fault else ""
    print(
        f"ImportInstance reference endpoint: {server.url} (region {args.region}{fault})",
        flush=True,
    )
    print(f"  permitted identity: {PERMITTED.access_key_id}", flush=True)
    print(f"  denied identity:    {DENIED.access_key_id}", flush=True)
    print(
        "  (secret keys: ec2conformance.reference.identities)  Ctrl-C or SIGTERM stops.",
        flush=True,
    )
    try:
        while not stop.wait(1.0):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
