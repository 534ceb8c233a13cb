"""What a strategy hands to a test: a request with the requirement it is about.

- :class:`Case`: one generated request (a :class:`~ec2conformance.model.RequestSpec`), the
  requirement it exercises or violates, and the requirement ids of every fault it carries.
  The outcomes that would be acceptable are not stored: they come from the oracle, for the
  run's mode (:meth:`Case.expectation`).
- :class:`Fault`: one deliberate fault, as a change to a request. The invalid strategies
  apply one fault to a valid request; the mixed stream applies several.

Both are plain data; neither sends nor judges anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ec2conformance.model import ACTION, API_VERSION, Identity, RequestSpec, Signing

if TYPE_CHECKING:  # the oracle is imported when an expectation is asked for
    from ec2conformance.oracle import Expectation

__all__ = ["FUZZ_ORACLE", "Case", "Fault", "drop_params", "put_param"]

#: The requirement a valid generated request (and the mixed stream) exercises.
FUZZ_ORACLE = "FUZZ-ORACLE"

# What summary() shows of a value, at most (longer values end in an ellipsis).
_VALUE_LIMIT = 40
# Parameters that the summary leaves out of its count (every request has them).
_ENVELOPE = ("Action", "Version")


def _show(value: str) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 2] + "…'"


@dataclass(frozen=True, repr=False)
class Case:
    """One generated request and the requirement it is about.

    ``requirement`` is the id the request exercises or violates (``FUZZ-ORACLE`` for a valid
    request and for the mixed stream); ``faults`` the ids of every fault it carries (empty
    for a valid request). ``focus`` names the parameters the case is about (shown first by
    :meth:`summary`; a name the request lacks is shown as removed) and ``note`` says, in a
    few words, what :meth:`summary` cannot show through parameters (``wrong-secret``).
    """

    spec: RequestSpec
    requirement: str
    faults: tuple[str, ...] = ()
    focus: tuple[str, ...] = field(default=(), compare=False)
    note: str = field(default="", compare=False)

    @property
    def valid(self) -> bool:
        """Whether the case carries no fault (the oracle has the last word)."""
        return not self.faults

    def summary(self) -> str:
        """One line for test ids and reports.

        ``POST DISK-BYTES-INVALID: DiskImage.1.Image.Bytes='1.5' (+6 params)``: the method,
        the requirement (with the faults when they are not just the requirement), what the
        case is about (the focused parameters, a missing ``Action`` or ``Version``, the
        identity, signing, signature fault or encoding fault when not the usual ones, the
        note), and how many other parameters there are (``Action`` and ``Version`` are not
        counted).
        """
        spec = self.spec
        what = self.requirement
        if self.faults and tuple(self.faults) != (self.requirement,):
            what += "[" + ",".join(self.faults) + "]"
        shown: list[str] = []
        for name in self.focus:
            value = spec.get(name)
            shown.append(f"no {name}" if value is None else f"{name}={_show(value)}")
        for name, usual in (("Action", ACTION), ("Version", API_VERSION)):
            value = spec.get(name)
            if name not in self.focus and value != usual:
                shown.append(f"no {name}" if value is None else f"{name}={_show(value)}")
        if spec.identity is not Identity.PERMITTED:
            shown.append(f"{spec.identity.value} identity")
        if spec.signing is Signing.NONE:
            shown.append("unsigned")
        elif spec.signing is Signing.QUERY:
            shown.append("signed in the query")
        if spec.auth_fault is not None:
            shown.append(spec.auth_fault.value)
        if spec.wire_fault is not None:
            shown.append(spec.wire_fault.value)
        if self.note:
            shown.append(self.note)
        counted = [n for n in spec.names() if n not in self.focus and n not in _ENVELOPE]
        rest = f"(+{len(counted)} params)"
        body = f": {', '.join(shown)}" if shown else ""
        return f"{spec.method} {what}{body} {rest}"

    def describe(self) -> str:
        """Several lines: the summary, then every parameter in wire order."""
        lines = [self.summary()]
        lines.extend(f"  {name}={value!r}" for name, value in self.spec.params)
        return "\n".join(lines)

    def expectation(
        self, *, strict: bool, availability_zone: str, safe_mode: bool = False
    ) -> Expectation:
        """The outcomes the contract accepts for this request, from the oracle.

        ``strict`` is ``--strict-conformance``; ``availability_zone`` the suite's zone;
        ``safe_mode`` whether every request carries ``DryRun=true`` (the oracle judges the
        spec as given: a strategy never adds DryRun for safe mode by itself).
        """
        from ec2conformance.oracle import expect

        return expect(
            self.spec, strict=strict, availability_zone=availability_zone, safe_mode=safe_mode
        )

    def __repr__(self) -> str:
        return f"Case<{self.summary()}>"


@dataclass(frozen=True, repr=False)
class Fault:
    """One deliberate fault: a change that makes a request break ``requirement``.

    ``apply`` turns a request into the faulty one; ``focus`` and ``note`` are what a
    :class:`Case` shows about it; ``carries`` lists the faults when the change introduces
    several (see :attr:`faults`). ``aspects`` name what the fault changes (a parameter, the
    disk image, the signature, the identity, ...): two faults with a common aspect would
    undo or hide each other, so the mixed stream never combines them.
    """

    requirement: str
    apply: Callable[[RequestSpec], RequestSpec]
    focus: tuple[str, ...] = ()
    note: str = ""
    aspects: frozenset[str] = frozenset()
    carries: tuple[str, ...] = ()

    @property
    def faults(self) -> tuple[str, ...]:
        """The requirement ids of the faults the change introduces: ``carries`` where a row
        describes a combination (AUTH-BEFORE-DRYRUN: a bad signature and ``DryRun=true``),
        otherwise ``requirement`` alone."""
        return self.carries or (self.requirement,)

    def __repr__(self) -> str:
        shown = ", ".join(self.focus) or self.note or "-"
        return f"Fault<{self.requirement}: {shown}>"


def put_param(spec: RequestSpec, name: str, value: str) -> RequestSpec:
    """``spec`` with ``name`` set to ``value``: in place where present, else at the end."""
    if spec.get(name) is None:
        return spec.plus((name, value))
    return replace(spec, params=tuple((k, value if k == name else v) for k, v in spec.params))


def drop_params(spec: RequestSpec, *names: str) -> RequestSpec:
    """``spec`` without the parameters called ``names``."""
    return spec.without(*names)
