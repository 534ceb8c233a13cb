"""strategies.cases: the Case type (summary, repr, expectation) and the Fault type."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from ec2conformance.model import AuthFault, Identity, RequestSpec, Signing, WireFault, sample
from ec2conformance.oracle import SUCCESS, Outcome
from ec2conformance.strategies.cases import FUZZ_ORACLE, Case, Fault, drop_params, put_param

AZ = ("us-east-1a", "us-east-1b")
BYTES = "DiskImage.1.Image.Bytes"


def test_summary_names_the_method_the_requirement_and_the_focus():
    case = Case(
        sample().with_params(DiskImage__1__Image__Bytes="1.5"),
        "DISK-BYTES-INVALID",
        ("DISK-BYTES-INVALID",),
        focus=(BYTES,),
    )
    assert case.summary() == "POST DISK-BYTES-INVALID: DiskImage.1.Image.Bytes='1.5' (+6 params)"
    assert repr(case) == f"Case<{case.summary()}>"


def test_summary_shows_what_is_missing_and_what_is_unusual():
    spec = RequestSpec.of(sample().params[2:], version=None)
    spec = replace(
        spec,
        method="GET",
        identity=Identity.DENIED,
        signing=Signing.HEADER,
        auth_fault=AuthFault.WRONG_SECRET,
    )
    spec = drop_params(spec, "Platform")
    case = Case(
        spec,
        FUZZ_ORACLE,
        ("AUTH-BAD-SIGNATURE", "WIRE-NO-VERSION", "PARAM-PLATFORM-MISSING", "PERM-DENIED"),
        focus=("Platform",),
    )
    assert case.summary() == (
        "GET FUZZ-ORACLE[AUTH-BAD-SIGNATURE,WIRE-NO-VERSION,PARAM-PLATFORM-MISSING,PERM-DENIED]: "
        "no Platform, no Version, denied identity, wrong-secret (+6 params)"
    )


def test_summary_of_a_valid_case_and_of_encoding_faults():
    assert Case(sample(), FUZZ_ORACLE).summary() == "POST FUZZ-ORACLE (+7 params)"
    query = Case(sample(method="GET", signing=Signing.QUERY), "AUTH-QUERY-SIGNATURE")
    assert query.summary() == "GET AUTH-QUERY-SIGNATURE: signed in the query (+7 params)"
    broken = Case(
        sample(wire_fault=WireFault.BAD_PERCENT, signing=Signing.NONE),
        FUZZ_ORACLE,
        ("AUTH-UNSIGNED", "WIRE-MALFORMED-QUERY"),
    )
    assert broken.summary() == (
        "POST FUZZ-ORACLE[AUTH-UNSIGNED,WIRE-MALFORMED-QUERY]: unsigned, bad-percent (+7 params)"
    )


def test_summary_stays_on_one_short_line_whatever_the_values():
    text = "line\r\nbreak " + "😀" * 500
    case = Case(sample().plus(("Description", text)), "WIRE-UTF8", focus=("Description",))
    summary = case.summary()
    assert "\n" not in summary and "\r" not in summary and len(summary) < 120
    assert summary.startswith("POST WIRE-UTF8: Description='line\\r\\nbreak ")
    assert case.describe().splitlines()[0] == summary
    assert len(case.describe().splitlines()) == 1 + len(case.spec.params)


def test_case_is_frozen_and_compares_by_request_and_requirement():
    case = Case(sample(), FUZZ_ORACLE)
    with pytest.raises(FrozenInstanceError):
        case.requirement = "X"  # type: ignore[misc]
    assert case == Case(sample(), FUZZ_ORACLE, focus=("Platform",), note="other")
    assert case.valid and not Case(sample(), "X", ("X",)).valid
    assert hash(case) == hash(Case(sample(), FUZZ_ORACLE))


def test_expectation_comes_from_the_oracle_for_the_mode():
    valid = Case(sample(), FUZZ_ORACLE)
    assert valid.expectation(strict=False, availability_zones=AZ).acceptable == (SUCCESS,)
    safe = valid.expectation(strict=False, availability_zones=AZ, safe_mode=True)
    assert safe.acceptable == (Outcome(412, "DryRunOperation"),)
    missing = Case(drop_params(sample(), "Platform"), "PARAM-PLATFORM-MISSING")
    expectation = missing.expectation(strict=True, availability_zones=AZ)
    assert [f.requirement for f in expectation.faults] == ["PARAM-PLATFORM-MISSING"]
    assert expectation.acceptable == (Outcome(None, "MissingParameter"),)


def test_put_param_sets_in_place_or_appends():
    spec = put_param(sample(), "Platform", "Linux")
    assert spec.names() == sample().names() and spec.get("Platform") == "Linux"
    added = put_param(sample(), "DryRun", "true")
    assert added.params[-1] == ("DryRun", "true")
    assert drop_params(added, "DryRun") == sample()


def test_fault_faults_and_repr():
    single = Fault("DISK-NONE", lambda spec: spec, note="no disk image")
    assert single.faults == ("DISK-NONE",) and repr(single) == "Fault<DISK-NONE: no disk image>"
    both = Fault(
        "AUTH-BEFORE-DRYRUN",
        lambda spec: spec,
        focus=("DryRun",),
        carries=("AUTH-BAD-SIGNATURE", "PERM-DRYRUN-PERMITTED"),
    )
    assert both.faults == ("AUTH-BAD-SIGNATURE", "PERM-DRYRUN-PERMITTED")
    assert repr(both) == "Fault<AUTH-BEFORE-DRYRUN: DryRun>"
