"""Run the reference endpoint until Ctrl-C.

``python -m ec2conformance.reference --port 8080 [--host 127.0.0.1] [--region us-east-1]``
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
    args = parser.parse_args(argv)
    server = start(
        args.host, args.port, ReferenceConfig(region=args.region), log_requests=args.log_requests
    )
    print(f"ImportInstance reference endpoint: {server.url} (region {args.region})", flush=True)
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
