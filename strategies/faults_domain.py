"""Faults derived from the data: a parameter of ``golden/domain.json`` set to a value outside
its syntax, for a requirement that has no fault generator of its own.

A row of the parameter-value kind ("a bad X is refused with C") needs no strategy code: its
parameter's entry in ``domain.json`` names the requirement and the syntax (``boolean``,
``integer`` with its limits, ``enum`` with the model's enum, ``ipv4``, ``base64``, ``url``),
and :func:`derived_faults` sets the parameter to a value the syntax refuses (the value
generators of :mod:`strategies.invalid_values`). A parameter that needs another one beside it
(``needs_one_of``), or whose bad values the oracle cannot tell from other faults, keeps a
hand-written generator in a ``faults_*.py`` module; those always win over derived ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Final

from hypothesis.strategies import SearchStrategy

from ec2conformance.model import RequestSpec
from ec2conformance.strategies.cases import Fault
from ec2conformance.strategies.domain import DOMAIN
from ec2conformance.strategies.faults_common import FaultGenerator, first_disk, setting
from ec2conformance.strategies.invalid_values import (
    invalid_booleans,
    invalid_enum_values,
    invalid_integers,
    invalid_ipv4_addresses,
    invalid_manifest_urls,
    invalid_user_data,
)

__all__ = ["DERIVABLE_SYNTAX", "derived_fault_table", "derived_faults"]

DERIVABLE_SYNTAX: Final[Mapping[str, Callable[[Mapping[str, Any]], SearchStrategy[str]]]] = {
    "boolean": lambda entry: invalid_booleans(),
    "integer": lambda entry: invalid_integers(
        minimum=int(entry["minimum"]), maximum=int(entry["maximum"])
    ),
    "enum": lambda entry: invalid_enum_values(entry["enum"], named=[""]),
    "ipv4": lambda entry: invalid_ipv4_addresses(),
    "base64": lambda entry: invalid_user_data(),
    "url": lambda entry: invalid_manifest_urls(),
}
"""The syntaxes of ``domain.json`` whose bad values a generator can draw, by syntax."""


def _derivable(entry: Mapping[str, Any]) -> bool:
    return (
        "requirement" in entry
        and entry["syntax"] in DERIVABLE_SYNTAX
        and not entry.get("needs_one_of")
        and not entry.get("special_values")
    )


def derived_faults(template: str) -> FaultGenerator:
    """The fault generator that sets the parameter ``template`` of ``domain.json`` (with
    ``{N}`` standing for the request's first disk image) to a value outside its syntax."""
    entry = DOMAIN["parameters"][template]
    if not _derivable(entry):
        raise ValueError(f"{template}: no derivable syntax in golden/domain.json")
    requirement = entry["requirement"]
    values = DERIVABLE_SYNTAX[entry["syntax"]](entry)

    @lru_cache(maxsize=256)
    def for_disk(disk: str) -> SearchStrategy[Fault]:
        name = template.replace("{N}", disk)
        return values.map(lambda value: setting(requirement, name, value))

    def faults(base: RequestSpec) -> SearchStrategy[Fault]:
        return for_disk(first_disk(base))

    faults.__doc__ = f"{requirement}: ``{template}`` outside its {entry['syntax']} syntax."
    return faults


def derived_fault_table(hand_written: Mapping[str, FaultGenerator]) -> dict[str, FaultGenerator]:
    """A derived fault generator for every requirement that ``domain.json`` names on a
    parameter of a derivable syntax and that has no hand-written generator."""
    table: dict[str, FaultGenerator] = {}
    for template, entry in DOMAIN["parameters"].items():
        rid = entry.get("requirement")
        if rid is None or rid in hand_written or rid in table or not _derivable(entry):
            continue
        table[rid] = derived_faults(template)
    return table
