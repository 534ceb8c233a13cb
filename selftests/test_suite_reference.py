"""The suite against the embedded reference endpoint: conformant, every requirement covered,
nothing failed or warned, in the default and the strict mode (issue "The conformance suites",
"Done when")."""

import re

import pytest
from runner import mode_only, not_passed, run_suite

from ec2conformance import golden


@pytest.mark.slow
@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_reference_endpoint_is_conformant(tmp_path, strict):
    args = ["--strict-conformance"] if strict else []
    run = run_suite(tmp_path, *args)
    summary = run.summary
    assert run.returncode == 0, run.stdout[-3000:]
    assert summary["verdict"] == "conformant"
    assert summary["strict"] is strict
    assert summary["implements_import_instance"] is True
    assert summary["incomplete"] == []
    rows = summary["requirements"]
    assert not_passed(summary) == {}, not_passed(summary)
    assert all(row["cases"] >= 1 for rid, row in rows.items() if rid not in mode_only())
    table = (tmp_path / "summary.md").read_text().split("## Every requirement")[1]
    assert table.count("| passed |") == len(rows) - len(mode_only())
    assert table.count("| skipped |") == len(mode_only())
    # The console ends with the per-group table and the verdict, after pytest's counts.
    last = run.stdout.strip().splitlines()
    assert last[-1].startswith("verdict: conformant"), last[-3:]
    header = max(i for i, line in enumerate(last) if line.startswith("group "))
    groups = {golden.requirements()[rid].group for rid in rows}
    assert [line.split()[0] for line in last[header + 1 : -1]] == sorted(groups), last[header:]
    assert (tmp_path / "junit.xml").is_file()
    assert_allure_results_are_lean_and_labelled(tmp_path / "allure-results")
    assert_no_secret_in(tmp_path)


def assert_allure_results_are_lean_and_labelled(results):
    """Every test's result has its requirement's labels (a test skipped in its set-up too);
    each exchange is one attachment, request and response; no container is written that
    says nothing (one test's fixtures that passed with nothing to show), and the session's
    fixtures keep theirs."""
    import json

    from ec2conformance.plugin.allure_labels import says_nothing

    tests = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    assert tests
    for test in tests:
        labels = {label["name"] for label in test["labels"]}
        assert {"epic", "feature", "severity"} <= labels, (test["name"], test["status"])
    skipped = [t for t in tests if t["status"] == "skipped"]
    assert skipped, "the strict-only and mode-only rows are skipped, labelled alike"
    steps = [step for test in tests for step in test.get("steps", [])]
    assert steps
    for step in steps:
        (attached,) = step["attachments"]
        text = (results / attached["source"]).read_text(encoding="utf-8")
        assert text.startswith("request\n") and "\nresponse\n\nHTTP " in text, text[:300]
    containers = [json.loads(p.read_text()) for p in results.glob("*-container.json")]
    names = {f["name"] for c in containers for f in c.get("befores", [])}
    assert {"target", "run_state"} <= names, names
    assert not names & {"judge", "case", "requirement"}, names
    for container in containers:
        assert not says_nothing(_container_of(container)), container


def _container_of(written):
    """A written container (allure's JSON) as allure's model, as the logger saw it."""
    from allure_commons import model2

    return model2.TestResultContainer(
        uuid=written["uuid"],
        children=written.get("children", []),
        befores=[model2.TestBeforeResult(**f) for f in written.get("befores", [])],
        afters=[model2.TestAfterResult(**f) for f in written.get("afters", [])],
    )


def assert_no_secret_in(directory):
    """Credentials never reach the reports (summary, JUnit, allure attachments)."""
    from ec2conformance.reference import DENIED, PERMITTED

    secrets = [PERMITTED.secret_access_key, DENIED.secret_access_key]
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        for secret in secrets:
            assert secret not in text, f"{secret!r} in {path}"


@pytest.mark.slow
def test_baseline_of_an_identical_run_exits_zero(tmp_path):
    first = run_suite(tmp_path / "first", "-m", "disk")
    second = run_suite(
        tmp_path / "second", "-m", "disk", f"--baseline={first.reports / 'summary.json'}"
    )
    assert second.returncode == 0, second.stdout[-2000:]
    assert second.summary["baseline"] == {"worse": [], "better": []}


@pytest.mark.slow
def test_debug_logs_show_no_signature_or_secret(tmp_path):
    """With --log-level=DEBUG, botocore logs the headers it signs: the console, the JUnit
    file and the allure attachments still carry no signature and no secret."""
    run = run_suite(tmp_path, "-m", "permission", "--log-level=DEBUG", "-rA")
    printed = run.stdout + run.stderr
    assert "Authorization" in printed or "DEBUG" in printed, "the debug log was shown"
    assert re.search(r"Signature=(?!REDACTED)[0-9a-f]{16,}", printed) is None
    from ec2conformance.reference import DENIED, PERMITTED

    for secret in (PERMITTED.secret_access_key, DENIED.secret_access_key):
        assert secret not in printed
    assert_no_secret_in(tmp_path)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert re.search(r"Signature=(?!REDACTED)[0-9a-f]{16,}", text) is None, path


@pytest.mark.slow
def test_a_fuzzing_session_attaches_a_bounded_number_of_exchanges_per_test(tmp_path):
    """Hundreds of requests per generated test: each test's allure result carries at most
    ATTACHMENTS_PER_TEST exchanges as sent (plus failing ones), and says how many more
    were sent."""
    import json

    from ec2conformance.checks.attachments import ATTACHMENTS_PER_TEST

    run = run_suite(tmp_path, "-k", "generated and PARAM-PLATFORM", "--fuzz-minutes=0.1")
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.summary["facts"]["requests_sent"] > 4 * ATTACHMENTS_PER_TEST
    results = [
        json.loads(p.read_text()) for p in (tmp_path / "allure-results").glob("*-result.json")
    ]
    generated = [r for r in results if "generated" in r["fullName"]]
    assert generated
    for result in generated:
        captured = ("stdout", "stderr", "log")  # allure-pytest's own
        names = [a["name"] for a in result.get("attachments", []) if a["name"] not in captured]
        assert len(names) <= ATTACHMENTS_PER_TEST + 1, len(names)
        assert "exchanges not attached" in names, names
