"""The normalisation rules of ``golden/normalisation.json``: how a success body is compared
with the golden response, and which requirements that comparison judges.

- :func:`normalisation`: the rules (:class:`Rule`, one per varying element) and the element
  tree a success body may have beyond the golden (the model's ``ImportInstanceResult`` and
  the envelope's ``requestId``), as a :class:`Normalisation`.
- :data:`COMPARE_REQUIREMENTS`: the requirements the comparison judges, from the data: the
  file's structure and order requirements (RESP-GOLDEN, RESP-GOLDEN-ORDER) and the
  requirement of every rule the comparison applies (a rule with ``"compared": false``, such
  as RESP-REQUEST-ID's, is judged across responses by a check of its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from ec2conformance.golden.loaders import load_json

__all__ = ["COMPARE_REQUIREMENTS", "Normalisation", "Rule", "normalisation"]


@dataclass(frozen=True)
class Rule:
    """How one varying element of a success body is judged (a rule of
    ``normalisation.json``); ``path`` runs from the root by local names. ``compared`` is
    false for a rule the comparison leaves to a check of its own."""

    id: str
    path: str
    requirement: str
    documentation: str
    compared: bool = True
    in_golden: bool = True
    required: bool = False
    pattern: str | None = None
    not_before_seconds: int | None = None
    non_empty: bool = False
    fresh: bool = False
    count: int | None = None
    equals: Mapping[str, str] | None = None
    echo: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Normalisation:
    """The rules of the contract's section "The sample", as data.

    ``structure`` is the requirement of an element that is missing, not in the model, or
    different from the golden where no rule judges it; ``order`` the requirement of
    siblings out of the golden's order. ``empty_may_be_absent``: an element empty in the
    golden, whose rules expect no value for the request, may also be absent (the second
    alternative; strict takes the first, present and empty).
    """

    golden: str
    root: str
    integer_syntax: str
    structure: str
    order: str
    empty_may_be_absent: bool
    rules: tuple[Rule, ...]
    envelope: tuple[str, ...]
    allowed: Mapping[str, Any]

    def rules_for(self, path: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.path == path)

    @property
    def compared(self) -> frozenset[str]:
        """The requirements the comparison judges: structure, order and every compared
        rule's."""
        ruled = {r.requirement for r in self.rules if r.compared}
        return frozenset({self.structure, self.order, *ruled})


def _rule(r: Mapping[str, Any]) -> Rule:
    return Rule(
        id=r["id"],
        path=r["path"],
        requirement=r["requirement"],
        documentation=r["documentation"],
        compared=r.get("compared", True),
        in_golden=r.get("in_golden", True),
        required=r.get("required", False),
        pattern=r.get("pattern"),
        not_before_seconds=r.get("not_before_seconds"),
        non_empty=r.get("non_empty", False),
        fresh=r.get("fresh", False),
        count=r.get("count"),
        equals=r.get("equals"),
        echo=r.get("echo"),
    )


def _allowed(beyond: Mapping[str, Any]) -> Mapping[str, Any]:
    """The element tree allowed beyond the golden: the model's subtree that ``beyond``
    points at (``model.json#/...``) under its parent, with the envelope's elements."""
    file_name, _, pointer = beyond["model"].partition("#/")
    tree: Any = load_json(file_name)
    for part in filter(None, pointer.split("/")):
        tree = tree[part]
    children = {name: MappingProxyType({"type": "string"}) for name in beyond["envelope"]}
    children.update(tree)
    parent = MappingProxyType({"type": "structure", "children": MappingProxyType(children)})
    return MappingProxyType({beyond["model_parent"]: parent})


@cache
def normalisation() -> Normalisation:
    """The normalisation rules, and the element tree a success body may have beyond the
    golden: the model's ``ImportInstanceResult`` and the envelope's ``requestId``."""
    data = load_json("normalisation.json")
    beyond = data["allowed_beyond_golden"]
    return Normalisation(
        golden=data["golden"],
        root=data["root"],
        integer_syntax=data["integer_syntax"],
        structure=data["structure_requirement"],
        order=data["order_requirement"],
        empty_may_be_absent=data["empty_elements"]["may_be_absent"],
        rules=tuple(_rule(r) for r in data["rules"]),
        envelope=tuple(beyond["envelope"]),
        allowed=_allowed(beyond),
    )


#: The requirement ids :func:`~ec2conformance.golden.compare_success` judges (see
#: :attr:`Normalisation.compared`).
COMPARE_REQUIREMENTS: frozenset[str] = normalisation().compared
