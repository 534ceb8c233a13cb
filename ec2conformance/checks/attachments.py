"""What one test attaches to its allure result, within bounds (:class:`Attachments`).

A generated test sends hundreds of exchanges (a fuzzing session, hundreds of thousands), so
a test attaches at most :data:`ATTACHMENTS_PER_TEST` exchanges as they are sent, as many
more failing ones, and at the end a note of how many it did not attach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ec2conformance import registry
from ec2conformance.checks.answer import Problem
from ec2conformance.client import Exchange
from ec2conformance.model import RequestSpec

__all__ = ["ATTACHMENTS_PER_TEST", "Attachments"]

ATTACHMENTS_PER_TEST = 20
"""Exchanges attached to one test's allure result as they are sent, and as many more failing
ones: a generated test sends hundreds (a fuzzing session, hundreds of thousands)."""


@dataclass
class Attachments:
    """One test's attachments. ``text`` attaches a named text; ``exchange`` attaches one
    exchange as a step (request, response, what was expected), and without it the
    exchange's one-text description goes to ``text``. Nothing is attached without ``text``."""

    text: Callable[[str, str], None] | None = None
    exchange: Callable[[str, Exchange, str], None] | None = None
    _attached: set[int] = field(default_factory=set, repr=False)  # ids of exchanges attached
    _sent: int = 0
    _failures: int = 0
    _not_attached: int = 0

    def sent(self, spec: RequestSpec, exchange: Exchange) -> None:
        """An exchange as it is sent (the first :data:`ATTACHMENTS_PER_TEST`)."""
        if self.text is None:
            return
        if self._sent >= ATTACHMENTS_PER_TEST:
            self._not_attached += 1
            return
        self._sent += 1
        self._attached.add(id(exchange))
        self._one(spec.summary()[:120], exchange, "")

    def _one(self, name: str, exchange: Exchange, expected: str) -> None:
        if self.exchange is not None:
            self.exchange(name, exchange, expected)
        elif self.text is not None:
            self.text(name, exchange.describe() + (f"\n{expected}" if expected else ""))

    def failed(self, exchange: Exchange, problem: Problem) -> None:
        """A failure: its exchange (when not attached yet) with what was expected; for an
        exchange attached as sent, what was expected alone. At most
        :data:`ATTACHMENTS_PER_TEST` per test."""
        if self.text is None or self._failures >= ATTACHMENTS_PER_TEST:
            return
        self._failures += 1
        expected = expected_text(problem)
        if id(exchange) in self._attached:
            self.text(f"failed {problem.requirement}: expected", expected)
            return
        self._attached.add(id(exchange))
        self._not_attached = max(self._not_attached - 1, 0)
        what = exchange.spec.summary() if exchange.spec is not None else exchange.method
        self._one(f"failed {problem.requirement}: {what[:100]}", exchange, expected)

    def comparison(self, title: str, text: str, *, differs: bool) -> None:
        """Differential mode's side-by-side text: always when the outcomes differ, else
        while the test has attached no more than :data:`ATTACHMENTS_PER_TEST` exchanges."""
        if self.text is not None and (differs or len(self._attached) <= ATTACHMENTS_PER_TEST):
            self.text(title, text)

    def note(self) -> None:
        """At the end of the test: how many exchanges were sent but not attached."""
        if self.text is not None and self._not_attached:
            self.text(
                "exchanges not attached",
                f"{self._not_attached} more exchanges of this test were sent and judged but "
                f"not attached (at most {ATTACHMENTS_PER_TEST} as sent, and "
                f"{ATTACHMENTS_PER_TEST} failing ones, per test); summary.json has each "
                "requirement's first failure in full.",
            )


def expected_text(problem: Problem) -> str:
    """What a failure's attachment says was expected: the requirement's sentence, the
    expected and received outcomes, the problem (a golden failure's readable diff)."""
    lines = [
        f"{problem.requirement} ({registry.level(problem.requirement)}): "
        f"{registry.entry(problem.requirement).sentence}"
    ]
    if problem.expected:
        lines.append(f"expected: {problem.expected}")
    if problem.received:
        lines.append(f"received: {problem.received}")
    lines += ["", problem.message]
    return "\n".join(lines)
