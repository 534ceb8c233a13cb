"""Certifying an emulator: the suite against moto's server (pinned moto 5.2.5).

moto's server is started on 127.0.0.1 and a port the OS chooses, in this process, and the
suite runs against it in a subprocess as a user would (``--endpoint`` and fake credentials;
moto checks no signatures), with the ``ci`` Hypothesis profile and a bound on the whole run.
moto does not implement ImportInstance (it answers a 500 HTML page), so the suite must say
so: the run completes, ``implements_import_instance`` is false, every requirement of the
contract appears in ``summary.json``, the verdict is ``non-conformant``, and no requirement
is in ``error`` (that would be the suite itself breaking).

``python selftests/test_moto.py [REPORTS_DIR]`` runs the same, keeps the run's reports in
``REPORTS_DIR`` (default ``reports/moto/``, with an ``emulator.json`` naming moto's version,
the command and the time taken, which ``scripts/emulator_table.py`` reads) and rewrites
``selftests/MOTO.md`` (the README section "Certifying an emulator") from the run's summary.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":  # run as a script: the same imports as under pytest
    sys.path[:0] = [str(ROOT), str(ROOT / "selftests")]

from runner import SuiteRun, run_suite  # noqa: E402

from ec2conformance import golden  # noqa: E402

MOTO_VERSION = "5.2.5"
RUN_BOUND = 600.0
"""Seconds the whole suite run against moto may take."""
FAKE_KEY_ID = "testing"
FAKE_SECRET = "testing"
MOTO_DOC = Path(__file__).with_name("MOTO.md")


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on 127.0.0.1 and a free port; yields its URL."""
    import moto
    from moto.server import ThreadedMotoServer

    assert moto.__version__ == MOTO_VERSION, moto.__version__
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def certify_moto(reports: Path) -> tuple[SuiteRun, float]:
    """Run the suite against a fresh moto server; the run and how long it took."""
    with moto_server() as url:
        started = time.monotonic()
        run = run_suite(
            reports,
            "--endpoint",
            url,
            "--access-key-id",
            FAKE_KEY_ID,
            "--secret-access-key",
            FAKE_SECRET,
            timeout=RUN_BOUND,
        )
        return run, time.monotonic() - started


@pytest.fixture(scope="module")
def moto_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    run, _ = certify_moto(tmp_path_factory.mktemp("moto"))
    return run


@pytest.mark.slow
def test_the_run_completes_with_a_summary(moto_run):
    """The run ends by itself (within the bound) with a verdict's exit status and reports."""
    summary = moto_run.summary
    assert moto_run.returncode == 1, moto_run.stdout[-3000:]
    assert summary["finished"] >= summary["started"]
    assert (moto_run.reports / "summary.md").is_file()


@pytest.mark.slow
def test_moto_does_not_implement_import_instance(moto_run):
    assert moto_run.summary["implements_import_instance"] is False


@pytest.mark.slow
def test_every_requirement_appears(moto_run):
    assert set(moto_run.summary["requirements"]) == set(golden.requirements())


@pytest.mark.slow
def test_verdict_is_non_conformant(moto_run):
    assert moto_run.summary["verdict"] == "non-conformant"


@pytest.mark.slow
def test_no_requirement_is_in_error(moto_run):
    """An ``error`` is the suite breaking, never moto's fault: there must be none."""
    rows = moto_run.summary["requirements"]
    errors = {rid: row.get("reason") for rid, row in rows.items() if row["status"] == "error"}
    assert errors == {}


# ------------------------------------------------------------------------------ MOTO.md


def moto_markdown(run: SuiteRun, seconds: float) -> str:
    """The README section "Certifying an emulator", with the table of this run."""
    summary = run.summary
    rows = summary["requirements"]
    order = {"failed": 0, "error": 1, "warned": 2, "waived": 3, "skipped": 4, "passed": 5}
    totals = ", ".join(f"{n} {status}" for status, n in summary["totals"].items() if n)
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        "## Certifying an emulator",
        "",
        f"moto {MOTO_VERSION}'s server, for example (moto checks no signatures, so any key "
        "pair will do; it has no identity without permission, so the PERM-*DENIED checks "
        "are skipped):",
        "",
        "```sh",
        ".venv/bin/python -m moto.server -H 127.0.0.1 -p 5000 &",
        "./scripts/conformance --endpoint http://127.0.0.1:5000 \\",
        f"    --access-key-id {FAKE_KEY_ID} --secret-access-key {FAKE_SECRET}",
        "kill %1",
        "```",
        "",
        f"What it gives today ({date}, moto {MOTO_VERSION}, the `ci` Hypothesis profile, "
        f"{seconds:.0f} s): verdict **{summary['verdict']}**, "
        f"`implements_import_instance: {str(summary['implements_import_instance']).lower()}` "
        f"— moto has no ImportInstance and answers it with a 500 HTML page "
        f"(`NotImplementedError: The import_instance action has not been implemented`). "
        f"{totals}.",
        "",
        "| requirement | level | status |",
        "|---|---|---|",
    ]
    for rid, row in sorted(rows.items(), key=lambda kv: (order.get(kv[1]["status"], 9), kv[0])):
        lines.append(f"| {rid} | {row['level']} | {row['status']} |")
    lines += [
        "",
        "This file is written by `python selftests/test_moto.py` from a real run; "
        "`selftests/test_moto.py` checks the same run under pytest.",
    ]
    return "\n".join(lines) + "\n"


def emulator_facts(run: SuiteRun, seconds: float) -> dict[str, object]:
    """What ``emulator.json`` says of a moto run (``scripts/emulator_table.py`` reads it)."""
    import platform

    return {
        "emulator": "moto",
        "package": "moto",
        "version": MOTO_VERSION,
        "python": platform.python_version(),
        "seconds": round(seconds),
        "exit_status": run.returncode,
        "command": "python selftests/test_moto.py",
        "emulator_command": "python -m moto.server -H 127.0.0.1 -p PORT",
        "suite_command": "ec2-conformance --endpoint=http://127.0.0.1:PORT --hypothesis-profile=ci "
        f"--reports-dir=REPORTS --access-key-id={FAKE_KEY_ID} --secret-access-key={FAKE_SECRET}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def main(argv: list[str] | None = None) -> int:
    import json
    import shutil

    args = sys.argv[1:] if argv is None else argv
    reports = Path(args[0]) if args else ROOT / "reports" / "moto"
    shutil.rmtree(reports, ignore_errors=True)
    run, seconds = certify_moto(reports)
    MOTO_DOC.write_text(moto_markdown(run, seconds), encoding="utf-8")
    facts = emulator_facts(run, seconds)
    (reports / "emulator.json").write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
    summary = run.summary
    print(
        f"{summary['verdict']} (exit {run.returncode}, {seconds:.0f}s), "
        f"implements_import_instance={summary['implements_import_instance']}; wrote {MOTO_DOC} "
        f"and {reports}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
