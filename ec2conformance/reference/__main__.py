"""Run the reference endpoint until Ctrl-C.

``python -m ec2conformance.reference --port 8080 [--host 127.0.0.1] [--region us-east-1]``

``--fault NAME`` serves a deliberately broken endpoint (self-certification, see
:mod:`.faults`); ``--list-faults`` prints the table of faults.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence

from . import DENIED, PERMITTED, ReferenceConfig, start


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
    if args.fault:
        app = faults.faulty_app(args.fault, config)
        server = start(args.host, args.port, app=app, log_requests=args.log_requests)
    else:
        server = start(args.host, args.port, config, log_requests=args.log_requests)
    fault = f", fault {args.fault}" if args.fault else ""
    print(
        f"ImportInstance reference endpoint: {server.url} (region {args.region}{fault})",
        flush=True,
    )
    print(f"  permitted identity: {PERMITTED.access_key_id}", flush=True)
    print(f"  denied identity:    {DENIED.access_key_id}", flush=True)
    print("  (secret keys: ec2conformance.reference.identities)  Ctrl-C stops.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
