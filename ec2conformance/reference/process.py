"""The reference endpoint in a process of its own: what a run against the embedded endpoint
uses, so that the suite and the endpoint each have a core (and the endpoint runs as a user
runs it, ``python -m ec2conformance.reference``).

The child is started with ``--port 0`` and prints its URL on its first line; it is told to
end when this process ends (Linux's parent-death signal, where available) and is stopped by
:meth:`ReferenceProcess.stop` (SIGTERM, which it answers with a clean exit).
"""

from __future__ import annotations

import ctypes
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

__all__ = ["ReferenceProcess", "launch", "start_process"]

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_URL = re.compile(r"http://127\.0\.0\.1:\d+")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    # A parent that ignores SIGINT (a background job) must not pass that on.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class ReferenceProcess:
    """A running ``python -m ec2conformance.reference`` child; a context manager."""

    def __init__(self, child: subprocess.Popen[str], url: str) -> None:
        self._child = child
        self.url = url

    @property
    def pid(self) -> int:
        return self._child.pid

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; safe to call more than once."""
        if self._child.poll() is None:
            self._child.terminate()
            try:
                self._child.wait(timeout)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
        if self._child.stdout is not None:
            self._child.stdout.close()

    def __enter__(self) -> ReferenceProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_process(host: str = "127.0.0.1", *, startup_timeout: float = 60.0) -> ReferenceProcess:
    """Start the reference endpoint in a child process on ``host`` and a port the OS
    chooses; returns once it listens (its first line names its URL). RuntimeError if it
    does not start."""
    path = [_PACKAGE_PARENT, *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    command = [sys.executable, "-m", "ec2conformance.reference", "--host", host, "--port", "0"]
    child, url = launch(
        command, env=env, preexec_fn=_die_with_parent, startup_timeout=startup_timeout
    )
    # Its remaining lines (identities) are read and dropped, so that it never blocks on
    # a full pipe.
    threading.Thread(target=_drain, args=(child,), daemon=True).start()
    return ReferenceProcess(child, url)


def launch(
    command: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    stderr: int = subprocess.DEVNULL,
    preexec_fn: Callable[[], None] | None = None,
    startup_timeout: float = 60.0,
) -> tuple[subprocess.Popen[str], str]:
    """Start ``command``, a server that names its ``http://127.0.0.1:PORT`` URL on its
    first line of output, and wait for that line (at most ``startup_timeout`` seconds):
    the process and the URL. RuntimeError, the process killed, if the line names none."""
    child = subprocess.Popen(
        list(command),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=True,
        env=None if env is None else dict(env),
        preexec_fn=preexec_fn,
    )
    assert child.stdout is not None
    timer = None
    if startup_timeout:
        timer = threading.Timer(startup_timeout, child.kill)
        timer.daemon = True
        timer.start()
    try:
        first = child.stdout.readline()
    finally:
        if timer is not None:
            timer.cancel()
    match = _URL.search(first)
    if match is None:
        child.kill()
        child.wait()
        raise RuntimeError(f"{shlex.join(command)} did not start: {first.strip()!r}")
    return child, match.group(0)


def _drain(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    try:
        for _ in child.stdout:
            pass
    except (OSError, ValueError):
        pass
