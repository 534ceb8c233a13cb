"""Faults of the disk image (``DiskImage.N.*``): one generator per DISK-* requirement.

A required member removed (DISK-FIELD-MISSING), a member set to an invalid value
(DISK-FORMAT-INVALID, DISK-BYTES-INVALID, DISK-SIZE-INVALID, DISK-MANIFEST-URL-INVALID),
more bytes than the volume holds (DISK-SIZE-TOO-SMALL), more disk images
(DISK-MULTIPLE) or none (DISK-NONE). Each changes the disk image the request has (its
index as written). :data:`DISK_FAULTS` holds the generators by requirement id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.model import RequestSpec
from ec2conformance.strategies.cases import Fault, drop_params, put_param
from ec2conformance.strategies.domain import GIB, MAX_LIST_INDEX, MAX_LONG, MAX_VOLUME_GIB
from ec2conformance.strategies.faults_common import (
    DISK_PARAM,
    FaultGenerator,
    disk_indexes,
    first_disk,
    make_fault,
    setting,
)
from ec2conformance.strategies.invalid_values import (
    invalid_enum_values,
    invalid_integers,
    invalid_manifest_urls,
)
from ec2conformance.strategies.structures import disk_images
from ec2conformance.strategies.text import descriptions
from ec2conformance.wire import to_wire_params

__all__ = [
    "DISK_FAULTS",
    "disk_value_faults",
    "field_missing_faults",
    "multiple_faults",
    "none_faults",
    "too_small_faults",
]

_DISK_FIELDS: Final = ("Image.Format", "Image.Bytes", "Image.ImportManifestUrl", "Volume.Size")
# The aspect (see Fault.aspects) of each disk image member.
_DISK_ASPECT: Final = {
    "Description": "disk.Description",
    "Image.Format": "disk.Format",
    "Image.Bytes": "disk.Bytes",
    "Image.ImportManifestUrl": "disk.Url",
    "Volume.Size": "disk.Size",
}


# The strategies of one disk index, built once per index (most requests use a few).
_PER_DISK: Final = lru_cache(maxsize=256)
_GONE: Final = st.lists(st.sampled_from(_DISK_FIELDS), min_size=1, max_size=4, unique=True)


def field_missing_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-FIELD-MISSING: one or more of the disk image's four required members removed
    (the image still there: when all four go, its ``Description`` stays or is added)."""
    return _field_missing(first_disk(base))


@_PER_DISK
def _field_missing(disk: str) -> SearchStrategy[Fault]:
    texts = descriptions()

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        gone = draw(_GONE)
        names = [f"DiskImage.{disk}.{f}" for f in gone]
        aspects = {_DISK_ASPECT[f] for f in gone} | {"disk.count"}
        description = f"DiskImage.{disk}.Description"
        keep = draw(texts) if len(gone) == 4 else None

        def apply(spec: RequestSpec) -> RequestSpec:
            spec = drop_params(spec, *names)
            if keep is not None and spec.get(description) is None:
                spec = spec.plus((description, keep))
            return spec

        if keep is not None:
            aspects.add("disk.Description")
        return make_fault("DISK-FIELD-MISSING", apply, *names, aspects=aspects)

    return build()


def disk_value_faults(
    requirement: str, field: str, values: SearchStrategy[str]
) -> Callable[[RequestSpec], SearchStrategy[Fault]]:
    @_PER_DISK
    def for_disk(disk: str) -> SearchStrategy[Fault]:
        name = f"DiskImage.{disk}.{field}"
        return values.map(lambda v: setting(requirement, name, v, _DISK_ASPECT[field]))

    def faults(base: RequestSpec) -> SearchStrategy[Fault]:
        return for_disk(first_disk(base))

    faults.__doc__ = f"{requirement}: the disk image's ``{field}`` set to an invalid value."
    return faults


def too_small_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-SIZE-TOO-SMALL: ``Image.Bytes`` greater than ``Volume.Size`` × 2^30, both
    valid integers (one byte over first, up to 2^63-1)."""
    return _too_small(first_disk(base))


_SIZES: Final = st.one_of(st.integers(1, 16), st.integers(1, MAX_VOLUME_GIB))
# How many bytes over: one, up to a GiB, or anything up to 2^63-1 (reduced to the room left).
_OVERS: Final = st.one_of(
    st.just(1), st.integers(1, GIB), st.integers(1, MAX_LONG - GIB).map(lambda n: -n)
)


@_PER_DISK
def _too_small(disk: str) -> SearchStrategy[Fault]:
    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        size = draw(_SIZES)
        room = MAX_LONG - size * GIB
        over = draw(_OVERS)
        if over < 0:  # anywhere in 1..room
            over = (-over - 1) % room + 1
        count = size * GIB + over
        names = (f"DiskImage.{disk}.Image.Bytes", f"DiskImage.{disk}.Volume.Size")

        def apply(spec: RequestSpec) -> RequestSpec:
            return put_param(put_param(spec, names[0], str(count)), names[1], str(size))

        return make_fault("DISK-SIZE-TOO-SMALL", apply, *names, aspects={"disk.Bytes", "disk.Size"})

    return build()


def _disk_params(index: int, disk: dict[str, object]) -> list[tuple[str, str]]:
    pairs = to_wire_params({"DiskImages": [disk]})[2:]
    return [
        (name.replace("DiskImage.1.", f"DiskImage.{index}.", 1), value) for name, value in pairs
    ]


def multiple_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-MULTIPLE: one to three more complete, valid disk images, at other indexes."""
    return _multiple(frozenset(int(i) for i in disk_indexes(base)))


_MORE_INDEXES: Final = st.lists(
    st.one_of(st.integers(1, 12), st.integers(1, MAX_LIST_INDEX)),
    min_size=1,
    max_size=3,
    unique=True,
)


@_PER_DISK
def _multiple(used: frozenset[int]) -> SearchStrategy[Fault]:
    disks = disk_images()

    @st.composite
    def build(draw: st.DrawFn) -> Fault:
        drawn = draw(_MORE_INDEXES)
        indexes = [x for x in drawn if x not in used] or [max(used | {0}) + 1]
        pairs: list[tuple[str, str]] = []
        for index in indexes:
            pairs.extend(_disk_params(index, draw(disks)))
        names = tuple(dict.fromkeys(f"DiskImage.{i}.Image.Format" for i in indexes))
        return make_fault(
            "DISK-MULTIPLE",
            lambda spec: spec.plus(*pairs),
            *names,
            aspects={"disk.count"},
        )

    return build()


def _without_disks(spec: RequestSpec) -> RequestSpec:
    return replace(spec, params=tuple(p for p in spec.params if not DISK_PARAM.fullmatch(p[0])))


_NONE: Final = st.just(
    make_fault(
        "DISK-NONE",
        _without_disks,
        aspects=set(_DISK_ASPECT.values()) | {"disk.count"},
        note="no disk image",
    )
)


def none_faults(base: RequestSpec) -> SearchStrategy[Fault]:
    """DISK-NONE: every disk image parameter removed."""
    return _NONE


#: The fault generators of this module by requirement id.
DISK_FAULTS: Final[dict[str, FaultGenerator]] = {
    "DISK-FIELD-MISSING": field_missing_faults,
    "DISK-FORMAT-INVALID": disk_value_faults(
        "DISK-FORMAT-INVALID",
        "Image.Format",
        invalid_enum_values(
            "DiskImageFormat", named=["vmdk", "QCOW2", "", "VDMK", "VMDKé", "VHDX"]
        ),
    ),
    "DISK-BYTES-INVALID": disk_value_faults(
        "DISK-BYTES-INVALID", "Image.Bytes", invalid_integers(minimum=1, maximum=MAX_LONG)
    ),
    "DISK-SIZE-INVALID": disk_value_faults(
        "DISK-SIZE-INVALID", "Volume.Size", invalid_integers(minimum=1, maximum=MAX_LONG)
    ),
    "DISK-SIZE-TOO-SMALL": too_small_faults,
    "DISK-MANIFEST-URL-INVALID": disk_value_faults(
        "DISK-MANIFEST-URL-INVALID", "Image.ImportManifestUrl", invalid_manifest_urls()
    ),
    "DISK-MULTIPLE": multiple_faults,
    "DISK-NONE": none_faults,
}
