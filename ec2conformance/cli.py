"""The ``ec2-conformance`` command (also ``python -m ec2conformance``).

``ec2-conformance [OPTION ...]`` certifies ``--endpoint`` (the embedded reference endpoint
without one) with every option of the README, writes ``reports/`` in the current directory
(or ``--reports-dir``) and exits as the README's verdict table says: 0 conformant,
1 non-conformant, 3 inconclusive, 4 not-run. Any other pytest option may follow too (``-m``,
``-k``, ``-n``, ``-q``).

``ec2-conformance --version`` prints the suite's version, the contract's and botocore's (the
model the golden data was recorded from). ``ec2-conformance reference [OPTION ...]`` serves
the embedded reference endpoint (``python -m ec2conformance.reference``'s options).

pytest is given the suite's configuration and root explicitly (``-c``, ``--rootdir``) and the
plugin up front (``-p``), so no option value is ever taken for a path to look for a
configuration in (``--reports-dir /an/existing/dir`` is an option's value, nothing else).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from ec2conformance import CONFIG, INSTALLED, ROOT
from ec2conformance.report import versions

PROG = "ec2-conformance"


def version_text() -> str:
    """What ``--version`` prints."""
    v = versions()
    return (
        f"{PROG} {v['suite_version']}\n"
        f"contract version {v['contract_version']}\n"
        f"botocore {v['botocore_version']} (the service model the golden data was recorded from)"
    )


def _names_tests(args: Sequence[str]) -> bool:
    """Whether the arguments name test files of their own (then the suites are not added)."""
    return any(not a.startswith("-") and (a.endswith(".py") or ".py::" in a) for a in args)


def pytest_arguments(args: Sequence[str], cwd: Path) -> list[str]:
    """The pytest command line that runs the suites with ``args``."""
    command = ["-c", str(CONFIG), "--rootdir", str(ROOT), "-p", "ec2conformance.plugin"]
    if INSTALLED:  # the configuration's `pythonpath = .` is the checkout's, not the package's
        command += ["-o", "pythonpath="]
    if not any(a == "--reports-dir" or a.startswith("--reports-dir=") for a in args):
        command += ["--reports-dir", str(cwd / "reports")]
    command += args
    if not _names_tests(args):
        command.append(str(ROOT / "suites"))
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status is the verdict's."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["reference"]:
        from ec2conformance.reference.__main__ import main as reference

        return reference(args[1:])
    if "--version" in args or "-V" in args:
        print(version_text())
        return 0
    import pytest

    return int(pytest.main(pytest_arguments(args, Path.cwd())))


if __name__ == "__main__":
    sys.exit(main())
