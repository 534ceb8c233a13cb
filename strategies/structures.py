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
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from strategies.domain import DEFAULT_AVAILABILITY_ZONE, MAX_INT32
from strategies.fitting import fit
from strategies.text import descriptions
from strategies.values import (
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


def disk_images() -> SearchStrategy[dict[str, Any]]:
    """One botocore-style ``DiskImage``: ``Image`` (Format, Bytes, ImportManifestUrl) and
    ``Volume`` (Size) always, ``Description`` sometimes; Bytes fits the volume
    (:func:`image_sizes`). Shrinks towards a 1-byte VMDK on a 1 GiB volume, no
    description."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        image_bytes, size = draw(image_sizes())
        disk: dict[str, Any] = {}
        if draw(st.booleans()):
            disk["Description"] = draw(descriptions())
        disk["Image"] = {
            "Format": draw(disk_formats()),
            "Bytes": image_bytes,
            "ImportManifestUrl": draw(manifest_urls()),
        }
        disk["Volume"] = {"Size": size}
        return disk

    return build()


def placements(
    *, availability_zone: str = DEFAULT_AVAILABILITY_ZONE, name_resources: bool = True
) -> SearchStrategy[dict[str, Any]]:
    """A botocore-style ``Placement`` inside the valid domain: the suite's zone (or an empty
    one, which counts as absent), a placement group by name or by id (never both) with an
    optional partition number 0..2^31-1, a tenancy other than ``host``; every member
    optional. No HostId, Affinity, HostResourceGroupArn, SpreadDomain or AvailabilityZoneId.
    With ``name_resources=False`` no placement group. Shrinks towards ``{}``."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        placement: dict[str, Any] = {}
        if draw(st.booleans()):
            placement["AvailabilityZone"] = draw(st.sampled_from([availability_zone, ""]))
        group = draw(st.sampled_from(["none", "name", "id"])) if name_resources else "none"
        if group == "name":
            placement["GroupName"] = draw(placement_group_names())
        elif group == "id":
            placement["GroupId"] = draw(placement_group_ids())
        if group != "none" and draw(st.booleans()):
            placement["PartitionNumber"] = draw(
                st.one_of(st.integers(0, 7), st.integers(0, MAX_INT32))
            )
        if draw(st.booleans()):
            placement["Tenancy"] = draw(tenancies())
        return draw(_shuffled_dicts(placement))

    return build()


def launch_specifications(
    *, availability_zone: str = DEFAULT_AVAILABILITY_ZONE, name_resources: bool = True
) -> SearchStrategy[dict[str, Any]]:
    """A botocore-style ``LaunchSpecification`` inside the valid domain; every member
    optional: Architecture, InstanceType, Monitoring, InstanceInitiatedShutdownBehavior,
    AdditionalInfo, UserData, Placement (:func:`placements`), and (unless
    ``name_resources=False``) GroupNames, GroupIds (0..10 each) and SubnetId, with a
    PrivateIpAddress only where there is a SubnetId. Members in the model's order or
    shuffled. Shrinks towards ``{}``."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        spec: dict[str, Any] = {}

        def maybe(key: str, values: SearchStrategy[Any]) -> None:
            if draw(st.booleans()):
                spec[key] = draw(values)

        maybe("Architecture", architectures())
        if name_resources:
            maybe("GroupNames", group_names())
            maybe("GroupIds", group_ids())
        maybe("AdditionalInfo", additional_infos())
        maybe("UserData", user_data().map(lambda data: {"Data": data}))
        maybe("InstanceType", instance_types())
        maybe(
            "Placement",
            placements(availability_zone=availability_zone, name_resources=name_resources),
        )
        maybe("Monitoring", st.booleans())
        if name_resources:
            maybe("SubnetId", subnet_ids())
        maybe("InstanceInitiatedShutdownBehavior", shutdown_behaviors())
        if "SubnetId" in spec:
            maybe("PrivateIpAddress", ipv4_addresses())
        return draw(_shuffled_dicts(spec))

    return build()


def _shuffled_dicts(mapping: dict[str, Any]) -> SearchStrategy[dict[str, Any]]:
    # The same members in the same order or in another (botocore keeps insertion order).
    if len(mapping) < 2:
        return st.just(mapping)
    keys = list(mapping)
    return st.one_of(
        st.just(mapping),
        st.permutations(keys).map(lambda order: {k: mapping[k] for k in order}),
    )


def botocore_parameter_sets(
    *,
    availability_zone: str = DEFAULT_AVAILABILITY_ZONE,
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

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if draw(st.booleans()):
            params["DryRun"] = False
        if draw(st.booleans()):
            params["Description"] = draw(descriptions())
        if draw(st.booleans()):
            params["LaunchSpecification"] = draw(
                launch_specifications(
                    availability_zone=availability_zone, name_resources=name_resources
                )
            )
        params["DiskImages"] = [draw(disk_images())]
        params["Platform"] = draw(platforms())
        params = draw(_shuffled_dicts(params))
        return fit(params, method)

    return build()
