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
    extra: dict[str, Any] = field(default_factory=dict)


def summary_document(info: RunInfo, result: RunResult) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "endpoint": info.endpoint,
        "strict": info.strict,
        "started": info.started,
        "finished": info.finished,
        "implements_import_instance": info.implements_import_instance,
        "verdict": result.verdict.value,
        "incomplete": result.incomplete,
        "requirements": {rid: r.as_json() for rid, r in sorted(result.requirements.items())},
        "totals": result.totals(),
        "safe_mode": info.safe_mode,
    }
    if info.reason is not None:
        doc["reason"] = info.reason
    doc.update(info.extra)
    return doc


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    """Write atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def summary_markdown(doc: Mapping[str, Any]) -> str:
    lines = [
        "# ImportInstance conformance",
        "",
        f"- endpoint: `{doc['endpoint']}`",
        f"- verdict: **{doc['verdict']}**" + (" (strict)" if doc["strict"] else ""),
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
    if doc.get("baseline"):
        base = doc["baseline"]
        lines.append(
            f"- against baseline: {len(base['worse'])} worse, {len(base['better'])} better"
        )
    lines += [
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


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def _md_cell(text: str, limit: int = 160) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_reports(directory: Path, info: RunInfo, result: RunResult) -> dict[str, Any]:
    doc = summary_document(info, result)
    write_json(directory / "summary.json", doc)
    (directory / "summary.md").write_text(summary_markdown(doc), encoding="utf-8")
    return doc
