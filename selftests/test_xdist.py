"""A parallel run (pytest-xdist ``-n 2``) reports what a single run reports: the same
requirement statuses and case counts, the same verdict and totals, one summary written by
the controller, every test's allure result (from both workers) and the JUnit file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from runner import SuiteRun, run_suite

from ec2conformance.plugin import parallel

pytestmark = pytest.mark.slow


def _allure_results(reports: Path) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((reports / "allure-results").glob("*-result.json"))
    ]


def _junit_cases(reports: Path) -> int:
    return len(ET.parse(reports / "junit.xml").getroot().findall(".//testcase"))


def _rows(run: SuiteRun) -> dict[str, tuple[str, int, int]]:
    return {
        rid: (row["status"], row["cases"], row["failed_cases"])
        for rid, row in run.summary["requirements"].items()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[SuiteRun, SuiteRun]:
    single = run_suite(tmp_path_factory.mktemp("single"), "-n", "0")
    parallel = run_suite(tmp_path_factory.mktemp("parallel"), "-n", "2")
    return single, parallel


def test_parallel_summary_is_the_single_runs(runs: tuple[SuiteRun, SuiteRun]) -> None:
    single, parallel = runs
    assert single.returncode == parallel.returncode == 0, parallel.stdout[-3000:]
    assert _rows(parallel) == _rows(single)
    for key in ("verdict", "totals", "incomplete", "complete", "strict", "safe_mode"):
        assert parallel.summary[key] == single.summary[key], key
    assert parallel.summary["implements_import_instance"] is True
    facts, merged = single.summary["facts"], parallel.summary["facts"]
    assert merged["tasks"]["created"] == facts["tasks"]["created"]
    assert merged["has_describe_conversion_tasks"] == facts["has_describe_conversion_tasks"]
    # one embedded endpoint per worker; the summary names them all, the first as its endpoint
    assert len(merged["endpoints"]) == 2
    assert parallel.summary["endpoint"] == merged["endpoints"][0]
    assert (
        (parallel.reports / "summary.md")
        .read_text(encoding="utf-8")
        .startswith("# ImportInstance conformance")
    )


def test_parallel_run_keeps_every_allure_result_and_the_junit_file(
    runs: tuple[SuiteRun, SuiteRun],
) -> None:
    single, parallel = runs
    results = _allure_results(parallel.reports)
    assert len(results) == len(_allure_results(single.reports)) > 0
    threads = {
        label["value"] for r in results for label in r["labels"] if label["name"] == "thread"
    }
    assert len(threads) == 2, threads  # each worker (process) wrote its own results
    assert _junit_cases(parallel.reports) == _junit_cases(single.reports) > 0


@pytest.mark.parametrize(
    ("numprocesses", "dist", "distload", "chosen"),
    [
        (2, "no", False, "worksteal"),  # -n 2
        ("auto", "no", False, "worksteal"),  # -n auto (xdist counts the cores after)
        (2, "load", False, "load"),  # -n 2 --dist load: kept
        (2, "loadfile", False, "loadfile"),  # -n 2 --dist loadfile: kept
        (2, "no", True, "no"),  # -n 2 -d: xdist's own hook makes it load
        (0, "no", False, "no"),  # -n 0: no distribution
        (None, "no", False, "no"),  # no -n
    ],
)
def test_n_without_dist_steals_work(
    numprocesses: object, dist: str, distload: bool, chosen: str
) -> None:
    config = SimpleNamespace(
        option=SimpleNamespace(numprocesses=numprocesses, dist=dist, distload=distload)
    )
    hook = parallel.pytest_cmdline_main(config)  # a wrapper: its part before the others
    next(hook)
    assert config.option.dist == chosen
    with pytest.raises(StopIteration) as ended:
        hook.send(0)  # the other hooks' result (an exit status) is passed on
    assert ended.value.value == 0
