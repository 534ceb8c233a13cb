"""Size fitting: what a request may occupy on the wire, and how a generated one is made to fit.

A GET's URL holds at most ``golden/domain.json``'s ``get_url_max_bytes``, with room kept for
the origin and, when signed in the query, the X-Amz-* parameters (``get_url_allowance_bytes``);
a POST's body at most ``post_body_max_bytes``. A valid request keeps some more room for the
invalid strategies, which add a parameter or two to it:

- :func:`fit`: botocore-style parameters shortened, still valid, until they fit a method;
- :func:`finish`: a faulty GET whose URL a fault made too long, sent as a POST instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from ec2conformance.model import RequestSpec
from ec2conformance.wire import encode_form, encode_query, to_wire_params
from strategies.domain import LIMITS

__all__ = ["finish", "fit"]

# What a valid request may occupy: a GET's query string, a POST's body.
_GET_QUERY_BUDGET: Final = LIMITS["get_url_max_bytes"] - LIMITS["get_url_allowance_bytes"] - 1024
_POST_BODY_BUDGET: Final = LIMITS["post_body_max_bytes"] - 16 * 1024
# What a faulty GET's query string may occupy (the origin and the signature still fit).
_GET_LIMIT: Final = LIMITS["get_url_max_bytes"] - LIMITS["get_url_allowance_bytes"] - 256


def _fits_post(params: Mapping[str, Any]) -> bool:
    return len(encode_form(to_wire_params(params))) <= _POST_BODY_BUDGET


def _fits_get(params: Mapping[str, Any]) -> bool:
    return len(encode_query(to_wire_params(params))) <= _GET_QUERY_BUDGET


def fit(params: dict[str, Any], method: str) -> dict[str, Any]:
    """``params`` (botocore-style, valid) made to fit ``method``'s budget, by shortening its
    longest free-text value step by step.

    Only values whose shorter forms are still valid are shortened (descriptions and
    AdditionalInfo halved, group entries dropped from the end, UserData cut to whole
    4-character groups), so the result is still valid. Nothing changes (not even a copy is
    made) when ``params`` fits already.
    """
    ok: Callable[[Mapping[str, Any]], bool] = _fits_get if method == "GET" else _fits_post
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
    if spec.method == "GET" and len(encode_query(spec.params)) > _GET_LIMIT:
        return replace(spec, method="POST")
    return spec
