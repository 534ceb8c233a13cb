"""Differential mode certifies a proxy against its backend (DIFF-SAME-OUTCOME).

The embedded reference endpoint runs in a process of its own; the pass-through proxy of
``selftests/proxy.py`` runs in front of it on a thread of this process; the suite runs in a
subprocess with ``--endpoint`` the proxy and ``--reference-endpoint`` the reference itself,
on a small selection (``-k``) that exercises what each alteration changes:

- the proxy that alters nothing, and the one that adds 2 s to one request in ten, are
  certified clean: conformant, nothing failed or warned (time is not an outcome);
- each proxy that alters one thing fails DIFF-SAME-OUTCOME, nothing is in error, and
  whatever else fails is something the alteration itself breaks.

The fast tests at the end judge :func:`~ec2conformance.differential.differences` directly.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from proxy import ANSWER_ALTERATIONS, MODES, RunningProxy, start_proxy
from runner import SuiteRun, run_suite

from ec2conformance import ROOT, golden
from ec2conformance.client import Exchange
from ec2conformance.differential import (
    NOT_SENT_OFF_LOOPBACK,
    REQUIREMENT,
    Differential,
    differences,
    normalised_body,
)
from ec2conformance.model import RequestSpec, sample
from ec2conformance.recording import SESSION_FILE, NotRecorded, Recorder, Replay
from ec2conformance.reference import DENIED, PERMITTED
from ec2conformance.reference.process import ReferenceProcess, start_process

ALTERATIONS = tuple(m for m in MODES if m not in ("pass", "latency"))
"""The proxies DIFF-SAME-OUTCOME must catch: its "faults" (selftests/test_faults.py counts
them as the requirement's)."""
CLEAN = ("pass", "latency")
LIFECYCLE_AND_BOTO3 = "lifecycle or boto3"
"""The selection whose requests are built apart from the cases: the lifecycle requests
(the probe, Describe, Cancel) and boto3's."""
SELECTION = {
    "rewrite-error-code": "differential or PARAM-PLATFORM-MISSING",
    "boto3-extra-element": "differential or boto3",
    "describe-extra-element": "differential or lifecycle",
}
"""The ``-k`` selection of each run (default: the differential group and WIRE-POST; the
``cancel-extra-element`` proxy is caught on the end-of-run cancels of its tasks alone)."""
DEFAULT_SELECTION = "differential or WIRE-POST or WIRE-GET"
#: What each alteration may break besides DIFF-SAME-OUTCOME.
ALSO_BROKEN = {
    "drop-signed-header": {"WIRE-POST", "WIRE-GET", "FUZZ-NO-SERVER-ERROR"},
    "rewrite-error-code": {"PARAM-PLATFORM-MISSING"},
    "reorder": {"RESP-GOLDEN-ORDER"},
    "add-namespace": {"RESP-NAMESPACE"},
    "re-encode": set(),
    "boto3-extra-element": set(),
    "describe-extra-element": set(),
    "cancel-extra-element": set(),
}
#: What a proxy's first difference shows of its request, where only one kind of request is
#: altered (with the default selection, the only cancels are the end-of-run ones).
FIRST_FAILURE_SHOWS = {
    "boto3-extra-element": "::test_boto3_",
    "describe-extra-element": "DescribeConversionTasks",
    "cancel-extra-element": "CancelConversionTask",
}


CREDENTIALS = (
    f"--access-key-id={PERMITTED.access_key_id}",
    f"--secret-access-key={PERMITTED.secret_access_key}",
    f"--denied-access-key-id={DENIED.access_key_id}",
    f"--denied-secret-access-key={DENIED.secret_access_key}",
)
"""The reference endpoint's identities, as the suite's options (the proxy passes them on)."""


@pytest.fixture(scope="module")
def backend() -> ReferenceProcess:
    server = start_process("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def fresh_backend() -> ReferenceProcess:
    """A backend of this test alone: the module's has kept every task of the runs before
    (DescribeConversionTasks without ids lists them all, and past the client's cap on a body
    the lifecycle probe cannot read the answer)."""
    server = start_process("127.0.0.1")
    yield server
    server.stop()


#: The proxies whose alteration only the lifecycle requests see.
NEEDS_A_FRESH_BACKEND = ("describe-extra-element", "cancel-extra-element")


def _certify(
    backend: ReferenceProcess, mode: str, reports: Path, selection: str | None = None
) -> SuiteRun:
    proxy: RunningProxy = start_proxy(backend.url, mode)
    try:
        return run_suite(
            reports,
            f"--endpoint={proxy.url}",
            f"--reference-endpoint={backend.url}",
            *CREDENTIALS,
            "-k",
            selection or SELECTION.get(mode, DEFAULT_SELECTION),
            timeout=300,
        )
    finally:
        proxy.stop()


@pytest.mark.slow
@pytest.mark.parametrize("mode", CLEAN)
def test_clean_proxy_is_certified(mode, backend, tmp_path):
    run = _certify(backend, mode, tmp_path)
    assert run.summary["verdict"] == "conformant", run.stdout[-3000:]
    assert run.status(REQUIREMENT) == "passed"
    assert run.with_status("failed") == run.with_status("warned") == []
    assert run.returncode == 0


@pytest.mark.slow
def test_clean_proxy_is_certified_on_lifecycle_and_boto3_requests(fresh_backend, tmp_path):
    """The lifecycle probe, Describe and Cancel requests, the end-of-run cancels and boto3's
    requests are mirrored, and a clean proxy passes on every one of them."""
    run = _certify(fresh_backend, "pass", tmp_path, LIFECYCLE_AND_BOTO3)
    assert run.summary["verdict"] == "conformant", run.stdout[-3000:]
    assert run.status(REQUIREMENT) == "passed"
    assert run.with_status("failed") == run.with_status("warned") == []
    tasks = run.summary["facts"]["tasks"]  # one was cancelled already, by LIFE-CANCEL's test
    assert tasks["cancelled"] > 0 and tasks["cancelled"] == tasks["created"] - 1, tasks


@pytest.mark.slow
@pytest.mark.parametrize("mode", ALTERATIONS)
def test_altering_proxy_is_caught(mode, request, tmp_path):
    fixture = "fresh_backend" if mode in NEEDS_A_FRESH_BACKEND else "backend"
    run = _certify(request.getfixturevalue(fixture), mode, tmp_path)
    assert run.summary["verdict"] == "non-conformant", run.stdout[-3000:]
    assert run.status(REQUIREMENT) == "failed"
    assert run.with_status("error") == []
    others = set(run.with_status("failed") + run.with_status("warned")) - {REQUIREMENT}
    assert others <= ALSO_BROKEN[mode], others
    first = run.summary["requirements"][REQUIREMENT]["first_failure"]
    assert "reference: " in first and "target: " in first  # both exchanges, side by side
    assert FIRST_FAILURE_SHOWS.get(mode, "") in first, first
    assert REQUIREMENT in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_every_alteration_is_a_mode_of_the_proxy():
    assert set(ANSWER_ALTERATIONS) < set(ALTERATIONS) and set(ALTERATIONS) == set(ALSO_BROKEN)


# ------------------------------------------------------------------------- fast tests


def _exchange(status: int, body: bytes, content_type: str = "text/xml;charset=UTF-8") -> Exchange:
    return Exchange(
        spec=None,
        method="POST",
        url="http://127.0.0.1/",
        request_headers=(),
        request_body=b"",
        status=status,
        response_headers=(("Content-Type", content_type),),
        response_body=body,
        truncated=False,
        elapsed=0.01,
        error=None,
    )


SAMPLE = golden.golden_response()


def _other_ids(body: bytes) -> bytes:
    for old, new in (
        (b"import-i-ffvko9js", b"import-i-abcdefgh"),
        (b"2010-12-22T12:01Z", b"2026-01-01T00:00Z"),
        (b"i-1234567890abcdef0", b"i-0fedcba987654321f"),
        (b"vol-1234567890abcdef0", b"vol-0fedcba987654321f"),
    ):
        body = body.replace(old, new)
    return body


def test_ids_that_differ_between_endpoints_are_masked():
    assert differences(_exchange(200, SAMPLE), _exchange(200, _other_ids(SAMPLE))) == []


def _described(body: bytes) -> bytes:
    """The sample's task as a DescribeConversionTasks answer lists it."""
    task = re.search(rb"<conversionTask>.*</conversionTask>", body, re.DOTALL)
    assert task is not None
    item = task.group(0).replace(b"<conversionTask>", b"<item>", 1)
    item = item.replace(b"</conversionTask>", b"</item>")
    return (
        b'<DescribeConversionTasksResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>"
        b"<conversionTasks>" + item + b"</conversionTasks></DescribeConversionTasksResponse>"
    )


def test_ids_are_masked_in_a_described_task_too():
    ours, theirs = _described(SAMPLE), _described(_other_ids(SAMPLE))
    assert ours != theirs
    assert differences(_exchange(200, ours), _exchange(200, theirs)) == []
    masked = normalised_body(_exchange(200, ours))
    assert masked is not None and "conversionTaskId: '*'" in masked


def test_any_other_text_is_a_difference():
    other = SAMPLE.replace(b"<format>VMDK</format>", b"<format>RAW</format>")
    found = differences(_exchange(200, other), _exchange(200, SAMPLE))
    assert len(found) == 1 and "VMDK" in found[0] and "RAW" in found[0]


def test_white_space_between_elements_is_not_a_difference():
    compact = re.sub(rb">\s+<", b"><", SAMPLE)
    assert normalised_body(_exchange(200, compact)) == normalised_body(_exchange(200, SAMPLE))


def test_errors_compare_status_and_code_only():
    a = b"<Response><Errors><Error><Code>AuthFailure</Code><Message>x</Message></Error></Errors>"
    b = a.replace(b"<Message>x", b"<Message>another message")
    assert differences(_exchange(401, a), _exchange(401, b)) == []
    assert differences(_exchange(403, a), _exchange(401, a)) == [
        "status: target 403, reference 401"
    ]


def test_no_answer_against_an_answer_is_a_difference():
    lost = replace(_exchange(200, b""), status=None, error="timeout after 1.0s")
    assert differences(lost, _exchange(200, SAMPLE))
    assert differences(lost, lost) == []


class _Recorder:
    """A stand-in for the reference's client: records what it is sent, answers ``answer``."""

    def __init__(self, answer: Exchange) -> None:
        self.sent: list[RequestSpec] = []
        self.answer = answer

    def send(self, spec: RequestSpec) -> Exchange:
        self.sent.append(spec)
        return self.answer


def test_off_loopback_reference_gets_only_what_safe_mode_sends_unchanged():
    recorder = _Recorder(_exchange(412, b""))
    mirror = Differential(recorder, may_mutate=False)  # type: ignore[arg-type]
    dry = sample().with_params(DryRun="true")
    assert mirror.mirror(sample(), _exchange(200, SAMPLE)) == NOT_SENT_OFF_LOOPBACK
    cancel = RequestSpec.of([], action="CancelConversionTask")
    assert mirror.mirror(cancel, _exchange(200, b"")) == NOT_SENT_OFF_LOOPBACK
    assert mirror.mirror(dry, _exchange(412, b"")) is recorder.answer
    describe = RequestSpec.of([], action="DescribeConversionTasks")
    assert mirror.mirror(describe, _exchange(200, b"")) is recorder.answer
    assert recorder.sent == [dry, describe]


def test_the_targets_ids_are_translated_to_the_references():
    recorder = _Recorder(_exchange(200, _other_ids(SAMPLE)))
    mirror = Differential(recorder)  # type: ignore[arg-type]
    mirror.mirror(sample(), _exchange(200, SAMPLE))
    describe = RequestSpec.of(
        [("ConversionTaskId.1", "import-i-ffvko9js")], action="DescribeConversionTasks"
    )
    mirror.mirror(describe, _exchange(200, b""))
    assert recorder.sent[-1].get("ConversionTaskId.1") == "import-i-abcdefgh"
    assert mirror.created == ["import-i-abcdefgh"]


# ------------------------------------------------------------------- recorded sessions

SESSION = ROOT / "examples" / "session"
SESSION_SELECTION = (
    "(differential or WIRE-POST or WIRE-GET or PARAM-PLATFORM-MISSING) and not generated"
)
"""The selection examples/session was recorded with (its README says how)."""


def test_a_recorded_exchange_comes_back_as_it_was(tmp_path):
    spec = sample()
    exchange = replace(
        _exchange(200, SAMPLE),
        spec=spec,
        request_headers=(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/us-east-1/"
                "ec2/aws4_request, SignedHeaders=host, Signature=REDACTED",
            ),
        ),
    )
    recorder = Recorder(tmp_path, "http://127.0.0.1:1")
    recorder.add(exchange)
    recorder.write()
    text = (tmp_path / SESSION_FILE).read_text(encoding="utf-8")
    assert "AKIDEXAMPLE" not in text
    replay = Replay.load(tmp_path)
    assert replay.facts["endpoint"] == "http://127.0.0.1:1"
    again = replay.send(spec)
    assert (again.status, again.response_body, again.spec) == (200, SAMPLE, spec)
    with pytest.raises(NotRecorded):
        replay.send(spec.with_params(Description="another"))


def test_the_shipped_session_names_its_facts():
    facts = Replay.load(SESSION).facts
    assert {"endpoint", "date", "suite_version", "contract_version"} <= set(facts)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "verdict"), [("pass", "conformant"), ("rewrite-error-code", "non-conformant")]
)
def test_the_shipped_session_is_a_reference(mode, verdict, backend, tmp_path):
    proxy = start_proxy(backend.url, mode)
    try:
        run = run_suite(
            tmp_path,
            f"--endpoint={proxy.url}",
            f"--replay={SESSION}",
            *CREDENTIALS,
            "-k",
            SESSION_SELECTION,
            timeout=300,
        )
    finally:
        proxy.stop()
    assert run.summary["verdict"] == verdict, run.stdout[-3000:]
    assert run.status(REQUIREMENT) == ("passed" if mode == "pass" else "failed")


def _session_of_another_version(directory: Path) -> Path:
    document = json.loads((SESSION / SESSION_FILE).read_text(encoding="utf-8"))
    document["suite_version"] = "0.0.1"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / SESSION_FILE).write_text(json.dumps(document), encoding="utf-8")
    return directory


def test_a_session_of_another_version_says_so(tmp_path):
    assert Replay.load(SESSION).version_mismatch() is None
    said = Replay.load(_session_of_another_version(tmp_path)).version_mismatch()
    assert said is not None and "suite version 0.0.1" in said and "contract" not in said


@pytest.mark.slow
def test_replaying_another_versions_session_warns_in_the_reports(backend, tmp_path):
    session = _session_of_another_version(tmp_path / "session")
    run = run_suite(
        tmp_path / "run",
        f"--endpoint={backend.url}",
        f"--replay={session}",
        *CREDENTIALS,
        "-k",
        "WIRE-POST and not generated",
        timeout=300,
    )
    said = run.summary.get("facts", {}).get("replay_version_mismatch", "")
    assert "suite version 0.0.1" in said, run.stdout[-3000:]
    assert f"- warning: {said}" in (tmp_path / "run" / "summary.md").read_text(encoding="utf-8")
    assert "ReplayVersionWarning" in run.stdout


@pytest.mark.slow
def test_boto3s_requests_are_recorded_and_replayed(backend, tmp_path):
    """boto3's exchanges go into a recorded session by their case (the parameters of the
    body botocore sent), so a replay finds them: replayed through a proxy that alters only
    boto3's answers, the session catches it on DIFF-SAME-OUTCOME (a case it lacked would be
    skipped instead)."""
    session = tmp_path / "session"
    recorded = run_suite(tmp_path / "recording", f"--record={session}", "-k", "boto3")
    assert recorded.summary["verdict"] == "conformant", recorded.stdout[-3000:]
    document = json.loads((session / SESSION_FILE).read_text(encoding="utf-8"))
    agents = [
        v for x in document["exchanges"] for k, v in x["request"]["headers"] if k == "User-Agent"
    ]
    assert agents and all(a.startswith("Boto3/") for a in agents), agents
    proxy = start_proxy(backend.url, "boto3-extra-element")
    try:
        run = run_suite(
            tmp_path / "replay",
            f"--endpoint={proxy.url}",
            f"--replay={session}",
            *CREDENTIALS,
            "-k",
            "boto3",
            timeout=300,
        )
    finally:
        proxy.stop()
    assert run.status(REQUIREMENT) == "failed", run.stdout[-3000:]
    assert "::test_boto3_" in run.summary["requirements"][REQUIREMENT]["first_failure"]
