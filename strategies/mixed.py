"""A stream for FUZZ-ORACLE and the order of checks: valid requests, and requests with
several faults at once from different stages.

:func:`mixed_requests` draws a valid request and then either leaves it alone or applies two
to four faults of different requirements (the fault generators of
:data:`strategies.invalid.FAULTS`), skipping any fault that would touch what an earlier one
changed (see :attr:`strategies.cases.Fault.aspects`), so that every fault stays visible to
the oracle. Each :class:`~strategies.cases.Case` has ``requirement`` ``FUZZ-ORACLE`` and
``faults`` listing every fault it carries, in the order of checks.

A few dozen derandomised examples (the ``ci`` profile) mostly meet the earliest stages: an
authentication fault hides every later one. :func:`covering_cases` gives the stream one case
per pair of stages, sent first by every profile, so that each pair of checks is seen in
both orders' reach in every run.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations
from typing import Final

from hypothesis import Phase, find, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance import golden, registry
from ec2conformance.strategies.cases import FUZZ_ORACLE, Case
from ec2conformance.strategies.domain import DEFAULT_AVAILABILITY_ZONES, Zones
from ec2conformance.strategies.fitting import finish
from ec2conformance.strategies.invalid import FAULTS, fault_strategy
from ec2conformance.strategies.valid import import_instance_requests

__all__ = ["MIXABLE", "covering_cases", "mixed_requests", "multi_fault_requests"]

#: The requirements whose faults the mixed stream combines: every fault generator except
#: the rows that are combinations already (AUTH-BEFORE-DRYRUN, PERM-DRYRUN-DENIED: the
#: stream reaches them by combining their parts).
MIXABLE: Final = tuple(r for r in FAULTS if r not in ("AUTH-BEFORE-DRYRUN", "PERM-DRYRUN-DENIED"))


# The stage of every requirement in the order of checks (7: none), read once.
_STAGE_OF: Final = {
    rid: (req.stage if req.stage is not None else 7) for rid, req in golden.requirements().items()
}


def _stage(requirement: str) -> int:
    return _STAGE_OF[requirement]


_BY_STAGE: Final = {
    stage: [r for r in MIXABLE if _stage(r) == stage] for stage in sorted(map(_stage, MIXABLE))
}
_STAGES: Final = tuple(_BY_STAGE)
# The strategies a mixed draw uses, built once.
_OF_STAGE: Final = {stage: st.sampled_from(rids) for stage, rids in _BY_STAGE.items()}
_BOOLEANS: Final = st.booleans()


def multi_fault_requests(
    *,
    availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES,
    min_faults: int = 2,
    max_faults: int = 4,
    stages: tuple[int, ...] | None = None,
) -> SearchStrategy[Case]:
    """Requests with faults from ``min_faults``..``max_faults`` different stages of the
    order of checks (authentication; decoding, action and version; names; values;
    permission; DryRun), one requirement of each stage, now and then one more from stage
    4. A fault that would touch what an earlier one changed is left out (at least one
    always applies). A denied identity with ``DryRun=true`` is recorded as PERM-DRYRUN-DENIED and
    PERM-DRYRUN-PERMITTED, as the contract's rows name them. Shrinks towards two faults
    of the earliest stages, each the first requirement of its stage. With ``stages``, one
    fault of each of those stages exactly (and no more)."""

    requests = import_instance_requests(availability_zones=availability_zones)
    if stages is not None:
        stage_lists: SearchStrategy[list[int]] = st.just(list(stages))
        max_faults = len(stages)
    else:
        stage_lists = st.lists(
            st.sampled_from(_STAGES), min_size=min_faults, max_size=max_faults, unique=True
        )

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        spec = draw(requests)
        stages = draw(stage_lists)
        chosen = [draw(_OF_STAGE[stage]) for stage in stages]
        if len(chosen) < max_faults and draw(_BOOLEANS):
            # Now and then a second fault of the crowded stage 4 (missing or malformed).
            chosen.append(draw(_OF_STAGE[4]))
        chosen = list(dict.fromkeys(chosen))
        touched: set[str] = set()
        faults: list[str] = []
        focus: list[str] = []
        notes: list[str] = []
        for requirement in chosen:
            fault = draw(fault_strategy(requirement, spec, availability_zones=availability_zones))
            if fault.aspects & touched:
                continue
            touched |= fault.aspects
            spec = fault.apply(spec)
            faults.extend(fault.faults)
            focus.extend(n for n in fault.focus if n not in focus)
            if fault.note:
                notes.append(fault.note)
        if "PERM-DENIED" in faults and spec.get("DryRun") == "true":
            faults[faults.index("PERM-DENIED")] = "PERM-DRYRUN-DENIED"
        ordered = tuple(sorted(dict.fromkeys(faults), key=_stage))
        return Case(finish(spec), FUZZ_ORACLE, ordered, focus=tuple(focus), note=", ".join(notes))

    return build()


@registry.strategy(FUZZ_ORACLE)
def mixed_requests(
    *, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES
) -> SearchStrategy[Case]:
    """Valid requests (no faults; shrinks to these first) and requests with several
    faults from different stages (:func:`multi_fault_requests`), all with requirement
    ``FUZZ-ORACLE``: the stream FUZZ-ORACLE and the order of checks are judged on."""
    valid = import_instance_requests(availability_zones=availability_zones).map(
        lambda spec: Case(spec, FUZZ_ORACLE, ())
    )
    return st.one_of(valid, multi_fault_requests(availability_zones=availability_zones))


_FIRST_DRAW: Final = settings(
    database=None, derandomize=True, max_examples=1, phases=[Phase.generate], deadline=None
)


@cache
def covering_cases(*, availability_zones: Zones = DEFAULT_AVAILABILITY_ZONES) -> tuple[Case, ...]:
    """One case per pair of stages of the order of checks: the simplest draw of
    :func:`multi_fault_requests` with exactly those two stages (the first requirement of
    each on the simplest valid request; a fault that would touch what the other changed is
    left out). Deterministic: Hypothesis's first derandomised draw, no database."""
    cases = []
    for pair in combinations(_STAGES, 2):
        strategy = multi_fault_requests(availability_zones=availability_zones, stages=pair)
        cases.append(find(strategy, lambda _: True, settings=_FIRST_DRAW))
    return tuple(dict.fromkeys(cases))
