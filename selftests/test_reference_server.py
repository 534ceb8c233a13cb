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

import boto3
import botocore.config
import pytest
import requests
from lxml import etree

from ec2conformance import ROOT
from ec2conformance.reference import PERMITTED, ReferenceConfig, start


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
    caplog.set_level(logging.INFO, logger="werkzeug")
    with start() as server:
        requests.get(server.url + "/", timeout=10)
    assert [r for r in caplog.records if r.name == "werkzeug"] == []
    with start(log_requests=True) as server:
        requests.get(server.url + "/", timeout=10)
    assert [r for r in caplog.records if r.name == "werkzeug"] != []


def test_command_line_serves_until_interrupted():
    """``python -m ec2conformance.reference`` prints its URL and key ids, serves, stops."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ec2conformance.reference", "--port", "0", "--region", "eu-west-2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
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
