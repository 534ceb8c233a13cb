"""From a request's faults to what passes: the stages the order of checks allows, the
acceptable outcomes, the rows that describe the request as a whole, and :func:`expect`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ec2conformance.model import ACTION, API_VERSION, SAMPLE_PARAMS, Identity, RequestSpec, Signing
from ec2conformance.oracle.contract import contract
from ec2conformance.oracle.finder import Finder
from ec2conformance.oracle.outcomes import SUCCESS, Expectation, Fault, Outcome
from ec2conformance.oracle.parameters import names, values
from ec2conformance.oracle.request import authentication, envelope, permission

__all__ = ["expect"]


def _allowed_stages(stages: set[int], strict: bool) -> frozenset[int]:
    """The stages whose outcomes pass, by the order of checks."""
    if not stages:
        return frozenset({7})
    earliest = min(stages)
    if strict or earliest in (1, 2):
        return frozenset({earliest})
    allowed = {s for s in stages if s >= 3}
    if 5 in allowed:
        allowed.discard(6)  # stage 5 before stage 6 in both modes
    return frozenset(allowed)


def _acceptable(
    faults: list[Fault], strict: bool, resource_outcomes: tuple[Outcome, ...]
) -> tuple[tuple[Outcome, ...], frozenset[int]]:
    def outcomes_of(fs: list[Fault], extra: tuple[Outcome, ...]) -> tuple[list[Outcome], set[int]]:
        stages = {f.stage for f in fs} | ({4} if extra else set())
        allowed = _allowed_stages(stages, strict)
        out: list[Outcome] = []
        if allowed == {7}:
            out.append(SUCCESS)
        for f in sorted(fs, key=lambda f: f.stage):
            if f.stage in allowed:
                out.extend(f.outcomes[:1] if strict else f.outcomes)
        if extra and 4 in allowed:
            out.extend(extra)  # the resources rule is never narrowed
        return out, set(allowed)

    plain, allowed = outcomes_of(faults, ())
    if resource_outcomes:
        more, _ = outcomes_of(faults, resource_outcomes)
        plain += more
    return tuple(dict.fromkeys(plain)), frozenset(allowed)


def _describing(spec: RequestSpec, faults: list[Fault], valid: bool) -> tuple[str, ...]:
    """The rows that describe this request as a whole (recorded against before the
    general rules of "Where a failure is recorded")."""
    dry_run = spec.get("DryRun")
    if not valid:
        stages = {f.stage for f in faults}
        auth = {f.requirement for f in faults if f.stage == 1}
        if (
            dry_run == "true"
            and auth & {"AUTH-BAD-SIGNATURE", "AUTH-UNKNOWN-KEY"}
            and not stages & {2, 3, 4}
        ):
            return ("AUTH-BEFORE-DRYRUN",)
        return ()
    if spec.identity is Identity.DENIED:
        return ("PERM-DRYRUN-DENIED",) if dry_run == "true" else ("PERM-DENIED",)
    if dry_run == "true":
        return ("PERM-DRYRUN-PERMITTED",)
    return _valid_rows(spec, dry_run)


def _valid_rows(spec: RequestSpec, dry_run: str | None) -> tuple[str, ...]:
    """The rows a valid request from the permitted identity without DryRun exercises."""
    rows: list[str] = []
    sample = sorted((("Action", ACTION), ("Version", API_VERSION), *SAMPLE_PARAMS))
    params = sorted(spec.params)
    without_description = sorted(p for p in spec.params if p[0] != "Description")
    if spec.signing is Signing.QUERY:
        rows.append("AUTH-QUERY-SIGNATURE")
    elif spec.method == "GET":
        rows.append("WIRE-GET")
    elif params == sample:
        rows.append("WIRE-POST")
    if dry_run == "false":
        rows.append("PERM-DRYRUN-FALSE")
    if without_description == sample:
        # PARAM-DESCRIPTION-ECHO covers an absent Description too ("empty element when
        # absent"); WIRE-UTF8 needs one.
        if spec.get("Description") is not None:
            rows.append("WIRE-UTF8")
        rows.append("PARAM-DESCRIPTION-ECHO")
    return tuple(rows)


def _as_sent(spec: RequestSpec, safe_mode: bool) -> RequestSpec:
    """The request as the suite sends it: in safe mode with exactly ``DryRun=true``."""
    if safe_mode and spec.get("DryRun") != "true":
        # Safe mode sends every request with exactly DryRun=true (replacing any other value).
        others = tuple(p for p in spec.params if p[0] != "DryRun")
        return replace(spec, params=(*others, ("DryRun", "true")))
    return spec


def _walk(spec: RequestSpec, availability_zones: Sequence[str]) -> Finder:
    """Every fault of ``spec``, in the order of checks, and what lies outside."""
    # Empty pairs (``&&``, a trailing ``&``) are ignored.
    pairs = [(n, v) for n, v in spec.params if (n, v) != ("", "")]
    finder = Finder(spec, tuple(availability_zones))
    authentication(finder)
    envelope(finder, pairs)
    known = names(finder, pairs)
    values(finder, pairs, known)
    permission(finder)
    return finder


def expect(
    spec: RequestSpec,
    *,
    strict: bool,
    availability_zones: Sequence[str] = ("us-east-1a", "us-east-1b"),
    safe_mode: bool = False,
) -> Expectation:
    """The acceptable outcomes of ``spec`` and the requirement each fault belongs to.

    ``strict`` is ``--strict-conformance`` (the earliest stage wins, alternatives narrow to
    the first). ``availability_zones`` are the suite's zones (naming another is
    naming a resource). In ``safe_mode`` the request is judged as safe mode sends it: with exactly
    ``DryRun=true`` (appended, or replacing another DryRun value); see also
    :meth:`Expectation.inconclusive_in_safe_mode`.
    """
    spec = _as_sent(spec, safe_mode)
    finder = _walk(spec, availability_zones)
    faults = sorted(finder.faults, key=lambda f: f.stage)
    described_by_a_row = any(f.stage <= 4 for f in faults)
    outside_reasons = list(finder.outside)
    if not described_by_a_row:
        outside_reasons.extend(finder.domain)
    judged = Expectation(
        spec=spec,
        strict=strict,
        safe_mode=safe_mode,
        faults=tuple(faults),
        outside_contract=bool(outside_reasons),
        outside_reasons=tuple(outside_reasons),
        acceptable=(),
    )
    if outside_reasons:
        return judged
    resources = tuple(finder.resources)
    resource_outcomes = (
        tuple(Outcome(None, code) for code in contract().resource_codes) if resources else ()
    )
    acceptable, allowed = _acceptable(faults, strict, resource_outcomes)
    return replace(
        judged,
        acceptable=acceptable,
        resources=resources,
        resource_outcomes=resource_outcomes,
        describing=_describing(spec, faults, not described_by_a_row),
        allowed_stages=allowed,
    )
