"""The judge of one test case: sends requests and judges every answer.

A :class:`Judge` sends a request (retrying throttled answers), judges the outcome against the
oracle, and passes every answer through the checks the registry names for its kind: the
error checks on errors (rows judging ``error-body``), the success checks on 200s to valid
requests (``success-body`` and the golden comparison's rows), FUZZ-NO-SERVER-ERROR on all.

Failures of MUSTs (and of SHOULDs under ``--strict-conformance``) are collected and raised
together, as one :class:`~ec2conformance.findings.ConformanceFailure`, when the case ends
(``with judge.case():``); that is what lets Hypothesis shrink a generated request before it is
reported. Failures of SHOULDs otherwise become warnings and are recorded at once, as are
passes. Every failure prints its requirement's sentence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from ec2conformance import oracle, registry
from ec2conformance.checks.answer import Answer, Problem, Seen, outcome_text
from ec2conformance.checks.attachments import Attachments
from ec2conformance.checks.differential import check_same_outcome
from ec2conformance.checks.outcome import (
    check_no_server_error,
    judge_outcome,
    unreadable_success,
)
from ec2conformance.checks.success import READS_RAW_BODY
from ec2conformance.client import Client, Exchange
from ec2conformance.differential import REQUIREMENT as DIFF_REQUIREMENT
from ec2conformance.differential import Differential, side_by_side
from ec2conformance.findings import CaseStatus, ConformanceFailure, Finding
from ec2conformance.model import ACTION, Identity, RequestSpec, sample
from ec2conformance.oracle import Expectation
from ec2conformance.recording import Recorder
from ec2conformance.safety import NOT_SENT_REASON, safe_spec
from ec2conformance.state import RunState, Target, warn_should

THROTTLE_BACKOFF = (0.5, 1.0, 2.0)
NO_DENIED_IDENTITY = (
    "no denied identity: give --denied-access-key-id and --denied-secret-access-key"
)
ERROR_ROWS = registry.ids_judging("error-body")
SUCCESS_ROWS = tuple(rid for rid, e in registry.entries().items() if e.judged_on_success)


def _echo_rows() -> dict[str, str]:
    """Rows whose expected outcome includes an echo another requirement's rule judges
    (WIRE-UTF8: "carried back unchanged", judged by PARAM-DESCRIPTION-ECHO's rule)."""
    return {
        rid: e.row.response["echo_judged_by"]
        for rid, e in registry.entries().items()
        if "echo_judged_by" in e.row.response
    }


ECHO_ROWS = _echo_rows()


@dataclass
class Judge:
    """Judges the exchanges of one test case (see the module docstring)."""

    state: RunState
    target: Target
    client: Client
    case_id: str
    failures: list[Finding] = field(default_factory=list)
    attach: Callable[[str, str], None] | None = None
    attach_exchange: Callable[[str, Exchange, str], None] | None = None
    """Attaches one exchange as a step (request, response, what was expected); without it
    the exchange's one-text description goes to ``attach``."""
    last_exchange: Exchange | None = None
    differential: Differential | None = None
    recorder: Recorder | None = None
    at_once: bool = False
    """Every failure is recorded in the run's findings at once, never raised: the judge of
    what no test case owns (:meth:`at_run_level`)."""

    # ---- allure attachments

    def __post_init__(self) -> None:
        self._attachments = Attachments(self.attach, self.attach_exchange)

    def attach_note(self) -> None:
        """At the end of the test: how many exchanges were sent but not attached."""
        self._attachments.note()

    # ---- recording

    def passed(self, requirement: str) -> None:
        self.state.record(Finding(requirement, CaseStatus.PASSED, case=self.case_id))

    def skipped(self, requirement: str, reason: str) -> None:
        """``requirement`` could not be judged on this answer (a skip with the reason: its
        test passing must not count as a pass)."""
        self.state.record(Finding(requirement, CaseStatus.SKIPPED, reason, case=self.case_id))

    def fail(self, problem: Problem, exchange: Exchange | None = None) -> None:
        finding = Finding(
            problem.requirement,
            CaseStatus.FAILED,
            problem.message + (f" — {exchange.describe()}" if exchange is not None else ""),
            expected=problem.expected,
            received=problem.received,
            reproduction=exchange.to_curl() if exchange is not None else "",
            case=self.case_id,
        )
        if exchange is not None:
            self._attachments.failed(exchange, problem)
        if self.at_once:
            self.state.record(finding)
        elif registry.level(problem.requirement) == "MUST" or self.target.strict:
            self.failures.append(finding)
        else:
            self.state.record(finding)
            warn_should(finding)

    def judge(
        self, requirements: Iterable[str], problems: list[Problem], exchange: Exchange
    ) -> None:
        """Record a pass for each requirement without a problem, a failure for each problem."""
        failed = {p.requirement for p in problems}
        for rid in requirements:
            if rid not in failed:
                self.passed(rid)
        for problem in problems:
            self.fail(problem, exchange)

    @contextmanager
    def case(self) -> Iterator[Judge]:
        """One case: the failures collected inside are raised together when it ends (before
        a skip inside it, which would hide them)."""
        try:
            yield self
        except pytest.skip.Exception:
            self._raise_failures()
            raise
        self._raise_failures()

    def _raise_failures(self) -> None:
        if self.failures:
            failures, self.failures = self.failures, []
            sentences = {f.requirement: registry.entry(f.requirement).sentence for f in failures}
            raise ConformanceFailure(failures, sentences=sentences)

    def at_run_level(self, case_id: str | None = None) -> Judge:
        """A judge of the same run for requests no test case owns (the lifecycle probe, the
        end-of-run cancels): sent, recorded and mirrored alike, its findings recorded at
        once under ``case_id`` (default: this judge's), nothing attached."""
        return Judge(
            state=self.state,
            target=self.target,
            client=self.client,
            case_id=case_id or self.case_id,
            differential=self.differential,
            recorder=self.recorder,
            at_once=True,
        )

    # ---- sending

    def adapt(self, spec: RequestSpec) -> RequestSpec:
        """The request as it will go out: in safe mode as ``ec2conformance/safety.py`` says
        (a request safe mode does not send is skipped with the reason)."""
        if not self.target.safe_mode:
            return spec
        safe = safe_spec(spec)
        if safe is None:
            pytest.skip(NOT_SENT_REASON)
        return safe

    def send(self, spec: RequestSpec) -> Exchange:
        """Send, retrying throttled answers with back-off; persistent throttling skips."""
        spec = self.adapt(spec)
        for delay in (*THROTTLE_BACKOFF, None):
            exchange = self.client.send(spec)
            self.last_exchange = exchange
            self.state.count_request()
            self._attachments.sent(spec, exchange)
            code = Answer.read(exchange).code if exchange.status == 503 else None
            if code is None or not oracle.is_throttled(503, code):
                self._keep(spec, exchange)
                return exchange
            if delay is None:
                pytest.skip("throttled: the target kept answering 503 " + code)
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def sent_by_sdk(self, exchange: Exchange) -> None:
        """An exchange a boto3 client made (``ec2conformance/sdk.py``; its spec read from
        the body it sent): counted, attached, recorded and, in differential mode, sent to the
        reference as it was sent, like an exchange of :meth:`send`."""
        assert exchange.spec is not None
        self.last_exchange = exchange
        self.state.count_request()
        self._attachments.sent(exchange.spec, exchange)
        self._note_created(exchange.spec, Answer.read(exchange))
        self._keep(exchange.spec, exchange, as_sent=True)

    def _keep(self, spec: RequestSpec, exchange: Exchange, *, as_sent: bool = False) -> None:
        """A final answer: recorded (``--record``) and compared with the reference's."""
        if self.recorder is not None:
            self.recorder.add(exchange)
        self._compare_with_reference(spec, exchange, as_sent=as_sent)

    def _compare_with_reference(
        self, spec: RequestSpec, exchange: Exchange, *, as_sent: bool = False
    ) -> None:
        """Differential mode: the same case sent to the reference; DIFF-SAME-OUTCOME."""
        if self.differential is None:
            return
        reference = self.differential.mirror(spec, exchange, as_sent=as_sent)
        if isinstance(reference, str):
            self.skipped(DIFF_REQUIREMENT, reference)
            return
        problems = check_same_outcome(exchange, reference)
        title = "target vs reference: " + ("differs" if problems else "same outcome")
        self._attachments.comparison(
            title, side_by_side(exchange, reference), differs=bool(problems)
        )
        self.judge((DIFF_REQUIREMENT,), problems, exchange)

    # ---- the whole case

    def check_request(self, requirement: str, spec: RequestSpec, *, row: bool = True) -> Exchange:
        """Send ``spec`` and judge everything about the answer.

        With ``row=True`` the request is one that ``requirement``'s row describes, so a wrong
        outcome is recorded against that row; with ``row=False`` (a request sent to exercise a
        response requirement) a wrong outcome goes where the oracle says.
        """
        if self.target.safe_mode and registry.entry(requirement).skipped_in_safe_mode:
            pytest.skip(registry.SAFE_MODE_REASON)
        if spec.identity is Identity.DENIED and not self.target.has_denied_identity:
            pytest.skip(NO_DENIED_IDENTITY)
        spec = self.adapt(spec)
        expectation = oracle.expect(
            spec,
            strict=self.target.strict,
            availability_zones=self.target.availability_zones,
            safe_mode=self.target.safe_mode,
        )
        exchange = self.send(spec)
        answer = Answer.read(exchange)
        self._note_implementation(spec, expectation, answer)
        self._note_created(spec, answer)
        judge_outcome(self, requirement, expectation, exchange, answer, row=row)
        self.answer_checks(spec, expectation, exchange, answer, row=requirement if row else None)
        return exchange

    def observe(self, spec: RequestSpec, exchange: Exchange) -> Answer:
        """The checks of an answer to a request the oracle does not model (Describe, Cancel):
        FUZZ-NO-SERVER-ERROR, and the error checks on errors."""
        answer = Answer.read(exchange)
        self.judge(("FUZZ-NO-SERVER-ERROR",), check_no_server_error(exchange, answer), exchange)
        if answer.status is not None and answer.status != 200:
            self.run_checks(ERROR_ROWS, Seen(spec, exchange, answer, self.target, self.state))
        return answer

    def run_checks(
        self, ids: tuple[str, ...], seen: Seen, *, row: str | None = None
    ) -> list[Problem]:
        """Run the registered checks of ``ids`` on one answer and record what they found.

        A check that could not look (``None``) judges nothing; after a gate that found a
        problem the later checks could not look either. Either way its requirements are
        recorded skipped with the reason, never passed (a body that says nothing proves
        nothing). ``row`` is the requirement whose row describes the request (its echo, if
        it has one, is judged too). Returns the problems."""
        judged: list[str] = []
        problems: list[Problem] = []
        unjudged: dict[str, str] = {}
        blocked: Problem | None = None
        for check, rids in registry.checks_for(ids):
            if blocked is not None and not _looks_past_gates(check):
                why = f"not judged: {blocked.requirement} failed first ({blocked.message})"
                unjudged.update(dict.fromkeys(rids, why))
                continue
            found = check(seen)
            if found is None:
                unjudged.update(dict.fromkeys(rids, _nothing_to_read(seen.answer)))
                continue
            judged += rids
            problems += found
            if found and registry.is_gate(check) and blocked is None:
                blocked = found[0]
        echo = _echo_problems(row, seen, problems)
        problems += echo
        self.judge(judged, problems, seen.exchange)
        echoed_by = ECHO_ROWS.get(row or "")
        if row is not None and echoed_by is not None and seen.answer.status == 200:
            if echoed_by in judged:
                if not echo:
                    self.passed(row)
            else:
                unjudged.setdefault(row, unjudged.get(echoed_by, _nothing_to_read(seen.answer)))
        for rid, why in unjudged.items():
            self.skipped(rid, why)
        return problems

    def answer_checks(
        self,
        spec: RequestSpec,
        expectation: Expectation,
        exchange: Exchange,
        answer: Answer,
        *,
        row: str | None = None,
    ) -> None:
        """The error checks on every error answer, the success checks on 200s to valid
        requests, FUZZ-NO-SERVER-ERROR on every answer to a request inside the contract.

        ``row`` is the requirement whose row describes the request, if any: a row whose
        expected outcome includes an echo (WIRE-UTF8) also fails when the echo is wrong."""
        if answer.status is None or not expectation.outside_contract:
            self.judge(("FUZZ-NO-SERVER-ERROR",), check_no_server_error(exchange, answer), exchange)
        if answer.status is None:
            return
        seen = Seen(spec, exchange, answer, self.target, self.state)
        if answer.status != 200:
            self.run_checks(ERROR_ROWS, seen)
        elif self._judges_success(spec, expectation):
            self.run_checks(SUCCESS_ROWS, seen, row=row)

    @staticmethod
    def _judges_success(spec: RequestSpec, expectation: Expectation) -> bool:
        return (
            expectation.valid
            and spec.get("Action") == ACTION
            and spec.identity is Identity.PERMITTED
            and spec.get("DryRun") != "true"
        )

    def _note_implementation(
        self, spec: RequestSpec, expectation: Expectation, answer: Answer
    ) -> None:
        """A plain valid request answered 501, InvalidAction or a non-XML 5xx: not implemented."""
        plain = (
            expectation.valid
            and spec.identity is Identity.PERMITTED
            and spec.get("Action") == ACTION
            and not (spec.auth_fault or spec.wire_fault)
        )
        status = answer.status
        if not plain or status is None:
            return
        if status == 501 or answer.code == "InvalidAction" or (status >= 500 and not answer.is_xml):
            self.state.implements_import_instance = False
        elif status in (200, 412) and self.state.implements_import_instance is None:
            self.state.implements_import_instance = True

    def _note_created(self, spec: RequestSpec, answer: Answer) -> None:
        """Remember the tasks an ImportInstance answered 200 created (cancelled at the end)."""
        if answer.status == 200 and spec.get("Action") == ACTION:
            for element in answer.elements("conversionTaskId"):
                task_id = (element.text or "").strip()
                if task_id:
                    self.state.created_tasks[task_id] = None

    def not_worth_shrinking(self) -> str | None:
        """After a generated case failed: why its failure should be reported as it is.

        Its request got no answer in time (each shrink step would wait as long), or it got
        the very answer the contract's sample gets, when that is no success (the same error,
        or a 200 that says nothing: the target answers everything that way, and a smaller
        case would only say the same)."""
        exchange = self.last_exchange
        if exchange is None:
            return None
        if exchange.status is None:
            if (exchange.error or "").startswith("timeout"):
                return (
                    f"its request got no answer ({exchange.error}); each shrink step "
                    "would wait as long"
                )
            return None
        failed = _outcome_key(exchange)
        plain = self.state.sample_outcome or self._learn_sample_outcome()
        if failed != plain or _is_success_key(plain):
            return None
        return (
            "the target answers the contract's sample request the same way "
            f"({_key_text(plain)}): a smaller case would say no more"
        )

    def _learn_sample_outcome(self) -> tuple[int, str | None]:
        """Send the contract's sample (the case without any fault) once per run, to learn
        how the target answers it."""
        exchange = self.send(sample())
        # No answer is remembered as status 0 (matches no failure), so it is asked once.
        self.state.sample_outcome = _outcome_key(exchange)
        return self.state.sample_outcome


SAYS_NOTHING = "(a body that says nothing)"
"""The code part of an outcome key for a 200 that is no success answer."""


def _outcome_key(exchange: Exchange) -> tuple[int, str | None]:
    """An answer's status and code; a 200 whose body says nothing is keyed apart from a
    success (:func:`~ec2conformance.checks.outcome.unreadable_success`); no answer is 0."""
    if exchange.status is None:
        return (0, None)
    answer = Answer.read(exchange)
    if exchange.status == 200 and unreadable_success(None, answer) is not None:
        return (200, SAYS_NOTHING)
    return (exchange.status, answer.code)


def _is_success_key(key: tuple[int, str | None]) -> bool:
    status, code = key
    return status == 412 or (status == 200 and code != SAYS_NOTHING)


def _key_text(key: tuple[int, str | None]) -> str:
    status, code = key
    if code == SAYS_NOTHING:
        return f"200 with {SAYS_NOTHING[1:-1]}"
    return outcome_text(status, code)


def _looks_past_gates(check: Callable[..., object]) -> bool:
    return registry.is_gate(check) or check in READS_RAW_BODY


def _nothing_to_read(answer: Answer) -> str:
    if answer.root is None:
        return f"nothing to read: the body is not XML ({answer.parse_error or 'unreadable'})"
    return "nothing to read: the check could not look at this answer"


def _echo_problems(row: str | None, seen: Seen, problems: list[Problem]) -> list[Problem]:
    """A row whose expected outcome includes an echo fails with the echo's problems."""
    echoed_by = ECHO_ROWS.get(row or "")
    if row is None or echoed_by is None or seen.answer.status != 200:
        return []
    return [
        Problem(row, f"the text did not come back unchanged ({p.message})", *p[2:])
        for p in problems
        if p.requirement == echoed_by
    ]
