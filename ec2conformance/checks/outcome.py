"""The outcome of a request against the oracle, and FUZZ-NO-SERVER-ERROR on every exchange.

:func:`judge_outcome` is the check of every row that judges an ``outcome`` and of
FUZZ-ORACLE: the kind and code of the answer against the oracle's acceptable set
(``ec2conformance/oracle/``), the alternatives narrowed to the first under
``--strict-conformance``. A wrong outcome is recorded against the row that describes the
request, or where the oracle's rules for recording failures put it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ec2conformance import registry, xmlsafe
from ec2conformance.checks.answer import (
    Answer,
    Problem,
    acceptable_text,
    outcome_text,
    redirect_text,
)
from ec2conformance.client import Exchange
from ec2conformance.model import ACTION
from ec2conformance.oracle import Expectation

if TYPE_CHECKING:  # the judge is the caller; only its type is needed here
    from ec2conformance.checks.judge import Judge

OUTCOME_ROWS = tuple(
    rid for rid in registry.ids_judging("outcome") if not registry.entry(rid).compared
)
"""Rows judged by their outcome alone (an echo row's check is the golden comparison)."""

ECHO_ROWS = frozenset(
    rid for rid, e in registry.entries().items() if "echo_judged_by" in e.row.response
)
"""Rows whose outcome includes an echo (WIRE-UTF8): a 200 passes them only once the echo
has been judged (:meth:`~ec2conformance.checks.judge.Judge.run_checks`)."""


def unreadable_success(action: str | None, answer: Answer) -> str | None:
    """Why a 200 is no success answer to ``action`` (its body says nothing), or None.

    A success is a well-formed XML body whose root is ``<Action>Response``
    (``ImportInstanceResponse``); an empty body, bytes that are not XML, a document refused
    for its DOCTYPE or entities, an error envelope or XML of another shape say nothing."""
    if answer.root is None:
        return f"a body that is not XML ({answer.parse_error or 'unreadable'})"
    root = xmlsafe.local_name(answer.root)
    wanted = f"{ACTION}Response" if action == ACTION else None
    if wanted is not None and root != wanted:
        return f"a body whose root is {root or '(none)'}, not {wanted}"
    if wanted is None and (root == "Response" or not root.endswith("Response")):
        return f"a body whose root is {root or '(none)'}, not a success answer"
    return None


@registry.check("FUZZ-NO-SERVER-ERROR")
def check_no_server_error(exchange: Exchange, answer: Answer) -> list[Problem]:
    """No 5xx, no non-XML body, no dropped connection or timeout."""
    rid = "FUZZ-NO-SERVER-ERROR"
    if answer.status is None:
        return [Problem(rid, "no answer", "an answer", exchange.error or "")]
    problems = []
    if exchange.error:  # an answer that broke off or ran past the deadline
        problems.append(Problem(rid, "the answer broke off", "all of it", exchange.error))
    elif exchange.truncated:
        received = f"more than {len(exchange.response_body)} bytes (reading stopped there)"
        problems.append(Problem(rid, "a body longer than the limit", "a bounded body", received))
    if answer.status >= 500:
        problems.append(Problem(rid, "server error", "no 5xx", str(answer.status)))
    redirect = redirect_text(exchange)
    if redirect is not None:
        problems.append(Problem(rid, "a redirect", "an answer", redirect))
    elif not answer.is_xml and not exchange.error and not exchange.truncated:
        problems.append(Problem(rid, "the body is not XML", "XML", answer.parse_error or ""))
    return problems


@registry.check(*OUTCOME_ROWS, "FUZZ-ORACLE")
def judge_outcome(
    judge: Judge,
    requirement: str,
    expectation: Expectation,
    exchange: Exchange,
    answer: Answer,
    *,
    row: bool = True,
) -> None:
    """The outcome (kind and code) against the oracle's acceptable set.

    An acceptable outcome is a pass for ``requirement``. A wrong one is recorded against
    ``requirement`` when its row describes the request (``row``), else where the oracle's
    rules for recording failures put it (FUZZ-ORACLE when they name nothing).
    """
    expected = acceptable_text(expectation.acceptable)
    if answer.status is None:
        rids = [requirement] if row else list(expectation.record_against(0, None))
        for rid in rids or ["FUZZ-ORACLE"]:
            judge.fail(Problem(rid, "no answer", expected, exchange.error or ""), exchange)
        return
    if expectation.outside_contract:
        return
    if judge.target.safe_mode and expectation.inconclusive_in_safe_mode(answer.status, answer.code):
        pytest.skip(
            "safe mode: DryRunOperation to a request with a parameter fault is inconclusive"
        )
    if expectation.accepts(answer.status, answer.code):
        unreadable = (
            unreadable_success(expectation.spec.get("Action"), answer)
            if answer.status == 200
            else None
        )
        if unreadable is None:
            if _judged_by_outcome(requirement, answer, row=row):
                judge.passed(requirement)
            return
        # A 200 that says nothing is no success: the outcome is wrong, never a pass.
        rids = (requirement,) if row else expectation.exercises
        received = f"200 with {unreadable}"
        for rid in rids or ("FUZZ-ORACLE",):
            judge.fail(Problem(rid, "a 200 whose body says nothing", expected, received), exchange)
        return
    rids = (requirement,) if row else expectation.record_against(answer.status, answer.code)
    received = outcome_text(answer.status, answer.code)
    redirect = redirect_text(exchange)
    if redirect is not None:
        received += f" ({redirect})"
    for rid in rids or ("FUZZ-ORACLE",):
        judge.fail(Problem(rid, "wrong outcome", expected, received), exchange)


def _judged_by_outcome(requirement: str, answer: Answer, *, row: bool) -> bool:
    """Whether an acceptable outcome is by itself a pass of ``requirement``: a row judged by
    its outcome (an echo row only when no 200 carries the echo to judge), or FUZZ-ORACLE.
    Every other requirement (a body's, a compared row's) is judged by its own check."""
    if requirement == "FUZZ-ORACLE":
        return True
    if requirement not in OUTCOME_ROWS:
        return False
    return not (row and requirement in ECHO_ROWS and answer.status == 200)
