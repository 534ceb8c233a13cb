"""How fast the strategies draw examples: draws per second per strategy family, and where
the time goes.

    .venv/bin/python benchmarks/generation_speed.py [--examples 100] [--top 25]
        [--family valid|rows|invalid|mixed] [--no-profile]

Families: ``valid`` (``import_instance_requests``, ``valid_cases`` with botocore forms and
without resources), ``rows`` (every strategy of ``VALID_ROWS``), ``invalid`` (every
strategy of ``INVALID``, one line per requirement) and ``mixed`` (``mixed_requests``, the
FUZZ-ORACLE stream). Each strategy runs as a derandomised Hypothesis test (the ``ci``
profile's settings, generation only, nothing sent), as the suite runs it, so the figures
include Hypothesis's own work per example. Then the top entries of a cProfile of one pass
over every selected family, by cumulative and by own time.

Numbers, not a test: they vary with the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import Phase, given, settings
from hypothesis.strategies import SearchStrategy

import ec2conformance.strategies  # noqa: F401 - registers the profiles
from ec2conformance.strategies.invalid import INVALID
from ec2conformance.strategies.mixed import mixed_requests
from ec2conformance.strategies.valid import VALID_ROWS, import_instance_requests, valid_cases

AZ = ("us-east-1a", "us-east-1b")
FAMILIES = ("valid", "rows", "invalid", "mixed")


def family_strategies(family: str) -> list[tuple[str, Callable[[], SearchStrategy[Any]]]]:
    """The named strategy factories of ``family`` (each builds a fresh strategy, as a test
    does)."""
    if family == "valid":
        return [
            ("import_instance_requests", lambda: import_instance_requests(availability_zones=AZ)),
            (
                "import_instance_requests[botocore_forms_only]",
                lambda: import_instance_requests(availability_zones=AZ, botocore_forms_only=True),
            ),
            (
                "valid_cases[name_resources=False]",
                lambda: valid_cases(availability_zones=AZ, name_resources=False),
            ),
        ]
    if family == "rows":
        return [
            (rid, lambda make=make: make(availability_zones=AZ))
            for rid, make in sorted(VALID_ROWS.items())
        ]
    if family == "invalid":
        return [
            (rid, lambda make=make: make(availability_zones=AZ))
            for rid, make in sorted(INVALID.items())
        ]
    if family == "mixed":
        return [("mixed_requests", lambda: mixed_requests(availability_zones=AZ))]
    raise ValueError(family)


def draw_examples(strategy: SearchStrategy[Any], examples: int) -> tuple[int, float]:
    """Run ``strategy`` through a derandomised Hypothesis test of ``examples`` examples
    (generation only); the number of examples drawn and the seconds it took."""
    drawn = 0

    @settings(
        settings.get_profile("ci"),
        max_examples=examples,
        phases=[Phase.generate],
        database=None,
    )
    @given(strategy)
    def test(example: Any) -> None:
        nonlocal drawn
        drawn += 1

    started = time.perf_counter()
    test()
    return drawn, time.perf_counter() - started


def measure(families: Iterable[str], examples: int) -> None:
    print(f"{'family':8} {'strategy':48} {'draws':>6} {'seconds':>8} {'draws/s':>8}")
    grand_drawn, grand_seconds = 0, 0.0
    for family in families:
        family_drawn, family_seconds = 0, 0.0
        for name, make in family_strategies(family):
            drawn, seconds = draw_examples(make(), examples)
            family_drawn += drawn
            family_seconds += seconds
            print(f"{family:8} {name:48} {drawn:6d} {seconds:8.2f} {drawn / seconds:8.1f}")
        grand_drawn += family_drawn
        grand_seconds += family_seconds
        print(
            f"{family:8} {'= all of ' + family:48} {family_drawn:6d} {family_seconds:8.2f} "
            f"{family_drawn / family_seconds:8.1f}"
        )
    print(
        f"{'total':8} {'':48} {grand_drawn:6d} {grand_seconds:8.2f} "
        f"{grand_drawn / grand_seconds:8.1f}"
    )


def profile(families: Iterable[str], examples: int, top: int) -> None:
    chosen = list(families)
    profiler = cProfile.Profile()
    profiler.enable()
    for family in chosen:
        for _, make in family_strategies(family):
            draw_examples(make(), examples)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        print(f"\n--- profile of {', '.join(chosen)} ({examples} examples each), by {order}")
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print("\n".join(line for line in lines[start:] if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="examples per strategy")
    parser.add_argument("--top", type=int, default=25, help="profile entries shown")
    parser.add_argument("--family", choices=FAMILIES, action="append", help="repeatable")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--profile-examples", type=int, default=25, help="examples per strategy when profiled"
    )
    args = parser.parse_args()
    families = args.family or list(FAMILIES)
    measure(families, args.examples)
    if not args.no_profile:
        profile(families, args.profile_examples, args.top)


if __name__ == "__main__":
    main()
