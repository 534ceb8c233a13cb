"""Bad input gets a clear message and a not-run summary, never a traceback."""

import socket

import pytest
from runner import run_suite


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_stops_the_run_in_one_line(tmp_path):
    port = free_port()  # bound then closed: nothing listens there
    run = run_suite(
        tmp_path,
        f"--endpoint=http://127.0.0.1:{port}",
        env={"AWS_ACCESS_KEY_ID": "AKIDX", "AWS_SECRET_ACCESS_KEY": "x"},
    )
    assert run.returncode == 4
    assert "Traceback" not in run.stdout + run.stderr
    lines = [line for line in (run.stdout + run.stderr).splitlines() if "unreachable" in line]
    assert len(lines) == 1, run.stdout + run.stderr
    assert run.summary["verdict"] == "not-run"
    assert "unreachable" in run.summary["reason"]
    assert set(run.summary["requirements"]) >= {"WIRE-POST", "PARAM-PLATFORM-MISSING"}


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--request-timeout", "soon"),
        ("--request-timeout", "-1"),
        ("--endpoint", "ftp://example"),
        ("--region", "US East"),
        ("--waivers", "/nonexistent/waivers.toml"),
        ("--fuzz-variants", "-1"),
        ("--fuzz-variants", "many"),
    ],
)
def test_malformed_option_is_rejected_naming_the_option(tmp_path, option, value, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_suite(tmp_path, f"{option}={value}")
    assert run.returncode == 4
    assert option in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_bad_waiver_file_is_not_run(tmp_path):
    waivers = tmp_path / "w.toml"
    waivers.write_text('[[waiver]]\nid = "NOT-A-REQUIREMENT"\nreason = "x"\n')
    run = run_suite(tmp_path / "reports", f"--waivers={waivers}")
    assert run.returncode == 4
    assert run.summary["verdict"] == "not-run"
    assert "NOT-A-REQUIREMENT" in run.summary["reason"]


def test_reports_dir_takes_every_artifact(tmp_path):
    """--reports-dir alone puts summary.json, summary.md, junit.xml and the allure results
    there (never in the checkout's reports/)."""
    run = run_suite(tmp_path, "-k", "PARAM-PLATFORM-MISSING", artifact_options=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "junit.xml").is_file()
    assert any((tmp_path / "allure-results").glob("*-result.json"))
    assert {p.name for p in tmp_path.iterdir()} >= {"summary.json", "summary.md"}
