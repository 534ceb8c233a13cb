"""What every fault module builds on: the commonest faults, and where the disk image is.

A fault generator takes the valid request the fault will be applied to and returns a
strategy of :class:`~strategies.cases.Fault` objects for one requirement (the modules
``faults_wire.py``, ``faults_params.py``, ``faults_disk.py``, ``faults_launch.py`` each
hold a table of them by requirement id). The helpers here build the two commonest kinds:

- :func:`make_fault`, :func:`setting` (one parameter set, in place or added at the end) and
  :func:`removing` (some parameters removed): one :class:`~strategies.cases.Fault`;
- :func:`setting_faults`, :func:`removing_faults`: a whole fault generator of that kind;
- :func:`disk_indexes`, :func:`first_disk`: the list indexes of a request's disk images,
  so that a fault changes the disk image the request has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.model import RequestSpec
from ec2conformance.strategies.cases import Fault, drop_params, put_param

__all__ = [
    "DISK_PARAM",
    "FaultGenerator",
    "disk_indexes",
    "first_disk",
    "make_fault",
    "once",
    "removing",
    "removing_faults",
    "setting",
    "setting_faults",
]

#: A fault generator: for the valid request, a strategy of faults of one requirement.
FaultGenerator = Callable[..., SearchStrategy[Fault]]

#: The name of a disk image member, its list index as group 1.
DISK_PARAM: Final = re.compile(
    r"DiskImage\.([1-9][0-9]*)\.(Description|Image\.Format|Image\.Bytes|"
    r"Image\.ImportManifestUrl|Volume\.Size)"
)


def disk_indexes(spec: RequestSpec) -> list[str]:
    """The disk images of ``spec`` by list index (as written), in first-seen order."""
    seen: list[str] = []
    for name in spec.names():
        match = DISK_PARAM.fullmatch(name)
        if match and match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def first_disk(spec: RequestSpec) -> str:
    """The list index of ``spec``'s first disk image (``"1"`` when it has none)."""
    indexes = disk_indexes(spec)
    return indexes[0] if indexes else "1"


def make_fault(
    requirement: str,
    apply: Callable[[RequestSpec], RequestSpec],
    *focus: str,
    aspects: frozenset[str] | set[str] = frozenset(),
    note: str = "",
) -> Fault:
    """A :class:`~strategies.cases.Fault` showing the parameters ``focus``."""
    return Fault(requirement, apply, focus=focus, note=note, aspects=frozenset(aspects))


def setting(requirement: str, name: str, value: str, *aspects: str) -> Fault:
    """A fault that sets one parameter (in place, or added at the end); its aspects are
    ``aspects``, or the parameter's name."""
    return make_fault(
        requirement,
        lambda spec: put_param(spec, name, value),
        name,
        aspects=set(aspects) or {name},
    )


def removing(requirement: str, names: list[str], *aspects: str) -> Fault:
    """A fault that removes the parameters ``names``."""
    return make_fault(
        requirement, lambda spec: drop_params(spec, *names), *names, aspects=set(aspects)
    )


def once(generator: FaultGenerator) -> FaultGenerator:
    """``generator``, for a generator whose strategy does not depend on the request: built
    on first use, then the same strategy for every request (same name and docstring)."""
    built: list[SearchStrategy[Fault]] = []

    @wraps(generator)
    def faults(base: RequestSpec, **kwargs: Any) -> SearchStrategy[Fault]:
        if not built:
            built.append(generator(base, **kwargs))
        return built[0]

    return faults


def setting_faults(
    requirement: str, name: str, values: SearchStrategy[str]
) -> Callable[[RequestSpec], SearchStrategy[Fault]]:
    """The fault generator that sets ``name`` to one of ``values`` (its strategy built once:
    it does not depend on the request)."""
    built = values.map(lambda v: setting(requirement, name, v))

    def faults(base: RequestSpec) -> SearchStrategy[Fault]:
        return built

    faults.__doc__ = f"{requirement}: ``{name}`` set to an invalid value."
    return faults


def removing_faults(requirement: str, name: str) -> Callable[[RequestSpec], SearchStrategy[Fault]]:
    """The fault generator that removes ``name`` (one fault, built once)."""
    built = st.just(removing(requirement, [name], name))

    def faults(base: RequestSpec) -> SearchStrategy[Fault]:
        return built

    faults.__doc__ = f"{requirement}: ``{name}`` removed."
    return faults
