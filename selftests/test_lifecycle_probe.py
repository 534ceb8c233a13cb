"""The DescribeConversionTasks probe (``ec2conformance/lifecycle.py``): a target has it when
the probe is answered 200 with an XML body; otherwise the lifecycle tests' skip says what
the probe got (a target listing more tasks than the client keeps of a body, say)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from test_differential import _exchange

from ec2conformance.client import Exchange
from ec2conformance.lifecycle import has_describe, no_describe_reason
from ec2conformance.model import RequestSpec
from ec2conformance.state import RunState

TIMEOUT = "timeout after 1.0s"
LISTING = (
    b'<DescribeConversionTasksResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    b"<requestId>r</requestId><conversionTasks/></DescribeConversionTasksResponse>"
)


def _answer(status: int | None, body: bytes = b"", *, truncated: bool = False) -> Exchange:
    answer = replace(_exchange(status or 0, body), truncated=truncated)
    return answer if status is not None else replace(answer, status=None, error=TIMEOUT)


@dataclass
class _Judge:
    """The part of a judge the probe uses: the run's state, and one answer to send back."""

    answer: Exchange
    state: RunState = field(default_factory=RunState)
    at_once: bool = True
    sent: list[RequestSpec] = field(default_factory=list)

    def send(self, spec: RequestSpec) -> Exchange:
        self.sent.append(spec)
        return self.answer


def test_a_listing_is_describe_and_the_probe_is_asked_once():
    judge = _Judge(_answer(200, LISTING))
    assert has_describe(judge) and has_describe(judge)  # type: ignore[arg-type]
    assert len(judge.sent) == 1 and judge.sent[0].get("Action") == "DescribeConversionTasks"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (_answer(200, LISTING[:40], truncated=True), "longer than the client keeps"),
        (
            _answer(
                400,
                b"<Response><Errors><Error><Code>InvalidAction</Code></Error></Errors></Response>",
            ),
            "400 InvalidAction",
        ),
        (_answer(200, b"OK"), "not XML"),
        (_answer(None), f"no answer ({TIMEOUT})"),
    ],
    ids=["cut-at-the-cap", "error", "not-xml", "no-answer"],
)
def test_no_describe_says_what_the_probe_got(answer, said):
    judge = _Judge(answer)
    assert not has_describe(judge)  # type: ignore[arg-type]
    reason = no_describe_reason(judge.state)
    assert reason.startswith("the target does not have DescribeConversionTasks") and said in reason
