"""The DescribeConversionTasks probe (``ec2conformance/lifecycle.py``): a target has it when
the probe is answered 200 with an XML body; otherwise the lifecycle tests' skip says what
the probe got (a target listing more tasks than the client keeps of a body, say)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ec2conformance.client import Exchange
from ec2conformance.lifecycle import has_describe, no_describe_reason
from ec2conformance.model import RequestSpec
from ec2conformance.state import RunState

LISTING = (
    b'<DescribeConversionTasksResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    b"<requestId>r</requestId><conversionTasks/></DescribeConversionTasksResponse>"
)


def _answer(status: int | None, body: bytes = b"", *, truncated: bool = False) -> Exchange:
    return Exchange(
        spec=None,
        method="POST",
        url="http://127.0.0.1/",
        request_headers=(),
        request_body=b"",
        status=status,
        response_headers=(("Content-Type", "text/xml"),),
        response_body=body,
        truncated=truncated,
        elapsed=0.01,
        error=None if status is not None else "timeout after 1.0s",
    )


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
        (_answer(None), "no answer (timeout after 1.0s)"),
    ],
    ids=["cut-at-the-cap", "error", "not-xml", "no-answer"],
)
def test_no_describe_says_what_the_probe_got(answer, said):
    judge = _Judge(answer)
    assert not has_describe(judge)  # type: ignore[arg-type]
    reason = no_describe_reason(judge.state)
    assert reason.startswith("the target does not have DescribeConversionTasks") and said in reason
