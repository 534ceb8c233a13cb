"""Fuzz amplification (ec2conformance/variants.py): the variants of a generated case are other
wire forms the contract treats the same (parameter order, GET/POST), each one the oracle
expects the same of, derived from the case alone."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest

from ec2conformance.cases import Case, example_cases
from ec2conformance.model import Signing, WireFault, sample
from ec2conformance.oracle import expect
from ec2conformance.variants import (
    FIXED_METHOD_ROWS,
    VARIANTS_PER_CASE,
    same_expectation,
    variants,
)

ZONES = ("us-east-1a", "us-east-1b")


def _oracle(*, strict: bool):
    return partial(expect, strict=strict, availability_zones=ZONES)


EXAMPLES = [c for c in example_cases() if c.spec.method in ("GET", "POST")]


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("case", EXAMPLES, ids=lambda c: c.name or c.requirement)
def test_every_variant_is_expected_the_same_as_its_case(case: Case, strict: bool) -> None:
    oracle = _oracle(strict=strict)
    original = oracle(case.spec)
    made = variants(case, oracle)
    forms = {(v.case.spec.method, v.case.spec.params) for v in made}
    assert len(forms) == len(made), "two variants are the same request"
    assert (case.spec.method, case.spec.params) not in forms, "a variant is the case itself"
    for variant in made:
        spec = variant.case.spec
        assert sorted(spec.params) == sorted(case.spec.params), variant.how
        assert replace(spec, params=case.spec.params, method=case.spec.method) == case.spec
        assert same_expectation(case, original, oracle(spec)), variant.how
        assert variant.case.requirement == case.requirement
        assert variant.case.faults == case.faults
        assert variant.how in variant.case.summary()


def test_the_sample_gets_as_many_variants_as_a_session_sends() -> None:
    made = variants(Case(sample(), "FUZZ-ORACLE"), _oracle(strict=False))
    assert len(made) == VARIANTS_PER_CASE
    assert {v.case.spec.method for v in made} == {"GET", "POST"}


def test_variants_are_a_function_of_the_case() -> None:
    case = Case(sample().with_params(Description="same case, same variants"), "FUZZ-ORACLE")
    first = variants(case, _oracle(strict=False))
    again = variants(Case(case.spec, case.requirement), _oracle(strict=False))
    assert [v.case.spec for v in first] == [v.case.spec for v in again]
    other = Case(sample().with_params(Description="another case"), "FUZZ-ORACLE")
    shuffled = [v.case.spec.params for v in first if "shuffled" in v.how]
    assert shuffled, "the sample has shuffled orders"
    assert shuffled != [
        v.case.spec.params for v in variants(other, _oracle(strict=False)) if "shuffled" in v.how
    ]


@pytest.mark.parametrize("requirement", sorted(FIXED_METHOD_ROWS))
def test_a_row_that_names_its_method_keeps_it(requirement: str) -> None:
    for method in ("GET", "POST"):
        case = Case(replace(sample(), method=method), requirement)
        made = variants(case, _oracle(strict=False))
        assert made and {v.case.spec.method for v in made} == {method}


@pytest.mark.parametrize(
    "spec",
    [
        replace(sample(), wire_fault=WireFault.BAD_PERCENT),
        replace(sample(), method="GET", signing=Signing.QUERY),
        # About 12 KB of query string: past the 8 KiB a GET URL may have.
        sample().with_params(Description="é" * 1000, DiskImage__1__Description="é" * 1000),
    ],
    ids=["wire-fault", "query-signed", "too-long-for-a-get"],
)
def test_no_method_swap_where_the_contract_does_not_make_it_the_same(spec) -> None:
    case = Case(spec, "FUZZ-ORACLE")
    made = variants(case, _oracle(strict=False))
    assert made and {v.case.spec.method for v in made} == {spec.method}


def test_a_repeated_name_is_never_reordered() -> None:
    case = Case(sample().plus(("Platform", "Windows")), "FUZZ-ORACLE")
    made = variants(case, _oracle(strict=False))
    assert all(v.case.spec.params == case.spec.params for v in made)


def test_a_spec_the_run_would_not_send_has_no_variants() -> None:
    assert variants(Case(sample(), "FUZZ-ORACLE"), lambda spec: None) == ()
    assert variants(Case(sample(), "FUZZ-ORACLE"), _oracle(strict=False), limit=0) == ()
