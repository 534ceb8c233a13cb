"""The reference endpoint under load: concurrent clients, and many held connections.

    .venv/bin/python benchmarks/reference_load.py [--clients 8] [--requests 500]
        [--connections 200] [--hold-seconds 20] [--workers 8]

Part 1: ``--clients`` threads, each with its own suite client
(:class:`ec2conformance.client.Client`, SigV4-signed), send ``--requests`` requests each of
a mix (a valid ImportInstance POST, the same as a GET, a DryRun, an invalid one, a denied
one). Checked: no 5xx and no request left unanswered, every created conversion task id is
unique, and every one is found by DescribeConversionTasks afterwards (no lost task).

Part 2: ``--connections`` keep-alive connections are opened and held for
``--hold-seconds``, each sending a pre-signed DryRun about once a second (within the
server's 5-second idle timeout). Checked: every answer arrives on the connection it was
asked on (none is dropped or reset), and the server's memory and thread count stay bounded:
its resident set size and thread count (from ``/proc``) are printed at the start, the peak
and the end.

Each part runs against its own server process (``python -m ec2conformance.reference``).
Prints the figures and exits non-zero when a check fails. Numbers, not a test: the
self-test ``selftests/test_reference_load.py`` checks a smaller load, untimed.
"""

from __future__ import annotations

import argparse
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ec2conformance.client import Client  # noqa: E402
from ec2conformance.model import Identity, RequestSpec, sample  # noqa: E402
from ec2conformance.reference import DENIED, PERMITTED  # noqa: E402
from ec2conformance.reference.process import launch  # noqa: E402

NAMESPACE = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
IDENTITIES = {Identity.PERMITTED: PERMITTED, Identity.DENIED: DENIED}

MIX: tuple[tuple[str, RequestSpec, int], ...] = (
    ("valid POST", sample(), 200),
    ("invalid", sample().with_params(Platform=None), 400),
    ("DryRun", sample().with_params(DryRun="true"), 412),
    ("valid GET", sample(method="GET"), 200),
    ("denied", sample(identity=Identity.DENIED), 403),
)
"""The load's request mix: name, spec, the expected status."""


def client_for(url: str, region: str = "us-east-1") -> Client:
    """A suite client of ``url`` with both identities."""
    return Client(url, region=region, identities=IDENTITIES, timeout=30)


def task_id_of(body: bytes) -> str | None:
    """The conversion task id of an ImportInstance answer, or None."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return None
    return root.findtext(f"{NAMESPACE}conversionTask/{NAMESPACE}conversionTaskId")


@dataclass
class LoadResult:
    """What the concurrent clients saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0
    task_ids: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def sent(self) -> int:
        """Requests sent."""
        return sum(self.statuses.values()) + self.unanswered

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def duplicate_ids(self) -> list[str]:
        """Task ids given more than once."""
        return sorted(i for i, n in Counter(self.task_ids).items() if n > 1)


def mixed_load(url: str, clients: int, requests_each: int) -> LoadResult:
    """``clients`` threads, each with its own client, sending ``requests_each`` requests of
    :data:`MIX` in turn (each thread starting at another place of the mix)."""
    result = LoadResult()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def one_client(number: int) -> None:
        statuses: Counter[int] = Counter()
        unexpected: Counter[str] = Counter()
        unanswered = 0
        ids: list[str] = []
        latencies: list[float] = []
        with client_for(url) as client:
            start.wait()
            for index in range(requests_each):
                name, spec, wanted = MIX[(number + index) % len(MIX)]
                exchange = client.send(spec)
                latencies.append(exchange.elapsed)
                if exchange.status is None:
                    unanswered += 1
                    continue
                statuses[exchange.status] += 1
                if exchange.status != wanted:
                    unexpected[f"{name}: {exchange.status}"] += 1
                if exchange.status == 200:
                    task_id = task_id_of(exchange.response_body)
                    if task_id is None:
                        unexpected[f"{name}: 200 without a task id"] += 1
                    else:
                        ids.append(task_id)
        with lock:
            result.statuses.update(statuses)
            result.unexpected.update(unexpected)
            result.unanswered += unanswered
            result.task_ids.extend(ids)
            result.latencies.extend(latencies)

    threads = [threading.Thread(target=one_client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - began
    return result


def undescribed(url: str, task_ids: Sequence[str], batch: int = 100) -> list[str]:
    """The ids DescribeConversionTasks does not find (asked ``batch`` at a time), plus any
    describe that fails as a whole."""
    missing: list[str] = []
    with client_for(url) as client:
        for offset in range(0, len(task_ids), batch):
            chunk = list(task_ids[offset : offset + batch])
            spec = RequestSpec.of(
                [(f"ConversionTaskId.{n}", task_id) for n, task_id in enumerate(chunk, 1)],
                action="DescribeConversionTasks",
            )
            exchange = client.send(spec)
            if exchange.status != 200:
                missing.extend(chunk)
                continue
            root = etree.fromstring(
                exchange.response_body, parser=etree.XMLParser(resolve_entities=False)
            )
            found = {
                element.text
                for element in root.iter(f"{NAMESPACE}conversionTaskId")
                if element.text
            }
            missing.extend(task_id for task_id in chunk if task_id not in found)
    return missing


def presigned_dry_run(url: str, host_header: str) -> bytes:
    """A signed DryRun ImportInstance as raw HTTP/1.1 bytes (valid for 15 minutes)."""
    with client_for(url) as client:
        prepared = client.prepare(sample().with_params(DryRun="true"))
    headers = dict(prepared.headers)
    lines = [f"{prepared.method} / HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if not any(name.lower() == "host" for name in headers):
        lines.append(f"Host: {host_header}")
    lines.append(f"Content-Length: {len(prepared.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + prepared.body


def read_answer(stream: object) -> int:
    """Read one answer from a buffered socket file; its status (0: the connection closed)."""
    readline = stream.readline  # type: ignore[attr-defined]
    line = readline()
    if not line:
        return 0
    status = int(line.split(b" ")[1])
    length = 0
    while (header := readline()) not in (b"\r\n", b""):
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    stream.read(length)  # type: ignore[attr-defined]
    return status


@dataclass
class HoldResult:
    """What the held connections saw."""

    opened: int = 0
    rounds: int = 0
    answered: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    dropped: int = 0  # a connection closed or reset under a held client


def hold_connections(
    host: str,
    port: int,
    request: bytes,
    count: int,
    *,
    rounds: int | None = None,
    seconds: float | None = None,
    period: float = 1.0,
    each_round: Callable[[], None] | None = None,
) -> HoldResult:
    """Open ``count`` connections and keep them: every ``period`` seconds each sends
    ``request`` and reads its answer, for ``rounds`` rounds or ``seconds`` seconds."""
    result = HoldResult()
    sockets = [socket.create_connection((host, port), timeout=30) for _ in range(count)]
    streams = [sock.makefile("rb") for sock in sockets]
    result.opened = len(sockets)
    alive = [True] * count
    began = time.monotonic()
    try:
        while True:
            round_start = time.monotonic()
            for index, sock in enumerate(sockets):
                if not alive[index]:
                    continue
                try:
                    sock.sendall(request)
                    status = read_answer(streams[index])
                except OSError:
                    status = 0
                if status == 0:
                    alive[index] = False
                    result.dropped += 1
                    continue
                result.answered += 1
                result.statuses[status] += 1
            result.rounds += 1
            if each_round is not None:
                each_round()
            if rounds is not None and result.rounds >= rounds:
                break
            if seconds is not None and time.monotonic() - began >= seconds:
                break
            time.sleep(max(0.0, period - (time.monotonic() - round_start)))
    finally:
        for stream, sock in zip(streams, sockets, strict=True):
            stream.close()
            sock.close()
    return result


def process_status(pid: int) -> tuple[int, int, int]:
    """Resident set size and its peak (KiB) and thread count of process ``pid``."""
    fields: dict[str, str] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return (
        int(fields["VmRSS"].split()[0]),
        int(fields["VmHWM"].split()[0]),
        int(fields["Threads"]),
    )


def spawn(workers: int) -> tuple[subprocess.Popen[str], str, int]:
    """A reference endpoint process: it, its URL and its port (its stderr kept, to be read
    when it stops)."""
    command = [sys.executable, "-m", "ec2conformance.reference", "--port", "0"]
    process, url = launch([*command, "--workers", str(workers)], cwd=ROOT, stderr=subprocess.PIPE)
    return process, url, int(url.rsplit(":", 1)[1])


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM the server; its exit status and what it wrote on stderr."""
    process.terminate()
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    stderr = process.stderr.read() if process.stderr is not None else ""
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    return code, stderr


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=500, help="requests per client")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--hold-seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=8, help="the server's --workers")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]))
    failures: list[str] = []

    process, url, _ = spawn(args.workers)
    try:
        load = mixed_load(url, args.clients, args.requests)
        lost = undescribed(url, load.task_ids)
        rss, hwm, threads = process_status(process.pid)
    finally:
        code, stderr = stop(process)
    print(
        f"part 1: {args.clients} clients x {args.requests} requests = {load.sent} in "
        f"{load.elapsed:.1f} s ({load.sent / load.elapsed:.0f} req/s), server --workers "
        f"{args.workers}"
    )
    print(f"  statuses: {dict(sorted(load.statuses.items()))}; unanswered: {load.unanswered}")
    print(
        f"  latency: median {statistics.median(load.latencies) * 1000:.1f} ms, "
        f"p99 {percentile(load.latencies, 0.99) * 1000:.1f} ms, "
        f"max {max(load.latencies) * 1000:.1f} ms"
    )
    print(
        f"  tasks created: {len(load.task_ids)}, unique: {len(set(load.task_ids))}, "
        f"not describable: {len(lost)}"
    )
    print(f"  server: RSS {rss} KiB (peak {hwm} KiB), {threads} threads; exit status {code}")
    if load.server_errors:
        failures.append(f"{load.server_errors} answers were 5xx")
    if load.unanswered:
        failures.append(f"{load.unanswered} requests got no answer")
    if load.unexpected:
        failures.append(f"unexpected answers: {dict(load.unexpected)}")
    if load.duplicate_ids:
        failures.append(f"duplicate task ids: {load.duplicate_ids[:5]}")
    if lost:
        failures.append(f"{len(lost)} created tasks are not describable: {lost[:5]}")
    if code != 0 or "Traceback" in stderr:
        failures.append(f"server exit status {code}; stderr: {stderr[-500:]}")

    process, url, port = spawn(args.workers)
    try:
        request = presigned_dry_run(url, f"127.0.0.1:{port}")
        start_rss, _, start_threads = process_status(process.pid)
        samples: list[tuple[int, int, int]] = []
        hold = hold_connections(
            "127.0.0.1",
            port,
            request,
            args.connections,
            seconds=args.hold_seconds,
            each_round=lambda: samples.append(process_status(process.pid)),
        )
        crashed = process.poll() is not None
    finally:
        code, stderr = stop(process)
    peak_rss = max(hwm for _, hwm, _ in samples)
    first_rss, last_rss = samples[0][0], samples[-1][0]
    peak_threads = max(threads for _, _, threads in samples)
    print(
        f"part 2: {hold.opened} keep-alive connections held {args.hold_seconds:g} s, "
        f"{hold.rounds} rounds, {hold.answered} answers {dict(hold.statuses)}, "
        f"{hold.dropped} connections dropped"
    )
    print(
        f"  server: RSS at start {start_rss} KiB, after round 1 {first_rss} KiB, at the end "
        f"{last_rss} KiB, peak {peak_rss} KiB; threads at start {start_threads}, "
        f"peak {peak_threads}; exit status {code}"
    )
    if crashed:
        failures.append("the server died while connections were held")
    if hold.dropped:
        failures.append(f"{hold.dropped} held connections were dropped")
    if set(hold.statuses) != {412}:
        failures.append(f"held connections' answers: {dict(hold.statuses)}")
    if peak_threads > args.workers + 4:
        failures.append(f"{peak_threads} threads for {args.workers} workers")
    if last_rss > first_rss + 32 * 1024:
        failures.append(f"memory grew from {first_rss} KiB to {last_rss} KiB")
    if code != 0 or "Traceback" in stderr:
        failures.append(f"server exit status {code}; stderr: {stderr[-500:]}")

    for failure in failures:
        print("FAILED:", failure)
    print("all checks passed" if not failures else f"{len(failures)} checks failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
