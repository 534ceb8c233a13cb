"""The allure results the suite writes: which fixture containers it leaves out
(``plugin/allure_labels.LeanFileLogger``), and an exchange as one attachment."""

import json

from allure_commons import model2 as model

from ec2conformance.exchange import Exchange
from ec2conformance.plugin.allure_labels import LeanFileLogger, exchange_text, says_nothing


def _container(*befores, children=("t1",)):
    return model.TestResultContainer(uuid="c", children=list(children), befores=list(befores))


def test_one_tests_fixture_that_passed_bare_says_nothing():
    assert says_nothing(_container(model.TestBeforeResult(name="judge", status="passed")))
    assert says_nothing(_container(model.TestBeforeResult(name="case")))  # a parametrized argument


def test_a_fixture_with_something_to_show_keeps_its_container():
    failed = model.TestBeforeResult(name="judge", status="broken")
    stepped = model.TestBeforeResult(
        name="lifecycle", status="passed", steps=[model.TestStepResult()]
    )
    shared = model.TestBeforeResult(name="target", status="passed")
    assert not says_nothing(_container(failed))
    assert not says_nothing(_container(stepped))
    assert not says_nothing(_container(shared, children=("t1", "t2")))
    after = model.TestResultContainer(
        uuid="c", children=["t1"], afters=[model.TestAfterResult(name="x", status="failed")]
    )
    assert not says_nothing(after)


def test_the_logger_writes_only_the_containers_that_say_something(tmp_path):
    logger = LeanFileLogger(tmp_path)
    logger.report_container(_container(model.TestBeforeResult(name="judge", status="passed")))
    kept = _container(model.TestBeforeResult(name="target", status="passed"), children=("a", "b"))
    kept.uuid = "kept"
    logger.report_container(kept)
    written = [json.loads(p.read_text()) for p in tmp_path.glob("*-container.json")]
    assert [c["uuid"] for c in written] == ["kept"]


def test_an_exchange_is_one_text_request_response_and_what_was_expected():
    exchange = Exchange(
        spec=None,
        method="POST",
        url="http://127.0.0.1:1/",
        request_headers=[("Authorization", "AWS4-HMAC-SHA256 Signature=abc")],
        request_body=b"Action=ImportInstance",
        status=400,
        response_headers=[("Content-Type", "text/xml")],
        response_body=b"<Response><Errors/></Response>",
        truncated=False,
        elapsed=0.01,
        error=None,
    )
    text = exchange_text(exchange, "expected: error MissingParameter")
    request, response, expected = text.split("\n" + "-" * 72 + "\n")
    assert request.startswith("request\n\nPOST http://127.0.0.1:1/")
    assert "Action = 'ImportInstance'" in request and "abc" not in request
    assert response.strip().startswith("response\n\nHTTP 400")
    assert expected.strip() == "expected\n\nexpected: error MissingParameter"
    assert "expected" not in exchange_text(exchange).split("-" * 72)[-1]
