"""strategies.invalid and strategies.mixed: every strategy is the one the requirement registry
has for its requirement; every invalid strategy carries exactly its requirement's fault (the
oracle says so), the reference endpoint answers each case with an acceptable outcome, each
strategy varies and shrinks to a short readable case; the mixed stream carries several
faults from different stages and is answered acceptably too.

One Hypothesis test per requirement (parametrised over ``INVALID``), derandomised and
without a database; the reference endpoint is started once for the module.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase, event, find, given, settings
from hypothesis import strategies as st

from ec2conformance import golden, registry
from ec2conformance.client import Client
from ec2conformance.model import RequestSpec
from ec2conformance.strategies.cases import FUZZ_ORACLE, Case
from ec2conformance.strategies.faults_domain import derived_fault_table
from ec2conformance.strategies.invalid import FAULTS, INVALID, invalid_requests
from ec2conformance.strategies.mixed import MIXABLE, mixed_requests, multi_fault_requests
from ec2conformance.strategies.valid import VALID_ROWS
from ec2conformance.xmlsafe import error_code, parse_untrusted

AZ = ("us-east-1a", "us-east-1b")
CI = settings(settings.get_profile("ci"), max_examples=25)
FEW = settings(settings.get_profile("ci"), max_examples=20)
REQUIREMENTS = golden.requirements()

# Rows that describe a combination: the case carries these faults, the row is the
# requirement the oracle says the request exercises.
COMBINED = {
    "AUTH-BEFORE-DRYRUN": ({"AUTH-BAD-SIGNATURE", "AUTH-UNKNOWN-KEY"}, "PERM-DRYRUN-PERMITTED"),
    "PERM-DRYRUN-DENIED": ({"PERM-DRYRUN-DENIED"}, "PERM-DRYRUN-PERMITTED"),
}
# Rows whose fault has a single form (or a handful): they vary through the valid request
# they are applied to, not through the fault.
FIXED_FAULT = {
    "AUTH-UNSIGNED",
    "AUTH-BAD-SIGNATURE",
    "AUTH-UNKNOWN-KEY",
    "AUTH-EXPIRED",
    "AUTH-MALFORMED",
    "AUTH-BEFORE-DRYRUN",
    "WIRE-NO-ACTION",
    "WIRE-NO-VERSION",
    "PERM-DRYRUN-PERMITTED",
    "PERM-DRYRUN-DENIED",
    "PERM-DENIED",
    "PARAM-PLATFORM-MISSING",
    "DISK-NONE",
    "LAUNCH-HOST-TENANCY",
}


def collect(strategy: st.SearchStrategy[Any], count: int = 30) -> list[Any]:
    """``count`` derandomised examples of ``strategy`` (for properties of a whole run)."""
    found: list[Any] = []

    @settings(settings.get_profile("ci"), max_examples=count, phases=[Phase.generate])
    @given(strategy)
    def draw(example: Any) -> None:
        found.append(example)

    draw()
    return found


# ------------------------------------------------------------------ the registry


def test_every_requirement_a_request_can_violate_has_a_strategy():
    # Every row of stages 1-6 judged on the outcome of a request (stage 7 is a valid
    # request: strategies.valid.VALID_ROWS; PERM-DRYRUN-NO-SIDE-EFFECT judges a state).
    expected = {
        rid
        for rid, row in REQUIREMENTS.items()
        if row.stage is not None and row.stage <= 6 and row.judges == "outcome"
    }
    assert expected == set(INVALID)


def test_every_strategy_is_the_one_registered_for_its_requirement():
    # Importing the package registers them all (strategies/registered.py).
    table = {**INVALID, **VALID_ROWS, FUZZ_ORACLE: mixed_requests}
    for requirement, make in table.items():
        assert registry.strategy_of(requirement) is make, requirement
        assert registry.entry(requirement).strategy is make, requirement
    assert set(registry.registered_strategies()) == set(table)


def test_every_strategy_takes_a_keyword_only_zone():
    for requirement, make in INVALID.items():
        with pytest.raises(TypeError):
            make(AZ)  # positional: refused
        assert make(availability_zones=("eu-west-1b",)) is not None, requirement


# ------------------------------------------------------------------ the oracle agrees


@pytest.mark.parametrize("requirement", sorted(INVALID))
def test_invalid_cases_carry_exactly_their_fault(requirement):
    @CI
    @given(case=INVALID[requirement](availability_zones=AZ))
    def check(case: Case) -> None:
        assert case.requirement == requirement
        if requirement in COMBINED:
            firsts, second = COMBINED[requirement]
            assert len(case.faults) == 2
            assert case.faults[0] in firsts and case.faults[1] == second
        else:
            assert case.faults == (requirement,)
        for strict in (False, True):
            expectation = case.expectation(strict=strict, availability_zones=AZ)
            assert not expectation.outside_contract, expectation.describe()
            found = {f.requirement for f in expectation.faults}
            assert found == set(case.faults), expectation.describe()
            assert requirement in expectation.exercises, expectation.exercises
            assert expectation.acceptable, expectation.describe()

    check()


@pytest.mark.parametrize("requirement", sorted(INVALID))
def test_invalid_strategies_vary(requirement):
    # 50 examples: a derandomised run's first examples lean on each choice's simplest value
    # (with 30, WIRE-MALFORMED-QUERY showed 5 distinct faults or 6, depending on how many
    # choices the valid request drawn before its fault makes).
    cases = collect(INVALID[requirement](availability_zones=AZ), 50)
    assert len({c.spec for c in cases}) >= 25, "fewer than 25 distinct requests of 50"
    shown = {
        (
            tuple((n, c.spec.get(n)) for n in c.focus),
            c.note,
            c.spec.auth_fault,
            c.spec.wire_fault,
            c.spec.signing,
            c.spec.identity,
        )
        for c in cases
    }
    if requirement not in FIXED_FAULT:
        assert len(shown) >= 6, f"fewer than 6 distinct faults of 50: {sorted(shown)}"
    assert len({c.spec.method for c in cases}) == 2 or requirement == "WIRE-MALFORMED-QUERY"


def first(strategy: st.SearchStrategy[Any]) -> Any:
    """The first example Hypothesis tries: the simplest one, where shrinking ends when a
    failure does not depend on anything larger."""
    return collect(strategy, 1)[0]


@pytest.mark.parametrize("requirement", sorted(INVALID))
def test_invalid_strategies_start_from_a_short_readable_case(requirement):
    simplest = first(INVALID[requirement](availability_zones=AZ))
    summary = simplest.summary()
    assert "\n" not in summary and len(summary) <= 140, summary
    assert repr(simplest) == f"Case<{summary}>"
    # The smallest valid request (7 pairs) and the fault: at most a second disk image.
    assert len(simplest.spec.params) <= (11 if requirement == "DISK-MULTIPLE" else 9)
    assert simplest.spec.method == "POST"


def test_a_failing_invalid_case_shrinks_to_a_small_request():
    # A failure that needs a GET with a launch specification shrinks to just that.
    smallest = find(
        INVALID["DISK-BYTES-INVALID"](availability_zones=AZ),
        lambda case: (
            case.spec.method == "GET"
            and any(n.startswith("LaunchSpecification.") for n in case.spec.names())
        ),
        settings=settings(settings.get_profile("ci"), max_examples=300),
    )
    assert len(smallest.spec.params) <= 9, smallest.describe()
    assert len(smallest.summary()) <= 140


# ------------------------------------------------------------------ the reference agrees


@pytest.fixture(scope="module")
def client(reference_client: Client) -> Client:
    return reference_client


def outcome(client: Client, spec: RequestSpec) -> tuple[int, str | None]:
    exchange = client.send(spec)
    assert exchange.status is not None, exchange.describe()
    code = None if exchange.status == 200 else error_code(parse_untrusted(exchange.response_body))
    return exchange.status, code


def _judge(client: Client, case: Case, *, strict: bool) -> None:
    expectation = case.expectation(strict=strict, availability_zones=AZ)
    status, code = outcome(client, case.spec)
    event(f"answered {status} {code}")
    acceptable = " | ".join(str(o) for o in expectation.acceptable)
    assert expectation.accepts(status, code), (
        f"{status} {code}, acceptable: {acceptable}\n{case.describe()}"
    )


@pytest.mark.parametrize("requirement", sorted(INVALID))
def test_the_reference_answers_every_invalid_case_acceptably(client, requirement):
    # The reference takes the first alternative and the earliest stage: strict mode.
    @FEW
    @given(case=INVALID[requirement](availability_zones=AZ))
    def check(case: Case) -> None:
        _judge(client, case, strict=True)

    check()


# ------------------------------------------------------------------ the mixed stream


def _stage(requirement: str) -> int:
    return REQUIREMENTS[requirement].stage or 7


@CI
@given(case=mixed_requests(availability_zones=AZ))
def test_mixed_cases_carry_what_the_oracle_finds(case):
    assert case.requirement == FUZZ_ORACLE
    for strict in (False, True):
        expectation = case.expectation(strict=strict, availability_zones=AZ)
        assert not expectation.outside_contract, expectation.describe()
        assert {f.requirement for f in expectation.faults} == set(case.faults)
        assert list(case.faults) == sorted(case.faults, key=_stage)
        if not case.faults:
            assert expectation.valid


def test_the_mixed_stream_mixes_stages():
    cases = collect(multi_fault_requests(availability_zones=AZ), 60)
    stages = [{_stage(f) for f in c.faults} for c in cases]
    assert all(len(c.faults) >= 1 for c in cases)
    assert sum(len(s) >= 2 for s in stages) >= 45, "fewer than 45 of 60 mix stages"
    assert sum(len(s) >= 3 for s in stages) >= 10
    covered = {f for c in cases for f in c.faults}
    assert len(covered) >= 15, sorted(covered)
    assert set().union(*stages) == {1, 2, 3, 4, 5, 6}
    assert any(not c.faults for c in collect(mixed_requests(availability_zones=AZ), 20))


def test_the_mixed_stream_combines_most_mixable_requirements():
    cases = collect(multi_fault_requests(availability_zones=AZ), 150)
    combined = {f for c in cases if len(c.faults) >= 2 for f in c.faults}
    combined |= {"PERM-DENIED"} if "PERM-DRYRUN-DENIED" in combined else set()
    missing = set(MIXABLE) - combined
    assert len(missing) <= len(MIXABLE) // 4, sorted(missing)


def test_mixed_cases_shrink_to_a_short_readable_case():
    simplest = first(multi_fault_requests(availability_zones=AZ))
    assert len(simplest.faults) == 2
    smallest = find(
        multi_fault_requests(availability_zones=AZ),
        lambda case: len({_stage(f) for f in case.faults}) >= 3,
        settings=settings(settings.get_profile("ci"), max_examples=300),
    )
    summary = smallest.summary()
    assert len(summary) <= 200 and "FUZZ-ORACLE[" in summary, summary
    assert len(smallest.spec.params) <= 10, smallest.describe()


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_the_reference_answers_the_mixed_stream_acceptably(client, strict):
    @settings(settings.get_profile("ci"), max_examples=60)
    @given(case=mixed_requests(availability_zones=AZ))
    def check(case: Case) -> None:
        _judge(client, case, strict=strict)

    check()


# ------------------------------------------------------------------ faults from the data


DERIVED = derived_fault_table({})
"""Every requirement domain.json names on a parameter of a derivable syntax, with the fault
generator derived for it (as a requirement without a hand-written generator gets it)."""


def test_derivable_requirements_are_the_expected_ones():
    # Not a tautology: domain.json's entries decide it; a new derivable entry shows up here.
    assert "LAUNCH-USERDATA-INVALID" in DERIVED and "DISK-BYTES-INVALID" in DERIVED
    assert "LAUNCH-IP-INVALID" not in DERIVED, "needs a subnet beside it: hand-written"


@pytest.mark.parametrize("requirement", sorted(DERIVED))
def test_derived_faults_carry_exactly_their_requirement(requirement):
    """What a new parameter-value requirement gets from its domain.json entry alone: every
    request the derived generator makes breaks that requirement, by the oracle."""
    derived = derived_fault_table({r: f for r, f in FAULTS.items() if r != requirement})
    assert set(derived) == {requirement}
    strategy = invalid_requests(requirement, availability_zones=AZ, generator=derived[requirement])

    @CI
    @given(case=strategy)
    def check(case: Case) -> None:
        assert case.faults == (requirement,)
        expectation = case.expectation(strict=False, availability_zones=AZ)
        found = {f.requirement for f in expectation.faults}
        assert found == {requirement}, expectation.describe()

    check()
