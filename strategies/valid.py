"""Whole valid ImportInstance requests, their contract-only forms, and the valid rows.

Everything here is a request the contract accepts: every MUST and SHOULD requirement met,
inside the valid domain (``golden/domain.json``, ``golden/model.json``), signed by the
permitted identity. It is built from the layers below, smallest first:

- :mod:`strategies.domain`: the limits; :mod:`strategies.text`: valid text;
  :mod:`strategies.values`: one strategy per kind of parameter value;
- :mod:`strategies.structures`: botocore-style structures (:func:`botocore_parameter_sets`),
  fitted to their method by :mod:`strategies.fitting`;
- here: :func:`contract_forms` (the forms only the contract allows: non-contiguous list
  indexes, integers with leading zeros, parameters in any order),
  :func:`import_instance_requests` (a :class:`RequestSpec`) and :func:`valid_cases` (the
  same as :class:`Case`), and one registered strategy per requirement row that describes a
  valid request (:data:`VALID_ROWS`: WIRE-POST, WIRE-GET, WIRE-UTF8, AUTH-QUERY-SIGNATURE,
  PERM-DRYRUN-FALSE, PARAM-DESCRIPTION-ECHO).

Shrinking: every ``one_of`` lists its simplest branch first, optional members are dropped
first, lists shrink towards empty, integers towards the smallest valid value, and the
contract-only forms switch off, so a failing example ends as a short request in botocore's
own form.

Every strategy is built once per set of arguments (the factories are cached); drawing an
example builds none: the contract forms of a drawn request are drawn by
:func:`draw_contract_forms` from strategies built at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cache
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance import registry
from ec2conformance.model import Params, RequestSpec, Signing, sample
from ec2conformance.strategies.cases import FUZZ_ORACLE, Case
from ec2conformance.strategies.domain import (
    DEFAULT_AVAILABILITY_ZONES,
    GIB,
    MAX_LIST_INDEX,
    MAX_VOLUME_GIB,
    Zones,
)
from ec2conformance.strategies.fitting import fit
from ec2conformance.strategies.structures import (
    botocore_parameter_sets,
    permutations_of,
    present,
)
from ec2conformance.strategies.text import descriptions, utf8_descriptions
from ec2conformance.strategies.values import image_sizes, manifest_urls, user_data
from ec2conformance.wire import to_wire_params

# GIB, MAX_VOLUME_GIB, botocore_parameter_sets, image_sizes, manifest_urls and user_data
# live in the layers below; they are re-exported here, where the self-tests import them.
__all__ = [
    "GIB",
    "MAX_VOLUME_GIB",
    "VALID_ROWS",
    "botocore_parameter_sets",
    "contract_forms",
    "description_echo_requests",
    "draw_contract_forms",
    "dry_run_false_requests",
    "get_requests",
    "http_methods",
    "image_sizes",
    "import_instance_requests",
    "manifest_urls",
    "post_sample_requests",
    "query_signed_requests",
    "user_data",
    "utf8_sample_requests",
    "valid_cases",
]

# ------------------------------------------------------------------------------ contract-only forms

_INTEGER_NAMES = ("Image.Bytes", "Volume.Size", "Placement.PartitionNumber")


def _list_names(params: Params, prefix: str) -> list[str]:
    """The list indexes used under ``prefix`` (``DiskImage.``), in first-seen order."""
    seen: list[str] = []
    for name, _ in params:
        if name.startswith(prefix):
            index = name[len(prefix) :].split(".", 1)[0]
            if index not in seen:
                seen.append(index)
    return seen


def _relabel(params: Params, prefix: str, mapping: Mapping[str, int]) -> Params:
    out: list[tuple[str, str]] = []
    for name, value in params:
        if name.startswith(prefix):
            index, dot, rest = name[len(prefix) :].partition(".")
            if index in mapping:
                name = f"{prefix}{mapping[index]}{dot}{rest}"
        out.append((name, value))
    return tuple(out)


_BOOLEANS: Final = st.booleans()
_ZEROS: Final = st.integers(0, 3)
_LIST_PREFIXES: Final = (
    "DiskImage.",
    "LaunchSpecification.GroupName.",
    "LaunchSpecification.GroupId.",
)


@cache
def _indexes(count: int) -> SearchStrategy[list[int]]:
    small = st.lists(st.integers(1, 12), min_size=count, max_size=count, unique=True)
    large = st.lists(st.integers(1, MAX_LIST_INDEX), min_size=count, max_size=count, unique=True)
    return st.one_of(small, large)


def draw_permuted(draw: st.DrawFn, items: tuple[Any, ...]) -> tuple[Any, ...]:
    """``items`` in a drawn order (a permutation of their positions, whose strategy is
    built once per length)."""
    return tuple(items[i] for i in draw(permutations_of(len(items))))


def draw_contract_forms(draw: st.DrawFn, params: Params) -> Params:
    """The drawing behind :func:`contract_forms`, inside another strategy's draw (nothing is
    built per example)."""
    out = params
    *relabelled, zeros, permuted = present(draw, len(_LIST_PREFIXES) + 2)
    for prefix, wanted in zip(_LIST_PREFIXES, relabelled, strict=True):
        used = _list_names(out, prefix)
        if used and wanted:
            new = draw(_indexes(len(used)))
            out = _relabel(out, prefix, dict(zip(used, new, strict=True)))
    if zeros:
        out = tuple(
            (name, "0" * draw(_ZEROS) + value if name.endswith(_INTEGER_NAMES) else value)
            for name, value in out
        )
    if permuted:
        out = draw_permuted(draw, out)
    return out


def contract_forms(params: Params) -> SearchStrategy[Params]:
    """The same valid request in forms botocore never produces but the contract allows:
    list indexes renumbered to any distinct valid indexes (``DiskImage.3.*`` alone,
    ``GroupName.2`` and ``GroupName.7``, up to 2^31-1), integers with leading zeros
    (``0012``), and the parameters (``Action`` and ``Version`` included) in another order.
    Each form is switched on separately; shrinks towards ``params`` unchanged. (A strategy
    of its own for ``params``; inside a draw, :func:`draw_contract_forms`.)"""
    return _contract_forms_of(params)


@st.composite
def _contract_forms_of(draw: st.DrawFn, params: Params) -> Params:
    return draw_contract_forms(draw, params)


# ------------------------------------------------------------------------------ requests


@cache
def http_methods() -> SearchStrategy[str]:
    """The HTTP methods of the Query protocol: ``POST`` (shrinks to it), ``GET``."""
    return st.sampled_from(["POST", "GET"])


@cache
def import_instance_requests(
    *,
    availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES,
    botocore_forms_only: bool = False,
    name_resources: bool = True,
) -> SearchStrategy[RequestSpec]:
    """Valid ImportInstance requests: every MUST and SHOULD requirement met, inside the
    valid domain, signed in the ``Authorization`` header by the permitted identity, as a
    POST or a GET.

    The parameters are :func:`botocore_parameter_sets` flattened by
    :func:`~ec2conformance.wire.to_wire_params`; unless ``botocore_forms_only``, then also
    rewritten by :func:`contract_forms` (non-contiguous indexes, leading zeros, any order).
    With ``botocore_forms_only=True`` the pairs are exactly what botocore's serializer
    writes for the same API parameters. ``name_resources=False`` leaves out every member
    that names a resource that must exist (SubnetId, GroupName.N, GroupId.N, a placement
    group), so the only acceptable answer is 200; otherwise the oracle also accepts the
    ``.NotFound`` answers. ``Placement.AvailabilityZone``, when given, is
    ``availability_zones`` or empty. Shrinks towards a POST of the smallest request
    (``Platform`` and one 1-byte disk image).
    """

    methods = http_methods()
    apis = {
        method: botocore_parameter_sets(
            availability_zones=availability_zones, name_resources=name_resources, method=method
        )
        for method in ("POST", "GET")
    }

    @st.composite
    def build(draw: st.DrawFn) -> RequestSpec:
        method = draw(methods)
        params = to_wire_params(draw(apis[method]))
        if not botocore_forms_only:
            params = draw_contract_forms(draw, params)
        return RequestSpec(params=params, method=method)

    return build()


@cache
def valid_cases(
    *,
    availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES,
    botocore_forms_only: bool = False,
    name_resources: bool = True,
) -> SearchStrategy[Case]:
    """:func:`import_instance_requests` as :class:`Case` objects (requirement
    ``FUZZ-ORACLE``, no faults)."""
    return import_instance_requests(
        availability_zones=availability_zones,
        botocore_forms_only=botocore_forms_only,
        name_resources=name_resources,
    ).map(_valid_case)


def _valid_case(spec: RequestSpec) -> Case:
    return Case(spec, FUZZ_ORACLE, ())


# ------------------------------------------------------------------------------ valid rows


def _row(
    requirement: str,
    *,
    availability_zones: Zones,
    method: str | None = None,
    signing: Signing = Signing.HEADER,
    set_params: Mapping[str, SearchStrategy[Any]] | None = None,
) -> SearchStrategy[Case]:
    """Valid requests of one row: top-level members set (``None`` removes), then fitted
    to the method's budget, then in contract forms."""
    chosen = st.just(method) if method is not None else http_methods()
    apis = botocore_parameter_sets(availability_zones=availability_zones, method="POST")
    members = list((set_params or {}).items())

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        how = draw(chosen)
        api = draw(apis)
        focus: list[str] = []
        if members:
            api = dict(api)
        for name, values in members:
            value = draw(values)
            if value is None:
                api.pop(name, None)
            else:
                api[name] = value
            focus.append(name)
        api = fit(api, how)
        params = draw_contract_forms(draw, to_wire_params(api))
        spec = RequestSpec(params=params, method=how, signing=signing)
        return Case(spec, requirement, (), focus=tuple(focus))

    return build()


def _sample_rows(
    requirement: str,
    *,
    method: str | None = None,
    description: SearchStrategy[str | None] | None = None,
) -> SearchStrategy[Case]:
    """The contract's sample (the rows that say "the sample"), its parameters in the
    sample's order or any other, with a ``Description`` from ``description`` (``None``:
    none) appended before the order is drawn. The sample names no zone."""
    chosen = st.just(method) if method is not None else http_methods()
    texts_or_none = description if description is not None else st.none()

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        how = draw(chosen)
        spec = sample(method=how)
        text = draw(texts_or_none)
        focus: tuple[str, ...] = ()
        if description is not None:
            focus = ("Description",)
            if text is not None:
                spec = spec.plus(("Description", text))
        if draw(_BOOLEANS):
            spec = replace(spec, params=draw_permuted(draw, spec.params))
        return Case(spec, requirement, (), focus=focus)

    return build()


@registry.strategy("WIRE-POST")
def post_sample_requests(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES
) -> SearchStrategy[Case]:
    """WIRE-POST: the contract's sample as a POST, its parameters in any order."""
    return _sample_rows("WIRE-POST", method="POST")


@registry.strategy("WIRE-GET")
def get_requests(*, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES) -> SearchStrategy[Case]:
    """WIRE-GET: valid requests as a GET, fitted to its URL, in any contract form."""
    return _row("WIRE-GET", availability_zones=availability_zones, method="GET")


@registry.strategy("WIRE-UTF8")
def utf8_sample_requests(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES
) -> SearchStrategy[Case]:
    """WIRE-UTF8: the sample, POST or GET, with a description that is hard to carry
    (:func:`~strategies.text.utf8_descriptions`)."""
    return _sample_rows("WIRE-UTF8", description=utf8_descriptions())


@registry.strategy("AUTH-QUERY-SIGNATURE")
def query_signed_requests(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES
) -> SearchStrategy[Case]:
    """AUTH-QUERY-SIGNATURE: valid requests as a GET signed in the query string."""
    return _row(
        "AUTH-QUERY-SIGNATURE",
        availability_zones=availability_zones,
        method="GET",
        signing=Signing.QUERY,
    )


@registry.strategy("PERM-DRYRUN-FALSE")
def dry_run_false_requests(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES
) -> SearchStrategy[Case]:
    """PERM-DRYRUN-FALSE: valid requests, POST or GET, with ``DryRun=false``."""
    return _row(
        "PERM-DRYRUN-FALSE",
        availability_zones=availability_zones,
        set_params={"DryRun": st.just(False)},
    )


@registry.strategy("PARAM-DESCRIPTION-ECHO")
def description_echo_requests(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES
) -> SearchStrategy[Case]:
    """PARAM-DESCRIPTION-ECHO: the sample as a POST, without a ``Description`` (shrinks to
    it) or with any valid one (:func:`~strategies.text.descriptions`)."""
    return _sample_rows(
        "PARAM-DESCRIPTION-ECHO",
        method="POST",
        description=st.one_of(st.none(), descriptions()),
    )


#: The rows whose request is valid, each with its registered strategy of varied
#: :class:`Case` objects (no faults; ``requirement`` is the row). Keyword-only
#: ``availability_zones``.
VALID_ROWS: Final[dict[str, Callable[..., SearchStrategy[Case]]]] = {
    "WIRE-POST": post_sample_requests,
    "WIRE-GET": get_requests,
    "WIRE-UTF8": utf8_sample_requests,
    "AUTH-QUERY-SIGNATURE": query_signed_requests,
    "PERM-DRYRUN-FALSE": dry_run_false_requests,
    "PARAM-DESCRIPTION-ECHO": description_echo_requests,
}
