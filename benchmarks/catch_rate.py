"""The suite's catch rate: how many of the faults of the fault table it catches.

Runs the suite against every faulty reference endpoint (``selftests/faultruns.py``: the same
machinery as ``selftests/test_faults.py``) and prints one row per fault (caught, missed, or
caught but also-tripped other requirements), the rate per level and overall, and the time
taken. A fault is caught when the suite records it on the fault's own requirement, at the
fault's level (see ``selftests/FAULTS.md``). The rate must be 100%; the exit status is 1
otherwise.

    .venv/bin/python benchmarks/catch_rate.py [--workers 4] [--fault NAME ...] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "selftests")]

from faultruns import (  # noqa: E402
    CONTROL,
    WORKERS,
    all_faults,
    judge,
    judge_control,
    planned,
    run_all,
)

LEVELS = ("MUST", "SHOULD", "ALTERNATIVE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=WORKERS, help="parallel suite runs")
    parser.add_argument("--fault", action="append", default=[], help="only these faults")
    parser.add_argument("--reports", type=Path, default=None, help="keep the runs' reports here")
    parser.add_argument("--json", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)

    faults = [f for f in all_faults() if not args.fault or f.name in args.fault]
    unknown = set(args.fault) - {f.name for f in faults}
    if unknown:
        parser.error(f"unknown faults: {sorted(unknown)}")
    keys = [*CONTROL, *planned(faults)]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="catch-rate-") as scratch:
        base = args.reports or Path(scratch)
        runs = run_all(keys, base, workers=args.workers)
    elapsed = time.monotonic() - started

    judgements = [judge(f, runs) for f in faults]
    width = max(len(f.name) for f in faults)
    print(f"{'fault':{width}}  {'level':11}  {'requirement':26}  outcome")
    for j in judgements:
        extra = f"  (also: {', '.join(j.also_tripped)})" if j.also_tripped else ""
        row = f"{j.fault.name:{width}}  {j.fault.level:11}  {j.fault.requirement:26}"
        print(f"{row}  {j.outcome}{extra}")
        for reason in j.reasons:
            print(f"{'':{width}}    {reason}")
    print()
    for level in LEVELS:
        of_level = [j for j in judgements if j.fault.level == level]
        if of_level:
            caught = sum(j.caught for j in of_level)
            print(
                f"{level:11} {caught}/{len(of_level)} caught ({100 * caught / len(of_level):.0f}%)"
            )
    caught = sum(j.caught for j in judgements)
    rate = 100 * caught / len(judgements) if judgements else 0.0
    print(f"{'all':11} {caught}/{len(judgements)} caught ({rate:.0f}%)")
    control = judge_control(runs)
    print(f"correct endpoint: {control or 'conformant, all passed'}")
    print(f"{len(keys)} suite runs, {args.workers} at a time, in {elapsed:.0f}s")

    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "faults": [
                        {
                            "fault": j.fault.name,
                            "level": j.fault.level,
                            "requirement": j.fault.requirement,
                            "outcome": j.outcome,
                            "also_tripped": j.also_tripped,
                            "reasons": j.reasons,
                        }
                        for j in judgements
                    ],
                    "caught": caught,
                    "total": len(judgements),
                    "control": control,
                    "seconds": round(elapsed),
                },
                indent=1,
            )
        )
    return 0 if caught == len(judgements) and not control else 1


if __name__ == "__main__":
    raise SystemExit(main())
