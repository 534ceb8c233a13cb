"""Whether the target still answers: the run's circuit breaker.

Every exchange of the run (the suite's own client and the boto3 clients alike) goes through a
:class:`~ec2conformance.transport.BoundedTransport`, which reports each one to the run's
:class:`Health`. After ``limit`` consecutive exchanges without a whole answer (a timeout, a
reset, a refused connection, an answer that broke off) the breaker opens: a plain DryRun
request is sent once to tell an endpoint that only drops some requests from one that has
stopped answering. If that probe is answered the count starts again; if not, every later send
raises :class:`EndpointStoppedAnswering` without touching the network, and the plugin records
every case not yet run as skipped with that reason and FUZZ-NO-SERVER-ERROR as failed
(``ec2conformance/plugin/health.py``), so a dead target ends the run in about ``limit``
request timeouts, with a full report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["DEFAULT_LIMIT", "EndpointStoppedAnswering", "Health"]

DEFAULT_LIMIT = 5
"""Consecutive exchanges without a whole answer after which the run stops sending
(``--max-unanswered``)."""


class EndpointStoppedAnswering(BaseException):
    """The target stopped answering: nothing more is sent this run.

    A BaseException, so that Hypothesis neither shrinks nor retries a test it interrupts and a
    check's ``except Exception`` cannot swallow it."""


@dataclass
class Health:
    """Counts consecutive exchanges without a whole answer; opens after ``limit`` of them.

    ``probe`` (set by the plugin once the client exists) sends one plain DryRun request and
    says whether it was answered; it runs with the breaker's own checks off."""

    limit: int = DEFAULT_LIMIT
    probe: Callable[[], bool] | None = None
    consecutive: int = 0
    unanswered: int = 0  # in the whole run
    last_error: str = ""
    stopped: str | None = None  # why nothing more is sent, once the breaker is open
    _probing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before_send(self) -> None:
        """Raise :class:`EndpointStoppedAnswering` once the target has stopped answering."""
        if self.stopped is not None and not self._probing:
            raise EndpointStoppedAnswering(self.stopped)

    def after(self, status: int | None, error: str | None) -> None:
        """Count one exchange: answered in full (``status`` and no ``error``) or not."""
        if self._probing:
            return
        with self._lock:
            if status is not None and not error:
                self.consecutive = 0
                return
            self.consecutive += 1
            self.unanswered += 1
            self.last_error = error or "no answer"
            tripped = self.limit > 0 and self.consecutive >= self.limit
        if tripped:
            self._trip()

    def _trip(self) -> None:
        if self.probe is not None:
            self._probing = True
            try:
                answered = self.probe()
            finally:
                self._probing = False
            if answered:
                self.consecutive = 0
                return
        self.stopped = (
            f"the endpoint stopped answering: {self.consecutive} consecutive requests got no "
            f"whole answer (last: {self.last_error})"
        )
