"""Generated requests against the reference app in-process (werkzeug's test client).

Valid requests are built directly from the contract's valid domain and must all be accepted
with their values echoed (FUZZ-ORACLE, RESP-VOLUME-ECHO, PARAM-DESCRIPTION-ECHO); arbitrary
requests must never get a 5xx or a body that is not an XML envelope (FUZZ-NO-SERVER-ERROR,
ERR-ENVELOPE, ERR-CODE-KNOWN).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from unittest import mock
from urllib.parse import urlencode

import botocore.credentials
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from werkzeug.test import Client

from ec2conformance import GOLDEN
from ec2conformance.model import SAMPLE_PARAMS
from ec2conformance.reference import DENIED, PERMITTED, make_app

NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
HEAD = (("Action", "ImportInstance"), ("Version", "2016-11-15"))
FORM = "application/x-www-form-urlencoded; charset=utf-8"
MODEL = json.loads((GOLDEN / "model.json").read_text(encoding="utf-8"))
CATALOGUE = {
    entry["code"]
    for entry in json.loads((GOLDEN / "error-catalogue.json").read_text(encoding="utf-8"))["codes"]
}
APP = make_app()
CLIENT = Client(APP)
FUZZ = settings(max_examples=80, deadline=None, derandomize=True)


def post(body: bytes, credentials=PERMITTED):
    """POST ``body`` signed by botocore (header form), through the WSGI app."""
    request = AWSRequest(
        method="POST", url="http://localhost/", data=body, headers={"Content-Type": FORM}
    )
    creds = botocore.credentials.Credentials(
        credentials.access_key_id, credentials.secret_access_key
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        SigV4Auth(creds, "ec2", "us-east-1").add_auth(request)
    headers = [(k, v) for k, v in request.headers.items()]
    return CLIENT.post("/", data=body, headers=headers)


def envelope_of(response) -> etree._Element:
    """The parsed body, after checking FUZZ-NO-SERVER-ERROR and the envelope's shape."""
    assert response.status_code < 500, response.get_data()
    assert response.headers["Content-Type"] == "text/xml;charset=UTF-8"
    root = etree.fromstring(response.get_data())
    if response.status_code != 200:
        assert root.tag == "Response"
        assert root.findtext("Errors/Error/Code") in CATALOGUE
        assert (root.findtext("RequestID") or "").strip()
    return root


# --------------------------------------------------------------------------------------
# Valid requests, built from the valid domain

XML_TEXT = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cs",),
        exclude_characters="".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")
        + "\ufffe\uffff",
    )
)
URLS = st.builds(
    lambda scheme, host, rest: f"{scheme}://{host}{rest}",
    st.sampled_from(["https", "HTTPS", "hTtPs"]),
    st.from_regex(r"[a-z0-9.-]{1,40}", fullmatch=True),
    st.from_regex(r"([/?#][!-~]{0,80})?", fullmatch=True),
)
OPTIONAL_LAUNCH = {
    "LaunchSpecification.Architecture": st.sampled_from(MODEL["enums"]["ArchitectureValues"]),
    "LaunchSpecification.InstanceType": st.sampled_from(MODEL["enums"]["InstanceType"]),
    "LaunchSpecification.InstanceInitiatedShutdownBehavior": st.sampled_from(
        MODEL["enums"]["ShutdownBehavior"]
    ),
    "LaunchSpecification.Placement.Tenancy": st.sampled_from(["default", "dedicated"]),
    "LaunchSpecification.Monitoring": st.sampled_from(["true", "false"]),
    "LaunchSpecification.UserData.Data": st.binary(max_size=60).map(
        lambda b: base64.b64encode(b).decode()
    ),
    "LaunchSpecification.AdditionalInfo": XML_TEXT.filter(lambda t: len(t) <= 255),
    "DryRun": st.just("false"),
}


@st.composite
def valid_requests(draw):
    """A valid ImportInstance request and the values its response must echo."""
    index = draw(st.integers(min_value=1, max_value=2**31 - 1))
    size = draw(st.integers(min_value=1, max_value=16384))
    nbytes = draw(st.integers(min_value=1, max_value=size * 2**30))
    zeros = "0" * draw(st.integers(min_value=0, max_value=3))
    disk = f"DiskImage.{index}."
    expected = {
        "format": draw(st.sampled_from(["VMDK", "RAW", "VHD"])),
        "bytes": nbytes,
        "url": draw(URLS),
        "size": size,
        "description": draw(st.none() | XML_TEXT.filter(lambda t: len(t) <= 1000)),
        "disk_description": draw(st.none() | XML_TEXT.filter(lambda t: len(t) <= 1000)),
        "zone": draw(st.none() | XML_TEXT.filter(lambda t: len(t) <= 255)),
    }
    params = [
        ("Platform", "Windows"),
        (disk + "Image.Format", expected["format"]),
        (disk + "Image.Bytes", zeros + str(nbytes)),
        (disk + "Image.ImportManifestUrl", expected["url"]),
        (disk + "Volume.Size", zeros + str(size)),
    ]
    if expected["description"] is not None:
        params.append(("Description", expected["description"]))
    if expected["disk_description"] is not None:
        params.append((disk + "Description", expected["disk_description"]))
    if expected["zone"] is not None:
        params.append(("LaunchSpecification.Placement.AvailabilityZone", expected["zone"]))
    for name in draw(st.lists(st.sampled_from(sorted(OPTIONAL_LAUNCH)), unique=True)):
        params.append((name, draw(OPTIONAL_LAUNCH[name])))
    groups = draw(st.lists(st.integers(1, 99), unique=True, max_size=10))
    params += [(f"LaunchSpecification.GroupId.{g}", f"sg-{g}") for g in groups]
    params = draw(st.permutations(params))
    return [*HEAD, *params], expected


@FUZZ
@given(valid_requests())
def test_every_valid_request_is_accepted_and_echoed(case):
    params, expected = case
    root = envelope_of(post(urlencode(params).encode("ascii")))
    assert root.tag == f"{NS}ImportInstanceResponse"
    task = root.find(f"{NS}conversionTask/{NS}importInstance")
    item = task.find(f"{NS}volumes/{NS}item")
    assert item.findtext(f"{NS}image/{NS}format") == expected["format"]
    assert item.findtext(f"{NS}image/{NS}size") == str(expected["bytes"])
    assert item.findtext(f"{NS}image/{NS}importManifestUrl") == expected["url"]
    assert item.findtext(f"{NS}volume/{NS}size") == str(expected["size"])
    assert item.findtext(f"{NS}description") == (expected["disk_description"] or "")
    assert task.findtext(f"{NS}description") == (expected["description"] or "")
    zone = expected["zone"]
    wanted = zone if zone is not None and zone.strip(" \t\r\n") else "us-east-1a"
    assert item.findtext(f"{NS}availabilityZone") == wanted


# --------------------------------------------------------------------------------------
# Anything at all: never a server error, always an XML envelope

KNOWN_NAMES = [p["name"].replace("{N}", "1") for p in MODEL["import_instance_parameters"]]
NAMES = (
    st.sampled_from(KNOWN_NAMES)
    | st.text(max_size=30)
    | st.from_regex(
        r"(DiskImage|LaunchSpecification\.GroupName)\.[-0-9x]{0,12}\.Image\.Bytes", fullmatch=True
    )
)
VALUES = st.text(max_size=40) | st.from_regex(r"-?[0-9]{1,25}", fullmatch=True)


@FUZZ
@given(
    extra=st.lists(st.tuples(NAMES, VALUES), max_size=6),
    drop=st.sets(st.sampled_from([n for n, _ in SAMPLE_PARAMS])),
    denied=st.booleans(),
)
def test_sample_with_arbitrary_changes_never_fails_the_server(extra, drop, denied):
    params = [*HEAD, *[(n, v) for n, v in SAMPLE_PARAMS if n not in drop], *extra]
    credentials = DENIED if denied else PERMITTED
    envelope_of(post(urlencode(params).encode("utf-8"), credentials))


@FUZZ
@given(body=st.binary(max_size=300))
def test_arbitrary_bodies_never_fail_the_server(body):
    envelope_of(post(body))


@FUZZ
@given(
    body=st.binary(max_size=200),
    headers=st.lists(
        st.tuples(
            st.sampled_from(["Authorization", "X-Amz-Date", "Content-Type", "Date"]),
            st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80),
        ),
        max_size=4,
    ),
)
def test_arbitrary_auth_headers_never_fail_the_server(body, headers):
    response = CLIENT.post("/", data=body, headers=headers)
    root = envelope_of(response)
    assert root.tag == "Response"  # never authenticated: always an error
