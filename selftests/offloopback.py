"""Run inside a private network namespace (``unshare -n``, see test_off_loopback.py): a
faulty reference endpoint on a non-loopback address of that namespace, behind a layer that
logs every request's parameters, certified by the suite without ``--safe-mode`` or
``--allow-mutating``. Writes what reached the endpoint as JSON to the path given."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from runner import run_suite

from ec2conformance.reference import DENIED, PERMITTED, start
from ec2conformance.reference.faults import faulty_app

ADDRESS = "10.99.0.1"


class Logged:
    """A WSGI layer that records each request's decoded parameters (query and form body)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[list[tuple[str, str]]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        self.requests.append(pairs)
        return self.app(environ, start_response)


def main(fault: str, reports: Path, out: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", f"{ADDRESS}/32", "dev", "lo"], check=True)
    inner = faulty_app(fault)
    logged = Logged(inner)
    with start(ADDRESS, 0, app=logged) as server:
        run = run_suite(
            reports,
            f"--endpoint={server.url}",
            f"--access-key-id={PERMITTED.access_key_id}",
            f"--secret-access-key={PERMITTED.secret_access_key}",
            f"--denied-access-key-id={DENIED.access_key_id}",
            f"--denied-secret-access-key={DENIED.secret_access_key}",
        )
    created = len(inner.endpoint.app.store)
    out.write_text(
        json.dumps({"returncode": run.returncode, "requests": logged.requests, "created": created})
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
