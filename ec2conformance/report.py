"""Writers for ``reports/summary.json`` and ``reports/summary.md`` (the README's "What lands
in ``reports/``")."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ec2conformance import __version__, golden
from ec2conformance.verdict import RunResult, Status

# Rows of summary.md: failures first, then what needs a look, then the rest.
_MD_ORDER = [
    Status.FAILED,
    Status.ERROR,
    Status.WARNED,
    Status.WAIVED,
    Status.SKIPPED,
    Status.PASSED,
]


@dataclass
class RunInfo:
    """What a summary says besides the requirement rows."""

    endpoint: str | None
    strict: bool
    started: str
    finished: str
    implements_import_instance: bool | None = None
    reason: str | None = None  # why the run is not-run, when it is
    safe_mode: bool = False
    complete: bool = True  # False: interrupted (Ctrl-C, SIGTERM, --maxfail) before the end
    extra: dict[str, Any] = field(default_factory=dict)


def versions() -> dict[str, Any]:
    """What the suite is and was built against: its own version, the contract's, botocore's
    (the service model the golden data was recorded from). ``--version`` prints them and
    ``summary.json`` records them."""
    try:
        contract = golden.load_json("requirements.json")["contract_version"]
        botocore = golden.model()["botocore_version"]
    except Exception:  # the data itself may be what is broken (a not-run summary says so)
        contract = botocore = None
    return {
        "suite_version": __version__,
        "contract_version": contract,
        "botocore_version": botocore,
    }


def summary_document(info: RunInfo, result: RunResult) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "endpoint": info.endpoint,
        "strict": info.strict,
        "started": info.started,
        "finished": info.finished,
        "implements_import_instance": info.implements_import_instance,
        "complete": info.complete,
        "verdict": result.verdict.value,
        "incomplete": result.incomplete,
        "requirements": {rid: r.as_json() for rid, r in sorted(result.requirements.items())},
        "totals": result.totals(),
        "safe_mode": info.safe_mode,
        **versions(),
    }
    if info.reason is not None:
        doc["reason"] = info.reason
    doc.update(info.extra)
    return doc


REPORT_MODE = 0o644
"""The file mode of every report (they carry no credentials: exchanges are redacted)."""


def write_text(path: Path, text: str) -> None:
    """Write atomically (a reader never sees half a file; an earlier file stays whole until
    the new one replaces it), with :data:`REPORT_MODE`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, REPORT_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    """Write a JSON document as :func:`write_text` does."""
    write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def summary_markdown(doc: Mapping[str, Any]) -> str:
    lines = [
        "# ImportInstance conformance",
        "",
        f"- endpoint: `{doc['endpoint']}`",
        f"- verdict: **{doc['verdict']}**"
        + (" (strict)" if doc["strict"] else "")
        + ("" if doc.get("complete", True) else " — the run was interrupted before its end"),
        f"- implements ImportInstance: {_yes_no(doc['implements_import_instance'])}",
        f"- started {doc['started']}, finished {doc['finished']}",
    ]
    if doc.get("safe_mode"):
        lines.append("- safe mode: DryRun-only requests (the target is off the loopback network)")
    if doc.get("reason"):
        lines.append(f"- reason: {doc['reason']}")
    if doc["incomplete"]:
        lines.append(f"- incomplete (MUST skipped): {', '.join(doc['incomplete'])}")
    totals = doc["totals"]
    lines.append("- totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    facts = doc.get("facts", {})
    if facts.get("stopped_answering"):
        lines.append(f"- {facts['stopped_answering']}: the tests after it were skipped")
    if facts.get("replay_version_mismatch"):
        lines.append(f"- warning: {facts['replay_version_mismatch']}")
    tasks = facts.get("tasks")
    if tasks and tasks.get("created"):
        lines.append(
            f"- conversion tasks: {tasks['created']} created, {tasks['cancelled']} cancelled"
            + (f" ({tasks['note']})" if tasks.get("note") else "")
        )
    if doc.get("baseline"):
        base = doc["baseline"]
        lines.append(
            f"- against baseline: {len(base['worse'])} worse, {len(base['better'])} better"
        )
    lines += ["", "## By group", "", *group_table(doc["requirements"], markdown=True)]
    lines += baseline_section(doc.get("baseline"))
    shown = [
        (rid, row)
        for rid, row in sorted(doc["requirements"].items())
        if row["status"] in ("failed", "error", "warned") and row.get("first_failure")
    ]
    if shown:
        lines += ["", "## Failures", ""]
        for rid, row in sorted(shown, key=lambda kv: _MD_ORDER.index(Status(kv[1]["status"]))):
            lines += [
                f"### {rid} ({row['level']}, {row['status']}: "
                f"{row['failed_cases']} of {row['cases']} cases)",
                "",
                "```",
                _fenced(row["first_failure"]),
                "```",
                "",
            ]
    lines += [
        "",
        "## Every requirement",
        "",
        "| requirement | level | status | cases | failed | detail |",
        "|---|---|---|---|---|---|",
    ]
    rows = sorted(
        doc["requirements"].items(),
        key=lambda kv: (_MD_ORDER.index(Status(kv[1]["status"])), kv[0]),
    )
    for rid, row in rows:
        detail = row["first_failure"] or row["reason"] or ""
        detail = detail.splitlines()[0] if detail else ""
        lines.append(
            f"| {rid} | {row['level']} | {row['status']} | {row['cases']} | "
            f"{row['failed_cases']} | {_md_cell(detail)} |"
        )
    return "\n".join(lines) + "\n"


def baseline_section(base: Mapping[str, Any] | None) -> list[str]:
    """``## Against the baseline``: each requirement that got worse or better, old -> new."""
    if not base:
        return []
    lines = ["", "## Against the baseline", ""]
    if not base["worse"] and not base["better"]:
        return [*lines, "No requirement changed status."]
    lines += ["| change | requirement | before | now |", "|---|---|---|---|"]
    for change in ("worse", "better"):
        for row in base[change]:
            lines.append(f"| {change} | {row['id']} | {row['before']} | {row['now']} |")
    return lines


GROUP_COLUMNS = ("passed", "failed", "warned", "skipped", "waived", "error")


def group_table(rows: Mapping[str, Mapping[str, Any]], *, markdown: bool) -> list[str]:
    """Per requirement group, how many requirements have each status: Markdown table
    lines, or fixed-width lines for the console."""
    requirements = golden.requirements()
    counts: dict[str, dict[str, int]] = {}
    for rid, row in rows.items():
        group = requirements[rid].group if rid in requirements else "other"
        per = counts.setdefault(group, dict.fromkeys(GROUP_COLUMNS, 0))
        per[row["status"]] = per.get(row["status"], 0) + 1
    if markdown:
        lines = [
            "| group | " + " | ".join(GROUP_COLUMNS) + " |",
            "|---" * (len(GROUP_COLUMNS) + 1) + "|",
        ]
        for group, per in sorted(counts.items()):
            lines.append(f"| {group} | " + " | ".join(str(per[c]) for c in GROUP_COLUMNS) + " |")
        return lines
    lines = ["group       " + " ".join(f"{c:>7}" for c in GROUP_COLUMNS)]
    for group, per in sorted(counts.items()):
        lines.append(f"{group:<11} " + " ".join(f"{per[c]:>7}" for c in GROUP_COLUMNS))
    return lines


def _fenced(text: str) -> str:
    """``text`` safe inside a fenced block."""
    return text.replace("```", "` ` `")


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def _md_cell(text: str, limit: int = 160) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_reports(directory: Path, info: RunInfo, result: RunResult) -> dict[str, Any]:
    doc = summary_document(info, result)
    write_json(directory / "summary.json", doc)
    write_text(directory / "summary.md", summary_markdown(doc))
    return doc
