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

from ec2conformance import registry
from ec2conformance.checks.answer import Answer, Problem, acceptable_text, outcome_text
from ec2conformance.client import Exchange
from ec2conformance.oracle import Expectation

if TYPE_CHECKING:  # the judge is the caller; only its type is needed here
    from ec2conformance.checks.judge import Judge

OUTCOME_ROWS = tuple(
    rid for rid in registry.ids_judging("outcome") if not registry.entry(rid).compared
)
"""Rows judged by their outcome alone (an echo row's check is the golden comparison)."""


@registry.check("FUZZ-NO-SERVER-ERROR")
def check_no_server_error(exchange: Exchange, answer: Answer) -> list[Problem]:
    """No 5xx, no non-XML body, no dropped connection or timeout."""
    rid = "FUZZ-NO-SERVER-ERROR"
    if answer.status is None:
        return [Problem(rid, "no answer", "an answer", exchange.error or "")]
    problems = []
    if exchange.error:  # an answer that broke off or ran past the deadline
        problems.append(Problem(rid, "the answer broke off", "all of it", exchange.error))
    if answer.status >= 500:
        problems.append(Problem(rid, "server error", "no 5xx", str(answer.status)))
    if not answer.is_xml:
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
        judge.passed(requirement)
        return
    rids = (requirement,) if row else expectation.record_against(answer.status, answer.code)
    received = outcome_text(answer.status, answer.code)
    for rid in rids or ("FUZZ-ORACLE",):
        judge.fail(Problem(rid, "wrong outcome", expected, received), exchange)
