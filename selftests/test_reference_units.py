"""Units of the reference endpoint: strict decoding, value syntax, serializer, data, store."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree
from werkzeug.test import Client

from ec2conformance import GOLDEN
from ec2conformance.model import Credentials
from ec2conformance.reference import DENIED, PERMITTED, Identities, ReferenceConfig, make_app
from ec2conformance.reference.catalogue import Code, EC2Error, error_catalogue, model_data
from ec2conformance.reference.serializer import NAMESPACE, Serializer, xml_safe
from ec2conformance.reference.store import NewTask, TaskStore
from ec2conformance.reference.syntax import (
    BASE64,
    INTEGER,
    IPV4,
    URL,
    is_list_index,
    xml_text_problem,
)
from ec2conformance.reference.wire import decode_form, read_body

# --------------------------------------------------------------------------------------
# Strict form decoding (WIRE-MALFORMED-QUERY)

DECODED = [
    (b"", []),
    (b"a=1&b=2", [("a", "1"), ("b", "2")]),
    (b"&&a=1&&", [("a", "1")]),
    (b"a", [("a", "")]),
    (b"a=", [("a", "")]),
    (b"a==b", [("a", "=b")]),
    (b"a=x+y%20z", [("a", "x y z")]),
    (b"%41%42=%3d%26", [("AB", "=&")]),
    (b"a=%C3%A9%F0%9F%98%80", [("a", "é\U0001f600")]),
    ("a=é".encode(), [("a", "é")]),
    (b"a=%2B", [("a", "+")]),
    (b"a=%00", [("a", "\x00")]),
]


@pytest.mark.parametrize(("raw", "pairs"), DECODED, ids=[repr(r) for r, _ in DECODED])
def test_decode_form_accepts(raw, pairs):
    assert decode_form(raw) == pairs


MALFORMED = [
    b"a=%zz",
    b"a=%4",
    b"a=%",
    b"a=%%41",
    b"%=a",
    b"a=\xff",
    b"a=\xc3",
    b"a=\xed\xa0\x80",
    b"a=%FF",
    b"a=%C3",
    b"a=%C0%AF",
    b"a=%ED%A0%80",
    b"=x",
    b"=",
    b"a=1&=",
    b"\xff=1",
]


@pytest.mark.parametrize("raw", MALFORMED, ids=[repr(r) for r in MALFORMED])
def test_decode_form_refuses(raw):
    with pytest.raises(EC2Error) as caught:
        decode_form(raw)
    assert caught.value.code == "MalformedQueryString"


def test_read_body_refuses_a_large_declared_body_unread():
    stream = io.BytesIO(b"x" * 100)
    with pytest.raises(EC2Error) as caught:
        read_body({"wsgi.input": stream, "CONTENT_LENGTH": "2000000"}, limit=1000)
    assert caught.value.code == "InvalidRequest"
    assert stream.tell() == 0


def test_read_body_bounds_a_chunked_body():
    environ = {"wsgi.input": io.BytesIO(b"x" * 2000), "wsgi.input_terminated": True}
    with pytest.raises(EC2Error):
        read_body(environ, limit=1000)
    environ = {"wsgi.input": io.BytesIO(b"x" * 1000), "wsgi.input_terminated": True}
    assert read_body(environ, limit=1000) == b"x" * 1000


@pytest.mark.parametrize("length", ["-1", "1e3", "abc", "١"])
def test_read_body_refuses_a_bad_content_length(length):
    with pytest.raises(EC2Error) as caught:
        read_body({"wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": length})
    assert caught.value.code == "InvalidRequest"


# --------------------------------------------------------------------------------------
# Value syntax


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (
            INTEGER,
            ["0", "007", "-3", "9" * 40],
            ["", "+1", "1.0", " 1", "1 ", "1\n", "\u0661", "-"],
        ),
        (
            IPV4,
            ["0.0.0.0", "255.255.255.255", "10.1.20.199"],
            [
                "256.0.0.1",
                "01.2.3.4",
                "1.2.3",
                "1.2.3.4.5",
                "1.2.3.4\n",
                "\u0661.2.3.4",
                " 1.2.3.4",
            ],
        ),
        (
            BASE64,
            ["", "aGk=", "aGVs", "YQ==", "+/+/"],
            ["aGk", "aGk==", "a===", "aG k", "aGk=\n", "-_-_", "=aGk"],
        ),
        (
            URL,
            ["https://h", "HTTPS://h/p?q#f", "https://h:443/a", "https://h?x@y"],
            [
                "http://h",
                "https://",
                "https:///p",
                "https://u@h",
                "https://h/ p",
                "https://h\n",
                " https://h",
                "ftp://h",
            ],
        ),
    ],
    ids=["integer", "ipv4", "base64", "url"],
)
def test_value_syntax_patterns_match_whole_values(pattern, good, bad):
    assert [v for v in good if pattern.fullmatch(v) is None] == []
    assert [v for v in bad if pattern.fullmatch(v) is not None] == []


@pytest.mark.parametrize(
    ("text", "ok"),
    [("1", True), ("2147483647", True), ("0", False), ("01", False), ("2147483648", False),
     ("-1", False), ("", False), ("x", False), ("\u0661", False)],
)  # fmt: skip
def test_list_index(text, ok):
    assert is_list_index(text) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [("\t\n\r x", True), ("\ud7ff\ue000\ufffd\U00010000\U0010ffff", True), ("\x00", False),
     ("\x01", False), ("\x1f", False), ("\ufffe", False), ("\uffff", False), ("\ud800", False)],
)  # fmt: skip
def test_xml_characters(text, ok):
    assert (xml_text_problem(text) is None) is ok


# --------------------------------------------------------------------------------------
# Catalogue and model data


def test_every_code_the_reference_uses_is_in_the_catalogue():
    """ERR-CODE-KNOWN: the reference only answers with catalogue codes."""
    catalogue = error_catalogue()
    assert sorted(code for code in Code.all() if code not in catalogue) == []


def test_statuses_come_from_the_catalogue_file():
    """ERR-STATUS-MATCHES: the file's status, else 400 for client and 500 for server codes."""
    data = json.loads((GOLDEN / "error-catalogue.json").read_text(encoding="utf-8"))
    catalogue = error_catalogue()
    for entry in data["codes"]:
        expected = entry["http_status"] or (500 if entry["kind"] == "server" else 400)
        assert catalogue.status(entry["code"]) == expected, entry["code"]


def test_model_data_has_the_contract_enums():
    enums = model_data().enums
    assert enums["DiskImageFormat"] == ("VMDK", "RAW", "VHD")
    assert enums["PlatformValues"] == ("Windows",)
    assert "m1.xlarge" in enums["InstanceType"]


# --------------------------------------------------------------------------------------
# Serializer


def test_error_envelope_bytes():
    """ERR-ENVELOPE, ERR-NAMESPACE: the exact shape AWS sends."""
    serializer = Serializer(error_catalogue())
    response = serializer.error(EC2Error("DryRunOperation", "m & <n>"), "rid-1")
    assert response.status_code == 412
    assert response.headers["Content-Type"] == "text/xml;charset=UTF-8"
    assert response.headers["x-amzn-RequestId"] == "rid-1"
    assert response.get_data() == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<Response><Errors><Error><Code>DryRunOperation</Code>"
        b"<Message>m &amp; &lt;n&gt;</Message></Error></Errors>"
        b"<RequestID>rid-1</RequestID></Response>"
    )


def test_messages_quoting_anything_stay_xml():
    """An error message may quote what the client sent; it never breaks the envelope."""
    serializer = Serializer(error_catalogue())
    nasty = "a\x00b\x01\ufffe\ud800\U0001f600" + "z" * 5000
    body = serializer.error(EC2Error("UnknownParameter", nasty), "r").get_data()
    message = etree.fromstring(body).findtext("Errors/Error/Message")
    assert message.startswith("a\\x00b\\x01\\ufffe\\ud800\U0001f600")
    assert len(message) <= 2000
    assert xml_safe("plain") == "plain"


def test_success_document_serialization():
    """Integers in decimal, booleans lower-case, None an empty element, CR as ``&#13;``."""
    serializer = Serializer(error_catalogue())
    document = {
        "a": 12,
        "b": True,
        "c": None,
        "d": "x\ry",
        "list": [{"n": 1}, {"n": 2}],
        "empty": [],
    }
    body = serializer.success("Test", document, "rid").get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<TestResponse xmlns="')
    assert b"<a>12</a><b>true</b><c/><d>x&#13;y</d>" in body
    assert b"<list><item><n>1</n></item><item><n>2</n></item></list><empty/>" in body
    root = etree.fromstring(body)
    assert root.tag == f"{{{NAMESPACE}}}TestResponse"
    assert root.findtext(f"{{{NAMESPACE}}}d") == "x\ry"
    assert root[0].tag == f"{{{NAMESPACE}}}requestId" and root[0].text == "rid"


# --------------------------------------------------------------------------------------
# Store, identities, configuration

NEW = NewTask("Windows", None, "VMDK", 1, "https://h", None, 1, "us-east-1a")


def test_store_ids_are_unique_and_well_formed():
    store = TaskStore()
    tasks = [
        store.create(NEW, now=datetime.now(UTC), lifetime=timedelta(days=7)) for _ in range(200)
    ]
    assert len({t.conversion_task_id for t in tasks}) == 200
    assert len({t.instance_id for t in tasks}) == 200
    assert len({t.volume.volume_id for t in tasks}) == 200
    assert [t.conversion_task_id for t in store.all()] == [t.conversion_task_id for t in tasks]


def test_store_cancel_is_atomic():
    """LIFE-CANCEL: of many concurrent cancels of one task, exactly one succeeds."""
    store = TaskStore()
    task = store.create(NEW, now=datetime.now(UTC), lifetime=timedelta(days=1))
    outcomes: list[bool] = []
    barrier = threading.Barrier(16)

    def cancel() -> None:
        barrier.wait()
        outcome = store.cancel(task.conversion_task_id)
        assert outcome is not None
        outcomes.append(outcome[1])

    threads = [threading.Thread(target=cancel) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 15 + [True]
    assert store.get(task.conversion_task_id).state == "cancelling"
    assert store.cancel("import-i-00000000") is None


def test_builtin_identities():
    assert (PERMITTED.access_key_id, PERMITTED.secret_access_key) == (
        "AKIDREFPERMITTED0001",
        "reference-permitted-secret",
    )
    assert (DENIED.access_key_id, DENIED.secret_access_key) == (
        "AKIDREFDENIED0000001",
        "reference-denied-secret",
    )
    assert "secret" not in repr(PERMITTED)
    identities = Identities()
    assert identities.lookup(PERMITTED.access_key_id).permitted
    assert not identities.lookup(DENIED.access_key_id).permitted
    assert identities.lookup("AKIDNOBODY") is None
    with pytest.raises(ValueError):
        Identities(permitted=PERMITTED, denied=Credentials(PERMITTED.access_key_id, "other"))


def test_config_defaults_and_clock():
    config = ReferenceConfig()
    assert config.region == "us-east-1"
    assert config.default_availability_zone == "us-east-1a"
    assert ReferenceConfig(region="eu-west-3").default_availability_zone == "eu-west-3a"
    with pytest.raises(ValueError):
        ReferenceConfig(region="")
    moment = datetime(2030, 1, 2, 3, 4, 5)
    app = make_app(ReferenceConfig(clock=lambda: moment))
    assert app.now() == moment.replace(tzinfo=UTC)
    tokyo = timezone(timedelta(hours=9))
    app = make_app(ReferenceConfig(clock=lambda: moment.replace(tzinfo=tokyo)))
    assert app.now() == datetime(2030, 1, 1, 18, 4, 5, tzinfo=UTC)


# --------------------------------------------------------------------------------------
# The WSGI application itself (no server)


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/"), ("DELETE", "/"), ("PATCH", "/"), ("OPTIONS", "/"), ("GET", "/x"),
     ("POST", "/2016-11-15/")],
)  # fmt: skip
def test_other_methods_and_paths_get_an_xml_error(method, path):
    """Outside the contract, but always answered, with an XML error."""
    response = Client(make_app()).open(path, method=method)
    assert response.status_code == 400
    assert etree.fromstring(response.get_data()).findtext("Errors/Error/Code") == "InvalidRequest"


def test_head_is_answered_without_a_body():
    response = Client(make_app()).open("/", method="HEAD")
    assert response.status_code == 400
    assert response.get_data() == b""


def test_the_app_can_be_wrapped_as_middleware():
    """A fault-injection layer wraps the app as WSGI middleware (as
    ec2conformance/reference/faults/ does)."""
    app = make_app()
    seen: list[str] = []

    def middleware(environ, start_response):
        seen.append(environ["REQUEST_METHOD"])
        return app(environ, start_response)

    response = Client(middleware).get("/")
    assert seen == ["GET"]
    assert response.status_code == 403  # unsigned: MissingAuthenticationToken


def test_a_defect_is_answered_as_internal_error(monkeypatch):
    """Never crash: an exception in a handler is a 500 InternalError envelope, recorded."""
    app = make_app()

    class Broken:
        def authenticate(self, *args):
            raise RuntimeError("boom")

    monkeypatch.setattr(app, "verifier", Broken())
    response = Client(app).get("/")
    assert response.status_code == 500
    assert etree.fromstring(response.get_data()).findtext("Errors/Error/Code") == "InternalError"
    assert [type(e) for e in app.defects] == [RuntimeError]


@pytest.mark.parametrize(
    "name",
    [
        "DiskImage.1.Image.Bytes",
        "DiskImage.1.Volume.Size",
        "LaunchSpecification.Placement.PartitionNumber",
    ],
)
def test_a_number_of_100000_digits_is_refused_not_a_crash(name):
    """Python refuses to convert a string of more than 4,300 digits: the reference bounds the
    digits first, so such a value is InvalidParameterValue, never a 500."""
    from ec2conformance.reference.syntax import parse_integer

    with pytest.raises(EC2Error) as raised:
        parse_integer(name, "9" * 100_000, (1, 2**63 - 1))
    assert raised.value.code == Code.INVALID_PARAMETER_VALUE
    assert parse_integer(name, "0" * 100 + "12", (1, 20)) == 12


def test_the_endpoint_answers_a_huge_number_with_an_error(reference_client):
    from ec2conformance.model import sample

    exchange = reference_client.send(sample().with_params(DiskImage__1__Image__Bytes="9" * 20_000))
    assert exchange.status == 400, exchange.describe()
    assert b"InvalidParameterValue" in exchange.response_body
