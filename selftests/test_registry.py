"""The requirement registry (ec2conformance/registry.py) is complete: every requirement of
golden/requirements.json has exactly one check, every requirement a request can break has
exactly one strategy and an example case, and every group has its marker and its module of
suites/. A requirement added to the data without its code fails here, by name."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import pytest

import ec2conformance.checks
import ec2conformance.strategies  # noqa: F401 - registers the strategies
from ec2conformance import ROOT, registry
from ec2conformance.cases import example_cases
from ec2conformance.suite import refuses, serves

IDS = list(registry.entries())
REQUEST_ROWS = [
    rid
    for rid in IDS
    if registry.entry(rid).judges == "outcome" and registry.entry(rid).row.request
]
"""Rows that describe a request (the ones a request can break or a valid request varies)."""


def _group_module(group: str) -> Path:
    return ROOT / "suites" / f"test_{group}.py"


@pytest.mark.parametrize("rid", IDS)
def test_every_requirement_has_exactly_one_check(rid):
    check = registry.check_of(rid)
    assert check is not None, f"{rid} has no check: register one with @registry.check({rid!r})"
    assert check.__module__.startswith("ec2conformance.checks."), check.__module__


def test_no_check_is_registered_for_an_unknown_id():
    assert set(registry.registered_checks()) == set(IDS)


def test_registering_twice_is_refused():
    with pytest.raises(registry.RegistryError, match="already has a check"):
        registry.check("ERR-ENVELOPE")(lambda seen: [])
    with pytest.raises(registry.RegistryError, match="not a requirement"):
        registry.check("NOT-A-REQUIREMENT")(lambda seen: [])


@pytest.mark.parametrize("rid", [r for r in REQUEST_ROWS if refuses(r)])
def test_every_breakable_requirement_has_one_strategy_and_a_case(rid):
    assert registry.strategy_of(rid) is not None, (
        f"{rid} has no strategy: register one with @registry.strategy({rid!r}) in strategies/"
    )
    assert any(c.requirement == rid for c in example_cases()), f"{rid} has no example case"


@pytest.mark.parametrize("rid", [r for r in REQUEST_ROWS if serves(r)])
def test_every_served_request_row_has_an_example_case(rid):
    assert any(c.requirement == rid for c in example_cases()), f"{rid} has no example case"


def test_strategies_are_registered_for_requirements_only():
    assert set(registry.registered_strategies()) <= set(IDS)


def test_every_example_case_names_a_request_row():
    assert {c.requirement for c in example_cases()} <= set(REQUEST_ROWS)


def _markers() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "pytest.ini")
    lines = parser["pytest"]["markers"].strip().splitlines()
    return {line.split(":", 1)[0].split("(", 1)[0].strip() for line in lines}


@pytest.mark.parametrize("group", registry.groups())
def test_every_group_has_its_marker_and_its_suite_module(group):
    assert group in _markers(), f"pytest.ini has no marker {group!r}"
    module = _group_module(group)
    assert module.is_file(), f"no suite module {module.relative_to(ROOT)}"
    tree = ast.parse(module.read_text(encoding="utf-8"))
    marked = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == group
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
    ]
    assert marked, f"{module.name} does not mark its tests with pytest.mark.{group}"


def test_every_suite_module_is_a_group():
    modules = {p.stem.removeprefix("test_") for p in (ROOT / "suites").glob("test_*.py")}
    assert modules == set(registry.groups())


def test_no_suite_test_is_called_test_example():
    for path in (ROOT / "suites").glob("test_*.py"):
        names = [
            n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)
        ]
        assert "test_example" not in names, path.name


def test_strict_narrows_to_the_first_alternative():
    entry = registry.entry("WIRE-NO-ACTION")
    assert len(entry.alternatives(strict=False)) > 1
    assert entry.alternatives(strict=True) == entry.alternatives(strict=False)[:1]
    unknown = registry.entry("LIFE-UNKNOWN-TASK")
    assert [a.code for a in unknown.alternatives(strict=True, variant="malformed")] == [
        "InvalidConversionTaskId.Malformed"
    ]


def test_gates_run_before_the_checks_they_guard():
    """PARAM-DESCRIPTION-ECHO comes before the response rows in the contract's order, yet the
    comparison that judges it must not look at a body whose envelope failed."""
    ids = tuple(rid for rid, e in registry.entries().items() if e.judged_on_success)
    assert ids[0] == "PARAM-DESCRIPTION-ECHO"
    ordered = [check for check, _ in registry.checks_for(ids)]
    gates = [i for i, check in enumerate(ordered) if registry.is_gate(check)]
    assert gates == list(range(len(gates))) and len(gates) == 2
