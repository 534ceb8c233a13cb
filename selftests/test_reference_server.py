"""Serving the reference: start/stop, the raw bytes of a request, bounded bodies, the CLI."""

from __future__ import annotations

import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading

import boto3
import botocore.config
import pytest
import requests
from lxml import etree

from ec2conformance import ROOT
from ec2conformance.reference import MAX_WORKERS, PERMITTED, ReferenceConfig, ServerLimits, start
from ec2conformance.reference.wsgi import answer_bytes


def code_of(body: bytes) -> str | None:
    return etree.fromstring(body).findtext("Errors/Error/Code")


def raw_exchange(port: int, request: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


def test_start_binds_a_free_port_and_stops():
    with start() as server:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert requests.get(server.url + "/", timeout=10).status_code == 403
    server.stop()  # a second stop is harmless
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/", timeout=10)


def test_two_servers_have_their_own_stores_and_ports():
    with start() as first, start(config=ReferenceConfig(region="eu-west-1")) as second:
        assert first.port != second.port
        assert first.app.store is not second.app.store
        assert second.app.config.region == "eu-west-1"


def test_start_on_a_busy_port_raises_oserror():
    with start() as server, pytest.raises(OSError):
        start(port=server.port)


def test_start_serves_a_given_app():
    def hello(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    with start(app=hello) as server:
        assert requests.get(server.url + "/", timeout=10).text == "hello"


def test_query_string_reaches_the_app_as_raw_bytes():
    """PEP 3333: QUERY_STRING is the raw bytes as latin-1 (werkzeug's server re-encodes them),
    so a non-UTF-8 query string stays malformed (WIRE-MALFORMED-QUERY)."""

    def echo(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [environ["QUERY_STRING"].encode("latin-1")]

    with start(app=echo) as server:
        for query in (b"a=\xff", b"a=\xc3\xa9&b=%FF", b"a=\x85\xa0\x1c", b"x=%zz"):
            status, body = raw_exchange(
                server.port,
                b"GET /?" + query + b" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            )
            assert (status, body) == (200, query)


@pytest.mark.parametrize("byte", [b"\x85", b"\xa0", b"\x1c", b"\xff"], ids=lambda b: b.hex())
def test_unusual_bytes_in_the_request_target_get_an_xml_answer(byte):
    """Bytes str.split() takes for white space do not break the request line (no HTML 400)."""
    with start() as server:
        status, body = raw_exchange(
            server.port,
            b"GET /?Action=ImportInstance&Description=a" + byte + b"b HTTP/1.1\r\n"
            b"Host: h\r\nConnection: close\r\n\r\n",
        )
        assert (status, code_of(body)) == (403, "MissingAuthenticationToken")


def test_an_oversized_body_is_answered_not_dropped():
    """A body over 1 MiB is refused unread, with an XML error, and the client reads it."""
    with start() as server:
        response = requests.post(
            server.url + "/",
            data=b"Action=ImportInstance&Description=" + b"x" * (2 << 20),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
        assert response.status_code == 400
        assert code_of(response.content) == "InvalidRequest"
        assert not server.defects


def test_an_oversized_chunked_body_is_answered():
    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    with start() as server:
        response = requests.post(server.url + "/", data=chunks(), timeout=10)
        assert response.status_code == 400
        assert code_of(response.content) == "InvalidRequest"


def test_a_declared_huge_body_is_refused_before_it_arrives():
    """The answer comes while the client is still holding the body back."""
    with start() as server:
        status, body = raw_exchange(
            server.port,
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1073741824\r\n\r\nAction=",
        )
        assert (status, code_of(body)) == (400, "InvalidRequest")


def test_a_body_of_exactly_the_limit_is_read():
    with start(config=ReferenceConfig(max_body_bytes=1000)) as server:
        response = requests.post(server.url + "/", data=b"a=" + b"x" * 998, timeout=10)
        assert code_of(response.content) == "MissingAuthenticationToken"
        response = requests.post(server.url + "/", data=b"a=" + b"x" * 999, timeout=10)
        assert code_of(response.content) == "InvalidRequest"


def test_per_request_logging_is_off_by_default(caplog):
    caplog.set_level(logging.INFO, logger="ec2conformance.reference.server")
    with start() as server:
        requests.get(server.url + "/", timeout=10)
    assert [r for r in caplog.records if r.name == "ec2conformance.reference.server"] == []
    with start(log_requests=True) as server:
        requests.get(server.url + "/", timeout=10)
    assert [r for r in caplog.records if r.name == "ec2conformance.reference.server"] != []


def test_command_line_serves_until_interrupted():
    """``python -m ec2conformance.reference`` prints its URL and key ids, serves, stops."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ec2conformance.reference", "--port", "0", "--region", "eu-west-2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        # A job started in the background inherits SIGINT ignored; Ctrl-C must reach it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+) \(region eu-west-2\)", first)
        assert match, first
        printed = first + process.stdout.readline() + process.stdout.readline()
        assert PERMITTED.access_key_id in printed and "AKIDREFDENIED0000001" in printed
        client = boto3.client(
            "ec2",
            endpoint_url=match.group(1),
            region_name="eu-west-2",
            aws_access_key_id=PERMITTED.access_key_id,
            aws_secret_access_key=PERMITTED.secret_access_key,
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )
        assert client.describe_conversion_tasks()["ConversionTasks"] == []
    finally:
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=20)
        process.stdout.close()
        process.stderr.close()
    assert returncode == 0


# --------------------------------------------------------------------------------------
# The server model: keep-alive, pipelining, limits, shutdown


def echo_app(environ, start_response):
    """Answers with the method, the target and the body it read."""
    body = environ["wsgi.input"].read()
    text = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}?{environ['QUERY_STRING']} "
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [text.encode("latin-1") + body]


def connect(server) -> socket.socket:
    """A new connection to ``server`` (reads time out after 10 s: a hang fails the test)."""
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_answers(sock: socket.socket, count: int) -> list[tuple[int, bytes, str | None]]:
    """``count`` answers read in order from one connection: status, body, Connection."""
    stream = sock.makefile("rb")
    answers = []
    for _ in range(count):
        status = int(stream.readline().split(b" ")[1])
        headers = {}
        while (line := stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = stream.read(int(headers.get("content-length", "0")))
        answers.append((status, body, headers.get("connection")))
    return answers


def test_keep_alive_reuses_one_connection():
    with start() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/")
        first = connection.getresponse()
        assert (first.status, code_of(first.read())) == (403, "MissingAuthenticationToken")
        sock = connection.sock
        assert sock is not None and first.getheader("Connection") is None
        for _ in range(3):
            connection.request("POST", "/", body=b"Action=ImportInstance")
            again = connection.getresponse()
            assert (again.status, code_of(again.read())) == (403, "MissingAuthenticationToken")
            assert connection.sock is sock  # the same connection carried every request
        connection.close()


def test_a_session_sends_every_request_on_one_connection():
    with start() as server, requests.Session() as session:
        for _ in range(5):
            assert session.get(server.url + "/", timeout=10).status_code == 403
        pools = session.get_adapter(server.url).poolmanager.pools
        assert sum(pool.num_connections for pool in pools._container.values()) == 1


def test_pipelined_requests_are_answered_in_order():
    """Requests sent back to back before any answer: a GET, a POST with a body, a chunked
    POST, a POST whose body comes in a later write; each answered, in order."""
    with start(app=echo_app) as server, connect(server) as sock:
        sock.sendall(
            b"GET /?n=1 HTTP/1.1\r\nHost: h\r\n\r\n"
            b"POST /?n=2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
            b"POST /?n=3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            b"POST /?n=4 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nwx"
        )
        sock.sendall(b"yz")
        answers = read_answers(sock, 4)
    assert [(status, body) for status, body, _ in answers] == [
        (200, b"GET /?n=1 "),
        (200, b"POST /?n=2 hello"),
        (200, b"POST /?n=3 abcde"),
        (200, b"POST /?n=4 wxyz"),
    ]


def test_pipelined_reference_requests_get_their_own_answers():
    with start() as server, connect(server) as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
            b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
            b"GET /?Action=ImportInstance HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
        answers = read_answers(sock, 3)
        assert sock.recv(1) == b""  # closed after the request that asked for it
    assert [(status, code_of(body)) for status, body, _ in answers] == [
        (403, "MissingAuthenticationToken"),
        (400, "InvalidRequest"),
        (403, "MissingAuthenticationToken"),
    ]
    assert answers[2][2] == "close"


def test_an_idle_connection_is_closed_after_the_idle_timeout():
    with start(limits=ServerLimits(idle_timeout=0.2)) as server:
        with connect(server) as never_used:
            assert never_used.recv(1) == b""  # closed by the server, not by the timeout
        with connect(server) as used:
            used.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            [(status, _, _)] = read_answers(used, 1)
            assert status == 403
            assert used.recv(1) == b""


def test_a_request_that_does_not_arrive_in_time_is_answered_408():
    with start(limits=ServerLimits(request_timeout=0.2)) as server, connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Len")
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    assert received.startswith(b"HTTP/1.1 408 ")


def test_many_idle_connections_do_not_block_a_real_request():
    """Far more idle (and half-sent) connections than workers: a new client is served."""
    limits = ServerLimits(workers=2)
    with start(limits=limits) as server:
        idle = [connect(server) for _ in range(150)]
        for sock in idle[:50]:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nAct")
        try:
            response = requests.get(server.url + "/", timeout=10)
            assert code_of(response.content) == "MissingAuthenticationToken"
            # and an idle connection, used at last, is served too
            idle[100].sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            [(status, _, _)] = read_answers(idle[100], 1)
            assert status == 403
        finally:
            for sock in idle:
                sock.close()


def test_three_thousand_half_open_connections_cost_no_thread_and_no_stall():
    """3,000 idle connections, each with half a request head sent: no thread per connection,
    a real request is served while they are open, and at once after they close."""
    threads_before = threading.active_count()
    with start() as server:
        held = [connect(server) for _ in range(3000)]
        try:
            for sock in held:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Le")
            with requests.Session() as session:
                response = session.get(server.url + "/", timeout=10)
            assert code_of(response.content) == "MissingAuthenticationToken"
            # The event loop and the bounded pool, not a thread per connection.
            assert threading.active_count() - threads_before <= MAX_WORKERS + 2
        finally:
            for sock in held:
                sock.close()
        # Answered within the client's timeout, not after a stall of the whole server.
        response = requests.get(server.url + "/", timeout=10)
        assert code_of(response.content) == "MissingAuthenticationToken"


def test_connections_over_the_limit_wait_in_the_backlog():
    with start(limits=ServerLimits(max_connections=3)) as server:
        held = [connect(server) for _ in range(3)]
        for sock in held:  # each accepted and answered: all three are open
            sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            assert read_answers(sock, 1)[0][0] == 403
        assert server.connection_count == 3
        with connect(server) as waiting:
            waiting.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            assert server.connection_count <= 3
            held.pop().close()  # room for one more: the waiting one is accepted and served
            assert read_answers(waiting, 1)[0][0] == 403
            assert server.connection_count <= 3
        for sock in held:
            sock.close()


def test_expect_100_continue_is_honoured():
    with start(app=echo_app) as server, connect(server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"abc")
        assert read_answers(sock, 1)[0][:2] == (200, b"POST /? abc")


def test_http_1_0_is_answered_then_closed():
    with start() as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        [(status, _, connection)] = read_answers(sock, 1)
        assert (status, connection) == (403, "close")
        assert sock.recv(1) == b""


@pytest.mark.parametrize(
    "head",
    [
        b"GET /\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    ],
    ids=["no-version", "http2", "bad-header", "bad-chunk", "two-lengths"],
)
def test_a_malformed_request_is_answered_and_closed(head):
    with start() as server, connect(server) as sock:
        sock.sendall(head)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    assert re.match(rb"HTTP/1\.1 (400|505) ", received), received[:60]
    assert b"Connection: close" in received


def test_the_worker_pool_is_bounded():
    assert ServerLimits(workers=16).workers == 16
    with pytest.raises(ValueError):
        ServerLimits(workers=17)
    with pytest.raises(ValueError):
        ServerLimits(workers=0)
    result = subprocess.run(
        [sys.executable, "-m", "ec2conformance.reference", "--port", "0", "--workers", "17"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 2 and "--workers" in result.stderr


def test_answer_bytes_answers_pipelined_requests_without_a_socket():
    raw = b"GET /?a=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"
    answered = answer_bytes(echo_app, raw)
    assert answered.count(b"HTTP/1.1 200 OK\r\n") == 2
    assert answered.endswith(b"POST /? ok")


def test_sigterm_stops_the_command_line_cleanly():
    """SIGTERM (what a service manager or CI sends) ends the server with status 0, with
    connections open and a request just answered."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ec2conformance.reference",
            "--port",
            "0",
            "--workers",
            "2",
            "--idle-timeout",
            "30",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        match = re.search(r"http://127\.0\.0\.1:(\d+)", process.stdout.readline())
        assert match
        port = int(match.group(1))
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        assert raw_exchange(port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")[0] == 403
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=20)
        assert idle.recv(1) == b""  # the open connection was closed, not left hanging
        idle.close()
        stderr = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert returncode == 0, stderr
    assert "Traceback" not in stderr


def test_stop_does_not_wait_for_a_body_that_never_comes():
    """A worker reading a large body that the client holds back is released at stop (the
    request timeout, here ten minutes, is not waited for)."""
    server = start(app=echo_app, limits=ServerLimits(request_timeout=600))
    sock = connect(server)
    try:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4194304\r\n\r\nstart")
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        stopper.join(timeout=60)
        assert not stopper.is_alive()
    finally:
        sock.close()


def test_the_reference_in_a_process_of_its_own_serves_and_stops():
    """What a run against the embedded endpoint starts (start_process): a child process
    that listens when start_process returns, answers, and ends on stop."""
    from ec2conformance.reference.process import start_process

    with start_process() as child:
        assert child.pid != os.getpid()
        response = requests.get(child.url + "/", timeout=10)
        assert code_of(response.content) == "MissingAuthenticationToken"
    with pytest.raises(requests.ConnectionError):
        requests.get(child.url + "/", timeout=5)
    child.stop()  # a second stop is harmless
