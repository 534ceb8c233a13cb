"""Every field the success answer echoes is sent with values that differ, so that an endpoint
answering a constant (the sample's value, the default zone) instead of the request's is
caught: the suite's zones (``--availability-zones``), the "echo" valid requests, and the
oracle treating every zone of the suite as its own."""

from __future__ import annotations

import argparse

import pytest
from runner import run_suite

from ec2conformance import golden
from ec2conformance.model import sample
from ec2conformance.oracle import SUCCESS, expect
from ec2conformance.oracle.contract import contract
from ec2conformance.plugin.options import _zones
from ec2conformance.plugin.outcomes import ONE_ZONE
from ec2conformance.verifiers import ECHOES, VALID_REQUEST_NAMES, valid_requests

ZONES = ("us-east-1a", "us-east-1b")
ZONE = "LaunchSpecification.Placement.AvailabilityZone"


def _echo_rules() -> list[tuple[str, str, bool]]:
    """(requirement, parameter, absent is the empty echo) of every echo rule."""
    return [
        (r.requirement, str(r.echo["param"]).replace("{N}", "1"), r.echo["absent"] == "empty")
        for r in golden.normalisation().rules
        if r.echo is not None
    ]


def _sent(spec_value: str | None, absent_is_empty: bool) -> str | None:
    """What the answer must echo for a parameter's value (None: nothing is compared)."""
    if spec_value is None or (spec_value == "" and not absent_is_empty):
        return "" if absent_is_empty else None
    return spec_value


def test_every_echo_rule_is_covered():
    """The echo rules are the ones this file means: each requirement that compares an answer
    with the request (RESP-STATE's platform has one valid value, Windows, and is compared
    with it, not echoed)."""
    assert {rid for rid, _, _ in _echo_rules()} == {
        "PARAM-DESCRIPTION-ECHO",
        "RESP-AZ-ECHO",
        "RESP-VOLUME-ECHO",
    }
    assert golden.domain()["parameters"]["Platform"]["enum"] == "PlatformValues"
    assert list(contract().enums["PlatformValues"]) == ["Windows"]


@pytest.mark.parametrize("rule", _echo_rules(), ids=lambda r: r[1])
def test_each_echoed_field_is_sent_with_two_values_unlike_the_sample(rule):
    """The valid requests of every run send each echoed field with at least two distinct
    values other than the sample's (the value a constant answer would most likely be)."""
    _, param, absent_is_empty = rule
    requests = dict(valid_requests(ZONES))
    echoed = {_sent(requests[f"echo-{n}"].get(param), absent_is_empty) for n in (1, 2)}
    default = _sent(sample().get(param), absent_is_empty)
    assert None not in echoed and "" not in echoed
    assert len(echoed) == 2
    assert default not in echoed


def test_the_echo_requests_name_two_distinct_zones():
    requests = dict(valid_requests(ZONES))
    assert [requests[f"echo-{n}"].get(ZONE) for n in (1, 2)] == list(ZONES)
    assert {"echo-1", "echo-2"} <= set(VALID_REQUEST_NAMES)
    assert len(ECHOES) == 2


@pytest.mark.parametrize("name", VALID_REQUEST_NAMES)
@pytest.mark.parametrize("strict", [False, True])
def test_the_valid_requests_expect_200_alone(name, strict):
    """Every valid request, echo requests included, names no resource: each of the suite's
    zones is its own."""
    spec = dict(valid_requests(ZONES))[name]
    expectation = expect(spec, strict=strict, availability_zones=ZONES)
    assert expectation.resources == ()
    assert expectation.acceptable == (SUCCESS,)


def test_the_zones_option_is_comma_separated_and_each_zone_once():
    assert _zones("eu-west-3a,eu-west-3b") == ("eu-west-3a", "eu-west-3b")
    assert _zones(" eu-west-3a , eu-west-3a,eu-west-3c,") == ("eu-west-3a", "eu-west-3c")
    with pytest.raises(argparse.ArgumentTypeError):
        _zones(" , ")


def test_a_run_with_one_zone_says_what_it_cannot_catch(tmp_path):
    """With one zone, the run's summary notes that RESP-AZ-ECHO cannot catch a constant
    zone; with the default two it says nothing of the kind."""
    one = run_suite(tmp_path / "one", "--availability-zone=us-east-1c", "-k", "RESP-AZ-ECHO")
    two = run_suite(tmp_path / "two", "-k", "RESP-AZ-ECHO")
    assert one.returncode == 0 and two.returncode == 0, one.stdout[-2000:] + two.stdout[-2000:]
    assert ONE_ZONE in one.stdout
    assert ONE_ZONE not in two.stdout
