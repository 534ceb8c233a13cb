"""Running generated cases: one Hypothesis test per requirement, and fuzzing sessions.

:func:`run_generated` runs a strategy of :class:`ec2conformance.cases.Case` through a check with
Hypothesis. Saved failures (``reports/fuzz-failures.json``) of the same key are replayed
first, as explicit examples, whatever the profile (the derandomised ``ci`` profile has no
example database, so this file is how a fuzzing session's findings reach CI).

With ``--fuzz-minutes N`` a run is an exploratory session: the N minutes are shared among
the selected generated tests; each runs batches of fresh random examples (the example
database on disk keeps what it learns) until its share is used, keeps going after a failure
so that every distinct failure is found, writes each distinct failure (its shrunk request
and how to reproduce it) to ``reports/fuzz-failures.json``, and shows live progress (requests
and cases a second).

In a session each example is sent as it is and then as its variants
(:mod:`ec2conformance.variants`: the same parameters in other orders, as a GET instead of a
POST or the reverse, each kept only where the oracle expects the same of it), so that a
session sends several requests for each example it draws. A failing variant is what is kept
and reported: its own request, replayed as it was sent. The ``ci`` and ``default`` profiles
send no variants.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import Phase, example, given, settings
from hypothesis.strategies import SearchStrategy

from ec2conformance import xmlsafe
from ec2conformance.cases import Case, case_from_json, case_to_json
from ec2conformance.client import Exchange
from ec2conformance.findings import ConformanceFailure
from ec2conformance.report import write_json
from ec2conformance.variants import VARIANTS_PER_CASE, Expect, variants

FAILURES_FILE = "fuzz-failures.json"


class FuzzFileWarning(UserWarning):
    """``reports/fuzz-failures.json`` was damaged and has been set aside."""


class _OutOfTime(BaseException):
    """A session test's share of the time is spent: stop now, between two examples (a
    BaseException, so Hypothesis neither shrinks nor reports it)."""


class _StopShrinking(BaseException):
    """Report ``failure`` (of ``case``) as it is: shrinking it is not worth its cost (the
    target answers every request that way, the request timed out, or the test's shrinking
    time is spent). A BaseException, so that Hypothesis stops at once."""

    def __init__(self, case: Case, failure: Exception, why: str) -> None:
        super().__init__(why)
        self.case = case
        self.failure = failure
        self.why = why

    def reported(self) -> Exception:
        """The failure, with a note saying why it is the case reported."""
        self.failure.add_note(f"{self.why}\nthe failing case: {self.case.summary()}")
        return self.failure


DEFAULT_SHRINK_SECONDS = 60.0
"""How long a generated test may shrink a failure before it reports the smallest so far."""

Diagnosis = Callable[[], "str | None"]
"""Called after a case failed: why its failure should be reported unshrunk, or None."""

BATCH_EXAMPLES = 200
PROGRESS_EVERY = 2.0  # seconds between progress lines


@dataclass
class FuzzSession:
    """What generated tests share in one run (kept in the plugin's state)."""

    reports_dir: Path
    minutes: float | None = None
    generated_tests: int = 0
    saved: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    new_failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: int = 0
    cases: int = 0  # examples run (each sent with its variants)
    variants_per_case: int = VARIANTS_PER_CASE  # in a session only
    outcomes: set[tuple[int | None, str | None]] = field(default_factory=set)
    failures: int = 0
    started: float = field(default_factory=time.monotonic)
    damaged: Path | None = None  # where a damaged failures file was set aside
    notice: str | None = None  # what to tell the user about it
    _last_progress: float = 0.0
    out: Callable[[str], None] = field(default=lambda text: None, repr=False)

    @property
    def path(self) -> Path:
        return self.reports_dir / FAILURES_FILE

    def load(self) -> None:
        """Read the saved failures. A damaged file is moved aside (never overwritten, never
        silently ignored) and said so: its cases are not replayed this time."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            self._set_aside(f"cannot be read ({exc})")
            return
        try:
            data = json.loads(text)
        except ValueError as exc:
            self._set_aside(f"is not JSON ({exc})")
            return
        if not isinstance(data, dict) or not isinstance(data.get("failures"), dict):
            self._set_aside("has no 'failures' object")
            return
        self.saved = data["failures"]

    def _set_aside(self, why: str) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        self.path.replace(aside)
        self.damaged = aside
        self.notice = (
            f"{self.path} {why}: its saved failures are not replayed; the file is kept as "
            f"{aside.name}"
        )

    def saved_cases(self, key: str) -> list[Case]:
        cases = []
        for entry in self.saved.get(key, []):
            try:
                cases.append(case_from_json(entry["case"]))
            except (KeyError, ValueError, TypeError):
                continue
        return cases

    def budget(self) -> float | None:
        if self.minutes is None:
            return None
        return self.minutes * 60.0 / max(self.generated_tests, 1)

    def note_exchange(self, exchange: Exchange) -> None:
        """Count a request and remember its outcome (status and error code)."""
        self.requests += 1
        code = None
        if exchange.status not in (None, 200):
            try:
                code = xmlsafe.error_code(xmlsafe.parse_untrusted(exchange.response_body))
            except xmlsafe.UnsafeOrMalformedXML:
                code = None
        self.outcomes.add((exchange.status, code))

    def keep_failure(self, key: str, case: Case, failure: BaseException) -> bool:
        """Remember a distinct failure (by the requirements it failed); True when new."""
        requirements = (
            sorted(set(failure.requirements)) if isinstance(failure, ConformanceFailure) else []
        )
        signature = [type(failure).__name__, *requirements]
        kept = self.saved.get(key, []) + self.new_failures.get(key, [])
        if any(entry.get("signature") == signature for entry in kept):
            return False
        entry = {
            "signature": signature,
            "case": case_to_json(case),
            "summary": case.summary(),
            "message": str(failure)[:2000],
            "reproduce": f"pytest -k '{key}' (the case is replayed first from {self.path.name})",
        }
        self.new_failures.setdefault(key, []).append(entry)
        self.failures += 1
        self.write()
        return True

    def write(self) -> None:
        """Write the saved and the new failures, atomically."""
        merged = {k: list(v) for k, v in self.saved.items()}
        for key, entries in self.new_failures.items():
            merged.setdefault(key, []).extend(entries)
        write_json(self.path, {"failures": merged})

    def progress(self, key: str, left: float, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        minutes, seconds = divmod(max(int(left), 0), 60)
        elapsed = max(now - self.started, 1e-9)
        self.out(
            f"fuzz {key}: {self.requests} requests ({self.requests / elapsed:.0f}/s), "
            f"{self.cases} cases ({self.cases / elapsed:.0f}/s), "
            f"{len(self.outcomes)} distinct outcomes, "
            f"{self.failures} failures, {minutes}m{seconds:02d}s left in this test"
        )


class _Run:
    """One generated test's run: the check, the cases that failed, the session's clock."""

    def __init__(
        self,
        session: FuzzSession,
        strategy: SearchStrategy[Case],
        check: Callable[[Case], Exchange | None],
        key: str,
        *,
        shrink_seconds: float = DEFAULT_SHRINK_SECONDS,
        diagnose: Diagnosis | None = None,
        not_shrunk: Callable[[str, str], None] | None = None,
        explicit: Sequence[Case] = (),
        expect: Expect | None = None,
    ) -> None:
        self.session = session
        self.explicit = tuple(explicit)
        self.strategy = strategy
        self.check = check
        self.key = key
        self.failing: list[tuple[Case, Exception]] = []
        self.failed: dict[Case, Exception] = {}  # cases that failed: never sent twice
        self.budget = session.budget()
        self.deadline = time.monotonic() + (self.budget or 0.0)
        self.shrink_seconds = shrink_seconds
        self.shrink_deadline: float | None = None  # set by the first failure of a batch
        self.diagnose = diagnose
        self.not_shrunk = not_shrunk or (lambda key, why: None)
        # Variants only in a session, and only where the caller gave the oracle.
        self.expect = expect if self.budget is not None else None

    def attempt(self, case: Case) -> None:
        if self.budget is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise _OutOfTime
            self.session.progress(self.key, left)
        over = self.shrink_deadline is not None and time.monotonic() > self.shrink_deadline
        if self.failing and over:
            smallest, failure = self.failing[-1]
            raise _StopShrinking(
                smallest,
                failure,
                f"shrinking stopped after {self.shrink_seconds:g} s (--shrink-seconds): "
                "the smallest failing case found so far is reported",
            )
        before = self.failed.get(case)
        if before is not None:  # Hypothesis replays a failing case: its answer is known
            raise before
        self.session.cases += 1
        self._send(case, case)
        if self.expect is None:
            return
        for variant in variants(case, self.expect, limit=self.session.variants_per_case):
            self._send(variant.case, case, how=variant.how)

    def _send(self, case: Case, example: Case, *, how: str = "") -> None:
        """Send ``case`` (``example`` itself, or one of its variants, made ``how``)."""
        try:
            exchange = self.check(case)
        except Exception as exc:
            if how:
                exc.add_note(
                    f"the failing request is a variant of the generated case ({how}); "
                    f"the case: {example.summary()}"
                )
            self._failed(case, exc, example)
            raise
        if exchange is not None:
            self.session.note_exchange(exchange)

    def _failed(self, case: Case, exc: Exception, example: Case) -> None:
        first = not self.failing
        self.failing.append((case, exc))
        self.failed[case] = exc
        self.failed[example] = exc
        if not first:
            return
        self.shrink_deadline = time.monotonic() + self.shrink_seconds
        why = self.diagnose() if self.diagnose is not None else None
        if why is not None:
            raise _StopShrinking(case, exc, f"not shrunk: {why}") from exc

    def fresh(self) -> Callable[..., None]:
        """A new Hypothesis test of the strategy (Hypothesis settles its settings on the
        function it wraps: one function per run)."""

        attempt = self.attempt

        # Derandomised runs (the ci profile) seed Hypothesis from this function's source
        # and signature: changing either changes the examples of every ci run.
        def generated(case: Any) -> None:
            attempt(case)

        return given(case=self.strategy)(generated)

    def with_saved_failures(self) -> Callable[..., None]:
        """The test with the saved failures of its key as explicit examples, first, then the
        strategy's own explicit cases (``explicit``)."""
        test = self.fresh()
        for case in reversed([*self.session.saved_cases(self.key), *self.explicit]):
            test = example(case=case)(test)
        return test

    def batch(self, number: int) -> Callable[..., None]:
        """Batch ``number`` of a session: the first replays saved failures (explicit examples
        and the example database); later ones only generate and shrink, so one known failure
        cannot keep a whole session from exploring further."""
        if number == 0:
            chosen = settings(settings.default, max_examples=BATCH_EXAMPLES, derandomize=False)
            return chosen(self.with_saved_failures())
        chosen = settings(
            settings.default,
            max_examples=BATCH_EXAMPLES,
            derandomize=False,
            phases=[Phase.generate, Phase.shrink],
        )
        return chosen(self.fresh())

    def session_run(self) -> None:
        """Batches until the budget is spent; each distinct failure kept; the first raised."""
        first_failure: BaseException | None = None
        number = 0
        while time.monotonic() < self.deadline:
            test = self.batch(number)
            number += 1
            self.failing.clear()
            self.shrink_deadline = None
            try:
                test()
            except _StopShrinking as stop:
                self.not_shrunk(self.key, stop.why)
                self.session.keep_failure(self.key, stop.case, stop.failure)
                first_failure = first_failure or stop.reported()
            except _OutOfTime:
                if self.failing:  # found before the time ran out, shrunk as far as it got
                    case, exc = self.failing[-1]
                    self.session.keep_failure(self.key, case, exc)
                    first_failure = first_failure or exc
                break
            except (ConformanceFailure, BaseExceptionGroup, AssertionError) as exc:
                if self.failing:
                    self.session.keep_failure(self.key, self.failing[-1][0], exc)
                first_failure = first_failure or exc
            self.session.progress(self.key, self.deadline - time.monotonic())
        self.session.progress(self.key, 0, force=True)
        if first_failure is not None:
            raise first_failure


def run_generated(
    session: FuzzSession,
    strategy: SearchStrategy[Case],
    check: Callable[[Case], Exchange | None],
    *,
    key: str,
    shrink_seconds: float = DEFAULT_SHRINK_SECONDS,
    diagnose: Diagnosis | None = None,
    not_shrunk: Callable[[str, str], None] | None = None,
    explicit: Sequence[Case] = (),
    expect: Expect | None = None,
) -> None:
    """Run ``check`` on cases drawn from ``strategy``, saved failures of ``key`` first, then
    the ``explicit`` cases (sent by every profile); with
    ``--fuzz-minutes``, as a session of batches until the test's share of the time is spent.

    A failing case is shrunk for at most ``shrink_seconds``, and not at all when
    ``diagnose`` (called after the first failure) gives a reason; a case that failed is
    never sent again. ``not_shrunk(key, why)`` hears of every failure reported unshrunk.

    ``expect`` is the oracle with the run's settings (``spec -> Expectation``, None for a
    spec the run would not send): given, a session sends each example's variants
    (:func:`ec2conformance.variants.variants`) after it; other runs ignore it."""
    run = _Run(
        session,
        strategy,
        check,
        key,
        shrink_seconds=shrink_seconds,
        diagnose=diagnose,
        not_shrunk=not_shrunk,
        explicit=explicit,
        expect=expect,
    )
    if run.budget is not None:
        run.session_run()
        return
    try:
        run.with_saved_failures()()
    except _StopShrinking as stop:
        run.not_shrunk(key, stop.why)
        raise stop.reported() from None
