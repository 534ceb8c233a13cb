"""The suite's command-line options (README.md, "Certifying another endpoint").

A bad value stops the run before any hook runs (argparse), so its converter writes the
``not-run`` summary itself, then lets pytest name the option.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ec2conformance import golden
from ec2conformance.fuzzing import DEFAULT_SHRINK_SECONDS
from ec2conformance.health import DEFAULT_LIMIT
from ec2conformance.report import RunInfo, write_reports
from ec2conformance.state import DEFAULT_REPORTS, now
from ec2conformance.variants import VARIANTS_PER_CASE
from ec2conformance.verdict import Verdict, decide


def write_not_run(directory: Path, endpoint: str | None, strict: bool, reason: str) -> None:
    """A ``not-run`` summary: every requirement, none judged, and why."""
    try:
        levels = {rid: row.level for rid, row in golden.requirements().items()}
    except Exception:  # the data itself may be what is broken
        levels = {}
    result = decide(levels, [], strict=strict)
    result.verdict = Verdict.NOT_RUN
    info = RunInfo(endpoint=endpoint, strict=strict, started=now(), finished=now(), reason=reason)
    write_reports(directory, info, result)


def _reject(option: str, message: str) -> argparse.ArgumentTypeError:
    write_not_run(DEFAULT_REPORTS, None, False, f"bad value for {option}: {message}")
    return argparse.ArgumentTypeError(message)


def _url(option: str) -> Callable[[str], str]:
    """A converter of an endpoint's root URL."""

    def convert(value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _reject(option, f"{value!r} is not an http:// or https:// URL with a host")
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise _reject(option, f"{value!r} has a bad port") from None
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise _reject(option, f"{value!r}: give the endpoint's root (no path or query)")
        return value.rstrip("/")

    return convert


_endpoint = _url("--endpoint")


def _region(value: str) -> str:
    if not value or not all(c.isalnum() or c == "-" for c in value) or value != value.lower():
        raise _reject("--region", f"{value!r} is not a region name such as us-east-1")
    return value


def _number(option: str, unit: str, low: float, high: float) -> Callable[[str], float]:
    """A converter of a number in (low, high]."""

    def convert(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise _reject(option, f"{value!r} is not a number of {unit}") from None
        if not low < number <= high:
            raise _reject(option, f"{value!r} is not between {low:g} and {high:g} {unit}")
        return number

    return convert


def _count(option: str, low: int, high: int) -> Callable[[str], int]:
    """A converter of a whole number in [low, high]."""

    def convert(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise _reject(option, f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise _reject(option, f"{value!r} is not between {low} and {high}")
        return number

    return convert


def _existing_file(option: str) -> Callable[[str], Path]:
    def convert(value: str) -> Path:
        path = Path(value)
        if not path.is_file():
            raise _reject(option, f"{value!r} is not a readable file")
        return path

    return convert


def _existing_dir(option: str) -> Callable[[str], Path]:
    def convert(value: str) -> Path:
        path = Path(value)
        if not (path / "session.json").is_file():
            raise _reject(option, f"{value!r} holds no session.json")
        return path

    return convert


def _zones(text: str) -> tuple[str, ...]:
    """``--availability-zones``: comma-separated, non-empty, each once."""
    zones = tuple(dict.fromkeys(z.strip() for z in text.split(",") if z.strip()))
    if not zones:
        raise argparse.ArgumentTypeError("--availability-zones needs at least one zone")
    return zones


_FLAG: dict[str, Any] = {"action": "store_true", "default": False}

OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "--endpoint",
        {
            "type": _endpoint,
            "help": "the target, e.g. http://127.0.0.1:4566 (default: the "
            "embedded reference endpoint)",
        },
    ),
    ("--region", {"type": _region, "default": "us-east-1", "help": "SigV4 region"}),
    (
        "--embedded-in-process",
        {
            **_FLAG,
            "help": "serve the embedded reference endpoint on a thread of this process, not "
            "in a process of its own (for profiling or debugging it with the suite)",
        },
    ),
    ("--access-key-id", {"help": "permitted identity (default $AWS_ACCESS_KEY_ID)"}),
    (
        "--secret-access-key",
        {"help": "permitted identity's secret (default $AWS_SECRET_ACCESS_KEY)"},
    ),
    (
        "--denied-access-key-id",
        {"help": "an identity with valid credentials but no permission for ImportInstance"},
    ),
    ("--denied-secret-access-key", {"help": "the denied identity's secret"}),
    (
        "--availability-zones",
        {
            "type": _zones,
            "help": "comma-separated zones valid requests name, two or more so that a "
            "constant answer is caught (<region>a,<region>b)",
        },
    ),
    ("--availability-zone", {"help": "one zone valid requests name (the one-zone form)"}),
    (
        "--strict-conformance",
        {
            **_FLAG,
            "help": "SHOULD counts as MUST; only first alternatives; the order of "
            "checks is enforced",
        },
    ),
    (
        "--waivers",
        {
            "type": _existing_file("--waivers"),
            "help": "TOML/JSON file of known deviations (requirement id, reason, link, expires)",
        },
    ),
    (
        "--allow-mutating",
        {**_FLAG, "help": "permit requests that create or cancel tasks on a non-loopback target"},
    ),
    (
        "--safe-mode",
        {**_FLAG, "help": "DryRun-only requests even on a loopback target (as for a remote one)"},
    ),
    (
        "--baseline",
        {
            "type": _existing_file("--baseline"),
            "help": "an earlier summary.json: exit 1 only when a requirement got worse",
        },
    ),
    (
        "--request-timeout",
        {
            "type": _number("--request-timeout", "seconds", 0, 600),
            "default": 10.0,
            "help": "seconds per request (default 10)",
        },
    ),
    (
        "--max-unanswered",
        {
            "type": _count("--max-unanswered", 0, 1000),
            "default": DEFAULT_LIMIT,
            "help": f"stop sending after N consecutive requests get no whole answer "
            f"(timeouts, resets, refusals; default {DEFAULT_LIMIT}, 0: never stop)",
        },
    ),
    (
        "--shrink-seconds",
        {
            "type": _number("--shrink-seconds", "seconds", 0, 24 * 3600),
            "default": DEFAULT_SHRINK_SECONDS,
            "help": "seconds a generated test may spend shrinking a failure "
            f"(default {DEFAULT_SHRINK_SECONDS:g})",
        },
    ),
    (
        "--ca-bundle",
        {
            "type": _existing_file("--ca-bundle"),
            "help": "PEM file of the certificate authorities an https endpoint is checked "
            "against (default: the system's)",
        },
    ),
    (
        "--fuzz-minutes",
        {
            "type": _number("--fuzz-minutes", "minutes", 0, 24 * 60),
            "help": "an exploratory session: share N minutes among the selected generated tests",
        },
    ),
    (
        "--fuzz-variants",
        {
            "type": _count("--fuzz-variants", 0, 64),
            "default": VARIANTS_PER_CASE,
            "help": "in a session, send each drawn example then up to N wire forms of it the "
            "contract treats the same (other parameter orders, GET for POST; "
            f"default {VARIANTS_PER_CASE}, 0: only the examples)",
        },
    ),
    (
        "--reference-endpoint",
        {
            "type": _url("--reference-endpoint"),
            "help": "differential mode: every request also goes to this endpoint, and the "
            "target's outcome must be its (DIFF-SAME-OUTCOME; a proxy against its backend)",
        },
    ),
    (
        "--reference-access-key-id",
        {"help": "the reference's permitted identity (default: the target's)"},
    ),
    ("--reference-secret-access-key", {"help": "its secret (default: the target's)"}),
    (
        "--reference-denied-access-key-id",
        {"help": "the reference's denied identity (default: the target's)"},
    ),
    ("--reference-denied-secret-access-key", {"help": "its secret (default: the target's)"}),
    (
        "--record",
        {
            "type": Path,
            "help": "write every exchange of the run (redacted) and its facts to DIR/session.json",
        },
    ),
    (
        "--replay",
        {
            "type": _existing_dir("--replay"),
            "help": "differential mode against a recorded session (DIR/session.json) "
            "instead of a live reference endpoint",
        },
    ),
    (
        "--reports-dir",
        {"type": Path, "help": "where summary.json and summary.md go (default reports/)"},
    ),
)
"""Every option of the suite: its name and argparse settings (default ``None``)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "ImportInstance conformance (see README.md)")
    for name, settings in OPTIONS:
        group.addoption(name, **{"default": None, **settings})
