"""The import graph reads one way (README.md, "Layout"): a module of ec2conformance/ imports
only modules of its own layer or below; the embedded reference endpoint shares the data,
never the suite's code; strategies/ lean on the lower layers only; nothing in
ec2conformance/ imports strategies/ or suites/. Imports inside ``if TYPE_CHECKING:`` are for
annotations only and are not counted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ec2conformance import ROOT

LAYERS: tuple[tuple[str, ...], ...] = (
    ("ec2conformance", "ec2conformance.model"),
    (
        "ec2conformance.xmlsafe",
        "ec2conformance.wire",
        "ec2conformance.signing",
        "ec2conformance.safety",
        "ec2conformance.findings",
        "ec2conformance.health",
    ),
    ("ec2conformance.exchange", "ec2conformance.transport"),
    ("ec2conformance.client", "ec2conformance.sdk"),
    (
        "ec2conformance.golden",
        "ec2conformance.verdict",
        "ec2conformance.report",
        "ec2conformance.waivers",
    ),
    ("ec2conformance.recording", "ec2conformance.differential"),
    ("ec2conformance.oracle",),
    ("ec2conformance.registry", "ec2conformance.cases"),
    ("ec2conformance.state", "ec2conformance.fuzzing", "ec2conformance.variants"),
    ("ec2conformance.checks",),
    ("ec2conformance.verifiers", "ec2conformance.lifecycle", "ec2conformance.suite"),
    ("ec2conformance.plugin",),
    ("ec2conformance.cli", "ec2conformance.__main__"),
)
"""The layers of ec2conformance/, bottom first; a package stands for all its modules."""

REFERENCE_MAY_IMPORT = ("ec2conformance", "ec2conformance.model", "ec2conformance.reference")
STRATEGIES_MAY_IMPORT = (
    "ec2conformance",
    "ec2conformance.model",
    "ec2conformance.wire",
    "ec2conformance.golden",
    "ec2conformance.registry",
    "ec2conformance.cases",
    "strategies",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports_of(path: Path) -> set[str]:
    """The project modules ``path`` imports at run time (absolute and relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(n)
        for t in ast.walk(tree)
        if isinstance(t, ast.If) and _is_type_checking(t)
        for b in t.body
        for n in ast.walk(b)
    }
    package = (
        _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    )
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                head = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*head, base] if base else head)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    # strategies/ and suites/ are imported as ec2conformance.strategies (.suites): the same
    # folders, named as they are in the installed package
    found = {m.removeprefix("ec2conformance.") if _beside(m) else m for m in found}
    return {m for m in found if m.split(".")[0] in ("ec2conformance", "strategies", "suites")}


def _beside(module: str) -> bool:
    return module.startswith(("ec2conformance.strategies", "ec2conformance.suites"))


def _layer(module: str) -> int | None:
    best = None
    for rank, names in enumerate(LAYERS):
        for name in names:
            inside = module.startswith(name + ".") and name != "ec2conformance"
            if module == name or inside:
                best = rank
    return best


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


SUITE_MODULES = [p for p in _modules("ec2conformance") if "reference" not in p.parts]


def upward_imports(me: str, imported: set[str]) -> list[str]:
    """The imports of module ``me`` that break the layering."""
    rank = _layer(me)
    if rank is None:
        return [f"{me} has no layer in LAYERS"]
    wrong = []
    for name in sorted(imported):
        if name.startswith(("strategies", "suites")):
            wrong.append(name)
        elif name.startswith("ec2conformance.reference"):
            if not me.startswith(("ec2conformance.plugin", "ec2conformance.cli")):
                wrong.append(name)
        elif (_layer(name) or 0) > rank:
            wrong.append(name)
    return wrong


@pytest.mark.parametrize("path", SUITE_MODULES, ids=lambda p: _module_name(p))
def test_a_module_imports_only_its_layer_and_below(path):
    me = _module_name(path)
    assert upward_imports(me, imports_of(path)) == []


@pytest.mark.parametrize("path", _modules("ec2conformance/reference"), ids=_module_name)
def test_the_reference_shares_data_never_code(path):
    for imported in imports_of(path):
        assert imported.startswith(REFERENCE_MAY_IMPORT), f"{_module_name(path)}: {imported}"
        assert _layer(imported) in (None, 0) or imported.startswith("ec2conformance.reference")


@pytest.mark.parametrize("path", _modules("strategies"), ids=_module_name)
def test_strategies_lean_on_the_lower_layers_only(path):
    for imported in imports_of(path):
        allowed = imported.startswith(STRATEGIES_MAY_IMPORT)
        upper = _layer(imported) is not None and _layer(imported) > _layer("ec2conformance.cases")
        assert allowed and not upper, f"{_module_name(path)} imports {imported}"


def test_the_checker_catches_what_it_must():
    assert upward_imports("ec2conformance.oracle", {"ec2conformance.checks.judge"})
    assert upward_imports("ec2conformance.fuzzing", {"strategies.cases"})
    assert "strategies.profiles" in imports_of(ROOT / "strategies/__init__.py")
    assert upward_imports("ec2conformance.checks.judge", {"ec2conformance.reference"})
    assert upward_imports("ec2conformance.plugin.setup", {"ec2conformance.reference"}) == []
    assert "ec2conformance.client" in imports_of(ROOT / "ec2conformance/checks/judge.py")
