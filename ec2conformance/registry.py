"""The requirement registry: one answer to "where is the check for X".

Every requirement of the contract is a row of ``golden/requirements.json``; this module reads
those rows (through :func:`ec2conformance.golden.requirements`) and keeps, for each id, what
the code needs to know about it:

- its level, group and sentence (the row's ``documentation``, printed with every failure);
- the answers it judges (the row's ``judges``: ``outcome``, ``error-body``, ``success-body``,
  ``exchange``, ``state``, ``lifecycle``), and whether the golden comparison judges it (a rule
  of ``golden/normalisation.json`` names it);
- its safe-mode rule (``skipped``, ``expects-dryrun``, ``as-written``);
- its alternatives, narrowed to the first under ``--strict-conformance``;
- its check: the function that judges it, registered with :func:`check` where it is defined
  (``ec2conformance/checks/``), as Schemathesis registers its checks;
- its strategy: the Hypothesis strategy factory that breaks or varies it, registered with
  :func:`strategy` in ``strategies/``.

Nothing here imports the checks or the strategies: they register themselves when imported
(``import ec2conformance.checks``, ``import strategies.registered``), and
``selftests/test_registry.py`` asserts that every id has exactly one check, that every id a
request can break has exactly one strategy and an example case, and that every group has its
marker and its suite module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from ec2conformance import golden
from ec2conformance.golden import Alternative, Requirement

__all__ = [
    "Entry",
    "RegistryError",
    "check",
    "check_of",
    "checks_for",
    "entries",
    "entry",
    "groups",
    "ids_judging",
    "ids_of_group",
    "is_gate",
    "level",
    "registered_checks",
    "registered_strategies",
    "strategy",
    "strategy_of",
]

Judges = Literal["outcome", "error-body", "success-body", "exchange", "state", "lifecycle"]
F = TypeVar("F", bound=Callable[..., Any])

SAFE_MODE_REASON = "safe mode: DryRun only"
"""Why a requirement whose row says ``"safe_mode": "skipped"`` is skipped in safe mode."""


class RegistryError(LookupError):
    """An id that is not a requirement, or a second check or strategy for one id."""


@dataclass(frozen=True)
class Entry:
    """One requirement as the code sees it (a row of ``golden/requirements.json``)."""

    row: Requirement

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def level(self) -> str:
        return self.row.level

    @property
    def group(self) -> str:
        return self.row.group

    @property
    def sentence(self) -> str:
        """The requirement in one sentence, as a failure prints it."""
        return self.row.documentation

    @property
    def judges(self) -> str:
        return self.row.judges

    @property
    def skipped_in_safe_mode(self) -> bool:
        return self.row.safe_mode == "skipped"

    @property
    def compared(self) -> bool:
        """Whether the golden comparison judges it (``golden/normalisation.json``)."""
        return self.id in _compared_ids()

    @property
    def judged_on_success(self) -> bool:
        """Whether it is judged on every 200 to a valid request (RESP-*, echoes)."""
        return self.judges == "success-body" or self.compared

    def alternatives(self, *, strict: bool, variant: str | None = None) -> tuple[Alternative, ...]:
        """The row's (or one variant's) acceptable outcomes; only the first when strict."""
        if variant is None:
            found = self.row.expected
        else:
            matching = [v for v in self.row.variants if v.name == variant]
            if not matching:
                raise RegistryError(f"{self.id} has no variant {variant!r}")
            found = matching[0].expected
        return found[:1] if strict else found

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.row.variants)

    @property
    def check(self) -> Callable[..., Any] | None:
        return _CHECKS.get(self.id)

    @property
    def strategy(self) -> Callable[..., Any] | None:
        return _STRATEGIES.get(self.id)


@cache
def entries() -> Mapping[str, Entry]:
    """Every requirement by id, in the contract's order."""
    return MappingProxyType({rid: Entry(row) for rid, row in golden.requirements().items()})


def entry(rid: str) -> Entry:
    try:
        return entries()[rid]
    except KeyError:
        raise RegistryError(f"{rid!r} is not a requirement of golden/requirements.json") from None


def level(rid: str) -> str:
    return entry(rid).level


@cache
def groups() -> tuple[str, ...]:
    """The requirement groups (each a pytest marker and a module of ``suites/``), in order."""
    return tuple(dict.fromkeys(e.group for e in entries().values()))


def ids_of_group(group: str) -> tuple[str, ...]:
    return tuple(rid for rid, e in entries().items() if e.group == group)


def ids_judging(judges: Judges) -> tuple[str, ...]:
    """The ids whose row judges that kind of answer, in the contract's order."""
    return tuple(rid for rid, e in entries().items() if e.judges == judges)


@cache
def _compared_ids() -> frozenset[str]:
    return frozenset(golden.COMPARE_REQUIREMENTS)


# --------------------------------------------------------------------------- registration

_CHECKS: dict[str, Callable[..., Any]] = {}
_STRATEGIES: dict[str, Callable[..., Any]] = {}
_GATES: set[Callable[..., Any]] = set()


def _register(table: dict[str, Callable[..., Any]], kind: str, ids: tuple[str, ...]) -> Any:
    def decorate(function: F) -> F:
        for rid in ids:
            entry(rid)  # an id that is not a requirement is a mistake
            known = table.get(rid)
            if known is not None and known is not function:
                raise RegistryError(f"{rid} already has a {kind}: {known.__qualname__}")
            table[rid] = function
        return function

    return decorate


def check(*ids: str, gate: bool = False) -> Callable[[F], F]:
    """Register the decorated function as the check of ``ids``.

    A ``gate`` check guards the checks after it on the same answer: when it finds a problem
    the later ones could not look (RESP-ENVELOPE: without a usable envelope there is no body
    to compare).
    """
    register = _register(_CHECKS, "check", ids)

    def decorate(function: F) -> F:
        if gate:
            _GATES.add(function)
        return register(function)

    return decorate


def is_gate(function: Callable[..., Any]) -> bool:
    return function in _GATES


def checks_for(ids: tuple[str, ...]) -> list[tuple[Callable[..., Any], tuple[str, ...]]]:
    """The distinct checks of ``ids``, gates first, then in the order of their first id,
    each with the ids of ``ids`` it judges."""
    out: dict[Callable[..., Any], list[str]] = {}
    for rid in ids:
        function = _CHECKS.get(rid)
        if function is not None:
            out.setdefault(function, []).append(rid)
    ordered = sorted(out.items(), key=lambda item: not is_gate(item[0]))
    return [(function, tuple(rids)) for function, rids in ordered]


def strategy(*ids: str) -> Callable[[F], F]:
    """Register the decorated strategy factory as the strategy of ``ids``."""
    return _register(_STRATEGIES, "strategy", ids)


def check_of(rid: str) -> Callable[..., Any] | None:
    return _CHECKS.get(rid)


def strategy_of(rid: str) -> Callable[..., Any] | None:
    return _STRATEGIES.get(rid)


def registered_checks() -> Mapping[str, Callable[..., Any]]:
    return MappingProxyType(_CHECKS)


def registered_strategies() -> Mapping[str, Callable[..., Any]]:
    return MappingProxyType(_STRATEGIES)
