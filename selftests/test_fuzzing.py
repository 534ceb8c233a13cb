"""Generated runs: saved failures are replayed first, as explicit examples, whatever the
profile; a fuzzing session keeps each distinct failure once, in reports/fuzz-failures.json."""

import json
import re
import time
from dataclasses import replace

import pytest
from hypothesis import strategies as st

from ec2conformance.cases import case_from_json, case_to_json
from ec2conformance.findings import ConformanceFailure
from ec2conformance.fuzzing import FuzzSession, run_generated
from ec2conformance.model import AuthFault, Identity, Signing, sample
from ec2conformance.oracle import expect
from ec2conformance.strategies.cases import Case
from ec2conformance.variants import variants

SAVED = Case(
    replace(
        sample().with_params(Description="saved \r\n failure \U0001f4be"),
        method="GET",
        identity=Identity.DENIED,
        signing=Signing.QUERY,
        auth_fault=AuthFault.EXPIRED,
    ),
    "WIRE-UTF8",
    ("WIRE-UTF8",),
)
FRESH = Case(sample(), "WIRE-POST")


def test_a_case_survives_the_json_round_trip():
    again = case_from_json(json.loads(json.dumps(case_to_json(SAVED))))
    assert again == SAVED
    assert again.spec == SAVED.spec


def test_saved_failures_are_replayed_first(tmp_path):
    session = FuzzSession(tmp_path)
    session.keep_failure("WIRE-UTF8", SAVED, ConformanceFailure.single("WIRE-UTF8", "echo"))
    later = FuzzSession(tmp_path)  # a later run reads the file
    later.load()
    seen = []
    run_generated(later, st.just(FRESH), seen.append, key="WIRE-UTF8")
    assert seen[0] == SAVED, "the saved failure is the first example"
    assert FRESH in seen[1:]


def test_saved_failures_of_other_keys_are_not_replayed(tmp_path):
    session = FuzzSession(tmp_path)
    session.keep_failure("WIRE-UTF8", SAVED, ConformanceFailure.single("WIRE-UTF8", "echo"))
    seen = []
    run_generated(session, st.just(FRESH), seen.append, key="DISK-NONE")
    assert SAVED not in seen


def test_distinct_failures_are_kept_once(tmp_path):
    session = FuzzSession(tmp_path)
    failure = ConformanceFailure.single("FUZZ-NO-SERVER-ERROR", "500")
    assert session.keep_failure("K", SAVED, failure)
    assert not session.keep_failure("K", FRESH, failure), "same requirements: not distinct"
    assert session.keep_failure("K", FRESH, ConformanceFailure.single("FUZZ-ORACLE", "x"))
    data = json.loads((tmp_path / "fuzz-failures.json").read_text())
    entries = data["failures"]["K"]
    assert [e["signature"] for e in entries] == [
        ["ConformanceFailure", "FUZZ-NO-SERVER-ERROR"],
        ["ConformanceFailure", "FUZZ-ORACLE"],
    ]
    assert entries[0]["summary"] == SAVED.summary()


def test_a_session_keeps_exploring_after_a_failure_and_reports_it(tmp_path):
    session = FuzzSession(tmp_path, minutes=0.02, generated_tests=1)  # 1.2 s
    lines = []
    session.out = lines.append

    def check(case):
        if case.spec.get("Description") == "bad":
            raise ConformanceFailure.single("PARAM-DESCRIPTION-ECHO", "not echoed")

    cases = st.sampled_from(["good", "bad"]).map(
        lambda d: Case(sample().with_params(Description=d), "PARAM-DESCRIPTION-ECHO")
    )
    with pytest.raises(ConformanceFailure):
        run_generated(session, cases, check, key="PARAM-DESCRIPTION-ECHO")
    saved = json.loads((tmp_path / "fuzz-failures.json").read_text())["failures"]
    (entry,) = saved["PARAM-DESCRIPTION-ECHO"]
    assert entry["case"]["spec"]["params"][-1] == ["Description", "bad"]
    assert lines and "fuzz PARAM-DESCRIPTION-ECHO" in lines[-1]


def test_a_damaged_failures_file_is_set_aside_and_said(tmp_path):
    (tmp_path / "fuzz-failures.json").write_text('{"failures": {"K": [', encoding="utf-8")
    session = FuzzSession(tmp_path)
    session.load()
    assert session.saved == {}
    assert session.notice is not None and "not JSON" in session.notice
    assert session.damaged is not None and session.damaged.read_text().startswith('{"failures"')
    session.keep_failure("K", SAVED, ConformanceFailure.single("WIRE-UTF8", "echo"))
    assert session.damaged.exists(), "the damaged file is never overwritten"
    again = FuzzSession(tmp_path)
    again.load()
    assert again.notice is None and list(again.saved) == ["K"]


def test_a_session_stops_between_examples_when_its_time_is_spent(tmp_path):
    session = FuzzSession(tmp_path, minutes=0.5 / 60)  # half a second, one generated test
    session.generated_tests = 1
    seen = []

    def slow(case):
        seen.append(case)
        time.sleep(0.1)

    run_generated(session, st.just(FRESH), slow, key="WIRE-POST")
    # Each example takes at least 0.1 s and the budget is checked before each: at most about
    # 5 fit in half a second, where a whole batch would have been 200.
    assert 1 <= len(seen) <= 8, len(seen)


def _described(length: int) -> Case:
    return Case(sample().with_params(Description="d" * length), "FUZZ-ORACLE")


LENGTHS = st.integers(min_value=0, max_value=400).map(_described)


def _fails_when_long(seen: list[Case]):
    def check(case: Case) -> None:
        seen.append(case)
        if len(case.spec.get("Description") or "") > 100:
            raise ConformanceFailure.single("FUZZ-ORACLE", "long")

    return check


def test_a_failure_is_shrunk_and_no_failing_case_is_sent_twice(tmp_path):
    seen: list[Case] = []
    with pytest.raises(ConformanceFailure) as raised:
        run_generated(FuzzSession(tmp_path), LENGTHS, _fails_when_long(seen), key="K")
    failing = [c for c in seen if len(c.spec.get("Description") or "") > 100]
    assert len(failing) == len(set(failing)), "a case that failed was sent again"
    assert "not shrunk" not in "".join(getattr(raised.value, "__notes__", []))
    assert min(len(c.spec.get("Description")) for c in failing) == 101  # shrunk to the edge


def test_a_failure_the_diagnosis_explains_is_reported_unshrunk(tmp_path):
    seen: list[Case] = []
    heard: list[tuple[str, str]] = []
    with pytest.raises(ConformanceFailure) as raised:
        run_generated(
            FuzzSession(tmp_path),
            LENGTHS,
            _fails_when_long(seen),
            key="K",
            diagnose=lambda: "every request is answered 500",
            not_shrunk=lambda key, why: heard.append((key, why)),
        )
    failing = [c for c in seen if len(c.spec.get("Description") or "") > 100]
    assert len(failing) == 1, "nothing is sent after the first failure"
    assert seen[-1] == failing[0]
    assert heard == [("K", "not shrunk: every request is answered 500")]
    notes = "\n".join(raised.value.__notes__)
    assert "not shrunk: every request is answered 500" in notes
    assert "the failing case:" in notes


def test_shrinking_stops_when_its_time_is_spent(tmp_path):
    seen: list[Case] = []
    heard: list[str] = []
    with pytest.raises(ConformanceFailure) as raised:
        run_generated(
            FuzzSession(tmp_path),
            LENGTHS,
            _fails_when_long(seen),
            key="K",
            shrink_seconds=0,
            not_shrunk=lambda key, why: heard.append(why),
        )
    failing = [c for c in seen if len(c.spec.get("Description") or "") > 100]
    assert len(failing) == 1 and seen[-1] == failing[0], "no shrink step after the time"
    assert heard and heard[0].startswith("shrinking stopped after 0 s")
    assert "the smallest failing case found so far" in "\n".join(raised.value.__notes__)


def _oracle(spec):
    return expect(spec, strict=False, availability_zones=("us-east-1a", "us-east-1b"))


def test_a_session_sends_each_example_with_its_variants(tmp_path):
    session = FuzzSession(tmp_path, minutes=0.3 / 60, generated_tests=1)
    lines: list[str] = []
    session.out = lines.append
    seen: list[Case] = []
    run_generated(session, st.just(FRESH), seen.append, key="FUZZ-ORACLE", expect=_oracle)
    made = [v.case for v in variants(FRESH, _oracle)]
    assert made, "the sample has variants"
    assert seen[: 1 + len(made)] == [FRESH, *made], "the example first, then its variants"
    assert session.cases >= 1 and session.requests == 0  # the check returned no exchange
    session.progress("FUZZ-ORACLE", 0, force=True)
    assert re.search(r"\d+ requests \(\d+/s\), \d+ cases \(\d+/s\)", lines[-1]), lines[-1]


@pytest.mark.parametrize("limit", [0, 2])
def test_a_session_sends_no_more_variants_than_asked(tmp_path, limit):
    """``--fuzz-variants N``: each example then at most N variants (0: the examples alone)."""
    session = FuzzSession(tmp_path, minutes=0.3 / 60, generated_tests=1, variants_per_case=limit)
    seen: list[Case] = []
    run_generated(session, st.just(FRESH), seen.append, key="FUZZ-ORACLE", expect=_oracle)
    made = [v.case for v in variants(FRESH, _oracle, limit=limit)]
    assert len(made) == limit
    assert seen[: 1 + limit] == [FRESH, *made]
    assert len(seen) == (1 + limit) * session.cases, "each example sent with N variants"


def test_runs_outside_a_session_send_no_variants(tmp_path):
    seen: list[Case] = []
    run_generated(FuzzSession(tmp_path), st.just(FRESH), seen.append, key="K", expect=_oracle)
    assert set(seen) == {FRESH}


def test_a_failing_variant_is_kept_and_replayed_as_it_was_sent(tmp_path):
    session = FuzzSession(tmp_path, minutes=0.3 / 60, generated_tests=1)

    def check(case):  # an endpoint that reads Action only where it comes first
        if case.spec.params[0][0] != "Action":
            raise ConformanceFailure.single("FUZZ-ORACLE", "refused")

    with pytest.raises(ConformanceFailure) as raised:
        run_generated(session, st.just(FRESH), check, key="FUZZ-ORACLE", expect=_oracle)
    assert "is a variant of the generated case" in "\n".join(raised.value.__notes__)
    (entry,) = json.loads((tmp_path / "fuzz-failures.json").read_text())["failures"]["FUZZ-ORACLE"]
    kept = case_from_json(entry["case"])
    assert kept.spec.params[0][0] != "Action", "the variant's own request is kept"
    assert sorted(kept.spec.params) == sorted(FRESH.spec.params)
    later = FuzzSession(tmp_path)  # a later ci run replays it first, as it is
    later.load()
    seen: list[Case] = []
    run_generated(later, st.just(FRESH), seen.append, key="FUZZ-ORACLE", expect=_oracle)
    assert seen[0] == kept
