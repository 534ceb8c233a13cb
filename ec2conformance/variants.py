"""Fuzz amplification: other wire forms of a generated case that the contract treats the same.

In a ``--fuzz-minutes`` session each example Hypothesis draws is sent as it is and then as up
to :data:`VARIANTS_PER_CASE` variants (:func:`variants`): the same parameters in another
order, or as a GET instead of a POST (or the reverse). Drawing an example costs more than
sending a request, so the variants multiply the requests a session sends while each one
still carries what the example is about. The ``ci`` and ``default`` profiles never send
variants: what they draw and send is unchanged.

What makes a variant the same request, by the contract (``CONTRACT.md``):

- **GET or POST.** WIRE-GET: "the same parameters as a GET query string: 200 ok, like
  POST"; bodies and query strings are decoded alike (as
  ``application/x-www-form-urlencoded``). Only for a request whose row does not name its
  method (WIRE-POST, WIRE-GET, AUTH-QUERY-SIGNATURE keep theirs), signed in the header or not
  at all (a query signature stays on a GET: in a POST body it is outside the contract),
  without a wire fault (its bytes travel only in a POST body), and only where the size fits
  (a GET URL up to 8 KiB: the oracle says so).
- **Parameter order.** Every requirement is stated over names and values ("a parameter
  present", "no ``Platform``", a value's syntax), none over positions, and a name given twice
  is outside the contract; so a request whose names are all distinct is the same request in
  any order. A spec with a repeated name is never reordered.

Every variant is also put to the oracle (:func:`same_expectation`): it is kept only when the
oracle expects of it exactly what it expects of the example (the same acceptable outcomes in
the same order, the same faults, the same resources, inside or outside the contract alike;
the rows that describe it may differ only by WIRE-POST and WIRE-GET, the rows of the sample as
a POST and as a GET, "like POST"). A variant
the oracle sees otherwise is dropped, never judged as the example's.

Variants are a pure function of the case (:func:`variants`): fixed transformations first
(reversed, GET/POST, rotated), then orders shuffled from a SHA-256 of the case's JSON form.
The same example always gives the same variants, so Hypothesis's replay and shrinking see a
deterministic test, and a failing variant is kept in ``reports/fuzz-failures.json`` as the
case it is (its own spec), which a later run replays as it was sent.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ec2conformance.cases import Case, case_to_json
from ec2conformance.model import RequestSpec, Signing
from ec2conformance.oracle import Expectation

__all__ = [
    "FIXED_METHOD_ROWS",
    "VARIANTS_PER_CASE",
    "Variant",
    "same_expectation",
    "variants",
]

VARIANTS_PER_CASE = 7
"""Variants sent after each example in a fuzzing session (fewer when a case has fewer)."""

FIXED_METHOD_ROWS = frozenset({"WIRE-POST", "WIRE-GET", "AUTH-QUERY-SIGNATURE"})
"""Requirements whose row names the HTTP method: their cases keep it."""

# The rows of the sample as a POST and as a GET ("200 ok, like POST"): a method swap may move
# a request from one to the other.
_METHOD_ROWS = frozenset({"WIRE-POST", "WIRE-GET"})
# Candidates tried per variant wanted: bounds the oracle's work for a case whose forms the
# oracle mostly refuses (a GET too long, say).
_CANDIDATES_PER_VARIANT = 2

Expect = Callable[[RequestSpec], "Expectation | None"]
"""The oracle with the run's settings: ``spec -> Expectation``, or None for a spec the run
would not send (safe mode's refusals)."""


@dataclass(frozen=True)
class Variant:
    """One variant of a case: the case to send (its own spec) and how it was made."""

    case: Case
    how: str


def _case_seed(case: Case) -> bytes:
    text = json.dumps(case_to_json(case), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).digest()


def _swappable(case: Case) -> bool:
    spec = case.spec
    return (
        case.requirement not in FIXED_METHOD_ROWS
        and spec.wire_fault is None
        and spec.signing is not Signing.QUERY
        and spec.method.upper() in ("GET", "POST")
    )


def _orders(params: tuple[tuple[str, str], ...], seed: bytes) -> list[tuple[str, tuple]]:
    """Other orders of ``params`` (named), the fixed ones first, then seeded shuffles."""
    n = len(params)
    if n < 2 or len({name for name, _ in params}) != n:
        return []
    out: list[tuple[str, tuple]] = [("parameters reversed", params[::-1])]
    if n > 2:
        out.append(("parameters rotated by one", params[1:] + params[:1]))
        half = n // 2
        out.append((f"parameters rotated by {half}", params[half:] + params[:half]))
    out.append(("parameters sorted by name", tuple(sorted(params))))
    rng = random.Random(seed)
    for i in range(VARIANTS_PER_CASE * _CANDIDATES_PER_VARIANT):
        shuffled = list(params)
        rng.shuffle(shuffled)
        out.append((f"parameters shuffled (order {i + 1} of the case's hash)", tuple(shuffled)))
    return out


def _candidates(case: Case) -> list[tuple[str, RequestSpec]]:
    spec = case.spec
    orders = _orders(spec.params, _case_seed(case))
    other = ("POST" if spec.method.upper() == "GET" else "GET") if _swappable(case) else None
    out: list[tuple[str, RequestSpec]] = []
    if orders:
        how, params = orders[0]
        out.append((how, replace(spec, params=params)))
    if other is not None:
        out.append((f"{other} instead of {spec.method}", replace(spec, method=other)))
    for index, (how, params) in enumerate(orders[1:] if orders else []):
        if other is not None and index % 2 == 0:
            swapped = replace(spec, method=other, params=params)
            out.append((f"{other} instead of {spec.method}, {how}", swapped))
        else:
            out.append((how, replace(spec, params=params)))
    return out


def same_expectation(case: Case, original: Expectation, variant: Expectation) -> bool:
    """Whether the oracle expects of ``variant`` what it expects of ``original`` (see the
    module docstring): outcomes in the same order, the same faults and resources (in any
    order: they follow the parameters'), the same rows but for WIRE-POST and WIRE-GET."""
    if (
        original.outside_contract != variant.outside_contract
        or original.acceptable != variant.acceptable
        or original.resource_outcomes != variant.resource_outcomes
        or original.allowed_stages != variant.allowed_stages
        or Counter(original.faults) != Counter(variant.faults)
        or set(original.resources) != set(variant.resources)
    ):
        return False
    if case.requirement in FIXED_METHOD_ROWS:
        return set(original.describing) == set(variant.describing)
    return set(original.describing) - _METHOD_ROWS == set(variant.describing) - _METHOD_ROWS


def variants(case: Case, expect: Expect, *, limit: int = VARIANTS_PER_CASE) -> Sequence[Variant]:
    """Up to ``limit`` variants of ``case`` that the oracle (``expect``) treats the same,
    each different from the case and from the others; a pure function of the case."""
    if limit <= 0:
        return ()
    original = expect(case.spec)
    if original is None:
        return ()
    seen = {(case.spec.method, case.spec.params)}
    out: list[Variant] = []
    tried = 0
    for how, spec in _candidates(case):
        key = (spec.method, spec.params)
        if key in seen:
            continue
        seen.add(key)
        tried += 1
        expected = expect(spec)
        if expected is not None and same_expectation(case, original, expected):
            note = f"{case.note}; variant: {how}" if case.note else f"variant: {how}"
            out.append(Variant(replace(case, spec=spec, note=note), how))
            if len(out) >= limit:
                break
        if tried >= limit * _CANDIDATES_PER_VARIANT:
            break
    return tuple(out)
