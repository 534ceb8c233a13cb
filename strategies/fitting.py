"""Size fitting: what a request may occupy on the wire, and how a generated one is made to fit.

A GET's URL holds at most ``golden/domain.json``'s ``get_url_max_bytes``, with room kept for
the origin and, when signed in the query, the X-Amz-* parameters (``get_url_allowance_bytes``);
a POST's body at most ``post_body_max_bytes``. A valid request keeps some more room for the
invalid strategies, which add a parameter or two to it:

- :func:`fit`: botocore-style parameters shortened, still valid, until they fit a method;
- :func:`finish`: a faulty GET whose URL a fault made too long, sent as a POST instead.

Both measure a request with :func:`wire_size`, which counts what
:func:`~ec2conformance.wire.encode_query` and :func:`~ec2conformance.wire.encode_form`
would write without writing it: the names' share once per shape of the request (the tuple
of its names, cached), each value's share from its UTF-8 bytes (unreserved bytes count 1,
the others 3; a space 1 in a form, 3 in a query).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any, Final

from ec2conformance.model import Params, RequestSpec
from ec2conformance.strategies.domain import LIMITS
from ec2conformance.wire import to_wire_params

__all__ = ["finish", "fit", "wire_size"]

# What a valid request may occupy: a GET's query string, a POST's body.
_GET_QUERY_BUDGET: Final = LIMITS["get_url_max_bytes"] - LIMITS["get_url_allowance_bytes"] - 1024
_POST_BODY_BUDGET: Final = LIMITS["post_body_max_bytes"] - 16 * 1024
# What a faulty GET's query string may occupy (the origin and the signature still fit).
_GET_LIMIT: Final = LIMITS["get_url_max_bytes"] - LIMITS["get_url_allowance_bytes"] - 256


# The bytes written as themselves: the unreserved ones, and in a form also the space ("+").
_UNRESERVED: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_KEPT: Final = {"GET": _UNRESERVED, "POST": _UNRESERVED + b" "}


def _text_size(text: str, kept: bytes) -> int:
    data = text.encode("utf-8")
    return 3 * len(data) - 2 * (len(data) - len(data.translate(None, kept)))


@lru_cache(maxsize=4096)
def _names_size(names: tuple[str, ...], method: str) -> int:
    # The names, their "=" and the "&" between pairs: the same for every request of a shape.
    kept = _KEPT[method]
    return sum(_text_size(name, kept) + 1 for name in names) + max(len(names) - 1, 0)


def wire_size(params: Params, method: str) -> int:
    """The length of ``params`` on the wire: of :func:`~ec2conformance.wire.encode_query`
    for a ``GET``, of :func:`~ec2conformance.wire.encode_form` otherwise (computed, not
    encoded)."""
    method = "GET" if method == "GET" else "POST"
    kept = _KEPT[method]
    names = tuple(name for name, _ in params)
    return _names_size(names, method) + sum(_text_size(value, kept) for _, value in params)


def _fits_post(params: Mapping[str, Any]) -> bool:
    return wire_size(to_wire_params(params), "POST") <= _POST_BODY_BUDGET


def _fits_get(params: Mapping[str, Any]) -> bool:
    return wire_size(to_wire_params(params), "GET") <= _GET_QUERY_BUDGET


def fit(params: dict[str, Any], method: str) -> dict[str, Any]:
    """``params`` (botocore-style, valid) made to fit ``method``'s budget, by shortening its
    longest free-text value step by step.

    Only values whose shorter forms are still valid are shortened (descriptions and
    AdditionalInfo halved, group entries dropped from the end, UserData cut to whole
    4-character groups), so the result is still valid. Nothing changes (not even a copy is
    made) when ``params`` fits already.
    """
    ok = _fits_get if method == "GET" else _fits_post
    if ok(params):
        return params
    params = _deep_copy(params)
    while not ok(params):
        _shorten_longest(params)
    return params


def _halve(text: str) -> str:
    return text[: len(text) // 2]


def _shorten_longest(params: dict[str, Any]) -> None:
    """One step of :func:`fit`: the longest free-text value of ``params`` shortened."""
    launch = params.get("LaunchSpecification", {})
    disk = params["DiskImages"][0]
    user = launch.get("UserData", {})
    sizes: dict[str, int] = {}
    sizes["Description"] = len(params.get("Description", ""))
    sizes["DiskImage.Description"] = len(disk.get("Description", ""))
    sizes["AdditionalInfo"] = len(launch.get("AdditionalInfo", ""))
    sizes["GroupNames"] = sum(map(len, launch.get("GroupNames", [])))
    sizes["GroupIds"] = sum(map(len, launch.get("GroupIds", [])))
    sizes["UserData"] = len(user.get("Data", ""))
    longest = max(sizes, key=lambda k: sizes[k])
    if sizes[longest] == 0:  # pragma: no cover - the required members alone always fit
        raise AssertionError(f"cannot fit {params!r}")
    if longest == "Description":
        params["Description"] = _halve(params["Description"])
    elif longest == "DiskImage.Description":
        disk["Description"] = _halve(disk["Description"])
    elif longest == "AdditionalInfo":
        launch["AdditionalInfo"] = _halve(launch["AdditionalInfo"])
    elif longest in ("GroupNames", "GroupIds"):
        launch[longest].pop()
    else:
        user["Data"] = user["Data"][: len(user["Data"]) // 8 * 4]


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def finish(spec: RequestSpec) -> RequestSpec:
    """A faulty request made sendable as its row describes: a GET whose URL a fault made too
    long goes as a POST (same parameters)."""
    if spec.method == "GET" and wire_size(spec.params, "GET") > _GET_LIMIT:
        return replace(spec, method="POST")
    return spec
