"""Run a command and write its peak resident memory (KiB) to a file.

    python scripts/peak_rss.py OUT_FILE COMMAND...

Exits with the command's exit status. Run from this small process so that the figure is the
command's own: a child forked straight from a large process (a long self-test session) has
that process's resident size in its peak, since Linux keeps the high-water mark across exec.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def main() -> int:
    out, command = Path(sys.argv[1]), sys.argv[2:]
    child = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda *_: child.kill())
    _, status, usage = os.wait4(child.pid, 0)
    out.write_text(str(usage.ru_maxrss))  # KiB on Linux
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
