"""Faults of the response group: the ImportInstance success answer."""

from __future__ import annotations

from lxml import etree

from ec2conformance.model import API_VERSION, SAMPLE_MANIFEST_URL

from .behaviours import IMPORT, ITEM, TASK, Edit, answer, imported, leaf
from .call import Call
from .endpoint import Endpoint
from .layer import Behaviour, Group
from .reply import Reply, child, local, path, renamespaced, sibling_tag

GROUP = Group("response")


def _success_content_type(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
    if reply.status == 200 and reply.root_name == "ImportInstanceResponse":
        return reply.with_header("Content-Type", "application/json")
    return None


GROUP.fault(
    "success-content-type-json",
    "RESP-ENVELOPE",
    "MUST",
    "The success answer is labelled application/json.",
    answer(_success_content_type),
    selects="response",
)


def _namespace(namespace: str) -> Behaviour:
    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        root = reply.xml() if reply.status == 200 else None
        if root is None or local(root) != "ImportInstanceResponse":
            return None
        return reply.with_xml(renamespaced(root, namespace))

    return answer(change)


GROUP.fault(
    "namespace-2014",
    "RESP-NAMESPACE",
    "MUST",
    "The success answer carries the 2014-06-15 namespace.",
    _namespace("http://ec2.amazonaws.com/doc/2014-06-15/"),
    selects="response",
)

GROUP.fault(
    "namespace-without-slash",
    "RESP-NAMESPACE",
    "ALTERNATIVE",
    "The success answer's namespace lacks the trailing slash (a later alternative).",
    _namespace(f"http://ec2.amazonaws.com/doc/{API_VERSION}"),
    selects="response",
)


def _drop_empty_elements(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    """Leave out every element without text or children, as AWS's serializers leave out
    members without a value."""
    for element in list(root.iter()):
        parent = element.getparent()
        if parent is not None and len(element) == 0 and not (element.text or "").strip():
            parent.remove(element)


GROUP.fault(
    "empty-elements-absent",
    "RESP-GOLDEN",
    "ALTERNATIVE",
    "The success answer leaves out its empty elements (a later alternative).",
    imported(_drop_empty_elements),
    selects="response",
)


def _remembered(key: str) -> Edit:
    """An edit that gives every answer the first answer's ``key`` element text."""
    names = {"requestId": ("requestId",), "conversionTaskId": (*TASK, "conversionTaskId")}[key]

    def edit(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
        element = path(root, *names)
        if element is not None and element.text:
            element.text = endpoint.remember(key, element.text)

    return edit


GROUP.fault(
    "request-id-reused",
    "RESP-REQUEST-ID",
    "MUST",
    "Every success answer carries the first answer's requestId.",
    imported(_remembered("requestId")),
    selects="response",
)

GROUP.fault(
    "task-id-repeated",
    "RESP-TASK-ID",
    "MUST",
    "Every success answer carries the first task's conversionTaskId.",
    imported(_remembered("conversionTaskId")),
    selects="response",
)


GROUP.fault(
    "task-id-upper-case",
    "RESP-TASK-ID",
    "MUST",
    "conversionTaskId is written in upper case after import-i-.",
    imported(leaf(*TASK, "conversionTaskId", change=lambda t: "import-i-" + t[9:].upper())),
    selects="response",
)

GROUP.fault(
    "expiration-empty",
    "RESP-EXPIRATION",
    "MUST",
    "expirationTime is empty.",
    imported(leaf(*TASK, "expirationTime", change=lambda t: None)),
    selects="response",
)

GROUP.fault(
    "expiration-stale",
    "RESP-EXPIRATION-ISO",
    "SHOULD",
    "expirationTime is the sample's 2010-12-22T12:01Z, long past.",
    imported(leaf(*TASK, "expirationTime", change=lambda t: "2010-12-22T12:01Z")),
    selects="response",
)

GROUP.fault(
    "format-echo-lower-case",
    "RESP-VOLUME-ECHO",
    "MUST",
    "image/format is echoed in lower case.",
    imported(leaf(*ITEM, "image", "format", change=str.lower)),
    selects="response",
)

GROUP.fault(
    "image-size-in-kib",
    "RESP-VOLUME-ECHO",
    "MUST",
    "image/size is echoed in KiB, a different integer.",
    imported(leaf(*ITEM, "image", "size", change=lambda t: str(int(t) // 1024))),
    selects="response",
)


@GROUP.fault(
    "disk-description-from-task",
    "RESP-VOLUME-ECHO",
    "MUST",
    "The volume's description echoes the task's Description, not the disk image's.",
    selects="response",
)
@imported
def _disk_description_from_task(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    item = path(root, *ITEM, "description")
    task = path(root, *IMPORT, "description")
    if item is not None and task is not None:
        item.text = task.text


@GROUP.fault(
    "zone-is-region",
    "RESP-AZ-ECHO",
    "SHOULD",
    "The volume's availabilityZone is the region, not the requested zone.",
    selects="response",
)
@imported
def _zone_is_region(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    zone = path(root, *ITEM, "availabilityZone")
    if zone is not None:
        zone.text = endpoint.app.config.region


# An endpoint that answers a constant instead of echoing the request: the constant is the
# sample's value (or the first of the field's domain), so the sample alone would not see it.

GROUP.fault(
    "format-constant",
    "RESP-VOLUME-ECHO",
    "MUST",
    "image/format is always VMDK (the sample's), whatever Image.Format says.",
    imported(leaf(*ITEM, "image", "format", change=lambda t: "VMDK")),
    selects="response",
)

GROUP.fault(
    "image-size-constant",
    "RESP-VOLUME-ECHO",
    "MUST",
    "image/size is always the sample's 1179593728, whatever Image.Bytes says.",
    imported(leaf(*ITEM, "image", "size", change=lambda t: "1179593728")),
    selects="response",
)

GROUP.fault(
    "manifest-url-constant",
    "RESP-VOLUME-ECHO",
    "MUST",
    "image/importManifestUrl is always the sample's, whatever ImportManifestUrl says.",
    imported(leaf(*ITEM, "image", "importManifestUrl", change=lambda t: SAMPLE_MANIFEST_URL)),
    selects="response",
)

GROUP.fault(
    "volume-size-constant",
    "RESP-VOLUME-ECHO",
    "MUST",
    "volume/size is always the sample's 12, whatever Volume.Size says.",
    imported(leaf(*ITEM, "volume", "size", change=lambda t: "12")),
    selects="response",
)

GROUP.fault(
    "disk-description-constant",
    "RESP-VOLUME-ECHO",
    "MUST",
    "The volume's description is always empty (the sample's), whatever DiskImage.N.Description"
    " says.",
    imported(leaf(*ITEM, "description", change=lambda t: None)),
    selects="response",
)


@GROUP.fault(
    "zone-constant",
    "RESP-AZ-ECHO",
    "SHOULD",
    "The volume's availabilityZone is always the default zone (<region>a), whatever "
    "Placement.AvailabilityZone says.",
    selects="response",
)
@imported
def _zone_constant(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    zone = path(root, *ITEM, "availabilityZone")
    if zone is not None:
        zone.text = endpoint.app.config.default_availability_zone


GROUP.fault(
    "instance-id-ten-digits",
    "RESP-INSTANCE",
    "MUST",
    "instanceId has 10 hexadecimal digits (neither 8 nor 17).",
    imported(leaf(*IMPORT, "instanceId", change=lambda t: t[:12])),
    selects="response",
)

GROUP.fault(
    "volume-status-pending",
    "RESP-STATE",
    "SHOULD",
    "The volume's status is pending, not active.",
    imported(leaf(*ITEM, "status", change=lambda t: "pending")),
    selects="response",
)


@GROUP.fault(
    "status-message-set",
    "RESP-GOLDEN",
    "MUST",
    "The item's statusMessage, empty in the golden response, says Pending (absent would be"
    " an alternative; a value is not).",
    selects="response",
)
@imported
def _status_message_set(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    element = path(root, *ITEM, "statusMessage")
    if element is not None:
        element.text = "Pending"


@GROUP.fault(
    "unknown-element",
    "RESP-GOLDEN",
    "MUST",
    "conversionTask carries a <progress> element the model does not define.",
    selects="response",
)
@imported
def _extra_element(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    task = path(root, *TASK)
    if task is not None:
        etree.SubElement(task, sibling_tag(task, "progress")).text = "0"


@GROUP.fault(
    "elements-reordered",
    "RESP-GOLDEN-ORDER",
    "SHOULD",
    "importInstance lists instanceId before volumes.",
    selects="response",
)
@imported
def _reordered(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    details = path(root, *IMPORT)
    volumes = child(details, "volumes")
    instance = child(details, "instanceId")
    if details is not None and volumes is not None and instance is not None:
        volumes.addprevious(instance)


GROUP.fault(
    "bytes-converted-decimal",
    "RESP-SDK-PARSE",
    "MUST",
    "bytesConverted is written 0.0, which botocore cannot read as an integer.",
    imported(leaf(*ITEM, "bytesConverted", change=lambda t: "0.0")),
    selects="response",
)
