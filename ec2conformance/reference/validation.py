"""Stage 4 of the order of checks: missing and malformed parameters (:class:`Validator`),
judged by the valid domain and the value syntax of ``golden/domain.json``.

For ImportInstance the checks run in this order; the contract lets any fault of the stage
win, the order only makes the answer deterministic:

1. ``DryRun`` is a boolean (PERM-DRYRUN-VALUE);
2. ``Platform`` is present (PARAM-PLATFORM-MISSING);
3. exactly one disk image (DISK-NONE: MissingParameter; DISK-MULTIPLE:
   InvalidParameterValue) with all four required fields (DISK-FIELD-MISSING);
4. every value follows its syntax, in the request's order (PARAM-PLATFORM-INVALID,
   PARAM-TEXT-INVALID, DISK-FORMAT-INVALID, DISK-BYTES-INVALID, DISK-SIZE-INVALID,
   DISK-MANIFEST-URL-INVALID, LAUNCH-ENUM-INVALID, LAUNCH-BOOLEAN-INVALID,
   LAUNCH-INTEGER-INVALID, LAUNCH-IP-INVALID, LAUNCH-USERDATA-INVALID);
5. ``Image.Bytes`` fits the volume (DISK-SIZE-TOO-SMALL), tenancy is not ``host``
   (LAUNCH-HOST-TENANCY);
6. last, the limits of the valid domain that no requirement row describes (lengths, list
   sizes, placement fields that do not apply, ...). They come last because a row applies to
   a request even when it is also beyond those limits; beyond them the contract accepts any
   answer, and the reference refuses with ``InvalidParameterValue`` or
   ``InvalidParameterCombination``, so that what it accepts is exactly the valid domain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from .catalogue import Code, EC2Error, ModelData, ParameterTemplate
from .names import Parameter
from .syntax import (
    BASE64,
    CONVERSION_TASK_ID,
    INT_RANGE,
    IPV4,
    LONG_RANGE,
    POSITIVE_LONG,
    URL,
    WHITE_SPACE,
    invalid,
    missing,
    parse_boolean,
    parse_integer,
    show,
    xml_text_problem,
)

GIB: Final = 2**30
MAX_VOLUME_GIB: Final = 16384
MAX_GROUP_ENTRIES: Final = 10

# ImportInstance parameter templates with a syntax of their own (the model says "string").
DESCRIPTION = "Description"
DISK_PREFIX = "DiskImage.{N}."
DISK_DESCRIPTION = "DiskImage.{N}.Description"
DISK_FORMAT = "DiskImage.{N}.Image.Format"
DISK_BYTES = "DiskImage.{N}.Image.Bytes"
DISK_URL = "DiskImage.{N}.Image.ImportManifestUrl"
DISK_SIZE = "DiskImage.{N}.Volume.Size"
DISK_REQUIRED = (DISK_FORMAT, DISK_BYTES, DISK_URL, DISK_SIZE)
LAUNCH = "LaunchSpecification."
AVAILABILITY_ZONE = "LaunchSpecification.Placement.AvailabilityZone"
TENANCY = "LaunchSpecification.Placement.Tenancy"
PARTITION_NUMBER = "LaunchSpecification.Placement.PartitionNumber"
PLACEMENT_GROUP_NAME = "LaunchSpecification.Placement.GroupName"
PLACEMENT_GROUP_ID = "LaunchSpecification.Placement.GroupId"
PRIVATE_IP = "LaunchSpecification.PrivateIpAddress"
SUBNET_ID = "LaunchSpecification.SubnetId"
USER_DATA = "LaunchSpecification.UserData.Data"
GROUP_LISTS = ("LaunchSpecification.GroupName.{N}", "LaunchSpecification.GroupId.{N}")
ECHOED_TEXT = frozenset({DESCRIPTION, DISK_DESCRIPTION, AVAILABILITY_ZONE})
NOT_FOR_IMPORT_INSTANCE = (
    "LaunchSpecification.Placement.HostId",
    "LaunchSpecification.Placement.Affinity",
    "LaunchSpecification.Placement.HostResourceGroupArn",
    "LaunchSpecification.Placement.SpreadDomain",
    "LaunchSpecification.Placement.AvailabilityZoneId",
)
MAX_LENGTHS: Final = {DESCRIPTION: 1000, DISK_DESCRIPTION: 1000, USER_DATA: 4096}
DEFAULT_MAX_LENGTH: Final = 255
RANGES: Final = {DISK_BYTES: POSITIVE_LONG, DISK_SIZE: POSITIVE_LONG, PARTITION_NUMBER: INT_RANGE}


@dataclass(frozen=True)
class DiskImageSpec:
    """The one disk image of an ImportInstance request, its values checked."""

    index: int
    format: str
    bytes: int
    import_manifest_url: str
    volume_size: int
    description: str | None


@dataclass(frozen=True)
class ImportInstanceRequest:
    """A valid ImportInstance request: what the handler needs of it."""

    dry_run: bool
    platform: str
    description: str | None
    disk_image: DiskImageSpec
    availability_zone: str | None  # None where absent, empty or only white space
    launch_specification: Mapping[str, str]


@dataclass(frozen=True)
class DescribeConversionTasksRequest:
    """A DescribeConversionTasks request: the ids asked for, in index order (none: all)."""

    dry_run: bool
    conversion_task_ids: tuple[str, ...]


@dataclass(frozen=True)
class CancelConversionTaskRequest:
    """A CancelConversionTask request."""

    dry_run: bool
    conversion_task_id: str
    reason_message: str | None


def _dry_run(params: Mapping[str, Parameter]) -> bool:
    parameter = params.get("DryRun")
    return False if parameter is None else parse_boolean("DryRun", parameter.value)


def _check_task_id(name: str, value: str) -> str:
    if CONVERSION_TASK_ID.fullmatch(value) is None:
        raise EC2Error(
            Code.INVALID_CONVERSION_TASK_ID_MALFORMED,
            f"The conversion task ID '{show(value)}' is malformed; "
            f"it has the form import-i-xxxxxxxx ({name}).",
        )
    return value


class Validator:
    """Stage-4 validation of the three actions, from the model's enums and the contract."""

    def __init__(self, model: ModelData) -> None:
        self._enums = model.enums
        absent = [
            *templates_named(
                model.import_instance,
                "DryRun",
                "Platform",
                DESCRIPTION,
                *DISK_REQUIRED,
                DISK_DESCRIPTION,
                AVAILABILITY_ZONE,
                TENANCY,
                PARTITION_NUMBER,
                PLACEMENT_GROUP_NAME,
                PLACEMENT_GROUP_ID,
                PRIVATE_IP,
                SUBNET_ID,
                USER_DATA,
                *GROUP_LISTS,
                *NOT_FOR_IMPORT_INSTANCE,
            ),
            *templates_named(model.describe_conversion_tasks, "DryRun", "ConversionTaskId.{N}"),
            *templates_named(model.cancel_conversion_task, "DryRun", "ConversionTaskId"),
        ]
        if absent:
            raise ValueError(f"golden/model.json lacks parameters the reference needs: {absent}")

    # ImportInstance -------------------------------------------------------------------

    def import_instance(self, params: Mapping[str, Parameter]) -> ImportInstanceRequest:
        """The request's values, or the first stage-4 fault (see the module's order)."""
        dry_run = _dry_run(params)
        if "Platform" not in params:
            raise missing("Platform")
        disk = self._disk_fields(params)
        for parameter in params.values():
            self._check_value(parameter)
        image = DiskImageSpec(
            index=disk[DISK_FORMAT].indexes[0],
            format=disk[DISK_FORMAT].value,
            bytes=int(disk[DISK_BYTES].value),
            import_manifest_url=disk[DISK_URL].value,
            volume_size=int(disk[DISK_SIZE].value),
            description=disk[DISK_DESCRIPTION].value if DISK_DESCRIPTION in disk else None,
        )
        if image.bytes > image.volume_size * GIB:
            raise invalid(
                disk[DISK_BYTES].name,
                disk[DISK_BYTES].value,
                f"The disk image does not fit a volume of {image.volume_size} GiB.",
            )
        by_key = {p.key: p for p in params.values() if p.key is not None and "{N}" not in p.key}
        tenancy = by_key.get(TENANCY)
        if tenancy is not None and tenancy.value == "host":
            raise invalid(
                tenancy.name, tenancy.value, "Host tenancy is not supported for ImportInstance."
            )
        self._check_domain(params, by_key, image)
        zone = by_key.get(AVAILABILITY_ZONE)
        description = by_key.get(DESCRIPTION)
        return ImportInstanceRequest(
            dry_run=dry_run,
            platform=params["Platform"].value,
            description=None if description is None else description.value,
            disk_image=image,
            availability_zone=zone.value
            if zone is not None and zone.value.strip(WHITE_SPACE)
            else None,
            launch_specification={
                p.name: p.value for p in params.values() if p.name.startswith(LAUNCH)
            },
        )

    @staticmethod
    def _disk_fields(params: Mapping[str, Parameter]) -> dict[str, Parameter]:
        """The single disk image's parameters by template (DISK-NONE, -MULTIPLE, -FIELD-MISSING)."""
        images: dict[int, dict[str, Parameter]] = {}
        for parameter in params.values():
            key = parameter.key
            if key is not None and key.startswith(DISK_PREFIX):
                images.setdefault(parameter.indexes[0], {})[key] = parameter
        if not images:
            raise missing("DiskImage.1.Image.Format")
        if len(images) > 1:
            indexes = ", ".join(str(i) for i in sorted(images))
            raise EC2Error(
                Code.INVALID_PARAMETER_VALUE,
                f"ImportInstance supports only single-volume VMs: the request has disk images "
                f"{indexes}.",
            )
        ((index, fields),) = images.items()
        for required in DISK_REQUIRED:
            if required not in fields:
                raise missing(required.replace("{N}", str(index)))
        return fields

    def _check_value(self, parameter: Parameter) -> None:
        """The value syntax of one parameter (the stage-4 rows on malformed values)."""
        template = parameter.template
        if template is None:
            return
        name, value, key = parameter.name, parameter.value, template.template
        if template.type == "boolean":
            parse_boolean(name, value)
        elif template.type in ("integer", "long"):
            default = INT_RANGE if template.type == "integer" else LONG_RANGE
            parse_integer(name, value, RANGES.get(key, default))
        elif template.enum is not None:
            allowed = self._enums[template.enum]
            if value not in allowed:
                raise invalid(name, value, f"Expected one of the {template.enum} values.")
        elif key in ECHOED_TEXT:
            problem = xml_text_problem(value)
            if problem is not None:
                raise invalid(name, value, problem)
        elif key == DISK_URL:
            if URL.fullmatch(value) is None or xml_text_problem(value) is not None:
                raise invalid(name, value, "Expected an https:// URL without white space.")
        elif key == PRIVATE_IP:
            if IPV4.fullmatch(value) is None:
                raise invalid(name, value, "Expected an IPv4 address.")
        elif key == USER_DATA and BASE64.fullmatch(value) is None:
            raise invalid(name, value, "Expected base64 (standard alphabet, '=' padding).")

    @staticmethod
    def _check_domain(
        params: Mapping[str, Parameter], by_key: Mapping[str, Parameter], image: DiskImageSpec
    ) -> None:
        """The valid domain's limits that no requirement row describes (outside the contract)."""
        for parameter in params.values():
            template = parameter.template
            if template is None or template.type != "string" or template.enum is not None:
                continue
            limit = MAX_LENGTHS.get(template.template, DEFAULT_MAX_LENGTH)
            if len(parameter.value) > limit:
                raise invalid(
                    parameter.name, parameter.value, f"At most {limit} characters are accepted."
                )
            problem = xml_text_problem(parameter.value)
            if problem is not None:
                raise invalid(parameter.name, parameter.value, problem)
        for group in GROUP_LISTS:
            entries = sum(1 for p in params.values() if p.key == group)
            if entries > MAX_GROUP_ENTRIES:
                raise EC2Error(
                    Code.INVALID_PARAMETER_VALUE,
                    f"At most {MAX_GROUP_ENTRIES} {group.replace('.{N}', '')} entries "
                    "are accepted.",
                )
        if image.volume_size > MAX_VOLUME_GIB:
            raise invalid(
                f"DiskImage.{image.index}.Volume.Size",
                str(image.volume_size),
                f"Volumes are at most {MAX_VOLUME_GIB} GiB.",
            )
        for key in NOT_FOR_IMPORT_INSTANCE:
            if key in by_key:
                raise invalid(key, by_key[key].value, "It does not apply to ImportInstance.")
        if PLACEMENT_GROUP_NAME in by_key and PLACEMENT_GROUP_ID in by_key:
            raise EC2Error(
                Code.INVALID_PARAMETER_COMBINATION,
                f"{PLACEMENT_GROUP_NAME} and {PLACEMENT_GROUP_ID} cannot be given together.",
            )
        partition = by_key.get(PARTITION_NUMBER)
        if partition is not None:
            if int(partition.value) < 0:
                raise invalid(partition.name, partition.value, "It must not be negative.")
            if PLACEMENT_GROUP_NAME not in by_key and PLACEMENT_GROUP_ID not in by_key:
                raise EC2Error(
                    Code.INVALID_PARAMETER_COMBINATION,
                    f"{PARTITION_NUMBER} needs a placement group.",
                )
        if PRIVATE_IP in by_key and SUBNET_ID not in by_key:
            raise EC2Error(Code.INVALID_PARAMETER_COMBINATION, f"{PRIVATE_IP} needs {SUBNET_ID}.")

    # DescribeConversionTasks and CancelConversionTask -------------------------------------

    def describe_conversion_tasks(
        self, params: Mapping[str, Parameter]
    ) -> DescribeConversionTasksRequest:
        """``DryRun`` and well-formed ``ConversionTaskId.N`` (LIFE-UNKNOWN-TASK: .Malformed)."""
        dry_run = _dry_run(params)
        listed = sorted(
            (p.indexes[0], p.name, p.value)
            for p in params.values()
            if p.key == "ConversionTaskId.{N}"
        )
        ids: list[str] = []
        for _, name, value in listed:
            task_id = _check_task_id(name, value)
            if task_id not in ids:
                ids.append(task_id)
        return DescribeConversionTasksRequest(dry_run=dry_run, conversion_task_ids=tuple(ids))

    def cancel_conversion_task(
        self, params: Mapping[str, Parameter]
    ) -> CancelConversionTaskRequest:
        """``DryRun``, a required well-formed ``ConversionTaskId``, optional ``ReasonMessage``."""
        dry_run = _dry_run(params)
        task = params.get("ConversionTaskId")
        if task is None:
            raise missing("ConversionTaskId")
        reason = params.get("ReasonMessage")
        return CancelConversionTaskRequest(
            dry_run=dry_run,
            conversion_task_id=_check_task_id("ConversionTaskId", task.value),
            reason_message=None if reason is None else reason.value,
        )


def templates_named(templates: Sequence[ParameterTemplate], *names: str) -> list[str]:
    """Which of ``names`` are missing from ``templates`` (a self-check of the model data)."""
    known = {t.template for t in templates}
    return [name for name in names if name not in known]
