"""ec2conformance.wire: the hand-written encoder against botocore 1.44.8 and golden/model.json."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes, urlencode

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.serialize import EC2Serializer
from botocore.utils import percent_encode_sequence
from botocore.validate import validate_parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ec2conformance import GOLDEN
from ec2conformance.model import SAMPLE_PARAMS, WireFault, sample
from ec2conformance.wire import (
    FORM_CONTENT_TYPE,
    WIRE_FAULT_BYTES,
    UnknownMember,
    apply_wire_fault,
    encode_form,
    encode_query,
    to_wire_params,
    wire_templates,
)

MODEL_DATA = json.loads((GOLDEN / "model.json").read_text())
ENUMS: dict[str, list[str]] = MODEL_DATA["enums"]
EC2 = botocore.session.get_session().get_service_model("ec2")

# -- botocore as the oracle ---------------------------------------------------------------


def botocore_body(api_params: dict[str, Any], action: str = "ImportInstance") -> bytes:
    """What botocore sends: validation, EC2Serializer, then AWSRequest.prepare()."""
    operation = EC2.operation_model(action)
    validate_parameters(api_params, operation.input_shape)  # raises ParamValidationError
    serialized = EC2Serializer().serialize_to_request(api_params, operation)
    assert serialized["headers"]["Content-Type"] == FORM_CONTENT_TYPE
    request = AWSRequest(
        method=serialized["method"],
        url="https://ec2.us-east-1.amazonaws.com/",
        data=serialized["body"],
        headers=serialized["headers"],
    )
    prepared = request.prepare()
    assert isinstance(prepared.body, str)
    return prepared.body.encode("utf-8")


# -- generated botocore-style parameter sets ----------------------------------------------

# Any Unicode scalar value (no surrogates: they are not UTF-8), with the characters that
# matter to form encoding drawn often.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["&", "=", "+", "~", " ", "%", ".", "*", "\U0001f600", "é"]),
    ),
    max_size=24,
)
LONGS = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def enum_or_text(name: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ENUMS[name]), TEXT)


@st.composite
def structs(
    draw: st.DrawFn,
    members: dict[str, st.SearchStrategy[Any]],
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Any subset of the optional members plus the required ones, in any order."""
    optional = sorted(k for k in members if k not in required)
    chosen = draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
    keys = draw(st.permutations([*required, *chosen]))
    return {key: draw(members[key]) for key in keys}


def placements() -> st.SearchStrategy[dict[str, Any]]:
    return structs(
        {
            "AvailabilityZoneId": TEXT,
            "Affinity": TEXT,
            "GroupName": TEXT,
            "PartitionNumber": LONGS,
            "HostId": TEXT,
            "Tenancy": enum_or_text("Tenancy"),
            "SpreadDomain": TEXT,
            "HostResourceGroupArn": TEXT,
            "GroupId": TEXT,
            "AvailabilityZone": TEXT,
        }
    )


def launch_specifications() -> st.SearchStrategy[dict[str, Any]]:
    return structs(
        {
            "Architecture": enum_or_text("ArchitectureValues"),
            "GroupNames": st.lists(TEXT, max_size=4),
            "GroupIds": st.lists(TEXT, max_size=4),
            "AdditionalInfo": TEXT,
            "UserData": structs({"Data": TEXT}),
            "InstanceType": enum_or_text("InstanceType"),
            "Placement": placements(),
            "Monitoring": st.booleans(),
            "SubnetId": TEXT,
            "InstanceInitiatedShutdownBehavior": enum_or_text("ShutdownBehavior"),
            "PrivateIpAddress": TEXT,
        }
    )


def disk_images() -> st.SearchStrategy[dict[str, Any]]:
    image = structs(
        {
            "Format": enum_or_text("DiskImageFormat"),
            "Bytes": LONGS,
            "ImportManifestUrl": TEXT,
        },
        required=("Format", "Bytes", "ImportManifestUrl"),
    )
    volume = structs({"Size": LONGS}, required=("Size",))
    return structs({"Description": TEXT, "Image": image, "Volume": volume})


def import_instance_params() -> st.SearchStrategy[dict[str, Any]]:
    """Every member of ImportInstanceRequest can appear, in any order; Platform always."""
    return structs(
        {
            "DryRun": st.booleans(),
            "Description": TEXT,
            "LaunchSpecification": launch_specifications(),
            "DiskImages": st.lists(disk_images(), max_size=3),
            "Platform": enum_or_text("PlatformValues"),
        },
        required=("Platform",),
    )


@settings(
    derandomize=True,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(import_instance_params())
def test_to_wire_params_encodes_like_botocore(api_params: dict[str, Any]) -> None:
    """Any parameter set botocore accepts is sent byte for byte as botocore sends it."""
    expected = botocore_body(api_params)
    pairs = to_wire_params(api_params)
    assert pairs[:2] == (("Action", "ImportInstance"), ("Version", "2016-11-15"))
    assert encode_form(pairs) == expected


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_encode_form_is_urlencode_of_utf8(pairs: list[tuple[str, str]]) -> None:
    """Any pairs (repeated or empty names included) encode as botocore's urlencode call does."""
    utf8 = [(k.encode("utf-8"), v.encode("utf-8")) for k, v in pairs]
    assert encode_form(tuple(pairs)) == urlencode(utf8, doseq=True).encode("ascii")
    assert parse_qsl(encode_form(tuple(pairs)).decode(), keep_blank_values=True) == pairs


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_encode_query_is_botocore_percent_encoding(pairs: list[tuple[str, str]]) -> None:
    """The query form is botocore's percent_encode_sequence and decodes to the same pairs."""
    query = encode_query(tuple(pairs))
    assert query == percent_encode_sequence(pairs)
    assert "+" not in query and " " not in query
    assert parse_qsl(query, keep_blank_values=True) == pairs


@pytest.mark.parametrize(
    ("value", "form", "query"),
    [
        ("a b", "a+b", "a%20b"),
        ("a+b", "a%2Bb", "a%2Bb"),
        ("~-._", "~-._", "~-._"),
        ("&=", "%26%3D", "%26%3D"),
        ("é", "%C3%A9", "%C3%A9"),
        ("\U0001f600", "%F0%9F%98%80", "%F0%9F%98%80"),
        ("/:?", "%2F%3A%3F", "%2F%3A%3F"),
        ("", "", ""),
    ],
    ids=["space", "plus", "unreserved", "amp-eq", "latin1", "non-bmp", "url-chars", "empty"],
)
def test_value_encoding_examples(value: str, form: str, query: str) -> None:
    """Concrete escapes others may rely on."""
    assert encode_form((("Description", value),)) == f"Description={form}".encode()
    assert encode_query((("Description", value),)) == f"Description={query}"


def test_lone_surrogate_is_refused() -> None:
    """Values are text; bytes that are not UTF-8 only come from a wire fault."""
    with pytest.raises(UnicodeEncodeError):
        encode_form((("Description", "\ud800"),))


def test_sample_wire_form() -> None:
    """The contract's sample, from API parameters, matches model.sample() and botocore."""
    api_params = {
        "LaunchSpecification": {"Architecture": "x86_64", "InstanceType": "m1.xlarge"},
        "DiskImages": [
            {
                "Image": {
                    "Format": "VMDK",
                    "Bytes": 1179593728,
                    "ImportManifestUrl": dict(SAMPLE_PARAMS)["DiskImage.1.Image.ImportManifestUrl"],
                },
                "Volume": {"Size": 12},
            }
        ],
        "Platform": "Windows",
    }
    assert to_wire_params(api_params) == sample().params
    assert encode_form(sample().params) == botocore_body(api_params)


def test_verified_wire_form_from_facts() -> None:
    """ec2-facts.md §3.3's verified ImportInstance wire form."""
    api_params = {
        "DryRun": True,
        "Platform": "Windows",
        "Description": "d",
        "LaunchSpecification": {
            "Architecture": "x86_64",
            "InstanceType": "m1.xlarge",
            "GroupNames": ["a", "b"],
            "GroupIds": ["sg-1"],
            "Monitoring": False,
            "UserData": {"Data": "aGk="},
            "Placement": {"AvailabilityZone": "us-east-1a"},
        },
        "DiskImages": [{"Description": "x", "Image": {"Format": "VMDK"}, "Volume": {"Size": 12}}],
    }
    assert to_wire_params(api_params)[2:] == (
        ("DryRun", "true"),
        ("Platform", "Windows"),
        ("Description", "d"),
        ("LaunchSpecification.Architecture", "x86_64"),
        ("LaunchSpecification.InstanceType", "m1.xlarge"),
        ("LaunchSpecification.GroupName.1", "a"),
        ("LaunchSpecification.GroupName.2", "b"),
        ("LaunchSpecification.GroupId.1", "sg-1"),
        ("LaunchSpecification.Monitoring", "false"),
        ("LaunchSpecification.UserData.Data", "aGk="),
        ("LaunchSpecification.Placement.AvailabilityZone", "us-east-1a"),
        ("DiskImage.1.Description", "x"),
        ("DiskImage.1.Image.Format", "VMDK"),
        ("DiskImage.1.Volume.Size", "12"),
    )


def test_empty_list_writes_nothing() -> None:
    """botocore's EC2 serializer writes no pair for an empty list."""
    api_params = {"Platform": "Windows", "LaunchSpecification": {"GroupNames": []}}
    assert to_wire_params(api_params)[2:] == (("Platform", "Windows"),)
    assert encode_form(to_wire_params(api_params)) == botocore_body(api_params)


def test_templates_are_golden_model() -> None:
    """The hand-written table names exactly golden/model.json's parameters, types and order."""
    recorded = [(p["name"], p["type"]) for p in MODEL_DATA["import_instance_parameters"]]
    assert wire_templates("ImportInstance") == recorded


@pytest.mark.parametrize(
    ("action", "key"),
    [
        ("DescribeConversionTasks", "describe_conversion_tasks_parameters"),
        ("CancelConversionTask", "cancel_conversion_task_parameters"),
    ],
    ids=["describe", "cancel"],
)
def test_related_action_templates(action: str, key: str) -> None:
    """The related actions' names match golden/model.json."""
    assert sorted(t for t, _ in wire_templates(action)) == sorted(MODEL_DATA[key])


@pytest.mark.parametrize(
    ("action", "api_params"),
    [
        ("DescribeConversionTasks", {"ConversionTaskIds": ["import-i-abcdefgh", "x y"]}),
        ("DescribeConversionTasks", {"DryRun": False}),
        ("CancelConversionTask", {"ReasonMessage": "no & more", "ConversionTaskId": "import-i-1"}),
    ],
    ids=["describe-ids", "describe-dryrun", "cancel"],
)
def test_related_actions_encode_like_botocore(action: str, api_params: dict[str, Any]) -> None:
    """The related actions are flattened as botocore flattens them."""
    pairs = to_wire_params(api_params, action=action)
    assert encode_form(pairs) == botocore_body(api_params, action)


@pytest.mark.parametrize(
    ("api_params", "error"),
    [
        ({"Platform": "Windows", "Colour": "red"}, UnknownMember),
        ({"DiskImages": [{"Image": {"Colour": "red"}}]}, UnknownMember),
        ({"DryRun": "true"}, TypeError),
        ({"DiskImages": [{"Volume": {"Size": True}}]}, TypeError),
        ({"DiskImages": [{"Volume": {"Size": "12"}}]}, TypeError),
        ({"Description": 5}, TypeError),
        ({"LaunchSpecification": {"GroupNames": "sg"}}, TypeError),
        ({"LaunchSpecification": ["x"]}, TypeError),
    ],
    ids=[
        "unknown-top",
        "unknown-nested",
        "bool-as-str",
        "int-as-bool",
        "int-as-str",
        "str-as-int",
        "list-as-str",
        "struct-as-list",
    ],
)
def test_refuses_what_botocore_refuses(api_params: dict[str, Any], error: type[Exception]) -> None:
    """Unknown members and wrong types are errors, not silently encoded."""
    with pytest.raises(error):
        to_wire_params(api_params)


def test_unknown_action_is_refused() -> None:
    """Only actions with a recorded input shape can be flattened."""
    with pytest.raises(ValueError, match="RunInstances"):
        to_wire_params({}, action="RunInstances")


# -- wire faults --------------------------------------------------------------------------

BODY = encode_form(sample().params)


@pytest.mark.parametrize("fault", list(WireFault), ids=[f.value for f in WireFault])
def test_wire_fault_added_when_no_description(fault: WireFault) -> None:
    """Without a Description the fault is one new pair at the end; the rest is untouched."""
    faulty = apply_wire_fault(BODY, fault)
    raw = WIRE_FAULT_BYTES[fault]
    expected = raw if fault is WireFault.EMPTY_NAME else b"Description=" + raw
    assert faulty == BODY + b"&" + expected


@pytest.mark.parametrize(
    "fault",
    [f for f in WireFault if f is not WireFault.EMPTY_NAME],
    ids=lambda f: f.value,
)
def test_wire_fault_goes_into_existing_description(fault: WireFault) -> None:
    """An existing Description gets the fault appended: no name is repeated."""
    body = encode_form(sample().plus(("Description", "a b")).params)
    faulty = apply_wire_fault(body, fault)
    assert faulty == body.replace(b"Description=a+b", b"Description=a+b" + WIRE_FAULT_BYTES[fault])
    assert faulty.count(b"Description=") == 1


@pytest.mark.parametrize("fault", list(WireFault), ids=[f.value for f in WireFault])
def test_wire_fault_on_empty_body(fault: WireFault) -> None:
    """An empty body becomes just the faulty pair, without a leading '&'."""
    faulty = apply_wire_fault(b"", fault)
    assert not faulty.startswith(b"&")
    assert WIRE_FAULT_BYTES[fault] in faulty


def test_wire_faults_really_break_decoding() -> None:
    """Each fault is something a strict form decoder must refuse."""

    def value(fault: WireFault) -> bytes:
        return apply_wire_fault(b"", fault).partition(b"=")[2]

    assert value(WireFault.BAD_PERCENT) == b"%zz"
    with pytest.raises(UnicodeDecodeError):
        value(WireFault.NON_UTF8_RAW).decode("utf-8")
    assert unquote_to_bytes(value(WireFault.NON_UTF8_DECODED)) == b"\xff"
    with pytest.raises(UnicodeDecodeError):
        unquote_to_bytes(value(WireFault.NON_UTF8_DECODED)).decode("utf-8")
    assert apply_wire_fault(b"", WireFault.EMPTY_NAME).partition(b"=")[0] == b""
