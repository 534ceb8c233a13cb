"""Stage 3 of the order of checks: every parameter name known, every list index a list
index (:meth:`ParameterSet.resolve`).

An unknown name (WIRE-UNKNOWN-PARAM) and a bad list index (LIST-INDEX-INVALID) both answer
``UnknownParameter``. The names every action knows come from ``golden/domain.json``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from .catalogue import ParameterTemplate, common_names
from .syntax import MAX_LIST_INDEX, is_list_index, show, unknown

COMMON_NAMES: Final = common_names()
"""Names every action knows: ``Action``, ``Version``, SigV4's query parameters, SigV2's."""


@dataclass(frozen=True)
class Parameter:
    """A request parameter with the template it matched (None for the common names)."""

    name: str
    value: str
    template: ParameterTemplate | None
    indexes: tuple[int, ...] = ()

    @property
    def key(self) -> str | None:
        """The template's name (``DiskImage.{N}.Image.Bytes``), or None for common names."""
        return None if self.template is None else self.template.template


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.escape(template).replace(re.escape("{N}"), "([^.]*)"))


_SEEN_LIMIT: Final = 4096
"""How many list-parameter names a :class:`ParameterSet` remembers the matching of."""
_SEEN_NAME_LENGTH: Final = 256
"""Longer names are matched every time, never remembered."""
_UNSEEN: Final = "\0unseen"

_Match = tuple[ParameterTemplate, tuple[int, ...]] | str | None
"""A name's matching: its template and indexes, the first bad index, or None (unknown)."""


class ParameterSet:
    """The known parameter names of one action: the model's templates and the common names."""

    def __init__(self, templates: Iterable[ParameterTemplate]) -> None:
        self._exact: dict[str, ParameterTemplate] = {}
        self._seen: dict[str, _Match] = {}
        self._listed: list[tuple[re.Pattern[str], ParameterTemplate]] = []
        for template in templates:
            if "{N}" in template.template:
                self._listed.append((_pattern(template.template), template))
            else:
                self._exact[template.template] = template

    def resolve(self, params: Mapping[str, str]) -> dict[str, Parameter]:
        """Every parameter with its template, or ``UnknownParameter`` (stage 3).

        Names are case-sensitive. A name that has the shape of a list parameter but an index
        that is not a list index (``DiskImage.0.Image.Format``, ``DiskImage.01...``,
        ``LaunchSpecification.GroupName.x``) is refused as well (LIST-INDEX-INVALID).
        """
        resolved: dict[str, Parameter] = {}
        for name, value in params.items():
            resolved[name] = self._resolve_one(name, value)
        return resolved

    def _resolve_one(self, name: str, value: str) -> Parameter:
        if name in COMMON_NAMES:
            return Parameter(name, value, None)
        exact = self._exact.get(name)
        if exact is not None:
            return Parameter(name, value, exact)
        found = self._seen.get(name, _UNSEEN)
        if found is _UNSEEN:
            found = self._match_listed(name)
            if len(name) <= _SEEN_NAME_LENGTH:
                if len(self._seen) >= _SEEN_LIMIT:  # names a fuzzer makes up: bounded
                    self._seen.clear()
                self._seen[name] = found
        if isinstance(found, tuple):
            return Parameter(name, value, found[0], found[1])
        bad_index = found
        if bad_index is not None:
            raise unknown(name, f"{show(bad_index)!r} is not a list index (1 to {MAX_LIST_INDEX}).")
        raise unknown(name)

    def _match_listed(self, name: str) -> _Match:
        """The list template ``name`` matches with its indexes, else the first index that is
        not a list index (a str), else None (no template has the name's shape)."""
        bad_index: str | None = None
        for pattern, template in self._listed:
            match = pattern.fullmatch(name)
            if match is None:
                continue
            indexes = match.groups()
            wrong = [index for index in indexes if not is_list_index(index)]
            if not wrong:
                return template, tuple(int(i) for i in indexes)
            bad_index = wrong[0]
        return bad_index
