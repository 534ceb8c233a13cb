"""Compare two runs' ``summary.json`` requirement by requirement.

    python scripts/compare_summaries.py BEFORE AFTER

BEFORE and AFTER are two ``summary.json`` files, or two directories: then every
``summary.json`` found under BEFORE is compared with the one at the same relative path under
AFTER (the reports of ``benchmarks/catch_rate.py --reports DIR``, one directory per fault run).
Prints each requirement whose status differs and each run missing on one side, then one line
of totals; the exit status is 1 when anything differs, else 0. This is how a change that must
leave verdicts alone (a refactor) proves it did.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def statuses(path: Path) -> dict[str, Any]:
    """The verdict and every requirement's status of one summary."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = {rid: row["status"] for rid, row in doc["requirements"].items()}
    return {"verdict": doc["verdict"], **rows}


def differences(before: Path, after: Path) -> list[str]:
    """One line per difference between two summaries (the verdict first)."""
    old, new = statuses(before), statuses(after)
    lines = []
    for key in sorted(set(old) | set(new), key=lambda k: (k != "verdict", k)):
        if old.get(key) != new.get(key):
            lines.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    return lines


def pairs(before: Path, after: Path) -> tuple[list[tuple[str, Path, Path]], list[str]]:
    """The summaries to compare, by relative path, and the runs found on one side only."""
    if before.is_file():
        return [(after.name, before, after)], []
    old = {p.relative_to(before).parent.as_posix(): p for p in before.rglob("summary.json")}
    new = {p.relative_to(after).parent.as_posix(): p for p in after.rglob("summary.json")}
    missing = [f"{run}: only in {before}" for run in sorted(set(old) - set(new))]
    missing += [f"{run}: only in {after}" for run in sorted(set(new) - set(old))]
    both = [(run, old[run], new[run]) for run in sorted(set(old) & set(new))]
    return both, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    both, missing = pairs(args.before, args.after)
    changed = 0
    for run, old, new in both:
        lines = differences(old, new)
        changed += bool(lines)
        for line in lines:
            print(f"{run}: {line}")
    for line in missing:
        print(line)
    print(f"{len(both)} runs compared, {changed} differ, {len(missing)} on one side only")
    return 1 if changed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
