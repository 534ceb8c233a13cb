"""What the HTML report (``scripts/report``) shows of each test, through allure-pytest.

Each test of a requirement gets a title (the requirement id and a short description of its
request), its group as epic, its requirement as feature, its level as severity (MUST:
critical, SHOULD: normal), and a link to the AWS documentation page the requirement comes
from. Exchanges are attached as steps (one per request, bounded by the judge): the request
(method, URL, headers with credentials and signatures redacted, the body decoded as
parameters) and the response (status, headers, the body pretty-printed). At the end of the
run the run's environment (endpoint, region, mode, versions, Hypothesis profile and seed, the
comparison with ``--baseline``) is written to ``environment.properties`` in the results.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import allure
import allure_pytest.plugin
import pytest
from allure_commons import hookimpl as allure_hookimpl
from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import TestResultContainer
from hypothesis import settings
from lxml import etree

from ec2conformance import registry, xmlsafe
from ec2conformance.exchange import Exchange
from ec2conformance.plugin.parallel import is_worker
from ec2conformance.report import versions
from ec2conformance.state import STATE, RunState

API_PAGE = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportInstance.html"
"""The documentation link of a requirement whose row names no AWS documentation page."""
SEVERITY = {"MUST": allure.severity_level.CRITICAL, "SHOULD": allure.severity_level.NORMAL}
_DOC_URL = re.compile(r"https://docs\.aws\.amazon\.com/[^\s,;)]+")
_SECRET_HEADERS = {"authorization", "x-amz-security-token", "cookie"}
_SECRET_PARAMS = {"x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature"}
REDACTED = "<redacted>"
TITLE_LIMIT = 140


def documentation_url(rid: str) -> str:
    """The AWS documentation page a requirement comes from (its row's ``source``)."""
    found = _DOC_URL.search(registry.entry(rid).row.source)
    return found.group(0).rstrip(".") if found else API_PAGE


def title(rid: str, test_id: str) -> str:
    """``RID: what the request is`` (the row's request, else the requirement's sentence),
    with the case's name when the test id says more than the requirement."""
    row = registry.entry(rid).row
    what = row.request or row.documentation
    case = test_id.removeprefix(rid).lstrip("-")
    text = f"{rid}: {what}" + (f" [{case}]" if case and case != rid else "")
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"


def label_test(item: pytest.Item) -> None:
    """Title, labels and link of a test from its ``requirement`` marker (nothing without)."""
    ids = [m.args[0] for m in item.iter_markers("requirement")]
    if not ids:
        return
    rid = ids[0]
    entry = registry.entry(rid)
    callspec = getattr(item, "callspec", None)
    test_id = callspec.id if callspec is not None else rid
    item.stash[_TITLE] = title(rid, test_id)
    allure.dynamic.description(entry.sentence)
    allure.dynamic.epic(entry.group)
    for other in ids:
        allure.dynamic.feature(other)
    allure.dynamic.severity(SEVERITY.get(entry.level, allure.severity_level.NORMAL))
    allure.dynamic.tag(entry.level)
    allure.dynamic.link(documentation_url(rid), name=f"AWS documentation of {rid}")


_TITLE = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)  # inside allure-pytest's wrapper: its test result is open
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Labels before the fixtures are set up: a test skipped or broken in its set-up has
    them too (a hook, not an autouse fixture: allure-pytest writes a container file for
    every function-scoped fixture)."""
    label_test(item)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """The title (allure-pytest names the test when the call starts: this runs after)."""
    if _TITLE in item.stash:
        allure.dynamic.title(item.stash[_TITLE])


# ---------------------------------------------------------------------------- results


def says_nothing(container: TestResultContainer) -> bool:
    """A container of one test's fixtures that each passed with no step and no attachment:
    all a reader would see of it is a name and a duration (``judge``, a parametrized
    argument such as ``case``)."""
    fixtures = [*container.befores, *container.afters]
    return len(container.children) <= 1 and all(
        fixture.status in (None, "passed") and not fixture.steps and not fixture.attachments
        for fixture in fixtures
    )


class LeanFileLogger(AllureFileLogger):
    """allure's file logger, without the containers that say nothing (:func:`says_nothing`).

    allure-pytest writes a container file for every function-scoped fixture of every test,
    parametrized arguments included: about 3 per test, a third of a run's result files, and
    creating a file is what the results cost most (``strace -c`` of a ``ci`` run: ``openat``
    about 0.25 ms a call, most of its system time). A fixture that fails, has steps or
    attachments, or serves several tests keeps its container."""

    @allure_hookimpl
    def report_container(self, container: TestResultContainer) -> None:
        if not says_nothing(container):
            super().report_container(container)


# allure-pytest makes its file logger in its pytest_configure, by this name.
allure_pytest.plugin.AllureFileLogger = LeanFileLogger  # type: ignore[misc]


# ---------------------------------------------------------------------------- exchanges


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = "&".join(
        f"{k}={REDACTED if k.lower() in _SECRET_PARAMS else v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return parts._replace(query=query).geturl()


def _headers(headers: Any) -> list[str]:
    return [
        f"{name}: {REDACTED if name.lower() in _SECRET_HEADERS else value}"
        for name, value in headers
    ]


def _text(data: bytes, limit: int = 8192) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return text + (f"\n… ({len(data) - limit} more bytes)" if len(data) > limit else "")


def request_text(exchange: Exchange) -> str:
    """The request: method, URL, headers (credentials and signatures redacted), the body
    decoded as parameters."""
    lines = [f"{exchange.method} {_redact_url(exchange.url)}", *_headers(exchange.request_headers)]
    body = exchange.request_body
    if body:
        lines.append("")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            pairs = []
        if pairs:
            lines += [f"{k} = {REDACTED if k.lower() in _SECRET_PARAMS else v!r}" for k, v in pairs]
        else:
            lines.append(_text(body))
    return "\n".join(lines)


def response_text(exchange: Exchange) -> str:
    """The response: status, headers, the body (XML pretty-printed)."""
    if exchange.status is None:
        return f"no answer after {exchange.elapsed:.3f}s: {exchange.error}"
    lines = [f"HTTP {exchange.status} ({exchange.elapsed:.3f}s)"]
    lines += _headers(exchange.response_headers)
    body = exchange.response_body
    if body:
        lines.append("")
        lines.append(_pretty(body) + ("\n… (truncated)" if exchange.truncated else ""))
    if exchange.error:
        lines.append(f"then: {exchange.error}")
    return "\n".join(lines)


def _pretty(body: bytes) -> str:
    """An XML body indented (parsed as every answer is, by :func:`xmlsafe.parse_untrusted`:
    a DOCTYPE or an entity is never expanded); any other body as it came."""
    if body.lstrip()[:1] == b"<" and len(body) <= 256 * 1024:
        try:
            root = xmlsafe.parse_untrusted(body)
        except xmlsafe.UnsafeOrMalformedXML:  # shown as it came
            return _text(body)
        etree.indent(root, space="  ")
        return etree.tostring(root, encoding="unicode")
    return _text(body)


EXCHANGE_PARTS = "\n\n" + "-" * 72 + "\n"
"""What separates the request, the response and what was expected in an exchange's text."""


def exchange_text(exchange: Exchange, expected: str = "") -> str:
    """One exchange as one text: the request, the response, and what was expected (for a
    failure), each under its heading."""
    parts = [f"request\n\n{request_text(exchange)}", f"response\n\n{response_text(exchange)}"]
    if expected:
        parts.append(f"expected\n\n{expected}")
    return EXCHANGE_PARTS.join(parts)


def attach_exchange(name: str, exchange: Exchange, expected: str = "") -> None:
    """One exchange as a step of the test, with one attachment: its request, its response
    and what was expected (one file, not three: a run attaches thousands)."""
    with allure.step(name):
        allure.attach(
            exchange_text(exchange, expected),
            name="request and response" + (", expected" if expected else ""),
            attachment_type="text/plain",
        )


def attach_text(name: str, text: str) -> None:
    allure.attach(text, name=name, attachment_type=allure.attachment_type.TEXT)


# --------------------------------------------------------------------------- environment


def environment_properties(values: Mapping[str, Any]) -> str:
    """``environment.properties`` text (Allure reads it from the results directory)."""
    out = []
    for key, value in values.items():
        if value is None or value == "":
            continue
        text = str(value).replace("\\", "\\\\").replace("\n", " ")
        out.append(f"{key.replace(' ', '_')}={text}")
    return "\n".join(out) + "\n"


def write_environment(results: Path, values: Mapping[str, Any]) -> None:
    results.mkdir(parents=True, exist_ok=True)
    (results / "environment.properties").write_text(environment_properties(values), "utf-8")


@pytest.hookimpl(trylast=True)  # after the outcomes plugin decided the verdict
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's environment, as the HTML report shows it (``environment.properties``)."""
    config = session.config
    results = getattr(config.option, "allure_report_dir", None)
    state = config.stash.get(STATE, None)
    if not results or state is None or state.target is None or state.result is None:
        return
    if is_worker(config):
        return
    write_environment(Path(results), run_environment(config, state))


def run_environment(config: pytest.Config, state: RunState) -> dict[str, object]:
    """Endpoint, region, mode, versions, Hypothesis profile and seed, verdict, baseline."""
    target = state.target
    assert target is not None and state.result is not None
    values: dict[str, object] = {
        "verdict": state.result.verdict.value,
        "endpoint": target.endpoint,
        "region": target.region,
        "strict": target.strict,
        "safe_mode": target.safe_mode,
        **versions(),
        "hypothesis_profile": config.getoption("hypothesis_profile", None)
        or settings.get_current_profile_name(),
        "hypothesis_seed": config.getoption("hypothesis_seed", None) or "random",
    }
    comparison = state.baseline_comparison
    if comparison is not None:
        values["baseline_worse"] = (
            ", ".join(f"{r} {b}->{n}" for r, b, n in comparison.worse) or "none"
        )
        values["baseline_better"] = (
            ", ".join(f"{r} {b}->{n}" for r, b, n in comparison.better) or "none"
        )
    return values
