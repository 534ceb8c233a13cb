"""Checks: judging what came back, one requirement at a time.

A :class:`Judge` serves one test case. It sends a request (retrying throttled answers),
judges the outcome against the oracle's acceptable set, and passes every answer through the
generic checks: the error envelope and catalogue checks for errors (ERR-*), the success checks
for 200s to valid requests (RESP-*), and FUZZ-NO-SERVER-ERROR for all. Each check is a small
function named after what it verifies; it returns the problems it found as ``Problem`` tuples
(requirement id, message, expected, received) and cites its requirement in its docstring.

Failures of MUST requirements (and of SHOULDs under ``--strict-conformance``) are raised
together as one :class:`~ec2conformance.findings.ConformanceFailure` when the case ends, which
is what lets Hypothesis shrink a generated request before it is reported. Failures of SHOULDs
otherwise become warnings and are recorded at once; passes are recorded at once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pytest

from ec2conformance import golden, oracle, xmlsafe
from ec2conformance.findings import CaseStatus, ConformanceFailure, Finding
from ec2conformance.model import ACTION, API_VERSION, Identity, RequestSpec

NAMESPACE = f"http://ec2.amazonaws.com/doc/{API_VERSION}/"
XML_MEDIA_TYPES = ("text/xml", "application/xml")
THROTTLE_CODES = ("RequestLimitExceeded", "ServiceUnavailable")
THROTTLE_BACKOFF = (0.5, 1.0, 2.0)

# Rows the contract skips in safe mode (section "Order of checks").
SAFE_MODE_SKIPPED = re.compile(
    r"^(PERM-DRYRUN-VALUE|PERM-DRYRUN-FALSE|WIRE-UTF8|PARAM-DESCRIPTION-ECHO|RESP-.*|LIFE-.*)$"
)
SAFE_MODE_REASON = "safe mode: DryRun only"


class Problem(NamedTuple):
    requirement: str
    message: str
    expected: str = ""
    received: str = ""


# --------------------------------------------------------------------------- helpers


def outcome_text(status: int | None, code: str | None) -> str:
    if status is None:
        return "no answer"
    return f"{status} {code}" if code else f"{status}"


def acceptable_text(expectation: Any) -> str:
    return " or ".join(
        outcome_text(o.status, o.code) if o.status else f"error {o.code}"
        for o in expectation.acceptable
    )


@dataclass
class Answer:
    """What came back, read once: status, media type, the parsed body (or why not), code."""

    status: int | None
    media_type: str
    root: Any  # lxml element or None
    parse_error: str | None
    code: str | None

    @classmethod
    def read(cls, exchange: Any) -> Answer:
        if exchange.status is None:
            return cls(None, "", None, exchange.error or "no answer", None)
        media = xmlsafe.media_type(exchange.header("Content-Type") or "")
        try:
            root = xmlsafe.parse_untrusted(exchange.response_body)
        except xmlsafe.UnsafeOrMalformedXML as exc:
            return cls(exchange.status, media, None, str(exc) or "not XML", None)
        code = xmlsafe.error_code(root) if exchange.status != 200 else None
        return cls(exchange.status, media, root, None, code)

    @property
    def is_xml(self) -> bool:
        return self.root is not None


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if isinstance(c.tag, str) and xmlsafe.local_name(c) == name]


def _child(element: Any, name: str) -> Any:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Any) -> str:
    return (element.text or "").strip() if element is not None else ""


# --------------------------------------------------------------------------- generic checks


def check_no_server_error(exchange: Any, answer: Answer) -> list[Problem]:
    """FUZZ-NO-SERVER-ERROR: no 5xx, no non-XML body, no dropped connection or timeout."""
    if answer.status is None:
        return [Problem("FUZZ-NO-SERVER-ERROR", "no answer", "an answer", exchange.error or "")]
    problems = []
    if exchange.error:  # an answer that broke off or ran past the deadline
        problems.append(
            Problem("FUZZ-NO-SERVER-ERROR", "the answer broke off", "all of it", exchange.error)
        )
    if answer.status >= 500:
        problems.append(
            Problem("FUZZ-NO-SERVER-ERROR", "server error", "no 5xx", str(answer.status))
        )
    if not answer.is_xml:
        problems.append(
            Problem("FUZZ-NO-SERVER-ERROR", "the body is not XML", "XML", answer.parse_error or "")
        )
    return problems


def check_error_envelope(answer: Answer) -> list[Problem]:
    """ERR-ENVELOPE: ``Response/Errors/Error/{Code,Message}`` and ``RequestID``, non-empty."""
    if not answer.is_xml:
        return [Problem("ERR-ENVELOPE", "the error body is not XML", "XML", answer.parse_error)]
    root = answer.root
    received = xmlsafe.local_name(root)
    if received != "Response":
        return [Problem("ERR-ENVELOPE", "wrong root element", "Response", received)]
    errors = _child(root, "Errors")
    error = _child(errors, "Error") if errors is not None else None
    if error is None:
        return [Problem("ERR-ENVELOPE", "no Errors/Error element", "Errors/Error", "")]
    problems = []
    if not _text(_child(error, "Code")):
        problems.append(Problem("ERR-ENVELOPE", "Errors/Error/Code missing or empty"))
    if _child(error, "Message") is None:
        problems.append(Problem("ERR-ENVELOPE", "Errors/Error/Message missing"))
    if not _text(_child(root, "RequestID")):
        problems.append(Problem("ERR-ENVELOPE", "RequestID missing or empty", "RequestID", ""))
    return problems


def check_error_namespace(answer: Answer) -> list[Problem]:
    """ERR-NAMESPACE: ``<Response>`` carries no XML namespace (AWS sends none)."""
    if not answer.is_xml:
        return []
    namespace = answer.root.nsmap.get(answer.root.prefix)
    if namespace:
        return [Problem("ERR-NAMESPACE", "Response has a namespace", "none", namespace)]
    return []


def check_error_catalogue(answer: Answer) -> list[Problem]:
    """ERR-CODE-KNOWN, ERR-STATUS-MATCHES, ERR-STATUS-DOCUMENTED, from the catalogue data."""
    if answer.status is None or not answer.is_xml:
        return []
    return [
        Problem(rid, message) for rid, message in golden.status_findings(answer.code, answer.status)
    ]


def check_error_content_type(answer: Answer) -> list[Problem]:
    """ERR-CONTENT-TYPE: ``text/xml`` or ``application/xml``."""
    if answer.media_type in XML_MEDIA_TYPES:
        return []
    return [
        Problem(
            "ERR-CONTENT-TYPE",
            "wrong content type",
            " or ".join(XML_MEDIA_TYPES),
            answer.media_type,
        )
    ]


ERROR_CHECKS: tuple[Callable[[Answer], list[Problem]], ...] = (
    check_error_envelope,
    check_error_namespace,
    check_error_catalogue,
    check_error_content_type,
)
ERROR_REQUIREMENTS = (
    "ERR-ENVELOPE",
    "ERR-NAMESPACE",
    "ERR-CODE-KNOWN",
    "ERR-STATUS-MATCHES",
    "ERR-STATUS-DOCUMENTED",
    "ERR-CONTENT-TYPE",
)


def check_success_envelope(answer: Answer) -> list[Problem]:
    """RESP-ENVELOPE: XML content type, root ``ImportInstanceResponse`` with ``conversionTask``."""
    problems = []
    if answer.media_type not in XML_MEDIA_TYPES:
        problems.append(
            Problem("RESP-ENVELOPE", "wrong content type", "text/xml", answer.media_type)
        )
    if not answer.is_xml:
        problems.append(Problem("RESP-ENVELOPE", "not well-formed XML", "XML", answer.parse_error))
        return problems
    root_name = xmlsafe.local_name(answer.root)
    if root_name != "ImportInstanceResponse":
        problems.append(Problem("RESP-ENVELOPE", "wrong root", "ImportInstanceResponse", root_name))
    elif _child(answer.root, "conversionTask") is None:
        problems.append(Problem("RESP-ENVELOPE", "no conversionTask child", "conversionTask"))
    return problems


def check_success_namespace(answer: Answer, *, strict: bool) -> list[Problem]:
    """RESP-NAMESPACE: the 2016-11-15 namespace, with the trailing slash (strict) or without."""
    if not answer.is_xml:
        return []
    namespace = answer.root.nsmap.get(answer.root.prefix) or ""
    allowed = (NAMESPACE,) if strict else (NAMESPACE, NAMESPACE.rstrip("/"))
    if namespace in allowed:
        return []
    return [Problem("RESP-NAMESPACE", "wrong root namespace", " or ".join(allowed), namespace)]


def check_sdk_parse(exchange: Any) -> list[Problem]:
    """RESP-SDK-PARSE: botocore's EC2 parser reads the body into the model's types."""
    import botocore.parsers
    import botocore.session

    shape = _import_instance_output_shape()
    parser = botocore.parsers.create_parser("ec2")
    try:
        parsed = parser.parse(
            {
                "status_code": exchange.status,
                "headers": dict(exchange.response_headers),
                "body": exchange.response_body,
            },
            shape,
        )
    except Exception as exc:  # botocore raises several types on bad input
        return [Problem("RESP-SDK-PARSE", "botocore cannot parse the body", "", repr(exc)[:300])]
    task = parsed.get("ConversionTask")
    if not isinstance(task, dict):
        return [
            Problem(
                "RESP-SDK-PARSE", "no ConversionTask in the parsed result", "", str(parsed)[:300]
            )
        ]
    problems = []
    for volume in task.get("ImportInstance", {}).get("Volumes", []):
        for path, value in (
            ("Image.Size", volume.get("Image", {}).get("Size")),
            ("Volume.Size", volume.get("Volume", {}).get("Size")),
            ("BytesConverted", volume.get("BytesConverted")),
        ):
            if value is not None and not isinstance(value, int):
                problems.append(
                    Problem("RESP-SDK-PARSE", f"{path} is not an integer", "int", repr(value))
                )
    return problems


_OUTPUT_SHAPE: list[Any] = []


def _import_instance_output_shape() -> Any:
    if not _OUTPUT_SHAPE:
        import botocore.session

        model = botocore.session.get_session().get_service_model("ec2")
        _OUTPUT_SHAPE.append(model.operation_model(ACTION).output_shape)
    return _OUTPUT_SHAPE[0]


SUCCESS_REQUIREMENTS = (
    "RESP-ENVELOPE",
    "RESP-NAMESPACE",
    "RESP-REQUEST-ID",
    "RESP-TASK-ID",
    "RESP-EXPIRATION",
    "RESP-EXPIRATION-ISO",
    "RESP-VOLUME-ECHO",
    "RESP-AZ-ECHO",
    "RESP-INSTANCE",
    "RESP-STATE",
    "RESP-GOLDEN",
    "RESP-GOLDEN-ORDER",
    "RESP-SDK-PARSE",
    "PARAM-DESCRIPTION-ECHO",
)


# Rows whose expected outcome includes an echo that another requirement's rule judges:
# "200 ok, and the response carries the text back unchanged" (WIRE-UTF8).
ROWS_WITH_ECHO = {"WIRE-UTF8": "PARAM-DESCRIPTION-ECHO"}


# --------------------------------------------------------------------------- the judge


@dataclass
class Judge:
    """Judges the exchanges of one test case (see the module docstring)."""

    state: Any  # ec2conformance.plugin.RunState
    target: Any  # ec2conformance.plugin.Target
    client: Any  # ec2conformance.client.Client
    case: str  # the pytest node id
    levels: dict[str, str] = field(default_factory=dict)
    failures: list[Finding] = field(default_factory=list)
    attach: Callable[[str, str], None] | None = None

    # ---- recording

    def _level(self, requirement: str) -> str:
        return self.levels.get(requirement, "MUST")

    def passed(self, requirement: str) -> None:
        self.state.record(Finding(requirement, CaseStatus.PASSED, case=self.case))

    def fail(self, problem: Problem, exchange: Any = None) -> None:
        finding = Finding(
            problem.requirement,
            CaseStatus.FAILED,
            problem.message + (f" — {exchange.describe()}" if exchange is not None else ""),
            expected=problem.expected,
            received=problem.received,
            reproduction=exchange.to_curl() if exchange is not None else "",
            case=self.case,
        )
        if self._level(problem.requirement) == "MUST" or self.target.strict:
            self.failures.append(finding)
        else:
            from ec2conformance.plugin import warn_should

            self.state.record(finding)
            warn_should(finding)

    def judge(self, requirements: Iterable[str], problems: list[Problem], exchange: Any) -> None:
        """Record a pass for each requirement without a problem, a failure for each problem."""
        failed = {p.requirement for p in problems}
        for rid in requirements:
            if rid not in failed:
                self.passed(rid)
        for problem in problems:
            self.fail(problem, exchange)

    def done(self) -> None:
        """End the case: raise the collected failures, if any."""
        if self.failures:
            failures, self.failures = self.failures, []
            raise ConformanceFailure(failures)

    # ---- sending

    def adapt(self, spec: RequestSpec) -> RequestSpec:
        """In safe mode every ImportInstance request carries exactly ``DryRun=true``."""
        if self.target.safe_mode and spec.get("Action") == ACTION:
            return spec.with_params(DryRun="true")
        return spec

    def send(self, spec: RequestSpec) -> Any:
        """Send, retrying throttled answers with back-off; persistent throttling skips."""
        for delay in (*THROTTLE_BACKOFF, None):
            exchange = self.client.send(spec)
            self.state.facts["requests_sent"] = self.state.facts.get("requests_sent", 0) + 1
            if self.attach is not None:
                self.attach(spec.summary()[:120], exchange.describe())
            if exchange.status != 503 or delay is None:
                break
            answer = Answer.read(exchange)
            if answer.code not in THROTTLE_CODES:
                break
            time.sleep(delay)
        else:  # pragma: no cover - the loop always breaks
            pass
        if exchange.status == 503 and Answer.read(exchange).code in THROTTLE_CODES:
            pytest.skip("throttled: the target kept answering 503 " + Answer.read(exchange).code)
        return exchange

    # ---- the whole case

    def check_request(
        self, requirement: str, spec: RequestSpec, *, row: bool = True, finish: bool = True
    ) -> Any:
        """Send ``spec`` and judge everything about the answer.

        With ``row=True`` the request is one that ``requirement``'s row describes, so a wrong
        outcome is recorded against that row; with ``row=False`` (a request sent to exercise a
        response requirement) a wrong outcome goes where the oracle says.
        """
        if self.target.safe_mode and SAFE_MODE_SKIPPED.match(requirement):
            pytest.skip(SAFE_MODE_REASON)
        if spec.identity is Identity.DENIED and not self.target.has_denied_identity:
            pytest.skip(
                "no denied identity: give --denied-access-key-id and --denied-secret-access-key"
            )
        spec = self.adapt(spec)
        expectation = oracle.expect(
            spec,
            strict=self.target.strict,
            availability_zone=self.target.availability_zone,
            safe_mode=self.target.safe_mode,
        )
        exchange = self.send(spec)
        answer = Answer.read(exchange)
        self._note_implementation(spec, expectation, answer)
        self.judge_outcome(requirement, spec, expectation, exchange, answer, row=row)
        self.generic_checks(spec, expectation, exchange, answer, row=requirement if row else None)
        if finish:
            self.done()
        return exchange

    def observe(self, exchange: Any) -> Answer:
        """Generic checks on an answer to a request the oracle does not model (Describe,
        Cancel): FUZZ-NO-SERVER-ERROR, and ERR-* on errors."""
        answer = Answer.read(exchange)
        self.judge(("FUZZ-NO-SERVER-ERROR",), check_no_server_error(exchange, answer), exchange)
        if answer.status is not None and answer.status != 200:
            self.error_checks(answer, exchange)
        return answer

    def error_checks(self, answer: Answer, exchange: Any) -> None:
        """ERR-* on an error answer; on a body that is not XML only the envelope and the
        content type are judged (the others could not look, so they neither pass nor fail)."""
        problems = [p for check in ERROR_CHECKS for p in check(answer)]
        judged = ERROR_REQUIREMENTS if answer.is_xml else ("ERR-ENVELOPE", "ERR-CONTENT-TYPE")
        self.judge(judged, problems, exchange)

    def judge_outcome(
        self,
        requirement: str,
        spec: RequestSpec,
        expectation: Any,
        exchange: Any,
        answer: Answer,
        *,
        row: bool = True,
    ) -> None:
        """The outcome (kind and code) against the oracle's acceptable set.

        An acceptable outcome is a pass for ``requirement``. A wrong one is recorded against
        ``requirement`` when its row describes the request (``row``), else where the oracle's
        rules for recording failures put it.
        """
        if answer.status is None:
            rids = [requirement] if row else list(expectation.record_against(0, None))
            for rid in rids or ["FUZZ-ORACLE"]:
                self.fail(
                    Problem(rid, "no answer", acceptable_text(expectation), exchange.error or ""),
                    exchange,
                )
            return
        if expectation.outside_contract:
            return
        if self.target.safe_mode and expectation.inconclusive_in_safe_mode(
            answer.status, answer.code
        ):
            pytest.skip(
                "safe mode: DryRunOperation to a request with a parameter fault is inconclusive"
            )
        if expectation.accepts(answer.status, answer.code):
            self.passed(requirement)
            return
        rids = (
            (requirement,) if row else tuple(expectation.record_against(answer.status, answer.code))
        )
        received = outcome_text(answer.status, answer.code)
        for rid in rids or ("FUZZ-ORACLE",):
            self.fail(
                Problem(rid, "wrong outcome", acceptable_text(expectation), received), exchange
            )

    def generic_checks(
        self,
        spec: RequestSpec,
        expectation: Any,
        exchange: Any,
        answer: Answer,
        *,
        row: str | None = None,
    ) -> None:
        """ERR-* on every error answer, RESP-* on 200s to valid requests, FUZZ-NO-SERVER-ERROR.

        ``row`` is the requirement whose row describes the request, if any: a row whose
        expected outcome includes an echo (WIRE-UTF8) also fails when the echo is wrong."""
        if answer.status is None or not expectation.outside_contract:
            self.judge(("FUZZ-NO-SERVER-ERROR",), check_no_server_error(exchange, answer), exchange)
        if answer.status is None:
            return
        if answer.status != 200:
            self.error_checks(answer, exchange)
        elif (
            expectation.valid
            and spec.get("Action") == ACTION
            and spec.identity is Identity.PERMITTED
            and spec.get("DryRun") != "true"
        ):
            self.success_checks(spec, exchange, answer, row=row)

    def success_checks(
        self, spec: RequestSpec, exchange: Any, answer: Answer, *, row: str | None = None
    ) -> None:
        """The RESP-* requirements and PARAM-DESCRIPTION-ECHO on a 200 to a valid request."""
        problems = check_success_envelope(answer)
        problems += check_success_namespace(answer, strict=self.target.strict)
        # Without a usable envelope the body is not compared: only these two are judged.
        judged: tuple[str, ...] = ("RESP-ENVELOPE", "RESP-NAMESPACE")
        if answer.is_xml and not problems:
            judged = SUCCESS_REQUIREMENTS
            problems += self._identity_checks(answer)
            for diff in golden.compare_success(
                exchange.response_body, spec, availability_zone=self.target.availability_zone
            ):
                problems.append(
                    Problem(
                        diff.requirement,
                        f"{diff.kind} at {diff.path}",
                        str(diff.expected),
                        str(diff.received),
                    )
                )
            problems += check_sdk_parse(exchange)
        echoed_by = ROWS_WITH_ECHO.get(row or "")
        if echoed_by is not None:
            problems += [
                Problem(row, f"the text did not come back unchanged ({p.message})", *p[2:])
                for p in problems
                if p.requirement == echoed_by
            ]
        self.judge(judged, problems, exchange)

    def _identity_checks(self, answer: Answer) -> list[Problem]:
        """RESP-REQUEST-ID and RESP-TASK-ID: fresh on every response, across the run."""
        problems = []
        request_id = _text(_child(answer.root, "requestId"))
        if not request_id:
            problems.append(Problem("RESP-REQUEST-ID", "requestId missing or empty"))
        elif request_id in self.state.seen_request_ids:
            problems.append(
                Problem("RESP-REQUEST-ID", "requestId repeated", "a fresh id", request_id)
            )
        else:
            self.state.seen_request_ids.add(request_id)
        task = _child(answer.root, "conversionTask")
        task_id = _text(_child(task, "conversionTaskId"))
        if task_id and task_id in self.state.seen_task_ids:
            problems.append(
                Problem("RESP-TASK-ID", "conversionTaskId repeated", "a new id", task_id)
            )
        elif task_id:
            self.state.seen_task_ids.add(task_id)
        return problems

    def _note_implementation(self, spec: RequestSpec, expectation: Any, answer: Answer) -> None:
        """A plain valid request answered 501, InvalidAction or a non-XML 5xx: not implemented."""
        if not expectation.valid or spec.identity is not Identity.PERMITTED:
            return
        if spec.get("Action") != ACTION or spec.auth_fault or spec.wire_fault:
            return
        status = answer.status
        if status is None:
            return
        missing = (
            status == 501 or answer.code == "InvalidAction" or (status >= 500 and not answer.is_xml)
        )
        if missing:
            self.state.implements_import_instance = False
        elif status in (200, 412) and self.state.implements_import_instance is None:
            self.state.implements_import_instance = True
