"""The worked waiver files of ``examples/waivers/``: each loads as ``--waivers`` loads it,
names only requirements of the contract, and waives exactly what its emulator fails or warns
in the committed record of its last run (``selftests/MOTO.md``, ``selftests/EMULATORS.md``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ec2conformance import ROOT, golden
from ec2conformance.waivers import load_waivers

WAIVERS = ROOT / "examples" / "waivers"
KNOWN = set(golden.requirements())
ROW = re.compile(r"^\| ([A-Z0-9]+(?:-[A-Z0-9]+)+) \| (MUST|SHOULD|MAY) \| (.+) \|$")


def _statuses(doc: Path, column: int) -> dict[str, str]:
    """Requirement id -> the status in ``column`` (0: the first status column) of ``doc``."""
    out = {}
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            out[match.group(1)] = [c.strip() for c in match.group(3).split("|")][column]
    return out


@pytest.mark.parametrize("name", ["moto.toml", "localstack.toml"])
def test_waiver_file_loads_and_names_only_known_requirements(name):
    waivers = load_waivers(WAIVERS / name, KNOWN)
    assert waivers
    assert set(waivers) <= KNOWN
    assert all(len(w.reason) > 20 for w in waivers.values())


@pytest.mark.parametrize(
    ("name", "doc", "column"),
    [
        ("moto.toml", "MOTO.md", 0),
        ("moto.toml", "EMULATORS.md", 0),
        ("localstack.toml", "EMULATORS.md", 1),
    ],
)
def test_waivers_are_what_the_emulator_fails_today(name, doc, column):
    statuses = _statuses(Path(__file__).with_name(doc), column)
    assert set(statuses) == KNOWN
    failing = {rid for rid, status in statuses.items() if status in ("failed", "warned")}
    assert set(load_waivers(WAIVERS / name, KNOWN)) == failing


def test_the_readme_shows_the_emulators_as_the_script_wrote_them():
    """README.md's "Certifying an emulator" block is scripts/emulator_table.py's output
    (selftests/EMULATORS.md without its heading), never typed by hand."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- emulators: begin -->", "<!-- emulators: end -->"
    block = readme[readme.index(begin) + len(begin) : readme.index(end)].strip()
    written = (ROOT / "selftests" / "EMULATORS.md").read_text(encoding="utf-8")
    assert block == written.split("\n", 2)[2].strip()
