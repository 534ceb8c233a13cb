"""Self-tests of the golden comparison (golden.compare_success) and the catalogue's status
checks (golden.status_findings)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from lxml import etree

from ec2conformance import golden
from ec2conformance.model import RequestSpec, sample
from ec2conformance.xmlsafe import UnsafeOrMalformedXML

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
#: The suite's clock for the golden sample (its expirationTime is 2010-12-22T12:01Z).
THEN = datetime(2010, 12, 22, 12, 0, tzinfo=UTC)
ZONE = "us-east-1a"
ITEM = "ImportInstanceResponse/conversionTask/importInstance/volumes/item"
TASK = "ImportInstanceResponse/conversionTask"


def _tree() -> etree._Element:
    return etree.fromstring(golden.golden_response())


def _find(root: etree._Element, path: str) -> etree._Element:
    """The element at a local-name path below the root (``conversionTask/...``)."""
    node = root
    for name in path.split("/"):
        node = next(c for c in node if etree.QName(c).localname == name)
    return node


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS}}}{name}")
    el.text = text
    return el


def _mutated(change: Callable[[etree._Element], None]) -> bytes:
    root = _tree()
    change(root)
    return etree.tostring(root)


def _compare(
    body: bytes, spec: RequestSpec | None = None, *, strict: bool = False
) -> list[golden.Difference]:
    return golden.compare_success(
        body, spec or sample(), availability_zone=ZONE, now=THEN, strict=strict
    )


def _kinds(diffs: list[golden.Difference]) -> set[tuple[str, str, str]]:
    return {(d.kind, d.requirement, d.path) for d in diffs}


def test_golden_against_the_sample_has_no_differences():
    assert _compare(golden.golden_response()) == []


def test_golden_reformatted_has_no_differences():
    root = _tree()
    for el in root.iter():
        if len(el):
            el.text = None
        el.tail = None
    assert _compare(etree.tostring(root, xml_declaration=True, encoding="UTF-8")) == []


def _set(path: str, text: str | None) -> Callable[[etree._Element], None]:
    def change(root):
        _find(root, path).text = text

    return change


def _remove(path: str) -> Callable[[etree._Element], None]:
    def change(root):
        el = _find(root, path)
        el.getparent().remove(el)

    return change


def _add(path: str, name: str, text: str | None = None) -> Callable[[etree._Element], None]:
    def change(root):
        _sub(_find(root, path) if path else root, name, text)

    return change


def _swap(path: str, first: str, second: str) -> Callable[[etree._Element], None]:
    def change(root):
        parent = _find(root, path)
        a, b = _find(parent, first), _find(parent, second)
        ia, ib = parent.index(a), parent.index(b)
        parent.remove(a)
        parent.insert(ib, a)
        parent.remove(b)
        parent.insert(ia, b)

    return change


def _second_item(root):
    volumes = _find(root, "conversionTask/importInstance/volumes")
    volumes.append(etree.fromstring(etree.tostring(volumes[0])))


def _tag_set(root):
    tags = _sub(_find(root, "conversionTask"), "tagSet")
    item = _sub(tags, "item")
    _sub(item, "key", "k")
    _sub(item, "value", "v")


def _tag_set_bad(root):
    tags = _sub(_find(root, "conversionTask"), "tagSet")
    _sub(_sub(tags, "item"), "colour", "red")


def _all_allowed_extras(root):
    _add("", "requestId", "59dbff89-35bd-4eac-99ed-be587EXAMPLE")(root)
    _add("conversionTask", "state", "active")(root)
    _add("conversionTask", "statusMessage", "")(root)
    _add("conversionTask/importInstance", "platform", "Windows")(root)
    _add("conversionTask/importInstance/volumes/item", "availabilityZoneId", "use1-az1")(root)
    _add("conversionTask/importInstance/volumes/item/image", "checksum", "abc")(root)
    _tag_set(root)


def _pad_manifest_url(root):
    url = _find(root, "conversionTask/importInstance/volumes/item/image/importManifestUrl")
    url.text = f"\n  {url.text}\n"


def _no_namespace(root):
    for el in root.iter():
        el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(root)


def _other_namespace(root):
    for el in root.iter():
        el.tag = f"{{urn:elsewhere}}{etree.QName(el).localname}"


def _comment_and_attributes(root):
    _find(root, "conversionTask").set("x", "1")
    _find(root, "conversionTask").insert(0, etree.Comment("hello"))


def _leaf_with_child(root):
    _sub(_find(root, "conversionTask/importInstance/instanceId"), "junk")


WITH_AZ = sample().plus(("LaunchSpecification.Placement.AvailabilityZone", "us-west-2b"))
WITH_EMPTY_AZ = sample().plus(("LaunchSpecification.Placement.AvailabilityZone", ""))
WITH_DESCRIPTION = sample().plus(("Description", "a <b> & \"c\" 'd'\r\n😀"))
WITH_DISK_DESCRIPTION = sample().plus(("DiskImage.1.Description", "disk one"))
AS_RAW = sample().with_params(DiskImage__1__Image__Format="RAW")
LEADING_ZEROS = sample().with_params(
    DiskImage__1__Volume__Size="0012", DiskImage__1__Image__Bytes="001179593728"
)
SECOND_INDEX = RequestSpec.of(
    [(k.replace("DiskImage.1.", "DiskImage.7."), v) for k, v in sample().params[2:]]
)

# (change, spec, expected (kind, requirement, path) set); None spec: the sample.
MUTATIONS = {
    "missing-instance-id": (
        _remove("conversionTask/importInstance/instanceId"),
        None,
        {
            ("missing", "RESP-GOLDEN", f"{TASK}/importInstance/instanceId"),
            ("missing", "RESP-INSTANCE", f"{TASK}/importInstance/instanceId"),
        },
    ),
    "missing-status-message": (
        # Empty in the golden: absent is the second alternative (contract version 3).
        _remove("conversionTask/importInstance/volumes/item/statusMessage"),
        None,
        set(),
    ),
    "missing-empty-disk-description": (
        _remove("conversionTask/importInstance/volumes/item/description"),
        None,
        set(),
    ),
    "missing-disk-description-that-was-sent": (
        _remove("conversionTask/importInstance/volumes/item/description"),
        WITH_DISK_DESCRIPTION,
        {
            ("missing", "RESP-GOLDEN", f"{ITEM}/description"),
            ("missing", "RESP-VOLUME-ECHO", f"{ITEM}/description"),
        },
    ),
    "missing-every-empty-element": (
        lambda root: [
            f(root)
            for f in (
                _remove("conversionTask/importInstance/volumes/item/statusMessage"),
                _remove("conversionTask/importInstance/volumes/item/description"),
                _remove("conversionTask/importInstance/description"),
            )
        ],
        None,
        set(),
    ),
    "missing-container": (
        _remove("conversionTask/importInstance/volumes/item/volume"),
        None,
        {
            ("missing", "RESP-GOLDEN", f"{ITEM}/volume"),
            ("missing", "RESP-VOLUME-ECHO", f"{ITEM}/volume/size"),
        },
    ),
    "missing-item": (
        _remove("conversionTask/importInstance/volumes/item"),
        None,
        None,  # judged in its own test below
    ),
    "extra-unknown-element": (
        _add("conversionTask/importInstance/volumes/item", "colour", "red"),
        None,
        {("not-in-model", "RESP-GOLDEN", f"{ITEM}/colour")},
    ),
    "extra-unknown-top-level": (
        _add("", "ResponseMetadata"),
        None,
        {("not-in-model", "RESP-GOLDEN", "ImportInstanceResponse/ResponseMetadata")},
    ),
    "import-volume-is-in-the-model": (_add("conversionTask", "importVolume"), None, set()),
    "unknown-inside-allowed-extra": (
        _tag_set_bad,
        None,
        {("not-in-model", "RESP-GOLDEN", f"{TASK}/tagSet/item/colour")},
    ),
    "second-singleton": (
        _add("conversionTask", "conversionTaskId", "import-i-abcdefgh"),
        None,
        {("not-in-model", "RESP-GOLDEN", f"{TASK}/conversionTaskId")},
    ),
    "leaf-with-a-child": (
        _leaf_with_child,
        None,
        {("not-in-model", "RESP-GOLDEN", f"{TASK}/importInstance/instanceId/junk")},
    ),
    "allowed-extras": (_all_allowed_extras, None, set()),
    "swapped-order": (
        _swap("conversionTask/importInstance", "instanceId", "description"),
        None,
        {("order-only", "RESP-GOLDEN-ORDER", f"{TASK}/importInstance")},
    ),
    "swapped-leaves": (
        _swap("conversionTask/importInstance/volumes/item/volume", "size", "id"),
        None,
        {("order-only", "RESP-GOLDEN-ORDER", f"{ITEM}/volume")},
    ),
    "extras-anywhere-are-not-order": (
        lambda root: _find(root, "conversionTask").insert(0, etree.Element(f"{{{NS}}}state")),
        None,
        {("value", "RESP-STATE", f"{TASK}/state")},
    ),
    "wrong-format-echo": (
        lambda root: None,
        AS_RAW,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/image/format")},
    ),
    "wrong-size-echo": (
        _set("conversionTask/importInstance/volumes/item/volume/size", "13"),
        None,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/volume/size")},
    ),
    "wrong-bytes-echo": (
        _set("conversionTask/importInstance/volumes/item/image/size", "1179593729"),
        None,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/image/size")},
    ),
    "integer-0012-equals-12": (
        _set("conversionTask/importInstance/volumes/item/volume/size", "0012"),
        None,
        set(),
    ),
    "request-0012-equals-12": (lambda root: None, LEADING_ZEROS, set()),
    "integer-with-spaces": (
        _set("conversionTask/importInstance/volumes/item/volume/size", " 12\n"),
        None,
        set(),
    ),
    "integer-not-a-number": (
        _set("conversionTask/importInstance/volumes/item/volume/size", "12.0"),
        None,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/volume/size")},
    ),
    "manifest-url-with-white-space": (
        _pad_manifest_url,
        None,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/image/importManifestUrl")},
    ),
    "bytes-converted-not-zero": (
        _set("conversionTask/importInstance/volumes/item/bytesConverted", "5"),
        None,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/bytesConverted")},
    ),
    "bytes-converted-000": (
        _set("conversionTask/importInstance/volumes/item/bytesConverted", "000"),
        None,
        set(),
    ),
    "two-items": (
        _second_item,
        None,
        {("value", "RESP-VOLUME-ECHO", ITEM)},
    ),
    "empty-zone": (
        _set("conversionTask/importInstance/volumes/item/availabilityZone", " "),
        None,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/availabilityZone")},
    ),
    "another-zone-when-none-asked": (
        _set("conversionTask/importInstance/volumes/item/availabilityZone", "eu-west-1c"),
        None,
        set(),
    ),
    "zone-not-echoed": (
        lambda root: None,
        WITH_AZ,
        {("value", "RESP-AZ-ECHO", f"{ITEM}/availabilityZone")},
    ),
    "zone-echoed": (
        _set("conversionTask/importInstance/volumes/item/availabilityZone", "us-west-2b"),
        WITH_AZ,
        set(),
    ),
    "empty-zone-counts-as-absent": (lambda root: None, WITH_EMPTY_AZ, set()),
    "description-not-echoed": (
        lambda root: None,
        WITH_DESCRIPTION,
        {("value", "PARAM-DESCRIPTION-ECHO", f"{TASK}/importInstance/description")},
    ),
    "description-echoed": (
        _set("conversionTask/importInstance/description", "a <b> & \"c\" 'd'\r\n😀"),
        WITH_DESCRIPTION,
        set(),
    ),
    "description-where-none-was-sent": (
        _set("conversionTask/importInstance/description", "something"),
        None,
        {("value", "PARAM-DESCRIPTION-ECHO", f"{TASK}/importInstance/description")},
    ),
    "description-missing": (
        _remove("conversionTask/importInstance/description"),
        None,
        set(),
    ),
    "description-that-was-sent-missing": (
        _remove("conversionTask/importInstance/description"),
        WITH_DESCRIPTION,
        {
            ("missing", "RESP-GOLDEN", f"{TASK}/importInstance/description"),
            ("missing", "PARAM-DESCRIPTION-ECHO", f"{TASK}/importInstance/description"),
        },
    ),
    "disk-description-not-echoed": (
        lambda root: None,
        WITH_DISK_DESCRIPTION,
        {("value", "RESP-VOLUME-ECHO", f"{ITEM}/description")},
    ),
    "disk-description-echoed": (
        _set("conversionTask/importInstance/volumes/item/description", "disk one"),
        WITH_DISK_DESCRIPTION,
        set(),
    ),
    "any-disk-index": (lambda root: None, SECOND_INDEX, set()),
    "wrong-task-id-pattern": (
        _set("conversionTask/conversionTaskId", "import-i-FFVKO9JS"),
        None,
        {("value", "RESP-TASK-ID", f"{TASK}/conversionTaskId")},
    ),
    "task-id-too-short": (
        _set("conversionTask/conversionTaskId", "import-i-1234567"),
        None,
        {("value", "RESP-TASK-ID", f"{TASK}/conversionTaskId")},
    ),
    "task-id-with-newline": (
        _set("conversionTask/conversionTaskId", "import-i-ffvko9js\n"),
        None,
        {("value", "RESP-TASK-ID", f"{TASK}/conversionTaskId")},
    ),
    "wrong-instance-id": (
        _set("conversionTask/importInstance/instanceId", "i-123"),
        None,
        {("value", "RESP-INSTANCE", f"{TASK}/importInstance/instanceId")},
    ),
    "short-instance-id": (
        _set("conversionTask/importInstance/instanceId", "i-12345678"),
        None,
        set(),
    ),
    "wrong-volume-id": (
        _set("conversionTask/importInstance/volumes/item/volume/id", "vol-XYZ"),
        None,
        {("value", "RESP-GOLDEN", f"{ITEM}/volume/id")},
    ),
    "empty-expiration": (
        _set("conversionTask/expirationTime", "  "),
        None,
        {
            ("value", "RESP-EXPIRATION", f"{TASK}/expirationTime"),
            ("value", "RESP-EXPIRATION-ISO", f"{TASK}/expirationTime"),
        },
    ),
    "expiration-not-iso": (
        _set("conversionTask/expirationTime", "Wed Dec 22 12:01:00 UTC 2010"),
        None,
        {("value", "RESP-EXPIRATION-ISO", f"{TASK}/expirationTime")},
    ),
    "expiration-with-fraction": (
        _set("conversionTask/expirationTime", "2010-12-22T12:01:00.123456789Z"),
        None,
        set(),
    ),
    "expiration-stale": (
        _set("conversionTask/expirationTime", "2010-12-22T11:54Z"),
        None,
        {("value", "RESP-EXPIRATION-ISO", f"{TASK}/expirationTime")},
    ),
    "expiration-within-five-minutes": (
        _set("conversionTask/expirationTime", "2010-12-22T11:56Z"),
        None,
        set(),
    ),
    "status-not-active": (
        _set("conversionTask/importInstance/volumes/item/status", "completed"),
        None,
        {("value", "RESP-STATE", f"{ITEM}/status")},
    ),
    "state-not-active": (
        _add("conversionTask", "state", "cancelled"),
        None,
        {("value", "RESP-STATE", f"{TASK}/state")},
    ),
    "platform-not-windows": (
        _add("conversionTask/importInstance", "platform", "Linux"),
        None,
        {("value", "RESP-STATE", f"{TASK}/importInstance/platform")},
    ),
    "status-message-not-empty": (
        _set("conversionTask/importInstance/volumes/item/statusMessage", "Pending"),
        None,
        {("value", "RESP-GOLDEN", f"{ITEM}/statusMessage")},
    ),
    "no-namespace": (_no_namespace, None, set()),
    "other-namespace": (_other_namespace, None, set()),
    "comments-and-attributes": (_comment_and_attributes, None, set()),
}


@pytest.mark.parametrize(
    ("change", "spec", "expected"),
    [pytest.param(*v, id=k) for k, v in MUTATIONS.items() if v[2] is not None],
)
def test_mutation(change, spec, expected):
    diffs = _compare(_mutated(change), spec)
    assert _kinds(diffs) == expected, golden.render_differences(diffs)


#: Under --strict-conformance an empty element of the golden takes its first alternative:
#: present and empty.
STRICT_MISSING = {
    "missing-status-message": {("missing", "RESP-GOLDEN", f"{ITEM}/statusMessage")},
    "missing-empty-disk-description": {
        ("missing", "RESP-GOLDEN", f"{ITEM}/description"),
        ("missing", "RESP-VOLUME-ECHO", f"{ITEM}/description"),
    },
    "description-missing": {
        ("missing", "RESP-GOLDEN", f"{TASK}/importInstance/description"),
        ("missing", "PARAM-DESCRIPTION-ECHO", f"{TASK}/importInstance/description"),
    },
}


@pytest.mark.parametrize("change", list(STRICT_MISSING))
def test_strict_wants_empty_elements_present(change):
    mutate, spec, _ = MUTATIONS[change]
    diffs = _compare(_mutated(mutate), spec, strict=True)
    assert _kinds(diffs) == STRICT_MISSING[change], golden.render_differences(diffs)


def test_strict_changes_nothing_for_the_golden_itself():
    assert _compare(golden.golden_response(), strict=True) == []


def test_missing_item_reports_count_and_golden():
    diffs = _compare(_mutated(MUTATIONS["missing-item"][0]))
    kinds = _kinds(diffs)
    assert ("missing", "RESP-GOLDEN", ITEM) in kinds
    assert ("value", "RESP-VOLUME-ECHO", ITEM) in kinds
    # The missing container is reported once for RESP-GOLDEN, not element by element.
    assert [d for d in diffs if d.requirement == "RESP-GOLDEN"] == [
        d for d in diffs if d.requirement == "RESP-GOLDEN" and d.path == ITEM
    ]


def test_wrong_root():
    body = b"<DescribeInstancesResponse><requestId>x</requestId></DescribeInstancesResponse>"
    diffs = _compare(body)
    assert ("missing", "RESP-GOLDEN", "ImportInstanceResponse") in _kinds(diffs)


def test_malformed_body_raises():
    with pytest.raises(UnsafeOrMalformedXML):
        _compare(b"<ImportInstanceResponse>")


def test_spec_without_disk_image_is_refused():
    with pytest.raises(ValueError):
        _compare(golden.golden_response(), sample().without(*[n for n, _ in sample().params[4:8]]))


def test_current_clock_makes_the_golden_stale():
    diffs = golden.compare_success(golden.golden_response(), sample(), availability_zone=ZONE)
    assert _kinds(diffs) == {("value", "RESP-EXPIRATION-ISO", f"{TASK}/expirationTime")}


def test_differences_carry_only_compared_requirements():
    diffs = []
    for change, spec, _ in MUTATIONS.values():
        diffs.extend(_compare(_mutated(change), spec))
    assert {d.requirement for d in diffs} <= golden.COMPARE_REQUIREMENTS
    assert {d.kind for d in diffs} == {"missing", "not-in-model", "order-only", "value"}


def test_differences_render_readably():
    diffs = _compare(_mutated(MUTATIONS["swapped-order"][0]))
    text = golden.render_differences(diffs)
    assert "RESP-GOLDEN-ORDER [order-only]" in text
    assert "volumes, instanceId, description" in text
    assert golden.render_differences([]) == "no differences from the golden response"


# ----------------------------------------------------------------------- status findings


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        pytest.param("DryRunOperation", 412, [], id="wire-exact"),
        pytest.param("DryRunOperation", 400, ["ERR-STATUS-MATCHES"], id="wire-other-4xx"),
        pytest.param("UnauthorizedOperation", 403, [], id="wire-403"),
        pytest.param("AuthFailure", 403, ["ERR-STATUS-MATCHES"], id="wire-401-got-403"),
        pytest.param("InternalError", 500, [], id="wire-server"),
        pytest.param("RequestLimitExceeded", 500, ["ERR-STATUS-MATCHES"], id="wire-503"),
        pytest.param("MissingAction", 400, [], id="generic-exact"),
        pytest.param(
            "MalformedQueryString", 400, ["ERR-STATUS-DOCUMENTED"], id="generic-other-4xx"
        ),
        pytest.param(
            "MalformedQueryString",
            500,
            ["ERR-STATUS-MATCHES", "ERR-STATUS-DOCUMENTED"],
            id="generic-5xx",
        ),
        pytest.param("InvalidParameter", 422, ["ERR-STATUS-DOCUMENTED"], id="emulator-other"),
        pytest.param("InvalidFormat", 400, [], id="none-4xx"),
        pytest.param("InvalidFormat", 409, [], id="none-any-4xx"),
        pytest.param("InvalidFormat", 500, ["ERR-STATUS-MATCHES"], id="none-client-5xx"),
        pytest.param("Unavailable", 503, [], id="none-server-5xx"),
        pytest.param("Unavailable", 400, ["ERR-STATUS-MATCHES"], id="none-server-4xx"),
        pytest.param("InternalFailure", 503, ["ERR-STATUS-DOCUMENTED"], id="generic-server"),
        pytest.param("AccessDenied", 403, ["ERR-CODE-KNOWN"], id="unknown-code"),
        pytest.param("Client.AuthFailure", 401, ["ERR-CODE-KNOWN"], id="prefixed-code"),
        pytest.param("authfailure", 401, ["ERR-CODE-KNOWN"], id="case-sensitive"),
        pytest.param(None, 400, [], id="no-code"),
    ],
)
def test_status_findings(code, status, expected):
    findings = golden.status_findings(code, status)
    assert [rid for rid, _ in findings] == expected
    assert all(message for _, message in findings)


def test_an_answer_with_a_20000_digit_size_is_a_wrong_echo_not_a_crash():
    from ec2conformance.model import sample

    body = golden.golden_response().replace(
        b"<size>1179593728</size>", b"<size>" + b"9" * 20_000 + b"</size>", 1
    )
    diffs = golden.compare_success(body, sample(), availability_zone="us-east-1a")
    assert "RESP-VOLUME-ECHO" in {d.requirement for d in diffs}
