"""How fast the embedded reference endpoint answers, next to a bare werkzeug app.

    .venv/bin/python benchmarks/reference_speed.py [--seconds 4] [--rounds 3] [--top 20]

Servers, each in its own process (as a user runs them): a bare werkzeug app that answers
every request with a fixed body, served by werkzeug's own threaded server (the baseline);
the reference endpoint (``python -m ec2conformance.reference``), with its full validation
and signature checks; and, for comparison, the bare app on the reference's own server (what
the server alone costs). One client (this process) replays pre-built, pre-signed requests
of the suite's mix (a valid ImportInstance POST, the same as a GET, a DryRun, an invalid
one) over one keep-alive ``requests.Session`` per server, taking the servers in turn round
by round. Prints the rates (median of the rounds), the ratios, the command line, and the
top entries of a cProfile of the reference's hot path (the raw request bytes to the raw
answer bytes, in-process, no sockets).

Numbers, not a test: they vary with the machine and its load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shlex
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ec2conformance.client import Client  # noqa: E402
from ec2conformance.model import Identity, RequestSpec, sample  # noqa: E402
from ec2conformance.reference import DENIED, PERMITTED  # noqa: E402
from ec2conformance.reference.process import launch  # noqa: E402

BARE_BODY = b"<?xml version='1.0' encoding='UTF-8'?><ok/>"

MIX: tuple[tuple[str, RequestSpec, int], ...] = (
    ("valid POST", sample(), 200),
    ("valid GET", sample(method="GET"), 200),
    ("DryRun", sample().with_params(DryRun="true"), 412),
    ("invalid", sample().with_params(DiskImage__1__Image__Format=None), 400),
)
"""The suite's request mix: name, spec, the reference's expected status."""


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A werkzeug app that reads the body and answers a fixed one."""
    from werkzeug.wrappers import Response

    stream = environ.get("wsgi.input")
    if stream is not None:
        stream.read(int(environ.get("CONTENT_LENGTH") or 0))
    return Response(BARE_BODY, content_type="text/xml;charset=UTF-8")(environ, start_response)


def serve_bare(own_server: bool) -> None:
    """The baseline: the bare app on werkzeug's threaded server (or, for comparison, on the
    reference endpoint's own server)."""
    if own_server:
        from ec2conformance.reference import start

        running = start(app=bare_app)
        print(f"bare app, reference server: {running.url}", flush=True)
        threading.Event().wait()
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, bare_app, threaded=True)
    print(f"bare werkzeug: http://127.0.0.1:{server.port}", flush=True)
    server.serve_forever()


def spawn(command: Sequence[str]) -> tuple[subprocess.Popen[str], str]:
    """Start a server process and read its URL from its first line."""
    return launch(command, cwd=ROOT)


def prepared(url: str) -> list[tuple[str, requests.PreparedRequest, int]]:
    """The mix, signed once now (valid for the reference's 15 minutes of clock skew)."""
    client = Client(
        url, identities={Identity.PERMITTED: PERMITTED, Identity.DENIED: DENIED}, timeout=10
    )
    out = []
    for name, spec, status in MIX:
        exchange = client.prepare(spec)
        request = requests.Request(
            exchange.method, exchange.url, headers=dict(exchange.headers), data=exchange.body
        ).prepare()
        out.append((name, request, status))
    return out


def rate(
    session: requests.Session,
    mix: list[tuple[str, requests.PreparedRequest, int]],
    seconds: float,
    *,
    check: bool,
) -> float:
    """Requests per second over ``seconds``, replaying ``mix`` in a loop on one session."""
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for name, request, status in mix:
            response = session.send(request, timeout=10)
            if check and response.status_code != status:
                raise RuntimeError(f"{name}: status {response.status_code}, wanted {status}")
            count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def connections(session: requests.Session) -> int:
    """How many connections the session's pools opened (1: keep-alive held throughout)."""
    total = 0
    for adapter in session.adapters.values():
        for pool in adapter.poolmanager.pools._container.values():  # type: ignore[attr-defined]
            total += pool.num_connections
    return total


def profile_hot_path(requests_count: int, top: int) -> str:
    """The reference's hot path under cProfile: raw request bytes in, raw answer bytes out."""
    from ec2conformance.reference import make_app

    app = make_app()
    url = "http://127.0.0.1:8080"
    raws = []
    for _, request, _ in prepared(url):
        head = f"{request.method} {request.path_url} HTTP/1.1\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        raws.append(head.encode("latin-1") + b"\r\n" + body)
    handle = hot_path(app)
    for raw in raws:  # warm caches, as a running server has them
        handle(raw)
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(requests_count):
        handle(raws[index % len(raws)])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def hot_path(app: Any) -> Callable[[bytes], bytes]:
    """One raw request through the server's reading and the app, to the answer's bytes."""
    try:
        from ec2conformance.reference.wsgi import answer_bytes
    except ImportError:  # the werkzeug server: parse into an environ with werkzeug's builder
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        def handle(raw: bytes) -> bytes:
            head, _, body = raw.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ")
            headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
            headers = [h for h in headers if h[0].lower() != "content-length"]
            path, _, query = target.partition("?")
            environ = EnvironBuilder(
                path=path,
                method=method,
                headers=headers,
                data=body,
                query_string=query,
            ).get_environ()
            iterable, status, _ = run_wsgi_app(app, environ)
            return status.encode() + b"".join(iterable)

        return handle

    return lambda raw: answer_bytes(app, raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per server")
    parser.add_argument("--top", type=int, default=20, help="profile entries to print")
    parser.add_argument("--profile-requests", type=int, default=4000)
    parser.add_argument("--serve-bare", choices=("werkzeug", "own"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare == "own")
        return
    print("command:", shlex.join([sys.executable, *sys.argv]))
    processes = {
        "bare": spawn([sys.executable, __file__, "--serve-bare", "werkzeug"]),
        "reference": spawn([sys.executable, "-m", "ec2conformance.reference", "--port", "0"]),
        "bare-own": spawn([sys.executable, __file__, "--serve-bare", "own"]),
    }
    try:
        sessions = {name: requests.Session() for name in processes}
        for session in sessions.values():
            session.trust_env = False
        mixes = {name: prepared(url) for name, (_, url) in processes.items()}
        rates: dict[str, list[float]] = {name: [] for name in processes}
        for name in sessions:  # warm-up, and the reference's statuses checked
            rate(sessions[name], mixes[name], 0.5, check=name == "reference")
        for _ in range(args.rounds):
            for name in sessions:
                rates[name].append(
                    rate(sessions[name], mixes[name], args.seconds, check=name == "reference")
                )
        bare_rate = statistics.median(rates["bare"])
        reference_rate = statistics.median(rates["reference"])
        own_rate = statistics.median(rates["bare-own"])
        titles = {
            "bare": "bare werkzeug app, werkzeug's threaded server",
            "reference": "reference endpoint (python -m ec2conformance.reference)",
            "bare-own": "bare werkzeug app, the reference's server (for comparison)",
        }
        for name in sessions:
            shown = ", ".join(f"{r:.0f}" for r in rates[name])
            print(
                f"{statistics.median(rates[name]):6.0f} req/s  {titles[name]} (rounds: {shown}; "
                f"connections opened: {connections(sessions[name])})"
            )
        print(f"ratio reference / bare werkzeug: {reference_rate / bare_rate:.2f}")
        print(f"ratio reference / bare app on the same server: {reference_rate / own_rate:.2f}")
        print(f"mix: {', '.join(name for name, _, _ in MIX)} (one keep-alive session each)")
    finally:
        for process, _ in processes.values():
            process.terminate()
            process.wait(timeout=20)
    print()
    print(f"profile of the reference's hot path ({args.profile_requests} requests, by tottime):")
    print(profile_hot_path(args.profile_requests, args.top))


if __name__ == "__main__":
    main()
