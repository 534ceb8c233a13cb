"""The data the oracle reads, prepared once from ``golden/domain.json``, ``model.json``,
``ec2-api.json`` and ``error-catalogue.json``, and the value-syntax predicates of
``domain.json``'s ``value_syntax``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ec2conformance import golden
from ec2conformance.model import bounded_int

__all__ = [
    "Contract",
    "contract",
    "has_surrogate",
    "integer",
    "valid_index",
    "value_syntax",
    "xml_legal",
]


@dataclass(frozen=True)
class Contract:
    """The data the oracle reads, prepared once."""

    exact: Mapping[str, str]  # known name -> its template in domain.json ("" for others)
    list_templates: tuple[tuple[re.Pattern[str], str, str], ...]  # regex, template, prefix
    sigv2: frozenset[str]
    enums: Mapping[str, frozenset[str]]
    actions: frozenset[str]
    versions: frozenset[str]
    resource_codes: tuple[str, ...]


@cache
def contract() -> Contract:
    """The known names (exact and list templates), enums, actions, published versions and
    the codes of a resource that must already exist."""
    dom = golden.domain()
    mod = golden.model()
    exact: dict[str, str] = {n: "" for n in dom["envelope_names"]}
    exact.update({n: "" for n in dom["sigv4_query_names"]})
    exact.update({n: "" for n in dom["sigv2_names"]})
    templates = []
    for entry in mod["import_instance_parameters"]:
        name = entry["name"]
        if "{N}" in name:
            head, _, tail = name.partition("{N}")
            regex = re.compile(re.escape(head) + r"([^.]*)" + re.escape(tail))
            templates.append((regex, name, head))
        else:
            exact[name] = name
    suffixes = tuple(dom["resource_code_suffixes"])
    return Contract(
        exact=exact,
        list_templates=tuple(templates),
        sigv2=frozenset(dom["sigv2_names"]),
        enums={k: frozenset(v) for k, v in mod["enums"].items()},
        actions=frozenset(golden.ec2_api()["actions"]),
        versions=frozenset(golden.ec2_api()["published_versions"]),
        resource_codes=tuple(c for c in golden.catalogue() if c.endswith(suffixes)),
    )


def value_syntax() -> Mapping[str, Any]:
    """``domain.json``'s ``value_syntax``: the patterns and ranges of every value kind."""
    return golden.domain()["value_syntax"]


def xml_legal(text: str) -> bool:
    """Whether XML 1.0 can carry every character of ``text``."""
    return _xml_illegal().search(text) is None


@cache
def _xml_illegal() -> re.Pattern[str]:
    """One character outside the value syntax's ``xml_char_ranges``."""
    ranges = value_syntax()["xml_char_ranges"]
    allowed = "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)
    return re.compile(f"[^{allowed}]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (text that is not UTF-8 on the wire)."""
    return _SURROGATE.search(text) is not None


def valid_index(index: str) -> bool:
    """Whether ``index`` is a list index by the value syntax."""
    syntax = value_syntax()
    if not re.fullmatch(syntax["list_index"], index):
        return False
    number = bounded_int(index)
    return number is not None and number <= syntax["list_index_maximum"]


def integer(value: str) -> int | None:
    """``value`` as an integer by the value syntax, or ``None``."""
    return bounded_int(value) if re.fullmatch(value_syntax()["integer"], value) else None
