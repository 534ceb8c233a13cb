"""Parameters of the suite's tests, from the data: a test id is the requirement id followed by
the case's name (``PARAM-PLATFORM-INVALID-linux``), so ``-k`` selects by requirement, and
each parameter carries its ``requirement`` and group markers."""

from __future__ import annotations

from typing import Any

import pytest

from ec2conformance import registry
from ec2conformance.cases import Case, example_cases


def param(requirement: str, value: Any, name: str | None = None) -> Any:
    """A pytest parameter for ``requirement``: its id, its requirement and group markers."""
    case_id = f"{requirement}-{name}" if name else requirement
    group = registry.entry(requirement).group
    marks = [pytest.mark.requirement(requirement), getattr(pytest.mark, group)]
    return pytest.param(value, id=case_id, marks=marks)


def refuses(requirement: str) -> bool:
    """Whether the requirement's row expects its request to be refused (an error code)."""
    expected = registry.entry(requirement).row.expected
    return bool(expected) and all(a.code is not None for a in expected)


def serves(requirement: str) -> bool:
    """Whether the requirement's row expects its request to be served (200)."""
    return any(a.status == 200 and a.code is None for a in registry.entry(requirement).row.expected)


def group_cases(group: str, *, refused: bool) -> list[Any]:
    """The example cases (``golden/cases.json``) of one group whose rows refuse (or serve)
    their request, as parameters."""
    wanted = refuses if refused else serves
    return [
        param(case.requirement, case, case.name)
        for case in example_cases()
        if registry.entry(case.requirement).group == group and wanted(case.requirement)
    ]


def first_case(requirement: str) -> Case:
    """The first example case of a requirement."""
    return next(c for c in example_cases() if c.requirement == requirement)


def requirement_params(ids: tuple[str, ...] | list[str], name: str | None = None) -> list[Any]:
    """One parameter per requirement id (the value is the id)."""
    return [param(rid, rid, name) for rid in ids]
