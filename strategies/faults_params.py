"""Faults of the request's envelope and top-level parameters.

- names (stages 2 and 3 of the order of checks): no or an unknown ``Action``
  (WIRE-NO-ACTION, WIRE-UNKNOWN-ACTION), no or an unpublished ``Version``
  (WIRE-NO-VERSION, WIRE-BAD-VERSION), an unknown parameter (WIRE-UNKNOWN-PARAM), a list
  index that is not one (LIST-INDEX-INVALID);
- DryRun and the identity: ``DryRun=true`` (PERM-DRYRUN-PERMITTED), the denied identity
  (PERM-DENIED), both (PERM-DRYRUN-DENIED), a ``DryRun`` that is not a boolean
  (PERM-DRYRUN-VALUE);
- values: no or another ``Platform`` (PARAM-PLATFORM-MISSING, PARAM-PLATFORM-INVALID), a
  text with a character XML cannot carry (PARAM-TEXT-INVALID).

:data:`PARAMS_FAULTS` holds the fault generators by requirement id.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.model import Identity, RequestSpec
from ec2conformance.strategies.cases import Fault, put_param
from ec2conformance.strategies.domain import ENUMS, LAUNCH, MAX_TEXT, PLACEMENT, Zones
from ec2conformance.strategies.faults_common import (
    FaultGenerator,
    first_disk,
    make_fault,
    removing_faults,
    setting,
    setting_faults,
)
from ec2conformance.strategies.invalid_names import (
    invalid_list_indexes,
    unknown_actions,
    unknown_parameter_names,
    unpublished_versions,
)
from ec2conformance.strategies.invalid_values import (
    invalid_booleans,
    invalid_platforms,
    non_xml_texts,
)
from ec2conformance.strategies.text import texts

__all__ = [
    "PARAMS_FAULTS",
    "denied_faults",
    "dry_run_denied_faults",
    "dry_run_permitted_faults",
    "list_index_faults",
    "text_faults",
    "unknown_param_faults",
]


def unknown_param_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """WIRE-UNKNOWN-PARAM: one unknown name
    (:func:`~strategies.invalid_names.unknown_parameter_names`) added."""
    return _unknown_params(first_disk(base))


_UNKNOWN_VALUES: Final = st.one_of(st.just("x"), texts(max_size=40))


@lru_cache(maxsize=256)
def _unknown_params(first: str) -> SearchStrategy[Fault]:
    names = {d: unknown_parameter_names(disk_index=d) for d in (first, "1", "2")}
    disk = st.sampled_from([first, "1", "2"])

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        name = draw(names[draw(disk)])
        value = draw(_UNKNOWN_VALUES)
        return make_fault("WIRE-UNKNOWN-PARAM", lambda spec: spec.plus((name, value)), name)

    return build()


# Valid values of a disk image's members (and one unknown member) for LIST-INDEX-INVALID.
_DISK_LEAF_VALUES: Final = {
    "Description": st.just("x"),
    "Image.Format": st.sampled_from(ENUMS["DiskImageFormat"]),
    "Image.Bytes": st.just("1073741824"),
    "Image.ImportManifestUrl": st.just("https://s3.amazonaws.com/bucket/second.xml"),
    "Volume.Size": st.just("1"),
    "Image.Colour": st.just("blue"),
}


_WHERE: Final = st.sampled_from(["disk", "group-name", "group-id"])
_LEAVES: Final = st.sampled_from(list(_DISK_LEAF_VALUES))
_GROUP_VALUES: Final = st.sampled_from(["default", "sg-12345678"])


@st.composite
def _list_index_faults(draw: st.DrawFn) -> Fault:
    index = draw(invalid_list_indexes())
    where = draw(_WHERE)
    if where == "disk":
        leaf = draw(_LEAVES)
        name, value = f"DiskImage.{index}.{leaf}", draw(_DISK_LEAF_VALUES[leaf])
    else:
        kind = "GroupName" if where == "group-name" else "GroupId"
        name = f"{LAUNCH}{kind}.{index}"
        value = draw(_GROUP_VALUES)
    return make_fault("LIST-INDEX-INVALID", lambda spec: spec.plus((name, value)), name)


_LIST_INDEX_FAULTS: Final = _list_index_faults()


def list_index_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """LIST-INDEX-INVALID: one parameter whose list index is not one
    (:func:`~strategies.invalid_names.invalid_list_indexes`), under ``DiskImage.``,
    ``GroupName.`` or ``GroupId.``, with a valid value (or, now and then, an unknown
    member: the index still decides)."""
    return _LIST_INDEX_FAULTS


def text_faults(base: RequestSpec, *, availability_zones: Zones) -> SearchStrategy[Fault]:
    """PARAM-TEXT-INVALID: ``Description``, the disk's ``Description`` or
    ``Placement.AvailabilityZone`` with a character XML cannot carry."""
    return _text_faults(first_disk(base), availability_zones)


@lru_cache(maxsize=256)
def _zone_texts(availability_zones: Zones) -> SearchStrategy[str]:
    return non_xml_texts(valid=st.sampled_from(availability_zones), max_size=MAX_TEXT)


@lru_cache(maxsize=256)
def _text_faults(disk: str, availability_zones: Zones) -> SearchStrategy[Fault]:
    targets = {
        "Description": (non_xml_texts(), "Description"),
        f"DiskImage.{disk}.Description": (non_xml_texts(), "disk.Description"),
        PLACEMENT + "AvailabilityZone": (
            _zone_texts(availability_zones),
            "Placement.AvailabilityZone",
        ),
    }
    names = st.sampled_from(list(targets))

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        name = draw(names)
        values, aspect = targets[name]
        return setting("PARAM-TEXT-INVALID", name, draw(values), aspect)

    return build()


def dry_run_permitted_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """PERM-DRYRUN-PERMITTED: ``DryRun=true`` (a fault for the order of checks)."""
    return _DRY_RUN_PERMITTED


def denied_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """PERM-DENIED: the denied identity (valid credentials, no permission)."""
    return _DENIED


def dry_run_denied_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """PERM-DRYRUN-DENIED: the denied identity with ``DryRun=true`` (carries both)."""
    return _DRY_RUN_DENIED


# The faults that do not depend on the request, built once.
_DRY_RUN_PERMITTED: Final = st.just(setting("PERM-DRYRUN-PERMITTED", "DryRun", "true"))
_DENIED: Final = st.just(
    make_fault(
        "PERM-DENIED",
        lambda spec: replace(spec, identity=Identity.DENIED),
        aspects={"identity"},
    )
)
_DRY_RUN_DENIED: Final = st.just(
    Fault(
        "PERM-DRYRUN-DENIED",
        lambda spec: replace(put_param(spec, "DryRun", "true"), identity=Identity.DENIED),
        focus=("DryRun",),
        aspects=frozenset({"identity", "DryRun"}),
        carries=("PERM-DRYRUN-DENIED", "PERM-DRYRUN-PERMITTED"),
    )
)


#: The fault generators of this module by requirement id (in the order of checks).
PARAMS_FAULTS: Final[dict[str, FaultGenerator]] = {
    "WIRE-NO-ACTION": removing_faults("WIRE-NO-ACTION", "Action"),
    "WIRE-UNKNOWN-ACTION": setting_faults("WIRE-UNKNOWN-ACTION", "Action", unknown_actions()),
    "WIRE-BAD-VERSION": setting_faults("WIRE-BAD-VERSION", "Version", unpublished_versions()),
    "WIRE-NO-VERSION": removing_faults("WIRE-NO-VERSION", "Version"),
    "WIRE-UNKNOWN-PARAM": unknown_param_faults,
    "LIST-INDEX-INVALID": list_index_faults,
    "PERM-DRYRUN-PERMITTED": dry_run_permitted_faults,
    "PERM-DRYRUN-DENIED": dry_run_denied_faults,
    "PERM-DENIED": denied_faults,
    "PERM-DRYRUN-VALUE": setting_faults("PERM-DRYRUN-VALUE", "DryRun", invalid_booleans()),
    "PARAM-PLATFORM-MISSING": removing_faults("PARAM-PLATFORM-MISSING", "Platform"),
    "PARAM-PLATFORM-INVALID": setting_faults(
        "PARAM-PLATFORM-INVALID", "Platform", invalid_platforms()
    ),
    "PARAM-TEXT-INVALID": text_faults,
}
