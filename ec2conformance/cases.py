"""Cases: one request and the requirement it is about, and the one table of example cases.

- :class:`Case`: a request (a :class:`~ec2conformance.model.RequestSpec`), the requirement it
  exercises or violates, the ids of every fault it carries, and what to show of it. The
  example cases of ``golden/cases.json`` and every request the strategies generate are Cases;
  the acceptable outcomes are not stored but asked of the oracle (:meth:`Case.expectation`).
- :func:`example_cases`: ``golden/cases.json`` read once through the golden loader, each
  entry turned into a Case by :func:`spec_from_entry`, the one converter of an entry (the
  sample request with changes) into a request.
- :func:`case_to_json` / :func:`case_from_json`: the form in which a generated case is kept
  (``reports/fuzz-failures.json``) and replayed by a later run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from ec2conformance import golden
from ec2conformance.model import (
    ACTION,
    API_VERSION,
    AuthFault,
    Identity,
    RequestSpec,
    Signing,
    WireFault,
    sample,
)
from ec2conformance.oracle import Expectation, expect

__all__ = [
    "FUZZ_ORACLE",
    "Case",
    "case_from_json",
    "case_to_json",
    "cases_of",
    "example_cases",
    "spec_from_entry",
]

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
    """One request and the requirement it is about.

    ``requirement`` is the id the request exercises or violates (``FUZZ-ORACLE`` for a valid
    generated request and for the mixed stream); ``faults`` the ids of every fault it carries
    (empty for a valid request). ``focus`` names the parameters the case is about (shown first
    by :meth:`summary`; a name the request lacks is shown as removed), ``note`` says in a few
    words what :meth:`summary` cannot show through parameters (``wrong-secret``), and ``name``
    is an example case's name in ``golden/cases.json`` (the end of its test id).
    """

    spec: RequestSpec
    requirement: str
    faults: tuple[str, ...] = ()
    focus: tuple[str, ...] = field(default=(), compare=False)
    note: str = field(default="", compare=False)
    name: str = field(default="", compare=False)

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
        note), and how many other parameters there are.
        """
        what = self.requirement
        if self.faults and tuple(self.faults) != (self.requirement,):
            what += "[" + ",".join(self.faults) + "]"
        shown = self._shown()
        counted = [n for n in self.spec.names() if n not in self.focus and n not in _ENVELOPE]
        body = f": {', '.join(shown)}" if shown else ""
        return f"{self.spec.method} {what}{body} (+{len(counted)} params)"

    def _shown(self) -> list[str]:
        spec = self.spec
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
        shown += [f.value for f in (spec.auth_fault, spec.wire_fault) if f is not None]
        if self.note:
            shown.append(self.note)
        return shown

    def describe(self) -> str:
        """Several lines: the summary, then every parameter in wire order."""
        lines = [self.summary()]
        lines.extend(f"  {name}={value!r}" for name, value in self.spec.params)
        return "\n".join(lines)

    def expectation(
        self, *, strict: bool, availability_zones: Sequence[str], safe_mode: bool = False
    ) -> Expectation:
        """The outcomes the contract accepts for this request, from the oracle.

        ``strict`` is ``--strict-conformance``; ``availability_zones`` the suite's zones;
        ``safe_mode`` whether every request carries ``DryRun=true`` (the oracle judges the
        spec as given: a strategy never adds DryRun for safe mode by itself).
        """
        return expect(
            self.spec, strict=strict, availability_zones=availability_zones, safe_mode=safe_mode
        )

    def __repr__(self) -> str:
        return f"Case<{self.summary()}>"


# --------------------------------------------------------------------------- example cases


def spec_from_entry(entry: Mapping[str, Any], base: RequestSpec | None = None) -> RequestSpec:
    """An entry of ``golden/cases.json`` applied to ``base`` (the sample request).

    ``remove`` drops parameters, ``set`` replaces values in place (or adds them at the end),
    ``add`` appends pairs (a name may repeat); ``method``, ``identity``, ``signing``,
    ``auth_fault`` and ``wire_fault`` replace the request's own.
    """
    base = sample() if base is None else base
    removed = set(entry.get("remove", ()))
    wanted = dict(entry.get("set", {}))
    pairs = [(k, wanted.pop(k, v)) for k, v in base.params if k not in removed]
    pairs += list(wanted.items()) + [(str(k), str(v)) for k, v in entry.get("add", ())]
    return replace(
        base,
        params=tuple(pairs),
        method=entry.get("method", base.method),
        identity=Identity(entry.get("identity", base.identity.value)),
        signing=Signing(entry.get("signing", base.signing.value)),
        auth_fault=AuthFault(entry["auth_fault"]) if "auth_fault" in entry else base.auth_fault,
        wire_fault=WireFault(entry["wire_fault"]) if "wire_fault" in entry else base.wire_fault,
    )


@cache
def example_cases() -> tuple[Case, ...]:
    """Every example case of ``golden/cases.json``, in the file's order."""
    return tuple(
        Case(
            spec_from_entry(entry),
            entry["requirement"],
            name=entry["name"],
            note=entry.get("documentation", ""),
        )
        for entry in golden.load_json("cases.json")["cases"]
    )


def cases_of(*requirements: str) -> tuple[Case, ...]:
    """The example cases of these requirements, in the file's order."""
    return tuple(c for c in example_cases() if c.requirement in requirements)


# --------------------------------------------------------------------------- kept cases


def case_to_json(case: Case) -> dict[str, Any]:
    """A case as JSON (what ``reports/fuzz-failures.json`` keeps)."""
    spec = case.spec
    return {
        "requirement": case.requirement,
        "faults": list(case.faults),
        "spec": {
            "params": [list(p) for p in spec.params],
            "method": spec.method,
            "identity": spec.identity.value,
            "signing": spec.signing.value,
            "auth_fault": spec.auth_fault.value if spec.auth_fault else None,
            "wire_fault": spec.wire_fault.value if spec.wire_fault else None,
        },
    }


def case_from_json(data: Mapping[str, Any]) -> Case:
    """The case :func:`case_to_json` wrote (``KeyError``/``ValueError`` when it is damaged)."""
    raw = data["spec"]
    spec = RequestSpec(
        params=tuple((str(k), str(v)) for k, v in raw["params"]),
        method=raw["method"],
        identity=Identity(raw["identity"]),
        signing=Signing(raw["signing"]),
        auth_fault=AuthFault(raw["auth_fault"]) if raw.get("auth_fault") else None,
        wire_fault=WireFault(raw["wire_fault"]) if raw.get("wire_fault") else None,
    )
    return Case(spec, data["requirement"], tuple(data.get("faults", ())))
