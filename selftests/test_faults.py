"""Self-certification: the suite catches every broken endpoint of the fault table.

Each fault of ``ec2conformance/reference/faults/`` (``selftests/FAULTS.md``) is served on
127.0.0.1 and a free port, and the suite runs against it in a subprocess as a user would
(``selftests/faultruns.py``). One session fixture runs all the selected faults' runs, four
at a time, each with its own reports directory; each parametrised test then judges one
fault from its runs' ``summary.json``:

- MUST fault: ``non-conformant``, the fault's requirement failed, nothing in error;
- SHOULD fault: ``conformant`` with the requirement warned; with ``--strict-conformance``
  ``non-conformant`` with it failed;
- ALTERNATIVE fault: ``conformant`` with the requirement passed; with
  ``--strict-conformance`` ``non-conformant`` with it failed;
- the correct endpoint, through the same layer and path: conformant, nothing failed or
  warned, in both modes.

The fast tests at the end check the table itself and the layer without running the suite.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests
from faultruns import CONTROL, judge, judge_control, planned, run_all
from test_differential import ALTERATIONS

from ec2conformance import ROOT, golden
from ec2conformance.reference import PERMITTED, start
from ec2conformance.reference.faults import (
    FAULTS,
    FAULTS_BY_NAME,
    PASS_THROUGH,
    fault_table_markdown,
    faults_by_requirement,
    start_faulty,
)

FAULT_TABLE = Path(__file__).with_name("FAULTS.md")


def _selected_faults(session: pytest.Session) -> list[str]:
    names: list[str] = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and item.originalname == "test_fault_is_caught":
            names.append(callspec.params["fault"])
    return names


@pytest.fixture(scope="session")
def fault_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Every run the selected tests need (control included), four at a time."""
    names = _selected_faults(request.session)
    keys = [*CONTROL, *planned(FAULTS_BY_NAME[name] for name in names)]
    return run_all(keys, tmp_path_factory.mktemp("fault-runs"))


@pytest.mark.slow
@pytest.mark.parametrize("fault", [f.name for f in FAULTS])
def test_fault_is_caught(fault, fault_runs):
    """The suite records the fault on its requirement, at its level, and breaks nowhere."""
    judgement = judge(FAULTS_BY_NAME[fault], fault_runs)
    assert judgement.caught, "\n".join(judgement.reasons)


@pytest.mark.slow
def test_correct_endpoint_is_conformant(fault_runs):
    """The correct endpoint through the same layer: conformant, every requirement passed."""
    assert judge_control(fault_runs) == []


# ------------------------------------------------------------------------------ the table


def test_fault_table_document_is_current():
    """selftests/FAULTS.md is generated from the table (--list-faults) and up to date."""
    assert FAULT_TABLE.read_text(encoding="utf-8") == fault_table_markdown()


def test_table_covers_every_group_and_level():
    """At least 40 faults, every requirement group of the contract, every level."""
    requirements = golden.requirements()
    groups = {r.group for r in requirements.values()}
    by_proxy = {requirements[rid].group for rid in PROVEN_BY_A_PROXY}
    assert len(FAULTS) >= 40
    assert {requirements[f.requirement].group for f in FAULTS} | by_proxy == groups
    assert set(Counter(f.level for f in FAULTS)) == {"MUST", "SHOULD", "ALTERNATIVE"}


def test_table_levels_match_the_contract():
    """A MUST or SHOULD fault breaks a requirement of that level; an ALTERNATIVE fault a
    requirement that has alternatives: several codes, or (as golden/requirements.json
    documents them) RESP-NAMESPACE's namespace without the slash, LIFE-CANCEL's cancelled,
    FUZZ-ORACLE's order of checks, RESP-GOLDEN's absent empty elements."""
    requirements = golden.requirements()
    other_alternatives = {"RESP-NAMESPACE", "LIFE-CANCEL", "FUZZ-ORACLE", "RESP-GOLDEN"}
    for fault in FAULTS:
        row = requirements[fault.requirement]
        if fault.level == "ALTERNATIVE":
            assert len(row.expected) > 1 or fault.requirement in other_alternatives
        else:
            assert row.level == fault.level, fault.name


#: The requirements of golden/requirements.json that no endpoint can fail, each with the
#: reason; every other requirement has a fault that fails it. None so far: every
#: requirement judges something the endpoint answers.
NEVER_FAILED_BY_AN_ENDPOINT: dict[str, str] = {}
#: The requirements whose "faults" are not endpoints but proxies in front of the reference
#: endpoint (``selftests/proxy.py``), each with the altering proxy modes that fail it
#: (``selftests/test_differential.py`` runs each and asserts it is caught).
PROVEN_BY_A_PROXY: dict[str, tuple[str, ...]] = {"DIFF-SAME-OUTCOME": ALTERATIONS}


def test_every_requirement_an_endpoint_can_fail_has_a_fault():
    """Each requirement that an endpoint can fail names at least one fault of the table
    that fails it (the table's "Faults per requirement" counts them)."""
    table = faults_by_requirement()
    assert set(table) == set(golden.requirements())
    unproven = sorted(rid for rid, faults in table.items() if not faults)
    assert unproven == sorted({*NEVER_FAILED_BY_AN_ENDPOINT, *PROVEN_BY_A_PROXY})
    assert all(len(modes) >= 1 for modes in PROVEN_BY_A_PROXY.values())
    for rid, faults in table.items():
        assert all(f.requirement == rid for f in faults)
    assert sum(len(faults) for faults in table.values()) == len(FAULTS)


def test_every_echoed_field_has_a_constant_answer_fault():
    """An endpoint that answers a constant for an echoed field (the sample's value, or the
    default zone) instead of the request's is in the table, on the field's requirement."""
    constant = {f.name: f.requirement for f in FAULTS}
    assert constant["format-constant"] == "RESP-VOLUME-ECHO"
    assert constant["image-size-constant"] == "RESP-VOLUME-ECHO"
    assert constant["manifest-url-constant"] == "RESP-VOLUME-ECHO"
    assert constant["volume-size-constant"] == "RESP-VOLUME-ECHO"
    assert constant["disk-description-constant"] == "RESP-VOLUME-ECHO"
    assert constant["description-not-echoed"] == "PARAM-DESCRIPTION-ECHO"
    assert constant["zone-constant"] == "RESP-AZ-ECHO"
    assert FAULTS_BY_NAME["zone-constant"].level == "SHOULD"


def test_names_are_unique_and_documented():
    names = [f.name for f in FAULTS]
    assert len(set(names)) == len(names)
    assert PASS_THROUGH.name not in names
    assert all(f.description.endswith(".") for f in FAULTS)


# ------------------------------------------------------------------------------ the layer


def _sample_form() -> dict[str, str]:
    from ec2conformance.model import SAMPLE_PARAMS

    return {"Action": "ImportInstance", "Version": "2016-11-15", **dict(SAMPLE_PARAMS)}


def _boto3(url: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "ec2",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=PERMITTED.access_key_id,
        aws_secret_access_key=PERMITTED.secret_access_key,
        config=Config(retries={"max_attempts": 1}),
    )


def test_pass_through_answers_like_the_reference():
    """The layer without a fault changes nothing a client can see (but the ids)."""
    from botocore.exceptions import ClientError

    with start() as plain, start_faulty("none") as layered:
        for url in (plain.url, layered.url):
            ec2 = _boto3(url)
            with pytest.raises(ClientError) as dry:
                ec2.import_instance(
                    DryRun=True,
                    Platform="Windows",
                    DiskImages=[
                        {
                            "Image": {
                                "Format": "VMDK",
                                "Bytes": 1,
                                "ImportManifestUrl": "https://a",
                            },
                            "Volume": {"Size": 1},
                        }
                    ],
                )
            assert dry.value.response["Error"]["Code"] == "DryRunOperation"
        unsigned = [
            requests.post(u, data=_sample_form(), timeout=5) for u in (plain.url, layered.url)
        ]
        assert [r.status_code for r in unsigned] == [403, 403]
        assert layered.defects == []


def test_a_rewritten_request_is_re_signed():
    """A fault that rewrites a request (here: accepting an unsigned one) reaches the
    reference correctly signed: the answer is the reference's 200."""
    with start_faulty("unsigned-accepted") as server:
        answer = requests.post(server.url, data=_sample_form(), timeout=5)
        assert answer.status_code == 200, answer.text
        assert b"ImportInstanceResponse" in answer.content
        assert server.defects == []


def test_cli_serves_a_fault_and_lists_the_table():
    """``--list-faults`` prints the table; ``--fault NAME --port 0`` serves that fault."""
    listed = subprocess.run(
        [sys.executable, "-m", "ec2conformance.reference", "--list-faults"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert listed.stdout == fault_table_markdown()
    process = subprocess.Popen(
        [sys.executable, "-m", "ec2conformance.reference", "--fault", "get-refused", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(": ", 1)[1].split(" ", 1)[0]
        answer = requests.get(url + "/?Action=ImportInstance", timeout=5)
        assert answer.status_code == 400
        assert b"<Code>InvalidRequest</Code>" in answer.content
        assert "fault get-refused" in line
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_unknown_fault_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "ec2conformance.reference", "--fault", "no-such-fault"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "unknown fault" in done.stderr
