"""botocore-style structures of a valid request: the API dict ``ImportInstance`` takes.

- :func:`disk_images`: one ``DiskImage`` (its ``Image.Bytes`` fits its ``Volume.Size``);
- :func:`placements`: a ``Placement`` (a placement group by name or by id, never both);
- :func:`launch_specifications`: a ``LaunchSpecification`` (a ``PrivateIpAddress`` only
  with a ``SubnetId``);
- :func:`botocore_parameter_sets`: the whole parameter dict, as
  ``boto3.client("ec2").import_instance(**params)`` takes it, fitted to its method
  (:func:`strategies.fitting.fit`) and flattened to wire pairs by
  :func:`ec2conformance.wire.to_wire_params`.

Every member is optional unless the contract requires it, dropped first when shrinking;
members come in the model's order or shuffled (botocore keeps insertion order).

Each factory is cached: a strategy is built once per set of arguments, and drawing an
example builds none (its composite draws from strategies built with it).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.strategies.domain import DEFAULT_AVAILABILITY_ZONES, MAX_INT32, Zones
from ec2conformance.strategies.fitting import fit
from ec2conformance.strategies.text import descriptions
from ec2conformance.strategies.values import (
    additional_infos,
    architectures,
    disk_formats,
    group_ids,
    group_names,
    image_sizes,
    instance_types,
    ipv4_addresses,
    manifest_urls,
    placement_group_ids,
    placement_group_names,
    platforms,
    shutdown_behaviors,
    subnet_ids,
    tenancies,
    user_data,
)

__all__ = ["botocore_parameter_sets", "disk_images", "launch_specifications", "placements"]

_BOOLEANS: Final = st.booleans()


@cache
def _subsets(count: int) -> SearchStrategy[int]:
    return st.integers(0, (1 << count) - 1)


def present(draw: st.DrawFn, count: int) -> list[bool]:
    """Which of ``count`` optional members a structure has: one drawn integer, a bit a
    member (one choice instead of ``count`` booleans; it shrinks towards none, and a
    failure that needs some members shrinks to those alone)."""
    bits = draw(_subsets(count))
    return [bool(bits >> i & 1) for i in range(count)]


@cache
def permutations_of(count: int) -> SearchStrategy[list[int]]:
    """Orders of ``count`` positions (built once per count)."""
    return st.permutations(range(count))


def shuffled(draw: st.DrawFn, mapping: dict[str, Any]) -> dict[str, Any]:
    """``mapping`` itself (shrinks to it) or the same members in another order (botocore
    keeps insertion order)."""
    if len(mapping) < 2 or not draw(_BOOLEANS):
        return mapping
    keys = list(mapping)
    return {keys[i]: mapping[keys[i]] for i in draw(permutations_of(len(keys)))}


@cache
def disk_images() -> SearchStrategy[dict[str, Any]]:
    """One botocore-style ``DiskImage``: ``Image`` (Format, Bytes, ImportManifestUrl) and
    ``Volume`` (Size) always, ``Description`` sometimes; Bytes fits the volume
    (:func:`image_sizes`). Shrinks towards a 1-byte VMDK on a 1 GiB volume, no
    description."""
    sizes, texts, formats, urls = image_sizes(), descriptions(), disk_formats(), manifest_urls()

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        image_bytes, size = draw(sizes)
        disk: dict[str, Any] = {}
        if draw(_BOOLEANS):
            disk["Description"] = draw(texts)
        disk["Image"] = {
            "Format": draw(formats),
            "Bytes": image_bytes,
            "ImportManifestUrl": draw(urls),
        }
        disk["Volume"] = {"Size": size}
        return disk

    return build()


_PLACEMENT_GROUPS: Final = st.sampled_from(["none", "name", "id"])
_PARTITION_NUMBERS: Final = st.one_of(st.integers(0, 7), st.integers(0, MAX_INT32))


@cache
def placements(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES, name_resources: bool = True
) -> SearchStrategy[dict[str, Any]]:
    """A botocore-style ``Placement`` inside the valid domain: one of the suite's zones
    (``availability_zones``) or an empty one (which counts as absent), a placement group by
    name or by id (never both) with an optional partition number 0..2^31-1, a tenancy other
    than ``host``; every member optional. No HostId, Affinity, HostResourceGroupArn,
    SpreadDomain or AvailabilityZoneId. With ``name_resources=False`` no placement group.
    Shrinks towards ``{}``."""
    zones = st.sampled_from([*availability_zones, ""])
    names, ids, tenancy = placement_group_names(), placement_group_ids(), tenancies()

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        placement: dict[str, Any] = {}
        zone, partition, tenancy_ = present(draw, 3)
        if zone:
            placement["AvailabilityZone"] = draw(zones)
        group = draw(_PLACEMENT_GROUPS) if name_resources else "none"
        if group == "name":
            placement["GroupName"] = draw(names)
        elif group == "id":
            placement["GroupId"] = draw(ids)
        if group != "none" and partition:
            placement["PartitionNumber"] = draw(_PARTITION_NUMBERS)
        if tenancy_:
            placement["Tenancy"] = draw(tenancy)
        return shuffled(draw, placement)

    return build()


@cache
def launch_specifications(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES, name_resources: bool = True
) -> SearchStrategy[dict[str, Any]]:
    """A botocore-style ``LaunchSpecification`` inside the valid domain; every member
    optional: Architecture, InstanceType, Monitoring, InstanceInitiatedShutdownBehavior,
    AdditionalInfo, UserData, Placement (:func:`placements`), and (unless
    ``name_resources=False``) GroupNames, GroupIds (0..10 each) and SubnetId, with a
    PrivateIpAddress only where there is a SubnetId. Members in the model's order or
    shuffled. Shrinks towards ``{}``."""
    # The members in the model's order, and whether they name a resource.
    members: list[tuple[str, SearchStrategy[Any], bool]] = [
        ("Architecture", architectures(), False),
        ("GroupNames", group_names(), True),
        ("GroupIds", group_ids(), True),
        ("AdditionalInfo", additional_infos(), False),
        ("UserData", user_data().map(_user_data_member), False),
        ("InstanceType", instance_types(), False),
        (
            "Placement",
            placements(availability_zones=availability_zones, name_resources=name_resources),
            False,
        ),
        ("Monitoring", st.booleans(), False),
        ("SubnetId", subnet_ids(), True),
        ("InstanceInitiatedShutdownBehavior", shutdown_behaviors(), False),
    ]
    chosen = [(key, values) for key, values, named in members if name_resources or not named]
    addresses = ipv4_addresses()

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        *members, address = present(draw, len(chosen) + 1)
        for (key, values), wanted in zip(chosen, members, strict=True):
            if wanted:
                spec[key] = draw(values)
        if "SubnetId" in spec and address:
            spec["PrivateIpAddress"] = draw(addresses)
        return shuffled(draw, spec)

    return build()


def _user_data_member(data: str) -> dict[str, str]:
    return {"Data": data}


@cache
def botocore_parameter_sets(
    *,
    availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES,
    name_resources: bool = True,
    method: str = "POST",
) -> SearchStrategy[dict[str, Any]]:
    """botocore-style ``ImportInstance`` parameters of a valid request, as
    ``boto3.client("ec2").import_instance(**params)`` takes them: ``Platform``, exactly one
    disk image (:func:`disk_images`), and optionally ``Description``,
    ``LaunchSpecification`` (:func:`launch_specifications`) and ``DryRun=False``
    (``DryRun=True`` is a fault of the order of checks, never valid here). Members in the
    model's order or shuffled. The result fits the wire budget of ``method`` (a GET's URL
    of 8 KiB, a POST's body of 64 KiB, with room left for one added fault). Shrinks towards
    ``{"DiskImages": [<1-byte disk>], "Platform": "Windows"}``."""
    texts, disks, platform = descriptions(), disk_images(), platforms()
    launch = launch_specifications(
        availability_zones=availability_zones, name_resources=name_resources
    )

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        params: dict[str, Any] = {}
        dry_run, description, launch_ = present(draw, 3)
        if dry_run:
            params["DryRun"] = False
        if description:
            params["Description"] = draw(texts)
        if launch_:
            params["LaunchSpecification"] = draw(launch)
        params["DiskImages"] = [draw(disks)]
        params["Platform"] = draw(platform)
        return fit(shuffled(draw, params), method)

    return build()
