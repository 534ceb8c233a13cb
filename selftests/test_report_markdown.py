"""summary.md as a person reads it: the verdict first, a table per requirement group, the
failures with their evidence, then every requirement."""

from __future__ import annotations

from ec2conformance import golden
from ec2conformance.report import group_table, summary_markdown


def _doc(rows: dict) -> dict:
    return {
        "endpoint": "http://127.0.0.1:1",
        "strict": False,
        "complete": True,
        "verdict": "non-conformant",
        "implements_import_instance": True,
        "started": "2026-12-03T00:00:00Z",
        "finished": "2026-12-03T00:00:10Z",
        "incomplete": [],
        "totals": {"passed": 1, "failed": 1, "warned": 1},
        "requirements": rows,
        "facts": {},
    }


def _row(status: str, level: str = "MUST", failure: str | None = None) -> dict:
    failed = 1 if status in ("failed", "warned") else 0
    return {
        "level": level,
        "status": status,
        "cases": 3,
        "failed_cases": failed,
        "first_failure": failure,
        "reason": None,
    }


def test_summary_leads_with_the_verdict_then_groups_then_failures_then_every_row():
    rows = {
        "WIRE-GET": _row("failed", failure="wrong outcome — GET …\nexpected: 200\nreceived: 400"),
        "ERR-NAMESPACE": _row("warned", "SHOULD", failure="a namespace\nreceived: xmlns"),
        "DISK-NONE": _row("passed", "SHOULD"),
    }
    text = summary_markdown(_doc(rows))
    verdict = text.index("- verdict: **non-conformant**")
    groups = text.index("## By group")
    failures = text.index("## Failures")
    every = text.index("## Every requirement")
    assert verdict < groups < failures < every
    failure_part = text[failures:every]
    # The MUST failure comes before the SHOULD warning, each with its whole evidence.
    assert failure_part.index("### WIRE-GET") < failure_part.index("### ERR-NAMESPACE")
    assert "expected: 200\nreceived: 400" in failure_part
    assert "### DISK-NONE" not in failure_part
    group_part = text[groups:failures]
    assert "| wire | 0 | 1 | 0 | 0 | 0 | 0 |" in group_part
    assert "| errors | 0 | 0 | 1 | 0 | 0 | 0 |" in group_part
    assert "| disk | 1 | 0 | 0 | 0 | 0 | 0 |" in group_part


def test_no_failures_section_when_nothing_failed():
    text = summary_markdown(_doc({"DISK-NONE": _row("passed", "SHOULD")}))
    assert "## Failures" not in text
    assert "## By group" in text


def test_a_fence_in_a_failure_cannot_end_the_block():
    rows = {"WIRE-GET": _row("failed", failure="body: ```\nnot markdown")}
    text = summary_markdown(_doc(rows))
    block = text.split("### WIRE-GET")[1].split("## Every requirement")[0]
    assert block.count("```") == 2


def test_the_group_table_counts_every_requirement_once():
    rows = {rid: {"status": "passed"} for rid in golden.requirements()}
    lines = group_table(rows, markdown=False)
    total = sum(int(line.split()[1]) for line in lines[1:])
    assert total == len(golden.requirements())
    groups = {r.group for r in golden.requirements().values()}
    assert [line.split()[0] for line in lines[1:]] == sorted(groups)
