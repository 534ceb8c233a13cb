"""What a strategy hands to a test: a request with the requirement it is about.

- :class:`Case` (defined in ``ec2conformance/cases.py``, the one case type of the suite):
  one generated request, the requirement it exercises or violates, and the requirement ids
  of every fault it carries.
- :class:`Fault`: one deliberate fault, as a change to a request. The invalid strategies
  apply one fault to a valid request; the mixed stream applies several.

Both are plain data; neither sends nor judges anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ec2conformance.cases import FUZZ_ORACLE, Case
from ec2conformance.model import RequestSpec

__all__ = ["FUZZ_ORACLE", "Case", "Fault", "drop_params", "put_param"]


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
