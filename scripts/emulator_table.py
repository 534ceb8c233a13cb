"""Side by side: what moto and LocalStack give, requirement by requirement.

Reads each emulator's ``summary.json`` (and the ``emulator.json`` beside it: version, command,
time taken), writes a markdown section to ``selftests/EMULATORS.md`` and prints it. The
summaries come from ``python selftests/test_moto.py`` (``reports/moto/``) and
``scripts/certify_localstack`` (``reports/localstack/``)::

    .venv/bin/python scripts/emulator_table.py [NAME=REPORTS_DIR ...] [--out PATH] [--readme]

With no ``NAME=DIR`` it reads ``moto=reports/moto`` and ``LocalStack=reports/localstack``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUNS = (
    ("moto", ROOT / "reports" / "moto"),
    ("LocalStack", ROOT / "reports" / "localstack"),
)
OUT = ROOT / "selftests" / "EMULATORS.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- emulators: begin -->", "<!-- emulators: end -->"
"""The README's generated block lies between these lines."""
ORDER = ("failed", "error", "warned", "waived", "skipped", "passed")


def load(reports: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A run's ``summary.json`` and its ``emulator.json`` (empty when absent)."""
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    facts_path = reports / "emulator.json"
    facts = json.loads(facts_path.read_text(encoding="utf-8")) if facts_path.is_file() else {}
    return summary, facts


def _counts(summary: Mapping[str, Any]) -> str:
    totals = summary.get("totals", {})
    return ", ".join(f"{totals[s]} {s}" for s in ORDER if totals.get(s))


def markdown(runs: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]]) -> str:
    """The section: one paragraph per emulator, then every requirement with each status."""
    lines = ["## Emulators side by side", ""]
    for name, summary, facts in runs:
        version = facts.get("version", "?")
        lines += [
            f"**{name} {version}** (Python {facts.get('python', '?')}, {facts.get('date', '?')}, "
            f"the `ci` profile, {facts.get('seconds', '?')} s, "
            f"exit {facts.get('exit_status', '?')}): "
            f"verdict **{summary['verdict']}**, `implements_import_instance: "
            f"{str(summary.get('implements_import_instance')).lower()}`; {_counts(summary)}.",
            "",
            "```sh",
            f"{facts.get('command', '?')}   # which runs:",
            f"{facts.get('emulator_command', '?')} &",
            str(facts.get("suite_command", "?")),
            "```",
            "",
        ]
    names = [name for name, _, _ in runs]
    rows: dict[str, dict[str, str]] = {}
    levels: dict[str, str] = {}
    for name, summary, _ in runs:
        for rid, row in summary["requirements"].items():
            rows.setdefault(rid, {})[name] = row["status"]
            levels[rid] = row["level"]
    lines += [
        "| requirement | level | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]

    def key(rid: str) -> tuple[int, ...]:
        return tuple(ORDER.index(rows[rid].get(n, "passed")) for n in names)

    for rid in sorted(rows, key=lambda r: (key(r), r)):
        cells = " | ".join(rows[rid].get(n, "—") for n in names)
        lines.append(f"| {rid} | {levels[rid]} | {cells} |")
    same = sum(1 for r in rows if len({rows[r].get(n) for n in names}) == 1)
    lines += [
        "",
        f"{len(rows)} requirements; {same} with the same status for every emulator.",
        "",
        "Written by `.venv/bin/python scripts/emulator_table.py --readme` from the runs'"
        " `summary.json`.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", metavar="NAME=REPORTS_DIR")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--readme",
        type=Path,
        nargs="?",
        const=README,
        default=None,
        help="also rewrite the README's generated block (default path: README.md)",
    )
    args = parser.parse_args(argv)
    pairs = [tuple(r.split("=", 1)) for r in args.runs] if args.runs else DEFAULT_RUNS
    runs = []
    for name, reports in pairs:
        path = Path(reports)
        if not (path / "summary.json").is_file():
            print(f"emulator_table: no summary.json in {path}", file=sys.stderr)
            return 2
        runs.append((str(name), *load(path)))
    text = markdown(runs)
    args.out.write_text(text, encoding="utf-8")
    if args.readme is not None and not replace_block(args.readme, text):
        print(f"emulator_table: no {BEGIN} ... {END} block in {args.readme}", file=sys.stderr)
        return 2
    print(text, end="")
    return 0


def replace_block(readme: Path, text: str) -> bool:
    """Put ``text`` (its heading dropped: the README has its own) between the README's
    markers; False when they are absent."""
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(BEGIN), content.find(END)
    if start < 0 or end < start:
        return False
    body = text.split("\n", 2)[2] if text.startswith("## ") else text
    block = f"{BEGIN}\n{body.strip()}\n{END}"
    readme.write_text(content[:start] + block + content[end + len(END) :], encoding="utf-8")
    return True


if __name__ == "__main__":
    sys.exit(main())
