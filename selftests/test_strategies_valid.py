"""strategies.valid: valid requests are what botocore would send (in its forms), what the
oracle calls valid, and what the reference endpoint accepts; the contract-only forms and the
valid rows (VALID_ROWS) are really produced.

Every Hypothesis test is derandomised, without a database (the ``ci`` profile with its own
example count), so a run is reproducible; the reference endpoint is started once for the
module on an OS-chosen port.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.serialize import create_serializer
from botocore.validate import validate_parameters
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from ec2conformance import golden
from ec2conformance.client import Client
from ec2conformance.model import Identity, RequestSpec, Signing, sample
from ec2conformance.oracle import SUCCESS, expect
from ec2conformance.strategies.cases import FUZZ_ORACLE, Case
from ec2conformance.strategies.valid import (
    GIB,
    MAX_VOLUME_GIB,
    VALID_ROWS,
    botocore_parameter_sets,
    image_sizes,
    import_instance_requests,
    manifest_urls,
    user_data,
    valid_cases,
)
from ec2conformance.wire import encode_form, encode_query, to_wire_params
from ec2conformance.xmlsafe import error_code, parse_untrusted

AZ = ("us-east-1a", "us-east-1b")
CI = settings(settings.get_profile("ci"), max_examples=25)
FEW = settings(settings.get_profile("ci"), max_examples=15)
EC2 = botocore.session.get_session().get_service_model("ec2")
OPERATION = EC2.operation_model("ImportInstance")
TEMPLATES = {p["name"]: p["type"] for p in golden.model()["import_instance_parameters"]}
RESOURCE_SUFFIXES = tuple(golden.domain()["resource_code_suffixes"])
SYNTAX = golden.domain()["value_syntax"]


def collect(strategy: st.SearchStrategy[Any], count: int = 30) -> list[Any]:
    """``count`` derandomised examples of ``strategy`` (for properties of a whole run)."""
    found: list[Any] = []

    @settings(settings.get_profile("ci"), max_examples=count, phases=[Phase.generate])
    @given(strategy)
    def draw(example: Any) -> None:
        found.append(example)

    draw()
    return found


# ------------------------------------------------------------------ botocore's own forms

# API member names where the wire name differs (the EC2 protocol writes list members by
# their locationName/queryName).
_API_NAME = {
    "DiskImage": "DiskImages",
    "GroupName": "GroupNames",
    "GroupId": "GroupIds",
}


def _template_of(name: str) -> str:
    return re.sub(r"\.[1-9][0-9]*(?=\.|$)", ".{N}", name)


def api_params_of(params: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The botocore-style API dict behind wire pairs in botocore's form (the inverse of
    ``to_wire_params``, written from golden/model.json's templates and types): members in
    the order they first appear, list entries in index order."""
    api: dict[str, Any] = {}
    for name, value in params:
        if name in ("Action", "Version"):
            continue
        kind = TEMPLATES[_template_of(name)]
        typed: Any = value
        if kind == "boolean":
            assert value in ("true", "false"), name
            typed = value == "true"
        elif kind in ("integer", "long"):
            typed = int(value)
        node: Any = api
        parts = name.split(".")
        i = 0
        while i < len(parts):
            part = parts[i]
            last = i == len(parts) - 1
            if i + 1 < len(parts) and parts[i + 1].isdigit():  # a list and its index
                entries = node.setdefault(_API_NAME[part], [])
                index = int(parts[i + 1])
                assert index == len(entries) or index == len(entries) + 1, name
                if i + 1 == len(parts) - 1:
                    entries.append(typed)
                    break
                if index == len(entries) + 1:
                    entries.append({})
                node = entries[index - 1]
                i += 2
                continue
            if last:
                node[part] = typed
            else:
                node = node.setdefault(part, {})
            i += 1
    return api


def botocore_body(api: dict[str, Any]) -> bytes:
    """What botocore 1.44.8 sends for ``api``: validation, the EC2 serializer, then
    ``AWSRequest.prepare()``."""
    validate_parameters(api, OPERATION.input_shape)  # raises ParamValidationError
    serialized = create_serializer("ec2").serialize_to_request(api, OPERATION)
    request = AWSRequest(
        method=serialized["method"],
        url="https://ec2.us-east-1.amazonaws.com/",
        data=serialized["body"],
        headers=serialized["headers"],
    )
    body = request.prepare().body
    return body.encode("utf-8") if isinstance(body, str) else body


@CI
@given(api=botocore_parameter_sets(availability_zones=AZ))
def test_botocore_parameter_sets_pass_validation_and_encode_like_botocore(api):
    assert encode_form(to_wire_params(api)) == botocore_body(api)


@CI
@given(spec=import_instance_requests(availability_zones=AZ, botocore_forms_only=True))
def test_botocore_forms_are_exactly_what_botocore_sends(spec):
    api = api_params_of(spec.params)
    assert to_wire_params(api) == spec.params
    assert encode_form(spec.params) == botocore_body(api)


# ------------------------------------------------------------------ the oracle agrees


def _resource_outcomes_only(expectation) -> bool:
    return all(
        o == SUCCESS or (o.code or "").endswith(RESOURCE_SUFFIXES) for o in expectation.acceptable
    )


@CI
@given(spec=import_instance_requests(availability_zones=AZ, name_resources=False))
def test_valid_requests_without_resources_expect_200_only(spec):
    for strict in (False, True):
        expectation = expect(spec, strict=strict, availability_zones=AZ)
        assert expectation.valid, expectation.describe()
        assert not expectation.faults
        assert expectation.acceptable == (SUCCESS,), expectation.describe()


@CI
@given(spec=import_instance_requests(availability_zones=AZ))
def test_valid_requests_expect_200_or_a_missing_resource(spec):
    expectation = expect(spec, strict=True, availability_zones=AZ)
    assert expectation.valid and not expectation.faults, expectation.describe()
    assert SUCCESS in expectation.acceptable
    assert _resource_outcomes_only(expectation), expectation.describe()
    if not expectation.resources:
        assert expectation.acceptable == (SUCCESS,)


@CI
@given(spec=import_instance_requests(availability_zones=AZ))
def test_valid_requests_stay_inside_the_valid_domain(spec):
    # Checked here from the contract's bullets, not only through the oracle.
    assert spec.get("DryRun") in (None, "false")
    assert spec.signing is Signing.HEADER and spec.identity is Identity.PERMITTED
    disks = {n.split(".")[1] for n in spec.names() if n.startswith("DiskImage.")}
    assert len(disks) == 1
    (disk,) = disks
    size = int(spec.get(f"DiskImage.{disk}.Volume.Size"))
    count = int(spec.get(f"DiskImage.{disk}.Image.Bytes"))
    assert 1 <= size <= MAX_VOLUME_GIB and 1 <= count <= size * GIB
    for excluded in ("HostId", "Affinity", "HostResourceGroupArn", "SpreadDomain"):
        assert spec.get(f"LaunchSpecification.Placement.{excluded}") is None
    assert spec.get("LaunchSpecification.Placement.AvailabilityZoneId") is None
    assert spec.get("LaunchSpecification.Placement.Tenancy") in (None, "default", "dedicated")
    assert spec.get("LaunchSpecification.Placement.AvailabilityZone") in (None, "", *AZ)
    groups = [spec.get(f"LaunchSpecification.Placement.Group{k}") for k in ("Name", "Id")]
    assert None in groups
    if spec.get("LaunchSpecification.Placement.PartitionNumber") is not None:
        assert groups != [None, None]
        assert int(spec.get("LaunchSpecification.Placement.PartitionNumber")) >= 0
    if spec.get("LaunchSpecification.PrivateIpAddress") is not None:
        assert spec.get("LaunchSpecification.SubnetId") is not None
    for kind in ("GroupName", "GroupId"):
        entries = [n for n in spec.names() if n.startswith(f"LaunchSpecification.{kind}.")]
        assert len(entries) <= 10
    limit = 8192 - 512 if spec.method == "GET" else 64 * 1024
    encoded = encode_query(spec.params) if spec.method == "GET" else encode_form(spec.params)
    assert len(encoded) <= limit


@CI
@given(pair=image_sizes())
def test_image_sizes_fit_their_volume(pair):
    count, size = pair
    assert 1 <= count <= size * GIB and 1 <= size <= MAX_VOLUME_GIB


@CI
@given(url=manifest_urls(), data=user_data())
def test_urls_and_user_data_follow_the_value_syntax(url, data):
    assert re.fullmatch(SYNTAX["url"], url) and len(url) <= 255
    assert re.fullmatch(SYNTAX["base64"], data) and len(data) <= 4096


def reachable(strategy: st.SearchStrategy[Any], condition: Any, tries: int = 1500) -> Any:
    """An example of ``strategy`` that satisfies ``condition`` (derandomised search)."""
    return find(
        strategy,
        condition,
        settings=settings(settings.get_profile("ci"), max_examples=tries, phases=[Phase.generate]),
    )


def _values(spec: RequestSpec, *suffixes: str) -> list[str]:
    return [v for n, v in spec.params if n.endswith(suffixes)]


def _entries(spec: RequestSpec, kind: str) -> list[int]:
    return [int(n.rsplit(".", 1)[1]) for n in spec.names() if f".{kind}." in n]


def _non_contiguous(indexes: list[int]) -> bool:
    return len(indexes) >= 2 and sorted(indexes) != list(range(1, len(indexes) + 1))


_EXCLUDED = {
    f"LaunchSpecification.Placement.{m}"
    for m in ("HostId", "Affinity", "HostResourceGroupArn", "SpreadDomain", "AvailabilityZoneId")
}

# What the valid strategy can produce: each form the contract allows, each member of the
# domain, the ends of the ranges (found by search, so that a rare one is still checked).
REACHABLE: dict[str, Any] = {
    "disk image at another index": lambda s: any(
        n.startswith("DiskImage.") and not n.startswith("DiskImage.1.") for n in s.names()
    ),
    "disk image at a large index": lambda s: any(
        n.startswith("DiskImage.") and int(n.split(".")[1]) > 10**6 for n in s.names()
    ),
    "non-contiguous GroupName.N": lambda s: _non_contiguous(_entries(s, "GroupName")),
    "non-contiguous GroupId.N": lambda s: _non_contiguous(_entries(s, "GroupId")),
    "ten GroupName.N": lambda s: len(_entries(s, "GroupName")) == 10,
    "integer with leading zeros": lambda s: any(
        re.fullmatch("0+[1-9][0-9]*", v)
        for v in _values(s, "Image.Bytes", "Volume.Size", "PartitionNumber")
    ),
    "shuffled parameters": lambda s: s.params[0][0] not in ("Action", "Version"),
    "GET": lambda s: s.method == "GET",
    "DryRun=false": lambda s: s.get("DryRun") == "false",
    "Bytes around 2^31": lambda s: any(
        2**31 - 64 <= int(v) <= 2**31 + 64 for v in _values(s, "Image.Bytes")
    ),
    "Bytes around 2^32": lambda s: any(
        2**32 - 64 <= int(v) <= 2**32 + 64 for v in _values(s, "Image.Bytes")
    ),
    "Bytes over 2^40": lambda s: any(int(v) > 2**40 for v in _values(s, "Image.Bytes")),
    "Volume.Size 16384": lambda s: any(int(v) == 16384 for v in _values(s, "Volume.Size")),
    "Description with markup": lambda s: any(
        "<" in v or "&" in v or '"' in v for v in _values(s, "Description")
    ),
    "Description with CR": lambda s: any("\r" in v for v in _values(s, "Description")),
    "Description outside the BMP": lambda s: any(
        any(ord(c) > 0xFFFF for c in v) for v in _values(s, "Description")
    ),
    "Description of 1000 code points": lambda s: any(
        len(v) >= 997 for v in _values(s, "Description")
    ),
    "empty Placement.AvailabilityZone": lambda s: (
        s.get("LaunchSpecification.Placement.AvailabilityZone") == ""
    ),
    **{
        f"member {template}": (lambda s, t=template: any(_template_of(n) == t for n in s.names()))
        for template in sorted(set(TEMPLATES) - _EXCLUDED)
    },
}


@pytest.mark.parametrize("what", sorted(REACHABLE))
def test_the_valid_strategy_reaches(what):
    reachable(import_instance_requests(availability_zones=AZ), REACHABLE[what])


def test_valid_requests_shrink_to_a_small_request():
    smallest = find(import_instance_requests(availability_zones=AZ), lambda spec: True)
    assert smallest.method == "POST"
    assert [n for n in smallest.names() if n not in ("Action", "Version")] == [
        "DiskImage.1.Image.Format",
        "DiskImage.1.Image.Bytes",
        "DiskImage.1.Image.ImportManifestUrl",
        "DiskImage.1.Volume.Size",
        "Platform",
    ]
    assert len(encode_form(smallest.params)) < 400


# ------------------------------------------------------------------ the valid rows


@pytest.mark.parametrize("requirement", sorted(VALID_ROWS))
def test_valid_rows_are_valid_and_exercise_their_row(requirement):
    @CI
    @given(case=VALID_ROWS[requirement](availability_zones=AZ))
    def check(case: Case) -> None:
        assert case.requirement == requirement and case.faults == ()
        expectation = case.expectation(strict=True, availability_zones=AZ)
        assert expectation.valid and not expectation.faults, expectation.describe()
        assert SUCCESS in expectation.acceptable and _resource_outcomes_only(expectation)
        if requirement == "PARAM-DESCRIPTION-ECHO" and case.spec.get("Description") is None:
            return  # see test_description_echo_covers_an_absent_description
        assert requirement in expectation.exercises, expectation.exercises

    check()


def test_description_echo_covers_an_absent_description():
    case = Case(sample(), "PARAM-DESCRIPTION-ECHO")
    expectation = case.expectation(strict=False, availability_zones=AZ)
    assert "PARAM-DESCRIPTION-ECHO" in expectation.exercises


def test_every_row_of_a_valid_request_has_a_strategy():
    rows = golden.requirements()
    expected = {r for r, row in rows.items() if row.stage == 7 and row.judges == "outcome"}
    assert expected == set(VALID_ROWS)


def test_a_post_body_under_64_kib_is_inside_the_contract():
    fat = "\U0001f600"
    params = [
        *sample().params,
        ("Description", " " * 500 + fat * 500),
        ("DiskImage.1.Description", " " * 500 + fat * 500),
        ("LaunchSpecification.UserData.Data", "////" * 1024),
    ]
    for i in range(1, 11):
        params.append((f"LaunchSpecification.GroupName.{i}", " " * 100 + fat * 155))
        params.append((f"LaunchSpecification.GroupId.{i}", " " * 155 + fat * 100))
    spec = RequestSpec(params=tuple(params))
    assert len(encode_form(spec.params)) <= 64 * 1024
    expectation = expect(spec, strict=False, availability_zones=AZ)
    assert not expectation.outside_contract, expectation.outside_reasons


def test_valid_rows_vary():
    for requirement, make in VALID_ROWS.items():
        cases = collect(make(availability_zones=AZ), 30)
        assert len({c.spec for c in cases}) >= 10, requirement


# ------------------------------------------------------------------ the reference agrees


@pytest.fixture(scope="module")
def client(reference_client: Client) -> Client:
    return reference_client


def outcome(client: Client, spec: RequestSpec) -> tuple[int | None, str | None]:
    exchange = client.send(spec)
    assert exchange.status is not None, exchange.describe()
    code = None if exchange.status == 200 else error_code(parse_untrusted(exchange.response_body))
    return exchange.status, code


@CI
@given(case=valid_cases(availability_zones=AZ))
def test_the_reference_accepts_every_valid_request(client, case):
    # 200; a request naming a resource may also get the contract's NotFound answer.
    assert case.requirement == FUZZ_ORACLE
    expectation = case.expectation(strict=True, availability_zones=AZ)
    status, code = outcome(client, case.spec)
    assert expectation.accepts(status, code), f"{status} {code}\n{case.describe()}"
    if not expectation.resources:
        assert (status, code) == (200, None), case.describe()


@pytest.mark.parametrize("requirement", sorted(VALID_ROWS))
def test_the_reference_accepts_every_valid_row(client, requirement):
    @FEW
    @given(case=VALID_ROWS[requirement](availability_zones=AZ))
    def check(case: Case) -> None:
        expectation = case.expectation(strict=True, availability_zones=AZ)
        status, code = outcome(client, case.spec)
        assert expectation.accepts(status, code), f"{status} {code}\n{case.describe()}"
        if not expectation.resources:
            assert (status, code) == (200, None), case.describe()

    check()
